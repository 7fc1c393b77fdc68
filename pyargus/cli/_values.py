"""Command-line values: durations, times, tags, levels, pks (``argparse`` types).

Each raises :class:`argparse.ArgumentTypeError`, which argparse reports as
``argument --since: ...`` with exit status 2, before anything is sent.
Standard library only (imported by ``argus --help``).
"""

from __future__ import annotations

import re
import sys
from argparse import ArgumentTypeError
from datetime import datetime, timedelta, timezone

__all__ = [
    "count",
    "duration",
    "level",
    "max_resolve",
    "parse_time",
    "pk",
    "pk_or_stdin",
    "seconds",
    "since",
    "tag",
    "until",
    "version",
]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(?:\d+(?:\.\d+)?[smhdw])+")
_PART = re.compile(r"(\d+(?:\.\d+)?)([smhdw])")
_TAG_KEY = re.compile(r"[a-z0-9_]+")  # Argus' rule (pyargus.models.check_tag_key)
_EXAMPLES = (
    "e.g. 30m, 2h, 1d, 1h30m, or ISO 8601 such as 2026-12-01T10:00 or 2026-12-01T10:00+01:00"
)


def duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``2h``, ``1d``, ``1w`` or combinations (``1h30m``)."""
    value = text.strip().lower()
    if not _DURATION.fullmatch(value):
        raise ArgumentTypeError(
            f"invalid duration {text!r} (a number and a unit s, m, h, d or w, e.g. 30m, 2h, 1h30m)"
        )
    total = sum(float(n) * _UNITS[unit] for n, unit in _PART.findall(value))
    return timedelta(seconds=total)


def parse_time(text: str) -> datetime:
    """An ISO 8601 date or datetime, timezone-aware (naive ones are local time).

    :raises ValueError: for anything else.
    """
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.astimezone()  # the local time of this machine
    return parsed


def _time(text: str, sign: int) -> datetime:
    value = text.strip()
    if value.lower() == "now":
        return datetime.now(timezone.utc)
    if _DURATION.fullmatch(value.lower()):
        return datetime.now(timezone.utc) + sign * duration(value)
    try:
        return parse_time(value)
    except ValueError:
        raise ArgumentTypeError(f"invalid time {text!r} ({_EXAMPLES})") from None


def since(text: str) -> datetime:
    """A time: a duration ago (``2h``: two hours ago), ``now`` or ISO 8601."""
    return _time(text, -1)


def until(text: str) -> datetime:
    """A time: a duration from now (``4h``: in four hours), ``now`` or ISO 8601."""
    return _time(text, +1)


def seconds(text: str) -> float:
    """A positive number of seconds, or a duration (``60``, ``1.5``, ``2m``)."""
    try:
        value = float(text)
    except ValueError:
        value = duration(text).total_seconds()
    if not 0 < value < float("inf"):
        raise ArgumentTypeError(f"invalid number of seconds {text!r} (must be more than 0)")
    return value


def count(text: str) -> int:
    """A whole number >= 0."""
    if not text.strip().isdigit():
        raise ArgumentTypeError(f"invalid number {text!r} (a whole number >= 0)")
    return int(text)


def pk(text: str) -> int:
    """An id (a whole number >= 1); ``#12`` is ``12``."""
    value = text.strip().removeprefix("#")
    if not value.isdigit() or int(value) < 1:
        raise ArgumentTypeError(f"invalid id {text!r} (a whole number >= 1)")
    return int(value)


def pk_or_stdin(text: str) -> int | str:
    """An id, or ``-``: read ids from standard input."""
    return "-" if text == "-" else pk(text)


def read_pks(words: list[int | str]) -> list[int]:
    """*words* with each ``-`` replaced by the ids on standard input (first field of each line)."""
    pks: list[int] = []
    for word in words:
        if word != "-":
            pks.append(int(word))
            continue
        for number, line in enumerate(sys.stdin, 1):
            field = line.split(None, 1)[0] if line.strip() else ""
            if not field:
                continue
            try:
                pks.append(pk(field))
            except ArgumentTypeError as exc:
                raise ArgumentTypeError(f"standard input, line {number}: {exc}") from None
    return pks


def level(text: str) -> int:
    """An Argus level, 1 (critical) to 5."""
    if text.strip() not in ("1", "2", "3", "4", "5"):
        raise ArgumentTypeError(f"invalid level {text!r} (Argus levels are 1, critical, to 5)")
    return int(text)


def tag(text: str) -> tuple[str, str]:
    """``key=value``, with a key Argus accepts (``[a-z0-9_]+``) and a value."""
    key, equals, value = text.partition("=")
    if not equals:
        raise ArgumentTypeError(f"invalid tag {text!r} (expected KEY=VALUE, e.g. host=db1)")
    if not _TAG_KEY.fullmatch(key):
        raise ArgumentTypeError(
            f"invalid tag key {key!r} in {text!r}: Argus tag keys may only contain "
            "lowercase letters, digits and underscores ([a-z0-9_]+)"
        )
    if not value:
        raise ArgumentTypeError(f"invalid tag {text!r}: the value is empty")
    return key, value


def version(text: str) -> str:
    """A version such as ``2.10``."""
    parts = text.strip().split(".")
    if not all(part.isdigit() for part in parts):
        raise ArgumentTypeError(f"invalid version {text!r} (e.g. 2.10)")
    return text.strip()


def max_resolve(text: str) -> int | float | None:
    """A count (``10``), a share (``0.5``) or ``none``."""
    value = text.strip().lower()
    if value == "none":
        return None
    if value.isdigit():
        return int(value)
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise ArgumentTypeError(
            f"invalid limit {text!r} (a count such as 10, a share such as 0.5, or none)"
        )
    return share
