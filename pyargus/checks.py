"""Client-side checks of caller input, run before any request is sent.

Each check raises :class:`~pyargus.exceptions.InvalidArgumentError` (or a
subclass) with a message that names the bad value, so that nothing half
done reaches the server.
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import operator
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit

from .exceptions import InUseError, InvalidArgumentError, InvalidTagError
from .models import (
    EDITABLE_INCIDENT_FIELDS,
    EVENT_TYPES,
    FILTER_KEYS,
    LEVELS,
    STATELESS,
    Acknowledgement,
    Destination,
    Event,
    Filter,
    Incident,
    NotificationProfile,
    PlannedMaintenance,
    SourceSystem,
    Tags,
    TimeRecurrence,
    Timeslot,
    check_level,
    check_tag_key,
)
from .time import encode_datetime, is_infinity

__all__ = [
    "acknowledgement_pk",
    "api_class",
    "api_root_url",
    "bulk_event",
    "credentials",
    "datetime_arg",
    "destination_pk",
    "event_pk",
    "expiration",
    "filter_blob",
    "filter_pk",
    "filter_pks",
    "heartbeat_frequency",
    "incident_pk",
    "incident_pks",
    "json_value",
    "maintenance_pk",
    "medium_slug",
    "name",
    "new_event",
    "new_incident",
    "notification_profile_pk",
    "recurrences",
    "source_system_pk",
    "source_system_type_name",
    "tag",
    "ticket_url",
    "timeslot_pk",
    "token",
    "update_changes",
    "user_pk",
]


def http_url(url: Any, name: str, example: str) -> tuple[str, SplitResult]:
    """*url* stripped and split, if it is an absolute ``http(s)`` URL without
    query, fragment or credentials (*name* and *example* are for the messages)."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidArgumentError(f"{name} must be a URL string, not {url!r}")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgumentError(f"{name} must be an http(s) URL such as {example}, not {url!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidArgumentError(f"{name} must not have a query, fragment or credentials")
    return url, parts


def api_root_url(url: Any) -> str:
    """The API root as an absolute ``http(s)`` URL ending in ``/``."""
    url, _ = http_url(url, "api_root_url", "https://argus.example.org/api/v2/")
    root: str = url if url.endswith("/") else url + "/"
    url = root
    path = urlsplit(url).path
    if not path.endswith("/api/v2/"):
        raise InvalidArgumentError(
            f"api_root_url {url!r} does not look like an Argus API root, which ends in "
            f"/api/v2/: {_root_advice(url, path)}"
        )
    return root


def _root_advice(url: str, path: str) -> str:
    """How to turn *url* (with *path*) into an API v2 root."""
    origin = url[: len(url) - len(path)] if path != "/" else url[:-1]
    lower = path.lower()
    for marker in ("/api/v2/", "/api/v1/", "/api/v3/", "/api/"):
        at = lower.find(marker)
        if at == -1:
            continue
        root = f"{origin}{path[:at]}/api/v2/"
        if marker == "/api/v2/":
            return f"use {root} (pyargus adds the endpoint paths such as incidents/ itself)"
        if marker == "/api/":
            return f"use {root}"
        return f"use {root} (pyargus speaks Argus' API v2)"
    return f"use {origin}{path}api/v2/ if Argus is served at {origin}{path}"


def api_class(cls: Any) -> Any:
    """*cls* if it is :class:`pyargus.api.ArgusAPI` or a subclass of it (``None``: ``ArgusAPI``)."""
    from .api import ArgusAPI  # the declarations import the checks' models: import late

    if cls is None:
        return ArgusAPI
    if not (isinstance(cls, type) and issubclass(cls, ArgusAPI)):
        raise InvalidArgumentError(
            f"api_class must be pyargus.api.ArgusAPI or a subclass of it, not {cls!r}"
        )
    return cls


def is_loopback(url: str) -> bool:
    """Whether *url*'s host is this machine (``localhost``, 127.0.0.0/8, ``::1``)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def token(value: Any) -> str:
    """An API token that can be sent in a header (it is never echoed)."""
    if not isinstance(value, str) or not value:
        raise InvalidArgumentError("token must be a non-empty string")
    prefix = value.split(" ", 1)[0] if " " in value.strip() else ""
    if prefix.lower() in ("token", "bearer"):
        raise InvalidArgumentError(
            f"token starts with {prefix!r}: give the key alone, without the {prefix!r} "
            "prefix (pyargus sends the 'Authorization: Token ...' header itself)"
        )
    if any(ch.isspace() or not ch.isprintable() for ch in value) or not value.isascii():
        raise InvalidArgumentError(
            "token contains whitespace or characters that cannot be sent in a header"
        )
    return value


def incident_pk(incident: Any) -> int:
    """The pk of an :class:`~pyargus.models.Incident` or an integer pk."""
    if isinstance(incident, Incident) and incident.pk is None:
        raise InvalidArgumentError("the incident has no pk (was it posted?)")
    return _pk("incident", incident, Incident)


def datetime_arg(name: str, value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidArgumentError(f"{name} must be a datetime, not {value!r}")
    return value


def _optional_str(name: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise InvalidArgumentError(f"{name} must be a string, not {value!r}")


def json_value(name: str, value: Any) -> None:
    """Check that *value* can be sent as JSON (as Argus stores ``metadata``)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"{name} must be JSON data (dicts, lists, strings, finite numbers, "
            f"booleans, None): {exc}"
        ) from None


def new_incident(incident: Any) -> Incident:
    """Check an incident about to be posted."""
    if not isinstance(incident, Incident):
        raise InvalidArgumentError(f"expected an Incident, not {type(incident).__name__}")
    if incident.start_time is None:
        raise InvalidArgumentError("start_time is required to post an incident")
    start = datetime_arg("start_time", incident.start_time)
    end = incident.end_time
    if end is not None and end is not STATELESS:
        end = datetime_arg("end_time", end)
        if not is_infinity(end) and _aware(end) < _aware(start):
            raise InvalidArgumentError(
                f"end_time {encode_datetime(end)} is before start_time {encode_datetime(start)}"
            )
    if incident.level is not None:
        check_level(incident.level)
    sid = incident.source_incident_id
    if sid is not None and (isinstance(sid, bool) or not isinstance(sid, (str, int))):
        raise InvalidArgumentError(f"source_incident_id must be a string, not {sid!r}")
    for name in ("description", "details_url", "ticket_url"):
        _optional_str(name, getattr(incident, name))
    if incident.metadata is not None:
        json_value("metadata", incident.metadata)
    return incident


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.astimezone()


def update_changes(incident: Any) -> tuple[int, dict[str, Any]]:
    """The pk and the fields :meth:`Client.update_incident` sends."""
    if not isinstance(incident, Incident):
        raise InvalidArgumentError(f"expected an Incident, not {type(incident).__name__}")
    pk = incident_pk(incident)
    fixed = incident.changed_fixed_fields()
    if fixed:
        raise InvalidArgumentError(
            f"update_incident cannot change {', '.join(fixed)}: Argus lets clients "
            f"change only {', '.join(EDITABLE_INCIDENT_FIELDS)} (end or restart an "
            "incident with resolve_incident/restart_incident)"
        )
    changes = incident.changed_fields()
    if "level" in changes:
        check_level(changes["level"])
    for name in ("description", "details_url", "ticket_url"):
        _optional_str(name, changes.get(name))
    if "metadata" in changes:
        json_value("metadata", changes["metadata"])
    return pk, changes


def new_event(event: Any) -> Event:
    """Check an event about to be posted."""
    if not isinstance(event, Event):
        raise InvalidArgumentError(f"expected an Event, not {type(event).__name__}")
    if event.type not in EVENT_TYPES:
        raise InvalidArgumentError(
            f"event type must be one of {', '.join(EVENT_TYPES)}, not {event.type!r}"
        )
    if event.timestamp is not None:
        datetime_arg("timestamp", event.timestamp)
    _optional_str("description", event.description)
    return event


def _pk(what: str, value: Any, model: type | None = None) -> int:
    """The pk of a *model* instance or an integer pk."""
    if model is not None and isinstance(value, model):
        if value.pk is None:  # type: ignore[attr-defined]
            raise InvalidArgumentError(f"the {what} has no pk")
        value = value.pk  # type: ignore[attr-defined]
    if isinstance(value, bool):
        raise InvalidArgumentError(f"not {_article(what)} {what} or {what} pk: {value!r}")
    try:
        pk = operator.index(value)
    except TypeError:
        raise InvalidArgumentError(f"not {_article(what)} {what} or {what} pk: {value!r}") from None
    if pk < 1:
        raise InvalidArgumentError(f"invalid {what} pk: {pk}")
    return pk


def _article(word: str) -> str:
    return "an" if word[:1] in "aeio" else "a"  # (a user, a source system)


def event_pk(event: Any) -> int:
    """The pk of an :class:`~pyargus.models.Event` or an integer pk."""
    return _pk("event", event, Event)


def acknowledgement_pk(ack: Any) -> int:
    """The pk of an :class:`~pyargus.models.Acknowledgement` or an integer pk."""
    return _pk("acknowledgement", ack, Acknowledgement)


def user_pk(user: Any) -> int:
    """A user's pk (an integer)."""
    return _pk("user", user)


def source_system_pk(source: Any) -> int:
    """The pk of a :class:`~pyargus.models.SourceSystem` or an integer pk."""
    return _pk("source system", source, SourceSystem)


def incident_pks(incidents: Any) -> list[int]:
    """The distinct pks of *incidents* (incidents or pks), in order (maybe none)."""
    if isinstance(incidents, (Incident, str, bytes)) or not hasattr(incidents, "__iter__"):
        raise InvalidArgumentError(
            f"expected a list of incidents or incident pks, not {type(incidents).__name__}"
        )
    return list(dict.fromkeys(incident_pk(incident) for incident in incidents))


def optional_str(name: str, value: Any) -> str | None:
    _optional_str(name, value)
    checked: str | None = value
    return checked


def expiration(value: Any, timestamp: datetime | None = None) -> datetime | None:
    """An acknowledgement expiration: ``None`` (never) or a datetime after *timestamp*."""
    if value is None:
        return None
    when = datetime_arg("expiration", value)
    if timestamp is not None and _aware(when) <= _aware(timestamp):
        raise InvalidArgumentError(
            f"expiration {encode_datetime(when)} is not after the acknowledgement's "
            f"timestamp {encode_datetime(timestamp)}"
        )
    return when


def tag(key: Any, value: Any, *, addressed: bool) -> str:
    """A ``key=value`` tag string for the tag endpoints.

    With *addressed*, the tag goes into the URL (``tags/<key=value>/``):
    Argus' URL pattern cannot match a ``/``, so such values are refused.
    """
    check_tag_key(key)
    if value is None:
        raise InvalidTagError(f"tag {key!r} has no value (None)")
    text = value if isinstance(value, str) else str(value)
    if addressed and "/" in text:
        raise InvalidTagError(
            f"tag {key}={text!r} cannot be addressed in an Argus URL (its value contains '/'); "
            "change the incident's whole tag set with update_incident() instead"
        )
    return f"{key}={text}"


_URL_SCHEMES = ("http", "https", "ftp", "ftps")


def ticket_url(url: Any) -> str:
    """A ticket URL: an absolute http(s)/ftp(s) URL, or ``""`` to clear it.

    Argus' ``ticket_url/`` endpoints do not check URLs (its PATCH does);
    pyargus applies the same rule everywhere.
    """
    if not isinstance(url, str):
        raise InvalidArgumentError(f"ticket URL must be a string, not {url!r}")
    if url == "":
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in _URL_SCHEMES or not parts.netloc or url != url.strip():
        raise InvalidArgumentError(
            f"ticket URL must be an absolute http(s) URL (or '' to clear it), not {url!r}"
        )
    return url


#: Event types that Argus' bulk endpoint records *and* applies correctly.
BULK_EVENT_TYPES = ("CLO", "REO", "OTH", "CHI")

_BULK_REFUSED = {
    "END": "Argus records bulk END events without closing anything; use bulk_resolve()",
    "RES": "Argus records bulk RES events without reopening anything; use bulk_post_event() "
    "with a REO event, or restart_incident() per incident",
    "ACK": "a bulk ACK event creates no acknowledgement (the incidents stay acked for ever); "
    "use bulk_acknowledge()",
    "STA": "STA is created by Argus with the incident",
    "LES": "LES is created by Argus with the incident",
}


def bulk_event(event: Any) -> Event:
    """An event for the bulk endpoint: only the types it handles correctly."""
    checked = new_event(event)
    if checked.type not in BULK_EVENT_TYPES:
        raise InvalidArgumentError(
            f"cannot post {checked.type} events in bulk: {_BULK_REFUSED[checked.type]} "
            f"(bulk events may be {', '.join(BULK_EVENT_TYPES)})"
        )
    return checked


def credentials(username: Any, password: Any) -> dict[str, str]:
    for name, value in (("username", username), ("password", password)):
        if not isinstance(value, str) or not value:
            raise InvalidArgumentError(f"{name} must be a non-empty string")
    return {"username": username, "password": password}


def source_system_type_name(name: Any) -> str:
    """A source system type name as Argus accepts it (``str.islower()``)."""
    if not isinstance(name, str) or not name.islower() or name != name.strip():
        raise InvalidArgumentError(
            f"source system type names must be lowercase strings, not {name!r}"
        )
    return name


def non_empty_str(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{name} must be a non-empty string, not {value!r}")
    return value


_MIN_HEARTBEAT = 60
_MAX_HEARTBEAT = 24 * 3600


def heartbeat_frequency(value: Any) -> int | None:
    """Seconds between expected heartbeats (60 s to 1 day), from seconds or a timedelta."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value
    else:
        raise InvalidArgumentError(
            f"heartbeat_frequency must be seconds or a timedelta, not {value!r}"
        )
    if seconds != int(seconds) or not _MIN_HEARTBEAT <= seconds <= _MAX_HEARTBEAT:
        raise InvalidArgumentError(
            f"heartbeat_frequency must be whole seconds from {_MIN_HEARTBEAT} to "
            f"{_MAX_HEARTBEAT} (1 day), not {value!r}"
        )
    return int(seconds)


# The end-user side


def timeslot_pk(timeslot: Any) -> int:
    """The pk of a :class:`~pyargus.models.Timeslot` or an integer pk."""
    return _pk("timeslot", timeslot, Timeslot)


def filter_pk(filter_: Any) -> int:
    """The pk of a :class:`~pyargus.models.Filter` or an integer pk."""
    return _pk("filter", filter_, Filter)


def destination_pk(destination: Any) -> int:
    """The pk of a :class:`~pyargus.models.Destination` or an integer pk."""
    return _pk("destination", destination, Destination)


def notification_profile_pk(profile: Any) -> int:
    """The pk of a :class:`~pyargus.models.NotificationProfile` or an integer pk."""
    return _pk("notification profile", profile, NotificationProfile)


def maintenance_pk(task: Any) -> int:
    """The pk of a :class:`~pyargus.models.PlannedMaintenance` or an integer pk."""
    return _pk("planned maintenance task", task, PlannedMaintenance)


def _pks(what: str, values: Any, one: Any) -> list[int]:
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        raise InvalidArgumentError(f"{what} must be a list of {what} or their pks, not {values!r}")
    return list(dict.fromkeys(one(value) for value in values))


def filter_pks(filters: Any) -> list[int]:
    """The distinct pks of *filters* (:class:`~pyargus.models.Filter` objects or pks)."""
    return _pks("filters", filters, filter_pk)


def destination_pks(destinations: Any) -> list[int]:
    """The distinct pks of *destinations* (:class:`~pyargus.models.Destination` or pks)."""
    return _pks("destinations", destinations, destination_pk)


def name(what: str, value: Any, max_length: int) -> str:
    """A non-blank name of at most *max_length* characters (Argus' limit for *what*)."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArgumentError(f"{what} must be a non-empty string, not {value!r}")
    if len(value) > max_length:
        raise InvalidArgumentError(
            f"{what} {value!r} is {len(value)} characters long: Argus allows at most {max_length}"
        )
    return value


def medium_slug(medium: Any) -> str:
    """A medium's slug (``"email"``), from a string or a :class:`~pyargus.models.Media`."""
    slug = getattr(medium, "slug", medium)
    if not isinstance(slug, str) or not slug or "/" in slug or slug != slug.strip():
        raise InvalidArgumentError(f"not a medium or medium slug (such as 'email'): {medium!r}")
    return slug


def recurrences(values: Any) -> list[TimeRecurrence]:
    """Time recurrences to send: :class:`~pyargus.models.TimeRecurrence` objects or dicts
    with their fields, each with *start* before *end* (or ``all_day``)."""
    if isinstance(values, (str, bytes, Mapping, TimeRecurrence)) or not isinstance(
        values, Iterable
    ):
        raise InvalidArgumentError(f"recurrences must be a list of TimeRecurrence, not {values!r}")
    checked = []
    for index, value in enumerate(values):
        if isinstance(value, Mapping):
            unknown = set(value) - {"days", "start", "end", "all_day"}
            if unknown:
                raise InvalidArgumentError(
                    f"recurrence {index}: unknown keys {sorted(unknown)} (a recurrence has "
                    "days, start, end and all_day)"
                )
            value = TimeRecurrence(**value)
        if not isinstance(value, TimeRecurrence):
            raise InvalidArgumentError(f"recurrence {index} is not a TimeRecurrence: {value!r}")
        # Check again: the fields may have been changed since the object was made.
        value = TimeRecurrence(value.days, value.start, value.end, value.all_day is True)
        if value.start is None or value.end is None:
            raise InvalidArgumentError(f"recurrence {index} needs start and end (or all_day=True)")
        if value.start >= value.end:
            raise InvalidArgumentError(
                f"recurrence {index}: start {value.start} is not before end {value.end} "
                "(a window across midnight takes two recurrences, one on each day)"
            )
        checked.append(value)
    return checked


#: Tags in a filter: what Argus can later query (it stores anything of 3 characters).
_FILTER_TAG = re.compile(r"[a-z0-9_]+=.+", re.S)
_FLAGS = ("open", "acked", "stateful")


def filter_blob(blob: Any) -> dict[str, Any]:
    """A filter blob Argus stores as given, with keys of :data:`~pyargus.models.FILTER_KEYS`.

    Argus silently drops unknown keys (a misspelled key would make the
    filter match more, or nothing) and stores tags that crash its previews
    and notification matching later; both are refused here. ``tags`` may
    also be a :class:`~pyargus.models.Tags` or a mapping, and
    ``sourceSystemIds`` may hold :class:`~pyargus.models.SourceSystem`
    objects. ``None`` values are kept (Argus reads them as "any").
    """
    if isinstance(blob, Filter):
        blob = blob.filter
    if not isinstance(blob, Mapping):
        raise InvalidArgumentError(f"a filter must be a dict (a filter blob), not {blob!r}")
    checked: dict[str, Any] = {}
    for key, value in blob.items():
        if key not in FILTER_KEYS:
            raise InvalidArgumentError(_unknown_filter_key(key))
        checked[key] = value if value is None else _filter_value(key, value)
    return checked


def _unknown_filter_key(key: Any) -> str:
    if key == "filter_string":
        return "filter_string is gone from Argus (1.14): give the filter as a dict of keys"
    close = difflib.get_close_matches(str(key), FILTER_KEYS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return (
        f"unknown filter key {key!r}{hint} (Argus would drop it silently; the keys are "
        f"{', '.join(FILTER_KEYS)})"
    )


def _filter_value(key: str, value: Any) -> Any:
    if key in _FLAGS or key == "hide_closed_acked":
        if not isinstance(value, bool):
            raise InvalidArgumentError(f"filter {key} must be {FILTER_KEYS[key]}, not {value!r}")
        return value
    if key == "maxlevel":
        if isinstance(value, bool) or value not in LEVELS:
            raise InvalidArgumentError(f"filter maxlevel must be a level 1-5, not {value!r}")
        return value
    if key == "tags":
        return _filter_tags(value)
    items = _filter_list(key, value)
    if key == "sourceSystemIds":
        return [source_system_pk(item) for item in items]
    if key == "event_types":
        bad = [item for item in items if item not in EVENT_TYPES]
        if bad:
            raise InvalidArgumentError(
                f"filter event_types {bad!r}: the event types are {', '.join(EVENT_TYPES)}"
            )
        return items
    if any(not isinstance(item, str) or not item for item in items):  # source_types
        raise InvalidArgumentError(f"filter {key} must be {FILTER_KEYS[key]}, not {value!r}")
    return items


def _filter_list(key: str, value: Any) -> list[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise InvalidArgumentError(f"filter {key} must be {FILTER_KEYS[key]}, not {value!r}")
    return list(value)


def _filter_tags(value: Any) -> list[str]:
    if isinstance(value, Mapping) and not isinstance(value, Tags):
        value = Tags(value)
    if isinstance(value, Tags):
        return value.strings()
    tags = _filter_list("tags", value)
    for tag in tags:
        if not isinstance(tag, str) or not _FILTER_TAG.fullmatch(tag):
            raise InvalidTagError(
                f"filter tag {tag!r} is not a 'key=value' string with a key of [a-z0-9_]+ and "
                "a value: Argus would store it, then fail on every preview and notification"
            )
    return list(dict.fromkeys(tags))


def flag(name: str, value: Any) -> bool:
    """A boolean (Argus would read ``"false"`` and other strings its own way)."""
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{name} must be True or False, not {value!r}")
    return value


def not_in_use(what: str, pk: int, users: Iterable[Any], kind: str, force: bool) -> None:
    """Raise :class:`InUseError` if any of *users* (profiles or tasks) refers to *pk*.

    *what* is ``"timeslot"`` (a profile's) or ``"filter"`` (a profile's or a task's).
    """
    using = []
    for user in users:
        refs = [user.timeslot] if what == "timeslot" else list(user.filters or ())
        if any(ref is not None and ref.pk == pk for ref in refs):
            using.append(user)
    if using and not force:
        listed = ", ".join(f"#{u.pk} {getattr(u, 'name', None) or u.description!r}" for u in using)
        effect = (
            "Argus would delete them with it"
            if what == "timeslot"
            else "they would silence more incidents (with no filter left: all, for everyone)"
        )
        raise InUseError(
            f"{what} {pk} is used by {kind} {listed}: {effect}; change those first, or pass "
            "force=True",
            using,
        )


#: The settings keys of the media argus-server ships (others: their JSON schema).
MEDIA_SETTINGS = {
    "email": ("email_address",),
    "sms": ("phone_number",),
    "slack": ("destination_url",),
    "apprise": ("destination_url",),
}


def destination_settings(slug: str, settings: Any) -> dict[str, Any]:
    """A destination's settings: a dict with the medium's keys (Argus drops others)."""
    if not isinstance(settings, Mapping):
        raise InvalidArgumentError(f"settings must be a dict, not {settings!r}")
    checked = {key: value for key, value in settings.items() if key != "synced"}
    known = MEDIA_SETTINGS.get(slug)
    if known is not None:
        unknown = sorted(set(checked) - set(known))
        if unknown or not checked:
            raise InvalidArgumentError(
                f"{slug} destinations have the settings {', '.join(known)}, not "
                f"{unknown or 'none'} (Argus drops unknown keys)"
            )
    json_value("settings", checked)
    return checked


def destination_label(label: Any) -> str | None:
    """A destination label (at most 50 characters); ``""`` means none."""
    if label is None or label == "":
        return None
    return name("destination label", label, 50)


def new_destination(body: Mapping[str, Any], existing: Iterable[Destination]) -> None:
    """Refuse a destination whose settings the user has already (in any medium)."""
    for other in existing:
        if destination_settings_of(other) == body["settings"]:
            raise InvalidArgumentError(
                f"destination {other.pk} ({other.media.slug}) has these settings already: "
                "Argus allows one destination per user and settings (of another medium, "
                "argus-server fails with a server error)"
            )


def destination_settings_of(destination: Destination) -> dict[str, Any]:
    """A destination's settings without the computed ``synced``."""
    return {k: v for k, v in (destination.settings or {}).items() if k != "synced"}


def changed_settings(current: Destination, settings: Any) -> dict[str, Any]:
    """New settings for *current*; the managed e-mail destination's cannot change."""
    checked = destination_settings(current.media.slug, settings)
    if current.managed and checked != destination_settings_of(current):
        raise InvalidArgumentError(
            f"destination {current.pk} is the managed e-mail destination (the account's "
            "address): Argus would turn it into an ordinary one and make a new managed one; "
            "create another destination instead (its label may change)"
        )
    return checked


def some_filter_pks(filters: Any, what: str) -> list[int]:
    """:func:`filter_pks`, at least one (a profile or task without filters is refused)."""
    pks = filter_pks(filters)
    if not pks:
        raise InvalidArgumentError(f"{what} needs at least one filter (Argus requires it)")
    return pks


def profile_name(value: Any) -> str | None:
    if value is None:
        return None
    return name("notification profile name", value, 40)


def profile_body(
    name_: Any, timeslot: Any, filters: Any, destinations: Any, active: Any
) -> dict[str, Any]:
    """The body of ``POST notificationprofiles/``: pks, at least one filter."""
    body = {
        "name": profile_name(name_),
        "timeslot": timeslot_pk(timeslot),
        "filters": some_filter_pks(filters, "a notification profile"),
        "destinations": destination_pks(destinations),
        "active": flag("active", active),
    }
    return body


def profile_changes(profile: Any) -> dict[str, Any]:
    """What ``update_notification_profile`` sends: the set fields, the timeslot always."""
    if not isinstance(profile, NotificationProfile):
        raise InvalidArgumentError(f"expected a NotificationProfile, not {profile!r}")
    if profile.timeslot is None:
        raise InvalidArgumentError(
            "the profile needs its timeslot: argus-server fails on an update without one"
        )
    changes: dict[str, Any] = {"timeslot": timeslot_pk(profile.timeslot)}
    if profile.name is not None:
        changes["name"] = profile_name(profile.name)
    if profile.filters is not None:
        changes["filters"] = some_filter_pks(profile.filters, "a notification profile")
    if profile.destinations is not None:
        changes["destinations"] = destination_pks(profile.destinations)
    if profile.active is not None:
        changes["active"] = flag("active", profile.active)
    return changes


def _description(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > 255:
        raise InvalidArgumentError(
            f"description must be a string of at most 255 characters, not {value!r}"
        )
    return value


def _maintenance_window(start: Any, end: Any) -> tuple[datetime, datetime]:
    start = datetime_arg("start_time", start)
    if end is None:
        raise InvalidArgumentError(
            "end_time is required: pass INFINITY for a task that never ends (Argus reads a "
            "missing end_time as never)"
        )
    end = datetime_arg("end_time", end)
    if not is_infinity(end) and _aware(end) <= _aware(start):
        raise InvalidArgumentError(
            f"end_time {encode_datetime(end)} is not after start_time {encode_datetime(start)}"
        )
    return start, end


def maintenance_body(start: Any, end: Any, description: Any, filters: Any) -> dict[str, Any]:
    """The body of ``POST plannedmaintenance/``: a window, filters as pks (at least one)."""
    start, end = _maintenance_window(start, end)
    body = {
        "start_time": start,
        "end_time": end,
        "description": _description(description),
        "filters": some_filter_pks(filters, "a planned maintenance task"),
    }
    return body


def maintenance_changes(task: Any) -> dict[str, Any]:
    """What ``update_planned_maintenance`` sends (``PATCH``): the fields that are set."""
    if not isinstance(task, PlannedMaintenance):
        raise InvalidArgumentError(f"expected a PlannedMaintenance, not {task!r}")
    changes: dict[str, Any] = {}
    if task.start_time is not None and task.end_time is not None:
        changes["start_time"], changes["end_time"] = _maintenance_window(
            task.start_time, task.end_time
        )
    elif task.end_time is not None:
        changes["end_time"] = datetime_arg("end_time", task.end_time)
    elif task.start_time is not None:
        changes["start_time"] = datetime_arg("start_time", task.start_time)
    if "end_time" in changes and not is_infinity(changes["end_time"]):
        _not_frozen(changes["end_time"])
    if task.description is not None:
        changes["description"] = _description(task.description)
    if task.filters is not None:
        changes["filters"] = some_filter_pks(task.filters, "a planned maintenance task")
    return changes


#: Argus freezes a task this long after it ended.
MAINTENANCE_EDIT_WINDOW = timedelta(hours=12)


def _not_frozen(end: datetime) -> None:
    if _aware(end) < datetime.now().astimezone() - MAINTENANCE_EDIT_WINDOW:
        raise InvalidArgumentError(
            f"end_time {encode_datetime(end)} is more than 12 hours ago: Argus would freeze "
            "the task at once, for good"
        )


def maintenance_end(when: Any, task: PlannedMaintenance) -> datetime:
    """When to end *task* (default now): not more than 12 hours back."""
    if when is None:
        return datetime.now().astimezone()
    end = datetime_arg("when", when)
    _not_frozen(end)
    return end


def max_duration(value: Any) -> timedelta:
    """A positive, finite :class:`~datetime.timedelta`."""
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidArgumentError(f"max_duration must be a positive timedelta, not {value!r}")
    return value


def listed_pks(what: str, pks: Iterable[int], listed: Iterable[Any], whose: str) -> None:
    """Refuse *pks* that are not among the *listed* objects' (the user's own, or public).

    Argus lets a profile use another user's destination or private filter
    by pk, and then shows it in full (an address, a phone number) and
    blocks its owner from deleting it.
    """
    foreign = sorted(set(pks) - {item.pk for item in listed})
    if foreign:
        raise InvalidArgumentError(
            f"{what} {', '.join(map(str, foreign))} {'is' if len(foreign) == 1 else 'are'} "
            f"not {whose}: Argus would attach another user's {what} to this profile"
        )
