"""Import + construct time, measured in a fresh interpreter (a child process).

``python bench/importtime.py raw|pyargus`` prints one JSON object with the
wall and CPU time of

* ``raw``: ``import requests`` and ``requests.Session()``;
* ``pyargus``: ``import pyargus.client`` and ``Client(...)``.

Only ``sys``, ``time`` and ``resource`` are imported before the clock starts.
"""

import resource
import sys
import time


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    impl = sys.argv[1]
    modules_before = len(sys.modules)
    wall0, cpu0 = time.perf_counter(), _cpu()
    if impl == "raw":
        import requests

        client = requests.Session()
    elif impl == "pyargus":
        import pyargus.client

        client = pyargus.client.Client("http://127.0.0.1:9/api/v2/", "bench-token")
    else:
        raise SystemExit(f"unknown implementation {impl!r}")
    cpu1, wall1 = _cpu(), time.perf_counter()
    modules = len(sys.modules) - modules_before
    client.close()
    import json

    print(
        json.dumps(
            {
                "impl": impl,
                "workload": "import",
                "cpu_s": cpu1 - cpu0,
                "wall_s": wall1 - wall0,
                "modules": modules,
                "python": sys.version.split()[0],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
