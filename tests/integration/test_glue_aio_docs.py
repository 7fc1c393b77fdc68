"""The async examples of docs/glue.rst run against a real Argus: the aiohttp webhook glue and
the asyncio long-running glue."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web

from pyargus.client import Client
from pyargus.exceptions import AuthError
from pyargus.models import Incident
from pyargus.testing import ServerInfo

from .helpers import last_seen
from .test_glue_docs import Monitoring, alert, argus_env, example, open_ids

__all__ = ["argus_env"]  # the fixture, shared with the sync examples' tests


class AsyncMonitoring(Monitoring):
    """:class:`Monitoring` with the coroutine functions the asyncio example awaits."""

    async def fetch_active_alerts(self) -> list[dict[str, Any]]:
        await asyncio.sleep(0)
        return self.active_alerts()

    async def fetch_is_gone(self, source_incident_id: str) -> bool:
        await asyncio.sleep(0)
        return self.is_gone(source_incident_id)


@pytest.fixture
def monitoring(monkeypatch: pytest.MonkeyPatch) -> AsyncMonitoring:
    module = AsyncMonitoring()
    monkeypatch.setitem(sys.modules, "monitoring", module)
    return module


@pytest_asyncio.fixture
async def webhook(argus_env: None) -> AsyncIterator[tuple[str, dict[str, Any]]]:
    """The webhook example's application on 127.0.0.1 (its URL) and the example's namespace."""
    namespace = example("An aiohttp webhook glue")
    app = namespace["make_app"]()
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/alerts", {"app": app, **namespace}
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_the_aiohttp_webhook_glue(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    webhook: tuple[str, dict[str, Any]],
) -> None:
    url, namespace = webhook
    since = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    firing = {"id": "hook-1", "status": "firing", "since": since, "summary": "Link down"}
    async with aiohttp.ClientSession() as session:

        async def send(body: dict[str, Any]) -> int:
            async with session.post(url, json=body) as answer:
                return answer.status

        # The same alert from several senders at once, and again: one incident.
        statuses = await asyncio.gather(*(send(firing) for _ in range(5)))
        assert statuses == [200] * 5 and await send(firing) == 200
        assert len(list(argus_client.get_my_incidents(source_incident_id="hook-1"))) == 1
        assert "hook-1" in open_ids(argus_client)
        assert await send({**firing, "status": "resolved"}) == 200
        assert "hook-1" not in open_ids(argus_client)
        assert await send({**firing, "id": " bad id"}) == 422
        heartbeats = namespace["app"][namespace["HEARTBEATS"]]
        for _ in range(600):
            if heartbeats.last_ok is not None:
                break
            await asyncio.sleep(0.05)
        assert heartbeats.last_ok is not None and heartbeats.running


@pytest.mark.asyncio
async def test_the_webhook_answers_500_for_a_refused_token(
    argus_server: ServerInfo, monkeypatch: pytest.MonkeyPatch, argus_env: None
) -> None:
    monkeypatch.setenv("ARGUS_TOKEN", "not-the-token")
    namespace = example("An aiohttp webhook glue")
    runner = web.AppRunner(namespace["make_app"]())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/alerts"
    try:
        since = datetime.now(timezone.utc).isoformat()
        body = {"id": "hook-2", "status": "firing", "since": since, "summary": "x"}
        async with aiohttp.ClientSession() as session, session.post(url, json=body) as answer:
            assert answer.status == 500  # not 401: the sender's credentials are fine
            assert "not-the-token" not in await answer.text()
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_the_asyncio_long_running_glue(
    argus_empty_db: ServerInfo,
    argus_env: None,
    argus_client: Client,
    monitoring: AsyncMonitoring,
) -> None:
    namespace = example("An asyncio long-running glue")
    old = argus_client.post_incident(
        Incident(
            source_incident_id="alert-9",
            start_time=datetime.now(timezone.utc) - timedelta(hours=1),
            description="gone at the source",
        )
    )
    young = argus_client.post_incident(
        Incident(source_incident_id="alert-8", start_time=datetime.now(timezone.utc))
    )
    monitoring.alerts = [alert(1), alert(2), alert(3)]
    monitoring.gone = {"alert-9", "alert-8"}
    stop = asyncio.Event()

    def pass_started(m: Monitoring) -> None:
        m.failing = m.calls == 2  # the second pass cannot fetch the alerts
        if m.calls == 4:
            stop.set()

    monitoring.after_call = pass_started
    before = datetime.now(timezone.utc).replace(microsecond=0)
    await asyncio.wait_for(namespace["serve"](stop, every=0.05), timeout=120)
    assert monitoring.calls == 4
    assert open_ids(argus_client) == {"alert-1", "alert-2", "alert-3", "alert-8"}  # 8: min_age
    assert argus_client.get_incident(old).open is False
    assert argus_client.get_incident(young).open is True
    seen = last_seen(argus_empty_db, str(argus_empty_db.source_name))
    assert seen is not None and seen >= before


def test_the_asyncio_glue_ends_on_a_bad_token(
    argus_env: None, monitoring: AsyncMonitoring, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace = example("An asyncio long-running glue")
    monkeypatch.setenv("ARGUS_TOKEN", "not-the-token")
    with pytest.raises(AuthError):
        asyncio.run(namespace["serve"](asyncio.Event(), every=0.05))
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert namespace["main"]() == 4
    finally:
        signal.signal(signal.SIGTERM, previous)
