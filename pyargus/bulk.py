"""Bulk operations: one request for many incidents, and a result per incident.

Argus' bulk endpoints answer "201 Created" as soon as one incident
succeeded (400 when all failed), with the outcome of each incident inside.
:func:`send` turns that into a :class:`~pyargus.models.BulkResult` that
never hides a failure. :func:`resolve` closes incidents for real, which
Argus' bulk endpoint cannot do for source systems (it records their ``END``
events without closing anything). Both work on the declarations of
:class:`~pyargus.api.ArgusAPI` (and a reader of incidents), not on the client,
and are written once as flows (:mod:`pyargus._flows`): :func:`asend` and
:func:`aresolve` run the same flows for the async client.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

from marshmallow import Schema, ValidationError

from . import _flows, schemas
from ._flows import Call, Collect, Flow
from .api import ArgusAPI
from .exceptions import BadRequestError, DecodeError, ErrorWithResponse, NotSourceSystemError
from .models import STATELESS, BulkItem, BulkResult, Event, Incident
from .time import is_infinity

__all__ = ["aresolve", "asend", "resolve", "resolve_flow", "send", "send_flow"]

log = logging.getLogger("pyargus")

T = TypeVar("T")

#: Incidents re-read per request when :func:`resolve` checks their state.
READ_CHUNK = 100

#: Reads the incidents with the given pks (at most :data:`READ_CHUNK`; one
#: listing), e.g. ``lambda pks: client.get_incidents(id__in=pks, page_size=len(pks))``.
Reader = Callable[[list[int]], Iterable[Incident]]


def send(
    operation: str,
    pks: list[int],
    call: Callable[[Any], BulkResult[T]],
    body: dict[str, Any],
    schema: Schema,
    *,
    log_failures: bool = True,
) -> BulkResult[T]:
    """Make one bulk request (*call* with *body*) and return the result per incident.

    No incidents: no request (Argus refuses an empty list), an empty result.
    """
    return _flows.run(send_flow(operation, pks, call, body, schema, log_failures=log_failures))


async def asend(
    operation: str,
    pks: list[int],
    call: Callable[[Any], Awaitable[BulkResult[T]]],
    body: dict[str, Any],
    schema: Schema,
    *,
    log_failures: bool = True,
) -> BulkResult[T]:
    """:func:`send` for the async client (*call* is a coroutine function)."""
    flow: Flow[BulkResult[T]] = send_flow(
        operation, pks, call, body, schema, log_failures=log_failures
    )
    return await _flows.arun(flow)


def send_flow(
    operation: str,
    pks: list[int],
    call: Callable[[Any], Any],
    body: dict[str, Any],
    schema: Schema,
    *,
    log_failures: bool = True,
) -> Flow[BulkResult[T]]:
    """The flow of :func:`send`."""
    if not pks:
        return BulkResult([], operation)
    try:
        result = yield Call(call, (body,))
    except BadRequestError as exc:
        # Argus answers 400 when every incident failed, with the same envelope.
        if not (isinstance(exc.body, dict) and "changes" in exc.body):
            raise
        try:
            result = schema.load(exc.body)
        except ValidationError as error:
            raise DecodeError(
                f"{exc}: unexpected JSON shape: {error.messages}", exc.response
            ) from None
    return finish(operation, pks, dict(result.items()), log_failures=log_failures)


def finish(
    operation: str,
    pks: list[int],
    items: dict[int, BulkItem[T]],
    *,
    log_failures: bool = True,
) -> BulkResult[T]:
    """The result in the order of *pks*; an incident Argus did not report has failed."""
    ordered = [
        items.get(pk) or BulkItem(pk, None, None, "Argus reported nothing for this incident")
        for pk in pks
    ]
    result = BulkResult(ordered, operation)
    if log_failures and not result.ok:
        log.warning(
            "%s: %d of %d incidents failed: %s",
            operation,
            len(result.failed),
            len(result),
            result.describe_failures(),
        )
    return result


def resolve(
    api: ArgusAPI, read: Reader, pks: list[int], description: str | None, when: datetime
) -> BulkResult[Event]:
    """Close the incidents *pks* as the token's role can (see ``Client.bulk_resolve``);
    *read* reads incidents by pk, before and after."""
    return _flows.run(resolve_flow(api, read, pks, description, when))


async def aresolve(
    api: Any,
    read: Callable[[list[int]], Any],
    pks: list[int],
    description: str | None,
    when: datetime,
) -> BulkResult[Event]:
    """:func:`resolve` for the async client (*read* returns an async listing)."""
    return await _flows.arun(resolve_flow(api, read, pks, description, when))


def resolve_flow(
    api: Any,
    read: Callable[[list[int]], Any],
    pks: list[int],
    description: str | None,
    when: datetime,
) -> Flow[BulkResult[Event]]:
    """The flow of :func:`resolve`."""
    items: dict[int, BulkItem[Event]] = {}
    before = yield from _read_incidents(read, pks)
    to_close = []
    for pk in pks:
        incident = before.get(pk)
        if incident is None:
            items[pk] = BulkItem(pk, 404, None, f"Incident with id {pk} could not be found.")
        elif incident.end_time is STATELESS or incident.stateful is False:
            items[pk] = BulkItem(pk, 400, None, "a stateless incident cannot be closed")
        elif not incident.open:
            items[pk] = BulkItem(pk, 200, None, None)
        else:
            to_close.append(pk)
    if to_close:
        yield from _close(api, to_close, description, when, items)
        after = yield from _read_incidents(read, to_close)
        for pk in to_close:
            item = items[pk]
            incident = after.get(pk)
            if item.ok and (incident is None or not _closed_by(incident, when)):
                state = "deleted" if incident is None else "still open"
                items[pk] = BulkItem(
                    pk, item.status, item.value, f"the incident is {state} (re-read from Argus)"
                )
    return finish("bulk_resolve", pks, items)


def _read_incidents(read: Callable[[list[int]], Any], pks: list[int]) -> Flow[dict[int, Incident]]:
    found = {}
    for start in range(0, len(pks), READ_CHUNK):
        incidents: list[Incident] = yield Collect(read, (pks[start : start + READ_CHUNK],))
        for incident in incidents:
            found[incident.pk] = incident
    return found


def _close(
    api: Any,
    pks: list[int],
    description: str | None,
    when: datetime,
    items: dict[int, BulkItem[Event]],
) -> Flow[None]:
    """Close the open incidents *pks*: END each (source system) or one bulk CLO (end user).

    The role is learnt from the first ``END``: Argus refuses it for end users,
    without side effects.
    """
    end = Event(type="END", description=description, timestamp=when)
    source_system: bool | None = None
    for index, pk in enumerate(pks):
        try:
            event = yield Call(api.create_incident_event, (pk, end))
        except NotSourceSystemError as exc:
            if source_system is None:
                # "An end user cannot post events of type 'END'."
                clo = Event(type="CLO", description=description, timestamp=when)
                rest = pks[index:]
                result: BulkResult[Event] = yield from send_flow(
                    "bulk_resolve",
                    rest,
                    api.bulk_create_events,
                    {"ids": rest, "event": clo},
                    schemas.bulk_event_result,
                    log_failures=False,
                )
                items.update(result.items())
                return
            items[pk] = _failed_item(pk, exc)
        except ErrorWithResponse as exc:
            items[pk] = _failed_item(pk, exc)
        else:
            source_system = True
            items[pk] = BulkItem(pk, 201, event, None)


def _failed_item(pk: int, exc: ErrorWithResponse) -> BulkItem[Any]:
    return BulkItem(pk, exc.status_code, None, exc.detail or str(exc))


def _closed_by(incident: Incident, when: datetime) -> bool:
    """Whether *incident* is closed, or ends at *when* (clock skew with the server)."""
    end = incident.end_time
    if not isinstance(end, datetime) or is_infinity(end):  # None, STATELESS or INFINITY
        return False
    if incident.open is False:
        return True
    return end <= (when if when.tzinfo is not None else when.astimezone())
