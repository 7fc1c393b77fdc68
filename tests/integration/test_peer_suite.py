"""A peer glue project's tests, as they are written for pytest-argus-server.

Glue projects (zabbix-argus-glue and others) test their Argus code with the
session-scoped fixtures ``argus_api_url`` and ``argus_source_system_token``
only. These tests use nothing else of ours, so they show such a suite runs
unchanged on the ``pyargus.testing`` plugin: a sync test with
``Client(argus_api_url, argus_source_system_token)``, and an async one whose
:class:`AsyncClient` is built in a sync fixture, outside any event loop (as
zabbix-argus-glue does at start-up), then used inside the test's loop.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from pyargus import Client
from pyargus.async_client import AsyncClient
from pyargus.models import Incident


def new_incident(prefix: str) -> Incident:
    return Incident(
        start_time=datetime.now(timezone.utc),
        source_incident_id=f"{prefix}-{uuid.uuid4()}",
        description="peer suite",
        tags={"host": "peer.example.org"},
    )


def test_sync_glue_posts_gets_and_resolves(
    argus_api_url: str, argus_source_system_token: str
) -> None:
    assert argus_api_url.startswith("http://") and argus_api_url.endswith("/api/v2/")
    client = Client(argus_api_url, argus_source_system_token)
    incident = client.post_incident(new_incident("peer-sync"))
    assert incident.pk is not None and incident.open
    fetched = client.get_incident(incident.pk)
    assert fetched.source_incident_id == incident.source_incident_id
    assert dict(fetched.tags) == {"host": "peer.example.org"}
    end = client.resolve_incident(incident.pk, "cleared")
    assert end.type == "END"
    assert not client.get_incident(incident.pk).open
    client.close()


@pytest.fixture
def glue_client(argus_api_url: str, argus_source_system_token: str) -> AsyncClient:
    """The glue's one AsyncClient, made where no event loop runs."""
    return AsyncClient(argus_api_url, argus_source_system_token)  # the test closes it


@pytest.mark.asyncio
async def test_async_glue_with_a_client_built_outside_the_loop(glue_client: AsyncClient) -> None:
    async with glue_client as client:
        incident = await client.post_incident(new_incident("peer-async"))
        assert incident.pk is not None and incident.open
        fetched = await client.get_incident(incident.pk)
        assert fetched.source_incident_id == incident.source_incident_id
        mine = [i.pk async for i in client.get_my_incidents(open=True)]
        assert incident.pk in mine
        await client.resolve_incident(incident.pk, "cleared")
        assert not (await client.get_incident(incident.pk)).open
