"""The glue toolkit's multi-step operations, written once as generators ("flows").

A flow yields the operations of :mod:`pyargus._flows` it needs, naming
the client's methods by name, and gets each one's result sent back, or
its :class:`~pyargus.exceptions.ArgusError` thrown in, so every decision
(what to look up, what to post, which error ends a pass) lives here, free
of I/O. ``pyargus._flows.run(flow, bind=client)`` runs a flow with a
:class:`~pyargus.client.Client` (:mod:`pyargus.glue`),
``pyargus._flows.arun(flow, bind=client)`` with an
:class:`~pyargus.async_client.AsyncClient` (:mod:`pyargus.glue.aio`).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from .. import checks
from .._flows import Call, Collect, Find, Flow, Invoke
from ..exceptions import (
    ArgusError,
    AuthError,
    ClientConnectionError,
    DuplicateIncidentError,
    InvalidArgumentError,
    ServerError,
)
from ..models import Incident
from ..time import now
from ._plan import (
    Builder,
    Ensured,
    IncidentIndex,
    ReconcileRefused,
    ReconcileReport,
    build_index,
    built,
    changes,
    check_max_resolve,
    check_min_age,
    check_sid,
    is_open,
    is_stateless,
    normalize_desired,
    resolve_limit,
    too_young,
    update_fields,
    use_full_listing,
)

__all__ = [
    "FIND_PAGE_SIZE",
    "PAGE_SIZE",
    "ensure_incident",
    "find_my_incident",
    "index_my_incidents",
    "reconcile",
    "sync_client",
]

T = TypeVar("T")
K = TypeVar("K")

#: Page size of the toolkit's listings. Argus spends about the same time per
#: incident whatever the page size; 500 keeps the request count low while a
#: page still comes back well within the default 10 s read timeout on a busy
#: small server (1000-incident pages took 2-6 s on the test machine).
PAGE_SIZE = 500
#: Page size of a lookup by id (normally one result: one request).
FIND_PAGE_SIZE = 10


def sync_client(client: T) -> T:
    """*client*, refused if it is an AsyncClient (for the functions of :mod:`pyargus.glue`)."""
    # Only an imported pyargus.async_client can have made an AsyncClient.
    async_module = sys.modules.get("pyargus.async_client")
    if async_module is not None and isinstance(client, async_module.AsyncClient):
        raise InvalidArgumentError(
            "pyargus.glue needs a Client, not an AsyncClient (pyargus.glue.aio has the "
            "same functions for it)"
        )
    return client


# Lookups


def find_my_incident(source_incident_id: Any, *, open_only: bool = False) -> Flow[Incident | None]:
    sid = check_sid(source_incident_id)
    filters: dict[str, Any] = {"source_incident_id": sid, "page_size": FIND_PAGE_SIZE}
    if open_only:
        filters["open"] = True
    # Exact match: Argus strips filter values, and must not be trusted blindly.
    found = yield Find(
        "get_my_incidents", kwargs=filters, match=lambda i: i.source_incident_id == sid
    )
    return found  # type: ignore[no-any-return]


def index_my_incidents(
    *, open: bool | None, key: Callable[[str], K], filters: Mapping[str, Any]
) -> Flow[IncidentIndex[K]]:
    params: dict[str, Any] = {"page_size": PAGE_SIZE, **filters}
    if open is not None:
        params["open"] = open
    incidents = yield Collect("get_my_incidents", kwargs=params)
    return build_index(incidents, key)


# Get-or-create


def ensure_incident(
    incident: Any, *, restart: bool = False, description: str | None = None
) -> Flow[Ensured]:
    if not isinstance(incident, Incident):
        raise InvalidArgumentError(f"expected an Incident, not {type(incident).__name__}")
    if incident.source_incident_id is None:
        raise InvalidArgumentError(
            "ensure_incident needs the incident's source_incident_id, to find it again"
        )
    sid = check_sid(incident.source_incident_id)
    checks.new_incident(incident)
    found = yield from find_my_incident(sid)
    if found is None:
        return (yield from _create(sid, incident))
    if is_open(found):
        return Ensured(found)
    if restart and not is_stateless(found):
        yield Call("restart_incident", (found.pk,), {"description": description})
        fresh = yield Call("get_incident", (found.pk,))
        return Ensured(fresh, existed_closed=True, reopened=True)
    return Ensured(found, existed_closed=True)


def _create(sid: str, incident: Incident) -> Flow[Ensured]:
    """Post *incident*, known to be absent; survive a racing post and a lost answer."""
    try:
        created = yield Call("post_incident", (incident,))
    except DuplicateIncidentError as exc:
        # Another worker (a webhook, a second pass) posted it since the lookup.
        found = yield from find_my_incident(sid)
        if found is None:
            raise exc from None
        return Ensured(found, existed_closed=not is_open(found))
    except (ClientConnectionError, ServerError) as exc:
        if isinstance(exc, ClientConnectionError) and not exc.sent:
            raise
        # The post may have been stored while its answer was lost: look before anything else.
        found = yield from find_my_incident(sid)
        if found is None:
            raise exc from None
        return Ensured(found, created=True)
    return Ensured(created, created=True)


# Reconcile

_SCOPE_RESERVED = ("open", "page_size", "cursor", "count", "source_incident_id")


def reconcile(
    desired: Any,
    *,
    scope: Mapping[str, Any] | None,
    create_missing: bool,
    resolve_missing: bool,
    update_changed: bool | Sequence[str],
    min_age: timedelta | None,
    confirm_gone: Callable[[Incident], bool] | None,
    allow_empty: bool,
    max_resolve: int | float | None,
    resolve_description: str | None,
    timestamp: datetime | None,
    dry_run: bool,
    page_size: int = PAGE_SIZE,
) -> Flow[ReconcileReport]:
    report = ReconcileReport(dry_run=dry_run)
    if desired is None:
        report.dry_run = True
        report.refused = "desired is None (the alert source failed), so nothing is known to be gone"
        raise ReconcileRefused(report)
    # Every argument is checked before the first request.
    wanted = normalize_desired(desired)
    fields = update_fields(update_changed)
    max_resolve = check_max_resolve(max_resolve)
    min_age = check_min_age(min_age)
    scope = dict(scope or {})
    reserved = sorted(set(scope) & set(_SCOPE_RESERVED))
    if reserved:
        raise InvalidArgumentError(f"scope cannot hold {', '.join(reserved)}")
    if confirm_gone is not None and not callable(confirm_gone):
        raise InvalidArgumentError("confirm_gone must be a function of an incident")
    checks.optional_str("resolve_description", resolve_description)
    when = now() if timestamp is None else checks.datetime_arg("timestamp", timestamp)
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise InvalidArgumentError(f"page_size must be a positive integer, not {page_size!r}")

    listing = yield Collect(
        "get_my_incidents", kwargs={**scope, "open": True, "page_size": page_size}
    )
    index = build_index(listing, str)
    report.ignored = list(index.skipped)
    gone = [incident for sid, incident in index.items() if sid not in wanted]
    if not wanted and gone and resolve_missing and not allow_empty:
        report.dry_run = True
        report.resolved = gone
        report.refused = (
            f"desired is empty while {len(gone)} incidents are open; pass allow_empty=True "
            "if the alert source really has no alerts"
        )
        raise ReconcileRefused(report)

    to_resolve: list[Incident] = []
    for incident in gone:
        if not resolve_missing:
            report.kept_open.append((incident, "resolve_missing is off"))
        elif too_young(incident, when, min_age):
            report.kept_open.append((incident, f"younger than min_age ({min_age})"))
        else:
            to_resolve.append(incident)
    if confirm_gone is not None and to_resolve:
        confirmed = []
        for incident in to_resolve:
            try:
                # Any failure of the caller's check keeps the incident open (documented).
                is_gone = yield Invoke(confirm_gone, (incident,), catch=(Exception,))
            except Exception as exc:
                report.kept_open.append((incident, f"confirm_gone failed: {exc}"))
                continue
            if is_gone:
                confirmed.append(incident)
            else:
                report.kept_open.append((incident, "confirm_gone: still active at the source"))
        to_resolve = confirmed
    limit = resolve_limit(max_resolve, len(listing))
    if limit is not None and len(to_resolve) > limit:
        report.dry_run = True
        report.resolved = to_resolve
        report.unchanged = sum(1 for sid in wanted if sid in index)
        report.refused = (
            f"would resolve {len(to_resolve)} of {len(listing)} open incidents, more than "
            f"max_resolve={max_resolve!r} allows ({limit}); if the alert source is right, "
            "raise max_resolve (None: no limit)"
        )
        raise ReconcileRefused(report)

    missing = [sid for sid in wanted if sid not in index]
    present = [sid for sid in wanted if sid in index]
    if missing:
        yield from _create_missing(
            wanted, missing, index, scope, listing, create_missing, dry_run, page_size, report
        )
    if fields:
        yield from _update_present(wanted, present, index, fields, dry_run, report)
    else:
        report.unchanged += len(present)
    for incident in to_resolve:
        yield from _resolve(incident, resolve_description, when, dry_run, report)
    return report


def _create_missing(
    wanted: dict[str, Incident | Builder],
    missing: list[str],
    index: IncidentIndex[str],
    scope: dict[str, Any],
    listing: list[Incident],
    create_missing: bool,
    dry_run: bool,
    page_size: int,
    report: ReconcileReport,
) -> Flow[None]:
    """Desired but not open in the scope: find out whether each id exists, then create."""
    # Argus keeps ids unique over open and closed incidents: an id may exist closed
    # (or outside the scope). Choose the cheapest way to know.
    known: dict[str, Incident] | None = None
    if len(missing) > 1:
        total = yield Call("count_my_incidents")
        others = total - (0 if scope else len(listing))
        if others <= 0:
            known = {}  # every incident of mine is in the listing: the rest are absent
        elif use_full_listing(len(missing), total, page_size):
            wanted_ids = set(missing)
            every = yield Collect("get_my_incidents", kwargs={"page_size": page_size})
            known = {i.source_incident_id: i for i in every if i.source_incident_id in wanted_ids}
    for sid in missing:
        if known is not None:
            found = known.get(sid)
        else:
            try:
                found = yield from find_my_incident(sid)
            except AuthError:
                raise
            except ArgusError as exc:
                report.failed.append((sid, exc))
                continue
        if found is not None:
            if is_open(found):
                report.unchanged += 1  # open, outside the scope
            else:
                report.existed_closed.append(found)
            continue
        if not create_missing:
            report.not_created.append(sid)
            continue
        try:
            incident = yield from _build(sid, wanted[sid])
            if incident is None:
                report.not_created.append(sid)
                continue
            if dry_run:
                checks.new_incident(incident)
                report.created.append(incident)
                continue
            ensured = yield from _create(sid, incident)
        except AuthError:
            raise
        except ArgusError as exc:
            report.failed.append((sid, exc))
            continue
        if ensured.created:
            report.created.append(ensured.incident)
        elif ensured.existed_closed:
            report.existed_closed.append(ensured.incident)
        else:
            report.unchanged += 1


def _build(sid: str, value: Incident | Builder) -> Flow[Incident | None]:
    if isinstance(value, Incident):
        return built(sid, value)
    result = yield Invoke(value)
    return built(sid, result)


def _update_present(
    wanted: dict[str, Incident | Builder],
    present: list[str],
    index: IncidentIndex[str],
    fields: tuple[str, ...],
    dry_run: bool,
    report: ReconcileReport,
) -> Flow[None]:
    for sid in present:
        existing = index[sid]
        try:
            incident = yield from _build(sid, wanted[sid])
            change = changes(existing, incident, fields) if incident is not None else {}
            if not change:
                report.unchanged += 1
                continue
            if dry_run:
                report.updated.append((existing, change))
                continue
            updated = yield Call("update_incident", (Incident(pk=existing.pk, **change),))
        except AuthError:
            raise
        except ArgusError as exc:
            report.failed.append((sid, exc))
            continue
        report.updated.append((updated, change))


def _resolve(
    incident: Incident,
    description: str | None,
    when: datetime,
    dry_run: bool,
    report: ReconcileReport,
) -> Flow[None]:
    if dry_run:
        report.resolved.append(incident)
        return
    sid = str(incident.source_incident_id)
    try:
        yield Call(
            "resolve_incident", (incident.pk,), {"description": description, "timestamp": when}
        )
    except AuthError:
        raise
    except (ClientConnectionError, ServerError) as exc:
        # The END event may have been stored while its answer was lost: re-read.
        try:
            now_ = yield Call("get_incident", (incident.pk,))
        except AuthError:
            raise
        except ArgusError:
            report.failed.append((sid, exc))
            return
        if is_open(now_):
            report.failed.append((sid, exc))
        else:
            report.resolved.append(incident)
        return
    except ArgusError as exc:
        report.failed.append((sid, exc))
        return
    report.resolved.append(incident)
