"""Client-side checks of caller input, run before any request is sent.

Each check raises :class:`~pyargus.exceptions.InvalidArgumentError` (or a
subclass) with a message that names the bad value, so that nothing half
done reaches the server.
"""

from __future__ import annotations

import ipaddress
import json
import operator
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import SplitResult, urlsplit

from .exceptions import InvalidArgumentError, InvalidTagError
from .models import (
    EDITABLE_INCIDENT_FIELDS,
    EVENT_TYPES,
    STATELESS,
    Acknowledgement,
    Event,
    Incident,
    SourceSystem,
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
    "event_pk",
    "expiration",
    "heartbeat_frequency",
    "incident_pk",
    "incident_pks",
    "json_value",
    "new_event",
    "new_incident",
    "source_system_pk",
    "source_system_type_name",
    "tag",
    "ticket_url",
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
