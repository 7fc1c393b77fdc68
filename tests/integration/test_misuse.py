"""Misuse against a real Argus: what the server would silently accept, and what pyargus says.

Each test shows the server's own behaviour (through ``extra_filters`` or raw
requests, which pyargus does not check) next to pyargus' refusal or error.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from datetime import datetime

import pytest

from pyargus.client import Client
from pyargus.exceptions import (
    AuthError,
    BadRequestError,
    ClientConnectionError,
    InvalidArgumentError,
    NotFoundError,
    NotSourceSystemError,
)
from pyargus.filters import INCIDENT_FILTERS, MY_INCIDENT_FILTERS
from pyargus.models import Event, Incident
from pyargus.testing import ServerInfo

from .conftest import RawAPI

NewIncident = Callable[..., Incident]


@pytest.fixture
def batch(argus_client: Client, new_incident: NewIncident) -> str:
    """Three open incidents of the source system, one of them about a disk, level 5."""
    tag = uuid.uuid4().hex[:12]
    for description in ("disk full on a", "cpu hot on b", "fan loud on c"):
        argus_client.post_incident(new_incident(description=description, tags={"batch": tag}))
    return tag


# Filters: the server ignores what pyargus refuses


def test_argus_ignores_unknown_filters_and_pyargus_refuses_them(
    argus_client: Client, batch: str
) -> None:
    tags = {"batch": batch}
    everything = argus_client.count_incidents(tags=tags)
    assert everything == 3
    for name in ("levle", "level", "opne", "search_text"):
        # Sent raw: Argus matches everything.
        assert argus_client.count_incidents(tags=tags, extra_filters={name: "1"}) == everything
        with pytest.raises(InvalidArgumentError, match=f"unknown filter {name!r} for incidents/"):
            argus_client.count_incidents(tags=tags, **{name: 1})


def test_argus_ignores_unreadable_booleans_and_small_page_sizes(
    raw_api: RawAPI, argus_client: Client, batch: str
) -> None:
    def count(query: str) -> int:
        answer = raw_api("GET", f"incidents/?tags=batch%3D{batch}&count&{query}")
        assert answer.status_code == 200, answer.text
        return int(answer.json()["count"])

    assert count("open=false") == 0  # all three are open
    assert count("open=yes") == count("open=maybe") == 3  # ignored: everything
    assert count("token_expiry=false") == 0  # any value selects token expiry incidents
    for value in ("yes", "maybe"):
        with pytest.raises(InvalidArgumentError, match="must be True or False"):
            argus_client.count_incidents(open=value)
    with pytest.raises(InvalidArgumentError, match="token_expiry can only be True"):
        argus_client.count_incidents(token_expiry=False)
    page = raw_api("GET", f"incidents/?tags=batch%3D{batch}&page_size=0").json()
    assert len(page["results"]) == 3  # page_size=0 ignored (the default of 100 applies)
    with pytest.raises(InvalidArgumentError, match="page_size must be a whole number >= 1"):
        argus_client.get_incidents(page_size=0)


@pytest.mark.parametrize("name", sorted(set(INCIDENT_FILTERS) - set(MY_INCIDENT_FILTERS)))
def test_incidents_mine_ignores_what_pyargus_refuses_there(
    argus_client: Client, argus_server: ServerInfo, batch: str, name: str
) -> None:
    # Values that select none of the batch on incidents/ ...
    nothing = {
        "search": "zzzz-no-such-text",
        "level__lte": 1,
        "id__in": [987654321],
        "source__id__in": [argus_server.other_source_pk],
        "source__name__in": ["nobody"],
        "source__type__in": ["argus"],
    }[name]
    tags = {"batch": batch}
    assert argus_client.count_incidents(tags=tags, **{name: nothing}) == 0
    # ... select all of it on incidents/mine/ (sent raw): Argus ignores the filter there.
    assert argus_client.count_my_incidents(tags=tags, extra_filters={name: nothing}) == 3
    with pytest.raises(InvalidArgumentError, match=f"filter {name} is not one of incidents/mine/"):
        argus_client.count_my_incidents(tags=tags, **{name: nothing})
    with pytest.raises(InvalidArgumentError, match=f"filter {name} is not one of incidents/mine/"):
        argus_client.get_my_incidents(tags=tags, **{name: nothing})


def test_the_bulk_resolve_of_the_report_closes_only_what_it_should(
    argus_client: Client, argus_server: ServerInfo, batch: str
) -> None:
    # The newcomer's bulk_resolve(get_my_incidents(open=True, search="disk")) closed all 5.
    with pytest.raises(InvalidArgumentError):
        argus_client.bulk_resolve(
            argus_client.get_my_incidents(open=True, tags={"batch": batch}, search="disk")
        )
    assert argus_client.count_my_incidents(open=True, tags={"batch": batch}) == 3
    # The way the message points to: search all incidents, limited to this source system.
    mine = argus_client.get_my_source_system()
    assert mine is not None and mine.pk == argus_server.source_pk
    disk = argus_client.get_incidents(
        open=True, tags={"batch": batch}, search="disk", source__id__in=[mine]
    )
    assert argus_client.bulk_resolve(disk).ok
    assert argus_client.count_my_incidents(open=True, tags={"batch": batch}) == 2


# The wrong kind of token


def test_an_end_users_token_in_a_glue_service(
    argus_admin_client: Client, argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident())
    calls = {
        "post incidents": lambda: argus_admin_client.post_incident(new_incident()),
        "post END events": lambda: argus_admin_client.resolve_incident(posted),
        "post RES events": lambda: argus_admin_client.restart_incident(posted),
        "post STA events": lambda: argus_admin_client.post_incident_event(
            posted, Event(type="STA")
        ),
        "send heartbeats": argus_admin_client.send_heartbeat,
    }
    for operation, call in calls.items():
        with pytest.raises(NotSourceSystemError) as caught:
            call()
        assert isinstance(caught.value, AuthError)
        assert not caught.value.retryable
        assert (
            f"the token's user is not a source system, and only source systems may {operation}"
            in str(caught.value)
        )
    for listing in (
        lambda: list(argus_admin_client.get_my_incidents(open=True)),
        argus_admin_client.count_my_incidents,
    ):
        with pytest.raises(NotSourceSystemError, match="so Argus lists no incidents as its own"):
            listing()
    assert argus_client.get_incident(posted).open is True


def test_which_source_system_a_token_is(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    argus_other_source_client: Client,
    argus_admin_client: Client,
    new_incident: NewIncident,
) -> None:
    # An empty database: found through sources/ and the users, not an incident.
    found = argus_client.get_my_source_system()
    assert found is not None
    assert (found.pk, found.name) == (argus_empty_db.source_pk, argus_empty_db.source_name)
    assert argus_admin_client.get_my_source_system() is None
    argus_other_source_client.post_incident(new_incident())
    other = argus_other_source_client.get_my_source_system()
    assert other is not None and other.pk == argus_empty_db.other_source_pk
    # A source system with nothing of its own gets an empty listing, not an error.
    assert list(argus_client.get_my_incidents()) == []


# Configuration errors


def test_https_to_the_plain_http_server(argus_server: ServerInfo, now: datetime) -> None:
    url = argus_server.api_url.replace("http://", "https://")
    host = url.split("/")[2]
    with Client(url, argus_server.source_token) as client:
        for call in (
            lambda: client.get_incident(1),
            lambda: client.post_incident(Incident(start_time=now)),
        ):
            with pytest.raises(ClientConnectionError) as caught:
                call()
            error = caught.value
            assert (error.retryable, error.sent, error.attempts) == (False, False, 1)
            assert f"https://{host} speaks plain http, not TLS: use http://{host}/api/v2/" in str(
                error
            )


def test_a_wrong_prefix_before_api_v2(argus_server: ServerInfo) -> None:
    url = argus_server.root_url + "argus/api/v2/"
    with Client(url, argus_server.source_token) as client:
        with pytest.raises(NotFoundError) as caught:
            client.get_incident(1)
        assert str(caught.value).endswith(
            "(the server has no such URL: is the API root URL right? It ends in /api/v2/; "
            "older Argus versions lack newer endpoints)"
        )
        with pytest.raises(NotFoundError, match="is the API root URL right"):
            client.is_alive()


def test_an_api_root_without_api_v2_is_refused(argus_server: ServerInfo) -> None:
    for url in (argus_server.root_url, argus_server.api_url + "incidents/"):
        with pytest.raises(InvalidArgumentError, match=f"use {argus_server.api_url}"):
            Client(url, argus_server.source_token)


def test_connection_refused_names_the_server() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = Client(f"http://127.0.0.1:{port}/api/v2/", "token", retries=0, timeout=2)
    with client, pytest.raises(ClientConnectionError) as caught:
        client.get_incident(1)
    assert str(caught.value) == (
        f"GET /api/v2/incidents/1/: connection refused by http://127.0.0.1:{port}"
    )
    assert caught.value.retryable and not caught.value.sent


# Bodies and incidents


def test_a_body_over_djangos_limit(argus_client: Client, new_incident: NewIncident) -> None:
    big = new_incident(description="x" * 2_700_000)
    with pytest.raises(BadRequestError) as caught:
        argus_client.post_incident(big)
    assert "Django, under Argus, refuses bodies over 2.5 MB (DATA_UPLOAD_MAX_MEMORY_SIZE)" in str(
        caught.value
    )
    # Just under the limit is stored.
    assert argus_client.post_incident(new_incident(description="x" * 2_500_000)).pk


def test_posting_an_incident_read_from_argus(
    argus_client: Client, new_incident: NewIncident
) -> None:
    original = argus_client.post_incident(new_incident(source_incident_id=uuid.uuid4().hex))
    fetched = argus_client.get_incident(original)
    assert fetched.ticket_url == ""
    fetched.source_incident_id = uuid.uuid4().hex
    copy = argus_client.post_incident(fetched)
    assert copy.pk != original.pk
    assert (copy.description, copy.tags, copy.start_time) == (
        original.description,
        original.tags,
        original.start_time,
    )


def test_resolving_a_closed_incident(argus_client: Client, new_incident: NewIncident) -> None:
    posted = argus_client.post_incident(new_incident())
    argus_client.resolve_incident(posted)

    def ends() -> int:
        return sum(e.type == "END" for e in argus_client.get_incident_events(posted))

    assert argus_client.resolve_incident(posted, only_if_open=True) is None
    assert ends() == 1
    # Without only_if_open, Argus records a second END from a source system.
    argus_client.resolve_incident(posted)
    assert ends() == 2
