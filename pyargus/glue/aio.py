"""The glue toolkit for an :class:`~pyargus.async_client.AsyncClient` (the ``async`` extra).

The same functions as :mod:`pyargus.glue`, with the same names, arguments
and reports, as coroutine functions: an aiohttp webhook glue or a
long-running asyncio service awaits them::

    from pyargus.glue import aio

    async with aio.load_config(section=settings).async_client() as client:
        report = await aio.reconcile(client, await fetch_alerts())

Every decision is shared with the sync functions: both run the same flows
(:mod:`pyargus.glue._flows`), the sync ones with :func:`pyargus._flows.run`,
these with :func:`pyargus._flows.arun`. What differs:

* lazy builders of :func:`reconcile` and its ``confirm_gone`` may be sync
  functions or coroutine functions (their coroutines are awaited; the sync
  :func:`pyargus.glue.reconcile` refuses them), so a builder can fetch
  what it needs from the alert source;
* :func:`run_heartbeats` waits with :func:`asyncio.wait_for` on an
  :class:`asyncio.Event`, and :func:`start_heartbeats` returns a
  :class:`HeartbeatTask` (an :class:`asyncio.Task`, not a thread), whose
  :meth:`~HeartbeatTask.stop` is awaited.

The pure names (:class:`LevelMap`, :func:`exit_code_for`,
:func:`http_status_for`, :func:`load_config`, the reports) are those of
:mod:`pyargus.glue`, re-exported here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, TypeVar

from .._flows import arun
from ..async_client import AsyncClient
from ..exceptions import ArgusError, InvalidArgumentError
from ..models import Incident
from . import _flows
from ._check import CheckReport, check_flow, parse_version, token_is_source_system
from ._classify import LevelMap, exit_code_for, http_status_for
from ._config import ArgusConfig, api_root, default_config_path, load_config
from ._flows import PAGE_SIZE
from ._heartbeat import (
    HeartbeatState,
    check_arguments,
    ends_heartbeats,
    heartbeat_flow,
    log_warning,
)
from ._plan import Desired, Ensured, IncidentIndex, ReconcileRefused, ReconcileReport

__all__ = [
    "PAGE_SIZE",
    "ArgusConfig",
    "CheckReport",
    "Ensured",
    "HeartbeatTask",
    "IncidentIndex",
    "LevelMap",
    "ReconcileRefused",
    "ReconcileReport",
    "api_root",
    "check",
    "default_config_path",
    "ensure_incident",
    "exit_code_for",
    "find_my_incident",
    "http_status_for",
    "index_my_incidents",
    "is_source_system",
    "load_config",
    "reconcile",
    "run_heartbeats",
    "start_heartbeats",
]

K = TypeVar("K")
log = logging.getLogger("pyargus")


def _async_client(client: Any) -> AsyncClient:
    if not isinstance(client, AsyncClient):
        raise InvalidArgumentError(
            f"pyargus.glue.aio needs an AsyncClient, not {type(client).__name__} "
            "(pyargus.glue has the same functions for a Client)"
        )
    return client


async def check(
    client: AsyncClient,
    *,
    min_version: tuple[int, ...] | str | None = None,
    need_source_system: bool = False,
    need_heartbeat: bool = False,
) -> CheckReport:
    """As :func:`pyargus.glue.check`: the server and the token, never raising for
    expected failures (they are in the report and its ``exit_code``)."""
    wanted = None if min_version is None else parse_version(min_version)
    flow = check_flow(
        _async_client(client).api_root_url,
        min_version=wanted,
        need_source_system=need_source_system,
        need_heartbeat=need_heartbeat,
    )
    return await arun(flow, client)


async def is_source_system(client: AsyncClient) -> bool:
    """As :func:`pyargus.glue.is_source_system`: whether the token is a source system's."""
    return await arun(token_is_source_system(), _async_client(client))


async def find_my_incident(
    client: AsyncClient, source_incident_id: str | int, *, open_only: bool = False
) -> Incident | None:
    """As :func:`pyargus.glue.find_my_incident`: one request, an exact match, or ``None``."""
    flow = _flows.find_my_incident(source_incident_id, open_only=open_only)
    return await arun(flow, _async_client(client))


async def index_my_incidents(
    client: AsyncClient,
    *,
    open: bool | None = True,
    key: Callable[[str], K] = str,  # type: ignore[assignment]
    **filters: Any,
) -> IncidentIndex[K]:
    """As :func:`pyargus.glue.index_my_incidents`: one paged listing, by *key* of the id."""
    flow = _flows.index_my_incidents(open=open, key=key, filters=filters)
    return await arun(flow, _async_client(client))


async def ensure_incident(
    client: AsyncClient,
    incident: Incident,
    *,
    restart: bool = False,
    description: str | None = None,
) -> Ensured:
    """As :func:`pyargus.glue.ensure_incident`: get or create, never two incidents.

    Safe to run concurrently for the same id (``asyncio.gather``, several
    webhook requests): the posts that lose the race find the winner's
    incident.
    """
    flow = _flows.ensure_incident(incident, restart=restart, description=description)
    return await arun(flow, _async_client(client))


async def reconcile(
    client: AsyncClient,
    desired: Desired,
    *,
    scope: Mapping[str, Any] | None = None,
    create_missing: bool = True,
    resolve_missing: bool = True,
    update_changed: bool | Sequence[str] = False,
    min_age: timedelta | None = None,
    confirm_gone: Callable[[Incident], Any] | None = None,
    allow_empty: bool = False,
    max_resolve: int | float | None = 0.5,
    resolve_description: str | None = "Resolved by reconciliation",
    timestamp: datetime | None = None,
    dry_run: bool = False,
    page_size: int = PAGE_SIZE,
) -> ReconcileReport:
    """As :func:`pyargus.glue.reconcile`, with the same guards and the same report.

    The requests of a pass are sent one after the other, as by the sync
    function. Lazy builders in *desired* and *confirm_gone* may be
    coroutine functions: their results are awaited.
    """
    flow = _flows.reconcile(
        desired,
        scope=scope,
        create_missing=create_missing,
        resolve_missing=resolve_missing,
        update_changed=update_changed,
        min_age=min_age,
        confirm_gone=confirm_gone,
        allow_empty=allow_empty,
        max_resolve=max_resolve,
        resolve_description=resolve_description,
        timestamp=timestamp,
        dry_run=dry_run,
        page_size=page_size,
    )
    return await arun(flow, _async_client(client))


# Heartbeats


def _event(stop: Any) -> asyncio.Event:
    if stop is None:
        return asyncio.Event()
    if not isinstance(stop, asyncio.Event):
        raise InvalidArgumentError(
            f"stop must be an asyncio.Event, not {type(stop).__name__} (a threading.Event "
            "would block the event loop: that is pyargus.glue.run_heartbeats')"
        )
    return stop


async def run_heartbeats(
    client: AsyncClient,
    *,
    every: float = 60.0,
    stop: asyncio.Event | None = None,
    on_error: Callable[[ArgusError], Any] = log_warning,
    on_success: Callable[[], Any] | None = None,
    jitter: float = 0.1,
) -> None:
    """As :func:`pyargus.glue.run_heartbeats`: beat until *stop* (an
    :class:`asyncio.Event`) is set, jittered; transient errors go to *on_error*.

    *on_error* and *on_success* may be sync functions or coroutine functions.
    Cancelling the task that awaits this ends the loop too.

    :raises pyargus.exceptions.AuthError: the token was refused, or is not a
        source system's: the loop ends.
    :raises pyargus.exceptions.NotSupportedError: the server has no
        heartbeat endpoint.
    """
    check_arguments(every, jitter)
    event = _event(stop)
    await arun(heartbeat_flow(every, jitter, event, on_error, on_success), _async_client(client))


class HeartbeatTask(HeartbeatState):
    """:func:`run_heartbeats` in an :class:`asyncio.Task` (see :func:`start_heartbeats`).

    Stop it with ``await task.stop()``, or use it in ``async with``, which
    stops it on the way out.
    """

    def __init__(
        self,
        client: AsyncClient,
        *,
        every: float = 60.0,
        on_error: Callable[[ArgusError], Any] = log_warning,
        jitter: float = 0.1,
    ) -> None:
        self._set_up(_async_client(client), every, jitter, on_error)
        self._stop_event = asyncio.Event()
        #: The error that ended the loop (an AuthError, NotSupportedError), if any.
        self.error: ArgusError | None = None
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise InvalidArgumentError(
                "start_heartbeats needs a running event loop: call it from async code"
            ) from None
        #: The :class:`asyncio.Task` running the loop.
        self.task: asyncio.Task[None] = loop.create_task(self._run(), name="argus-heartbeats")

    async def _run(self) -> None:
        try:
            await run_heartbeats(
                self._client,
                every=self._every,
                stop=self._stop_event,
                on_error=self._failed,
                on_success=self._arrived,
                jitter=self._jitter,
            )
        except ArgusError as error:
            # What ends the loop (a refused token, no endpoint, an ArgusError of
            # on_error) is kept for the owner to read; anything else stays in the task.
            self.error = error
            level = logging.ERROR if ends_heartbeats(error) else logging.WARNING
            log.log(level, "heartbeats stopped: %s", error)

    @property
    def running(self) -> bool:
        """Whether the loop still runs (not stopped, not ended by an error)."""
        return not self.task.done() and not self._stop_event.is_set()

    async def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to end and wait up to *timeout* seconds for it (a heartbeat
        being sent is finished first; after *timeout* the task is cancelled).

        An exception that ended the task other than :attr:`error` (a bug in
        *on_error*, say) is raised here.
        """
        self._stop_event.set()
        if self.task is asyncio.current_task():
            return
        done, _ = await asyncio.wait({self.task}, timeout=timeout)
        if not done:
            self.task.cancel()
            await asyncio.wait({self.task})
            return
        self.task.result()

    async def __aenter__(self) -> HeartbeatTask:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()


def start_heartbeats(
    client: AsyncClient,
    *,
    every: float = 60.0,
    on_error: Callable[[ArgusError], Any] = log_warning,
    jitter: float = 0.1,
) -> HeartbeatTask:
    """Start :func:`run_heartbeats` in a task of the running event loop and return it.

    A plain function (like :func:`asyncio.create_task`), called from async
    code. The :class:`HeartbeatTask` has ``await``-able
    :meth:`~HeartbeatTask.stop`, :attr:`~HeartbeatTask.last_ok`,
    :attr:`~HeartbeatTask.failures` and :attr:`~HeartbeatTask.error`, as
    the sync :class:`~pyargus.glue.HeartbeatThread` has::

        async with aio.start_heartbeats(client, every=60) as beats:
            await serve()          # beats.last_ok, beats.failures meanwhile
    """
    return HeartbeatTask(client, every=every, on_error=on_error, jitter=jitter)
