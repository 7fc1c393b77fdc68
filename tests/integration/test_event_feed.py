"""The all-incidents event feed and single events against a real Argus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from pyargus.client import Client
from pyargus.exceptions import InvalidArgumentError
from pyargus.models import Event, Incident
from pyargus.testing import ServerInfo

NewIncident = Callable[..., Incident]


def test_events_of_all_incidents_newest_first_over_several_pages(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    argus_admin_client: Client,
    new_incident: NewIncident,
    now: datetime,
) -> None:
    first = argus_client.post_incident(new_incident(start_time=now - timedelta(hours=3)))
    second = argus_client.post_incident(new_incident(start_time=now - timedelta(hours=2)))
    note = argus_client.post_incident_event(
        first, Event(type="OTH", description="note", timestamp=now - timedelta(hours=1))
    )
    ack = argus_admin_client.acknowledge_incident(second, "mine", now - timedelta(minutes=30))

    feed = list(argus_admin_client.get_events(page_size=2))  # 4 events: 2 pages
    assert [(e.incident, e.type) for e in feed] == [
        (second.pk, "ACK"),
        (first.pk, "OTH"),
        (second.pk, "STA"),
        (first.pk, "STA"),
    ]
    assert [e.pk for e in feed[:2]] == [ack.pk, note.pk]
    assert feed == sorted(feed, key=lambda e: e.timestamp, reverse=True)

    stored = argus_client.get_incident_event(first, note)
    assert stored == feed[1]
    assert (stored.actor, stored.description, stored.timestamp) == (
        argus_empty_db.source_name,
        "note",
        now - timedelta(hours=1),
    )


def test_the_feed_is_lazy(argus_client: Client, new_incident: NewIncident) -> None:
    argus_client.post_incident(new_incident())
    events = argus_client.get_events(page_size=1)
    newest = next(events)
    assert isinstance(newest, Event) and newest.pk is not None


def test_filters_the_server_would_ignore_are_refused(argus_client: Client) -> None:
    with pytest.raises(InvalidArgumentError, match="cannot filter events"):
        argus_client.get_events(incident=1)
