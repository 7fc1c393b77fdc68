"""Bulk operations against a real Argus, re-reading every incident afterwards.

Argus answers 201 as soon as one incident of a bulk request succeeded; these
tests check that pyargus reports each failure, and that ``bulk_resolve``
leaves incidents really closed for source systems and end users alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from pyargus.client import Client
from pyargus.exceptions import BulkError
from pyargus.models import INFINITY, STATELESS, Event, Incident
from pyargus.testing import ServerInfo

NewIncident = Callable[..., Incident]
MISSING = 2**31


def events_of(client: Client, incident: Incident) -> list[tuple[str, str]]:
    return [(event.type, event.actor) for event in client.get_incident_events(incident)]


@pytest.mark.parametrize("role", ["source", "admin"])
def test_bulk_acknowledge_reports_the_unknown_incident(
    argus_server: ServerInfo,
    argus_client: Client,
    new_incident: NewIncident,
    now: datetime,
    role: str,
) -> None:
    incidents = [argus_client.post_incident(new_incident()) for _ in range(2)]
    with argus_server.client(role) as client:
        username = client.get_current_user().username
        result = client.bulk_acknowledge(
            [*incidents, MISSING], "bulk", now, now + timedelta(hours=1)
        )
    assert list(result) == [incidents[0].pk, incidents[1].pk, MISSING]
    assert list(result.succeeded) == [incidents[0].pk, incidents[1].pk]
    assert result[MISSING].status == 400
    assert result[MISSING].error == f"Incident with id {MISSING} could not be found."
    with pytest.raises(BulkError, match=str(MISSING)):
        result.raise_for_failures()
    for incident in incidents:
        (ack,) = argus_client.get_incident_acknowledgements(incident)
        assert ack.pk == result[incident.pk].value.pk
        assert (ack.actor, ack.description, ack.expiration) == (
            username,
            "bulk",
            now + timedelta(hours=1),
        )
        assert argus_client.get_incident(incident).acked is True


def test_a_bulk_request_where_every_incident_fails_is_a_result(
    argus_admin_client: Client,
) -> None:
    result = argus_admin_client.bulk_set_ticket_url([MISSING, MISSING - 1], "https://t/1")
    assert not result.ok
    assert [item.status for item in result.values()] == [400, 400]


def test_bulk_set_ticket_url(
    argus_client: Client, argus_admin_client: Client, new_incident: NewIncident
) -> None:
    incidents = [argus_client.post_incident(new_incident()) for _ in range(2)]
    url = "https://tickets.example.org/OPS-9"
    result = argus_admin_client.bulk_set_ticket_url(incidents, url)
    assert result.ok and result.succeeded == {incident.pk: url for incident in incidents}
    for incident in incidents:
        assert argus_client.get_incident(incident).ticket_url == url
        assert events_of(argus_client, incident)[0] == ("CHI", "admin")


def test_bulk_close_and_reopen_events_change_the_state(
    argus_client: Client, argus_admin_client: Client, new_incident: NewIncident
) -> None:
    incidents = [argus_client.post_incident(new_incident()) for _ in range(2)]
    closed = argus_admin_client.bulk_post_event(incidents, Event(type="CLO", description="x"))
    assert closed.ok and {item.value.type for item in closed.values()} == {"CLO"}
    assert [argus_client.get_incident(i).open for i in incidents] == [False, False]

    reopened = argus_admin_client.bulk_post_event(incidents, Event(type="REO"))
    assert reopened.ok
    for incident in incidents:
        stored = argus_client.get_incident(incident)
        assert (stored.open, stored.end_time) == (True, INFINITY)


def test_bulk_notes_by_a_source_system(
    argus_server: ServerInfo, argus_client: Client, new_incident: NewIncident
) -> None:
    incident = argus_client.post_incident(new_incident(end_time=STATELESS))
    result = argus_client.bulk_post_event([incident], Event(type="OTH", description="note"))
    assert result[incident.pk].value.description == "note"
    assert events_of(argus_client, incident)[0] == ("OTH", argus_server.source_name)


def test_bulk_resolve_as_a_source_system_posts_end_events(
    argus_server: ServerInfo,
    argus_client: Client,
    new_incident: NewIncident,
    now: datetime,
) -> None:
    open_ones = [argus_client.post_incident(new_incident()) for _ in range(2)]
    already = argus_client.post_incident(new_incident())
    argus_client.resolve_incident(already, "earlier", now - timedelta(seconds=10))
    stateless = argus_client.post_incident(new_incident(end_time=STATELESS))

    result = argus_client.bulk_resolve([*open_ones, already, stateless, MISSING], "retired", now)

    source = argus_server.source_name
    assert [(item.status, item.ok) for item in result.values()] == [
        (201, True),
        (201, True),
        (200, True),
        (400, False),
        (404, False),
    ]
    for incident in open_ones:
        stored = argus_client.get_incident(incident)
        assert (stored.open, stored.end_time) == (False, now)
        assert events_of(argus_client, incident)[0] == ("END", source)
        assert result[incident.pk].value.type == "END"
    assert events_of(argus_client, already).count(("END", source)) == 1  # no second END
    assert argus_client.get_incident(stateless).end_time is STATELESS

    again = argus_client.bulk_resolve(open_ones)
    assert [(item.status, item.value) for item in again.values()] == [(200, None), (200, None)]
    assert events_of(argus_client, open_ones[0]).count(("END", source)) == 1


def test_bulk_resolve_as_an_end_user_closes_with_one_bulk_clo(
    argus_client: Client, argus_admin_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    incidents = [argus_client.post_incident(new_incident()) for _ in range(3)]
    argus_admin_client.bulk_post_event(incidents[2:], Event(type="CLO"))  # closed before

    result = argus_admin_client.bulk_resolve(incidents, "closed by the operator", now)

    assert result.ok
    assert [item.status for item in result.values()] == [201, 201, 200]
    for incident in incidents[:2]:
        stored = argus_client.get_incident(incident)
        assert (stored.open, stored.end_time) == (False, now)
        types = events_of(argus_client, incident)
        assert types[0] == ("CLO", "admin")
        assert ("END", "admin") not in types  # the refused END left nothing behind
    assert events_of(argus_client, incidents[2]).count(("CLO", "admin")) == 1


def test_any_source_system_may_resolve_another_ones_incidents(
    argus_server: ServerInfo,
    argus_client: Client,
    argus_other_source_client: Client,
    new_incident: NewIncident,
) -> None:
    incident = argus_client.post_incident(new_incident())
    result = argus_other_source_client.bulk_resolve([incident])
    assert result.ok and result[incident.pk].value.actor == argus_server.other_source_name
    assert argus_client.get_incident(incident).open is False
