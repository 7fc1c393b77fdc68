"""Datetimes on the Argus wire: ISO 8601 with an offset, ``"infinity"`` and ``null``.

Argus reads a naive datetime in the *server's* time zone. pyargus never
sends one: a naive datetime from the caller is taken as the local time of
the machine running pyargus and sent with that offset.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .models import INFINITY

__all__ = ["encode_datetime", "now", "parse_datetime"]

_MAX_NAIVE = datetime.max
_MIN_UTC = datetime.min.replace(tzinfo=timezone.utc)


def now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def is_infinity(value: datetime) -> bool:
    """Whether *value* is :data:`~pyargus.models.INFINITY` or a ``datetime.max``."""
    return value is INFINITY or value.replace(tzinfo=None) == _MAX_NAIVE


def encode_datetime(value: datetime) -> str:
    """*value* as Argus expects it: ISO 8601 with an explicit offset.

    Naive datetimes are taken as local time. ``datetime.max`` (naive or
    aware) and :data:`~pyargus.models.INFINITY` become ``"infinity"``.
    """
    if is_infinity(value):
        return "infinity"
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.astimezone()
    return value.isoformat()


def parse_datetime(value: str) -> datetime:
    """Parse an Argus datetime (``"infinity"`` gives :data:`~pyargus.models.INFINITY`).

    :raises ValueError: if *value* is not an ISO 8601 datetime.
    """
    if value[-1:] == "Z":  # Argus with TIME_ZONE=UTC; fromisoformat on 3.10 wants +00:00
        value = value[:-1] + "+00:00"
    try:
        result = datetime.fromisoformat(value)
    except ValueError:
        if value == "infinity":
            return INFINITY
        if value == "-infinity":
            return _MIN_UTC
        result = datetime.fromisoformat(_normalize_fraction(value))
    if result.tzinfo is None:
        # Not sent by Argus (it always gives an offset); assume UTC rather than guess.
        result = result.replace(tzinfo=timezone.utc)
    return result


def _normalize_fraction(value: str) -> str:
    """Pad or cut fractional seconds to 6 digits (Python 3.10's fromisoformat)."""
    dot = value.find(".", 19)
    if dot == -1:
        raise ValueError(f"invalid datetime: {value!r}")
    end = dot + 1
    while end < len(value) and value[end].isdigit():
        end += 1
    digits = value[dot + 1 : end]
    if not digits:
        raise ValueError(f"invalid datetime: {value!r}")
    return value[: dot + 1] + digits[:6].ljust(6, "0") + value[end:]
