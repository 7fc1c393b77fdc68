"""``python -m pyargus.testing``: run a throwaway Argus server until Ctrl-C.

Prints ``export`` lines for the ``PYARGUS_TEST_*`` variables, so that other
test runs (or a shell) can use the server::

    python -m pyargus.testing > /tmp/argus.env &
    . /tmp/argus.env; pytest
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import time

from .defaults import DEFAULT_ARGUS_VERSION, DEFAULT_TIME_ZONE, ENV_API_URL
from .external import ENV_TOKENS
from .server import ArgusServer


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pyargus.testing",
        description="Run a throwaway Argus server on 127.0.0.1 until interrupted.",
    )
    parser.add_argument("--argus-version", default=DEFAULT_ARGUS_VERSION)
    parser.add_argument("--time-zone", default=DEFAULT_TIME_ZONE)
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--postgres", choices=("auto", "system", "embedded"), default="auto")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = ArgusServer(
        args.argus_version,
        time_zone=args.time_zone,
        cache_dir=args.cache_dir,
        postgres=args.postgres,
    )
    with server:
        info = server.info
        print(f"export {ENV_API_URL}={info.api_url}")
        for role, variable in ENV_TOKENS.items():
            print(f"export {variable}={info.token(role)}")
        print(f"# started in {server.timings['total']:.1f} s; Ctrl-C stops it", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(3600)


if __name__ == "__main__":
    main()
