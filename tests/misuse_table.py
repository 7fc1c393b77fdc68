"""What each misuse of issue 10 looks like to a user: class, retryable, sent, attempts, message.

Run from the top of the repository::

    python -m tests.misuse_table > MISUSE-NOTES.md

Argus is involved through a real server: the one the ``PYARGUS_TEST_*``
variables name, or a throwaway one started with
:class:`pyargus.testing.ArgusServer`. TLS faults come from loopback
:class:`~tests.faults.FaultServer` s; the resolver's answers are simulated
(requests-mock), so that nothing leaves 127.0.0.1. Every call uses the
default retry policy (its waits are slept).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import requests
import requests_mock
import urllib3

from pyargus.client import Client
from pyargus.exceptions import ArgusError
from pyargus.models import Event, Incident
from pyargus.testing import ArgusServer, ServerInfo
from pyargus.testing.external import external_server_from_env
from pyargus.time import now

from .docs import docs_code
from .fault_table import certificate
from .faults import FaultServer, Raw, Reply, html_page
from .test_resilience import AnswerAtOnce, _threads_share_one_client
from .wire import incident_json

ROWS: list[tuple[str, str, str]] = []


def outcome(item: str, what: str, call: Callable[[], Any]) -> None:
    """Run *call* and record what the user sees."""
    try:
        result = call()
    except ArgusError as error:
        sent = getattr(error, "sent", None)
        shown = (
            f"`{type(error).__name__}` | {'yes' if error.retryable else 'no'} | "
            f"{'-' if sent is None else ('yes' if sent else 'no')} | {error.attempts} | "
            f"{_cell(str(error))}"
        )
    else:
        shown = f"returns | | | | {_cell(repr(result))[:200]}"
    ROWS.append((item, what, shown))


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


@contextlib.contextmanager
def argus() -> Iterator[ServerInfo]:
    info = external_server_from_env()
    if info is not None:
        yield info
        return
    with ArgusServer() as server:
        yield server.info


def filters(client: Client) -> None:
    item = "1 filters"
    outcome(item, "`count_incidents(levle=1)`", lambda: client.count_incidents(levle=1))
    outcome(item, "`get_incidents(level=1)`", lambda: client.get_incidents(level=1))
    outcome(item, "`count_incidents(opne=True)`", lambda: client.count_incidents(opne=True))
    outcome(item, '`count_incidents(open="yes")`', lambda: client.count_incidents(open="yes"))
    outcome(
        item,
        '`get_my_incidents(open=True, search="disk")`',
        lambda: client.get_my_incidents(open=True, search="disk"),
    )
    outcome(
        item,
        '`bulk_resolve(get_my_incidents(open=True, search="disk"))`',
        lambda: client.bulk_resolve(client.get_my_incidents(open=True, search="disk")),
    )
    outcome(
        item, "`count_my_incidents(level__lte=2)`", lambda: client.count_my_incidents(level__lte=2)
    )
    outcome(item, "`get_incidents(page_size=0)`", lambda: client.get_incidents(page_size=0))
    outcome(item, "`get_incidents(id__in=[])`", lambda: client.get_incidents(id__in=[]))
    outcome(
        item,
        "`count_incidents(token_expiry=False)`",
        lambda: client.count_incidents(token_expiry=False),
    )
    outcome(item, "`get_events(incident=3)`", lambda: client.get_events(incident=3))
    outcome(
        item,
        '`count_incidents(open=True, extra_filters={"new_filter": "x"})` (opt-out)',
        lambda: client.count_incidents(open=True, extra_filters={"new_filter": "x"}),
    )
    outcome(
        item,
        '`count_incidents(extra_filters={"open": "yes"})`',
        lambda: client.count_incidents(extra_filters={"open": "yes"}),
    )


def token_kind(info: ServerInfo, source: Client, admin: Client) -> None:
    item = "2 token kind"
    pk = source.post_incident(Incident(start_time=now(), source_incident_id=uuid.uuid4().hex)).pk
    assert pk is not None
    outcome(
        item,
        "end user: `post_incident(...)`",
        lambda: admin.post_incident(Incident(start_time=now())),
    )
    outcome(item, "end user: `resolve_incident(pk)`", lambda: admin.resolve_incident(pk))
    outcome(item, "end user: `restart_incident(pk)`", lambda: admin.restart_incident(pk))
    outcome(
        item,
        'end user: `post_incident_event(pk, Event(type="CHI"))`',
        lambda: admin.post_incident_event(pk, Event(type="CHI")),
    )
    outcome(item, "end user: `send_heartbeat()`", admin.send_heartbeat)
    outcome(
        item,
        "end user: `next(get_my_incidents(open=True))`",
        lambda: next(admin.get_my_incidents(open=True)),
    )
    outcome(item, "end user: `count_my_incidents()`", admin.count_my_incidents)
    outcome(item, "end user: `get_my_source_system()`", admin.get_my_source_system)
    outcome(item, "source system: `get_my_source_system()`", source.get_my_source_system)


def tls(info: ServerInfo) -> None:
    item = "3 TLS"
    https = info.api_url.replace("http://", "https://")
    with Client(https, info.source_token) as client:
        outcome(
            item,
            "`https://` to Argus' plain http: `get_incident(1)`",
            lambda: client.get_incident(1),
        )
        outcome(
            item,
            "`https://` to Argus' plain http: `post_incident(...)`",
            lambda: client.post_incident(Incident(start_time=now())),
        )
    plain = FaultServer(AnswerAtOnce(b"HTTP/1.1 400 Bad Request\r\n\r\n"))
    with plain, Client(plain.url.replace("http://", "https://") + "/api/v2/", "t") as client:
        outcome(
            item,
            "`https://` to a plain-http server answering 400",
            lambda: client.get_incident(1),
        )
    alerting = FaultServer(Raw(b"\x15\x03\x01\x00\x02\x02\x46"))
    with alerting, Client(alerting.url + "/api/v2/", "t") as client:
        outcome(
            item,
            "`http://` to a TLS port that sends an alert: GET",
            lambda: client.get_incident(1),
        )
        outcome(
            item,
            "`http://` to a TLS port that sends an alert: POST",
            lambda: client.post_incident(Incident(start_time=now())),
        )
    nginx = FaultServer(html_page(400, "400 The plain HTTP request was sent to HTTPS port"))
    with nginx, Client(nginx.url + "/api/v2/", "t") as client:
        outcome(item, "`http://` to nginx's https port", lambda: client.get_incident(1))
    with tempfile.TemporaryDirectory() as folder:
        cert, key = certificate(Path(folder))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        with FaultServer(Reply(200, json=incident_json()), tls=context) as server:
            with Client(server.url + "/api/v2/", "t") as client:
                outcome(
                    item, "self-signed certificate, `verify=True`", lambda: client.get_incident(1)
                )
            local = server.url.replace("127.0.0.1", "localhost") + "/api/v2/"
            with Client(local, "t", verify=cert) as client:
                outcome(item, "certificate for another host name", lambda: client.get_incident(1))
            with Client(server.url.replace("https://", "http://") + "/api/v2/", "t") as client:
                outcome(
                    item,
                    "`http://` to a Python-ssl TLS port (it resets: not recognized)",
                    lambda: client.get_incident(1),
                )


def dns() -> None:
    item = "3 DNS"
    url = "https://argus.example.org/api/v2/"
    for code, text, label in (
        (socket.EAI_NONAME, "Name or service not known", "unknown host (simulated)"),
        (socket.EAI_AGAIN, "Temporary failure in name resolution", "resolver down (simulated)"),
    ):
        gai = socket.gaierror(code, text)
        failed = urllib3.exceptions.NameResolutionError("argus.example.org", None, gai)
        failed.__cause__ = gai
        error = requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", failed))
        with requests_mock.Mocker() as mock, Client(url, "t") as client:
            client.api.transport._sleep = lambda seconds: None
            mock.get(url + "incidents/1/", exc=error)
            outcome(item, label, lambda client=client: client.get_incident(1))


def roots(info: ServerInfo) -> None:
    item = "4 API root"
    for url in (
        info.root_url,
        info.api_url + "incidents/",
        info.root_url + "api/v3/",
        info.root_url + "api/",
    ):
        outcome(item, f"`Client({url!r}, ...)`", lambda url=url: Client(url, info.source_token))
    with Client(info.root_url + "nothing/api/v2/", info.source_token) as client:
        outcome(
            item,
            "a wrong prefix before /api/v2/: `get_incident(1)`",
            lambda: client.get_incident(1),
        )
        outcome(item, "a wrong prefix before /api/v2/: `is_alive()`", client.is_alive)
    other = FaultServer(html_page(200, "Some other app"))
    with other, Client(other.url + "/api/v2/", "t") as client:
        outcome(item, "not an Argus server (200 HTML everywhere): `is_alive()`", client.is_alive)
    with Client(info.api_url, info.source_token) as client:
        outcome(item, "the right root: `is_alive()`", client.is_alive)


def refused() -> None:
    item = "5 refused"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Client(f"http://127.0.0.1:{port}/api/v2/", "t") as client:
        outcome(item, "nothing listens: `get_incident(1)`", lambda: client.get_incident(1))
        outcome(
            item,
            "nothing listens: `post_incident(...)`",
            lambda: client.post_incident(Incident(start_time=now())),
        )
        outcome(item, "nothing listens: `is_alive()`", client.is_alive)


def bodies(source: Client) -> None:
    outcome(
        "6 body size",
        "`post_incident(Incident(description='x' * 2_700_000, ...))`",
        lambda: source.post_incident(Incident(start_time=now(), description="x" * 2_700_000)),
    )


def pool() -> None:
    for label, kwargs in (("default (32)", {}), ("pool_size=10", {"pool_size": 10})):
        connections, logged = _threads_share_one_client(32, 3, **kwargs)
        full = sum(m.startswith("Connection pool is full") for m in logged)
        ROWS.append(
            (
                "7 pool",
                f"32 threads x 3 GETs on one client, {label}",
                f"{connections} connections, {full} 'Connection pool is full' warnings | | | |",
            )
        )


def fetched(source: Client) -> None:
    original = source.post_incident(
        Incident(start_time=now(), source_incident_id=uuid.uuid4().hex, description="repost me")
    )
    copy = source.get_incident(original)
    copy.source_incident_id = uuid.uuid4().hex
    outcome(
        "8 re-post",
        "`post_incident(get_incident(pk))` (new source_incident_id)",
        lambda: source.post_incident(copy).pk,
    )
    again = source.get_incident(original)
    outcome(
        "8 re-post",
        "`post_incident(get_incident(pk))` (same source_incident_id)",
        lambda: source.post_incident(again),
    )


def smaller(info: ServerInfo, source: Client) -> None:
    item = "9 smaller"
    outcome(
        item,
        '`Client(url, "Token <key>")`',
        lambda: Client(info.api_url, "Token " + info.source_token),
    )
    incident = source.post_incident(Incident(start_time=now(), source_incident_id=uuid.uuid4().hex))
    source.resolve_incident(incident)
    outcome(
        item,
        "`resolve_incident(closed, only_if_open=True)`",
        lambda: source.resolve_incident(incident, only_if_open=True),
    )
    outcome(item, "`resolve_incident(closed)`", lambda: source.resolve_incident(incident).type)
    post_once = docs_code("post_once")["post_once"]
    back = Incident(start_time=now(), source_incident_id=incident.source_incident_id)
    outcome(
        item,
        "docs/errors.rst `post_once` for an alert that came back",
        lambda: (lambda i: (i.pk == incident.pk, i.open))(post_once(source, back)),
    )


def main() -> None:
    with argus() as info:
        source, admin = info.client("source"), info.client("admin")
        with source, admin:
            filters(source)
            token_kind(info, source, admin)
            tls(info)
            dns()
            roots(info)
            refused()
            bodies(source)
            pool()
            fetched(source)
            smaller(info, source)
    print("| item | misuse | class (or result) | retryable | sent | attempts | message |")
    print("|---|---|---|---|---|---|---|")
    for item, what, shown in ROWS:
        print(f"| {item} | {what} | {shown} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
