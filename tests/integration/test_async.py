"""AsyncClient against the real Argus server: the scenarios of the sync client, and gather."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from pyargus.async_client import AsyncClient
from pyargus.client import Client
from pyargus.exceptions import DuplicateIncidentError, NotFoundError
from pyargus.models import INFINITY, STATELESS, Incident
from pyargus.testing import ServerInfo

pytestmark = pytest.mark.integration


def test_scenarios_match_the_sync_client(argus_empty_db: ServerInfo) -> None:
    start = datetime.now().replace(microsecond=0) - timedelta(hours=1)  # naive: local time

    def sync_run(client: Client, sid: str) -> tuple:
        stored = client.post_incident(
            Incident(start_time=start, source_incident_id=sid, tags={"a": "1"})
        )
        blip = client.post_incident(Incident(start_time=start, end_time=STATELESS))
        client.update_incident(Incident(pk=stored.pk, level=2))
        again = client.get_incident(stored.pk)
        with pytest.raises(DuplicateIncidentError):
            client.post_incident(Incident(start_time=start, source_incident_id=sid))
        with pytest.raises(NotFoundError):
            client.get_incident(999_999)
        result = client.bulk_resolve([stored.pk, 999_999], "done")
        return (
            again.start_time == start.astimezone(),
            again.end_time is INFINITY,
            blip.end_time is STATELESS,
            dict(again.tags),
            again.level,
            (result.ok, len(result.failed)),
        )

    async def async_run(client: AsyncClient, sid: str) -> tuple:
        stored = await client.post_incident(
            Incident(start_time=start, source_incident_id=sid, tags={"a": "1"})
        )
        blip = await client.post_incident(Incident(start_time=start, end_time=STATELESS))
        await client.update_incident(Incident(pk=stored.pk, level=2))
        again = await client.get_incident(stored.pk)
        with pytest.raises(DuplicateIncidentError):
            await client.post_incident(Incident(start_time=start, source_incident_id=sid))
        with pytest.raises(NotFoundError):
            await client.get_incident(999_999)
        result = await client.bulk_resolve([stored.pk, 999_999], "done")
        return (
            again.start_time == start.astimezone(),
            again.end_time is INFINITY,
            blip.end_time is STATELESS,
            dict(again.tags),
            again.level,
            (result.ok, len(result.failed)),
        )

    with Client(argus_empty_db.api_url, argus_empty_db.source_token) as client:
        expected = sync_run(client, "sync-1")

    async def main() -> tuple:
        async with AsyncClient(argus_empty_db.api_url, argus_empty_db.source_token) as client:
            return await async_run(client, "async-1")

    assert asyncio.run(main()) == expected
    assert expected[:3] == (True, True, True)


def test_gather_200_mixed_requests(argus_empty_db: ServerInfo) -> None:
    now = datetime.now(timezone.utc)

    async def main() -> list:
        async with AsyncClient(argus_empty_db.api_url, argus_empty_db.source_token) as client:
            first = await client.post_incident(Incident(start_time=now, source_incident_id="g-0"))
            calls = []
            for n in range(200):
                kind = n % 4
                if kind == 0:
                    calls.append(
                        client.post_incident(
                            Incident(start_time=now, source_incident_id=f"g-{n + 1}")
                        )
                    )
                elif kind == 1:
                    calls.append(client.get_incident(first.pk))
                elif kind == 2:
                    calls.append(client.get_my_incidents(page_size=5).to_list())
                else:
                    calls.append(client.get_incident_events(first.pk))
            return await asyncio.gather(*calls)

    results = asyncio.run(main())
    assert len(results) == 200
    assert all(r is not None for r in results)
