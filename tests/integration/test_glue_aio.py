"""pyargus.glue.aio against a real Argus: reconcile passes, a gathered get-or-create race,
check, heartbeats (the async twins of tests/integration/test_glue.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from pyargus.async_client import AsyncClient
from pyargus.exceptions import NotSourceSystemError
from pyargus.glue import aio
from pyargus.models import Incident
from pyargus.testing import ServerInfo

from .helpers import last_seen

pytestmark = pytest.mark.asyncio

Requests = list[tuple[str, str]]


@pytest_asyncio.fixture
async def counted(argus_server: ServerInfo) -> AsyncIterator[tuple[AsyncClient, Requests]]:
    """A source system's AsyncClient and the (method, path) of every request it sends."""
    seen: Requests = []

    async def on_request_start(
        session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        seen.append((params.method, params.url.path_qs))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    async with (
        aiohttp.ClientSession(trace_configs=[trace], trust_env=False) as session,
        AsyncClient(argus_server.api_url, argus_server.source_token, session=session) as client,
    ):
        yield client, seen


def alerts(
    prefix: str, numbers: range, start: datetime, *, coroutines: bool = False
) -> dict[str, Callable[[], Any]]:
    """Desired incidents with lazy builders (coroutine functions with *coroutines*)."""

    def builder(n: int) -> Callable[[], Any]:
        def build() -> Incident:
            return Incident(
                start_time=start - timedelta(seconds=n),
                description=f"alert {n}",
                level=3,
                tags={"glue": "itest-aio", "host": f"h{n % 7}"},
            )

        async def abuild() -> Incident:
            await asyncio.sleep(0)
            return build()

        return abuild if coroutines else build

    return {f"{prefix}-{n}": builder(n) for n in numbers}


async def mine(client: AsyncClient, **filters: Any) -> dict[str, Incident]:
    return {
        str(i.source_incident_id): i
        async for i in client.get_my_incidents(page_size=500, **filters)
    }


async def test_three_passes_create_nothing_then_exactly_the_changes(
    argus_empty_db: ServerInfo, counted: tuple[AsyncClient, Requests]
) -> None:
    client, seen = counted
    assert await client.get_my_source_system() is not None  # learnt once (see the sync test)
    seen.clear()
    start = datetime.now(timezone.utc)
    desired = alerts("p", range(40), start, coroutines=True)
    first = await aio.reconcile(client, desired)
    assert first.ok and len(first.created) == 40
    assert [m for m, _ in seen] == ["GET", "GET"] + ["POST"] * 40  # listing, count, posts
    seen.clear()

    second = await aio.reconcile(client, desired, page_size=15)
    assert second.unchanged == 40 and not second.changed
    assert len(seen) == 3 and all(m == "GET" and "open=true" in p for m, p in seen)  # ceil(40/15)
    seen.clear()

    changed = {k: v for k, v in desired.items() if k not in ("p-0", "p-1")}
    changed.update(alerts("q", range(2), start))  # sync builders mixed in
    third = await aio.reconcile(client, changed, resolve_description="gone from the source")
    assert sorted(str(i.source_incident_id) for i in third.resolved) == ["p-0", "p-1"]
    assert sorted(str(i.source_incident_id) for i in third.created) == ["q-0", "q-1"]
    assert third.unchanged == 38
    assert sorted(await mine(client, open=True)) == sorted(changed)
    ended = await client.get_incident_events((await mine(client))["p-0"])
    assert ended[0].type == "END" and ended[0].description == "gone from the source"


async def test_closed_ids_are_reported_and_refusals_change_nothing(
    argus_empty_db: ServerInfo, argus_async_client: AsyncClient, new_incident: Any
) -> None:
    client = argus_async_client
    closed = await client.post_incident(new_incident(source_incident_id="force-closed"))
    await client.resolve_incident(closed, "closed by an operator")
    for n in range(3):
        await client.post_incident(new_incident(source_incident_id=f"keep-{n}"))
    desired = {
        "force-closed": new_incident(source_incident_id="force-closed"),
        **{f"keep-{n}": new_incident(source_incident_id=f"keep-{n}") for n in range(3)},
    }
    report = await aio.reconcile(client, desired)
    assert [i.pk for i in report.existed_closed] == [closed.pk]
    assert report.ok and not report.changed and report.unchanged == 3
    for refused, kwargs in ((None, {}), ({}, {}), ({"keep-0": new_incident()}, {})):
        with pytest.raises(aio.ReconcileRefused):
            await aio.reconcile(client, refused, **kwargs)
    assert sorted(await mine(client, open=True)) == ["keep-0", "keep-1", "keep-2"]


async def test_gathered_ensure_incident_makes_one_incident(
    argus_server: ServerInfo, argus_async_client: AsyncClient, new_incident: Any
) -> None:
    sid = f"arace-{uuid.uuid4().hex[:10]}"
    results = await asyncio.gather(
        *(
            aio.ensure_incident(argus_async_client, new_incident(source_incident_id=sid))
            for _ in range(8)
        )
    )
    assert sum(r.created for r in results) == 1
    assert len({r.incident.pk for r in results}) == 1
    listed = [i async for i in argus_async_client.get_my_incidents(source_incident_id=sid)]
    assert len(listed) == 1
    found = await aio.find_my_incident(argus_async_client, sid, open_only=True)
    assert found is not None and found.pk == results[0].incident.pk
    again = await aio.ensure_incident(
        argus_async_client, new_incident(source_incident_id=sid), restart=True
    )
    assert (again.created, again.existed_closed) == (False, False)


async def test_check_a_source_system_an_end_user_and_a_bad_token(
    argus_server: ServerInfo, argus_async_client: AsyncClient
) -> None:
    report = await aio.check(
        argus_async_client, min_version="2.10", need_source_system=True, need_heartbeat=True
    )
    assert report.ok and report.exit_code == 0, report.problems
    assert report.user == argus_server.source_name and report.is_source_system is True
    assert report.heartbeat is True and report.server_version == argus_server.argus_version
    assert await aio.is_source_system(argus_async_client) is True
    async with AsyncClient(argus_server.api_url, argus_server.token("admin")) as admin:
        checked = await aio.check(admin, need_source_system=True)
    assert checked.is_source_system is False and checked.exit_code == 4
    async with AsyncClient(argus_server.api_url, "not-a-valid-token") as bad:
        refused = await aio.check(bad)
    assert refused.exit_code == 4 and "not-a-valid-token" not in str(refused)


async def test_heartbeat_task_updates_last_seen(
    argus_server: ServerInfo, argus_async_client: AsyncClient
) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    async with aio.start_heartbeats(argus_async_client, every=0.2) as task:
        for _ in range(600):
            if task.last_ok is not None:
                break
            await asyncio.sleep(0.05)
    assert task.last_ok is not None and task.error is None and not task.running
    seen = last_seen(argus_server, str(argus_server.source_name))
    assert seen is not None and seen >= before


async def test_heartbeats_of_an_end_user_end_the_task(argus_server: ServerInfo) -> None:
    async with AsyncClient(argus_server.api_url, argus_server.token("admin")) as admin:
        task = aio.start_heartbeats(admin, every=0.01)
        await asyncio.wait_for(asyncio.shield(task.task), timeout=30)
        with pytest.raises(NotSourceSystemError):
            await aio.run_heartbeats(admin, every=0.01)
    assert isinstance(task.error, NotSourceSystemError) and task.last_ok is None


async def test_run_heartbeats_until_stopped(argus_async_client: AsyncClient) -> None:
    stop = asyncio.Event()
    arrived: list[int] = []

    def beat() -> None:
        arrived.append(1)
        if len(arrived) == 3:
            stop.set()

    await asyncio.wait_for(
        aio.run_heartbeats(argus_async_client, every=0.01, stop=stop, on_success=beat), timeout=60
    )
    assert len(arrived) == 3
