"""Heartbeat loops: :func:`run_heartbeats` and :func:`start_heartbeats`.

The loop is a flow (:func:`heartbeat_flow`), shared with
:mod:`pyargus.glue.aio`: :func:`pyargus._flows.run` waits with
:meth:`threading.Event.wait`, :func:`pyargus._flows.arun` with the
:class:`asyncio.Event`.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .._flows import Call, Flow, Invoke, Wait, run
from ..exceptions import ArgusError, AuthError, InvalidArgumentError, NotSupportedError
from ..time import now
from ._flows import sync_client

if TYPE_CHECKING:
    from ..client import Client

__all__ = [
    "HeartbeatThread",
    "check_arguments",
    "ends_heartbeats",
    "heartbeat_flow",
    "log_warning",
    "next_delay",
    "run_heartbeats",
    "start_heartbeats",
]

log = logging.getLogger("pyargus")


def ends_heartbeats(error: ArgusError) -> bool:
    """Whether *error* ends a heartbeat loop: a refused token, or no heartbeat endpoint."""
    return isinstance(error, (AuthError, NotSupportedError))


def next_delay(every: float, jitter: float, rng: random.Random | None = None) -> float:
    """Seconds until the next heartbeat: *every*, give or take ``jitter * every``."""
    spread = every * jitter
    draw = (rng or random).uniform(-spread, spread)
    return max(0.0, every + draw)


def log_warning(error: ArgusError) -> None:
    """The default ``on_error``: a warning on the ``pyargus`` logger."""
    log.warning("heartbeat failed, trying again later: %s", error)


def check_arguments(every: Any, jitter: Any) -> None:
    """Refuse a bad *every* or *jitter* before the first heartbeat."""
    for name, value in (("every", every), ("jitter", jitter)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise InvalidArgumentError(f"{name} must be a number >= 0, not {value!r}")
    if jitter > 1:
        raise InvalidArgumentError(f"jitter must be at most 1 (a share of every), not {jitter!r}")


def run_heartbeats(
    client: Client,
    *,
    every: float = 60.0,
    stop: threading.Event | None = None,
    on_error: Callable[[ArgusError], None] = log_warning,
    on_success: Callable[[], None] | None = None,
    jitter: float = 0.1,
) -> None:
    """Send a heartbeat now and then every *every* seconds until *stop* is set.

    ``POST incidents/sources/heartbeat/`` (argus-server 2.10 and later).
    The waits are jittered by up to ``jitter * every`` either way, so that
    many glue services do not beat in step. A failed heartbeat is passed to
    *on_error* (by default a warning on the ``pyargus`` logger) and the loop
    goes on; *on_success* is called after each heartbeat that arrived.

    :raises pyargus.exceptions.AuthError: the token was refused, or is not a
        source system's (retrying cannot help): the loop ends.
    :raises pyargus.exceptions.NotSupportedError: the server has no
        heartbeat endpoint.
    """
    check_arguments(every, jitter)
    stop = threading.Event() if stop is None else stop
    run(heartbeat_flow(every, jitter, stop, on_error, on_success), sync_client(client))


def heartbeat_flow(
    every: float,
    jitter: float,
    stop: Any,
    on_error: Callable[[ArgusError], Any],
    on_success: Callable[[], Any] | None,
) -> Flow[None]:
    """Beat until *stop* (an event of the runner's kind) is set; see :func:`run_heartbeats`."""
    while not stop.is_set():
        try:
            yield Call("send_heartbeat")
        except ArgusError as error:
            if ends_heartbeats(error):
                raise
            yield Invoke(on_error, (error,))
        else:
            if on_success is not None:
                yield Invoke(on_success)
        yield Wait(next_delay(every, jitter), stop)


class HeartbeatState:
    """What a background heartbeat loop reports, for :class:`HeartbeatThread` and
    :class:`pyargus.glue.aio.HeartbeatTask` alike."""

    #: When the last heartbeat arrived (``None``: none yet).
    last_ok: datetime | None
    #: How many heartbeats failed since the last one that arrived.
    failures: int
    #: How many heartbeats failed in all.
    total_failures: int

    def _set_up(
        self, client: Any, every: float, jitter: float, on_error: Callable[[ArgusError], Any]
    ) -> None:
        check_arguments(every, jitter)
        self._client = client
        self._every = every
        self._jitter = jitter
        self._on_error = on_error
        self.last_ok = None
        self.failures = 0
        self.total_failures = 0

    def _arrived(self) -> None:
        self.last_ok = now()
        self.failures = 0

    def _failed(self, error: ArgusError) -> Any:
        self.failures += 1
        self.total_failures += 1
        return self._on_error(error)


class HeartbeatThread(HeartbeatState, threading.Thread):
    """A daemon thread running :func:`run_heartbeats` (see :func:`start_heartbeats`)."""

    def __init__(
        self,
        client: Client,
        *,
        every: float = 60.0,
        on_error: Callable[[ArgusError], None] = log_warning,
        jitter: float = 0.1,
    ) -> None:
        self._set_up(client, every, jitter, on_error)
        threading.Thread.__init__(self, name="argus-heartbeats", daemon=True)
        self._stop_event = threading.Event()
        #: The error that ended the loop (an AuthError, NotSupportedError), if any.
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            run_heartbeats(
                self._client,
                every=self._every,
                stop=self._stop_event,
                on_error=self._failed,
                on_success=self._arrived,
                jitter=self._jitter,
            )
        except BaseException as error:  # kept for the owner to read; the thread ends
            self.error = error
            log.error("heartbeats stopped: %s", error)

    @property
    def running(self) -> bool:
        """Whether the loop still runs (not stopped, not ended by an error)."""
        return self.is_alive() and not self._stop_event.is_set()

    def stop(self, timeout: float | None = None) -> None:
        """Ask the loop to end and wait up to *timeout* seconds for it (a heartbeat
        being sent is finished first)."""
        self._stop_event.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join(timeout)


def start_heartbeats(
    client: Client,
    *,
    every: float = 60.0,
    on_error: Callable[[ArgusError], None] = log_warning,
    jitter: float = 0.1,
) -> HeartbeatThread:
    """Start :func:`run_heartbeats` in a daemon thread and return it.

    The thread has :meth:`~HeartbeatThread.stop`, :attr:`~HeartbeatThread.last_ok`
    (when the last heartbeat arrived), :attr:`~HeartbeatThread.failures`
    (failures since then) and :attr:`~HeartbeatThread.error` (what ended it).
    """
    thread = HeartbeatThread(client, every=every, on_error=on_error, jitter=jitter)
    thread.start()
    return thread
