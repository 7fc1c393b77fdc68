"""Client: the wrong kind of token, re-posting a fetched incident, resolve only if open,
is_alive for a server that is not Argus, the pool size option."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests

from pyargus.client import Client
from pyargus.exceptions import (
    AuthError,
    BadRequestError,
    ClientConnectionError,
    DecodeError,
    InvalidArgumentError,
    NotSourceSystemError,
)
from pyargus.models import Incident, SourceSystem

from .conftest import API, TOKEN
from .wire import SOURCE_SYSTEMS, SOURCE_USER, USER, event_json, incident_json, page_json

MINE = API + "incidents/mine/"
NOT_SOURCE = ["The requesting user must have a connected source system."]


def users(requests_mock, current: dict) -> None:
    """auth/user/ is *current*; auth/users/{pk}/ for every source system's user."""
    requests_mock.get(API + "auth/user/", json=current)
    requests_mock.get(API + "incidents/sources/", json=SOURCE_SYSTEMS)
    for source in SOURCE_SYSTEMS:
        requests_mock.get(
            API + f"auth/users/{source['user']}/",
            json=dict(SOURCE_USER, username=source["name"], admin_url=None),
        )


def paths(requests_mock) -> list[str]:
    return [
        f"{r.method} {r.path}{'?' + r.query if r.query else ''}"
        for r in requests_mock.request_history
    ]


class TestGetMySourceSystem:
    def test_from_the_newest_of_my_incidents(self, client, requests_mock):
        requests_mock.get(MINE, json=page_json([incident_json()]))
        source = client.get_my_source_system()
        assert source == SourceSystem(pk=2, name="testsource", type="argus", user=3, base_url="")
        assert paths(requests_mock) == ["GET /api/v2/incidents/mine/?page_size=1"]

    def test_a_source_system_without_incidents_is_found_by_its_user(self, client, requests_mock):
        requests_mock.get(MINE, json=page_json([]))
        users(requests_mock, SOURCE_USER)  # username testsource
        source = client.get_my_source_system()
        assert source is not None and source.pk == 2
        # The source system named like the user is asked about first.
        assert paths(requests_mock) == [
            "GET /api/v2/incidents/mine/?page_size=1",
            "GET /api/v2/auth/user/",
            "GET /api/v2/incidents/sources/",
            "GET /api/v2/auth/users/3/",
        ]

    def test_a_source_system_whose_user_has_another_name(self, client, requests_mock):
        requests_mock.get(MINE, json=page_json([]))
        users(requests_mock, dict(SOURCE_USER, username="othersource"))
        assert client.get_my_source_system().pk == 3

    def test_an_end_user_has_none(self, client, requests_mock):
        requests_mock.get(MINE, json=page_json([]))
        users(requests_mock, USER)  # admin: no source system has that user
        requests_mock.get(API + "auth/users/1/", status_code=404, json={"detail": "No User"})
        assert client.get_my_source_system() is None
        assert all(r.method == "GET" for r in requests_mock.request_history)


class TestMineWithTheWrongToken:
    def test_an_empty_mine_listing_of_an_end_user_raises(self, client, requests_mock):
        requests_mock.get(MINE, json=page_json([]))
        users(requests_mock, USER)
        listing = client.get_my_incidents(open=True)
        with pytest.raises(NotSourceSystemError) as info:
            next(listing)
        assert isinstance(info.value, AuthError) and not info.value.retryable
        assert str(info.value) == (
            "GET /api/v2/incidents/mine/: the token's user is not a source system, so Argus "
            "lists no incidents as its own: use a source system's token (or get_incidents() "
            "for all incidents)"
        )
        asked = requests_mock.call_count
        with pytest.raises(NotSourceSystemError):
            list(client.get_my_incidents())
        assert requests_mock.call_count == asked + 1  # asked once per client

    def test_a_zero_count_of_an_end_user_raises(self, client, requests_mock):
        requests_mock.get(MINE, [{"json": {"count": 0, "params": {}}}, {"json": page_json([])}])
        users(requests_mock, USER)
        with pytest.raises(NotSourceSystemError, match=r"^GET /api/v2/incidents/mine/\?count: "):
            client.count_my_incidents(open=True)

    def test_a_source_system_with_nothing_to_list_gets_an_empty_listing(
        self, client, requests_mock
    ):
        requests_mock.get(MINE, json=page_json([]))
        users(requests_mock, SOURCE_USER)
        assert list(client.get_my_incidents(source_incident_id="x")) == []
        asked = requests_mock.call_count
        assert list(client.get_my_incidents(source_incident_id="y")) == []
        assert requests_mock.call_count == asked + 1  # known now: no more checks

    def test_a_listing_with_incidents_is_not_checked(self, client, requests_mock):
        requests_mock.get(MINE, json=page_json([incident_json()]))
        assert [i.pk for i in client.get_my_incidents()] == [1]
        assert requests_mock.call_count == 1


class TestSourceSystemOperations:
    def test_posting_an_incident(self, client, requests_mock):
        requests_mock.post(
            API + "incidents/", status_code=400, json=NOT_SOURCE, reason="Bad Request"
        )
        with pytest.raises(NotSourceSystemError) as info:
            client.post_incident(Incident(start_time=datetime.now(timezone.utc)))
        assert not isinstance(info.value, BadRequestError)  # not "skip this item"
        assert str(info.value) == (
            "POST /api/v2/incidents/: 400 Bad Request: the token's user is not a source "
            "system, and only source systems may post incidents: use a source system's "
            "token (Argus: The requesting user must have a connected source system.)"
        )

    @pytest.mark.parametrize("method", ["resolve_incident", "restart_incident"])
    def test_end_and_restart(self, client, requests_mock, method):
        code = "END" if method == "resolve_incident" else "RES"
        body = {"type": f"An end user cannot post events of type '{code}'."}
        requests_mock.post(API + "incidents/5/events/", status_code=400, json=body)
        with pytest.raises(
            NotSourceSystemError, match=f"only source systems may post {code} events"
        ):
            getattr(client, method)(5)


class TestResolveOnlyIfOpen:
    def test_a_closed_incident_gets_no_second_end(self, client, requests_mock):
        requests_mock.get(
            API + "incidents/5/",
            json=incident_json(pk=5, open=False, end_time="2026-11-27T10:00:00+01:00"),
        )
        post = requests_mock.post(API + "incidents/5/events/", status_code=201, json=event_json())
        assert client.resolve_incident(5, only_if_open=True) is None
        assert not post.called

    def test_an_open_incident_is_ended(self, client, requests_mock):
        requests_mock.get(API + "incidents/5/", json=incident_json(pk=5))
        post = requests_mock.post(API + "incidents/5/events/", status_code=201, json=event_json())
        event = client.resolve_incident(Incident(pk=5), "gone", only_if_open=True)
        assert event is not None and event.type == "END"
        assert post.last_request.json()["description"] == "gone"

    def test_without_it_nothing_is_read_first(self, client, requests_mock):
        post = requests_mock.post(API + "incidents/5/events/", status_code=201, json=event_json())
        client.resolve_incident(5)
        assert requests_mock.call_count == 1 and post.called


def test_an_incident_read_from_argus_can_be_posted_again(client, requests_mock):
    requests_mock.get(API + "incidents/1/", json=incident_json())
    post = requests_mock.post(API + "incidents/", status_code=201, json=incident_json(pk=9))
    fetched = client.get_incident(1)
    assert fetched.ticket_url == ""
    assert client.post_incident(fetched).pk == 9
    body = post.last_request.json()
    assert "ticket_url" not in body  # Argus' create refuses "" ("Enter a valid URL.")
    assert "pk" not in body and "source" not in body
    assert body["source_incident_id"] == "lab-1"
    assert body["tags"] == [{"tag": "host=a.example.org"}, {"tag": "org=uni"}, {"tag": "org=dept"}]
    set_url = Incident(start_time=fetched.start_time, ticket_url="https://t.example.org/1")
    client.post_incident(set_url)
    assert post.last_request.json()["ticket_url"] == "https://t.example.org/1"


class TestIsAliveForAServerThatIsNotArgus:
    def test_a_200_page_for_still_alive(self, client, requests_mock):
        requests_mock.get("http://127.0.0.1:8000/.still-alive/", text="<html>app</html>")
        with pytest.raises(DecodeError) as info:
            client.is_alive()
        assert str(info.value) == (
            "GET /.still-alive/: 200: Argus answers 204 and no body; is "
            "http://127.0.0.1:8000/api/v2/ the API root URL of an Argus server?"
        )

    def test_configuration_errors_raise_instead_of_false(self, client, requests_mock):
        gone = requests.exceptions.SSLError("[SSL: WRONG_VERSION_NUMBER] wrong version number")
        requests_mock.get("http://127.0.0.1:8000/.still-alive/", exc=gone)
        with pytest.raises(ClientConnectionError) as info:
            client.is_alive()
        assert not info.value.retryable


def test_pool_size_option():
    with Client(API, TOKEN, pool_size=48) as client:
        assert client.api.transport.session.get_adapter(API)._pool_maxsize == 48
    with Client(API, TOKEN) as client:
        assert client.api.transport.session.get_adapter(API)._pool_maxsize == 32
    with pytest.raises(InvalidArgumentError, match="pool_size"):
        Client(API, TOKEN, session=requests.Session(), pool_size=48)
