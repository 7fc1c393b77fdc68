"""Wall time of posting N incidents to a real test Argus: Client serially vs AsyncClient + gather.

    python bench/async_post.py [--n 500] [--rounds 3]

Starts a throwaway Argus with :class:`pyargus.testing.ArgusServer` (the
harness' cached virtualenv), then posts *n* incidents serially with
``Client``, and with ``AsyncClient`` and ``asyncio.gather`` at concurrency
8 and 32 (a semaphore), resetting the database between runs. Every round
runs all three (interleaved, in a rotating order); the report gives each
concurrent run's wall time as a ratio of the same round's serial run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
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
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n, widths = args.n, (8, 32)
    ratios: dict[int, list[float]] = {width: [] for width in widths}
    serial_times: list[float] = []
    with ArgusServer() as server:
        info = server.info
        # Untimed warm-up: a fresh server's first requests are slower (lazy
        # imports and caches in each worker), whichever client sends them.
        serial(info.api_url, info.source_token, 20)
        asyncio.run(concurrent(info.api_url, info.source_token, 20, 8))
        for round_ in range(1, args.rounds + 1):
            # Interleaved: every round runs the serial loop and each width, in a
            # rotating order, so that a busier moment of the machine hits all.
            runs: list[int | None] = [None, *widths]
            shift = (round_ - 1) % len(runs)
            walls: dict[int | None, float] = {}
            for width in runs[shift:] + runs[:shift]:
                server.reset()
                if width is None:
                    walls[None] = serial(info.api_url, info.source_token, n)
                else:
                    walls[width] = asyncio.run(
                        concurrent(info.api_url, info.source_token, n, width)
                    )
            serial_times.append(walls[None])
            line = [f"round {round_}: serial {walls[None]:.2f} s"]
            for width in widths:
                ratios[width].append(walls[width] / walls[None])
                line.append(f"c={width} {walls[width]:.2f} s ({ratios[width][-1]:.2f}x)")
            print(", ".join(line), flush=True)
    base = statistics.median(serial_times)
    print(f"Client, serial: {n} posts in {base:.2f} s ({base / n * 1000:.1f} ms/post), median")
    for width in widths:
        r = ratios[width]
        print(
            f"AsyncClient, gather, concurrency {width}: {statistics.median(r):.2f}x serial "
            f"(median of {len(r)} rounds, {min(r):.2f}-{max(r):.2f})"
        )


if __name__ == "__main__":
    main()
