"""pyargus.glue and pyargus.glue.aio: the same surface, and the same reports for the same scenarios.

Each scenario is written once, as a generator that yields
``(function name, args, kwargs)`` and gets the result (or the
:class:`~pyargus.exceptions.ArgusError`) back; it runs with a
:class:`~pyargus.client.Client` and :mod:`pyargus.glue`, then with an
:class:`~pyargus.async_client.AsyncClient` and :mod:`pyargus.glue.aio`, each on
a fresh in-memory Argus served on 127.0.0.1. The results, the requests sent
and the state left behind must be the same.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import subprocess
import sys
from collections.abc import Callable, Generator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from pyargus import glue
from pyargus.async_client import AsyncClient
from pyargus.client import Client
from pyargus.exceptions import ArgusError, AuthError, InvalidArgumentError
from pyargus.glue import aio
from pyargus.models import Incident, SourceSystem
from tests.conftest import TOKEN
from tests.glue_fake import DUPLICATE, FakeArgus, Fault, serving

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)
TWINS = {"HeartbeatThread": "HeartbeatTask"}
SYNC_IN_BOTH = {"start_heartbeats"}  # starts a task and returns it, as asyncio.create_task


# The surface


def test_same_public_names_and_the_pure_ones_are_shared() -> None:
    assert {TWINS.get(name, name) for name in glue.__all__} == set(aio.__all__)
    shared = [name for name in glue.__all__ if name not in TWINS and not _is_io_function(name)]
    assert "LevelMap" in shared and "load_config" in shared and "ReconcileReport" in shared
    for name in shared:
        assert getattr(aio, name) is getattr(glue, name), name


def _is_io_function(name: str) -> bool:
    return inspect.isfunction(getattr(aio, name)) and getattr(aio, name) is not getattr(glue, name)


def _params(func: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(func).parameters.values()]


def test_same_signatures_and_coroutine_functions_for_io() -> None:
    io = [name for name in aio.__all__ if _is_io_function(name)]
    assert sorted(io) == [
        "check",
        "ensure_incident",
        "find_my_incident",
        "index_my_incidents",
        "is_source_system",
        "reconcile",
        "run_heartbeats",
        "start_heartbeats",
    ]
    for name in io:
        assert _params(getattr(aio, name)) == _params(getattr(glue, name)), name
        assert inspect.iscoroutinefunction(getattr(aio, name)) is (name not in SYNC_IN_BOTH)
        assert getattr(aio, name).__doc__, name
    sync_heartbeat, async_heartbeat = glue.HeartbeatThread, aio.HeartbeatTask
    for attribute in ("stop", "running"):
        assert hasattr(sync_heartbeat, attribute) and hasattr(async_heartbeat, attribute)
    assert inspect.iscoroutinefunction(async_heartbeat.stop)
    assert _params(async_heartbeat.stop) == _params(sync_heartbeat.stop)


def test_the_sync_toolkit_imports_no_async_stack() -> None:
    code = "import sys, pyargus.glue; print(sorted({'aiohttp', 'asyncio'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_start_heartbeats_needs_a_running_loop() -> None:
    client = AsyncClient("http://127.0.0.1:9/api/v2/", TOKEN, retries=0)
    with pytest.raises(InvalidArgumentError, match="running event loop"):
        aio.start_heartbeats(client)


# The same scenarios

Scenario = Generator[tuple[str, tuple[Any, ...], dict[str, Any]], Any, None]


def new(sid: str | None, **fields: Any) -> Incident:
    fields.setdefault("start_time", NOW)
    fields.setdefault("description", f"alert {sid}")
    return Incident(source_incident_id=sid, **fields)


def three_passes(argus: FakeArgus) -> Scenario:
    argus.add("stale")
    argus.add("closed", open=False)
    desired = {f"p-{n}": new(f"p-{n}") for n in range(6)}
    desired["closed"] = new("closed")
    yield "reconcile", (desired,), {"max_resolve": None}
    yield "reconcile", (desired,), {}
    changed = {k: v for k, v in desired.items() if k != "p-0"}
    changed["p-new"] = new("p-new", level=2)
    yield "reconcile", (changed,), {"dry_run": True}
    yield "reconcile", (changed,), {}
    yield "reconcile", (changed,), {}


def guards(argus: FakeArgus) -> Scenario:
    for n in range(4):
        argus.add(f"g-{n}", minutes_ago=600)
    yield "reconcile", (None,), {}
    yield "reconcile", ({},), {}
    yield "reconcile", ([],), {"allow_empty": True}
    yield "reconcile", ({"g-0": new("g-0")},), {"max_resolve": 2}
    yield "reconcile", ({"g-0": new("g-0"), " bad": new(" bad")},), {}
    yield (
        "reconcile",
        ({"g-0": new("g-0")},),
        {
            "confirm_gone": lambda i: i.source_incident_id != "g-1",
            "min_age": timedelta(minutes=30),
            "timestamp": NOW,
            "max_resolve": None,
        },
    )


def updates_and_builders(argus: FakeArgus) -> Scenario:
    argus.add("u-1", level=5, description="old")
    argus.add("u-2")
    desired: dict[str, Any] = {
        "u-1": lambda: new(None, level=2, description="new", tags={"a": "1"}),
        "u-2": lambda: new(None, description="incident u-2", level=5),
        "u-3": lambda: None,
        "u-4": lambda: "not an incident",
    }
    yield "reconcile", (desired,), {"update_changed": True}
    yield "reconcile", (desired,), {"update_changed": ["level"]}


def faults(argus: FakeArgus) -> Scenario:
    argus.add("f-0")
    argus.add("f-1")

    def hook(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST" and path.endswith("/incidents/"):
            raise Fault(500, "<h1>Server Error (500)</h1>")
        if method == "POST" and path == "/api/v2/incidents/1/events/":
            raise Fault(400, {"type": ["nope"]})

    argus.faults = hook
    yield "reconcile", ({"n-1": new("n-1")},), {"max_resolve": None}
    argus.faults = None
    argus.lose = lambda method, path: method == "POST"
    yield "reconcile", ({"n-1": new("n-1"), "n-2": new("n-2")},), {"max_resolve": None}
    argus.lose = None

    def refused(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST":
            raise Fault(401, {"detail": "Invalid token."})

    argus.faults = refused
    yield "reconcile", ({"n-1": new("n-1"), "x": new("x"), "y": new("y")},), {}


def lookups_and_ensure(argus: FakeArgus) -> Scenario:
    argus.add("7", open=False)
    argus.add("8")
    argus.add("")
    yield "find_my_incident", ("7",), {}
    yield "find_my_incident", (7,), {"open_only": True}
    yield "find_my_incident", ("",), {}
    yield "index_my_incidents", (), {"open": None, "key": int}
    yield "ensure_incident", (new("8"),), {}
    yield "ensure_incident", (new("7"),), {}
    yield "ensure_incident", (new("7"),), {"restart": True}
    yield "ensure_incident", (new("9"),), {}

    def race(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST":
            argus.faults = None
            argus.add("10")
            raise Fault(400, DUPLICATE)

    argus.faults = race
    yield "ensure_incident", (new("10"),), {}
    yield "ensure_incident", (new(None),), {}


def checks(argus: FakeArgus) -> Scenario:
    yield "check", (), {"min_version": "2.10", "need_source_system": True, "need_heartbeat": True}
    yield "is_source_system", (), {}
    argus.version = "2.9.0"
    argus.heartbeat = False
    yield "check", (), {"min_version": (2, 10), "need_heartbeat": True}
    yield "check", (), {"min_version": "two"}

    def refused(method: str, path: str, query: dict[str, str]) -> None:
        if path != "/api/":
            raise Fault(401, {"detail": "Invalid token."})

    argus.faults = refused
    yield "check", (), {}


SCENARIOS = [three_passes, guards, updates_and_builders, faults, lookups_and_ensure, checks]


def plain(result: Any) -> Any:
    """What a result says, comparable across clients (no times measured, no objects)."""
    if isinstance(result, glue.ReconcileRefused):
        return {"refused": result.report.as_dict(), "message": str(result)}
    if isinstance(result, BaseException):
        return {"error": type(result).__name__, "message": str(result)}
    if isinstance(result, glue.ReconcileReport):
        return result.as_dict()
    if isinstance(result, glue.CheckReport):
        return {**vars(result), "latency": result.latency is not None}
    if isinstance(result, glue.Ensured):
        return {**vars(result), "incident": plain(result.incident)}
    if isinstance(result, Incident):
        return (result.pk, result.source_incident_id, result.open, result.level)
    if isinstance(result, glue.IncidentIndex):
        return {
            "items": {str(k): plain(v) for k, v in result.items()},
            "skipped": [(plain(i), why) for i, why in result.skipped],
        }
    return result


def outcome(argus: FakeArgus, results: list[Any]) -> str:
    state = {
        pk: (i["source_incident_id"], i["open"], i["level"], i["description"])
        for pk, i in argus.incidents.items()
    }
    text = json.dumps(
        {"results": [plain(r) for r in results], "requests": argus.requests, "state": state},
        default=str,
        indent=1,
    )
    return text.replace(argus.api, "API/").replace(argus.api.split("/api/")[0], "ROOT")


def run_sync(scenario: Callable[[FakeArgus], Scenario]) -> str:
    argus = FakeArgus()
    results: list[Any] = []
    with serving(argus), Client(argus.api, TOKEN, retries=0) as client:
        client._own_source = SourceSystem(pk=1, name="glue")
        steps = scenario(argus)
        for name, args, kwargs in steps:
            try:
                results.append(getattr(glue, name)(client, *args, **kwargs))
            except ArgusError as exc:
                results.append(exc)
    return outcome(argus, results)


def run_async(scenario: Callable[[FakeArgus], Scenario]) -> str:
    argus = FakeArgus()
    results: list[Any] = []

    async def main() -> None:
        async with AsyncClient(argus.api, TOKEN, retries=0) as client:
            client._own_source = SourceSystem(pk=1, name="glue")
            for name, args, kwargs in scenario(argus):
                try:
                    results.append(await getattr(aio, name)(client, *args, **kwargs))
                except ArgusError as exc:
                    results.append(exc)

    with serving(argus):
        asyncio.run(main())
    return outcome(argus, results)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_same_results_requests_and_state(scenario: Callable[[FakeArgus], Scenario]) -> None:
    sync, async_ = run_sync(scenario), run_async(scenario)
    assert async_ == sync
    assert '"requests": []' not in sync  # the scenario did talk to the server


def test_heartbeat_loops_send_the_same_requests() -> None:
    def beats(argus: FakeArgus) -> None:
        outcomes = iter([None, Fault(503, "busy"), None, Fault(401, {"detail": "no"})])

        def hook(method: str, path: str, query: dict[str, str]) -> None:
            fault = next(outcomes)
            if fault is not None:
                raise fault

        argus.faults = hook

    sync_argus, async_argus = FakeArgus(), FakeArgus()
    sync_errors: list[str] = []
    async_errors: list[str] = []
    with serving(sync_argus), Client(sync_argus.api, TOKEN, retries=0) as client:
        beats(sync_argus)
        with pytest.raises(AuthError):
            glue.run_heartbeats(client, every=0, on_error=lambda e: sync_errors.append(str(e)))

    async def main() -> None:
        async with AsyncClient(async_argus.api, TOKEN, retries=0) as client:
            beats(async_argus)
            with pytest.raises(AuthError):
                await aio.run_heartbeats(
                    client, every=0, on_error=lambda e: async_errors.append(str(e))
                )

    with serving(async_argus):
        asyncio.run(main())
    assert sync_argus.requests == async_argus.requests
    assert len(sync_argus.requests) == 4
    assert [e.replace(sync_argus.api, "") for e in sync_errors] == [
        e.replace(async_argus.api, "") for e in async_errors
    ]
