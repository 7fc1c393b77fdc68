"""Generate pyargus/async_client.py (AsyncClient) from pyargus/client.py (Client).

    python .ci/gen_async.py           # rewrite pyargus/async_client.py
    python .ci/gen_async.py --check   # exit 1 if it is stale (tests/test_async_parity.py runs this)

``Client`` is the one hand-written facade; ``AsyncClient`` is derived from
it, in the manner of httpcore's ``unasync``, by edits at the positions of
``client.py``'s syntax tree (so its comments, docstrings and layout stay):

* a method that does I/O becomes ``async def``: one that calls a
  declaration (``self.api.x(...)``), a flow (``_flows.run``, ``bulk.*``),
  an I/O method, or reads a listing; every such call is awaited;
* listings (methods returning ``pagination.iterate(...)``) stay plain
  methods returning a :class:`~pyargus.pagination.AsyncListing`
  (``pagination.aiterate``); in a method, ``for x in self.listing(...)``
  becomes ``async for``, ``list(...)`` ``await ....to_list()`` and
  ``next(..., None)`` ``await ....first()``;
* a ``@contextmanager`` method becomes an ``@asynccontextmanager``
  (``with self.cm(...)`` becomes ``async with``);
* ``close``/``__enter__``/``__exit__`` become ``aclose``/``__aenter__``/
  ``__aexit__``; ``Transport`` the async transport, ``requests.Session``
  ``aiohttp.ClientSession``, ``Client`` ``AsyncClient``.

Module-level helpers of ``client.py`` are imported from it, not copied.
Anything the rules cannot translate safely (an I/O call inside a lambda or
a nested function, a listing used in some other way) stops the generator
with the line to change, instead of producing a wrong client. The result
goes through ``ruff`` (imports, format) with the project's settings.
"""

from __future__ import annotations

import argparse
import ast
import difflib
import importlib
import inspect
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "pyargus" / "client.py"
TARGET = ROOT / "pyargus" / "async_client.py"

RENAMED_METHODS = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}
RENAMED_NAMES = {
    "Client": "AsyncClient",
    "Transport": "AsyncTransport",
    "contextmanager": "asynccontextmanager",
}
#: Functions of pyargus modules with an async twin: (module, name) -> (twin, awaited).
TWINS = {
    ("pagination", "iterate"): ("aiterate", False),
    ("_flows", "run"): ("arun", True),
    ("bulk", "send"): ("asend", True),
    ("bulk", "resolve"): ("aresolve", True),
}
#: Modules with functions that do I/O: a call of one of their functions that has no twin
#: above is refused, unless it builds a flow (a generator function) or is listed here.
IO_MODULES = {"bulk", "_flows"}
NO_IO = {("_flows", "not_source_system"), ("bulk", "finish")}
#: Receivers of client methods in Client's own code.
SELVES = {"self", "client", "cls"}

HEADER = '''"""The asyncio client: :class:`AsyncClient`, the whole :class:`~pyargus.client.Client` API.

Generated from ``pyargus/client.py`` by ``.ci/gen_async.py``: do not edit
by hand; change ``client.py`` and run ``python .ci/gen_async.py``.

>>> from pyargus.async_client import AsyncClient
>>> url, token = "https://argus.example.org/api/v2", "..."
>>> async with AsyncClient(url, token) as client:  # doctest: +SKIP
...     async for incident in client.get_my_incidents(open=True):
...         print(incident.pk, incident.description)
"""
'''

CLASS_DOC = '''"""An asyncio client of one Argus server's API v2: :class:`~pyargus.client.Client`'s API.

    Every method of :class:`~pyargus.client.Client` is here with the same
    name, arguments, return models and exceptions, as a coroutine; listings
    (``get_incidents``, ``get_my_incidents``, ``get_events``) return an
    :class:`~pyargus.pagination.AsyncListing` for ``async for`` (no
    ``await`` before it), with ``await listing.first()`` and ``await
    listing.to_list()``. Requests go through aiohttp (the ``async``
    extra: ``pip install 'argus-api-client[async]'``), with the sync
    client's retries, timeouts, typed errors, token scoping and log records.

    :param api_root_url: the API root, e.g. ``https://argus.example.org/api/v2/``.
    :param token: the API token of a source system or user; sent only to
        the origin of *api_root_url* and never shown.
    :param timeout: seconds to wait for a connection and for each read, or a
        ``(connect, read)`` pair.
    :param session: an :class:`aiohttp.ClientSession` to send requests with;
        it stays yours (pyargus never closes it). Without one, pyargus
        creates its own on the first request, inside the running event loop.
    :param verify: ``True`` (certifi's CAs, or ``REQUESTS_CA_BUNDLE`` /
        ``CURL_CA_BUNDLE``, as for requests), ``False``, or a CA bundle path.
    :param retries: as for :class:`~pyargus.client.Client`.
    :param pool_size: the most connections open at once (default 32);
        more concurrent requests wait for a free one. Not with *session*.
    :param api_class: a subclass of :class:`~pyargus.api.ArgusAPI`
        (default ``ArgusAPI``).

    The client can be made outside a running event loop; it is bound to
    the loop it is first used in (another loop gets an
    :class:`~pyargus.exceptions.ArgusError`). Many tasks may share it.
    Close it with :meth:`aclose` or use ``async with``; an unclosed client
    emits a :class:`ResourceWarning`.
    """'''


class GenerationError(Exception):
    """client.py uses a construct the generator cannot translate safely."""


@dataclass
class Method:
    node: ast.FunctionDef
    decorators: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.node.name


def _decorator_names(node: ast.FunctionDef) -> set[str]:
    names = set()
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


def _self_method(call: ast.AST) -> str | None:
    """``m`` for a call ``self.m(...)`` (or ``client.m``/``cls.m``)."""
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id in SELVES
    ):
        return call.func.attr
    return None


def _is_declaration_call(call: ast.Call) -> bool:
    """``self.api.x(...)``: a call of a declaration (a coroutine function in the async client).

    ``pagination.streamed(self.api.x)(...)`` is one too.
    """
    func = call.func
    if (
        isinstance(func, ast.Call)
        and _module_call(func) == ("pagination", "streamed")
        and len(func.args) == 1
    ):
        func = func.args[0]
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "api"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id in SELVES
    )


def _module_call(call: ast.Call) -> tuple[str, str] | None:
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return (func.value.id, func.attr)
    return None


def _no_io(module: str, name: str) -> bool:
    """Whether ``module.name`` does no I/O: it builds a flow, or is listed in :data:`NO_IO`."""
    if (module, name) in NO_IO:
        return True
    sys.path.insert(0, str(ROOT))
    try:
        function = getattr(importlib.import_module(f"pyargus.{module}"), name, None)
    finally:
        sys.path.remove(str(ROOT))
    return inspect.isgeneratorfunction(function)


def _is_close_call(call: ast.Call) -> bool:
    """``<...>.close()`` on the client or its transport."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr == "close"):
        return False
    value = func.value
    if isinstance(value, ast.Name):
        return value.id in SELVES
    return isinstance(value, ast.Attribute) and value.attr == "transport"


class Generator:
    def __init__(self, source: str) -> None:
        self.source = source
        self.data = source.encode()
        self.tree = ast.parse(source)
        self.line_starts = [0]
        for line in self.data.splitlines(keepends=True):
            self.line_starts.append(self.line_starts[-1] + len(line))
        self.edits: list[tuple[int, int, str]] = []
        self.cls = next(
            n for n in self.tree.body if isinstance(n, ast.ClassDef) and n.name == "Client"
        )
        self.methods = [
            Method(n, _decorator_names(n)) for n in self.cls.body if isinstance(n, ast.FunctionDef)
        ]
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                child._parent = node  # type: ignore[attr-defined]
        self.listings = {m.name for m in self.methods if self._returns_listing(m.node)}
        self.managers = {m.name for m in self.methods if "contextmanager" in m.decorators}
        self.io = self._io_methods()

    # Positions and edits

    def offset(self, line: int, col: int) -> int:
        return self.line_starts[line - 1] + col

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def text(self, node: ast.AST) -> str:
        return self.data[self.start(node) : self.end(node)].decode()

    def replace(self, node: ast.AST, text: str) -> None:
        self.edits.append((self.start(node), self.end(node), text))

    def insert(self, at: int, text: str) -> None:
        self.edits.append((at, at, text))

    def fail(self, node: ast.AST, why: str) -> None:
        line = getattr(node, "lineno", "?")
        raise GenerationError(f"pyargus/client.py:{line}: {why}")

    # Classification

    @staticmethod
    def _returns_listing(node: ast.FunctionDef) -> bool:
        for inner in ast.walk(node):
            if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Call):
                if _module_call(inner.value) == ("pagination", "iterate"):
                    return True
        return False

    def _does_io(self, method: Method, io: set[str]) -> bool:
        if method.name in RENAMED_METHODS or method.name in self.managers:
            return True
        for node in ast.walk(method.node):
            if not isinstance(node, ast.Call):
                continue
            if _is_declaration_call(node) or _is_close_call(node):
                return True
            module = _module_call(node)
            if module is not None and module[0] in IO_MODULES and not _no_io(*module):
                return True
            name = _self_method(node)
            if name in io or name in self.managers:
                return True
            if name in self.listings and not self._returned(node):
                return True  # reads a listing
        return False

    def _io_methods(self) -> set[str]:
        io: set[str] = set()
        while True:
            found = {m.name for m in self.methods if m.name not in io and self._does_io(m, io)}
            found -= self.listings
            if not found:
                return io
            io |= found

    @staticmethod
    def parent(node: ast.AST) -> ast.AST:
        return node._parent  # type: ignore[attr-defined, no-any-return]

    def _returned(self, call: ast.Call) -> bool:
        """Whether the listing *call* is handed on as it is (returned, or a lambda's result)."""
        parent = self.parent(call)
        return isinstance(parent, ast.Return | ast.Lambda)

    # Rewriting

    def generate(self) -> str:
        for method in self.methods:
            self.method(method)
        self.names()
        edits = sorted(set(self.edits), key=lambda e: (e[0], e[1]), reverse=True)
        for (start, end, _), (next_start, _, _) in zip(edits[1:], edits, strict=False):
            if start < end and end > next_start:
                raise GenerationError(f"overlapping rewrites at byte {next_start} of client.py")
        for start, end, text in edits:
            self.data = self.data[:start] + text.encode() + self.data[end:]
        body = self.data.decode()
        return self.assemble(body)

    def method(self, method: Method) -> None:
        node = method.node
        name = node.name
        is_async = name in self.io  # (overloads share the name of their implementation)
        def_at = self.start(node)
        if is_async:
            self.insert(def_at, "async ")
        if name in RENAMED_METHODS:
            at = def_at + len("def ")
            self.edits.append((at, at + len(name), RENAMED_METHODS[name]))
        if name in self.listings:
            self.listing_annotation(node)
        if name in self.managers:
            self.manager_annotation(node)
        self.api_class_default(node)
        if node.body and isinstance(node.body[0], ast.Expr):
            docstring = node.body[0].value
            if isinstance(docstring, ast.Constant) and isinstance(docstring.value, str):
                self.docstring(docstring)
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call):
                self.call(inner, node)
            elif isinstance(inner, ast.For):
                self.loop(inner)
            elif isinstance(inner, ast.With):
                self.with_(inner)

    def listing_annotation(self, node: ast.FunctionDef) -> None:
        returns = node.returns
        if (
            isinstance(returns, ast.Subscript)
            and isinstance(returns.value, ast.Name)
            and returns.value.id in ("Iterator", "Listing")
        ):
            self.replace(returns.value, "AsyncListing")
        else:
            self.fail(node, f"listing {node.name} must be annotated -> Iterator[...]")

    def manager_annotation(self, node: ast.FunctionDef) -> None:
        returns = node.returns
        if not (isinstance(returns, ast.Subscript) and isinstance(returns.value, ast.Name)):
            self.fail(node, f"context manager {node.name} must be annotated -> Iterator[...]")
            return
        kind = returns.value.id
        if kind == "Iterator":
            self.replace(returns.value, "AsyncIterator")
        elif kind == "Generator" and isinstance(returns.slice, ast.Tuple):
            yielded = self.text(returns.slice.elts[0])
            self.replace(returns, f"AsyncGenerator[{yielded}, None]")
        else:
            self.fail(node, f"context manager {node.name}: unknown annotation {kind}")

    def api_class_default(self, node: ast.FunctionDef) -> None:
        """``api_class=None`` (for ``ArgusAPI``), the signature the async client promises."""
        args = node.args
        for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if arg.arg == "api_class" and default is not None:
                self.replace(default, "None")
                if arg.annotation is not None:
                    self.replace(arg.annotation, f"{self.text(arg.annotation)} | None")

    def docstring(self, node: ast.Constant) -> None:
        text = self.text(node)
        new = text
        for name in sorted(self.io | self.listings, key=len, reverse=True):
            if name.startswith("_"):
                continue
            if name in self.managers:
                new = new.replace(f"with client.{name}(", f"async with client.{name}(")
            elif name in self.io:
                new = new.replace(f" client.{name}(", f" await client.{name}(")
            else:
                new = new.replace(
                    f"for incident in client.{name}(", f"async for incident in client.{name}("
                )
        new = new.replace(":meth:`close`", ":meth:`aclose`")
        if new != text:
            self.replace(node, new)

    def call(self, call: ast.Call, method: ast.FunctionDef) -> None:
        module = _module_call(call)
        if module in TWINS:
            twin, awaited = TWINS[module]
            self.replace(call.func, f"{module[0]}.{twin}")
            if awaited:
                self.await_(call, method)
            return
        if module is not None and module[0] in IO_MODULES and not _no_io(*module):
            self.fail(call, f"{module[0]}.{module[1]} has no async twin known to the generator")
        if _is_close_call(call):
            assert isinstance(call.func, ast.Attribute)
            self.replace(call.func, f"{self.text(call.func.value)}.aclose")
            self.await_(call, method)
            return
        name = _self_method(call)
        if _is_declaration_call(call) or name in self.io and name not in self.managers:
            self.await_(call, method)
        elif name in self.listings:
            self.listing_use(call, method)

    def listing_use(self, call: ast.Call, method: ast.FunctionDef) -> None:
        parent = self.parent(call)
        if self._returned(call) or isinstance(parent, ast.For) and parent.iter is call:
            return  # handed on, or `async for` (see loop)
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name):
            outer, args = parent.func.id, parent.args
            if outer == "list" and args == [call] and not parent.keywords:
                self.replace(parent, f"{self.text(call)}.to_list()")
                self.await_(parent, method)
                return
            if (
                outer == "next"
                and len(args) == 2
                and args[0] is call
                and isinstance(args[1], ast.Constant)
                and args[1].value is None
            ):
                self.replace(parent, f"{self.text(call)}.first()")
                self.await_(parent, method)
                return
        self.fail(call, "use a listing only in `for`, list(...), next(..., None) or return it")

    def await_(self, call: ast.Call, method: ast.FunctionDef) -> None:
        node: ast.AST = call
        while True:
            node = self.parent(node)
            if isinstance(node, ast.Lambda | ast.FunctionDef | ast.AsyncFunctionDef):
                break
            if isinstance(node, ast.comprehension | ast.GeneratorExp | ast.ListComp):
                self.fail(call, "an I/O call in a comprehension: write a for loop")
        if node is not method:
            self.fail(call, "an I/O call in a lambda or nested function cannot be awaited")
        parent = self.parent(call)
        needs_parens = (
            isinstance(parent, ast.Attribute | ast.Subscript) and parent.value is call
        ) or (isinstance(parent, ast.Call) and parent.func is call)
        if needs_parens:
            self.insert(self.start(call), "(await ")
            self.insert(self.end(call), ")")
        else:
            self.insert(self.start(call), "await ")

    def loop(self, node: ast.For) -> None:
        if _self_method(node.iter) in self.listings:
            self.insert(self.start(node), "async ")

    def with_(self, node: ast.With) -> None:
        managers = [_self_method(item.context_expr) in self.managers for item in node.items]
        if any(managers):
            if not all(managers):
                self.fail(node, "mix of sync and async context managers in one `with`")
            self.insert(self.start(node), "async ")

    def names(self) -> None:
        for node in ast.walk(self.cls):
            if isinstance(node, ast.Name) and node.id in RENAMED_NAMES:
                self.replace(node, RENAMED_NAMES[node.id])
            elif (
                isinstance(node, ast.Attribute)
                and node.attr == "Session"
                and isinstance(node.value, ast.Name)
                and node.value.id == "requests"
            ):
                self.replace(node, "aiohttp.ClientSession")
            elif (
                isinstance(node, ast.Attribute)
                and node.attr == "client"
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "load_config"
            ):
                self.replace(node, f"{self.text(node.value)}.async_client")
        doc = self.cls.body[0]
        if isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant):
            self.replace(doc.value, CLASS_DOC)
        name_at = self.start(self.cls) + len("class ")
        self.edits.append((name_at, name_at + len("Client"), "AsyncClient"))

    # The module

    def assemble(self, body: str) -> str:
        tree = self.tree
        lines = self.source.splitlines(keepends=True)
        imports = []
        shared = []
        for node in tree.body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                    continue
                imports.append("".join(lines[node.lineno - 1 : node.end_lineno]))
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                shared += [t.id for t in targets if isinstance(t, ast.Name) and t.id != "__all__"]
            elif isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name != "Client":
                shared.append(node.name)
        return (
            HEADER
            + "\nfrom __future__ import annotations\n\n"
            + "from collections.abc import AsyncGenerator, AsyncIterator\n"
            + "from contextlib import asynccontextmanager\n"
            + "from typing import TYPE_CHECKING\n\n"
            + "".join(imports)
            + "\nfrom ._async_transport import AsyncTransport\n"
            + "from .pagination import AsyncListing\n"
            + f"from .client import {', '.join(sorted(shared))}\n"
            + "\nif TYPE_CHECKING:\n    import aiohttp\n\n"
            + '__all__ = ["AsyncClient"]\n\n\n'
            + _class_segment(body)
        )


def _class_segment(body: str) -> str:
    """The class statement of the rewritten module *body* (from ``class`` to its end)."""
    tree = ast.parse(body)
    node = next(n for n in tree.body if isinstance(n, ast.ClassDef))
    lines = body.splitlines(keepends=True)
    return "".join(lines[node.lineno - 1 : node.end_lineno])


def _ruff(code: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--stdin-filename", str(TARGET), "-"],
        input=code,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if result.returncode not in (0, 1) or not result.stdout:
        raise GenerationError(f"ruff {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def generate(source: str) -> str:
    """The async client module for the sync client module *source*."""
    code = Generator(source).generate()
    ast.parse(code)  # a syntax error here is a bug of the generator
    code = _ruff(code, "check", "--fix", "--exit-zero", "--select", "I,F401", "--quiet")
    return _ruff(code, "format", "--quiet")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    options = parser.parse_args()
    try:
        code = generate(SOURCE.read_text())
    except GenerationError as error:
        print(f"gen_async: {error}", file=sys.stderr)
        return 2
    current = TARGET.read_text() if TARGET.exists() else ""
    if options.check:
        if current != code:
            diff = difflib.unified_diff(
                current.splitlines(keepends=True),
                code.splitlines(keepends=True),
                str(TARGET.relative_to(ROOT)),
                "generated",
            )
            sys.stdout.writelines(list(diff)[:80])
            print(
                f"\n{TARGET.relative_to(ROOT)} is stale: run `python .ci/gen_async.py`",
                file=sys.stderr,
            )
            return 1
        return 0
    if current != code:
        TARGET.write_text(code)
        print(f"wrote {TARGET.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
