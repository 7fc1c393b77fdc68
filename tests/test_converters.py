"""The converters: undecodable bodies and bodies without identity fields become DecodeError."""

import pytest

from pyargus.exceptions import (
    AuthError,
    DecodeError,
    NotFoundError,
    ServerError,
    UnexpectedRedirectError,
)

from .conftest import API, TOKEN
from .wire import incident_json


def test_error_status_raises_before_decoding(client, requests_mock):
    requests_mock.get(
        API + "incidents/1/",
        status_code=404,
        json={"detail": "No Incident matches the given query."},
        reason="Not Found",
    )
    with pytest.raises(NotFoundError) as info:
        client.get_incident(1)
    assert (
        str(info.value)
        == "GET /api/v2/incidents/1/: 404 Not Found: No Incident matches the given query."
    )
    assert info.value.response.url == API + "incidents/1/"
    assert info.value.response.method == "GET"


def test_html_error_pages_are_summarized(client, requests_mock):
    requests_mock.get(
        API + "incidents/1/",
        status_code=500,
        text="<!doctype html><html><head><title>Server Error (500)</title></head></html>",
        headers={"Content-Type": "text/html"},
    )
    with pytest.raises(ServerError, match=r"500: Server Error \(500\)$"):
        client.get_incident(1)


def test_redirect_is_an_error(client, requests_mock):
    requests_mock.get(API + "incidents/1/", status_code=301, headers={"Location": "https://other/"})
    with pytest.raises(UnexpectedRedirectError, match="redirect 301 to https://other/"):
        client.get_incident(1)


def test_auth_error_does_not_leak_the_token(client, requests_mock):
    requests_mock.get(API + "incidents/1/", status_code=401, json={"detail": "Invalid token."})
    with pytest.raises(AuthError) as info:
        client.get_incident(1)
    error = info.value
    for text in (str(error), repr(error), repr(error.response), str(error.response.body)):
        assert TOKEN not in text
    assert TOKEN not in str(error.response.headers)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": ""}, "empty body"),
        (
            {"text": "<html>hi</html>", "headers": {"Content-Type": "text/html"}},
            "an HTML page instead of JSON",
        ),
        ({"text": '{"pk": 1, "start_'}, "invalid JSON"),
        ({"json": ["a", "list"]}, "unexpected JSON shape"),
        ({"json": incident_json(start_time="not a time")}, "unexpected JSON shape"),
    ],
)
def test_undecodable_bodies(client, requests_mock, kwargs, message):
    requests_mock.get(API + "incidents/1/", status_code=200, **kwargs)
    with pytest.raises(DecodeError, match=message) as info:
        client.get_incident(1)
    assert str(info.value).startswith("GET /api/v2/incidents/1/: 200:")
    assert info.value.response.status_code == 200


@pytest.mark.parametrize("body", [{}, {"detail": "nothing here"}])
def test_a_2xx_object_without_identity_fields_is_a_decode_error(client, requests_mock, body):
    requests_mock.get(API + "incidents/1/", json=body)
    with pytest.raises(DecodeError) as info:
        client.get_incident(1)
    assert str(info.value) == (
        "GET /api/v2/incidents/1/: 200: missing required fields pk, start_time"
    )
    requests_mock.post(API + "incidents/", status_code=201, json=body)
    from datetime import datetime, timezone

    from pyargus.models import Incident

    with pytest.raises(DecodeError, match=r"^POST /api/v2/incidents/: 201: missing required"):
        client.post_incident(Incident(start_time=datetime(2026, 1, 1, tzinfo=timezone.utc)))


def test_a_list_item_without_identity_fields_is_a_decode_error(client, requests_mock):
    from .wire import event_json

    broken = event_json()
    del broken["pk"]
    requests_mock.get(API + "incidents/1/events/", json=[event_json(), broken])
    with pytest.raises(DecodeError) as info:
        client.get_incident_events(1)
    assert str(info.value) == "GET /api/v2/incidents/1/events/: 200: missing required field 1.pk"
