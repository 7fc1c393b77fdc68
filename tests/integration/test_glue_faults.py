"""Convergence under faults: reconcile through a proxy that loses answers and fails requests.

A loopback proxy (threads, 127.0.0.1 only) sits in front of the real Argus.
Of the requests it gets, a seeded random 10 % are forwarded and Argus acts
on them, but the answer is dropped (the connection closes without a byte);
another 5 % get a 502 from the proxy without reaching Argus. Repeated
reconcile passes must reach exactly the desired state within 3 passes,
with no duplicate incident and no wrongly resolved one: with
:func:`pyargus.glue.reconcile` and a :class:`~pyargus.client.Client`, and
with :func:`pyargus.glue.aio.reconcile` and an
:class:`~pyargus.async_client.AsyncClient` (same scenario, same proxy seed).
"""

from __future__ import annotations

import asyncio
import random
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from pyargus.client import Client
from pyargus.exceptions import ArgusError
from pyargus.glue import ReconcileReport, reconcile
from pyargus.models import Incident
from pyargus.testing import ServerInfo
from pyargus.transport import RetryPolicy
from tests.faults import Action, FaultServer, Forward, Reply, Seen

SEED = 20261202
PASSES = 3
RETRIES = RetryPolicy(attempts=3, backoff=0.02, max_backoff=0.1)

#: One reconcile pass of *desired* through the proxy at a URL.
OnePass = Callable[[], ReconcileReport]


@dataclass
class Chaos(Action):
    """Forward to Argus; drop the answer of *drop* of the requests, 502 *bad_gateway* of them."""

    port: int
    seed: int
    drop: float = 0.10
    bad_gateway: float = 0.05
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)  # noqa: S311 - reproducible faults
        self._lock = threading.Lock()

    def run(self, conn: socket.socket, seen: Seen | None, server: FaultServer) -> None:
        with self._lock:
            draw = self._rng.random()
        assert seen is not None
        method = seen.method
        if draw < self.bad_gateway:
            self.counts[f"502 {method}"] += 1
            Reply(502, "<html><title>502 Bad Gateway</title></html>").run(conn, seen, server)
        elif draw < self.bad_gateway + self.drop:
            self.counts[f"dropped {method}"] += 1
            Forward(self.port, drop_answer=True).run(conn, seen, server)
        else:
            self.counts[f"forwarded {method}"] += 1
            Forward(self.port).run(conn, seen, server)


def incident(sid: str, n: int, start: datetime) -> Incident:
    return Incident(
        source_incident_id=sid,
        start_time=start - timedelta(seconds=n),
        description=f"alert {sid}",
        level=3,
        tags={"glue": "chaos"},
    )


def state(client: Client) -> tuple[dict[str, list[Incident]], set[str]]:
    """Every incident of mine by id (a list: duplicates would show), and the open ids."""
    by_id: dict[str, list[Incident]] = {}
    for found in client.get_my_incidents(page_size=500):
        by_id.setdefault(str(found.source_incident_id), []).append(found)
    open_ids = {sid for sid, items in by_id.items() if any(i.open for i in items)}
    return by_id, open_ids


@contextmanager
def sync_passes(api_url: str, token: str, desired: Mapping[str, Incident]) -> Iterator[OnePass]:
    """Passes of :func:`pyargus.glue.reconcile` with a :class:`Client`."""
    with Client(api_url, token, retries=RETRIES) as through:
        yield lambda: reconcile(through, desired)


@contextmanager
def async_passes(api_url: str, token: str, desired: Mapping[str, Incident]) -> Iterator[OnePass]:
    """Passes of :func:`pyargus.glue.aio.reconcile` with an ``AsyncClient``, on one event loop."""
    from pyargus.async_client import AsyncClient
    from pyargus.glue import aio

    loop = asyncio.new_event_loop()  # not asyncio.Runner: Python 3.10 is supported
    try:
        through = AsyncClient(api_url, token, retries=RETRIES)
        try:
            yield lambda: loop.run_until_complete(aio.reconcile(through, desired))
        finally:
            loop.run_until_complete(through.aclose())
    finally:
        loop.close()


@pytest.mark.parametrize(
    ("passes", "agent"),
    [(sync_passes, "python-requests/"), (async_passes, "aiohttp/")],
    ids=["sync", "async"],
)
def test_passes_converge_through_a_faulty_proxy(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    passes: Callable[[str, str, Mapping[str, Incident]], AbstractContextManager[OnePass]],
    agent: str,
) -> None:
    start = datetime.now(timezone.utc).replace(microsecond=0)
    # Before: 30 open incidents (10 of them gone at the source), 5 closed ones still alerting.
    for n in range(30):
        argus_client.post_incident(incident(f"c-{n}", n, start))
    for n in range(5):
        closed = argus_client.post_incident(incident(f"x-{n}", 100 + n, start))
        argus_client.resolve_incident(closed, "closed by an operator")
    desired = {f"c-{n}": incident(f"c-{n}", n, start) for n in range(20)}
    desired.update({f"x-{n}": incident(f"x-{n}", 100 + n, start) for n in range(5)})
    desired.update({f"n-{n}": incident(f"n-{n}", 200 + n, start) for n in range(30)})
    expected_open = {f"c-{n}" for n in range(20)} | {f"n-{n}" for n in range(30)}
    before, _ = state(argus_client)
    kept = {sid: items[0].pk for sid, items in before.items() if sid in desired}

    port = urlsplit(argus_empty_db.api_url).port
    assert port is not None
    chaos = Chaos(port, SEED)
    outcomes: list[str] = []
    converged_after = None
    with (
        FaultServer(chaos, timeout=30) as proxy,
        passes(proxy.url + "/api/v2/", argus_empty_db.source_token, desired) as one_pass,
    ):
        for number in range(1, PASSES + 1):
            try:
                outcomes.append(one_pass().summary())
            except ArgusError as error:  # e.g. the listing failed 3 times: nothing was done
                outcomes.append(f"pass failed: {error}")
            by_id, open_ids = state(argus_client)
            if open_ids == expected_open:
                converged_after = number
                break
    print(f"converged after {converged_after} passes")
    # The passes went through the proxy with the intended HTTP library.
    assert proxy.seen and {agent in seen.headers.get("user-agent", "") for seen in proxy.seen} == {
        True
    }
    print(f"faults injected: {dict(chaos.counts)}")
    for number, outcome in enumerate(outcomes, 1):
        print(f"pass {number}: {outcome}")

    assert (
        chaos.counts["dropped POST"] > 0 and chaos.counts["502 POST"] + chaos.counts["502 GET"] > 0
    )
    assert converged_after is not None, outcomes
    by_id, open_ids = state(argus_client)
    duplicates = {sid: len(items) for sid, items in by_id.items() if len(items) > 1}
    assert duplicates == {}
    assert open_ids == expected_open
    # Not one desired incident was resolved: the ones there before are the same, open,
    # with no END event; the closed ones stayed closed and were not posted again.
    for sid, pk in kept.items():
        if sid.startswith("c-"):
            assert by_id[sid][0].pk == pk and by_id[sid][0].open
            assert [e.type for e in argus_client.get_incident_events(pk)] == ["STA"]
        else:
            assert by_id[sid][0].pk == pk and not by_id[sid][0].open
    assert {sid for sid in by_id if sid.startswith("c-") and sid not in desired} == {
        f"c-{n}" for n in range(20, 30)
    }
    assert not open_ids & {f"c-{n}" for n in range(20, 30)}
