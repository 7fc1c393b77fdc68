"""The objects pyargus users work with: incidents, events, acknowledgements, ...

All models are mutable dataclasses. A field left at ``None`` means "not set":
it is not sent to Argus. Fields that Argus always sends (``pk``, an incident's
``start_time`` and ``tags``, an event's ``timestamp`` and ``type``, ...) are
:class:`Fetched` (or :class:`TagsField`): type checkers see them as set, because
they are on every object the client returns (see :doc:`/typing`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar, overload

from .exceptions import BulkError, InvalidArgumentError, InvalidTagError

__all__ = [
    "EVENT_TYPES",
    "FILTER_KEYS",
    "INFINITY",
    "LEVELS",
    "STATELESS",
    "WEEKDAYS",
    "Acknowledgement",
    "BulkItem",
    "BulkResult",
    "Destination",
    "Event",
    "ExpiringToken",
    "Fetched",
    "Filter",
    "Incident",
    "Media",
    "NotificationProfile",
    "PlannedMaintenance",
    "ServerMetadata",
    "SourceSystem",
    "Tags",
    "TagsField",
    "TagsInput",
    "TagsLike",
    "TimeRecurrence",
    "Timeslot",
    "User",
]

T = TypeVar("T")

#: Argus severity levels: 1 is the most severe.
LEVELS: Final = {1: "Critical", 2: "High", 3: "Moderate", 4: "Low", 5: "Information"}

#: Event type codes and what they mean.
EVENT_TYPES: Final = {
    "STA": "Incident start",
    "END": "Incident end",
    "CHI": "Incident change",
    "RES": "Incident restart",
    "CLO": "Close",
    "REO": "Reopen",
    "ACK": "Acknowledge",
    "OTH": "Other",
    "LES": "Stateless",
}


class _Stateless:
    """The type of :data:`STATELESS`."""

    _instance: ClassVar[_Stateless | None] = None

    def __new__(cls) -> _Stateless:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "STATELESS"

    def __reduce_ex__(self, protocol: object) -> str:
        return "STATELESS"

    def __copy__(self) -> _Stateless:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Stateless:
        return self


#: ``end_time`` of a stateless incident (``null`` on the wire): a point in
#: time that is neither open nor closed. Compare with ``is``.
STATELESS: Final = _Stateless()

_MAX_NAIVE = datetime.max


class _Infinity(datetime):
    """The type of :data:`INFINITY`: later than every other datetime."""

    def __new__(cls) -> _Infinity:
        return super().__new__(cls, 9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)

    def __reduce_ex__(self, protocol: object) -> str:
        return "INFINITY"

    def __copy__(self) -> _Infinity:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Infinity:
        return self

    def __repr__(self) -> str:
        return "INFINITY"

    def __str__(self) -> str:
        return "infinity"

    @staticmethod
    def _is_max(other: object) -> bool:
        return isinstance(other, datetime) and (
            isinstance(other, _Infinity) or other.replace(tzinfo=None) == _MAX_NAIVE
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, datetime):
            return self._is_max(other)
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, datetime):
            return not self._is_max(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(_MAX_NAIVE)

    def __gt__(self, other: object) -> bool:
        if isinstance(other, datetime):
            return not self._is_max(other)
        return NotImplemented

    def __ge__(self, other: object) -> bool:
        if isinstance(other, datetime):
            return True
        return NotImplemented

    def __lt__(self, other: object) -> bool:
        if isinstance(other, datetime):
            return False
        return NotImplemented

    def __le__(self, other: object) -> bool:
        if isinstance(other, datetime):
            return self._is_max(other)
        return NotImplemented


#: ``end_time`` of an open stateful incident (``"infinity"`` on the wire).
#: It equals naive and aware ``datetime.max`` and is later than any other
#: datetime, naive or aware. Posting any of them sends ``"infinity"``.
INFINITY: Final = _Infinity()

EndTime = datetime | _Stateless | None

_TAG_KEY = re.compile(r"[a-z0-9_]+")


def check_tag_key(key: object) -> str:
    """Return *key* if Argus accepts it as a tag key, else raise :class:`InvalidTagError`."""
    if not isinstance(key, str) or not _TAG_KEY.fullmatch(key):
        raise InvalidTagError(
            f"invalid tag key {key!r}: Argus tag keys may only contain "
            "lowercase letters, digits and underscores ([a-z0-9_]+)"
        )
    return key


def _tag_value(key: str, value: object) -> str:
    if value is None:
        raise InvalidTagError(f"tag {key!r} has no value (None)")
    return value if type(value) is str else str(value)


class Tags(MutableMapping[str, str]):
    """Incident tags: a mapping of ``key -> value`` that keeps repeated keys.

    ``tags["host"]`` gives the last value of a key, :meth:`getlist` gives
    all of them. Construct from a dict, a dict of lists, (key, value)
    pairs or ``"key=value"`` strings; values are turned into strings and
    keys are checked against Argus' rule ``[a-z0-9_]+``. Like Argus, a
    ``(key, value)`` pair is kept once. Equality ignores order.

    >>> tags = Tags([("organization", "uni"), ("organization", "dept")], host="a")
    >>> tags.getlist("organization")
    ['uni', 'dept']
    >>> tags["host"]
    'a'
    """

    # An immutable tuple, replaced on every change: a loaded incident's
    # snapshot (see Incident.changed_fields) shares it without copying, and the
    # garbage collector stops tracking it (only strings inside).
    __slots__ = ("_pairs",)

    def __init__(self, tags: TagsInput = None, /, **kwargs: Any) -> None:
        self._pairs: tuple[tuple[str, str], ...] = ()
        if tags is not None:
            self.extend(tags)
        if kwargs:
            self.extend(kwargs)

    @classmethod
    def _trusted(cls, pairs: Iterable[tuple[str, str]]) -> Tags:
        """Build from pairs that need no checking (decoded from Argus)."""
        tags = cls.__new__(cls)
        tags._pairs = tuple(pairs)  # a tuple is taken as it is, not copied
        return tags

    # Mapping protocol: one entry per key, the last value wins.
    def __getitem__(self, key: str) -> str:
        for k, v in reversed(self._pairs):
            if k == key:
                return v
        raise KeyError(key)

    def __setitem__(self, key: str, value: Any) -> None:
        check_tag_key(key)
        values = value if isinstance(value, (list, tuple)) else [value]
        self._pairs = tuple([p for p in self._pairs if p[0] != key])
        for v in values:
            self.add(key, v)

    def __delitem__(self, key: str) -> None:
        pairs = tuple([p for p in self._pairs if p[0] != key])
        if len(pairs) == len(self._pairs):
            raise KeyError(key)
        self._pairs = pairs

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(k for k, _ in self._pairs))

    def __len__(self) -> int:
        return len({k for k, _ in self._pairs})

    def __contains__(self, key: object) -> bool:
        return any(k == key for k, _ in self._pairs)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Tags):
            return sorted(self._pairs) == sorted(other._pairs)
        if isinstance(other, Mapping):
            try:
                return self == Tags(other)
            except InvalidArgumentError:
                return False
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Tags({list(self._pairs)!r})"

    # Multi-value API.
    def add(self, key: str, value: Any) -> None:
        """Add a value to *key*, keeping the values it already has."""
        check_tag_key(key)
        pair = (key, _tag_value(key, value))
        if pair not in self._pairs:
            self._pairs += (pair,)

    def extend(self, tags: TagsLike) -> None:
        """Add every tag of *tags* (a mapping, a dict of lists or pairs)."""
        if isinstance(tags, Tags):
            items: Iterable[Any] = tags._pairs
        elif isinstance(tags, Mapping):
            items = tags.items()
        elif isinstance(tags, (str, bytes)):
            raise InvalidTagError(f"tags must be a mapping or pairs, not {tags!r}")
        else:
            items = tags
        for item in items:
            if isinstance(item, str):
                key, sep, value = item.partition("=")
                if not sep:
                    raise InvalidTagError(f"tag {item!r} is not of the form key=value")
                self.add(key, value)
                continue
            try:
                key, value = item
            except (TypeError, ValueError):
                raise InvalidTagError(f"tag {item!r} is not a (key, value) pair") from None
            if isinstance(value, (list, tuple)):
                for v in value:
                    self.add(key, v)
            else:
                self.add(key, value)

    def getlist(self, key: str) -> list[str]:
        """All values of *key*, in the order they were added (``[]`` if none)."""
        return [v for k, v in self._pairs if k == key]

    def setlist(self, key: str, values: Iterable[Any]) -> None:
        """Replace all values of *key* by *values*."""
        self[key] = list(values)

    def lists(self) -> Iterator[tuple[str, list[str]]]:
        """``(key, [values])`` for every key."""
        for key in self:
            yield key, self.getlist(key)

    def allitems(self) -> list[tuple[str, str]]:
        """Every ``(key, value)`` pair, repeated keys included."""
        return list(self._pairs)

    def strings(self) -> list[str]:
        """Every tag as an Argus ``"key=value"`` string."""
        return [f"{k}={v}" for k, v in self._pairs]

    def copy(self) -> Tags:
        return Tags._trusted(self._pairs)

    def to_dict(self) -> dict[str, str | list[str]]:
        """A plain dict: one value per key, a list where a key repeats."""
        return {key: values if len(values) > 1 else values[0] for key, values in self.lists()}


#: What :class:`Tags` (and ``Incident(tags=...)``) accept: a mapping (values may be
#: lists), ``(key, value)`` pairs or ``"key=value"`` strings.
TagsLike = Tags | Mapping[str, Any] | Iterable[tuple[str, Any] | str]
#: :data:`TagsLike` or ``None`` ("not set").
TagsInput = TagsLike | None


class Fetched(Generic[T]):
    """A model field that is set on every object the client returns.

    Argus always sends it (the schema requires it: an answer without it is a
    :class:`~pyargus.exceptions.DecodeError`), so a type checker sees it as
    ``T`` when read, while ``__init__`` still accepts ``None`` ("not set") for
    objects you build. On an object you build, it stays ``None`` until you set
    it (as a Django model's ``pk`` before saving): read it from what the client
    returns. See :doc:`/typing`.

    At run time it is a non-data descriptor: the value lives in the
    instance's ``__dict__``, read and written as a plain dataclass field's
    (``__get__`` only answers for a field never set). ``__set__`` exists for
    type checkers only, so that ``__init__`` accepts ``None``.
    """

    __slots__ = ("name",)

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.name = name

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> None: ...

    @overload
    def __get__(self, obj: object, owner: type[Any] | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type[Any] | None = None) -> T | None:
        if obj is None:
            return None  # the dataclass default: not set
        value: T | None = obj.__dict__.get(self.name)
        return value

    if TYPE_CHECKING:

        def __set__(self, obj: object, value: T | None) -> None: ...


class TagsField(Fetched[Tags]):
    """The ``tags`` field of :class:`Incident`: set from anything :class:`Tags`
    accepts (a mapping, pairs, ``"key=value"`` strings), read as :class:`Tags`.

    Every incident the client returns has its :class:`Tags` (empty if it has
    none); on one you build, ``None`` means "not set" (see :class:`Fetched`).
    """

    __slots__ = ()

    def __set__(self, obj: object, value: TagsInput) -> None:
        if value is not None and not isinstance(value, Tags):
            value = Tags(value)
        obj.__dict__[self.name] = value


def check_level(level: object) -> int:
    """Return *level* if it is an Argus level (1-5), else raise."""
    if isinstance(level, bool) or not isinstance(level, int) or level not in LEVELS:
        raise InvalidArgumentError(
            f"invalid level {level!r}: Argus levels are the integers 1 (critical) to 5"
        )
    return level


@dataclass
class SourceSystem:
    """A source system: the glue service (and its user) that posts incidents."""

    pk: Fetched[int] = Fetched()
    name: str | None = None
    #: The name of the source system type, e.g. ``"nav"``.
    type: str | None = None
    #: The pk of the source system's user.
    user: int | None = None
    base_url: str | None = None


#: Incident fields that Argus lets clients change after creation.
EDITABLE_INCIDENT_FIELDS: Final = (
    "tags",
    "details_url",
    "ticket_url",
    "level",
    "metadata",
    "description",
)


@dataclass
class Incident:
    """An Argus incident.

    On :meth:`~pyargus.client.Client.post_incident`, ``start_time`` is
    required; fields left at ``None`` are not sent. ``end_time`` is
    ``None`` (not set: Argus makes the incident stateful and open),
    :data:`INFINITY` (open), :data:`STATELESS`, or a datetime (closed then).

    Naive datetimes are taken as the local time of the machine running
    pyargus. Datetimes read from Argus are timezone-aware.
    """

    pk: Fetched[int] = Fetched()
    start_time: Fetched[datetime] = Fetched()
    end_time: EndTime = None
    source: SourceSystem | None = None
    source_incident_id: str | None = None
    details_url: str | None = None
    description: str | None = None
    level: int | None = None
    ticket_url: str | None = None
    tags: TagsField = TagsField()
    stateful: bool | None = None
    open: bool | None = None
    acked: bool | None = None
    metadata: Any = None

    # The tracked fields (editable and fixed) as read from Argus, by name (None
    # for incidents built by the caller): update_incident() sends only what differs.
    _loaded: ClassVar[dict[str, Any] | None] = None

    def __post_init__(self) -> None:
        if self.level is not None:
            check_level(self.level)

    def changed_fields(self) -> dict[str, Any]:
        """The editable fields that :meth:`Client.update_incident` would send.

        For an incident read from Argus: those changed since. For one built
        by the caller: those that are not ``None``.
        """
        loaded = self._loaded
        if loaded is None:
            return {
                name: getattr(self, name)
                for name in EDITABLE_INCIDENT_FIELDS
                if getattr(self, name) is not None
            }
        changed = {}
        for name in EDITABLE_INCIDENT_FIELDS:
            value = getattr(self, name)
            old = loaded[name]
            if name == "tags" and old is not None:
                old = Tags._trusted(old)
            if value is not None and value != old:
                changed[name] = value
        return changed

    def _mark_loaded(self) -> None:
        """Remember the tracked values as read from Argus (see :meth:`changed_fields`)."""
        values = self.__dict__
        loaded = {name: values[name] for name in _TRACKED_FIELDS}
        tags = loaded["tags"]
        if tags is not None:
            loaded["tags"] = tags._pairs  # an immutable tuple: shared, not copied
        loaded["metadata"] = _copy_json(loaded["metadata"])
        values["_loaded"] = loaded

    def changed_fixed_fields(self) -> list[str]:
        """The fields that cannot be changed after creation but were changed here.

        For an incident read from Argus: ``start_time``, ``end_time`` or
        ``source_incident_id`` changed since (computed fields such as ``open``
        are the caller's to change locally). For one built by the caller: those
        and the other server-owned fields that are not ``None``.
        """
        loaded = self._loaded
        if loaded is None:
            return [name for name in _SERVER_OWNED_FIELDS if getattr(self, name) is not None]
        return [name for name in _FIXED_FIELDS if getattr(self, name) != loaded[name]]


#: Set when an incident is created, never changed by an update.
_FIXED_FIELDS = ("start_time", "end_time", "source_incident_id")
#: Fields Argus owns or computes: never sent by an update.
_SERVER_OWNED_FIELDS = (*_FIXED_FIELDS, "source", "stateful", "open", "acked")
#: What a loaded incident remembers (update_incident() compares with it).
_TRACKED_FIELDS = (*EDITABLE_INCIDENT_FIELDS, *_FIXED_FIELDS)

_SCALARS = frozenset({str, int, float, bool, type(None)})


def _copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (scalars are shared: they are immutable)."""
    if isinstance(value, dict):
        return {k: v if type(v) in _SCALARS else _copy_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) in _SCALARS else _copy_json(v) for v in value]
    return value


@dataclass
class Event:
    """An event in an incident's history.

    ``type`` is the event code (``"STA"``, ``"END"``, ``"RES"``, ``"CLO"``,
    ``"REO"``, ``"ACK"``, ``"OTH"``, ``"CHI"``, ``"LES"``); ``actor`` is the
    username of whoever caused it.
    """

    pk: Fetched[int] = Fetched()
    actor: str | None = None
    description: str | None = None
    incident: int | None = None
    received: datetime | None = None
    timestamp: Fetched[datetime] = Fetched()
    type: Fetched[str] = Fetched()


@dataclass
class Acknowledgement:
    """An acknowledgement of an incident: its ``ACK`` event and when it expires.

    ``expiration`` ``None`` means it never expires.
    """

    pk: Fetched[int] = Fetched()
    event: Fetched[Event] = Fetched()
    expiration: datetime | None = None

    @property
    def timestamp(self) -> datetime | None:
        return self.event.timestamp if self.event else None

    @property
    def description(self) -> str | None:
        return self.event.description if self.event else None

    @property
    def actor(self) -> str | None:
        return self.event.actor if self.event else None


@dataclass
class Page:
    """One page of a cursor-paginated listing."""

    results: list[Any] = field(default_factory=list)
    next: str | None = None
    previous: str | None = None


@dataclass
class User:
    """An Argus user as ``GET auth/user/`` or ``auth/users/{pk}/`` shows it.

    ``admin_url`` is the Django admin URL when the user is staff (only for
    the current user; ``None`` otherwise).
    """

    username: Fetched[str] = Fetched()
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    admin_url: str | None = None


@dataclass
class ExpiringToken:
    """An API token and when it expires (from ``POST auth/token/login/``).

    The token is never shown by ``repr()``; read :attr:`token` to store it.
    """

    token: str = field(repr=False)
    expiry: datetime | None = None

    def __repr__(self) -> str:
        return f"ExpiringToken(token='…', expiry={self.expiry!r})"


_VERSION_NUMBER = re.compile(r"\d+")


@dataclass
class ServerMetadata:
    """What an Argus server says about itself (``GET /api/``).

    :ivar server_version: the argus-server release, e.g. ``"2.10.2"``.
    :ivar stable_api_version: the stable REST API version, e.g. ``"v2"``.
    :ivar ticket_plugin: the dotted path of the ticket plugin, or ``None``
        when automatic tickets are not configured.
    :ivar destination_plugins: the dotted paths of the notification media.
    :ivar schema_urls: the OpenAPI schema paths by API version (``"stable"``,
        ``"v2"``, ``"v3"``).
    """

    server_version: Fetched[str] = Fetched()
    stable_api_version: str | None = None
    ticket_plugin: str | None = None
    destination_plugins: list[str] = field(default_factory=list)
    schema_urls: dict[str, str] = field(default_factory=dict)

    @property
    def version_info(self) -> tuple[int, ...]:
        """The leading numbers of :attr:`server_version`, for comparisons.

        ``"2.10.2"`` gives ``(2, 10, 2)``, ``"2.11.0.dev3+g1a2b"`` gives
        ``(2, 11, 0)``; an unknown version gives ``()``.

        >>> ServerMetadata(server_version="2.10.2").version_info >= (2, 10)
        True
        """
        numbers = []
        for part in (self.server_version or "").split("."):
            match = _VERSION_NUMBER.match(part)
            if match is None:
                break
            numbers.append(int(match.group()))
            if match.end() != len(part):
                break
        return tuple(numbers)


@dataclass
class BulkItem(Generic[T]):
    """The outcome of a bulk operation for one incident.

    :ivar incident: the incident's pk.
    :ivar status: the HTTP status Argus reported for this incident (201 on
        success, 400 for an unknown incident), or the status of the request
        that failed; ``200`` when nothing had to be done.
    :ivar value: what was created or set (an :class:`Event`, an
        :class:`Acknowledgement`, the ticket URL), or ``None``.
    :ivar error: why it failed (``None`` on success).
    """

    incident: int
    status: int | None = None
    value: T | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the operation succeeded for this incident."""
        return self.error is None


class BulkResult(Mapping[int, BulkItem[T]]):
    """The per-incident outcome of a bulk operation: ``pk -> BulkItem``.

    Argus answers a bulk request with success (201) as soon as one incident
    succeeded, so check :attr:`ok` or call :meth:`raise_for_failures`:

    >>> result = BulkResult([BulkItem(1, 201, "x"), BulkItem(2, 400, None, "not found")])
    >>> result.ok, list(result.succeeded), list(result.failed)
    (False, [1], [2])
    """

    __slots__ = ("_items", "operation")

    def __init__(self, items: Iterable[BulkItem[T]] = (), operation: str = "bulk operation"):
        self._items: dict[int, BulkItem[T]] = {item.incident: item for item in items}
        #: What was done, for messages (e.g. ``"bulk_acknowledge"``).
        self.operation = operation

    def __getitem__(self, pk: int) -> BulkItem[T]:
        return self._items[pk]

    def __iter__(self) -> Iterator[int]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        failed = self.failed
        return (
            f"<BulkResult {self.operation}: {len(self) - len(failed)} succeeded, "
            f"{len(failed)} failed{': ' + ', '.join(map(str, failed)) if failed else ''}>"
        )

    @property
    def ok(self) -> bool:
        """Whether every incident succeeded."""
        return all(item.ok for item in self._items.values())

    @property
    def succeeded(self) -> dict[int, T | None]:
        """``pk -> value`` of the incidents that succeeded."""
        return {pk: item.value for pk, item in self._items.items() if item.ok}

    @property
    def failed(self) -> dict[int, BulkItem[T]]:
        """``pk -> BulkItem`` of the incidents that failed."""
        return {pk: item for pk, item in self._items.items() if not item.ok}

    def describe_failures(self) -> str:
        """One line naming every failed incident and why."""
        return "; ".join(
            f"#{pk}: {item.error} (status {item.status})" for pk, item in self.failed.items()
        )

    def raise_for_failures(self) -> BulkResult[T]:
        """Raise :class:`~pyargus.exceptions.BulkError` unless every incident
        succeeded; return the result otherwise (for chaining)."""
        if not self.ok:
            raise BulkError(self)
        return self


# The end-user side: notification profiles and what they are made of, planned maintenance.

#: Weekdays as Argus numbers them in time recurrences: 1 is Monday, 7 is Sunday.
WEEKDAYS: Final = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}

_DAY_START: Final = time(0, 0)
_DAY_END: Final = time(23, 59, 59, 999999)


def check_days(days: object) -> list[int]:
    """*days* (integers 1-7, Monday = 1) sorted and de-duplicated, as Argus stores them."""
    if isinstance(days, (str, bytes, Mapping)) or not isinstance(days, Iterable):
        raise InvalidArgumentError(
            f"days must be a list of weekdays 1-7 (Monday = 1), not {days!r}"
        )
    checked = set()
    for day in days:
        if isinstance(day, bool) or not isinstance(day, int) or day not in WEEKDAYS:
            raise InvalidArgumentError(
                f"invalid weekday {day!r}: Argus numbers weekdays 1 (Monday) to 7 (Sunday)"
            )
        checked.add(day)
    return sorted(checked)


_WALL_TIME = re.compile(r"(\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,6}))?)?(Z|[+-]\d\d:?\d\d)?")


def wall_time(name: str, value: object) -> time | None:
    """A naive :class:`~datetime.time` from a ``time`` or an ``"HH:MM[:SS[.ffffff]]"`` string."""
    if value is None:
        return None
    if isinstance(value, str):
        match = _WALL_TIME.fullmatch(value.strip())
        if match is None or match[5]:
            what = "has a time zone" if match else "is not a time such as '08:00' or '16:30:00'"
            raise InvalidArgumentError(
                f"{name} {value!r} {what}: Argus reads times on the server's wall clock "
                "(and drops offsets), so give a naive time in the server's time zone"
            )
        hour, minute, second, fraction = match[1], match[2], match[3] or "0", match[4] or ""
        try:
            value = time(int(hour), int(minute), int(second), int(fraction.ljust(6, "0")))
        except ValueError:
            raise InvalidArgumentError(f"{name} {value!r} is not a time of day") from None
    if not isinstance(value, time):
        raise InvalidArgumentError(f"{name} must be a datetime.time, not {value!r}")
    if value.tzinfo is not None:
        raise InvalidArgumentError(
            f"{name} {value.isoformat()} has a time zone: Argus drops it and reads the time "
            "on the server's wall clock, so give a naive time in the server's time zone"
        )
    return value


@dataclass
class TimeRecurrence:
    """A weekly window of a :class:`Timeslot`: on *days*, from *start* to *end*.

    *days* are weekdays 1 (Monday) to 7 (Sunday), kept sorted and without
    repeats (as Argus stores them). *start* and *end* are naive
    :class:`datetime.time` values (``"08:00"`` strings are accepted) on the
    **server's wall clock**: Argus reads them in its own ``TIME_ZONE``, which
    the API does not name, and follows its daylight saving time. Both ends
    are inclusive, and *start* must be before *end*: a window across
    midnight takes two recurrences. ``all_day=True`` is the whole day
    (00:00:00 to 23:59:59.999999); Argus reports every recurrence that spans
    the whole day as ``all_day``, so it is set for those too.
    """

    days: list[int] = field(default_factory=list)
    start: time | None = None
    end: time | None = None
    all_day: bool = False

    def __post_init__(self) -> None:
        self.days = check_days(self.days)
        self.start = wall_time("start", self.start)
        self.end = wall_time("end", self.end)
        if self.all_day:
            self.start, self.end = _DAY_START, _DAY_END
        elif self.start == _DAY_START and self.end == _DAY_END:
            self.all_day = True


@dataclass
class Timeslot:
    """A named set of weekly windows; a notification profile notifies only inside them.

    Every Argus user starts with one named ``"All the time"``. Names are
    unique per user (case-sensitive), at most 40 characters.
    """

    pk: Fetched[int] = Fetched()
    name: Fetched[str] = Fetched()
    time_recurrences: Fetched[list[TimeRecurrence]] = Fetched()


#: The keys of a filter blob (Argus' default filter backend) and what they take.
FILTER_KEYS: Final = {
    "sourceSystemIds": "a list of source system pks",
    "source_types": "a list of source system type names",
    "tags": 'a list of "key=value" strings',
    "open": "True, False or None",
    "acked": "True, False or None",
    "stateful": "True, False or None",
    "maxlevel": "a level 1-5 or None",
    "event_types": "a list of event types",
    "hide_closed_acked": "True or False",
}


@dataclass
class Filter:
    """A named incident filter, as notification profiles and maintenance tasks use.

    :ivar filter: the filter blob, a dict with the keys of
        :data:`FILTER_KEYS`; keys absent (or ``None``, or an empty list)
        are not checked. Argus adds ``None`` for ``open``, ``acked``,
        ``stateful`` and ``maxlevel`` and ``False`` for ``hide_closed_acked``.
    :ivar public: whether other users can see and use it.
    """

    pk: Fetched[int] = Fetched()
    name: Fetched[str] = Fetched()
    filter: Fetched[dict[str, Any]] = Fetched()
    public: bool | None = None


@dataclass
class Media:
    """A notification medium (``"email"``, ``"sms"``, ...) and whether it is installed."""

    slug: Fetched[str] = Fetched()
    name: str | None = None
    installed: bool | None = None


@dataclass
class Destination:
    """Where notifications go: a medium and its settings (e.g. ``{"email_address": ...}``).

    A user with an e-mail address has one *managed* e-mail destination that
    mirrors the account's address (:attr:`managed`): Argus refuses to
    delete it, and changing its settings turns it into an ordinary
    destination and makes a new managed one.
    """

    pk: Fetched[int] = Fetched()
    media: Fetched[Media] = Fetched()
    label: str | None = None
    settings: Fetched[dict[str, Any]] = Fetched()
    suggested_label: str | None = None

    @property
    def managed(self) -> bool:
        """Whether this is the managed e-mail destination (``settings["synced"]``)."""
        return bool((self.settings or {}).get("synced"))


@dataclass
class NotificationProfile:
    """Who is notified about what and when: a timeslot, filters and destinations.

    Read with the timeslot, filters and destinations as objects; the
    client sends their pks (so a :class:`Timeslot` built as
    ``Timeslot(pk=4)`` is enough). Profile names are unique across *all*
    users of the server; ``None`` is allowed (any number of unnamed ones).
    """

    pk: Fetched[int] = Fetched()
    name: str | None = None
    timeslot: Fetched[Timeslot] = Fetched()
    filters: Fetched[list[Filter]] = Fetched()
    destinations: Fetched[list[Destination]] = Fetched()
    active: Fetched[bool] = Fetched()


@dataclass
class PlannedMaintenance:
    """A planned maintenance task: while it runs, Argus sends no notifications about
    the incidents that match *all* its filters, to anyone.

    ``end_time`` is :data:`INFINITY` for an open-ended task (Argus' year-9999
    end time is read as such, before any time zone arithmetic).
    ``created_by`` is the creator's username.
    """

    pk: Fetched[int] = Fetched()
    start_time: Fetched[datetime] = Fetched()
    end_time: Fetched[datetime] = Fetched()
    description: str | None = None
    filters: Fetched[list[Filter]] = Fetched()
    created_by: str | None = None
    created: datetime | None = None

    @property
    def open_ended(self) -> bool:
        """Whether the task never ends (``end_time`` is :data:`INFINITY`)."""
        return self.end_time is not None and self.end_time == INFINITY
