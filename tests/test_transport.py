"""Transport: auth scoping, redirects, timeouts, retries and error mapping."""

import logging
import re
import socket
import ssl
from datetime import datetime, timezone

import pytest
import requests
import urllib3
from urllib3.connection import HTTPConnection

from pyargus.exceptions import (
    ArgusError,
    ClientConnectionError,
    ClientTimeoutError,
    DecodeError,
    InvalidArgumentError,
    RateLimitError,
    ServerError,
    UnexpectedRedirectError,
    parse_retry_after,
)
from pyargus.transport import DEFAULT_POOL_SIZE, DEFAULT_TIMEOUT, RetryPolicy, Transport

from .conftest import API, TOKEN


def make(requests_mock, **kwargs):
    transport = Transport(API, TOKEN, **kwargs)
    transport.sleeps = []
    transport._sleep = transport.sleeps.append
    return transport


def send(transport, method="GET", url=API + "incidents/", **extras):
    return transport.send((method, url, extras))


def test_token_goes_only_to_the_api_origin(requests_mock, caplog):
    requests_mock.get("http://127.0.0.1:8000/elsewhere/", text="ok")
    requests_mock.get("http://evil.example:8000/api/v2/incidents/", text="ok")
    requests_mock.get("http://127.0.0.1:9999/api/v2/incidents/", text="ok")
    transport = make(requests_mock)
    send(transport, url="http://127.0.0.1:8000/elsewhere/")
    assert requests_mock.last_request.headers["Authorization"] == f"Token {TOKEN}"
    for url in (
        "http://evil.example:8000/api/v2/incidents/",
        "http://127.0.0.1:9999/api/v2/incidents/",
    ):
        send(transport, url=url, headers={"Authorization": "Token stolen"})
        assert "Authorization" not in requests_mock.last_request.headers
    assert "not sending the API token" in caplog.text
    assert TOKEN not in caplog.text


def test_redirects_are_never_followed(requests_mock):
    requests_mock.get(API + "incidents", status_code=301, headers={"Location": API + "incidents/"})
    with pytest.raises(UnexpectedRedirectError, match="redirect 301"):
        send(make(requests_mock), url=API + "incidents")
    assert requests_mock.call_count == 1


def test_timeouts_and_verify_are_applied(requests_mock, tmp_path):
    requests_mock.get(API + "incidents/", text="{}")
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    send(make(requests_mock, timeout=(2, 7), verify=str(bundle)))
    assert requests_mock.last_request.timeout == (2, 7)
    assert requests_mock.last_request.verify == str(bundle)
    send(make(requests_mock))
    assert requests_mock.last_request.timeout == (DEFAULT_TIMEOUT, DEFAULT_TIMEOUT)


@pytest.mark.parametrize("timeout", [0, -1, (1, 0), True, "5"])
def test_bad_timeouts(timeout):
    with pytest.raises((InvalidArgumentError, TypeError)):
        Transport(API, TOKEN, timeout=timeout)


def test_get_is_retried_on_503_then_succeeds(requests_mock, caplog):
    requests_mock.get(
        API + "incidents/",
        [{"status_code": 503}, {"status_code": 502}, {"status_code": 200, "text": "{}"}],
    )
    transport = make(requests_mock, retries=2)
    with caplog.at_level(logging.WARNING, logger="pyargus"):
        assert send(transport).status_code == 200
    assert requests_mock.call_count == 3
    assert len(transport.sleeps) == 2
    assert "status 503; retry 1 of 2" in caplog.text


def test_retries_are_bounded(requests_mock):
    requests_mock.get(API + "incidents/", status_code=503)
    transport = make(requests_mock, retries=RetryPolicy(attempts=4, backoff=0))
    with pytest.raises(ServerError) as info:
        send(transport)
    assert info.value.status_code == 503
    assert info.value.attempts == 4
    assert requests_mock.call_count == 4


def test_retry_after_is_honoured(requests_mock):
    requests_mock.get(
        API + "incidents/", [{"status_code": 429, "headers": {"Retry-After": "7"}}, {"text": "{}"}]
    )
    transport = make(requests_mock)
    send(transport)
    assert transport.sleeps == [7.0]


def test_retry_after_beyond_max_time_is_not_waited_for(requests_mock):
    requests_mock.get(API + "incidents/", status_code=429, headers={"Retry-After": "3600"})
    transport = make(requests_mock, retries=RetryPolicy(max_time=10))
    with pytest.raises(RateLimitError) as info:
        send(transport)
    assert info.value.retry_after == 3600
    assert transport.sleeps == []


def test_post_is_not_retried_on_5xx(requests_mock):
    requests_mock.post(API + "incidents/", status_code=503)
    transport = make(requests_mock)
    with pytest.raises(ServerError):
        send(transport, "POST")
    assert requests_mock.call_count == 1


def test_retries_zero_turns_retries_off(requests_mock):
    requests_mock.get(API + "incidents/", status_code=503)
    with pytest.raises(ServerError):
        send(make(requests_mock, retries=0))
    assert requests_mock.call_count == 1


def refused():
    reason = requests.packages.urllib3.exceptions.NewConnectionError(None, "Connection refused")
    return requests.ConnectionError(
        requests.packages.urllib3.exceptions.MaxRetryError(None, "/", reason)
    )


def test_post_is_retried_when_the_connection_was_refused(requests_mock):
    requests_mock.post(API + "incidents/", [{"exc": refused()}, {"status_code": 201, "text": "{}"}])
    assert send(make(requests_mock), "POST").status_code == 201
    assert requests_mock.call_count == 2


def test_post_is_not_retried_after_it_may_have_been_sent(requests_mock):
    requests_mock.post(API + "incidents/", exc=requests.ConnectionError("Connection reset by peer"))
    with pytest.raises(ClientConnectionError) as info:
        send(make(requests_mock), "POST")
    assert requests_mock.call_count == 1
    assert info.value.sent is True
    assert str(info.value) == (
        "POST /api/v2/incidents/: connection to http://127.0.0.1:8000 failed: "
        "Connection reset by peer"
    )


def test_get_connection_errors_are_retried_then_raised(requests_mock):
    requests_mock.get(API + "incidents/", exc=refused())
    with pytest.raises(ClientConnectionError) as info:
        send(make(requests_mock, retries=1))
    assert requests_mock.call_count == 2
    assert info.value.sent is False
    assert info.value.retryable
    assert "Connection refused" in str(info.value)


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (
            requests.ConnectTimeout("x"),
            "no connection to http://127.0.0.1:8000 within 2 s (connect timeout)",
        ),
        (
            requests.ReadTimeout("x"),
            "no answer from http://127.0.0.1:8000 within 7.5 s (read timeout)",
        ),
    ],
)
def test_timeouts_become_client_timeout_error(requests_mock, exc, message):
    requests_mock.get(API + "incidents/", exc=exc)
    with pytest.raises(ClientTimeoutError) as info:
        send(make(requests_mock, retries=0, timeout=(2, 7.5)))
    assert str(info.value) == f"GET /api/v2/incidents/: {message}"


def test_tls_errors(requests_mock):
    requests_mock.get(
        API + "incidents/", exc=requests.exceptions.SSLError("certificate verify failed")
    )
    with pytest.raises(
        ClientConnectionError,
        match=re.escape("TLS error with http://127.0.0.1:8000: certificate verify failed"),
    ):
        send(make(requests_mock, retries=0))


def test_debug_log_has_method_path_status_and_no_token(requests_mock, caplog):
    requests_mock.get(API + "incidents/", text="{}")
    with caplog.at_level(logging.DEBUG, logger="pyargus"):
        send(make(requests_mock), params={"open": "true"})
    assert "GET /api/v2/incidents/?open=true -> 200" in caplog.text
    assert "attempt 1" in caplog.text
    assert TOKEN not in caplog.text


@pytest.mark.parametrize(
    ("retries", "attempts"), [(None, 3), (0, 1), (5, 6), (RetryPolicy(attempts=2), 2)]
)
def test_retry_policy_from_retries(retries, attempts):
    assert RetryPolicy.from_retries(retries).attempts == attempts


@pytest.mark.parametrize("bad", [-1, True, "3", 1.5])
def test_bad_retries(bad):
    with pytest.raises(InvalidArgumentError):
        RetryPolicy.from_retries(bad)


def test_bad_policies():
    with pytest.raises(InvalidArgumentError):
        RetryPolicy(attempts=0)
    with pytest.raises(InvalidArgumentError):
        RetryPolicy(backoff=-1)


def test_backoff_is_jittered_exponential_and_capped():
    policy = RetryPolicy(backoff=1, max_backoff=4)
    for attempt, ceiling in [(1, 1), (2, 2), (3, 4), (4, 4), (10, 4)]:
        delays = {policy.delay(attempt) for _ in range(50)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1


def test_repr_hides_token():
    transport = Transport(API, TOKEN)
    assert TOKEN not in repr(transport)


def test_closes_only_its_own_session():
    own = Transport(API, TOKEN)
    own.close()
    session = requests.Session()
    closed = []
    session.close = lambda: closed.append(True)
    Transport(API, TOKEN, session=session).close()
    assert closed == []


def _wrapped(reason):
    """A requests ConnectionError as requests raises it for a failed connect."""
    return requests.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/", reason))


@pytest.mark.parametrize(
    ("exc", "cls", "message", "sent", "retryable"),
    [
        (
            _wrapped(
                urllib3.exceptions.NameResolutionError(
                    "argus.invalid", None, socket.gaierror(-2, "Name or service not known")
                )
            ),
            ClientConnectionError,
            "cannot resolve host 127.0.0.1 (Name or service not known): check the host name "
            "of the API root URL http://127.0.0.1:8000",
            False,
            False,
        ),
        (
            _wrapped(
                urllib3.exceptions.NewConnectionError(
                    HTTPConnection("127.0.0.1", 1),
                    "Failed to establish a new connection: [Errno 113] No route to host",
                )
            ),
            ClientConnectionError,
            "cannot connect to http://127.0.0.1:8000: Failed to establish a new connection: "
            "[Errno 113] No route to host",
            False,
            True,
        ),
        (
            requests.exceptions.SSLError(urllib3.exceptions.SSLError("handshake failure")),
            ClientConnectionError,
            "TLS error with http://127.0.0.1:8000: handshake failure",
            True,
            True,
        ),
        (
            requests.exceptions.ProxyError(OSError("Tunnel connection failed: 403")),
            ClientConnectionError,
            "proxy error on the way to http://127.0.0.1:8000: Tunnel connection failed: 403",
            True,
            True,
        ),
        (
            requests.exceptions.ContentDecodingError(OSError("incorrect header check")),
            DecodeError,
            "cannot decode the answer: incorrect header check",
            None,
            False,
        ),
        (
            requests.exceptions.InvalidHeader("Invalid return character in header"),
            InvalidArgumentError,
            "cannot build the request: Invalid return character in header",
            None,
            False,
        ),
    ],
)
def test_transport_errors_are_typed(requests_mock, exc, cls, message, sent, retryable):
    requests_mock.get(API + "incidents/", exc=exc)
    with pytest.raises(ArgusError) as info:
        send(make(requests_mock, retries=0))
    error = info.value
    assert type(error) is cls
    assert str(error) == f"GET /api/v2/incidents/: {message}"
    assert getattr(error, "sent", None) is sent
    assert error.retryable is retryable
    assert requests_mock.call_count == 1


def test_non_retryable_transport_errors_are_not_retried(requests_mock):
    requests_mock.get(API + "incidents/", exc=requests.exceptions.ContentDecodingError("bad gzip"))
    with pytest.raises(DecodeError):
        send(make(requests_mock, retries=3))
    assert requests_mock.call_count == 1


@pytest.mark.parametrize("bad", [None, 3, "", b"/ca.pem"])
def test_bad_verify(bad):
    with pytest.raises(InvalidArgumentError, match="verify"):
        Transport(API, TOKEN, verify=bad)


@pytest.mark.parametrize("timeout", [(1, 2, 3), (1,), [1, None], None, float("inf"), float("nan")])
def test_more_bad_timeouts(timeout):
    with pytest.raises(InvalidArgumentError, match="timeout must be a positive number"):
        Transport(API, TOKEN, timeout=timeout)


def test_timeout_as_a_list(requests_mock):
    requests_mock.get(API + "incidents/", text="{}")
    send(make(requests_mock, timeout=[3, 4.5]))
    assert requests_mock.last_request.timeout == (3.0, 4.5)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 0 ", 0.0),
        ("-5", 0.0),
        ("1.5", 1.5),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("Wed, 21 Oct 2015 07:28:30 -0000", 30.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, seconds):
    now = datetime(2015, 10, 21, 7, 28, tzinfo=timezone.utc).timestamp()
    assert parse_retry_after(value, now=now) == seconds


def test_no_token_sends_no_authorization_and_the_token_can_be_switched(requests_mock):
    requests_mock.post(API + "auth/token/login/", text="{}")
    transport = Transport(API, None)
    send(transport, "POST", API + "auth/token/login/")
    assert "Authorization" not in requests_mock.last_request.headers
    transport.set_token("new-token")
    send(transport, "POST", API + "auth/token/login/")
    assert requests_mock.last_request.headers["Authorization"] == "Token new-token"
    assert "new-token" not in repr(transport)


def test_netrc_neither_replaces_the_token_nor_adds_credentials(
    requests_mock, tmp_path, monkeypatch
):
    netrc = tmp_path / "netrc"
    netrc.write_text(
        "machine 127.0.0.1 login someone password secret\n"
        "machine other.example login someone password secret\n"
    )
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    requests_mock.get(API + "incidents/", text="{}")
    requests_mock.get("http://other.example/x/", text="{}")
    requests_mock.post(API + "auth/token/login/", text="{}")
    transport = make(requests_mock)
    send(transport)
    assert requests_mock.last_request.headers["Authorization"] == f"Token {TOKEN}"
    send(transport, url="http://other.example/x/")
    assert "Authorization" not in requests_mock.last_request.headers
    anonymous = Transport(API, None)
    send(anonymous, "POST", API + "auth/token/login/")
    assert "Authorization" not in requests_mock.last_request.headers


def test_a_session_header_cannot_replace_the_token(requests_mock):
    session = requests.Session()
    session.headers["Authorization"] = "Token from-the-session"
    requests_mock.get(API + "incidents/", text="{}")
    send(Transport(API, TOKEN, session=session))
    assert requests_mock.last_request.headers["Authorization"] == f"Token {TOKEN}"


def _dns_failure(code, text):
    """A failed name lookup as urllib3 raises it (the gaierror as its cause)."""
    gai = socket.gaierror(code, text)
    failed = urllib3.exceptions.NameResolutionError("argus.example.org", None, gai)
    failed.__cause__ = gai
    return _wrapped(failed)


def test_an_unknown_host_is_a_configuration_error(requests_mock):
    requests_mock.get(
        API + "incidents/", exc=_dns_failure(socket.EAI_NONAME, "Name or service not known")
    )
    with pytest.raises(ClientConnectionError) as info:
        send(make(requests_mock, retries=2))
    assert requests_mock.call_count == 1  # not retried
    assert not info.value.retryable
    assert not info.value.sent
    assert str(info.value) == (
        "GET /api/v2/incidents/: cannot resolve host 127.0.0.1 (Name or service not known): "
        "check the host name of the API root URL http://127.0.0.1:8000"
    )


def test_a_temporary_dns_failure_is_retried(requests_mock):
    failure = _dns_failure(socket.EAI_AGAIN, "Temporary failure in name resolution")
    requests_mock.post(API + "incidents/", [{"exc": failure}, {"status_code": 201, "text": "{}"}])
    assert send(make(requests_mock), "POST").status_code == 201  # nothing was sent: POST too
    requests_mock.post(API + "incidents/", exc=failure)
    with pytest.raises(ClientConnectionError) as info:
        send(make(requests_mock, retries=0), "POST")
    assert info.value.retryable and not info.value.sent
    assert str(info.value) == (
        "POST /api/v2/incidents/: cannot resolve host 127.0.0.1 now (Temporary failure in name "
        "resolution), for http://127.0.0.1:8000"
    )


def _tls_error(reason, text):
    inner = ssl.SSLError(1, f"[SSL: {reason}] {text} (_ssl.c:1006)")
    inner.reason = reason
    return requests.exceptions.SSLError(urllib3.exceptions.SSLError(inner))


@pytest.mark.parametrize(
    ("reason", "text", "problem", "retryable"),
    [
        ("WRONG_VERSION_NUMBER", "wrong version number", "speaks plain http, not TLS", False),
        ("RECORD_LAYER_FAILURE", "record layer failure", "speaks plain http, not TLS", False),
        ("PACKET_LENGTH_TOO_LONG", "packet length too long", "speaks plain http, not TLS", False),
        ("TLSV1_ALERT_PROTOCOL_VERSION", "tlsv1 alert protocol version", "TLS handshake", False),
        ("SSLV3_ALERT_HANDSHAKE_FAILURE", "sslv3 alert handshake failure", "TLS handshake", False),
        (
            "UNEXPECTED_EOF_WHILE_READING",
            "EOF occurred in violation of protocol",
            "TLS error",
            True,
        ),
    ],
)
def test_tls_errors_by_reason(requests_mock, reason, text, problem, retryable):
    requests_mock.get("https://127.0.0.1:8443/api/v2/incidents/", exc=_tls_error(reason, text))
    transport = Transport("https://127.0.0.1:8443/api/v2/", TOKEN, retries=1)
    transport._sleep = lambda seconds: None
    with pytest.raises(ClientConnectionError) as info:
        transport.send(("GET", "https://127.0.0.1:8443/api/v2/incidents/", {}))
    assert problem in str(info.value)
    assert "https://127.0.0.1:8443" in str(info.value)
    assert info.value.retryable is retryable
    assert info.value.sent is retryable  # a configuration error: nothing was sent
    assert requests_mock.call_count == (2 if retryable else 1)


def test_pool_size(requests_mock):
    adapter = Transport(API, TOKEN).session.get_adapter(API)
    assert adapter._pool_maxsize == DEFAULT_POOL_SIZE == 32
    assert Transport(API, TOKEN, pool_size=64).session.get_adapter("https://h/")._pool_maxsize == 64
    for bad in (0, -1, True, 2.5, "8"):
        with pytest.raises(InvalidArgumentError, match="pool_size must be a whole number >= 1"):
            Transport(API, TOKEN, pool_size=bad)
    with pytest.raises(InvalidArgumentError, match="applies to the session pyargus creates"):
        Transport(API, TOKEN, session=requests.Session(), pool_size=8)
