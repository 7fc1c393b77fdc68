"""Errors from a real Argus: the right exception class, with the server's message."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from pyargus.client import Client
from pyargus.exceptions import (
    AuthError,
    BadRequestError,
    DuplicateIncidentError,
    NotFoundError,
    NotSourceSystemError,
    ServerError,
)
from pyargus.models import Event, Incident
from pyargus.testing import ServerInfo

NewIncident = Callable[..., Incident]
UNKNOWN_PK = 987654321


def test_duplicate_source_incident_id(argus_client: Client, new_incident: NewIncident) -> None:
    sid = f"dup-{uuid.uuid4().hex[:12]}"
    first = argus_client.post_incident(new_incident(source_incident_id=sid))

    with pytest.raises(DuplicateIncidentError) as caught:
        argus_client.post_incident(new_incident(source_incident_id=sid))

    error = caught.value
    assert isinstance(error, BadRequestError)
    assert error.status_code == 400
    assert isinstance(error.body, list)  # Argus answers with a bare list here
    assert "incident_unique_source_incident_id_per_source" in str(error)
    assert sid in str(error)
    assert (
        "incident_unique_source_incident_id_per_source" in error.field_errors["non_field_errors"][0]
    )
    # Nothing was stored by the failed call.
    assert [i.pk for i in argus_client.get_my_incidents(source_incident_id=sid)] == [first.pk]


def test_duplicate_source_incident_id_of_a_closed_incident(
    argus_client: Client, new_incident: NewIncident
) -> None:
    sid = f"dup-{uuid.uuid4().hex[:12]}"
    first = argus_client.post_incident(new_incident(source_incident_id=sid))
    argus_client.resolve_incident(first)

    with pytest.raises(DuplicateIncidentError):
        argus_client.post_incident(new_incident(source_incident_id=sid))


def test_same_source_incident_id_from_another_source_is_fine(
    argus_client: Client, argus_other_source_client: Client, new_incident: NewIncident
) -> None:
    sid = f"dup-{uuid.uuid4().hex[:12]}"
    one = argus_client.post_incident(new_incident(source_incident_id=sid))
    two = argus_other_source_client.post_incident(new_incident(source_incident_id=sid))

    assert one.pk != two.pk
    assert argus_client.get_incident(two).source_incident_id == sid


def test_bad_token(argus_server: ServerInfo) -> None:
    with Client(argus_server.api_url, "0" * 64) as client, pytest.raises(AuthError) as caught:
        list(client.get_incidents())

    assert caught.value.status_code == 401
    assert caught.value.detail == "Invalid token."
    assert "Invalid token." in str(caught.value)


def test_bad_token_on_post(argus_server: ServerInfo, now: datetime) -> None:
    client = Client(argus_server.api_url, "not-a-token")
    with client, pytest.raises(AuthError) as caught:
        client.post_incident(Incident(start_time=now, tags={}))

    assert caught.value.status_code == 401


def test_unknown_incident(argus_client: Client) -> None:
    with pytest.raises(NotFoundError) as caught:
        argus_client.get_incident(UNKNOWN_PK)

    assert caught.value.status_code == 404
    assert caught.value.detail == "No Incident matches the given query."


def test_unknown_incident_events_and_acks(argus_client: Client) -> None:
    with pytest.raises(NotFoundError):
        argus_client.get_incident_events(UNKNOWN_PK)
    with pytest.raises(NotFoundError):
        argus_client.get_incident_acknowledgements(UNKNOWN_PK)


def test_update_of_an_unknown_incident(argus_client: Client) -> None:
    with pytest.raises(NotFoundError):
        argus_client.update_incident(Incident(pk=UNKNOWN_PK, level=1))


def test_event_on_an_unknown_incident_is_a_server_error(argus_client: Client) -> None:
    # argus-server 2.10.2 bug: an uncaught DoesNotExist (HTML 500), not a 404.
    with pytest.raises(ServerError) as caught:
        argus_client.post_incident_event(UNKNOWN_PK, Event(type="OTH"))

    assert caught.value.status_code == 500


def test_end_user_posting_an_incident(argus_admin_client: Client, now: datetime) -> None:
    with pytest.raises(NotSourceSystemError) as caught:
        argus_admin_client.post_incident(Incident(start_time=now, tags={}))

    error = caught.value
    assert isinstance(error, AuthError)  # a wrong token: fatal for a glue service
    assert not isinstance(error, BadRequestError)  # although Argus says 400, not 403
    assert error.status_code == 400
    assert error.body == ["The requesting user must have a connected source system."]
    assert "The requesting user must have a connected source system." in str(error)


def test_source_system_cannot_acknowledge_by_event(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident())

    with pytest.raises(BadRequestError) as caught:
        argus_client.post_incident_event(posted, Event(type="ACK"))

    assert caught.value.field_errors == {
        "type": ["A source system cannot post events of type 'ACK'."]
    }


def test_end_user_cannot_end_an_incident(
    argus_client: Client, argus_admin_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident())

    with pytest.raises(NotSourceSystemError) as caught:
        argus_admin_client.resolve_incident(posted)

    assert "An end user cannot post events of type 'END'." in str(caught.value)
    assert argus_client.get_incident(posted).open is True


def test_end_before_start_is_rejected_by_the_server(argus_client: Client, now: datetime) -> None:
    # The client checks this too; bypass the check to see the server's answer.
    with pytest.raises(BadRequestError) as caught:
        argus_client.api.create_incident(
            Incident(start_time=now, end_time=now - timedelta(hours=1), tags={})
        )

    assert caught.value.field_errors == {
        "non_field_errors": ["'end_time' cannot be before 'start_time'."]
    }


def test_clearing_the_ticket_url_by_update_is_rejected(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident(ticket_url="https://tickets.example.org/1"))
    fetched = argus_client.get_incident(posted)

    fetched.ticket_url = ""
    with pytest.raises(BadRequestError) as caught:
        argus_client.update_incident(fetched)

    assert caught.value.field_errors == {"ticket_url": ["Enter a valid URL."]}
    assert argus_client.get_incident(posted).ticket_url == "https://tickets.example.org/1"


def test_wrong_api_root_gives_a_readable_not_found(argus_server: ServerInfo) -> None:
    # A root without /api/v2/ is refused at once (test_misuse); a wrong prefix before it
    # reaches the server, which answers with an HTML page.
    client = Client(argus_server.root_url + "nothing/api/v2/", argus_server.source_token)
    with client, pytest.raises(NotFoundError) as caught:
        client.get_incident(1)

    assert caught.value.status_code == 404
    assert isinstance(caught.value.body, str)  # an HTML page
    assert "Page Not Found" in str(caught.value)
    assert "<" not in str(caught.value)
