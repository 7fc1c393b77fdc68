"""Import marshmallow without compiling its e-mail regex at import time.

``marshmallow.validate`` compiles ``Email.DOMAIN_REGEX`` in its class body:
a case-insensitive pattern over the range ``\\u00a1-\\uffff``, which
``re`` takes 55-75 ms to compile (CPython 3.10-3.13), a third of what
importing ``requests`` costs, in every process that imports marshmallow,
whether it validates e-mail addresses or not (pyargus never does).

:func:`install` adds a one-shot import hook: when ``marshmallow.validate``
is first imported, patterns that are slow to compile (case-insensitive,
with characters beyond Latin-1) become :class:`LazyPattern` objects, which
compile on first use and then behave as the compiled pattern. Nothing else
changes: other patterns compile as usual, and the hook removes itself
after that one import. If marshmallow is already imported, it does nothing.
"""

from __future__ import annotations

import re
import sys
import threading
from contextlib import contextmanager
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import Any

__all__ = ["LazyPattern", "install"]

_TARGET = "marshmallow.validate"
_compile = re.compile


class LazyPattern:
    """A regular expression compiled on first use (stands in for a ``re.Pattern``)."""

    __slots__ = ("_args", "_lock", "_pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self._args = (pattern, flags)
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()

    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern."""
        pattern = self._pattern
        if pattern is None:
            with self._lock:
                pattern = self._pattern
                if pattern is None:
                    pattern = self._pattern = _compile(*self._args)
        return pattern

    def __getattr__(self, name: str) -> Any:  # match, search, fullmatch, pattern, flags, ...
        if name.startswith("__"):  # e.g. ABCMeta looks for __isabstractmethod__
            raise AttributeError(name)
        return getattr(self.compiled(), name)

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return (re.compile, self._args)

    def __repr__(self) -> str:
        return f"LazyPattern({self._args[0]!r}, {self._args[1]!r})"


def _is_slow(pattern: Any, flags: int) -> bool:
    return (
        isinstance(pattern, str)
        and bool(flags & re.IGNORECASE)
        and any(ord(char) > 0xFF for char in pattern)
    )


@contextmanager
def _lazy_slow_patterns() -> Any:
    def compile_(pattern: Any, flags: int = 0) -> Any:
        if _is_slow(pattern, flags):
            return LazyPattern(pattern, flags)
        return _compile(pattern, flags)

    re.compile = compile_
    try:
        yield
    finally:
        re.compile = _compile


class _Loader:
    """Wraps the real loader of ``marshmallow.validate``."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        with _lazy_slow_patterns():
            self.loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:  # get_code, get_source, ... for tools
        return getattr(self.loader, name)


class _Finder:
    """A one-shot ``sys.meta_path`` finder for ``marshmallow.validate``."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> ModuleSpec | None:
        if fullname != _TARGET:
            return None
        uninstall()
        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _Loader(spec.loader)
        return spec


_finder = _Finder()


def install() -> None:
    """Defer marshmallow's slow import-time regex (see the module docs)."""
    if _TARGET not in sys.modules and _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)


def uninstall() -> None:
    """Remove the hook if it is still there."""
    if _finder in sys.meta_path:
        sys.meta_path.remove(_finder)
