"""Timeslot recurrences as sets of instants of the week, and moving them to the server's zone.

Argus matches an event when its weekday (in the server's zone) is one of a
recurrence's days and ``start <= time <= end``. A timeslot is therefore a
set of instants of the week. :func:`canonical` turns any list of
recurrences into the one list that describes the same set (merged
intervals, split at midnights, days grouped), so that two timeslots that
match the same instants compare equal, whatever recurrences they were
written with. It works in microseconds, Argus' resolution.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ._spec import SERVER, RecurrenceSpec

__all__ = ["Recurrence", "ZoneMismatch", "canonical", "zone_shift"]

#: ``(days, start, end)`` with sorted days and ``start < end``, both included.
Recurrence = tuple[tuple[int, ...], time, time]

_DAY = 86_400_000_000
_WEEK = 7 * _DAY
_SAMPLE_DAYS = 366


class ZoneMismatch(ValueError):
    """The file's zone and the server's do not keep the same distance all year."""


def _micros(value: time) -> int:
    return ((value.hour * 60 + value.minute) * 60 + value.second) * 1_000_000 + value.microsecond


def _time(micros: int) -> time:
    seconds, micro = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, micro)


def _intervals(recurrences: Iterable[RecurrenceSpec], shift: int) -> list[tuple[int, int]]:
    """Closed intervals of the week (0 = Monday 00:00), moved by *shift* µs, not wrapping."""
    result = []
    for rec in recurrences:
        start, end = _micros(rec.start), _micros(rec.end)
        if end < start:  # runs past midnight
            end += _DAY
        for day in rec.days:
            a = (day - 1) * _DAY + start + shift
            b = (day - 1) * _DAY + end + shift
            a, b = a % _WEEK, b - (a - a % _WEEK)
            if b < _WEEK:
                result.append((a, b))
            else:  # past Sunday midnight: split at the end of the week
                result.append((a, _WEEK - 1))
                result.append((0, b - _WEEK))
    return result


def _merge(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1] + 1:  # overlapping or touching
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def canonical(
    recurrences: Iterable[RecurrenceSpec], shift: timedelta = timedelta(0)
) -> tuple[Recurrence, ...]:
    """The recurrences, moved by *shift*, in their one canonical form.

    Each piece of a day becomes ``(days, start, end)``; pieces with the same
    times are grouped; the result is sorted. A piece of a single microsecond
    (a midnight end, e.g. ``22:00``-``00:00``) cannot be written for Argus,
    which needs ``start < end``, and is left out.
    """
    shift_us = (shift.days * 86_400 + shift.seconds) * 1_000_000 + shift.microseconds
    pieces: dict[tuple[int, int], set[int]] = {}
    for a, b in _merge(_intervals(recurrences, shift_us)):
        while a <= b:
            day, offset = divmod(a, _DAY)
            day_end = min(b, (day + 1) * _DAY - 1)
            if day_end > a:
                pieces.setdefault((offset, day_end - day * _DAY), set()).add(day + 1)
            a = day_end + 1
    return tuple(
        sorted(
            (tuple(sorted(days)), _time(start), _time(end)) for (start, end), days in pieces.items()
        )
    )


def zone_shift(file_zone: str, server_zone: str | None, now: datetime | None = None) -> timedelta:
    """How far the server's wall clock is ahead of *file_zone*'s, the same all year.

    :raises ZoneMismatch: if *server_zone* is not known (and needed), or if
        the distance changes during the coming year (the zones change to
        summer time on different dates, or one does and the other does not):
        a weekly timeslot in one zone is then not weekly in the other.
    """
    if file_zone in (SERVER, server_zone):
        return timedelta(0)
    if server_zone is None:
        raise ZoneMismatch(
            f"its times are in {file_zone}, and converting them needs the Argus server's "
            "time zone (its TIME_ZONE setting, which the API does not tell): add "
            "'server_timezone: <zone>' at the top of the file or pass server_timezone=, "
            f"or write 'timezone: {SERVER}' for times in the server's wall clock"
        )
    source, target = ZoneInfo(file_zone), ZoneInfo(server_zone)
    start = (now or datetime.now(timezone.utc)).replace(minute=0, second=0, microsecond=0)
    shifts = set()
    for hour in range(_SAMPLE_DAYS * 24):
        moment = start + timedelta(hours=hour)
        offset_file = moment.astimezone(source).utcoffset()
        offset_server = moment.astimezone(target).utcoffset()
        assert offset_file is not None
        assert offset_server is not None
        shifts.add(offset_server - offset_file)
    if len(shifts) > 1:
        shown = ", ".join(sorted(_hours(shift) for shift in shifts))
        raise ZoneMismatch(
            f"its times are in {file_zone} and the server's in {server_zone}, which are "
            f"{shown} apart at different times of the year, so a weekly timeslot in one "
            f"zone is not weekly in the other: state the times in {server_zone} "
            f"(or 'timezone: {SERVER}')"
        )
    return shifts.pop()


def _hours(shift: timedelta) -> str:
    minutes = int(shift.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d} h"
