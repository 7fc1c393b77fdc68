"""marshmallow fields for Argus' wire values.

Each field converts one wire value in a single step (no nested schemas on
the hot path): datetimes with ``datetime.fromisoformat``, the tag list into
one :class:`~pyargus.models.Tags`, the nested source into a
:class:`~pyargus.models.SourceSystem`. Fields read in bulk also have
``fast_deserialize(value)``, which :mod:`pyargus.fastschema`'s generated
loaders call for well-formed values: it gives what ``_deserialize`` gives
and raises :class:`~pyargus.fastschema.Fallback` (or ``ValidationError``)
for anything else (marshmallow's own path then loads the value and reports
errors). Any other exception from it is a bug, and is not hidden.

These fields are public: use them in schemas of your own
(:class:`pyargus.schemas.ArgusSchema` subclasses, see :doc:`/extending`).

Loading raises :class:`marshmallow.ValidationError` (the converter turns it
into :class:`~pyargus.exceptions.DecodeError`); dumping bad caller input
raises :class:`~pyargus.exceptions.InvalidArgumentError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from marshmallow import ValidationError, fields

from .exceptions import InvalidArgumentError
from .fastschema import Fallback
from .models import EVENT_TYPES, INFINITY, STATELESS, SourceSystem, Tags
from .time import encode_datetime, is_infinity, parse_datetime

__all__ = [
    "Actor",
    "DateTime",
    "EndTime",
    "EventType",
    "MaintenanceEndTime",
    "Source",
    "TagList",
    "TypeName",
]

_fromisoformat = datetime.fromisoformat
_new = object.__new__
_trusted_tags = Tags._trusted


class DateTime(fields.Field[datetime]):
    """ISO 8601 datetime ↔ aware :class:`~datetime.datetime` (naive input = local time)."""

    def fast_deserialize(self, value: Any) -> datetime:
        """:meth:`_deserialize` of a well-formed value (see :mod:`pyargus.fastschema`)."""
        if type(value) is str:
            try:
                result = _fromisoformat(value)
            except ValueError:
                pass
            else:
                if result.tzinfo is not None:
                    return result
        try:
            return parse_datetime(value)
        except (TypeError, ValueError, IndexError):
            raise Fallback from None

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        try:
            return parse_datetime(value)
        except (TypeError, ValueError, IndexError):
            raise ValidationError(f"Not a valid datetime: {value!r}.") from None

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise InvalidArgumentError(f"{attr}: expected a datetime, got {value!r}")
        return encode_datetime(value)


class EndTime(DateTime):
    """``end_time``: a datetime, ``"infinity"`` ↔ INFINITY, ``null`` ↔ STATELESS."""

    def deserialize(self, value: Any, attr: Any = None, data: Any = None, **kwargs: Any) -> Any:
        if value is None:
            return STATELESS
        if value == "infinity":
            return INFINITY
        return super().deserialize(value, attr, data, **kwargs)

    def fast_deserialize(self, value: Any) -> Any:
        if value is None:
            return STATELESS
        if value == "infinity":
            return INFINITY
        return super().fast_deserialize(value)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is STATELESS:
            return None
        return super()._serialize(value, attr, obj, **kwargs)


class MaintenanceEndTime(DateTime):
    """A planned maintenance task's ``end_time``: Argus' year-9999 "never" ↔ INFINITY.

    Argus stores an open-ended task's end as the server's local
    ``datetime.max`` (``"9999-12-31T23:59:59.999999+01:00"``), which cannot be
    converted to a time zone east of the server (``OverflowError``): every
    year-9999 value loads as :data:`~pyargus.models.INFINITY`, before any
    time zone arithmetic. :data:`~pyargus.models.INFINITY` (or
    ``datetime.max``) dumps as ``null``, which Argus stores as open-ended
    (it refuses ``"infinity"`` and a UTC year-9999 value here).
    """

    def fast_deserialize(self, value: Any) -> datetime:
        result = super().fast_deserialize(value)
        return INFINITY if result.year == 9999 else result

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> datetime:
        result = super()._deserialize(value, attr, data, **kwargs)
        return INFINITY if result.year == 9999 else result

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, datetime) and is_infinity(value):
            return None
        return super()._serialize(value, attr, obj, **kwargs)


class TagList(fields.Field[Tags]):
    """v2 tags ``[{"tag": "k=v"}, ...]`` ↔ :class:`~pyargus.models.Tags`.

    Also reads v3's ``["k=v", ...]``.
    """

    def fast_deserialize(self, value: Any) -> Tags:
        """:meth:`_deserialize` of a well-formed value (see :mod:`pyargus.fastschema`)."""
        if type(value) is not list:
            raise Fallback
        pairs: list[tuple[str, str]] = []
        append = pairs.append
        try:
            for item in value:
                key, _, val = item["tag"].partition("=")
                append((key, val))
        except TypeError:  # v3 strings (or not a list of tags: _deserialize says so)
            return self._deserialize(value, None, None)
        except (KeyError, AttributeError):
            raise Fallback from None
        return _trusted_tags(tuple(pairs))

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Tags:
        if not isinstance(value, list):
            raise ValidationError(f"Not a list of tags: {value!r}.")
        pairs: list[tuple[str, str]] = []
        try:
            for item in value:
                tag = item if type(item) is str else item["tag"]
                key, _, val = tag.partition("=")
                pairs.append((key, val))
        except (TypeError, KeyError, AttributeError):
            raise ValidationError(f"Not a list of tags: {value!r}.") from None
        return Tags._trusted(pairs)

    def _serialize(
        self, value: Any, attr: Any, obj: Any, **kwargs: Any
    ) -> list[dict[str, str]] | None:
        if value is None:
            return None
        if not isinstance(value, Tags):
            value = Tags(value)
        return [{"tag": tag} for tag in value.strings()]


class Source(fields.Field[SourceSystem]):
    """The nested source system of an incident ↔ :class:`~pyargus.models.SourceSystem`."""

    def fast_deserialize(self, value: Any) -> SourceSystem:
        """:meth:`_deserialize` of a well-formed value (see :mod:`pyargus.fastschema`)."""
        if type(value) is not dict or value.get("pk") is None:
            raise Fallback
        return load_source_system(value)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> SourceSystem:
        if not isinstance(value, Mapping) or value.get("pk") is None:
            raise ValidationError(f"Not a source system: {value!r}.")
        return load_source_system(value)

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> int | None:
        # Only a superuser may name the source of a new incident: by pk.
        return value.pk if isinstance(value, SourceSystem) else value


def load_source_system(value: Mapping[str, Any]) -> SourceSystem:
    """A :class:`~pyargus.models.SourceSystem` from its wire object."""
    get = value.get
    type_ = get("type")
    if type(type_) is dict or isinstance(type_, Mapping):
        type_ = type_.get("name")
    source = _new(SourceSystem)
    source.pk = get("pk")
    source.name = get("name")
    source.type = type_
    source.user = get("user")
    source.base_url = get("base_url")
    return source


class TypeName(fields.Field[str]):
    """A source system's type ``{"name": "nav"}`` → ``"nav"``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, Mapping):
            value = value.get("name")
        if not isinstance(value, str):
            raise ValidationError(f"Not a source system type: {value!r}.")
        return value


class Actor(fields.Field[str | None]):
    """An event's actor ``{"pk", "username"}`` → the username."""

    def fast_deserialize(self, value: Any) -> str | None:
        """:meth:`_deserialize` of a well-formed value (see :mod:`pyargus.fastschema`)."""
        if type(value) is not dict:
            raise Fallback
        username: str | None = value.get("username")
        return username

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str | None:
        if isinstance(value, Mapping):
            username: str | None = value.get("username")
            return username
        if isinstance(value, str):
            return value
        raise ValidationError(f"Not an actor: {value!r}.")


class EventType(fields.Field[str]):
    """An event type: ``{"value": "END", "display": ...}`` on read, ``"END"`` on write."""

    def fast_deserialize(self, value: Any) -> str:
        """:meth:`_deserialize` of a well-formed value (see :mod:`pyargus.fastschema`)."""
        if type(value) is dict:
            value = value.get("value")
            if type(value) is str:
                return value
        raise Fallback

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        if isinstance(value, Mapping):
            value = value.get("value")
        if not isinstance(value, str):
            raise ValidationError(f"Not an event type: {value!r}.")
        return value

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> str | None:
        if value is None:
            return None
        if value not in EVENT_TYPES:
            raise InvalidArgumentError(
                f"unknown event type {value!r}; use one of {', '.join(EVENT_TYPES)}"
            )
        return str(value)
