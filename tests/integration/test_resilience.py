"""Resilience against a real Argus: lost answers, slow answers, many threads.

A :class:`~tests.faults.FaultServer` sits between the client and Argus as a
proxy on 127.0.0.1: it forwards each request to Argus and, when scripted,
drops or holds back Argus' answer *after Argus acted on the request*.
"""

from __future__ import annotations

import logging
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from pyargus.client import Client
from pyargus.exceptions import ClientConnectionError, ClientTimeoutError, DuplicateIncidentError
from pyargus.models import Incident
from pyargus.testing import ServerInfo
from pyargus.transport import RetryPolicy
from tests.docs import docs_code
from tests.faults import Drop, FaultServer, Forward, run_in_threads

NewIncident = Callable[..., Incident]
INCIDENTS = "/api/v2/incidents/"
FAST = RetryPolicy(attempts=3, backoff=0.05)


@pytest.fixture(autouse=True)
def no_token_in_logs(argus_server: ServerInfo, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture every logger at DEBUG; fail the test if a token was logged."""
    caplog.set_level(logging.DEBUG)
    yield
    tokens = [argus_server.source_token, argus_server.other_source_token, argus_server.admin_token]
    for record in caplog.records:
        text = record.getMessage()
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        assert not any(token and token in text for token in tokens), record


@pytest.fixture
def proxy(argus_server: ServerInfo) -> Iterator[tuple[FaultServer, int]]:
    """A FaultServer that relays everything to Argus unless scripted otherwise."""
    port = urlsplit(argus_server.api_url).port
    assert port is not None
    with FaultServer(Forward(port), timeout=30) as server:
        yield server, port


def through(proxy: FaultServer, argus_server: ServerInfo, **kwargs: Any) -> Client:
    return Client(proxy.url + "/api/v2/", argus_server.source_token, **kwargs)


def wait_for(check: Callable[[], Any], timeout: float = 30) -> Any:
    """The first true value of *check()*, polled for at most *timeout* seconds."""
    deadline = time.monotonic() + timeout
    while not (value := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return value


def sid() -> str:
    return f"resilience-{uuid.uuid4().hex[:12]}"


def test_post_whose_answer_is_lost_is_not_sent_again(
    argus_server: ServerInfo,
    argus_client: Client,
    proxy: tuple[FaultServer, int],
    new_incident: NewIncident,
) -> None:
    server, port = proxy
    lost = Forward(port, drop_answer=True)
    server.script(lost, path=INCIDENTS)
    incident = new_incident(source_incident_id=sid())

    client = through(server, argus_server, retries=FAST)
    with client, pytest.raises(ClientConnectionError) as caught:
        client.post_incident(incident)

    error = caught.value
    assert type(error) is ClientConnectionError
    assert str(error) == f"POST {INCIDENTS}: {server.url} closed the connection without answering"
    assert error.sent
    assert error.attempts == 1
    assert lost.answers == [b"HTTP/1.1 201 Created"]  # Argus stored it
    assert [(s.method, s.path) for s in server.seen] == [("POST", INCIDENTS)]
    stored = list(argus_client.get_my_incidents(source_incident_id=incident.source_incident_id))
    assert len(stored) == 1


def test_post_whose_answer_is_too_slow_is_not_sent_again(
    argus_server: ServerInfo,
    argus_client: Client,
    proxy: tuple[FaultServer, int],
    new_incident: NewIncident,
) -> None:
    server, port = proxy
    slow = Forward(port, delay=5)
    server.script(slow, path=INCIDENTS)
    incident = new_incident(source_incident_id=sid())

    client = through(server, argus_server, retries=FAST, timeout=(5, 0.5))
    with client, pytest.raises(ClientTimeoutError) as caught:
        client.post_incident(incident)

    assert str(caught.value) == (
        f"POST {INCIDENTS}: no answer from {server.url} within 0.5 s (read timeout)"
    )
    assert caught.value.sent
    assert caught.value.attempts == 1
    # (Argus may answer the proxy after the client gave up: wait for it.)
    assert wait_for(lambda: slow.answers) == [b"HTTP/1.1 201 Created"]
    assert server.count(INCIDENTS) == 1
    stored = list(argus_client.get_my_incidents(source_incident_id=incident.source_incident_id))
    assert len(stored) == 1


def test_glue_recovers_from_a_lost_answer_without_a_duplicate(
    argus_server: ServerInfo,
    argus_client: Client,
    proxy: tuple[FaultServer, int],
    new_incident: NewIncident,
) -> None:
    """The recipe of docs/errors.rst, against Argus: post, lose the answer, post again."""
    post_once = docs_code("post_once")["post_once"]
    server, port = proxy
    server.script(Forward(port, drop_answer=True), path=INCIDENTS)
    incident = new_incident(source_incident_id=sid())

    with through(server, argus_server, retries=FAST) as client:
        found = post_once(client, incident)  # the POST's answer is lost; found by lookup
        with pytest.raises(DuplicateIncidentError):
            client.post_incident(incident)  # a blind re-post is refused by Argus
        assert post_once(client, incident).pk == found.pk  # and post_once copes with that

    stored = list(argus_client.get_my_incidents(source_incident_id=incident.source_incident_id))
    assert [i.pk for i in stored] == [found.pk]


def test_get_is_retried_through_a_failing_proxy(
    argus_server: ServerInfo,
    argus_client: Client,
    proxy: tuple[FaultServer, int],
    new_incident: NewIncident,
) -> None:
    server, port = proxy
    posted = argus_client.post_incident(new_incident(source_incident_id=sid()))
    path = f"{INCIDENTS}{posted.pk}/"
    server.script(Drop(), Forward(port, drop_answer=True), path=path)

    with through(server, argus_server, retries=FAST) as client:
        assert client.get_incident(posted.pk).source_incident_id == posted.source_incident_id

    assert server.count(path) == 3


def test_a_listing_survives_a_lost_page(
    argus_server: ServerInfo,
    argus_client: Client,
    proxy: tuple[FaultServer, int],
    new_incident: NewIncident,
) -> None:
    server, port = proxy
    tag = uuid.uuid4().hex[:12]
    posted = [argus_client.post_incident(new_incident(tags={"batch": tag})) for _ in range(5)]
    mine = f"{INCIDENTS}mine/"
    relay = Forward(port)
    # Page 1 passes; page 2 is lost once (Argus answered it), then passes.
    server.script(relay, Forward(port, drop_answer=True), path=mine)

    with through(server, argus_server, retries=FAST) as client:
        listed = [i.pk for i in client.get_my_incidents(tags={"batch": tag}, page_size=2)]

    assert listed == [i.pk for i in posted]  # each once, in order (each started earlier)
    queries = [urlsplit(s.path).query for s in server.seen]
    assert len(queries) == 4  # pages 1, 2 (answer lost), 2 again, 3
    assert queries[1] == queries[2] != queries[3]


def test_eight_threads_share_one_client(
    argus_client: Client, new_incident: NewIncident, caplog: pytest.LogCaptureFixture
) -> None:
    rounds = 10
    done: dict[int, list[int]] = {}

    def work(thread: int) -> None:
        pks = []
        for n in range(rounds):
            incident = new_incident(source_incident_id=f"{sid()}-t{thread}-{n}")
            posted = argus_client.post_incident(incident)
            assert argus_client.get_incident(posted.pk).pk == posted.pk
            found = argus_client.get_my_incidents(source_incident_id=incident.source_incident_id)
            assert [i.pk for i in found] == [posted.pk]
            argus_client.resolve_incident(posted, f"thread {thread}")
            pks.append(posted.pk)
        done[thread] = pks

    assert run_in_threads(work, 8, timeout=300) == []
    pks = [pk for thread_pks in done.values() for pk in thread_pks]
    assert len(pks) == len(set(pks)) == 8 * rounds
    assert all(not argus_client.get_incident(pk).open for pk in pks[:: rounds // 2])
    full = [r for r in caplog.records if "pool is full" in r.getMessage()]
    assert full == []  # requests' pool (10 connections) is enough for 8 threads
