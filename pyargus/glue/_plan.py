"""The decisions of the glue toolkit, as pure functions and plain data (no I/O).

Everything here is shared by the sync functions of :mod:`pyargus.glue` and
any async twin: which incidents a pass creates, updates, resolves or
leaves alone, the safety guards, and the reports.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from ..exceptions import ArgusError, InvalidArgumentError
from ..models import EDITABLE_INCIDENT_FIELDS, STATELESS, Incident, Tags

__all__ = [
    "DEFAULT_UPDATE_FIELDS",
    "Ensured",
    "IncidentIndex",
    "ReconcileRefused",
    "ReconcileReport",
    "build_index",
    "changes",
    "check_sid",
    "normalize_desired",
    "resolve_limit",
]

K = TypeVar("K")

#: What a builder may return: an incident, or ``None`` for "do not sync".
Builder = Callable[[], Incident | None]
Desired = Mapping[Any, Incident | Builder] | Iterable[Incident] | None

#: Fields ``update_changed=True`` compares (``ticket_url`` is left to operators).
DEFAULT_UPDATE_FIELDS = ("description", "level", "details_url", "tags", "metadata")


def check_sid(value: Any, what: str = "source_incident_id") -> str:
    """*value* as the ``source_incident_id`` Argus stores, or raise.

    Argus keeps ids as strings. It strips white space around them when it
    stores them and when it looks them up, so an id with leading or trailing
    white space would never match again; an empty id is not unique and
    cannot be looked up at all.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidArgumentError(f"{what} must be a string (or an integer), not {value!r}")
    text = str(value)
    if not text.strip():
        raise InvalidArgumentError(f"{what} must not be empty: Argus cannot look it up")
    if text != text.strip():
        raise InvalidArgumentError(
            f"{what} {text!r} has leading or trailing white space: Argus strips it when "
            "storing and when looking up, so the id would never match again"
        )
    return text


def is_open(incident: Incident) -> bool:
    """Whether Argus reports *incident* as open (stateful, end time not reached)."""
    return incident.open is True


def is_stateless(incident: Incident) -> bool:
    return incident.end_time is STATELESS or incident.stateful is False


class IncidentIndex(Mapping[K, Incident], Generic[K]):
    """Incidents by key (their ``source_incident_id``, converted by *key*).

    :ivar skipped: ``(incident, reason)`` for the incidents that could not be
        keyed: no ``source_incident_id``, a *key* function that failed, or a
        key that another incident already had.
    """

    __slots__ = ("_items", "skipped")

    def __init__(self) -> None:
        self._items: dict[K, Incident] = {}
        self.skipped: list[tuple[Incident, str]] = []

    def __getitem__(self, key: K) -> Incident:
        return self._items[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"<IncidentIndex: {len(self)} incidents, {len(self.skipped)} skipped>"


def build_index(incidents: Iterable[Incident], key: Callable[[str], K]) -> IncidentIndex[K]:
    """Key *incidents* by ``key(source_incident_id)`` (see :class:`IncidentIndex`)."""
    index: IncidentIndex[K] = IncidentIndex()
    for incident in incidents:
        sid = incident.source_incident_id
        if not sid:
            index.skipped.append((incident, "no source_incident_id"))
            continue
        try:
            k = key(sid)
        except (TypeError, ValueError) as exc:
            index.skipped.append((incident, f"source_incident_id {sid!r} cannot be keyed: {exc}"))
            continue
        other = index._items.get(k)
        if other is not None:
            index.skipped.append(
                (
                    incident,
                    f"key {k!r} is already incident #{other.pk}'s ({other.source_incident_id!r})",
                )
            )
            continue
        index._items[k] = incident
    return index


def normalize_desired(desired: Any) -> dict[str, Incident | Builder]:
    """*desired* as ``{source_incident_id: incident or builder}``, checked.

    :raises pyargus.exceptions.InvalidArgumentError: for ids Argus cannot
        look up, an id given twice, incidents without an id (in an
        iterable), or values that are neither incidents nor callables.
    """
    result: dict[str, Incident | Builder] = {}
    if isinstance(desired, Mapping):
        for key, value in desired.items():
            sid = check_sid(key, "desired key")
            if sid in result:
                raise InvalidArgumentError(f"desired has the id {sid!r} twice")
            if isinstance(value, Incident):
                own = value.source_incident_id
                if own is not None and str(own) != sid:
                    raise InvalidArgumentError(
                        f"desired[{key!r}] has source_incident_id {own!r}, not {sid!r}"
                    )
            elif not callable(value):
                raise InvalidArgumentError(
                    f"desired[{key!r}] must be an Incident or a function that builds one, "
                    f"not {type(value).__name__}"
                )
            result[sid] = value
        return result
    if isinstance(desired, (str, bytes, Incident)) or not isinstance(desired, Iterable):
        raise InvalidArgumentError(
            "desired must map source_incident_id to incidents (or builders), or be an "
            f"iterable of incidents, not {type(desired).__name__}"
        )
    for item in desired:
        if not isinstance(item, Incident):
            raise InvalidArgumentError(f"desired holds {type(item).__name__}, not an Incident")
        if item.source_incident_id is None:
            raise InvalidArgumentError("every desired incident needs a source_incident_id")
        sid = check_sid(item.source_incident_id)
        if sid in result:
            raise InvalidArgumentError(f"desired has the id {sid!r} twice")
        result[sid] = item
    return result


def built(sid: str, value: Any) -> Incident | None:
    """The incident a desired value stands for, with its id set (``None``: do not sync)."""
    if value is None:
        return None
    if not isinstance(value, Incident):
        raise InvalidArgumentError(
            f"the builder of {sid!r} returned {type(value).__name__}, not an Incident or None"
        )
    own = value.source_incident_id
    if own is None:
        return dataclasses.replace(value, source_incident_id=sid)
    if str(own) != sid:
        raise InvalidArgumentError(f"the incident built for {sid!r} has source_incident_id {own!r}")
    return value


def update_fields(update_changed: bool | Sequence[str]) -> tuple[str, ...]:
    """The fields an update compares: none, the default ones, or those named."""
    if update_changed is False:
        return ()
    if update_changed is True:
        return DEFAULT_UPDATE_FIELDS
    if isinstance(update_changed, str) or not isinstance(update_changed, Sequence):
        raise InvalidArgumentError(
            f"update_changed must be True, False or a list of field names, not {update_changed!r}"
        )
    unknown = [name for name in update_changed if name not in EDITABLE_INCIDENT_FIELDS]
    if unknown:
        raise InvalidArgumentError(
            f"update_changed: {', '.join(map(repr, unknown))} cannot be changed "
            f"(editable: {', '.join(EDITABLE_INCIDENT_FIELDS)})"
        )
    return tuple(update_changed)


def changes(existing: Incident, wanted: Incident, fields: Sequence[str]) -> dict[str, Any]:
    """What a PATCH must send so that *existing* has *wanted*'s values of *fields*.

    Fields *wanted* leaves at ``None`` are not compared. Tags are only
    added, never removed: Argus refuses to remove a tag that another user
    (an operator) added, and which tag is whose is not known here, so the
    change is the union of both sets.
    """
    result: dict[str, Any] = {}
    for name in fields:
        value = getattr(wanted, name)
        if value is None:
            continue
        old = getattr(existing, name)
        if name == "tags":
            have = set(old.allitems()) if old is not None else set()
            missing = [pair for pair in value.allitems() if pair not in have]
            if missing:
                union = Tags(old.allitems() if old is not None else ())
                for key, tag in missing:
                    union.add(key, tag)
                result[name] = union
        elif value != old:
            result[name] = value
    return result


def check_max_resolve(max_resolve: Any) -> int | float | None:
    if max_resolve is None:
        return None
    if isinstance(max_resolve, bool) or not isinstance(max_resolve, (int, float)):
        raise InvalidArgumentError(
            f"max_resolve must be a count (int), a fraction (float) or None, not {max_resolve!r}"
        )
    if isinstance(max_resolve, float) and not 0.0 <= max_resolve <= 1.0:
        raise InvalidArgumentError(
            f"max_resolve as a fraction must be between 0.0 and 1.0, not {max_resolve!r}"
        )
    if max_resolve < 0:
        raise InvalidArgumentError(f"max_resolve must not be negative, not {max_resolve!r}")
    return max_resolve


def resolve_limit(max_resolve: int | float | None, open_count: int) -> int | None:
    """How many of *open_count* open incidents one pass may resolve (``None``: any).

    A count (int) is itself; a fraction (float) is that share of the open
    incidents, rounded down but at least 1.
    """
    if max_resolve is None:
        return None
    if isinstance(max_resolve, float):
        return max(1, math.floor(max_resolve * open_count))
    return max_resolve


def check_min_age(min_age: Any) -> timedelta | None:
    if min_age is None or isinstance(min_age, timedelta):
        return min_age
    raise InvalidArgumentError(f"min_age must be a timedelta or None, not {min_age!r}")


def too_young(incident: Incident, now: datetime, min_age: timedelta | None) -> bool:
    start = incident.start_time
    if min_age is None or start is None:
        return False
    if start.tzinfo is None:
        start = start.astimezone()
    return start > now - min_age


#: What one request costs Argus, in incidents of a listing: a lookup by id took
#: about 38 ms on the test server, a listed incident about 6 ms (pages of 500).
REQUEST_COST = 6


def use_full_listing(missing: int, total: int, page_size: int) -> bool:
    """Whether one listing of all *total* incidents costs Argus less than *missing* lookups.

    A listing costs a request per page plus the work per incident, so it
    wins only when few incidents exist for many missing ids.
    """
    pages = math.ceil(total / page_size)
    return missing > 1 and total + pages * REQUEST_COST < missing * REQUEST_COST


@dataclass
class Ensured:
    """What :func:`~pyargus.glue.ensure_incident` found or did."""

    #: The incident as stored in Argus.
    incident: Incident
    #: Whether it was posted now.
    created: bool = False
    #: Whether its ``source_incident_id`` already existed, closed (or stateless).
    existed_closed: bool = False
    #: Whether it was closed and is reopened now (``restart=True``).
    reopened: bool = False


@dataclass
class ReconcileReport:
    """What one :func:`~pyargus.glue.reconcile` pass did, or would do (``dry_run``).

    Incidents in :attr:`created` and :attr:`updated` are as Argus returned
    them (as built, in a dry run); those in :attr:`resolved` as they were
    before.
    """

    dry_run: bool = False
    created: list[Incident] = field(default_factory=list)
    resolved: list[Incident] = field(default_factory=list)
    #: ``(incident, {field: new value})`` for each PATCH.
    updated: list[tuple[Incident, dict[str, Any]]] = field(default_factory=list)
    #: Desired incidents that are open and need nothing.
    unchanged: int = 0
    #: Desired, but the id exists closed (or stateless) in Argus: not posted again.
    existed_closed: list[Incident] = field(default_factory=list)
    #: Open, not desired, yet not resolved: ``(incident, why)``.
    kept_open: list[tuple[Incident, str]] = field(default_factory=list)
    #: ``(source_incident_id, error)`` of what failed; the pass went on.
    failed: list[tuple[str, ArgusError]] = field(default_factory=list)
    #: Desired ids not created: ``create_missing=False``, or a builder returned ``None``.
    not_created: list[str] = field(default_factory=list)
    #: Open incidents of the scope that could not be matched (no or a repeated id).
    ignored: list[tuple[Incident, str]] = field(default_factory=list)
    #: Why the pass was refused (see :class:`ReconcileRefused`), else ``None``.
    refused: str | None = None

    @property
    def ok(self) -> bool:
        """Nothing failed and nothing was refused."""
        return not self.failed and self.refused is None

    @property
    def changed(self) -> bool:
        """Something was (or, in a dry run, would be) created, updated or resolved."""
        return bool(self.created or self.resolved or self.updated)

    @property
    def exit_code(self) -> int:
        """0 done, 1 failures or refused, 3 a dry run found changes to make."""
        if not self.ok:
            return 1
        return 3 if self.dry_run and self.changed else 0

    def summary(self) -> str:
        """One line, e.g. ``created 2, resolved 1, updated 0, unchanged 40, ...``."""
        counts = (
            f"created {len(self.created)}, resolved {len(self.resolved)}, "
            f"updated {len(self.updated)}, unchanged {self.unchanged}, "
            f"existed closed {len(self.existed_closed)}, kept open {len(self.kept_open)}, "
            f"failed {len(self.failed)}"
        )
        if self.not_created:
            counts += f", not created {len(self.not_created)}"
        if self.ignored:
            counts += f", ignored {len(self.ignored)}"
        if self.dry_run:
            counts = "dry run: would have " + counts
        if self.refused is not None:
            counts = f"refused ({self.refused}); plan: {counts}"
        return counts

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (ids, reasons and error messages)."""

        def sid(incident: Incident) -> str | None:
            return incident.source_incident_id

        return {
            "dry_run": self.dry_run,
            "ok": self.ok,
            "changed": self.changed,
            "refused": self.refused,
            "created": [sid(i) for i in self.created],
            "resolved": [sid(i) for i in self.resolved],
            "updated": {str(sid(i)): sorted(change) for i, change in self.updated},
            "unchanged": self.unchanged,
            "existed_closed": [sid(i) for i in self.existed_closed],
            "kept_open": {str(sid(i)): why for i, why in self.kept_open},
            "failed": {key: str(error) for key, error in self.failed},
            "not_created": list(self.not_created),
            "ignored": [{"pk": i.pk, "reason": why} for i, why in self.ignored],
        }


class ReconcileRefused(ArgusError):
    """A :func:`~pyargus.glue.reconcile` pass refused to run and changed nothing.

    ``desired`` was ``None`` (the alert source failed), or empty while
    incidents are open, or more incidents would be resolved than
    ``max_resolve`` allows.

    :ivar report: the plan that was refused (a dry-run
        :class:`ReconcileReport` with :attr:`~ReconcileReport.refused` set),
        for logging.
    """

    attempts = 0

    def __init__(self, report: ReconcileReport) -> None:
        super().__init__(f"reconcile refused: {report.refused}")
        self.report = report
