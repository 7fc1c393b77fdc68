"""Measure what each fault does to a call with the default retry policy.

Run from the top of the repository::

    python -m tests.fault_table > faults.md
    python -m tests.fault_table --async > faults-async.md   # the same, with AsyncClient

Every fault is served by a :class:`~tests.faults.FaultServer` on 127.0.0.1
to a :class:`~pyargus.client.Client` with the default retry policy (3
attempts, 0.5 s doubling backoff, really slept) and the default 10 s
timeout, except for the timeout rows, which use 1 s so as not to take 30 s.
Prints a Markdown table: fault, call, outcome, retryable, attempts (as the
client counts them, and requests the server read), and the time taken.
"""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from pyargus.client import Client
from pyargus.exceptions import ArgusError
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


def get(client: Client) -> Any:
    return client.get_incident(1)


def post(client: Client) -> Any:
    return client.post_incident(Incident(start_time=START, source_incident_id="x"))


def bad_metadata(client: Client) -> Any:
    return client.post_incident(Incident(start_time=START, metadata={"at": START}))


#: ``python -m tests.fault_table --async``: the same faults through AsyncClient.
ASYNC = "--async" in sys.argv


def measure(url: str, call: Callable[[Any], Any], **kwargs: Any) -> tuple[str, str, int, float]:
    if ASYNC:
        return asyncio.run(_ameasure(url, call, **kwargs))
    client = Client(url + "/api/v2/", TOKEN, **kwargs)
    started = time.monotonic()
    try:
        call(client)
        outcome, retryable, attempts = "ok", "", -1
    except ArgusError as error:
        outcome = f"`{type(error).__name__}`: {error}"
        retryable, attempts = ("yes" if error.retryable else "no"), error.attempts
    elapsed = time.monotonic() - started
    client.close()
    return outcome, retryable, attempts, elapsed


async def _ameasure(
    url: str, call: Callable[[Any], Any], **kwargs: Any
) -> tuple[str, str, int, float]:
    from pyargus.async_client import AsyncClient

    async with AsyncClient(url + "/api/v2/", TOKEN, **kwargs) as client:
        started = time.monotonic()
        try:
            await call(client)
            outcome, retryable, attempts = "ok", "", -1
        except ArgusError as error:
            outcome = f"`{type(error).__name__}`: {error}"
            retryable, attempts = ("yes" if error.retryable else "no"), error.attempts
        return outcome, retryable, attempts, time.monotonic() - started


def row(fault: str, call: Callable, result: tuple[str, str, int, float], seen: Any = "") -> None:
    outcome, retryable, attempts, elapsed = result
    name = call.__name__.replace("_", " ")
    shown = "-" if attempts < 0 else str(attempts)
    if seen != "":
        shown += f" / {seen}"
    print(f"| {fault} | {name} | {outcome} | {retryable} | {shown} | {elapsed:.2f} |")


def served(fault: str, action: Action | list[Action], call: Callable, **kwargs: Any) -> None:
    actions = action if isinstance(action, list) else [action]
    with FaultServer(actions[-1]) as server:
        server.script(*actions[:-1])
        result = measure(server.url, call, **kwargs)
        row(fault, call, result, server.count())


def certificate(folder: Path) -> tuple[str, str]:
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


def main() -> None:
    print("| fault | call | outcome | retryable | attempts / server saw | time (s) |")
    print("|---|---|---|---|---|---|")
    for call in (get, post):
        with RefusedPort() as port:
            row("connection refused", call, measure(port.url, call))
    for call in (get, post):
        with FullBacklog() as full:
            row("connect timeout (1 s)", call, measure(full.url, call, timeout=1))
    for fault, action in [
        ("closed before the request was read", DropBeforeRequest()),
        ("closed after the request was read", Drop()),
        ("reset after the request was read", Reset()),
        ("answer 5 s late, read timeout 1 s", Delay(5)),
    ]:
        for call in (get, post):
            served(fault, action, call, timeout=1 if isinstance(action, Delay) else 10.0)
    for fault, action in [
        ("body shorter than its Content-Length", Truncated()),
        ("garbage instead of a status line", Raw(b"garbage\r\n\r\n")),
        ("200 with an empty body", Reply(200)),
        ("200 with a proxy's HTML login page", html_page(200, "Sign in")),
        ("200 with invalid JSON", Reply(200, b"{'pk': 1}", {"Content-Type": "application/json"})),
        ("200, JSON cut short (no length)", Raw(b"HTTP/1.1 200 OK\r\n\r\n" + b'{"pk": 1, "st')),
        ("200 with JSON of the wrong shape", Reply(200, json={"pk": "one"})),
        ("500 HTML page", html_page(500, "Server Error (500)")),
        ("404 HTML page (wrong URL)", html_page(404, "Not Found")),
        ("401 invalid token", Reply(401, json={"detail": "Invalid token."})),
        ("504 from a proxy", html_page(504, "504 Gateway Time-out")),
        ("429, Retry-After: 1", Reply(429, headers={"Retry-After": "1"})),
        ("429, Retry-After: 3600", Reply(429, headers={"Retry-After": "3600"})),
        ("503, 503, then 200", [Reply(503), Reply(503), OK]),
        ("reset, closed, then 200", [Reset(), Drop(), OK]),
    ]:
        served(fault, action, get)
    for fault, action in [
        ("502 HTML page from a proxy", html_page(502, "502 Bad Gateway")),
        ("503, Retry-After: 1", Reply(503, headers={"Retry-After": "1"})),
    ]:
        for call in (get, post):
            served(fault, action, call)
    with FaultServer(OK) as other:
        for status, call in [(302, get), (307, post)]:
            redirect = Reply(status, headers={"Location": other.url + "/api/v2/incidents/1/"})
            served(f"{status} to another port", redirect, call)
        row("(connections to the other port)", get, ("", "", -1, 0.0), other.connections)
    served("metadata with a datetime in it", OK, bad_metadata)
    with tempfile.TemporaryDirectory() as folder:
        cert, key = certificate(Path(folder))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        with FaultServer(Reply(201, json=incident_json()), tls=context) as server:
            for call in (get, post):
                row("TLS, self-signed, verify=True", call, measure(server.url, call))
            row("TLS, self-signed, verify=CA file", post, measure(server.url, post, verify=cert))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                row("TLS, verify=False", post, measure(server.url, post, verify=False))
            row("(TLS requests read by the server)", get, ("", "", -1, 0.0), server.count())
    sys.stdout.flush()


if __name__ == "__main__":
    main()
