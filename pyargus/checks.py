"""Client-side checks of caller input, run before any request is sent.

Each check raises :class:`~pyargus.exceptions.InvalidArgumentError` (or a
subclass) with a message that names the bad value, so that nothing half
done reaches the server.
"""

from __future__ import annotations

import ipaddress
import json
import operator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from .exceptions import InvalidArgumentError
from .models import (
    EDITABLE_INCIDENT_FIELDS,
    EVENT_TYPES,
    STATELESS,
    Event,
    Incident,
    check_level,
)
from .time import encode_datetime, is_infinity

__all__ = [
    "api_root_url",
    "datetime_arg",
    "incident_pk",
    "json_value",
    "new_event",
    "new_incident",
    "token",
    "update_changes",
]


def api_root_url(url: Any) -> str:
    """The API root as an absolute ``http(s)`` URL ending in ``/``."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidArgumentError(f"api_root_url must be a URL string, not {url!r}")
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidArgumentError(
            f"api_root_url must be an http(s) URL such as "
            f"https://argus.example.org/api/v2/, not {url!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidArgumentError("api_root_url must not have a query, fragment or credentials")
    return url if url.endswith("/") else url + "/"


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
    if any(ch.isspace() or not ch.isprintable() for ch in value) or not value.isascii():
        raise InvalidArgumentError(
            "token contains whitespace or characters that cannot be sent in a header"
        )
    return value


def incident_pk(incident: Any) -> int:
    """The pk of an :class:`~pyargus.models.Incident` or an integer pk."""
    if isinstance(incident, Incident):
        if incident.pk is None:
            raise InvalidArgumentError("the incident has no pk (was it posted?)")
        incident = incident.pk
    if isinstance(incident, bool):
        raise InvalidArgumentError(f"not an incident or incident pk: {incident!r}")
    try:
        pk = operator.index(incident)
    except TypeError:
        raise InvalidArgumentError(f"not an incident or incident pk: {incident!r}") from None
    if pk < 1:
        raise InvalidArgumentError(f"invalid incident pk: {pk}")
    return pk


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
        datetime_arg("end_time", end)
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


_READ_ONLY = (
    "start_time",
    "end_time",
    "source",
    "source_incident_id",
    "stateful",
    "open",
    "acked",
)


def update_changes(incident: Any) -> tuple[int, dict[str, Any]]:
    """The pk and the fields :meth:`Client.update_incident` sends."""
    if not isinstance(incident, Incident):
        raise InvalidArgumentError(f"expected an Incident, not {type(incident).__name__}")
    pk = incident_pk(incident)
    if incident._loaded is None:
        fixed = [name for name in _READ_ONLY if getattr(incident, name) is not None]
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
