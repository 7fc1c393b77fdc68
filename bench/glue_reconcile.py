"""Reconcile 5,000 alerts against a real Argus: requests and wall time per pass.

``python bench/glue_reconcile.py`` starts a throwaway Argus server
(:class:`pyargus.testing.ArgusServer`, as the pytest plugin does) and runs
three passes with :func:`pyargus.glue.reconcile`, then the same three
passes with the loop glue services write today, on an empty database each:

1. **create**: every alert is new;
2. **unchanged**: the same alerts again;
3. **2 % changed**: 1 % of the alerts are gone and as many are new
   (``--changed 0.02`` replaces ``n * 0.02 / 2`` of them).

The naive loop is the one in NAV's ``do_sync``, Zino's
``get_or_make_argus_incident_for_zino_case`` and the Zabbix/SUNET
webhooks: one lookup per alert (``next(get_my_incidents(source_incident_id=...),
None)``, any state), a post when there is none, and a listing of the open
incidents (default page size) to resolve the ones no longer alerting.

``--async`` runs the toolkit's passes with :func:`pyargus.glue.aio.reconcile`
and an :class:`~pyargus.async_client.AsyncClient` instead (the same flows;
the naive loop stays sync), in the same output format.

Requests are counted per method by a response hook on the client's session
(an aiohttp trace hook with ``--async``), so retries count too. ``--real
URL`` uses an existing API root instead (token in ``ARGUS_BENCH_TOKEN``; it
creates and resolves incidents, tagged ``bench=<run id>`` and scoped to
that tag).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pyargus.client import Client  # noqa: E402
from pyargus.glue import PAGE_SIZE, ReconcileReport, reconcile  # noqa: E402
from pyargus.models import Incident  # noqa: E402

TOKEN_ENV = "ARGUS_BENCH_TOKEN"
Builder = Callable[[], Incident]


def desired_alerts(run: str, numbers: Iterator[int] | range, start: datetime) -> dict[str, Builder]:
    """Alerts as a glue has them: id -> builder (distinct start times, as real alerts)."""

    def builder(n: int) -> Builder:
        return lambda: Incident(
            start_time=start - timedelta(seconds=n),
            description=f"bench alert {n}",
            level=1 + n % 5,
            details_url=f"https://monitoring.example.org/alerts/{n}",
            tags={"bench": run, "host": f"sw-{n % 97}.example.org", "check": f"c{n % 13}"},
        )

    return {f"{run}-{n}": builder(n) for n in numbers}


class Counts:
    """Requests sent, by method, since the last :meth:`take`."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def take(self) -> dict[str, int]:
        counts = dict(self.counts)
        self.counts.clear()
        return counts


class CountedAsync(Counts):
    """An AsyncClient whose aiohttp session counts the requests it sends, by method.

    Made inside the running event loop (the session belongs to it).
    """

    def __init__(self, api_url: str, token: str) -> None:
        import aiohttp

        from pyargus.async_client import AsyncClient

        super().__init__()
        trace = aiohttp.TraceConfig()
        trace.on_request_start.append(self._count)
        self.session = aiohttp.ClientSession(trace_configs=[trace], trust_env=False)
        self.client = AsyncClient(api_url, token, timeout=60, session=self.session)

    async def _count(self, session: Any, context: Any, params: Any) -> None:
        self.counts[str(params.method)] += 1

    async def close(self) -> None:
        await self.client.aclose()
        await self.session.close()


class Counted(Counts):
    """A client whose session counts the requests it sends, by method."""

    def __init__(self, api_url: str, token: str) -> None:
        super().__init__()
        self.session = requests.Session()
        self.session.trust_env = False
        self.session.hooks["response"].append(self._count)
        self.client = Client(api_url, token, timeout=60, session=self.session)

    def _count(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.counts[str(response.request.method)] += 1

    def close(self) -> None:
        self.client.close()
        self.session.close()


def naive_pass(client: Client, desired: dict[str, Builder], run: str) -> dict[str, int]:
    """The loop glue services write today (see the module docs)."""
    created = resolved = 0
    open_now = {
        i.source_incident_id: i for i in client.get_my_incidents(open=True, tags={"bench": run})
    }
    for sid, build in desired.items():
        existing = next(client.get_my_incidents(source_incident_id=sid), None)
        if existing is None:
            client.post_incident(Incident(**{**vars(build()), "source_incident_id": sid}))
            created += 1
    for open_sid, incident in open_now.items():
        if open_sid not in desired:
            client.resolve_incident(incident, "Resolved by reconciliation")
            resolved += 1
    return {"created": created, "resolved": resolved}


def passes(n: int, changed: float, run: str) -> list[tuple[str, dict[str, Builder]]]:
    start = datetime.now(timezone.utc).replace(microsecond=0)
    first = desired_alerts(run, range(n), start)
    swap = max(1, round(n * changed / 2)) if changed else 0
    third = {k: v for k, v in first.items() if k not in {f"{run}-{i}" for i in range(swap)}}
    third.update(desired_alerts(run, range(n, n + swap), start))
    return [("create", first), ("unchanged", first), (f"{changed:.0%} changed", third)]


#: The log line's first word, by implementation.
LABELS = {"pyargus.glue.reconcile": "reconcile", "pyargus.glue.aio.reconcile": "aio"}


def row(
    impl: str, name: str, wall: float, counted: Counts, fields: dict[str, Any], shown: Any, log: Any
) -> dict[str, Any]:
    """A pass's row (its requests taken from *counted*), also logged as a line to *log*."""
    requests = counted.take()
    label = LABELS.get(impl, "naive")
    print(f"{label:<9} {name:<12} {wall:8.1f} s  {requests}  {shown}", file=log, flush=True)
    return {"impl": impl, "pass": name, "wall_s": wall, "requests": requests, **fields}


def toolkit_row(
    impl: str, name: str, wall: float, counted: Counts, report: ReconcileReport, log: Any
) -> dict[str, Any]:
    """:func:`row` of a reconcile pass."""
    fields = {
        "summary": report.summary(),
        "created": len(report.created),
        "resolved": len(report.resolved),
        "failed": len(report.failed),
    }
    return row(impl, name, wall, counted, fields, report.summary(), log)


def run_toolkit(
    api_url: str, token: str, n: int, changed: float, page_size: int, log: Any
) -> list[dict[str, Any]]:
    run = f"g{uuid.uuid4().hex[:6]}"
    counted = Counted(api_url, token)
    rows = []
    try:
        for name, desired in passes(n, changed, run):
            started = time.perf_counter()
            report = reconcile(
                counted.client, desired, scope={"tags": {"bench": run}}, page_size=page_size
            )
            wall = time.perf_counter() - started
            rows.append(toolkit_row("pyargus.glue.reconcile", name, wall, counted, report, log))
    finally:
        counted.close()
    return rows


def run_toolkit_async(
    api_url: str, token: str, n: int, changed: float, page_size: int, log: Any
) -> list[dict[str, Any]]:
    """:func:`run_toolkit` with :func:`pyargus.glue.aio.reconcile` and an AsyncClient."""
    from pyargus.glue import aio

    async def main() -> list[dict[str, Any]]:
        run = f"a{uuid.uuid4().hex[:6]}"
        counted = CountedAsync(api_url, token)
        rows = []
        try:
            for name, desired in passes(n, changed, run):
                started = time.perf_counter()
                report = await aio.reconcile(
                    counted.client, desired, scope={"tags": {"bench": run}}, page_size=page_size
                )
                wall = time.perf_counter() - started
                rows.append(
                    toolkit_row("pyargus.glue.aio.reconcile", name, wall, counted, report, log)
                )
        finally:
            await counted.close()
        return rows

    return asyncio.run(main())


def run_naive(api_url: str, token: str, n: int, changed: float, log: Any) -> list[dict[str, Any]]:
    run = f"n{uuid.uuid4().hex[:6]}"
    counted = Counted(api_url, token)
    rows = []
    try:
        for name, desired in passes(n, changed, run):
            started = time.perf_counter()
            done = naive_pass(counted.client, desired, run)
            wall = time.perf_counter() - started
            rows.append(row("naive loop", name, wall, counted, done, done, log))
    finally:
        counted.close()
    return rows


@contextmanager
def argus(real: str | None) -> Iterator[tuple[str, str, Callable[[], None]]]:
    """(API URL, token, reset) of the server to use."""
    if real:
        yield real, os.environ[TOKEN_ENV], lambda: None
        return
    from pyargus.testing import ArgusServer

    with ArgusServer() as server:
        yield server.info.api_url, server.info.source_token, server.reset


def report(rows: list[dict[str, Any]], n: int, page_size: int) -> str:
    lines = [
        f"- date: {datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
        f"- machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        f"- {n} desired alerts; toolkit page size {page_size} "
        f"(an unchanged pass should be ceil({n}/{page_size}) = {math.ceil(n / page_size)} GETs)",
        "",
        "| pass | implementation | requests (GET / POST / PATCH) | wall | created | resolved |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        r = row["requests"]
        total = sum(r.values())
        lines.append(
            f"| {row['pass']} | {row['impl']} | {total} ({r.get('GET', 0)} / {r.get('POST', 0)} / "
            f"{r.get('PATCH', 0)}) | {row['wall_s']:.1f} s | {row['created']} | {row['resolved']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000, help="desired alerts (default 5000)")
    parser.add_argument("--changed", type=float, default=0.02, help="share changed in pass 3")
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE)
    parser.add_argument("--no-naive", action="store_true", help="skip the naive loop")
    parser.add_argument(
        "--async",
        dest="use_async",
        action="store_true",
        help="the toolkit's passes with pyargus.glue.aio and an AsyncClient",
    )
    parser.add_argument(
        "--real", metavar="URL", help=f"an existing API root; token in ${TOKEN_ENV}"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    args = parser.parse_args(argv)
    if args.real and not os.environ.get(TOKEN_ENV):
        parser.error(f"--real needs the API token in ${TOKEN_ENV}")
    with argus(args.real) as (api_url, token, reset):
        toolkit = run_toolkit_async if args.use_async else run_toolkit
        rows = toolkit(api_url, token, args.n, args.changed, args.page_size, sys.stderr)
        if not args.no_naive:
            reset()
            rows += run_naive(api_url, token, args.n, args.changed, sys.stderr)
    print(report(rows, args.n, args.page_size))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
