"""AsyncClient's transport next to Client's: TLS, proxies, the token's origin, log records.

Each test runs the same thing through both clients (loopback servers only)
and asserts the same outcome; the fault table itself is in
``tests/test_fault_table.py``.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from pyargus.async_client import AsyncClient
from pyargus.client import Client
from pyargus.exceptions import ClientConnectionError
from pyargus.transport import RetryPolicy

from .conftest import TOKEN
from .fault_table import certificate
from .faults import Drop, FaultServer, Reply
from .wire import incident_json

PATH = "/api/v2/incidents/1/"
FAST = RetryPolicy(attempts=3, backoff=0.0)


def ok() -> Reply:
    return Reply(200, json=incident_json())


def get_with(use_async: bool, url: str, **kwargs: Any) -> Any:
    """``get_incident(1)`` through a fresh Client or AsyncClient of *url*."""
    if not use_async:
        with Client(url, TOKEN, **kwargs) as client:
            return client.get_incident(1)

    async def main() -> Any:
        async with AsyncClient(url, TOKEN, **kwargs) as client:
            return await client.get_incident(1)

    return asyncio.run(main())


BOTH = pytest.mark.parametrize("use_async", [False, True], ids=["sync", "async"])


@pytest.fixture
def tls_server() -> Iterator[FaultServer]:
    cert, key = certificate()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with FaultServer(ok(), tls=context) as server:
        yield server


@BOTH
def test_tls_verification_fails_typed_and_is_not_retried(use_async, tls_server) -> None:
    with pytest.raises(ClientConnectionError, match="TLS certificate verification failed") as info:
        get_with(use_async, tls_server.url + "/api/v2/")
    assert info.value.retryable is False and info.value.attempts == 1
    assert tls_server.count() == 0


@BOTH
def test_tls_with_the_ca_bundle_and_without_verification(use_async, tls_server) -> None:
    assert get_with(use_async, tls_server.url + "/api/v2/", verify=certificate()[0]).pk == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (urllib3's InsecureRequestWarning for the sync one)
        assert get_with(use_async, tls_server.url + "/api/v2/", verify=False).pk == 1
    assert tls_server.count() == 2
    assert all(seen.headers["authorization"] == f"Token {TOKEN}" for seen in tls_server.seen)


@BOTH
def test_the_ca_bundle_from_the_environment(use_async, tls_server, monkeypatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certificate()[0])
    assert get_with(use_async, tls_server.url + "/api/v2/").pk == 1


@BOTH
def test_http_proxy_from_the_environment(use_async, monkeypatch) -> None:
    """HTTP_PROXY is used as requests uses it, NO_PROXY skips it; ~/.netrc is never read."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with FaultServer(ok()) as proxy, FaultServer(ok()) as target:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        monkeypatch.setenv("http_proxy", proxy.url)
        assert get_with(use_async, target.url + "/api/v2/", retries=0).pk == 1
        assert [seen.path for seen in proxy.seen] == [target.url + PATH]  # an absolute URI
        assert target.count() == 0
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        assert get_with(use_async, target.url + "/api/v2/", retries=0).pk == 1
        assert (proxy.count(), target.count()) == (1, 1)


@BOTH
def test_the_token_goes_only_to_the_api_roots_origin(use_async, caplog) -> None:
    """Another port, or another loopback address (127.0.0.2), is another origin."""
    with (
        FaultServer(ok()) as server,
        FaultServer(Reply(200, json={})) as other,
        FaultServer(Reply(200, json={}), host="127.0.0.2", port=other.port) as second,
    ):
        for url in (other.url + PATH, second.url + PATH):
            if not use_async:
                with Client(server.url + "/api/v2/", TOKEN, retries=0) as client:
                    client.api.transport.send(("GET", url, {}))
            else:

                async def main(url: str = url) -> None:
                    async with AsyncClient(server.url + "/api/v2/", TOKEN, retries=0) as client:
                        await client.api.transport.send(("GET", url, {"headers": {}}))

                asyncio.run(main())
        assert (other.count(), second.count()) == (1, 1)
        assert all("authorization" not in seen.headers for seen in other.seen + second.seen)
        assert server.count() == 0
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("not sending the API token" in line for line in warned)


def retried_log(use_async: bool, caplog: pytest.LogCaptureFixture) -> list[tuple[str, int, str]]:
    caplog.clear()
    with FaultServer() as server:
        server.script(Reply(503), Drop(), ok())
        url = server.url + "/api/v2/"
        with caplog.at_level(logging.DEBUG, logger="pyargus"):
            if not use_async:
                with Client(url, TOKEN, retries=FAST) as client:
                    client.get_incident(1)
            else:

                async def main() -> None:
                    async with AsyncClient(url, TOKEN, retries=FAST) as client:
                        await client.get_incident(1)

                asyncio.run(main())
        port = str(server.port)
    return [
        (r.name, r.levelno, r.getMessage().replace(port, "PORT").split(" in ")[0])
        for r in caplog.records
        if r.name.startswith("pyargus")
    ]


def test_the_same_log_records_for_a_retried_request(caplog) -> None:
    sync, aio = retried_log(False, caplog), retried_log(True, caplog)
    assert aio == sync
    assert [level for _, level, _ in sync] == [
        logging.DEBUG,
        logging.WARNING,
        logging.DEBUG,
        logging.WARNING,
        logging.DEBUG,
    ]
    assert all(TOKEN not in message for _, _, message in sync + aio)
