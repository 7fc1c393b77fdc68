"""Fault injection: real sockets on 127.0.0.1, scripted faults, counted attempts.

Every test here talks to a :class:`~tests.faults.FaultServer` (or a refused
or full port) through a real :class:`~pyargus.client.Client`. The retry
waits are recorded instead of slept. After every test, the captured log
records (of every logger, at DEBUG) are scanned for the token.
"""

from __future__ import annotations

import email.utils
import http.server
import json
import logging
import shutil
import ssl
import subprocess
import threading
import time
import traceback
import types
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
import requests.adapters

from pyargus import transport as transport_module
from pyargus.client import Client
from pyargus.exceptions import (
    ArgusError,
    AuthError,
    ClientConnectionError,
    ClientTimeoutError,
    DecodeError,
    InsecureTokenWarning,
    InvalidArgumentError,
    InvalidTagError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UnexpectedRedirectError,
)
from pyargus.models import Event, Incident
from pyargus.transport import RetryPolicy

from .conftest import TOKEN
from .docs import docs_code
from .faults import (
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
    run_in_threads,
)
from .wire import event_json, incident_json, page_json

PATH = "/api/v2/incidents/1/"
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
FAST = RetryPolicy(attempts=3, backoff=0.01)


def new_incident(**changes: Any) -> Incident:
    return Incident(start_time=START, source_incident_id="sid-1", description="x", **changes)


def ok(pk: int = 1) -> Reply:
    return Reply(200, json=incident_json(pk=pk))


def created(pk: int = 1) -> Reply:
    return Reply(201, json=incident_json(pk=pk))


@pytest.fixture
def server():
    with FaultServer() as server:
        yield server


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog):
    """Capture every logger at DEBUG; fail the test if the token was logged."""
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        assert TOKEN not in text, record


class Recorder:
    """Stands in for the transport's sleep: records the delays, sleeps not."""

    def __init__(self, then: Any = None) -> None:
        self.delays: list[float] = []
        self.then = then

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        if self.then is not None:
            self.then()


def make_client(url: str, *, retries: Any = FAST, **kwargs: Any) -> Client:
    client = Client(url + "/api/v2/", TOKEN, retries=retries, **kwargs)
    client.api.transport._sleep = Recorder()
    return client


def delays(client: Client) -> list[float]:
    return client.api.transport._sleep.delays


def assert_no_token(*objects: Any) -> None:
    """*objects* (errors included, with their causes) never show the token."""
    for obj in objects:
        texts = [str(obj), repr(obj)]
        if isinstance(obj, BaseException):
            texts.append("".join(traceback.format_exception(obj)))
            texts += [repr(getattr(obj, "response", None)), str(vars(obj))]
        for text in texts:
            assert TOKEN not in text


def raised(call: Any, *args: Any, **kwargs: Any) -> ArgusError:
    with pytest.raises(ArgusError) as info:
        call(*args, **kwargs)
    assert_no_token(info.value)
    return info.value


# Retries of idempotent requests


@pytest.mark.parametrize("status", [502, 503, 504])
def test_get_is_retried_on_gateway_statuses(server, status, caplog):
    server.script(Reply(status), html_page(status, "Proxy error"), ok())
    client = make_client(server.url)
    assert client.get_incident(1).pk == 1
    assert server.count(PATH) == 3
    assert len(delays(client)) == 2
    retries = [r for r in caplog.records if r.name == "pyargus" and r.levelno == logging.WARNING]
    assert [r.getMessage().split(";")[0] for r in retries] == [f"GET {PATH}: status {status}"] * 2


def test_get_gives_up_after_the_attempts(server):
    server.default = html_page(503, "503 Service Unavailable")
    error = raised(make_client(server.url).get_incident, 1)
    assert type(error) is ServerError
    assert error.retryable
    assert error.attempts == 3
    assert str(error) == (
        f"GET {PATH}: 503 Service Unavailable: 503 Service Unavailable (after 3 attempts)"
    )
    assert server.count() == 3


def test_500_is_not_retried(server):
    server.script(html_page(500, "Server Error (500)"))
    error = raised(make_client(server.url).get_incident, 1)
    assert type(error) is ServerError
    assert not error.retryable
    assert str(error) == f"GET {PATH}: 500 Internal Server Error: Server Error (500)"
    assert server.count() == 1


def test_429_retry_after_seconds(server):
    server.script(Reply(429, json={"detail": "slow down"}, headers={"Retry-After": "2"}), ok())
    client = make_client(server.url)
    client.get_incident(1)
    assert delays(client) == [2.0]
    assert server.count() == 2


def test_429_retry_after_http_date(server):
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.script(Reply(429, headers={"Retry-After": when}), ok())
    client = make_client(server.url)
    client.get_incident(1)
    [delay] = delays(client)
    assert 25 < delay <= 30


def test_503_retry_after_is_honoured(server):
    server.script(Reply(503, headers={"Retry-After": "0"}), ok())
    client = make_client(server.url)
    client.get_incident(1)
    assert delays(client) == [0.0]


def test_retry_after_beyond_the_time_budget_is_not_waited_for(server):
    server.default = Reply(429, json={"detail": "slow down"}, headers={"Retry-After": "3600"})
    client = make_client(server.url)
    error = raised(client.get_incident, 1)
    assert type(error) is RateLimitError
    assert error.retryable
    assert 3590 < error.retry_after <= 3600
    assert delays(client) == []
    assert server.count() == 1


class FakeClock:
    """time.monotonic for the transport, advanced by its sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.delays: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.delays.append(seconds)
        self.now += seconds


def test_retries_are_bounded_by_total_time(server, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(
        transport_module,
        "time",
        types.SimpleNamespace(monotonic=clock.monotonic, time=time.time, sleep=clock.sleep),
    )
    server.default = Reply(503)
    policy = RetryPolicy(attempts=50, backoff=1, max_backoff=100, max_time=10)
    client = Client(server.url + "/api/v2/", TOKEN, retries=policy)
    error = raised(client.get_incident, 1)
    assert isinstance(error, ServerError)
    assert 3 <= server.count() <= 5  # delays 0.5-1, 1-2, 2-4, 4-8: at most 10 s in all
    assert sum(clock.delays) <= 10
    assert error.attempts == server.count()


def test_backoff_is_exponential_and_jittered(server):
    server.default = Reply(503)
    client = make_client(server.url, retries=RetryPolicy(attempts=5, backoff=1, max_backoff=4))
    raised(client.get_incident, 1)
    for delay, ceiling in zip(delays(client), [1, 2, 4, 4], strict=True):
        assert ceiling / 2 <= delay <= ceiling


def test_retries_zero_turns_retrying_off(server):
    server.default = Reply(503)
    client = make_client(server.url, retries=0)
    raised(client.get_incident, 1)
    assert server.count() == 1


# Network faults


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (Drop(), "{server} closed the connection without answering"),
        (Reset(), "connection reset by {server}"),
        (Raw(b"garbage\r\n\r\n"), "not an HTTP answer from {server}: 'garbage'"),
    ],
)
def test_connection_faults_after_the_request_was_read(server, action, problem):
    server.default = action
    error = raised(make_client(server.url).get_incident, 1)
    assert type(error) is ClientConnectionError
    assert error.retryable
    assert error.sent
    assert str(error).startswith(f"GET {PATH}: {problem.format(server=server.url)}")
    assert str(error).endswith("(after 3 attempts)")
    assert server.count() == 3


def test_connection_closed_before_the_request_was_read(server):
    server.default = DropBeforeRequest()
    error = raised(make_client(server.url).get_incident, 1)
    assert type(error) is ClientConnectionError
    assert error.sent  # pyargus cannot know the server did not read it
    assert server.connections == 3
    assert server.count() == 0


def test_faults_then_success(server):
    server.script(Drop(), Reset(), ok())
    client = make_client(server.url, retries=RetryPolicy(attempts=4, backoff=0.01))
    assert client.get_incident(1).pk == 1
    assert server.count() == 3


def test_read_timeout(server):
    server.default = Delay(5)
    client = make_client(server.url, retries=1, timeout=(1, 0.2))
    error = raised(client.get_incident, 1)
    assert type(error) is ClientTimeoutError
    assert str(error) == (
        f"GET {PATH}: no answer from {server.url} within 0.2 s (read timeout) (after 2 attempts)"
    )
    assert error.sent
    assert error.retryable
    assert server.count() == 2


def test_slow_answer_within_the_timeout(server):
    server.script(Delay(0.2, ok()))
    assert make_client(server.url, timeout=(1, 2)).get_incident(1).pk == 1


def test_connect_timeout():
    with FullBacklog() as full:
        client = make_client(full.url, retries=1, timeout=(0.2, 5))
        error = raised(client.get_incident, 1)
    assert type(error) is ClientTimeoutError
    assert str(error) == (
        f"GET {PATH}: no connection to {full.url} within 0.2 s (connect timeout) (after 2 attempts)"
    )
    assert not error.sent
    assert error.attempts == 2


def test_connection_refused():
    with RefusedPort() as port:
        error = raised(make_client(port.url).get_incident, 1)
    assert type(error) is ClientConnectionError
    assert str(error) == f"GET {PATH}: connection refused by {port.url} (after 3 attempts)"
    assert not error.sent
    assert error.retryable


def test_truncated_body_is_retried_like_a_broken_connection(server):
    server.script(Truncated(), ok())
    assert make_client(server.url).get_incident(1).pk == 1
    assert server.count() == 2
    server.default = Truncated()
    error = raised(make_client(server.url, retries=0).get_incident, 1)
    assert type(error) is ClientConnectionError
    assert str(error).startswith(
        f"GET {PATH}: connection to {server.url} broken while reading the answer: "
    )
    assert "IncompleteRead(16 bytes read, 184 more expected)" in str(error)


# Answers pyargus cannot use


@pytest.mark.parametrize(
    ("action", "problem"),
    [
        (Reply(200), "empty body"),
        (html_page(200, "Sign in to the proxy"), "an HTML page instead of JSON"),
        (Reply(200, b'{"pk": 1,', {"Content-Type": "application/json"}), "invalid JSON"),
        (Raw(b'HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n{"pk": 1, "sta'), "invalid JSON"),
        (Reply(200, json=["a", "list"]), "unexpected JSON shape"),
        (Reply(200, json=incident_json(start_time="yesterday")), "unexpected JSON shape"),
    ],
)
def test_undecodable_answers(server, action, problem):
    server.default = action
    error = raised(make_client(server.url).get_incident, 1)
    assert type(error) is DecodeError
    assert not error.retryable
    assert str(error).startswith(f"GET {PATH}: 200: {problem}")
    assert server.count() == 1


def test_an_undecodable_answer_after_retries_counts_them(server):
    server.script(Reply(503), Reply(200))
    error = raised(make_client(server.url).get_incident, 1)
    assert type(error) is DecodeError
    assert error.attempts == 2
    assert str(error).endswith("(after 2 attempts)")


def test_html_error_page_from_a_proxy(server):
    server.default = html_page(404, "404 Not Found")
    error = raised(make_client(server.url).get_incident, 1)
    assert type(error) is NotFoundError
    assert str(error) == (
        f"GET {PATH}: 404 Not Found: 404 Not Found (the server has no such URL: is the API root "
        "URL right? It ends in /api/v2/; older Argus versions lack newer endpoints)"
    )


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_never_followed(server, status):
    with FaultServer(Reply(200, json=incident_json())) as other:
        server.default = Reply(status, headers={"Location": other.url + PATH})
        client = make_client(server.url)
        for call in (lambda: client.get_incident(1), lambda: client.post_incident(new_incident())):
            error = raised(call)
            assert type(error) is UnexpectedRedirectError
            assert not error.retryable
            assert f"unexpected redirect {status} to {other.url}{PATH}" in str(error)
        assert other.connections == 0
    assert server.count() == 2


def test_redirect_to_the_slashed_path_is_not_followed(server):
    server.default = Reply(301, headers={"Location": "/api/v2/incidents/1/"})
    raised(make_client(server.url).get_incident, 1)
    assert server.count() == 1


# POST and PATCH: never repeated once they may have reached the server


@pytest.mark.parametrize(
    "action", [Drop(), Reset(), Delay(5), Truncated(), Reply(503), Reply(502), Reply(429)]
)
def test_post_is_sent_once_when_it_may_have_reached_the_server(server, action):
    server.default = action
    client = make_client(server.url, timeout=(1, 0.2))
    error = raised(client.post_incident, new_incident())
    assert error.attempts == 1
    assert server.count() == 1
    assert server.seen[0].method == "POST"


def test_patch_and_event_posts_are_sent_once(server):
    server.default = Drop()
    client = make_client(server.url)
    raised(client.update_incident, Incident(pk=1, level=2))
    raised(client.resolve_incident, 1, "fixed")
    assert [s.method for s in server.seen] == ["PATCH", "POST"]


def test_post_is_retried_when_the_connection_was_refused():
    with RefusedPort() as port:
        client = make_client(port.url)
        client.api.transport._sleep = Recorder(then=lambda: port.serve(created(7)))
        assert client.post_incident(new_incident()).pk == 7
        assert port.server.count() == 1
        assert port.server.seen[0].method == "POST"


def test_post_connect_timeout_is_retried():
    with FullBacklog() as full:
        client = make_client(full.url, retries=1, timeout=(0.2, 5))
        error = raised(client.post_incident, new_incident())
    assert isinstance(error, ClientTimeoutError)
    assert error.attempts == 2
    assert not error.sent


# Listings


def test_a_failed_page_is_retried_alone(server):
    base = server.url + "/api/v2/incidents/mine/"
    server.script(
        Reply(200, json=page_json([incident_json(pk=5), incident_json(pk=4)], base + "?cursor=p2")),
        Reply(503),
        Drop(),
        Reply(200, json=page_json([incident_json(pk=3)], base + "?cursor=p3")),
        Reply(200, json=page_json([incident_json(pk=2), incident_json(pk=1)])),
    )
    client = make_client(server.url, retries=RetryPolicy(attempts=3, backoff=0))
    assert [i.pk for i in client.get_my_incidents(open=True)] == [5, 4, 3, 2, 1]
    assert [s.path for s in server.seen] == [
        "/api/v2/incidents/mine/?open=true",
        "/api/v2/incidents/mine/?cursor=p2",
        "/api/v2/incidents/mine/?cursor=p2",
        "/api/v2/incidents/mine/?cursor=p2",
        "/api/v2/incidents/mine/?cursor=p3",
    ]


def test_a_listing_resumes_at_the_failed_page(server):
    base = server.url + "/api/v2/incidents/"
    server.script(
        Reply(200, json=page_json([incident_json(pk=3)], base + "?cursor=p2")),
        Reply(503),
        Reply(200, json=page_json([incident_json(pk=2)], base + "?cursor=p3")),
        Reply(200, json=page_json([incident_json(pk=1)])),
    )
    listing = make_client(server.url, retries=0).get_incidents()
    assert next(listing).pk == 3
    with pytest.raises(ServerError):
        next(listing)
    assert [i.pk for i in listing] == [2, 1]
    assert [s.path.rsplit("?", 1)[-1] for s in server.seen] == [
        "/api/v2/incidents/",
        "cursor=p2",
        "cursor=p2",
        "cursor=p3",
    ]


def test_pagination_never_leaves_the_api_root(server):
    with FaultServer(Reply(200, json=page_json([]))) as other:
        server.script(
            Reply(200, json=page_json([incident_json(pk=2)], other.url + "/x/?cursor=c2")),
            Reply(200, json=page_json([incident_json(pk=1)])),
        )
        client = make_client(server.url)
        assert [i.pk for i in client.get_incidents()] == [2, 1]
        assert other.connections == 0
    assert [s.path for s in server.seen] == ["/api/v2/incidents/", "/api/v2/incidents/?cursor=c2"]
    assert all(s.headers["authorization"] == f"Token {TOKEN}" for s in server.seen)


# Concurrency


def test_one_client_in_eight_threads_keeps_retry_state_per_call(server):
    calls_per_thread = 25
    for pk in range(1, 8 * calls_per_thread + 1):
        server.script(Reply(503), ok(pk), path=f"/api/v2/incidents/{pk}/")
    client = make_client(server.url, retries=RetryPolicy(attempts=2, backoff=0))
    results: dict[int, list[int]] = {}

    def work(thread: int) -> None:
        pks = range(thread * calls_per_thread + 1, (thread + 1) * calls_per_thread + 1)
        results[thread] = [client.get_incident(pk).pk for pk in pks]

    assert run_in_threads(work, 8, timeout=60) == []
    assert sorted(pk for pks in results.values() for pk in pks) == list(range(1, 201))
    assert server.count() == 400
    assert all(server.count(f"/api/v2/incidents/{pk}/") == 2 for pk in range(1, 201))


# Bad input: refused before any request


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda c: c.post_incident(new_incident(metadata={"at": START})), InvalidArgumentError),
        (
            lambda c: c.post_incident(new_incident(metadata={"x": float("nan")})),
            InvalidArgumentError,
        ),
        (lambda c: c.post_incident(new_incident(tags={"Bad Key": "v"})), InvalidTagError),
        (lambda c: c.post_incident(Incident(description="no start")), InvalidArgumentError),
        (lambda c: c.update_incident(Incident(pk=1, metadata={1j: 2})), InvalidArgumentError),
        (lambda c: c.update_incident(Incident(pk=1, start_time=START)), InvalidArgumentError),
        (lambda c: c.get_incident(0), InvalidArgumentError),
        (lambda c: c.resolve_incident("1"), InvalidArgumentError),
        (lambda c: c.post_incident_event(1, Event(type="NOPE")), InvalidArgumentError),
        (lambda c: list(c.get_incidents(tags={"host": ""})), InvalidTagError),
    ],
)
def test_bad_input_is_refused_before_any_request(server, call, error):
    client = make_client(server.url)
    with pytest.raises(error) as info:
        call(client)
    assert info.value.attempts == 0
    assert server.connections == 0


def test_metadata_error_names_the_problem(server):
    with pytest.raises(InvalidArgumentError, match=r"metadata must be JSON data.*datetime"):
        make_client(server.url).post_incident(new_incident(metadata={"at": START}))


@pytest.mark.parametrize(
    ("extras", "problem"),
    [
        ({"json": {"x": float("inf")}}, "Out of range float values are not JSON compliant"),
        ({"headers": {"X-Bad": "a\nb"}}, "Invalid leading whitespace, reserved character"),
        ({"json": {"x": object()}}, "not JSON serializable"),
    ],
)
def test_request_construction_errors_are_invalid_arguments(server, extras, problem):
    client = make_client(server.url)
    with pytest.raises(InvalidArgumentError, match=problem) as info:
        client.api.transport.send(("POST", server.url + "/api/v2/incidents/", extras))
    assert str(info.value).startswith("POST /api/v2/incidents/: cannot build the request: ")
    assert server.connections == 0
    assert_no_token(info.value)


def test_invalid_url_is_an_invalid_argument(server):
    client = make_client(server.url)
    with pytest.raises(InvalidArgumentError, match="cannot build the request"):
        client.api.transport.send(("GET", "http://127.0.0.1:99999999/api/v2/", {}))


# TLS


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (and its key), made by openssl."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2"),
            *("-subj", "/CN=pyargus test", "-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


@pytest.fixture
def tls_server(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with FaultServer(ok(), tls=context) as server:
        yield server


def test_tls_with_an_unknown_certificate_fails_and_is_not_retried(tls_server):
    client = make_client(tls_server.url)
    for call in (lambda: client.get_incident(1), lambda: client.post_incident(new_incident())):
        error = raised(call)
        assert type(error) is ClientConnectionError
        assert str(error).startswith("GET " if error.method == "GET" else "POST ")
        assert f"TLS certificate verification failed for {tls_server.url}: " in str(error)
        assert "self-signed certificate: give verify= the CA bundle" in str(error)
        assert not error.retryable
        assert not error.sent
        assert error.attempts == 1
    assert tls_server.connections == 2
    assert tls_server.count() == 0


@dataclass
class AnswerAtOnce(Raw):
    """Send these bytes without reading a request (a plain-http server given a TLS hello)."""

    reads_request = False


BARE_400 = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
TLS_ALERT = b"\x15\x03\x01\x00\x02\x02\x46"  # fatal alert: protocol_version


def test_https_to_a_plain_http_server_is_a_configuration_error(server):
    server.default = AnswerAtOnce(BARE_400)
    host = server.url.removeprefix("http://")
    client = make_client(f"https://{host}")
    for method, call in (
        ("GET", lambda: client.get_incident(1)),
        ("POST", lambda: client.post_incident(new_incident())),
    ):
        error = raised(call)
        assert type(error) is ClientConnectionError
        assert str(error).startswith(
            f"{method} /api/v2/incidents/{'1/' if method == 'GET' else ''}: https://{host} "
            f"speaks plain http, not TLS: use http://{host}/api/v2/ if that is right (the token "
            "then travels unencrypted), or the server's https port ("
        )
        assert not error.retryable
        assert not error.sent
        assert error.attempts == 1
    assert server.connections == 2  # neither retried
    assert delays(client) == []


def test_http_to_a_tls_server_that_answers_with_an_alert(server):
    server.default = Raw(TLS_ALERT)
    client = make_client(server.url)
    host = server.url.removeprefix("http://")
    for call in (lambda: client.get_incident(1), lambda: client.post_incident(new_incident())):
        error = raised(call)
        assert type(error) is ClientConnectionError
        assert str(error).endswith(
            f": http://{host} answers in TLS, not plain http: use https://{host}/api/v2/ "
            "(the server cannot have read the request)"
        )
        assert not error.retryable
        assert not error.sent
    assert server.count() == 2  # neither retried


def test_http_to_a_tls_server_that_resets_is_only_a_reset(tls_server):
    # Python's ssl module resets the connection: indistinguishable from a
    # server that fails (pyargus does not probe the port).
    error = raised(make_client(tls_server.url.replace("https://", "http://")).get_incident, 1)
    assert type(error) is ClientConnectionError
    assert error.retryable and error.sent
    assert "connection reset by http://127.0.0.1:" in str(error)


def test_a_certificate_for_another_host_names_the_host(tls_server, certificate):
    url = tls_server.url.replace("127.0.0.1", "localhost")
    error = raised(make_client(url, verify=str(certificate[0])).get_incident, 1)
    assert type(error) is ClientConnectionError
    assert "Hostname mismatch" in str(error)
    assert str(error).endswith(": check the host name in the API root URL")
    assert not error.retryable and not error.sent


def test_a_tls_handshake_without_a_common_version_is_not_retried(certificate):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_2
    client_max = ssl.create_default_context().maximum_version
    with FaultServer(ok(), tls=context) as server:
        client = make_client(server.url, verify=str(certificate[0]))
        # The client side only speaks TLS 1.3: no version in common.
        client.api.transport.session.mount("https://", _Tls13Adapter(pool_maxsize=1))
        error = raised(client.get_incident, 1)
    assert client_max is not ssl.TLSVersion.TLSv1_2
    assert type(error) is ClientConnectionError
    assert f"TLS handshake with {server.url} failed: " in str(error)
    assert str(error).endswith(
        ": the client and the server have no TLS version, cipher or certificate in common"
    )
    assert not error.retryable and not error.sent
    assert error.attempts == 1


class _Tls13Adapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        context = ssl.create_default_context()
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        kwargs["ssl_context"] = context
        super().init_poolmanager(*args, **kwargs)


def test_tls_with_the_ca_bundle(tls_server, certificate):
    client = make_client(tls_server.url, verify=str(certificate[0]))
    assert client.get_incident(1).pk == 1
    assert tls_server.seen[0].headers["authorization"] == f"Token {TOKEN}"


def test_tls_verification_can_be_turned_off(tls_server):
    client = make_client(tls_server.url, verify=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert client.get_incident(1).pk == 1


def test_a_missing_ca_bundle_is_refused_at_once(tmp_path):
    with pytest.raises(InvalidArgumentError, match="no CA bundle at"):
        Client("https://127.0.0.1:1/api/v2/", TOKEN, verify=str(tmp_path / "none.pem"))


def test_a_given_session_keeps_its_own_verify(tls_server, certificate):
    session = requests.Session()
    session.verify = str(certificate[0])
    client = make_client(tls_server.url, session=session)
    assert client.get_incident(1).pk == 1


# Token safety


def test_errors_reprs_and_logs_never_show_the_token(server, caplog):
    server.script(
        Reply(401, json={"detail": "Invalid token."}),
        Reply(403, b"", {"Content-Length": "0"}),
        Drop(),
        Reply(200),
    )
    client = make_client(server.url, retries=0)
    errors = [raised(client.get_incident, 1) for _ in range(4)]
    assert [type(e) for e in errors] == [AuthError, AuthError, ClientConnectionError, DecodeError]
    assert not any(e.retryable for e in errors[:2])
    transport = client.api.transport
    assert_no_token(client, client.api, client.api.session, transport, transport.session, *errors)
    assert_no_token(*(e.response for e in errors if getattr(e, "response", None)))
    assert all(record.exc_info is None for record in caplog.records)
    assert all(s.headers["authorization"] == f"Token {TOKEN}" for s in server.seen)


def test_the_token_is_sent_only_to_the_api_root(server):
    session = requests.Session()
    session.headers["Authorization"] = f"Token {TOKEN}"  # even a session's own header
    client = make_client(server.url, session=session)
    server.script(ok())
    with FaultServer(Reply(200, json={})) as other:
        client.api.transport.send(("GET", other.url + "/api/v2/incidents/", {}))
        assert "authorization" not in other.seen[0].headers
    client.get_incident(1)
    assert server.seen[0].headers["authorization"] == f"Token {TOKEN}"


@pytest.mark.parametrize(
    ("url", "warns"),
    [
        ("http://argus.example.net/api/v2/", True),
        ("http://127.0.0.2:8000/api/v2/", False),
        ("http://localhost:8000/api/v2/", False),
        ("http://[::1]:8000/api/v2/", False),
        ("https://argus.example.net/api/v2/", False),
    ],
)
def test_plain_http_warning(url, warns, monkeypatch):
    monkeypatch.setattr("pyargus.client._warned_hosts", set())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Client(url, TOKEN)
        Client(url, TOKEN)
    assert [w.category for w in caught] == ([InsecureTokenWarning] if warns else [])
    assert all(TOKEN not in str(w.message) for w in caught)


# Logging


def test_one_debug_line_per_attempt_and_a_warning_per_retry(server, caplog):
    server.script(Reply(503), Drop(), ok())
    client = make_client(server.url)
    client.get_incident(1)
    ours = [r for r in caplog.records if r.name == "pyargus"]
    debug = [r.getMessage() for r in ours if r.levelno == logging.DEBUG]
    warning = [r.getMessage() for r in ours if r.levelno == logging.WARNING]
    assert [line.split(" in ")[0] for line in debug] == [
        f"GET {PATH} -> 503",
        f"GET {PATH} -> {server.url} closed the connection without answering",
        f"GET {PATH} -> 200",
    ]
    assert [line.rsplit("(", 1)[1] for line in debug] == [
        "attempt 1)",
        "attempt 2)",
        "attempt 3)",
    ]
    assert [w.split(" in ")[0] for w in warning] == [
        f"GET {PATH}: status 503; retry 1 of 2",
        f"GET {PATH}: {server.url} closed the connection without answering; retry 2 of 2",
    ]
    assert all(r.exc_info is None and r.stack_info is None for r in caplog.records)


def test_pyargus_prints_nothing_unless_logging_is_set_up():
    handlers = logging.getLogger("pyargus").handlers
    assert any(isinstance(handler, logging.NullHandler) for handler in handlers)


def test_nothing_is_logged_above_debug_without_retries(server, caplog):
    server.default = Drop()
    raised(make_client(server.url, retries=0).get_incident, 1)
    assert [r for r in caplog.records if r.name == "pyargus" and r.levelno > logging.DEBUG] == []


# The recipes of docs/errors.rst, run against faults


def test_docs_post_once_finds_the_incident_whose_answer_was_lost(server):
    post_once = docs_code("post_once")["post_once"]
    mine = "/api/v2/incidents/mine/"
    server.script(Drop(), path="/api/v2/incidents/")
    server.script(Reply(200, json=page_json([incident_json(pk=9)])), path=mine)
    client = make_client(server.url)
    assert post_once(client, new_incident()).pk == 9
    assert [(s.method, s.path) for s in server.seen] == [
        ("POST", "/api/v2/incidents/"),
        ("GET", mine + "?source_incident_id=sid-1"),
    ]


def test_docs_post_once_after_a_duplicate(server):
    post_once = docs_code("post_once")["post_once"]
    duplicate = [
        'duplicate key value violates unique constraint "incident_unique_source_incident_id_per_source"'
    ]
    server.script(Reply(400, json=duplicate), path="/api/v2/incidents/")
    server.script(Reply(200, json=page_json([incident_json(pk=4)])), path="/api/v2/incidents/mine/")
    assert post_once(make_client(server.url), new_incident()).pk == 4


def test_docs_post_once_restarts_an_incident_whose_alert_came_back(server):
    post_once = docs_code("post_once")["post_once"]
    duplicate = [
        'duplicate key value violates unique constraint "incident_unique_source_incident_id_per_source"'
    ]
    closed = incident_json(pk=4, open=False, end_time="2026-01-01T00:00:00+00:00")
    server.script(Reply(400, json=duplicate), path="/api/v2/incidents/")
    server.script(Reply(200, json=page_json([closed])), path="/api/v2/incidents/mine/")
    restarted = event_json(incident=4, type={"value": "RES", "display": "Incident restart"})
    server.script(Reply(201, json=restarted), path="/api/v2/incidents/4/events/")
    server.script(Reply(200, json=incident_json(pk=4)), path="/api/v2/incidents/4/")
    found = post_once(make_client(server.url), new_incident())
    assert (found.pk, found.open) == (4, True)
    assert [(s.method, s.path) for s in server.seen][2:] == [
        ("POST", "/api/v2/incidents/4/events/"),
        ("GET", "/api/v2/incidents/4/"),
    ]
    assert server.seen[2].json["type"] == "RES"


def test_docs_check_token(server):
    check_token = docs_code("check_token")["check_token"]
    server.script(Reply(200, json=page_json([incident_json()])), path="/api/v2/incidents/mine/")
    assert check_token(make_client(server.url)).name == "testsource"
    user = {"username": "admin", "first_name": "", "last_name": "", "email": "", "admin_url": None}
    server.script(Reply(200, json=page_json([])), path="/api/v2/incidents/mine/")
    server.script(Reply(200, json=user), path="/api/v2/auth/user/")
    server.script(Reply(200, json=[]), path="/api/v2/incidents/sources/")
    with pytest.raises(SystemExit, match="not a source system's token"):
        check_token(make_client(server.url))


def test_docs_post_once_reraises_when_nothing_was_stored(server):
    post_once = docs_code("post_once")["post_once"]
    server.script(Drop(), path="/api/v2/incidents/")
    mine = "/api/v2/incidents/mine/"
    # Nothing found; then pyargus checks (once) that the token is a source system's.
    found = Reply(200, json=page_json([incident_json()]))
    server.script(Reply(200, json=page_json([])), found, path=mine)
    with pytest.raises(ClientConnectionError):
        post_once(make_client(server.url), new_incident())
    assert [s.path for s in server.seen][1:] == [
        mine + "?source_incident_id=sid-1",
        mine + "?page_size=1",
    ]


def test_docs_call_argus_sorts_fatal_skip_and_try_later(server):
    namespace = docs_code("call_argus")

    class TryLater(Exception):
        pass

    namespace.update(TryLater=TryLater, log=logging.getLogger("glue"))
    call_argus = namespace["call_argus"]
    client = make_client(server.url, retries=0)
    server.script(Reply(401, json={"detail": "Invalid token."}), Reply(503), Reply(404))
    with pytest.raises(AuthError):
        call_argus(client.get_incident, 1)
    with pytest.raises(TryLater):
        call_argus(client.get_incident, 1)
    assert call_argus(client.get_incident, 1) is None


# The connection pool and threads


class _KeepAliveHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive; each round of requests waits until all threads have sent theirs."""

    protocol_version = "HTTP/1.1"
    server: Any

    def do_GET(self) -> None:
        self.server.barrier.wait(timeout=30)
        body = json.dumps(incident_json()).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _CountingServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, threads: int) -> None:
        super().__init__(("127.0.0.1", 0), _KeepAliveHandler)
        self.barrier = threading.Barrier(threads)
        self.connections = 0

    def get_request(self) -> Any:
        self.connections += 1
        return super().get_request()


def _threads_share_one_client(threads: int, rounds: int, **kwargs: Any) -> tuple[int, list[str]]:
    """Connections the server accepted and urllib3's warnings, for *threads* x *rounds* GETs."""
    server = _CountingServer(threads)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    urllib3_log = logging.getLogger("urllib3")
    urllib3_log.addHandler(handler)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any warning in any thread fails the call
            client = make_client(f"http://127.0.0.1:{server.server_address[1]}", **kwargs)
            with client:

                def work(n: int) -> None:
                    for _ in range(rounds):
                        assert client.get_incident(1).pk == 1

                errors = run_in_threads(work, threads, timeout=60)
    finally:
        urllib3_log.removeHandler(handler)
        server.shutdown()
        server.server_close()
    assert errors == []
    return server.connections, [r.getMessage() for r in records]


def test_32_threads_share_one_client_without_pool_warnings():
    connections, logged = _threads_share_one_client(32, 3)
    assert logged == []
    assert connections == 32  # one per thread, kept alive for all three rounds


def test_a_pool_smaller_than_the_threads_discards_connections():
    connections, logged = _threads_share_one_client(32, 3, pool_size=10)
    full = [m for m in logged if m.startswith("Connection pool is full, discarding connection")]
    assert len(full) >= 32 - 10  # at least after the last round, when all 32 come back at once
    assert connections >= 32
