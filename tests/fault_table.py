"""The fault table: what each fault does to a call with the default retry policy.

Run from the top of the repository::

    python -m tests.fault_table > faults.md
    python -m tests.fault_table --async > faults-async.md   # the same, with AsyncClient
    python -m tests.fault_table --rst    # the table of docs/async.rst, from ROWS

:data:`ROWS` is the table as data: each :class:`Row` names a fault, the
place that serves it (a :class:`~tests.faults.FaultServer` on 127.0.0.1, a
refused or full port, a TLS server), a call, and what must come of it (the
exception class and the requests the server read). :func:`measure` runs one
row against :class:`~pyargus.client.Client` or
:class:`~pyargus.async_client.AsyncClient`; ``tests/test_fault_table.py``
runs every row against both clients and compares them.

This script uses the default retry policy (3 attempts, 0.5 s doubling
backoff, really slept) and the default 10 s timeout, except for the timeout
rows, which use 1 s so as not to take 30 s. It prints a Markdown table:
fault, call, outcome, retryable, attempts (as the client counts them, and
requests the server read), and the time taken.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

from pyargus.client import Client
from pyargus.models import Incident

from .conftest import TOKEN
from .faults import (
    Action,
    Delay,
    Drop,
    DropBeforeRequest,
    FaultServer,
    FullBacklog,
    Raw,
    RefusedPort,
    Reply,
    Reset,
    Truncated,
    html_page,
)
from .wire import incident_json

START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
OK = Reply(200, json=incident_json())
PATH = "/api/v2/incidents/1/"


def get(client: Any) -> Any:
    return client.get_incident(1)


def post(client: Any) -> Any:
    return client.post_incident(Incident(start_time=START, source_incident_id="x"))


def bad_metadata(client: Any) -> Any:
    return client.post_incident(Incident(start_time=START, metadata={"at": START}))


@dataclass
class Place:
    """Where a row's client connects: its URL, the requests read there, client options."""

    url: str
    count: Callable[[], int] | None = None  # None: nothing there reads requests
    other: Callable[[], int] | None = None  # connections to a redirect's target
    options: dict[str, Any] = field(default_factory=dict)


def served(*actions: Action) -> Callable[[], Any]:
    """A FaultServer that runs *actions* in turn, the last one for every later request."""

    @contextmanager
    def place() -> Iterator[Place]:
        with FaultServer(actions[-1]) as server:
            server.script(*actions[:-1])
            yield Place(server.url, server.count)

    return place


@contextmanager
def refused() -> Iterator[Place]:
    with RefusedPort() as port:
        yield Place(port.url)


@contextmanager
def full_backlog() -> Iterator[Place]:
    with FullBacklog() as full:
        yield Place(full.url)


def redirect(status: int) -> Callable[[], Any]:
    """A server answering *status* with a Location on another port (whose connections count)."""

    @contextmanager
    def place() -> Iterator[Place]:
        with FaultServer(OK) as other:
            to = Reply(status, headers={"Location": other.url + PATH})
            with FaultServer(to) as server:
                yield Place(server.url, server.count, lambda: other.connections)

    return place


@lru_cache(maxsize=1)
def certificate() -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and its key (made once per process by openssl)."""
    folder = Path(tempfile.mkdtemp(prefix="pyargus-fault-tls-"))
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(shutil.which("openssl") or "openssl", "req", "-x509", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=pyargus test"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return str(cert), str(key)


def tls(verify: bool | str) -> Callable[[], Any]:
    """An HTTPS server with the self-signed certificate; ``verify="ca"``: trust its file."""

    @contextmanager
    def place() -> Iterator[Place]:
        cert, key = certificate()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        options = {} if verify is True else {"verify": cert if verify == "ca" else False}
        with FaultServer(Reply(201, json=incident_json()), tls=context) as server:
            yield Place(server.url, server.count, options=options)

    return place


@dataclass
class Row:
    """One fault: where it is served, the call, and what must come of it.

    :param raises: the exception class name, or ``"ok"``.
    :param seen: the requests the server reads (``None`` where nothing reads them).
    :param short: a timeout row (the client's timeout is short).
    :param racy: the fault reads as a close or a reset, as the timing falls
        (a server closing a socket with unread data sends a reset).
    """

    fault: str
    place: Callable[[], Any]
    call: Callable[[Any], Any]
    raises: str
    seen: int | None
    short: bool = False
    racy: bool = False

    @property
    def id(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", f"{self.fault} {self.call.__name__}".lower()).strip("-")


E, T, D = "ClientConnectionError", "ClientTimeoutError", "DecodeError"
ROWS = [
    Row("connection refused", refused, get, E, None),
    Row("connection refused", refused, post, E, None),
    Row("connect timeout", full_backlog, get, T, None, short=True),
    Row("connect timeout", full_backlog, post, T, None, short=True),
    Row("closed before the request was read", served(DropBeforeRequest()), get, E, 0, racy=True),
    Row("closed before the request was read", served(DropBeforeRequest()), post, E, 0, racy=True),
    Row("closed after the request was read", served(Drop()), get, E, 3),
    Row("closed after the request was read", served(Drop()), post, E, 1),
    Row("reset after the request was read", served(Reset()), get, E, 3),
    Row("reset after the request was read", served(Reset()), post, E, 1),
    Row("answer 5 s late, read timeout", served(Delay(5)), get, T, 3, short=True),
    Row("answer 5 s late, read timeout", served(Delay(5)), post, T, 1, short=True),
    Row("body shorter than its Content-Length", served(Truncated()), get, E, 3),
    Row("garbage instead of a status line", served(Raw(b"garbage\r\n\r\n")), get, E, 3),
    Row("200 with an empty body", served(Reply(200)), get, D, 1),
    Row("200 with a proxy's HTML login page", served(html_page(200, "Sign in")), get, D, 1),
    Row(
        "200 with invalid JSON",
        served(Reply(200, b"{'pk': 1}", {"Content-Type": "application/json"})),
        get,
        D,
        1,
    ),
    Row(
        "200, JSON cut short (no length)",
        served(Raw(b"HTTP/1.1 200 OK\r\n\r\n" + b'{"pk": 1, "st')),
        get,
        D,
        1,
    ),
    Row("200 with JSON of the wrong shape", served(Reply(200, json={"pk": "one"})), get, D, 1),
    Row("500 HTML page", served(html_page(500, "Server Error (500)")), get, "ServerError", 1),
    Row("404 HTML page (wrong URL)", served(html_page(404, "Not Found")), get, "NotFoundError", 1),
    Row(
        "401 invalid token",
        served(Reply(401, json={"detail": "Invalid token."})),
        get,
        "AuthError",
        1,
    ),
    Row("504 from a proxy", served(html_page(504, "504 Gateway Time-out")), get, "ServerError", 3),
    Row(
        "429, Retry-After: 1",
        served(Reply(429, headers={"Retry-After": "1"})),
        get,
        "RateLimitError",
        3,
    ),
    Row(
        "429, Retry-After: 3600",
        served(Reply(429, headers={"Retry-After": "3600"})),
        get,
        "RateLimitError",
        1,
    ),
    Row("503, 503, then 200", served(Reply(503), Reply(503), OK), get, "ok", 3),
    Row("reset, closed, then 200", served(Reset(), Drop(), OK), get, "ok", 3),
    Row(
        "502 HTML page from a proxy",
        served(html_page(502, "502 Bad Gateway")),
        get,
        "ServerError",
        3,
    ),
    Row(
        "502 HTML page from a proxy",
        served(html_page(502, "502 Bad Gateway")),
        post,
        "ServerError",
        1,
    ),
    Row(
        "503, Retry-After: 1",
        served(Reply(503, headers={"Retry-After": "1"})),
        get,
        "ServerError",
        3,
    ),
    Row(
        "503, Retry-After: 1",
        served(Reply(503, headers={"Retry-After": "1"})),
        post,
        "ServerError",
        1,
    ),
    Row("302 to another port", redirect(302), get, "UnexpectedRedirectError", 1),
    Row("307 to another port", redirect(307), post, "UnexpectedRedirectError", 1),
    Row("metadata with a datetime in it", served(OK), bad_metadata, "InvalidArgumentError", 0),
    Row("TLS, self-signed, verify=True", tls(True), get, E, 0),
    Row("TLS, self-signed, verify=True", tls(True), post, E, 0),
    Row("TLS, self-signed, verify=CA file", tls("ca"), post, "ok", 1),
    Row("TLS, verify=False", tls(False), post, "ok", 1),
]


@dataclass
class Outcome:
    """What came of one row with one client."""

    raises: str
    message: str
    retryable: bool | None
    attempts: int | None
    seen: int | None
    other: int | None
    elapsed: float
    error: BaseException | None = None


_PORT = re.compile(r"127\.0\.0\.1:\d+")


def measure(
    row: Row,
    use_async: bool = False,
    *,
    short: float = 1.0,
    sleep: Callable[[float], None] | None = None,
    **options: Any,
) -> Outcome:
    """Run *row* against a fresh Client (or AsyncClient); *sleep* replaces the retry waits."""
    with row.place() as where:
        kwargs = {**where.options, **options}
        if row.short:
            kwargs["timeout"] = short
        url = where.url + "/api/v2/"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (verify=False warns)
            if use_async:
                error, elapsed = asyncio.run(_arun(url, row.call, sleep, kwargs))
            else:
                error, elapsed = _run(url, row.call, sleep, kwargs)
        if error is None:
            raises, message, retryable, attempts = "ok", "", None, None
        else:
            raises, message = type(error).__name__, _PORT.sub("127.0.0.1:PORT", str(error))
            retryable = getattr(error, "retryable", None)
            attempts = getattr(error, "attempts", None)
        return Outcome(
            raises,
            message,
            retryable,
            attempts,
            where.count() if where.count else None,
            where.other() if where.other else None,
            elapsed,
            error,
        )


def _run(
    url: str, call: Callable[[Any], Any], sleep: Any, kwargs: dict[str, Any]
) -> tuple[BaseException | None, float]:
    with Client(url, TOKEN, **kwargs) as client:
        if sleep is not None:
            client.api.transport._sleep = sleep
        started = time.monotonic()
        try:
            call(client)
        except Exception as error:  # the test checks it is an ArgusError
            return error, time.monotonic() - started
        return None, time.monotonic() - started


async def _arun(
    url: str, call: Callable[[Any], Any], sleep: Any, kwargs: dict[str, Any]
) -> tuple[BaseException | None, float]:
    from pyargus.async_client import AsyncClient

    async def asleep(seconds: float) -> None:
        sleep(seconds)

    async with AsyncClient(url, TOKEN, **kwargs) as client:
        if sleep is not None:
            client.api.transport._sleep = asleep
        started = time.monotonic()
        try:
            await call(client)
        except Exception as error:  # the test checks it is an ArgusError
            return error, time.monotonic() - started
        return None, time.monotonic() - started


def rst_table() -> str:
    """:data:`ROWS` as the reST table of ``docs/async.rst`` (a test keeps the two equal)."""
    lines = [".. list-table::", "   :header-rows: 1", ""]
    lines += ["   * - fault", "     - call", "     - exception", "     - requests the server read"]
    for row in ROWS:
        seen = "(none listening)" if row.seen is None else str(row.seen)
        raised = "none: success" if row.raises == "ok" else f"``{row.raises}``"
        lines += [f"   * - {row.fault}", f"     - ``{row.call.__name__}``", f"     - {raised}"]
        lines.append(f"     - {seen}")
    return "\n".join(lines) + "\n"


def main() -> None:
    if "--rst" in sys.argv:
        print(rst_table(), end="")
        return
    use_async = "--async" in sys.argv
    print("| fault | call | outcome | retryable | attempts / server saw | time (s) |")
    print("|---|---|---|---|---|---|")
    for row in ROWS:
        got = measure(row, use_async)
        outcome = "ok" if got.raises == "ok" else f"`{got.raises}`: {got.message}"
        retryable = "" if got.retryable is None else ("yes" if got.retryable else "no")
        shown = "-" if got.attempts is None else str(got.attempts)
        if got.seen is not None:
            shown += f" / {got.seen}"
        if got.other is not None:
            shown += f" (other port: {got.other} connections)"
        name = row.call.__name__.replace("_", " ")
        print(f"| {row.fault} | {name} | {outcome} | {retryable} | {shown} | {got.elapsed:.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
