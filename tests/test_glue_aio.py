"""pyargus.glue.aio against the in-memory Argus of the sync glue tests, served on 127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
import pytest_asyncio

from pyargus import glue
from pyargus.async_client import AsyncClient
from pyargus.client import Client
from pyargus.exceptions import (
    ArgusError,
    AuthError,
    InvalidArgumentError,
    NotSupportedError,
    ServerError,
)
from pyargus.glue import aio
from pyargus.models import Incident, SourceSystem
from tests.conftest import TOKEN
from tests.faults import RefusedPort
from tests.glue_fake import DUPLICATE, FakeArgus, Fault, serving

pytestmark = pytest.mark.asyncio

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def argus() -> Iterator[FakeArgus]:
    fake = FakeArgus()
    with serving(fake):
        yield fake


@pytest_asyncio.fixture
async def client(argus: FakeArgus) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(argus.api, TOKEN, retries=0) as client:
        client._own_source = SourceSystem(pk=1, name="glue")  # see tests/test_glue.py
        yield client


def new(sid: str | None, **fields: Any) -> Incident:
    fields.setdefault("start_time", NOW)
    fields.setdefault("description", f"alert {sid}")
    return Incident(source_incident_id=sid, **fields)


# Lookups


async def test_find_is_one_exact_request(argus: FakeArgus, client: AsyncClient) -> None:
    argus.add("a-1")
    found = await aio.find_my_incident(client, "a-1")
    assert found is not None and found.source_incident_id == "a-1"
    assert argus.requests == [
        ("GET", "/api/v2/incidents/mine/", {"source_incident_id": "a-1", "page_size": "10"})
    ]
    assert await aio.find_my_incident(client, "nope") is None
    with pytest.raises(InvalidArgumentError, match="white space"):
        await aio.find_my_incident(client, " a-1")
    assert len(argus.requests) == 2


async def test_index_pages_keys_and_reports_what_it_cannot_key(
    argus: FakeArgus, client: AsyncClient
) -> None:
    for n in range(7):
        argus.add(str(n))
    argus.add("x")
    argus.add("9", open=False)
    index = await aio.index_my_incidents(client, key=int, page_size=3)
    assert sorted(index) == list(range(7))
    assert [i.source_incident_id for i, _ in index.skipped] == ["x"]
    assert "cannot be keyed" in index.skipped[0][1]
    assert argus.count("GET") == 3  # 8 open incidents, pages of 3


# Get-or-create


async def test_ensure_posts_what_is_absent_and_only_once(
    argus: FakeArgus, client: AsyncClient
) -> None:
    first = await aio.ensure_incident(client, new("e-1"))
    again = await aio.ensure_incident(client, new("e-1"))
    assert (first.created, again.created) == (True, False)
    assert again.incident.pk == first.incident.pk
    assert argus.methods() == ["GET", "POST", "GET"]


async def test_ensure_survives_a_racing_post(argus: FakeArgus, client: AsyncClient) -> None:
    def race(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST":  # another worker posted it just before us
            argus.faults = None
            argus.add("e-1")
            raise Fault(400, DUPLICATE)

    argus.faults = race
    ensured = await aio.ensure_incident(client, new("e-1"))
    assert (ensured.created, ensured.existed_closed) == (False, False)
    assert argus.methods() == ["GET", "POST", "GET"]
    assert len(argus.incidents) == 1


async def test_concurrent_ensures_of_one_id_make_one_incident(
    argus: FakeArgus, client: AsyncClient
) -> None:
    results = await asyncio.gather(*(aio.ensure_incident(client, new("r-1")) for _ in range(8)))
    assert len(argus.incidents) == 1
    assert {r.incident.pk for r in results} == {1}
    assert sum(r.created for r in results) == 1
    assert argus.count("POST") >= 1  # the losers of the race got the duplicate answer


async def test_ensure_finds_a_post_whose_answer_was_lost(
    argus: FakeArgus, client: AsyncClient
) -> None:
    argus.lose = lambda method, path: method == "POST"  # the connection closes unanswered
    ensured = await aio.ensure_incident(client, new("e-1"))
    assert ensured.created is True and ensured.incident.source_incident_id == "e-1"
    assert argus.methods() == ["GET", "POST", "GET"]
    assert len(argus.incidents) == 1


async def test_ensure_can_restart_a_closed_one(argus: FakeArgus, client: AsyncClient) -> None:
    argus.add("c-1", open=False)
    ensured = await aio.ensure_incident(client, new("c-1"), restart=True, description="back")
    assert (ensured.created, ensured.existed_closed, ensured.reopened) == (False, True, True)
    assert ensured.incident.open is True


# Reconcile


async def test_first_pass_creates_second_changes_nothing(
    argus: FakeArgus, client: AsyncClient
) -> None:
    desired = {f"d-{n}": new(f"d-{n}") for n in range(5)}
    first = await aio.reconcile(client, desired)
    assert len(first.created) == 5 and first.ok and first.changed
    argus.requests.clear()
    second = await aio.reconcile(client, desired)
    assert not second.changed and second.unchanged == 5
    assert argus.methods() == ["GET"]  # only the listing of the open incidents


async def test_builders_may_be_sync_or_coroutine_functions_and_run_only_to_create(
    argus: FakeArgus, client: AsyncClient
) -> None:
    argus.add("l-1")
    argus.add("l-2", open=False)
    calls: list[str] = []

    def sync_builder(sid: str) -> Any:
        def build() -> Incident:
            calls.append(sid)
            return new(None)

        return build

    def async_builder(sid: str) -> Any:
        async def build() -> Incident:
            await asyncio.sleep(0)
            calls.append(sid)
            return new(None)

        return build

    desired = {
        "l-1": async_builder("l-1"),
        "l-2": sync_builder("l-2"),
        "l-3": async_builder("l-3"),
        "l-4": sync_builder("l-4"),
        "l-5": lambda: None,
    }
    report = await aio.reconcile(client, desired)
    assert sorted(calls) == ["l-3", "l-4"]
    assert sorted(str(i.source_incident_id) for i in report.created) == ["l-3", "l-4"]
    assert [i.source_incident_id for i in report.existed_closed] == ["l-2"]
    assert report.not_created == ["l-5"]


async def test_a_builder_bug_comes_out_unchanged(argus: FakeArgus, client: AsyncClient) -> None:
    async def broken() -> Incident:
        raise KeyError("the alert has no host")

    with pytest.raises(KeyError, match="no host"):
        await aio.reconcile(client, {"b-1": broken})
    assert "POST" not in argus.methods()


async def test_confirm_gone_may_be_async_and_a_failing_one_keeps_it_open(
    argus: FakeArgus, client: AsyncClient
) -> None:
    for sid in ("still-there", "gone", "broken"):
        argus.add(sid)

    async def confirm_gone(incident: Incident) -> bool:
        if incident.source_incident_id == "broken":
            raise RuntimeError("source unreachable")
        return incident.source_incident_id == "gone"

    report = await aio.reconcile(client, {"keep": new("keep")}, confirm_gone=confirm_gone)
    assert [i.source_incident_id for i in report.resolved] == ["gone"]
    kept = {str(i.source_incident_id): why for i, why in report.kept_open}
    assert kept == {
        "still-there": "confirm_gone: still active at the source",
        "broken": "confirm_gone failed: source unreachable",
    }
    assert argus.open_ids() == {"still-there", "broken", "keep"}


async def test_the_guards_refuse_before_any_change(argus: FakeArgus, client: AsyncClient) -> None:
    argus.add("x")
    argus.add("y")
    with pytest.raises(glue.ReconcileRefused, match="desired is None"):
        await aio.reconcile(client, None)
    assert argus.requests == []
    with pytest.raises(aio.ReconcileRefused, match="desired is empty while 2") as info:
        await aio.reconcile(client, {})
    assert info.value.report.dry_run and len(info.value.report.resolved) == 2
    with pytest.raises(aio.ReconcileRefused, match="would resolve 2 of 2"):
        await aio.reconcile(client, [], allow_empty=True)
    assert set(argus.methods()) == {"GET"} and argus.open_ids() == {"x", "y"}


async def test_dry_run_only_reads(argus: FakeArgus, client: AsyncClient) -> None:
    argus.add("old")
    report = await aio.reconcile(client, {"new": new("new")}, dry_run=True, max_resolve=None)
    assert [i.source_incident_id for i in report.created] == ["new"]
    assert [i.source_incident_id for i in report.resolved] == ["old"]
    assert set(argus.methods()) == {"GET"}


async def test_per_item_failures_are_collected_and_an_auth_error_stops(
    argus: FakeArgus, client: AsyncClient
) -> None:
    def server_error(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST":
            raise Fault(500, "<h1>Server Error (500)</h1>")

    argus.faults = server_error
    report = await aio.reconcile(client, {"f-1": new("f-1"), "f-2": new("f-2")})
    assert sorted(sid for sid, _ in report.failed) == ["f-1", "f-2"]
    assert isinstance(report.failed[0][1], ServerError) and not report.ok

    def refused(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST":
            raise Fault(401, {"detail": "Invalid token."})

    argus.faults = refused
    argus.requests.clear()
    with pytest.raises(AuthError):
        await aio.reconcile(client, {"f-1": new("f-1"), "f-2": new("f-2")})
    assert argus.count("POST") == 1


# check, is_source_system


async def test_check_all_good(argus: FakeArgus, client: AsyncClient) -> None:
    report = await aio.check(client, min_version="2.10", need_source_system=True)
    assert report.ok and report.exit_code == 0
    assert (report.server_version, report.user, report.is_source_system, report.heartbeat) == (
        "2.10.2",
        "testsource",
        True,
        True,
    )
    assert await aio.is_source_system(client) is True


async def test_check_a_refused_token_and_an_unreachable_server(
    argus: FakeArgus, client: AsyncClient
) -> None:
    def refused(method: str, path: str, query: dict[str, str]) -> None:
        if path != "/api/":
            raise Fault(401, {"detail": "Invalid token."})

    argus.faults = refused
    report = await aio.check(client)
    assert not report.ok and report.exit_code == 4 and report.user is None
    with RefusedPort() as port:
        async with AsyncClient(port.url + "/api/v2/", TOKEN, retries=0) as gone:
            report = await aio.check(gone)
    assert report.exit_code == 5 and "does not answer" in report.problems[0]


async def test_each_module_refuses_the_other_client(argus: FakeArgus, client: AsyncClient) -> None:
    with Client(argus.api, TOKEN, retries=0) as sync_client:
        with pytest.raises(InvalidArgumentError, match="needs an AsyncClient"):
            await aio.find_my_incident(sync_client, "x")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="needs a Client"):
            glue.find_my_incident(client, "x")  # type: ignore[arg-type]
        with pytest.raises(InvalidArgumentError, match="needs a Client"):
            glue.run_heartbeats(client)  # type: ignore[arg-type]
    assert argus.requests == []


# Heartbeats


async def test_run_heartbeats_goes_on_after_transient_errors(
    argus: FakeArgus, client: AsyncClient
) -> None:
    stop = asyncio.Event()
    results: list[str] = []
    posts = iter([None, Fault(503, "busy"), None, None])

    def faults(method: str, path: str, query: dict[str, str]) -> None:
        fault = next(posts)
        if fault is not None:
            raise fault

    async def arrived() -> None:  # callbacks may be coroutine functions
        results.append("ok")
        if len(results) == 3:
            stop.set()

    argus.faults = faults
    errors: list[ArgusError] = []
    await aio.run_heartbeats(client, every=0, stop=stop, on_error=errors.append, on_success=arrived)
    assert results == ["ok", "ok", "ok"]
    assert [type(e) for e in errors] == [ServerError]
    assert argus.requests == [("POST", "/api/v2/incidents/sources/heartbeat/", {})] * 4


@pytest.mark.parametrize(
    ("fault", "error"),
    [(Fault(401, {"detail": "Invalid token."}), AuthError), (Fault(404), NotSupportedError)],
)
async def test_run_heartbeats_ends_on_errors_retrying_cannot_fix(
    argus: FakeArgus, client: AsyncClient, fault: Fault, error: type[Exception]
) -> None:
    def faults(method: str, path: str, query: dict[str, str]) -> None:
        raise fault

    argus.faults = faults
    with pytest.raises(error):
        await aio.run_heartbeats(client, every=0)
    assert len(argus.requests) == 1


async def test_a_set_stop_ends_the_wait_at_once(argus: FakeArgus, client: AsyncClient) -> None:
    stop = asyncio.Event()  # set after the first heartbeat: the hour's wait ends at once
    await asyncio.wait_for(
        aio.run_heartbeats(client, every=3600, stop=stop, on_success=stop.set), timeout=30
    )
    assert argus.count("POST") == 1


async def test_heartbeat_arguments_are_checked(argus: FakeArgus, client: AsyncClient) -> None:
    for kwargs, message in (({"every": -1}, "every"), ({"jitter": 2}, "jitter")):
        with pytest.raises(InvalidArgumentError, match=message):
            await aio.run_heartbeats(client, **kwargs)
        with pytest.raises(InvalidArgumentError, match=message):
            aio.start_heartbeats(client, **kwargs)
    with pytest.raises(InvalidArgumentError, match="an asyncio\\.Event"):
        await aio.run_heartbeats(client, stop=threading.Event())  # type: ignore[arg-type]
    assert argus.requests == []


async def test_heartbeat_task_reports_and_stops(argus: FakeArgus, client: AsyncClient) -> None:
    beats = asyncio.Semaphore(0)
    outcomes = iter([Fault(502, "proxy"), None, None])
    loop = asyncio.get_running_loop()

    def faults(method: str, path: str, query: dict[str, str]) -> None:
        fault = next(outcomes, None)
        loop.call_soon_threadsafe(beats.release)
        if fault is not None:
            raise fault

    argus.faults = faults
    seen: list[ArgusError] = []
    task = aio.start_heartbeats(client, every=0.001, on_error=seen.append)
    assert isinstance(task, aio.HeartbeatTask) and task.running
    for _ in range(3):
        await asyncio.wait_for(beats.acquire(), timeout=10)
    await task.stop(timeout=10)
    assert task.task.done() and not task.running and task.error is None
    assert task.last_ok is not None
    assert task.total_failures >= 1 and [type(e) for e in seen][:1] == [ServerError]


async def test_heartbeat_task_keeps_the_error_that_ended_it(
    argus: FakeArgus, client: AsyncClient
) -> None:
    def faults(method: str, path: str, query: dict[str, str]) -> None:
        raise Fault(401, {"detail": "Invalid token."})

    argus.faults = faults
    async with aio.start_heartbeats(client, every=0.001) as task:
        await asyncio.wait_for(asyncio.shield(task.task), timeout=10)
    assert isinstance(task.error, AuthError)
    assert task.last_ok is None and not task.running
    await task.stop()  # harmless once ended


async def test_a_bug_in_on_error_comes_out_of_stop(argus: FakeArgus, client: AsyncClient) -> None:
    argus.faults = lambda method, path, query: (_ for _ in ()).throw(Fault(503, "busy"))

    def on_error(error: ArgusError) -> None:
        raise ZeroDivisionError("a bug")

    task = aio.start_heartbeats(client, every=0.001, on_error=on_error)
    await asyncio.wait({task.task}, timeout=10)
    assert task.error is None
    with pytest.raises(ZeroDivisionError, match="a bug"):
        await task.stop()
