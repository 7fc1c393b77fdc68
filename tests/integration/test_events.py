"""Events and acknowledgements against a real Argus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import requests

from pyargus.client import Client
from pyargus.models import Event, Incident
from pyargus.testing import ServerInfo

NewIncident = Callable[..., Incident]
RawAPI = Callable[..., requests.Response]


def test_post_incident_event(
    argus_server: ServerInfo, argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    posted = argus_client.post_incident(new_incident(start_time=now - timedelta(hours=1)))

    returned = argus_client.post_incident_event(
        posted, Event(type="OTH", description="a note", timestamp=now - timedelta(minutes=5))
    )
    events = argus_client.get_incident_events(posted)

    stored = next(event for event in events if event.pk == returned.pk)
    assert stored.type == "OTH"
    assert stored.description == "a note"
    assert stored.timestamp == now - timedelta(minutes=5)
    assert stored.actor == argus_server.source_name
    assert stored.incident == posted.pk
    assert stored.received is not None
    # An OTH event does not change the state.
    assert argus_client.get_incident(posted).open is True


def test_event_timestamp_defaults_to_now(argus_client: Client, new_incident: NewIncident) -> None:
    posted = argus_client.post_incident(new_incident())
    before = datetime.now().astimezone()

    returned = argus_client.post_incident_event(posted, Event(type="OTH"))

    stored = next(e for e in argus_client.get_incident_events(posted) if e.pk == returned.pk)
    assert stored.timestamp is not None
    assert before - timedelta(seconds=5) <= stored.timestamp <= datetime.now().astimezone()


def test_get_incident_events_newest_first(
    argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    posted = argus_client.post_incident(new_incident(start_time=now - timedelta(hours=2)))
    for minutes, text in ((30, "older"), (10, "newest"), (60, "oldest")):
        argus_client.post_incident_event(
            posted, Event(type="OTH", description=text, timestamp=now - timedelta(minutes=minutes))
        )

    events = argus_client.get_incident_events(posted)

    assert [e.description for e in events[:3]] == ["newest", "older", "oldest"]
    assert events[-1].type == "STA"
    timestamps = [e.timestamp for e in events]
    assert timestamps == sorted(timestamps, reverse=True)  # type: ignore[type-var]


def test_get_incident_acknowledgements(
    argus_server: ServerInfo,
    argus_client: Client,
    new_incident: NewIncident,
    raw_api: RawAPI,
    now: datetime,
) -> None:
    posted = argus_client.post_incident(new_incident())
    assert argus_client.get_incident_acknowledgements(posted) == []

    # The client has no method to acknowledge yet: post the ack as the admin.
    response = raw_api(
        "POST",
        f"incidents/{posted.pk}/acks/",
        role="admin",
        json={
            "timestamp": now.isoformat(),
            "description": "looking into it",
            "expiration": (now + timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text

    acks = argus_client.get_incident_acknowledgements(posted)

    assert len(acks) == 1
    ack = acks[0]
    assert ack.pk == response.json()["pk"]
    assert ack.expiration == now + timedelta(hours=1)
    assert ack.event is not None
    assert ack.event.type == "ACK"
    assert ack.description == "looking into it"
    assert ack.actor == argus_server.admin_username
    assert ack.timestamp == now
    assert argus_client.get_incident(posted).acked is True
    assert "ACK" in [e.type for e in argus_client.get_incident_events(posted)]


def test_acknowledgement_without_expiration(
    argus_client: Client, new_incident: NewIncident, raw_api: RawAPI, now: datetime
) -> None:
    posted = argus_client.post_incident(new_incident())
    response = raw_api(
        "POST", f"incidents/{posted.pk}/acks/", role="source", json={"timestamp": now.isoformat()}
    )
    assert response.status_code == 201, response.text  # source systems may ack too

    (ack,) = argus_client.get_incident_acknowledgements(posted)

    assert ack.expiration is None
    assert ack.description == ""
    assert argus_client.get_incident(posted).acked is True


def test_expired_acknowledgement_does_not_count(
    argus_client: Client, new_incident: NewIncident, raw_api: RawAPI, now: datetime
) -> None:
    posted = argus_client.post_incident(new_incident(start_time=now - timedelta(days=2)))
    response = raw_api(
        "POST",
        f"incidents/{posted.pk}/acks/",
        role="admin",
        json={
            "timestamp": (now - timedelta(days=1)).isoformat(),
            "expiration": (now - timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text

    assert len(argus_client.get_incident_acknowledgements(posted)) == 1
    assert argus_client.get_incident(posted).acked is False
