"""Start-up time of the ``argus`` command, against a bare ``python -c pass``.

``python bench/cli_startup.py [--rounds 20] [--json FILE]`` runs each
command once per round, in a new order every round (interleaved, so that a
busy machine slows them all alike), and prints the median wall time of
each, the ratio of ``argus --version`` to the bare interpreter, and the
target of issue 14: ``argus --version`` at most 1.5 x ``python -c pass``
+ 50 ms. ``import pyargus.client`` (the HTTP stack) is measured for
comparison: that is what ``--version`` and ``--help`` do not load.

The console script is the ``argus`` next to the interpreter (the one
``pip install`` made); ``python -m pyargus`` runs this checkout's package.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path


def commands(python: str) -> dict[str, list[str]]:
    script = Path(python).with_name("argus")
    result = {
        "python -c pass": [python, "-c", "pass"],
        "python -m pyargus --version": [python, "-m", "pyargus", "--version"],
        "import pyargus.client": [python, "-c", "import pyargus.client"],
    }
    if script.exists():
        result["argus --version"] = [str(script), "--version"]
        result["argus --help"] = [str(script), "--help"]
    return result


def measure(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--json", metavar="FILE", help="also write the results here")
    args = parser.parse_args()
    cmds = commands(args.python)
    times: dict[str, list[float]] = {name: [] for name in cmds}
    for name, argv in cmds.items():  # warm the file cache
        measure(argv)
        del name
    rng = random.Random(14)
    for _ in range(args.rounds):
        order = list(cmds)
        rng.shuffle(order)
        for name in order:
            times[name].append(measure(cmds[name]))
    medians = {name: statistics.median(values) for name, values in times.items()}
    base = medians["python -c pass"]
    version = medians.get("argus --version", medians["python -m pyargus --version"])
    target = 1.5 * base + 0.050
    for name, value in medians.items():
        print(f"{name:30} {value * 1000:7.1f} ms  ({value / base:.2f} x python -c pass)")
    verdict = "met" if version <= target else "NOT met"
    print(
        f"target: argus --version <= 1.5 x {base * 1000:.1f} ms + 50 ms = {target * 1000:.1f} ms:"
        f" {version * 1000:.1f} ms, ratio {version / base:.2f}: {verdict}"
    )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "rounds": args.rounds,
                    "python": sys.version.split()[0],
                    "median_s": medians,
                    "ratio": version / base,
                    "target_s": target,
                    "met": version <= target,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
