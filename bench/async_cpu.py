"""Client CPU per request, Client vs AsyncClient, against the fake Argus (bench/fakeargus.py).

    python bench/async_cpu.py [--n 2000]

Posts *n* incidents with each client (serially, the async one awaiting
each), measuring this process' CPU time (user + sys) during the posts.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from pyargus.async_client import AsyncClient
from pyargus.client import Client
from pyargus.models import Incident

HERE = Path(__file__).resolve().parent
TOKEN = "bench-token"


def cpu() -> float:
    times = os.times()
    return times.user + times.system


def incident() -> Incident:
    return Incident(start_time=datetime.now(timezone.utc), source_incident_id="x")


def sync_run(url: str, n: int) -> float:
    with Client(url, TOKEN) as client:
        client.post_incident(incident())  # connect first
        started = cpu()
        for _ in range(n):
            client.post_incident(incident())
        return cpu() - started


async def async_run(url: str, n: int) -> float:
    async with AsyncClient(url, TOKEN) as client:
        await client.post_incident(incident())
        started = cpu()
        for _ in range(n):
            await client.post_incident(incident())
        return cpu() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    n = parser.parse_args().n
    server = subprocess.Popen(
        [sys.executable, str(HERE / "fakeargus.py"), "--max-size", "100"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline().split()
        url = f"http://127.0.0.1:{line[1]}/api/v2/"
        results = {"sync": [], "async": []}
        for _ in range(3):
            results["sync"].append(sync_run(url, n))
            results["async"].append(asyncio.run(async_run(url, n)))
        s, a = min(results["sync"]) / n * 1e6, min(results["async"]) / n * 1e6
        print(f"Client: {s:.0f} us CPU/request; AsyncClient: {a:.0f} us CPU/request; {a / s:.2f}x")
    finally:
        server.terminate()
        server.wait(timeout=10)
        time.sleep(0)


if __name__ == "__main__":
    main()
