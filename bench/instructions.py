"""Client cost in CPU instructions (valgrind), whatever else the machine is doing.

``python bench/instructions.py`` runs the workloads of :mod:`workloads`
against the fake Argus (:mod:`fakeargus`) under ``valgrind --tool=callgrind``
and prints, per workload, the instructions per item of the raw client and
of pyargus and their ratio. Timings on a shared or loaded machine drift;
instruction counts of the same interpreter, code and input do not (the
counts of two runs differ by well under 1 %), so this is the check to run
where :mod:`run` cannot get a quiet machine.

Every run is a fresh child process, so a count includes start-up, imports and
client construction. Each workload therefore runs at two sizes, and the
*marginal* cost ``(count(n2) - count(n1)) / (n2 - n1)`` is what is reported:
the cost of one more incident listed, posted or resolved. ``import`` counts a
whole child: ``import pyargus.client`` + ``Client(...)`` against
``import requests`` + ``requests.Session()``, minus an empty interpreter.

Needs ``valgrind`` on ``PATH``. Under valgrind a run is ~50 times slower, so
the sizes are small (about 2 minutes in all on 2 cores).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import IMPLS, Case, _child_env, fake_server  # noqa: E402


@dataclass(frozen=True)
class Pair:
    """One workload at two sizes: the marginal cost is the difference per item."""

    name: str
    small: Case
    large: Case

    @property
    def items(self) -> int:
        return self.large.n - self.small.n


def _pair(name: str, workload: str, n1: int, n2: int, page_size: int | None = None) -> Pair:
    return Pair(name, Case(name, workload, n1, page_size), Case(name, workload, n2, page_size))


PAIRS = (
    _pair("list, ps 100", "list", 1000, 3000, 100),
    _pair("list, ps 1000", "list", 1000, 3000, 1000),
    _pair("post", "post", 50, 150),
    _pair("resolve", "resolve", 50, 150),
)

_COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")


def count(python: str, args: list[str]) -> int:
    """Instructions executed by ``python *args`` (callgrind's total)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", python, *args],
        capture_output=True,
        text=True,
        env=_child_env(),
        check=False,
    )
    match = _COLLECTED.search(done.stderr)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"{' '.join(args[:3])} failed under valgrind:\n{done.stderr[-2000:]}")
    return int(match.group(1))


def _workload_args(impl: str, case: Case, api_root: str) -> list[str]:
    args = [str(HERE / "workloads.py"), impl, case.workload, api_root, "--n", str(case.n)]
    if case.page_size is not None:
        args += ["--page-size", str(case.page_size)]
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter for the children")
    parser.add_argument("--only", nargs="*", metavar="WORKLOAD", help="list, post, resolve, import")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not on PATH")
    only = set(args.only or ())
    pairs = [p for p in PAIRS if not only or p.small.workload in only]
    subprocess.run(
        [args.python, "-m", "compileall", "-q", str(HERE.parent / "pyargus")], check=True
    )

    print("| workload | raw instructions/item | pyargus instructions/item | ratio |")
    print("|---|---:|---:|---:|")
    with fake_server(args.python, tuple(c for p in pairs for c in (p.small, p.large))) as server:
        for pair in pairs:
            per_item = {}
            for impl in IMPLS:
                small = count(
                    args.python, _workload_args(impl, pair.small, server.api_root(pair.small))
                )
                large = count(
                    args.python, _workload_args(impl, pair.large, server.api_root(pair.large))
                )
                per_item[impl] = (large - small) / pair.items
            raw, ours = per_item["raw"], per_item["pyargus"]
            print(f"| {pair.name} | {raw:,.0f} | {ours:,.0f} | {ours / raw:.2f}x |", flush=True)
    if not only or "import" in only:
        empty = count(args.python, ["-c", "pass"])
        imports = {
            impl: count(args.python, [str(HERE / "importtime.py"), impl]) - empty for impl in IMPLS
        }
        raw, ours = imports["raw"], imports["pyargus"]
        print(f"| import + construct | {raw:,.0f} | {ours:,.0f} | {ours / raw:.2f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
