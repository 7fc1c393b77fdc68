"""The filters Argus honours, per listing, checked before any request.

Argus (django-filter) silently ignores a query parameter it does not know,
and so do its boolean filters with a value they cannot read, an empty
value and a ``page_size`` below 1: the listing then matches **every**
incident. A typo such as ``levle=1``, ``open="yes"``, ``level=1`` (Argus
only has ``level__lte``) or ``search=`` on ``incidents/mine/`` (which has
no search) would hand every incident to the caller, and to a
``bulk_resolve`` after it. So pyargus accepts only the filters that
argus-server 2.10 honours on each endpoint (its ``IncidentFilter``,
``SourceLockedIncidentFilter`` and ``SearchFilter``), with values of the
right type, and raises :class:`~pyargus.exceptions.InvalidArgumentError`
for anything else, naming the closest valid filters.

A filter that a newer Argus adds goes in ``extra_filters={name: value}``:
sent as given (values encoded by :func:`pyargus.params.encode_value`),
unchecked. That is the explicit opt-out; a known filter is refused there.

:data:`INCIDENT_FILTERS`, :data:`MY_INCIDENT_FILTERS` and
:data:`EVENT_FILTERS` map each filter name to what it takes.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from .exceptions import InvalidArgumentError
from .models import Incident, SourceSystem, check_level
from .params import encode_tags_filter, encode_value

__all__ = [
    "EVENT_FILTERS",
    "INCIDENT_FILTERS",
    "MY_INCIDENT_FILTERS",
    "event_params",
    "incident_params",
]

#: Why a filter is refused on ``incidents/mine/`` although ``incidents/`` has it.
_NOT_ON_MINE = (
    "Argus does not apply it to incidents/mine/ and would match all of this source "
    "system's incidents; use get_incidents(..., source__id__in=[your source system's pk]) "
    "(see get_my_source_system())"
)
_EMPTY = "Argus ignores empty filters and would match every incident"


def _bool(name: str, value: Any) -> str:
    if not isinstance(value, bool):
        raise InvalidArgumentError(
            f"filter {name} must be True or False, not {value!r} (Argus ignores values it "
            "cannot read and would match every incident)"
        )
    return encode_value(value)


def _true(name: str, value: Any) -> str:
    if value is not True:
        raise InvalidArgumentError(
            f"filter {name} can only be True, not {value!r}: Argus selects the token expiry "
            "incidents for any value; leave it out for the others"
        )
    return "true"


def _datetime(name: str, value: Any) -> str:
    if isinstance(value, datetime):
        return encode_value(value)
    if isinstance(value, str) and value.strip():
        return value  # ISO 8601; Argus refuses (400) what it cannot parse
    hint = ""
    if isinstance(value, date):
        hint = " (a date would be midnight in the server's time zone: give a datetime)"
    raise InvalidArgumentError(
        f"filter {name} must be a datetime or an ISO 8601 string, not {value!r}{hint}"
    )


def _text(name: str, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InvalidArgumentError(f"filter {name} must be a string, not {value!r}")
    if not value:
        raise InvalidArgumentError(f"filter {name} is empty: {_EMPTY}")
    return value


def _search(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidArgumentError(f"filter {name} must be a string, not {value!r}")
    if not value.strip():
        raise InvalidArgumentError(f"filter {name} is blank: {_EMPTY}")
    return value


def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidArgumentError(f"{name} must be a whole number >= 1, not {value!r}")
    return value


def _pk(name: str, value: Any) -> str:
    return str(_whole(f"filter {name}", value))


def _minutes(name: str, value: Any) -> str:
    if isinstance(value, timedelta):
        value = value.total_seconds() / 60
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidArgumentError(
            f"filter {name} must be a number of minutes >= 0 or a timedelta, not {value!r}"
        )
    return f"{value:g}" if isinstance(value, float) else str(value)


def _level(name: str, value: Any) -> str:
    check_level(value)
    return str(value)


def _items(name: str, value: Any) -> list[Any]:
    items = list(value) if isinstance(value, Iterable) and not isinstance(value, str) else [value]
    if not items:
        raise InvalidArgumentError(f"filter {name} is an empty list: {_EMPTY}")
    return items


def _pks(model: type, what: str) -> Callable[[str, Any], str]:
    def check(name: str, value: Any) -> str:
        if isinstance(value, str):
            parts = value.split(",")
            if not all(part.strip().isdigit() for part in parts):
                raise InvalidArgumentError(
                    f"filter {name} must be {what}s or their pks, not {value!r}"
                )
            return value
        pks = []
        for item in _items(name, value):
            if isinstance(item, model):
                item = item.pk  # type: ignore[attr-defined]
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                raise InvalidArgumentError(
                    f"filter {name} must be {what}s or their pks, not {item!r}"
                )
            pks.append(str(item))
        return ",".join(pks)

    return check


def _names(name: str, value: Any) -> str:
    if isinstance(value, str):
        if not value:
            raise InvalidArgumentError(f"filter {name} is empty: {_EMPTY}")
        return value
    names = _items(name, value)
    for item in names:
        if not isinstance(item, str) or not item or "," in item:
            raise InvalidArgumentError(
                f"filter {name} must be non-empty names without commas, not {item!r}"
            )
    return ",".join(names)


def _tags(name: str, value: Any) -> str:
    encoded = encode_tags_filter(value)
    if not encoded:
        raise InvalidArgumentError(f"filter {name} is empty: {_EMPTY}")
    return encoded


Check = Callable[[str, Any], str]

_COMMON: dict[str, Check] = {
    "open": _bool,
    "acked": _bool,
    "stateful": _bool,
    "ticket": _bool,
    "hide_closed_acked": _bool,
    "token_expiry": _true,
    "tags": _tags,
    "duration__gte": _minutes,
    "filter_pk": _pk,
    "notificationprofile_pk": _pk,
    "source_incident_id": _text,
    "start_time__gte": _datetime,
    "start_time__lte": _datetime,
    "end_time__gte": _datetime,
    "end_time__lte": _datetime,
    "end_time__isnull": _bool,
}

#: ``GET incidents/``: argus ``IncidentFilter`` and DRF's ``SearchFilter``.
INCIDENT_FILTERS: Mapping[str, Check] = {
    **_COMMON,
    "id__in": _pks(Incident, "incident"),
    "source__id__in": _pks(SourceSystem, "source system"),
    "source__name__in": _names,
    "source__type__in": _names,
    "level__lte": _level,
    "search": _search,
}

#: ``GET incidents/mine/``: argus ``SourceLockedIncidentFilter`` (no search).
MY_INCIDENT_FILTERS: Mapping[str, Check] = dict(_COMMON)

#: ``GET incidents/events/``: no filters at all (argus ``AllEventsViewSet``).
EVENT_FILTERS: Mapping[str, Check] = {}

# Not filters, but used by the listings themselves.
_RESERVED = ("page_size", "cursor", "count")


def incident_params(
    filters: Mapping[str, Any],
    *,
    mine: bool = False,
    count: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """The query of ``GET incidents/`` (or ``incidents/mine/``), checked and encoded.

    :param filters: the caller's keyword filters (``None`` values are left out).
    :param count: for ``?count``: ``count`` is added, ``page_size`` (checked)
        left out, as it does not change the count.
    :param extra: filters sent unchecked (``extra_filters=``).
    :raises InvalidArgumentError: for a filter the endpoint does not have,
        a value of the wrong kind, an empty value.
    """
    endpoint = "incidents/mine/" if mine else "incidents/"
    known = MY_INCIDENT_FILTERS if mine else INCIDENT_FILTERS
    if "count" in filters:
        raise InvalidArgumentError(
            f"count is not a filter; use count_{'my_' if mine else ''}incidents()"
        )
    params = _params(endpoint, known, filters)
    params.update(_extra(endpoint, known, extra))
    if count:
        params.pop("page_size", None)
        params["count"] = ""
    return params


def event_params(
    filters: Mapping[str, Any], *, extra: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """The query of ``GET incidents/events/``: only ``page_size`` (and *extra*)."""
    params = _params("incidents/events/", EVENT_FILTERS, filters)
    params.update(_extra("incidents/events/", EVENT_FILTERS, extra))
    return params


def _params(
    endpoint: str, known: Mapping[str, Check], filters: Mapping[str, Any]
) -> dict[str, str]:
    params = {}
    for name, value in filters.items():
        if value is None:
            continue
        if name == "page_size":
            params[name] = str(_whole("page_size", value))
            continue
        check = known.get(name)
        if check is None:
            raise InvalidArgumentError(_unknown(endpoint, known, name))
        params[name] = check(name, value)
    return params


def _unknown(endpoint: str, known: Mapping[str, Check], name: str) -> str:
    if endpoint == "incidents/events/":
        return (
            f"Argus cannot filter events (it would ignore {name}); "
            "use get_incident_events() for one incident's events"
        )
    if endpoint == "incidents/mine/" and name in INCIDENT_FILTERS:
        return f"filter {name} is not one of incidents/mine/: {_NOT_ON_MINE}"
    message = (
        f"unknown filter {name!r} for {endpoint}: Argus ignores filters it does not have and "
        "would match every incident"
    )
    close = _close_matches(name, [*known, "page_size"])
    if close:
        message += f"; did you mean {' or '.join(f'`{c}`' for c in close)}?"
    return message + " (a filter of a newer Argus goes in extra_filters={...})"


_LOOKUP = re.compile(r"__(in|lte|gte|isnull)$")

# Names people reach for, and the Argus filter that does it.
_ALIASES = {
    "ack": "acked",
    "acknowledged": "acked",
    "closed": "open",
    "is_open": "open",
    "state": "open",
    "max_level": "level__lte",
    "severity": "level__lte",
    "source": "source__name__in",
    "source_type": "source__type__in",
    "type": "source__type__in",
    "pk": "id__in",
    "ids": "id__in",
    "q": "search",
    "query": "search",
    "text": "search",
    "description": "search",
    "limit": "page_size",
    "tag": "tags",
}


def _close_matches(name: str, names: list[str]) -> list[str]:
    """Valid names like *name*, or whose field (without ``__lte`` etc.) is like it."""
    lower = name.lower()

    def score(candidate: str) -> float:
        field = _LOOKUP.sub("", candidate)
        return max(
            difflib.SequenceMatcher(None, lower, candidate).ratio(),
            difflib.SequenceMatcher(None, lower, field).ratio(),
        )

    scored = sorted(((score(c), c) for c in names), key=lambda item: -item[0])
    close = [candidate for value, candidate in scored if value >= 0.75][:3]
    alias = _ALIASES.get(lower)
    if alias in names and alias not in close:
        close.insert(0, alias)
    return close


def _extra(
    endpoint: str, known: Mapping[str, Check], extra: Mapping[str, Any] | None
) -> dict[str, str]:
    if extra is None:
        return {}
    if not isinstance(extra, Mapping):
        raise InvalidArgumentError(f"extra_filters must be a mapping, not {extra!r}")
    params = {}
    for name, value in extra.items():
        if not isinstance(name, str) or not name:
            raise InvalidArgumentError(f"extra_filters names must be strings, not {name!r}")
        if name in known or name in _RESERVED:
            raise InvalidArgumentError(
                f"{name} is not for extra_filters (which sends filters pyargus does not know "
                f"unchecked): pass it as {name}=..."
                if name in known or name == "page_size"
                else f"{name} is not for extra_filters: the listing sets it itself"
            )
        if value is not None:
            params[name] = encode_value(value)
    return params
