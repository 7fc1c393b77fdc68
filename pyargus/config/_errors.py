"""The errors of :mod:`pyargus.config`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..exceptions import ArgusError, InvalidArgumentError

if TYPE_CHECKING:
    from ._plan import Change, Plan

__all__ = ["ApplyError", "ConfigError", "format_path"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def format_path(path: Sequence[str | int]) -> str:
    """``("filters", "Critical open", "filter")`` → ``filters."Critical open".filter``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            shown = part if _IDENTIFIER.fullmatch(part) else '"' + part.replace('"', '\\"') + '"'
            text += ("." if text else "") + shown
    return text


class ConfigError(InvalidArgumentError):
    """A notification config that pyargus cannot use, found before any change is sent.

    ``str()`` is ``<file>:<line>: <path>: <message>`` (the parts that are
    known; a config given as a dict has no file and no lines).

    :ivar source: the file (or ``None``).
    :ivar line: the 1-based line (or ``None``).
    :ivar path: where in the config, as a tuple of keys and list indexes.
    :ivar key: the offending key, for unknown and duplicate keys.
    :ivar reason: the message without the location.
    """

    def __init__(
        self,
        reason: str,
        *,
        source: str | None = None,
        line: int | None = None,
        path: Sequence[str | int] = (),
        key: str | None = None,
    ) -> None:
        self.source = source
        self.line = line
        self.path = tuple(path)
        self.key = key
        self.reason = reason
        where = ""
        if source is not None:
            where = source if line is None else f"{source}:{line}"
        elif line is not None:
            where = f"line {line}"
        parts = [part for part in (where, format_path(self.path)) if part]
        super().__init__(": ".join([*parts, reason]))


class ApplyError(ArgusError):
    """:func:`~pyargus.config.apply` stopped at a change that Argus refused.

    The changes before it were made (``done``); the rest were not. Running
    ``apply`` again after fixing the cause continues where it stopped.

    :ivar plan: the plan that was being applied.
    :ivar done: the changes that were made, with the pks of created objects.
    :ivar failed: the change that failed.
    :ivar error: the error (also the ``__cause__``).
    """

    def __init__(self, plan: Plan, done: Sequence[Change], failed: Change, error: Any) -> None:
        self.plan = plan
        self.done = tuple(done)
        self.failed = failed
        self.error = error
        self.retryable = bool(getattr(error, "retryable", False))
        super().__init__(
            f"{failed.describe()} failed after {len(self.done)} of {len(plan.changes)} "
            f"changes: {error}"
        )
