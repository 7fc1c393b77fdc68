"""One benchmark run: one implementation, one workload, in this process.

``python bench/workloads.py IMPL WORKLOAD API_ROOT [--n N] [--page-size PS]``
prints one JSON object: the client CPU time (user + sys of this process
during the workload), wall time, peak RSS, RSS growth, the items handled
and the TCP connections the client's connection pools opened. The token
is read from ``ARGUS_BENCH_TOKEN``.

*IMPL* is ``raw`` (:mod:`rawclient`) or ``pyargus``. Workloads:

* ``list``: iterate over *N* incidents at page size *PS*, touching every field;
* ``stream``: the same, keeping nothing (for the RSS growth);
* ``post``: post *N* incidents;
* ``resolve``: resolve *N* incidents (``resolve_incident``);
* ``first``: the wall time to the first incident of a listing (default page size).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from itertools import islice
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

IMPLS = ("raw", "pyargus")
WORKLOADS = ("list", "stream", "post", "resolve", "first")
TOKEN_ENV = "ARGUS_BENCH_TOKEN"
_PAGE = os.sysconf("SC_PAGE_SIZE")
_START = datetime(2025, 11, 3, 14, 7, 21, tzinfo=timezone(timedelta(hours=1)))


def _rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE / 2**20


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def new_incident_fields(i: int, tag: str) -> dict[str, Any]:
    """The fields of the *i*-th incident both clients post (the same for both)."""
    return {
        "start_time": _START + timedelta(seconds=i),
        "source_incident_id": f"{tag}-{i}",
        "details_url": f"https://nav.example.org/alert/{i}/",
        "description": f"Box down: sw-{i % 997}.example.org is not responding",
        "level": i % 5 + 1,
        "tags": [
            ("host", f"sw-{i % 997}.example.org"),
            ("organization", "example"),
            ("location", f"building-{i % 17}"),
            ("problem_type", "boxDown"),
        ],
        "metadata": {"alert_id": i},
    }


class Impl:
    """What a workload needs from a client implementation."""

    def __init__(self, api_root_url: str, token: str) -> None:
        raise NotImplementedError

    def list(self, page_size: int | None) -> Iterator[Any]:
        raise NotImplementedError

    def touch(self, incident: Any) -> int:
        """Read every field of *incident* (and of its source and tags)."""
        raise NotImplementedError

    def post(self, i: int, tag: str) -> Any:
        raise NotImplementedError

    def resolve(self, pk: int) -> Any:
        raise NotImplementedError

    def sessions(self) -> list[Any]:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class Raw(Impl):
    def __init__(self, api_root_url: str, token: str) -> None:
        import rawclient

        self.mod = rawclient
        self.client = rawclient.RawClient(api_root_url, token)

    def list(self, page_size: int | None) -> Iterator[Any]:
        params = {} if page_size is None else {"page_size": page_size}
        return self.client.get_incidents(**params)

    def touch(self, incident: Any) -> int:
        source = incident.source
        total = incident.pk + incident.level + source.pk + source.user
        total += len(source.name) + len(source.type) + len(source.base_url)
        total += incident.start_time.minute + (incident.end_time is None)
        total += len(incident.source_incident_id) + len(incident.details_url)
        total += len(incident.description) + len(incident.ticket_url)
        for key, value in incident.tags:
            total += len(key) + len(value)
        total += incident.stateful + incident.open + incident.acked + len(incident.metadata)
        return total

    def post(self, i: int, tag: str) -> Any:
        incident = self.mod.RawIncident(**new_incident_fields(i, tag))
        return self.client.post_incident(incident)

    def resolve(self, pk: int) -> Any:
        return self.client.resolve_incident(pk)

    def sessions(self) -> list[Any]:
        return [self.client.session]

    def close(self) -> None:
        self.client.close()


class PyArgus(Impl):
    def __init__(self, api_root_url: str, token: str) -> None:
        from pyargus import models
        from pyargus.client import Client

        self.models = models
        self.client = Client(api_root_url, token)

    def list(self, page_size: int | None) -> Iterator[Any]:
        return self.client.get_incidents(page_size=page_size)

    def touch(self, incident: Any) -> int:
        source = incident.source
        total = incident.pk + incident.level + source.pk + source.user
        total += len(source.name) + len(source.type) + len(source.base_url)
        total += incident.start_time.minute + (incident.end_time is self.models.STATELESS)
        total += len(incident.source_incident_id) + len(incident.details_url)
        total += len(incident.description) + len(incident.ticket_url)
        for key, value in incident.tags.allitems():
            total += len(key) + len(value)
        total += incident.stateful + incident.open + incident.acked + len(incident.metadata)
        return total

    def post(self, i: int, tag: str) -> Any:
        incident = self.models.Incident(**new_incident_fields(i, tag))
        return self.client.post_incident(incident)

    def resolve(self, pk: int) -> Any:
        return self.client.resolve_incident(pk)

    def sessions(self) -> list[Any]:
        return [self.client.api.transport.session]

    def close(self) -> None:
        self.client.close()


def impl_class(name: str) -> type[Impl]:
    return {"raw": Raw, "pyargus": PyArgus}[name]


def connections_opened(sessions: list[Any]) -> int:
    """New connections made by the urllib3 pools of *sessions* (client-side count)."""
    total = 0
    for session in sessions:
        for adapter in session.adapters.values():
            manager = getattr(adapter, "poolmanager", None)
            if manager is None:
                continue
            pools = manager.pools  # a urllib3 RecentlyUsedContainer
            for key in list(pools.keys()):
                total += pools[key].num_connections
    return total


def _setup_resolve(api_root_url: str, token: str, n: int, real: bool, tag: str) -> list[int]:
    """The pks to resolve: fake ones, or *n* incidents created (untimed) on a real server."""
    if not real:
        return [1000 + i for i in range(n)]
    from rawclient import RawClient

    maker = Raw.__new__(Raw)
    import rawclient

    maker.mod = rawclient
    maker.client = RawClient(api_root_url, token)
    try:
        return [maker.post(i, f"{tag}-resolve").pk for i in range(n)]
    finally:
        maker.close()


def run(
    impl_name: str,
    workload: str,
    api_root_url: str,
    token: str,
    n: int,
    page_size: int | None,
    real: bool = False,
    profile: str | None = None,
) -> dict[str, Any]:
    """Run one workload and measure it; the result is JSON-able."""
    tag = f"bench-{uuid.uuid4().hex[:12]}"
    pks = _setup_resolve(api_root_url, token, n, real, tag) if workload == "resolve" else []
    impl = impl_class(impl_name)(api_root_url, token)
    work = _workload(impl, workload, n, page_size, pks, tag)
    gc.collect()
    rss_before = _rss_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    wall0, cpu0 = time.perf_counter(), _cpu()
    items, extra = work()
    cpu1, wall1 = _cpu(), time.perf_counter()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "impl": impl_name,
        "workload": workload,
        "n": n,
        "page_size": page_size,
        "items": items,
        "cpu_s": cpu1 - cpu0,
        "wall_s": wall1 - wall0,
        "peak_rss_mb": peak,
        "rss_growth_mb": max(0.0, peak - rss_before),
        "client_connections": connections_opened(impl.sessions()),
        "python": sys.version.split()[0],
        **extra,
    }
    impl.close()
    return result


def _workload(
    impl: Impl, workload: str, n: int, page_size: int | None, pks: list[int], tag: str
) -> Callable[[], tuple[int, dict[str, Any]]]:
    if workload == "list":

        def work() -> tuple[int, dict[str, Any]]:
            touch = impl.touch
            kept = [incident for incident in islice(impl.list(page_size), n)]
            checksum = sum(touch(incident) for incident in kept)
            return len(kept), {"checksum": checksum}

    elif workload == "stream":

        def work() -> tuple[int, dict[str, Any]]:
            touch = impl.touch
            count = checksum = 0
            for incident in islice(impl.list(page_size), n):
                checksum += touch(incident)
                count += 1
            return count, {"checksum": checksum}

    elif workload == "post":

        def work() -> tuple[int, dict[str, Any]]:
            post = impl.post
            for i in range(n):
                post(i, tag)
            return n, {}

    elif workload == "resolve":

        def work() -> tuple[int, dict[str, Any]]:
            resolve = impl.resolve
            for pk in pks:
                resolve(pk)
            return len(pks), {}

    elif workload == "first":

        def work() -> tuple[int, dict[str, Any]]:
            started = time.perf_counter()
            listing = impl.list(None)
            first = next(listing)
            elapsed = time.perf_counter() - started
            impl.touch(first)
            return 1, {"first_item_s": elapsed}

    else:
        raise ValueError(f"unknown workload {workload!r}")
    return work


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run one benchmark workload (a child process).")
    parser.add_argument("impl", choices=IMPLS)
    parser.add_argument("workload", choices=WORKLOADS)
    parser.add_argument("api_root_url")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=None)
    parser.add_argument("--real", action="store_true", help="a live Argus (creates incidents)")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile stats of the workload")
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_ENV, "bench-token")
    result = run(
        args.impl,
        args.workload,
        args.api_root_url,
        token,
        args.n,
        args.page_size,
        real=args.real,
        profile=args.profile,
    )
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
