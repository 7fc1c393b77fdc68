"""Wall time of posting N incidents to a real test Argus: Client serially vs AsyncClient + gather.

    python bench/async_post.py [--n 500]

Starts a throwaway Argus with :class:`pyargus.testing.ArgusServer` (the
harness' cached virtualenv), then posts *n* incidents serially with
``Client``, and with ``AsyncClient`` and ``asyncio.gather`` at concurrency
8 and 32 (a semaphore), resetting the database between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from datetime import datetime, timezone

from pyargus.async_client import AsyncClient
from pyargus.client import Client
from pyargus.models import Incident
from pyargus.testing import ArgusServer


def incidents(n: int, tag: str) -> list[Incident]:
    now = datetime.now(timezone.utc)
    return [Incident(start_time=now, source_incident_id=f"{tag}-{i}") for i in range(n)]


def serial(url: str, token: str, n: int) -> float:
    with Client(url, token) as client:
        started = time.perf_counter()
        for incident in incidents(n, "serial"):
            client.post_incident(incident)
        return time.perf_counter() - started


async def concurrent(url: str, token: str, n: int, width: int) -> float:
    gate = asyncio.Semaphore(width)
    async with AsyncClient(url, token, pool_size=width) as client:

        async def post(incident: Incident) -> None:
            async with gate:
                await client.post_incident(incident)

        started = time.perf_counter()
        await asyncio.gather(*(post(i) for i in incidents(n, f"c{width}")))
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=500)
    n = parser.parse_args().n
    with ArgusServer() as server:
        info = server.info
        base = serial(info.api_url, info.source_token, n)
        print(f"Client, serial: {n} posts in {base:.2f} s ({base / n * 1000:.1f} ms/post)")
        for width in (8, 32):
            server.reset()
            wall = asyncio.run(concurrent(info.api_url, info.source_token, n, width))
            ratio = wall / base
            print(f"AsyncClient, gather, concurrency {width}: {wall:.2f} s = {ratio:.2f}x serial")


if __name__ == "__main__":
    main()
