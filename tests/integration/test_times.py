"""Datetimes against a real Argus whose TIME_ZONE is not UTC.

Argus answers in its own time zone (the harness runs it in Europe/Oslo)
and reads a *naive* datetime in that zone too. pyargus takes a naive
datetime as the local time of the machine it runs on, so it must send an
explicit offset. The tests here run with the client in UTC and in a zone
that differs from the server's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from pyargus.client import Client
from pyargus.models import Incident
from pyargus.testing import ServerInfo

OSLO_WINTER = timedelta(hours=1)
OSLO_SUMMER = timedelta(hours=2)


@pytest.fixture(autouse=True)
def _oslo_server(argus_server: ServerInfo) -> None:
    if argus_server.time_zone != "Europe/Oslo":
        pytest.skip(f"these tests expect the server in Europe/Oslo, not {argus_server.time_zone}")


@pytest.mark.parametrize(
    ("when", "offset"),
    [
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc), OSLO_WINTER),
        (datetime(2026, 7, 2, 3, 4, 5, 123456, tzinfo=timezone.utc), OSLO_SUMMER),
        (datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5))), OSLO_WINTER),
    ],
)
def test_aware_datetimes_keep_their_instant(
    argus_client: Client, when: datetime, offset: timedelta
) -> None:
    posted = argus_client.post_incident(Incident(start_time=when, tags={}))

    stored = argus_client.get_incident(posted)

    assert stored.start_time == when
    assert stored.start_time is not None
    # Argus answers in its own zone.
    assert stored.start_time.utcoffset() == offset


def test_naive_datetime_is_client_local_time_in_utc(
    argus_client: Client, local_time_zone: Callable[[str], None]
) -> None:
    local_time_zone("UTC")
    naive = datetime(2026, 1, 2, 3, 4, 5)

    posted = argus_client.post_incident(Incident(start_time=naive, tags={}))
    stored = argus_client.get_incident(posted)

    assert stored.start_time == naive.replace(tzinfo=timezone.utc)
    assert stored.start_time is not None
    assert stored.start_time.isoformat() == "2026-01-02T04:04:05+01:00"


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "Europe/Oslo"])
def test_naive_datetime_is_client_local_time_in_other_zones(
    argus_client: Client, local_time_zone: Callable[[str], None], zone: str
) -> None:
    local_time_zone(zone)
    naive = datetime(2026, 1, 2, 3, 4, 5)
    expected = naive.astimezone()  # the client machine's local time

    posted = argus_client.post_incident(Incident(start_time=naive, tags={}))
    stored = argus_client.get_incident(posted)

    assert stored.start_time == expected
    if zone != "Europe/Oslo":
        # Not what Argus would make of the naive string in its own zone.
        assert stored.start_time != naive.replace(tzinfo=timezone(OSLO_WINTER))


def test_naive_end_time_and_event_timestamp_are_local_time(
    argus_client: Client, local_time_zone: Callable[[str], None]
) -> None:
    local_time_zone("America/New_York")
    start = datetime(2026, 1, 2, 3, 4, 5)
    end = datetime(2026, 1, 2, 4, 0, 0)
    resolved_at = datetime(2026, 1, 2, 5, 0, 0)

    closed = argus_client.post_incident(Incident(start_time=start, end_time=end, tags={}))
    opened = argus_client.post_incident(Incident(start_time=start, tags={}))
    event = argus_client.resolve_incident(opened, timestamp=resolved_at)

    assert argus_client.get_incident(closed).end_time == end.astimezone()
    assert event.timestamp == resolved_at.astimezone()
    assert argus_client.get_incident(opened).end_time == resolved_at.astimezone()


def test_received_and_added_times_are_aware(argus_client: Client) -> None:
    now = datetime.now(timezone.utc)
    posted = argus_client.post_incident(Incident(start_time=now, tags={"a": "b"}))

    events = argus_client.get_incident_events(posted)

    assert events[0].received is not None
    assert events[0].received.tzinfo is not None
    assert abs(events[0].received - now) < timedelta(minutes=5)
