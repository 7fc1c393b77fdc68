"""pyargus benchmark: client cost of pyargus vs. raw requests + json + dataclasses.

``python bench/run.py`` starts the fake Argus (:mod:`fakeargus`) in its own
process, then runs every workload once per implementation per round, each
run in a fresh child process (:mod:`workloads`, :mod:`importtime`), with
the two implementations interleaved (their order alternates by round).
It prints a Markdown report: medians over the rounds of client CPU time
(user + sys of the child during the workload), wall time, peak RSS and its
growth, TCP connections opened, and the pyargus/raw CPU ratio per round
(median and min-max).

``--quick`` runs small sizes once (a smoke test); ``--real URL`` runs
against a live Argus API root with smaller sizes (token in
``ARGUS_BENCH_TOKEN``; it creates and resolves incidents!); ``--profile
WORKLOAD`` prints the cProfile of one pyargus run instead.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from workloads import TOKEN_ENV  # noqa: E402

IMPLS = ("raw", "pyargus")


@dataclass(frozen=True)
class Case:
    """One benchmarked workload: what to run and on which listing."""

    name: str
    workload: str
    n: int
    page_size: int | None = None
    listing: int = 0  # incidents in the listing (fake server); 0 = n
    per_request: bool = False  # report CPU per request too

    @property
    def dataset(self) -> int:
        return self.listing or self.n


FULL = (
    Case("list 20k, ps 100", "list", 20_000, 100),
    Case("list 20k, ps 1000", "list", 20_000, 1000),
    Case("post 2000", "post", 2000, per_request=True),
    Case("resolve 2000", "resolve", 2000, per_request=True),
    Case("stream 100k, ps 100", "stream", 100_000, 100),
    Case("stream 100k, ps 1000", "stream", 100_000, 1000),
    Case("first item of 100k", "first", 1, listing=100_000),
)
QUICK = (
    Case("list 300, ps 100", "list", 300, 100),
    Case("list 2000, ps 1000", "list", 2000, 1000),
    Case("post 30", "post", 30, per_request=True),
    Case("resolve 30", "resolve", 30, per_request=True),
    Case("stream 3000, ps 100", "stream", 3000, 100),
    Case("first item of 3000", "first", 1, listing=3000),
)
REAL = (
    Case("list 1000, ps 100", "list", 1000, 100),
    Case("list 2000, ps 1000", "list", 2000, 1000),
    Case("post 50", "post", 50, per_request=True),
    Case("resolve 50", "resolve", 50, per_request=True),
    Case("stream 5000, ps 100", "stream", 5000, 100),
    Case("first item", "first", 1),
)


class Server:
    """The fake Argus in a child process, and its connection counters."""

    def __init__(self, python: str, cases: tuple[Case, ...]) -> None:
        prerender = sorted(
            {f"{c.dataset}:{c.page_size}" for c in cases if c.workload in ("list", "stream")}
        )
        max_size = max(c.dataset for c in cases)
        self.process = subprocess.Popen(
            [
                python,
                str(HERE / "fakeargus.py"),
                "--max-size",
                str(max_size),
                "--prerender",
                ",".join(prerender),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if not line or line[0] != "READY":
            self.process.kill()
            raise RuntimeError("the fake Argus did not start")
        self.port, self.control_port = int(line[1]), int(line[2])

    def api_root(self, case: Case) -> str:
        return f"http://127.0.0.1:{self.port}/ds/{case.dataset}/api/v2/"

    def stats(self) -> dict[str, int]:
        url = f"http://127.0.0.1:{self.control_port}/stats"
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@contextmanager
def fake_server(python: str, cases: tuple[Case, ...]) -> Iterator[Server]:
    server = Server(python, cases)
    try:
        yield server
    finally:
        server.close()


#: Environment variables the children get unless --inherit-env is given. requests
#: scans the whole environment (for proxy settings) twice per request, so the
#: environment's size is part of the client cost: a small, fixed one makes runs
#: comparable across machines. It is also the conservative choice: pyargus reads
#: those settings once per change (pyargus._session), raw pays the scans each time.
MINIMAL_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
INHERIT_ENV = False


def _child_env() -> dict[str, str]:
    if INHERIT_ENV:
        env = dict(os.environ)
    else:
        env = {name: os.environ[name] for name in MINIMAL_ENV if name in os.environ}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env[TOKEN_ENV] = os.environ.get(TOKEN_ENV, "bench-token")
    return env


def _run_child(python: str, args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [python, *args], capture_output=True, text=True, env=_child_env(), check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_case(
    python: str, impl: str, case: Case, api_root: str, server: Server | None, real: bool
) -> dict[str, Any]:
    """One child run of *case* with *impl*, with the server's counts if it is ours."""
    args = [str(HERE / "workloads.py"), impl, case.workload, api_root, "--n", str(case.n)]
    if case.page_size is not None:
        args += ["--page-size", str(case.page_size)]
    if real:
        args.append("--real")
    before = server.stats() if server else None
    result = _run_child(python, args)
    if server and before:
        after = server.stats()
        result["connections"] = after["connections"] - before["connections"]
        result["requests"] = after["requests"] - before["requests"]
    else:
        result["connections"] = result["client_connections"]
        result["requests"] = None
    result["case"] = case.name
    return result


def run_import(python: str, impl: str) -> dict[str, Any]:
    result = _run_child(python, [str(HERE / "importtime.py"), impl])
    result["case"] = "import + construct"
    return result


def run_all(
    python: str,
    cases: tuple[Case, ...],
    rounds: int,
    real_url: str | None,
    log: Any = sys.stderr,
) -> list[dict[str, Any]]:
    """Every case and the import check, for both implementations, over *rounds*."""
    results: list[dict[str, Any]] = []

    def one_round(round_: int, server: Server | None) -> None:
        order = IMPLS if round_ % 2 == 0 else IMPLS[::-1]
        for case in cases:
            root = server.api_root(case) if server else str(real_url)
            for impl in order:
                result = run_case(python, impl, case, root, server, real_url is not None)
                result["round"] = round_
                results.append(result)
                print(
                    f"round {round_ + 1}/{rounds} {case.name:<22} {impl:<8} "
                    f"cpu {result['cpu_s']:.3f} s  wall {result['wall_s']:.3f} s",
                    file=log,
                    flush=True,
                )
        for impl in order:
            result = run_import(python, impl)
            result["round"] = round_
            results.append(result)

    if real_url:
        for round_ in range(rounds):
            one_round(round_, None)
    else:
        with fake_server(python, cases) as server:
            for round_ in range(rounds):
                one_round(round_, server)
    return results


def seed_real(api_root: str, cases: tuple[Case, ...], log: Any = sys.stderr) -> int:
    """Post incidents (untimed) until a real server's listing holds what *cases* list."""
    import json as json_
    from datetime import datetime, timedelta, timezone

    from rawclient import RawClient, RawIncident

    wanted = max((c.dataset for c in cases if c.workload in ("list", "stream")), default=0)
    client = RawClient(api_root, os.environ[TOKEN_ENV])
    try:
        response = client.session.get(client.root + "incidents/?count=1", timeout=30)
        response.raise_for_status()
        have = json_.loads(response.content)["count"]
        start = datetime.now(timezone.utc)
        for i in range(have, wanted):
            incident = RawIncident(
                # distinct times: Argus' cursor cannot page past 1000 equal start_times
                start_time=start - timedelta(seconds=i),
                source_incident_id=f"bench-seed-{start:%Y%m%d%H%M%S}-{i}",
                description=f"pyargus bench seed incident {i}",
                tags=[("host", f"sw-{i % 97}.example.org"), ("bench", "seed")],
                metadata={"seed": i},
            )
            client.post_incident(incident)
            if i % 500 == 0:
                print(f"seeding: {i}/{wanted} incidents", file=log, flush=True)
        return max(have, wanted)
    finally:
        client.close()


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(results: list[dict[str, Any]], cases: tuple[Case, ...]) -> list[dict[str, Any]]:
    """Per case: medians per implementation and the per-round CPU ratios."""
    rows = []
    names = [c.name for c in cases] + ["import + construct"]
    per_request = {c.name: c.n for c in cases if c.per_request}
    expected = {c.name: c.n for c in cases}
    for name in names:
        by_impl = {
            impl: [r for r in results if r["case"] == name and r["impl"] == impl] for impl in IMPLS
        }
        if not all(by_impl.values()):
            continue
        raw_by_round = {r["round"]: r for r in by_impl["raw"]}
        ratios = [
            r["cpu_s"] / raw_by_round[r["round"]]["cpu_s"]
            for r in by_impl["pyargus"]
            if r["round"] in raw_by_round and raw_by_round[r["round"]]["cpu_s"] > 0
        ]
        row: dict[str, Any] = {"case": name, "rounds": len(ratios)}
        items = [r["items"] for r in by_impl["raw"] if "items" in r]
        row["items"] = _median(items) if items else None
        row["expected_items"] = expected.get(name)
        for impl, runs in by_impl.items():
            stats = {
                key: _median([r[key] for r in runs if r.get(key) is not None])
                for key in (
                    "cpu_s",
                    "wall_s",
                    "peak_rss_mb",
                    "rss_growth_mb",
                    "connections",
                    "requests",
                    "first_item_s",
                    "modules",
                )
            }
            if name in per_request:
                stats["cpu_per_request_us"] = stats["cpu_s"] / per_request[name] * 1e6
            row[impl] = stats
        row["ratio_median"] = _median(ratios)
        row["ratio_min"] = min(ratios) if ratios else float("nan")
        row["ratio_max"] = max(ratios) if ratios else float("nan")
        rows.append(row)
    return rows


def _fmt(value: float | None, unit: str = "", digits: int = 3) -> str:
    if value is None or value != value:  # None or NaN
        return "-"
    return f"{value:.{digits}f}{unit}"


def _machine() -> str:
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def _versions(python: str) -> str:
    code = (
        "import importlib.metadata as m, sys;"
        "print(sys.version.split()[0], *(f'{p} {m.version(p)}' for p in "
        "('uplink', 'marshmallow', 'requests', 'urllib3')), sep=', ')"
    )
    done = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, env=_child_env(), check=False
    )
    return done.stdout.strip() or "unknown"


def report(rows: list[dict[str, Any]], python: str, rounds: int, mode: str) -> str:
    """The Markdown report of :func:`summarize`'s rows."""
    lines = [
        f"- date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
        f"- machine: {_machine()}",
        f"- Python: {_versions(python)}",
        f"- environment of the client processes: {len(_child_env())} variables"
        + (" (inherited)" if INHERIT_ENV else " (minimal)"),
        f"- mode: {mode}; rounds: {rounds}; medians over rounds; ratio = pyargus / raw "
        "client CPU in the same round (median, min-max)",
        "",
        "| workload | raw CPU | pyargus CPU | ratio (min-max) | raw wall | pyargus wall "
        "| peak RSS raw / pyargus | RSS growth raw / pyargus | TCP conns raw / pyargus "
        "| requests raw / pyargus |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        raw, py = row["raw"], row["pyargus"]
        cpu_raw, cpu_py = _fmt(raw["cpu_s"], " s"), _fmt(py["cpu_s"], " s")
        if "cpu_per_request_us" in raw:
            cpu_raw += f" ({raw['cpu_per_request_us']:.0f} µs/req)"
            cpu_py += f" ({py['cpu_per_request_us']:.0f} µs/req)"
        wall_raw, wall_py = _fmt(raw["wall_s"], " s"), _fmt(py["wall_s"], " s")
        name = row["case"]
        if row.get("items") is not None and row.get("expected_items") not in (None, row["items"]):
            name += f" (got {row['items']:.0f})"
        if raw.get("first_item_s") == raw.get("first_item_s") and "first_item_s" in raw:
            wall_raw = f"{_fmt(raw['first_item_s'] * 1e3, ' ms', 1)} to 1st"
            wall_py = f"{_fmt(py['first_item_s'] * 1e3, ' ms', 1)} to 1st"
        ratio = f"**{row['ratio_median']:.2f}x** ({row['ratio_min']:.2f}-{row['ratio_max']:.2f})"
        lines.append(
            f"| {name} | {cpu_raw} | {cpu_py} | {ratio} | {wall_raw} | {wall_py} "
            f"| {_fmt(raw['peak_rss_mb'], '', 1)} / {_fmt(py['peak_rss_mb'], ' MB', 1)} "
            f"| {_fmt(raw['rss_growth_mb'], '', 1)} / {_fmt(py['rss_growth_mb'], ' MB', 1)} "
            f"| {_fmt(raw['connections'], '', 0)} / {_fmt(py['connections'], '', 0)} "
            f"| {_fmt(raw['requests'], '', 0)} / {_fmt(py['requests'], '', 0)} |"
        )
    return "\n".join(lines)


def profile(python: str, case: Case, impl: str, top: int) -> str:
    """The cProfile of one run of *case* (against the fake server), top functions."""
    with fake_server(python, (case,)) as server, tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "profile.out")
        args = [str(HERE / "workloads.py"), impl, case.workload, server.api_root(case)]
        args += ["--n", str(case.n), "--profile", out]
        if case.page_size is not None:
            args += ["--page-size", str(case.page_size)]
        _run_child(python, args)
        stream = io.StringIO()
        stats = pstats.Stats(out, stream=stream)
        print(by_package(stats), file=stream)
        stats.strip_dirs().sort_stats("tottime").print_stats(top)
        return stream.getvalue()


#: Where a profiled function's own time is counted, by the path of its file.
_PACKAGES = (
    ("pyargus generated loaders", "<FastSchema"),
    ("pyargus", "/pyargus/"),
    ("uplink", "/uplink/"),
    ("marshmallow", "/marshmallow/"),
    ("requests", "/requests/"),
    ("urllib3", "/urllib3/"),
    ("http.client + email (headers)", "/http/"),
    ("http.client + email (headers)", "/email/"),
    ("json", "/json/"),
    ("bench workload (touching fields)", "/bench/"),
    ("socket / ssl", "/socket.py"),
)


def by_package(stats: pstats.Stats) -> str:
    """The profile's own time (tottime) per package, largest first."""
    totals: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        group = next((g for g, marker in _PACKAGES if marker in filename), None)
        if group is None:
            group = "json (C decoder)" if "raw_decode" in name else "other (builtins, stdlib)"
        totals[group] = totals.get(group, 0.0) + tottime
    whole = sum(totals.values()) or 1.0
    lines = ["own time by package (cProfile, so calls weigh more than in reality):"]
    for group, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        lines.append(f"  {seconds / whole:6.1%}  {group}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=None, help="default 5 (1 with --quick)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run")
    parser.add_argument("--real", metavar="URL", help=f"a live API root; token in ${TOKEN_ENV}")
    parser.add_argument(
        "--seed",
        action="store_true",
        help="with --real: first post incidents until the listing holds enough (untimed)",
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter for the children")
    parser.add_argument("--only", nargs="*", metavar="WORKLOAD", help="only these workloads")
    parser.add_argument("--json", metavar="FILE", help="also write every run and the summary")
    parser.add_argument(
        "--profile", metavar="WORKLOAD", help="cProfile one run (a workload or a case's name)"
    )
    parser.add_argument("--impl", default="pyargus", choices=IMPLS, help="for --profile")
    parser.add_argument("--top", type=int, default=30, help="rows of --profile output")
    parser.add_argument(
        "--inherit-env",
        action="store_true",
        help="children get this environment, not a minimal one",
    )
    args = parser.parse_args(argv)
    global INHERIT_ENV
    INHERIT_ENV = args.inherit_env

    if args.real and not os.environ.get(TOKEN_ENV):
        parser.error(f"--real needs the API token in ${TOKEN_ENV}")
    cases = REAL if args.real else QUICK if args.quick else FULL
    if args.only:
        cases = tuple(c for c in cases if c.workload in args.only)
    if args.profile:
        matching = [c for c in cases if args.profile in (c.workload, c.name)]
        if not matching:
            parser.error(f"no workload {args.profile!r}")
        print(profile(args.python, matching[0], args.impl, args.top))
        return 0
    rounds = args.rounds or (1 if args.quick else 5)
    mode = f"real ({args.real})" if args.real else "quick" if args.quick else "full"

    if args.real and args.seed:
        seed_real(args.real, cases)
    results = run_all(args.python, cases, rounds, args.real)
    rows = summarize(results, cases)
    print(report(rows, args.python, rounds, mode))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {"mode": mode, "rounds": rounds, "runs": results, "summary": rows}, out, indent=1
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
