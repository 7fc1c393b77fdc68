"""The notification config as declared: validation of the file's data into specs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .. import checks
from ..exceptions import InvalidArgumentError
from ..models import FILTER_KEYS
from ._errors import ConfigError
from ._read import Lines, PathKey

__all__ = [
    "KINDS",
    "SERVER",
    "DestinationSpec",
    "FilterSpec",
    "NotificationConfig",
    "ProfileSpec",
    "RecurrenceSpec",
    "TimeslotSpec",
    "parse",
]

#: ``timezone: server``: the times are the Argus server's own wall clock.
SERVER = "server"
#: The kinds of objects a config declares, in the order they are created.
KINDS = ("timeslot", "filter", "destination", "notification_profile")
#: Name lengths Argus allows.
NAME_MAX = 40

_TOP_KEYS = (
    "version",
    "timezone",
    "server_timezone",
    "timeslots",
    "filters",
    "destinations",
    "notification_profiles",
)
_TIMESLOT_KEYS = ("timezone", "recurrences")
_RECURRENCE_KEYS = ("days", "start", "end", "all_day")
_FILTER_KEYS = ("filter", "public")
_DESTINATION_KEYS = ("media", "settings", "label")
_PROFILE_KEYS = ("timeslot", "filters", "destinations", "active")
_BLOB_BOOLS = ("open", "acked", "stateful")
_DAYS = {
    name: number
    for number, names in enumerate(
        (
            ("mon", "monday"),
            ("tue", "tuesday"),
            ("wed", "wednesday"),
            ("thu", "thursday"),
            ("fri", "friday"),
            ("sat", "saturday"),
            ("sun", "sunday"),
        ),
        start=1,
    )
    for name in names
}
_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_END_OF_DAY = time.max  # 23:59:59.999999, Argus' last instant of a day


@dataclass(frozen=True)
class RecurrenceSpec:
    """Days and times of a timeslot, in the timeslot's zone, both ends included.

    An ``end`` before ``start`` runs past midnight into the next day;
    ``time.max`` is the end of the day (``end: "24:00"``, ``all_day``).
    """

    days: tuple[int, ...]
    start: time
    end: time


@dataclass(frozen=True)
class TimeslotSpec:
    name: str
    #: An IANA zone name, or ``"server"``.
    timezone: str
    recurrences: tuple[RecurrenceSpec, ...]


@dataclass(frozen=True)
class FilterSpec:
    name: str
    #: The filter blob, checked (keys Argus knows, right types).
    filter: Mapping[str, Any]
    public: bool = False


@dataclass(frozen=True)
class DestinationSpec:
    #: The destination's name in the file (Argus does not store it).
    ref: str
    media: str
    #: The settings, normalised (phone numbers without spaces).
    settings: Mapping[str, Any]
    label: str | None = None


@dataclass(frozen=True)
class ProfileSpec:
    name: str
    timeslot: str
    filters: tuple[str, ...]
    destinations: tuple[str, ...] = ()
    active: bool = True


@dataclass(frozen=True)
class NotificationConfig:
    """A notification config: what :func:`~pyargus.config.plan` compares with Argus.

    Made by :func:`~pyargus.config.load_config_file` or
    :func:`~pyargus.config.parse_config`; each mapping is keyed by name
    (destinations by their name in the file).
    """

    timeslots: Mapping[str, TimeslotSpec] = field(default_factory=dict)
    filters: Mapping[str, FilterSpec] = field(default_factory=dict)
    destinations: Mapping[str, DestinationSpec] = field(default_factory=dict)
    notification_profiles: Mapping[str, ProfileSpec] = field(default_factory=dict)
    #: The Argus server's ``TIME_ZONE``, if the file states it.
    server_timezone: str | None = None
    #: The file it came from (``None`` for a dict).
    source: str | None = None
    lines: Lines = field(default_factory=dict, repr=False, compare=False)

    def error(self, reason: str, path: PathKey, key: str | None = None) -> ConfigError:
        """A :class:`ConfigError` at *path* of this config."""
        return _error(reason, path, self.source, self.lines, key)


def _error(
    reason: str, path: PathKey, source: str | None, lines: Lines, key: str | None = None
) -> ConfigError:
    line = None
    for end in range(len(path), 0, -1):
        line = lines.get(path[:end])
        if line is not None:
            break
    return ConfigError(reason, source=source, line=line, path=path, key=key)


class _Checker:
    def __init__(self, source: str | None, lines: Lines) -> None:
        self.source = source
        self.lines = lines

    def error(self, reason: str, path: PathKey, key: str | None = None) -> ConfigError:
        return _error(reason, path, self.source, self.lines, key)

    def mapping(self, value: Any, path: PathKey, known: tuple[str, ...]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(f"must be a mapping, not {_kind(value)}", path)
        for key in value:
            if not isinstance(key, str):
                raise self.error(f"keys must be strings, not {key!r}", path)
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise self.error(
                    f"unknown key {key!r} (known: {', '.join(known)}){hint}",
                    (*path, key),
                    key=key,
                )
        return value

    def named(self, value: Any, path: PathKey) -> Mapping[str, Any]:
        """A section: a mapping of names (1-40 characters) to declarations."""
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f"must be a mapping of names, not {_kind(value)}", path)
        for name in value:
            self.name(name, (*path, name))
        return value

    def name(self, value: Any, path: PathKey) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.error(f"a name must be a non-empty string, not {value!r}", path)
        if len(value) > NAME_MAX:
            raise self.error(f"names have at most {NAME_MAX} characters in Argus", path)
        return value

    def boolean(self, value: Any, path: PathKey, *, null: bool = False) -> bool | None:
        if value is None and null:
            return None
        if not isinstance(value, bool):
            raise self.error(f"must be true or false, not {value!r}", path)
        return value

    def string(self, value: Any, path: PathKey) -> str:
        if not isinstance(value, str) or not value:
            raise self.error(f"must be a non-empty string, not {value!r}", path)
        return value

    def items(self, value: Any, path: PathKey) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(f"must be a list, not {_kind(value)}", path)
        return value

    def zone(self, value: Any, path: PathKey) -> str:
        name = self.string(value, path)
        if name == SERVER:
            return name
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise self.error(
                f"unknown time zone {name!r} (an IANA name such as 'Europe/Oslo' or 'UTC', "
                f"or {SERVER!r} for the Argus server's own wall clock)",
                path,
            ) from None
        return name


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return "a string" if isinstance(value, str) else repr(value)


def parse(data: Any, source: str | None = None, lines: Lines | None = None) -> NotificationConfig:
    """Check *data* (a file's content, or a dict) and turn it into a :class:`NotificationConfig`."""
    lines = {} if lines is None else lines
    check = _Checker(source, lines)
    top = check.mapping({} if data is None else data, (), _TOP_KEYS)
    if "version" in top and top["version"] != 1:
        raise check.error(
            f"unknown version {top['version']!r} (this pyargus reads 1)", ("version",)
        )
    default_zone = check.zone(top["timezone"], ("timezone",)) if "timezone" in top else None
    server_zone = None
    if top.get("server_timezone") is not None:
        server_zone = check.zone(top["server_timezone"], ("server_timezone",))
        if server_zone == SERVER:
            raise check.error(
                "must name the server's zone, e.g. 'Europe/Oslo'", ("server_timezone",)
            )
    timeslots = {
        name: _timeslot(check, name, value, default_zone)
        for name, value in check.named(top.get("timeslots"), ("timeslots",)).items()
    }
    filters = {
        name: _filter(check, name, value)
        for name, value in check.named(top.get("filters"), ("filters",)).items()
    }
    destinations = {
        ref: _destination(check, ref, value)
        for ref, value in check.named(top.get("destinations"), ("destinations",)).items()
    }
    _unique_destinations(check, destinations)
    profiles = {
        name: _profile(check, name, value, timeslots, filters, destinations)
        for name, value in check.named(
            top.get("notification_profiles"), ("notification_profiles",)
        ).items()
    }
    return NotificationConfig(
        timeslots=timeslots,
        filters=filters,
        destinations=destinations,
        notification_profiles=profiles,
        server_timezone=server_zone,
        source=source,
        lines=lines,
    )


# Timeslots


def _timeslot(check: _Checker, name: str, value: Any, default_zone: str | None) -> TimeslotSpec:
    path: PathKey = ("timeslots", name)
    value = check.mapping(value, path, _TIMESLOT_KEYS)
    if "timezone" in value:
        zone = check.zone(value["timezone"], (*path, "timezone"))
    elif default_zone is not None:
        zone = default_zone
    else:
        raise check.error(
            "the zone of its times is missing: add 'timezone: <IANA name>' (or "
            f"'timezone: {SERVER}' for the Argus server's wall clock) here or at the top",
            path,
        )
    if "recurrences" not in value:
        raise check.error("'recurrences' is missing (a list; [] never matches)", path)
    items = check.items(value["recurrences"], (*path, "recurrences"))
    recurrences = tuple(
        _recurrence(check, item, (*path, "recurrences", index)) for index, item in enumerate(items)
    )
    return TimeslotSpec(name=name, timezone=zone, recurrences=recurrences)


def _recurrence(check: _Checker, value: Any, path: PathKey) -> RecurrenceSpec:
    value = check.mapping(value, path, _RECURRENCE_KEYS)
    if "days" not in value:
        raise check.error("'days' is missing (e.g. [mon, tue] or [1, 2]; 1 = Monday)", path)
    days = tuple(
        sorted(
            {
                _day(check, day, (*path, "days", index))
                for index, day in enumerate(check.items(value["days"], (*path, "days")))
            }
        )
    )
    all_day = bool(check.boolean(value.get("all_day", False), (*path, "all_day")))
    if all_day:
        for key in ("start", "end"):
            if key in value:
                raise check.error(f"'all_day: true' and {key!r} exclude each other", (*path, key))
        return RecurrenceSpec(days=days, start=time(0), end=_END_OF_DAY)
    for key in ("start", "end"):
        if key not in value:
            raise check.error(f"{key!r} is missing (or say 'all_day: true')", path)
    start = _time(check, value["start"], (*path, "start"), end=False)
    end = _time(check, value["end"], (*path, "end"), end=True)
    if start == end:
        raise check.error("'start' and 'end' are the same time", path)
    return RecurrenceSpec(days=days, start=start, end=end)


def _day(check: _Checker, value: Any, path: PathKey) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 7:
        return value
    if isinstance(value, str) and value.lower() in _DAYS:
        return _DAYS[value.lower()]
    raise check.error(
        f"{value!r} is not a day (1-7 with 1 = Monday, or mon, tue, ..., sunday)", path
    )


def _time(check: _Checker, value: Any, path: PathKey, *, end: bool) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise check.error("give the zone with 'timezone', not in the time", path)
        return value
    if isinstance(value, str):
        match = _TIME.fullmatch(value.strip())
        if match:
            hour, minute = int(match[1]), int(match[2])
            second = int(match[3] or 0)
            micro = int((match[4] or "").ljust(6, "0"))
            if end and (hour, minute, second, micro) == (24, 0, 0, 0):
                return _END_OF_DAY
            if hour < 24 and minute < 60 and second < 60:
                return time(hour, minute, second, micro)
    hint = " ('24:00' is allowed as an end)" if not end else ""
    raise check.error(
        f"{value!r} is not a time: write it as a quoted 'HH:MM[:SS[.ffffff]]' string{hint}; "
        "the zone goes in 'timezone'",
        path,
    )


# Filters


def _filter(check: _Checker, name: str, value: Any) -> FilterSpec:
    path: PathKey = ("filters", name)
    value = check.mapping(value, path, _FILTER_KEYS)
    if "filter" not in value:
        raise check.error("'filter' is missing (the filter's conditions)", path)
    blob = check_blob(value["filter"], (*path, "filter"), check)
    public = bool(check.boolean(value.get("public", False), (*path, "public")))
    return FilterSpec(name=name, filter=blob, public=public)


def check_blob(value: Any, path: PathKey, check: _Checker | None = None) -> dict[str, Any]:
    """A filter blob, checked (:func:`pyargus.checks.filter_blob`), in canonical form:
    lists sorted and de-duplicated, without the values that mean "ignore"
    (``None``, an empty list, ``hide_closed_acked: false``)."""
    check = _Checker(None, {}) if check is None else check
    value = check.mapping(value, path, tuple(FILTER_KEYS))
    blob: dict[str, Any] = {}
    for key, item in value.items():
        try:
            checked = checks.filter_blob({key: item})[key]
        except InvalidArgumentError as error:
            raise check.error(str(error), (*path, key)) from None
        if isinstance(checked, list):
            checked = sorted(set(checked))
        if checked not in (None, [], False) or (checked is False and key in _BLOB_BOOLS):
            blob[key] = checked
    return dict(sorted(blob.items()))


# Destinations


def _destination(check: _Checker, ref: str, value: Any) -> DestinationSpec:
    path: PathKey = ("destinations", ref)
    value = check.mapping(value, path, _DESTINATION_KEYS)
    for key in ("media", "settings"):
        if key not in value:
            raise check.error(f"{key!r} is missing", path)
    media = check.string(value["media"], (*path, "media"))
    if isinstance(value["settings"], Mapping) and "synced" in value["settings"]:
        raise check.error("'synced' is computed by Argus", (*path, "settings", "synced"))
    try:
        settings = normalize_settings(media, checks.destination_settings(media, value["settings"]))
        label = checks.destination_label(value.get("label"))
    except InvalidArgumentError as error:
        raise check.error(str(error), path) from None
    for key, setting in settings.items():
        check.string(setting, (*path, "settings", key))
    if media == "sms" and not settings["phone_number"].startswith("+"):
        raise check.error(
            "a phone number needs its country code, e.g. '+47 22 22 22 22'",
            (*path, "settings", "phone_number"),
        )
    return DestinationSpec(ref=ref, media=media, settings=settings, label=label)


def normalize_settings(media: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Destination settings as Argus stores them: without the computed ``synced``,
    phone numbers without separators."""
    result = {key: value for key, value in settings.items() if key != "synced"}
    phone = result.get("phone_number")
    if media == "sms" and isinstance(phone, str):
        result["phone_number"] = _PHONE_SEPARATORS.sub("", phone)
    return result


def _unique_destinations(check: _Checker, destinations: Mapping[str, DestinationSpec]) -> None:
    seen: dict[str, str] = {}
    for ref, spec in destinations.items():
        key = destination_key(spec.media, spec.settings)[1]
        if key in seen:
            raise check.error(
                f"the same settings as {seen[key]!r}: Argus keeps one destination per settings",
                ("destinations", ref),
            )
        seen[key] = ref


def destination_key(media: str, settings: Mapping[str, Any]) -> tuple[str, str]:
    """The natural key of a destination: its medium and normalised settings."""
    normal = normalize_settings(media, settings)
    return media, repr(sorted(normal.items()))


# Profiles


def _profile(
    check: _Checker,
    name: str,
    value: Any,
    timeslots: Mapping[str, Any],
    filters: Mapping[str, Any],
    destinations: Mapping[str, Any],
) -> ProfileSpec:
    path: PathKey = ("notification_profiles", name)
    value = check.mapping(value, path, _PROFILE_KEYS)
    if "timeslot" not in value:
        raise check.error("'timeslot' is missing (the name of a timeslot of this file)", path)
    timeslot = _ref(check, value["timeslot"], (*path, "timeslot"), timeslots, "timeslots")
    if not value.get("filters"):
        raise check.error("'filters' must name at least one filter (Argus' rule)", path)
    profile_filters = _refs(check, value["filters"], (*path, "filters"), filters, "filters")
    profile_destinations = _refs(
        check, value.get("destinations", []), (*path, "destinations"), destinations, "destinations"
    )
    active = bool(check.boolean(value.get("active", True), (*path, "active")))
    return ProfileSpec(
        name=name,
        timeslot=timeslot,
        filters=profile_filters,
        destinations=profile_destinations,
        active=active,
    )


def _refs(
    check: _Checker, value: Any, path: PathKey, declared: Mapping[str, Any], section: str
) -> tuple[str, ...]:
    refs = [
        _ref(check, item, (*path, index), declared, section)
        for index, item in enumerate(check.items(value, path))
    ]
    return tuple(dict.fromkeys(refs))


def _ref(
    check: _Checker, value: Any, path: PathKey, declared: Mapping[str, Any], section: str
) -> str:
    if not isinstance(value, str) or value not in declared:
        known = ", ".join(repr(name) for name in declared) or "none"
        raise check.error(f"{value!r} is not one of the {section} of this file ({known})", path)
    return value
