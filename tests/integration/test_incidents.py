"""Incidents against a real Argus: list, page, filter, fetch, post, update, resolve, restart.

Every test re-reads what the server stored instead of trusting the value a
call returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest
import requests

from pyargus.client import Client
from pyargus.exceptions import NotSourceSystemError
from pyargus.fastschema import ENABLED
from pyargus.models import INFINITY, STATELESS, Incident, Tags
from pyargus.pagination import StreamedPage, streamed
from pyargus.testing import ServerInfo

NewIncident = Callable[..., Incident]


def _sid() -> str:
    return f"it-{uuid.uuid4().hex[:12]}"


def _recording_client(info: ServerInfo, role: str = "source") -> tuple[Client, list[str]]:
    """A client whose session records the URL of every request it sends."""
    urls: list[str] = []
    session = requests.Session()
    session.trust_env = False

    def record(response: requests.Response, *args: object, **kwargs: object) -> None:
        urls.append(response.request.url or "")

    session.hooks["response"].append(record)
    return info.client(role, session=session), urls


# Listing and pagination


def test_pagination_follows_next_with_filters_kept(
    argus_empty_db: ServerInfo, argus_client: Client, new_incident: NewIncident
) -> None:
    batch = uuid.uuid4().hex[:8]
    tagged = [
        argus_client.post_incident(new_incident(tags={"batch": batch, "n": str(n)})).pk
        for n in range(7)
    ]
    for _ in range(3):  # not matched by the filter, interleaved in time
        argus_client.post_incident(new_incident(tags={"batch": "other"}))
    client, urls = _recording_client(argus_empty_db)
    with client:
        found = list(client.get_incidents(tags={"batch": batch}, page_size=2))

    # Newest first: new_incident() starts each incident a minute earlier.
    assert [incident.pk for incident in found] == tagged
    assert len(urls) == 4  # pages of 2, 2, 2, 1
    for url in urls:
        assert "page_size=2" in url
        assert f"tags=batch%3D{batch}" in url
    assert all("cursor=" in url for url in urls[1:])


def test_pagination_is_lazy(
    argus_empty_db: ServerInfo, argus_client: Client, new_incident: NewIncident
) -> None:
    for _ in range(5):
        argus_client.post_incident(new_incident())
    client, urls = _recording_client(argus_empty_db)
    with client:
        incidents = client.get_incidents(page_size=2)
        assert urls == []
        first = next(incidents)
        assert len(urls) == 1
        assert first.pk is not None


@pytest.mark.skipif(not ENABLED, reason="direct calls are off: whole pages")
def test_a_streamed_page_loads_what_the_plain_page_loads(
    argus_client: Client, new_incident: NewIncident
) -> None:
    for _ in range(3):
        argus_client.post_incident(new_incident(tags={"host": "a", "n": "1"}))
    for declaration in (argus_client.api.list_incidents, argus_client.api.list_my_incidents):
        plain = declaration(page_size=2)
        page = streamed(declaration)(page_size=2)
        assert isinstance(page, StreamedPage)
        assert isinstance(plain.results, list)
        assert len(page.results) == len(plain.results) == 2
        assert (page.next is None) == (plain.next is None)
        assert list(page.results) == plain.results  # the same Incident values, field by field


def test_get_my_incidents_versus_all(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    argus_other_source_client: Client,
    argus_admin_client: Client,
    new_incident: NewIncident,
) -> None:
    mine = {argus_client.post_incident(new_incident()).pk for _ in range(3)}
    theirs = {argus_other_source_client.post_incident(new_incident()).pk for _ in range(2)}

    assert {i.pk for i in argus_client.get_my_incidents(page_size=2)} == mine
    assert {i.pk for i in argus_other_source_client.get_my_incidents()} == theirs
    everything = mine | theirs
    assert {i.pk for i in argus_client.get_incidents(page_size=2)} == everything
    assert {i.pk for i in argus_admin_client.get_incidents()} == everything
    # The admin has no source system: nothing is "mine", and pyargus says why.
    with pytest.raises(NotSourceSystemError, match="the token's user is not a source system"):
        list(argus_admin_client.get_my_incidents())
    for incident in argus_client.get_incidents():
        expected = argus_empty_db.source_name if incident.pk in mine else None
        if expected:
            assert incident.source is not None
            assert incident.source.name == expected
            assert incident.source.pk == argus_empty_db.source_pk


def test_get_my_incidents_filters(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    new_incident: NewIncident,
    now: datetime,
) -> None:
    sid = _sid()
    wanted = argus_client.post_incident(new_incident(source_incident_id=sid))
    argus_client.post_incident(new_incident(source_incident_id=_sid()))

    found = list(argus_client.get_my_incidents(source_incident_id=sid))

    assert [i.pk for i in found] == [wanted.pk]


def test_boolean_filters_are_understood(
    argus_empty_db: ServerInfo, argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    # Argus silently ignores filter values it cannot parse: a wrongly
    # encoded boolean would return everything.
    opened = argus_client.post_incident(new_incident()).pk
    closed = argus_client.post_incident(new_incident(end_time=now - timedelta(seconds=1))).pk
    stateless = argus_client.post_incident(new_incident(end_time=STATELESS)).pk

    def pks(**filters: object) -> set[int | None]:
        return {i.pk for i in argus_client.get_incidents(**filters)}

    assert pks(open=True) == {opened}
    assert pks(open=False) == {closed}  # a stateless incident is neither open nor closed
    assert pks(stateful=False) == {stateless}
    assert pks(stateful=True) == {opened, closed}
    assert pks(open=None) == {opened, closed, stateless}  # None = no filter


def test_datetime_filters_keep_the_offset(
    argus_empty_db: ServerInfo, argus_client: Client, now: datetime
) -> None:
    # "+" in a query string means a space unless encoded; a broken offset
    # makes Argus ignore the filter.
    oslo_noon = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))
    before = argus_client.post_incident(
        Incident(start_time=oslo_noon - timedelta(minutes=1), tags={})
    )
    after = argus_client.post_incident(Incident(start_time=oslo_noon, tags={}))

    later = {i.pk for i in argus_client.get_incidents(start_time__gte=oslo_noon)}
    earlier = {i.pk for i in argus_client.get_incidents(start_time__lte=oslo_noon)}

    assert later == {after.pk}
    assert earlier == {before.pk, after.pk}


def test_tag_filter_ors_values_of_one_key_and_ands_keys(
    argus_empty_db: ServerInfo, argus_client: Client, new_incident: NewIncident
) -> None:
    a = argus_client.post_incident(new_incident(tags={"host": "a", "svc": "x"})).pk
    b = argus_client.post_incident(new_incident(tags={"host": "b", "svc": "y"})).pk
    argus_client.post_incident(new_incident(tags={"host": "c", "svc": "x"}))

    either = {i.pk for i in argus_client.get_incidents(tags=[("host", "a"), ("host", "b")])}
    both = {i.pk for i in argus_client.get_incidents(tags={"host": "a", "svc": "x"})}

    assert either == {a, b}
    assert both == {a}


# One incident


def test_get_incident_returns_what_was_posted(
    argus_server: ServerInfo, argus_client: Client, now: datetime
) -> None:
    sid = _sid()
    posted = argus_client.post_incident(
        Incident(
            start_time=now,
            source_incident_id=sid,
            description="disk full on a.example.org",
            details_url="https://example.org/details/1",
            level=2,
            tags={"host": "a.example.org"},
        )
    )

    fetched = argus_client.get_incident(posted.pk)  # type: ignore[arg-type]

    assert fetched.pk == posted.pk
    assert fetched.start_time == now
    assert fetched.end_time is INFINITY
    assert fetched.source_incident_id == sid
    assert fetched.description == "disk full on a.example.org"
    assert fetched.details_url == "https://example.org/details/1"
    assert fetched.level == 2
    assert fetched.ticket_url == ""
    assert fetched.tags == Tags(host="a.example.org")
    assert fetched.stateful is True
    assert fetched.open is True
    assert fetched.acked is False
    assert fetched.metadata == {}
    assert fetched.source is not None
    assert fetched.source.name == argus_server.source_name
    assert fetched.source.pk == argus_server.source_pk
    assert fetched.source.type == argus_server.source_type
    assert argus_client.get_incident(fetched) == fetched  # an Incident works as the ref


def test_defaults_of_a_minimal_incident(argus_client: Client, now: datetime) -> None:
    posted = argus_client.post_incident(Incident(start_time=now))

    stored = argus_client.get_incident(posted)

    assert stored.level == 5
    assert stored.description == ""
    assert stored.details_url == ""
    assert stored.source_incident_id == ""
    assert stored.tags == Tags()
    assert stored.end_time is INFINITY


# End times


def test_omitted_end_time_makes_an_open_incident(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident())
    stored = argus_client.get_incident(posted)
    assert stored.end_time is INFINITY
    assert (stored.stateful, stored.open) == (True, True)


def test_infinity_end_time_makes_an_open_incident(
    argus_client: Client, new_incident: NewIncident
) -> None:
    for end in (INFINITY, datetime.max, datetime.max.replace(tzinfo=timezone.utc)):
        posted = argus_client.post_incident(new_incident(end_time=end))
        stored = argus_client.get_incident(posted)
        assert stored.end_time is INFINITY, end
        assert (stored.stateful, stored.open) == (True, True)


def test_stateless_incident(argus_client: Client, new_incident: NewIncident) -> None:
    posted = argus_client.post_incident(new_incident(end_time=STATELESS))

    stored = argus_client.get_incident(posted)
    events = argus_client.get_incident_events(posted)

    assert stored.end_time is STATELESS
    assert (stored.stateful, stored.open) == (False, False)
    assert [event.type for event in events] == ["LES"]


def test_closed_incident(argus_client: Client, new_incident: NewIncident, now: datetime) -> None:
    end = now - timedelta(seconds=30)
    posted = argus_client.post_incident(
        new_incident(start_time=now - timedelta(hours=1), end_time=end)
    )

    stored = argus_client.get_incident(posted)

    assert stored.end_time == end
    assert (stored.stateful, stored.open) == (True, False)


def test_future_end_time_stays_open_until_then(
    argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    posted = argus_client.post_incident(new_incident(end_time=now + timedelta(days=1)))

    stored = argus_client.get_incident(posted)

    assert stored.end_time == now + timedelta(days=1)
    assert stored.open is True


# Tags


def test_multi_valued_tags_round_trip(argus_client: Client, new_incident: NewIncident) -> None:
    tags = Tags(
        [
            ("host", "a.example.org"),
            ("host", "b.example.org"),
            ("url", "https://example.org/?a=b"),
            ("empty", ""),
            ("n", 3),
            ("list", "a,b"),  # posting is fine; only the tags filter cannot express it
            ("path", "/var/log/syslog"),
        ]
    )
    posted = argus_client.post_incident(new_incident(tags=tags))

    stored = argus_client.get_incident(posted)

    assert stored.tags == tags
    assert sorted(stored.tags.getlist("host")) == ["a.example.org", "b.example.org"]
    assert stored.tags["url"] == "https://example.org/?a=b"
    assert stored.tags["empty"] == ""
    assert stored.tags["n"] == "3"


# Updates


def test_level_only_update_leaves_the_rest_intact(
    argus_client: Client, new_incident: NewIncident
) -> None:
    tags = Tags([("host", "a"), ("host", "b"), ("svc", "x")])
    posted = argus_client.post_incident(
        new_incident(tags=tags, level=4, details_url="https://example.org/d")
    )

    returned = argus_client.update_incident(Incident(pk=posted.pk, level=1))
    stored = argus_client.get_incident(posted)

    assert returned.level == 1
    assert stored.level == 1
    assert stored.tags == tags
    assert stored.description == posted.description
    assert stored.details_url == "https://example.org/d"
    assert stored.end_time is INFINITY


def test_update_of_a_fetched_incident_sends_only_the_changes(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident(tags={"host": "a"}))
    fetched = argus_client.get_incident(posted)
    assert fetched.ticket_url == ""  # Argus rejects "" in a PATCH: it must not be sent

    fetched.description = "changed"
    fetched.tags.add("host", "b")  # type: ignore[union-attr]
    fetched.metadata = {"k": ["v", 1]}
    argus_client.update_incident(fetched)
    stored = argus_client.get_incident(posted)

    assert stored.description == "changed"
    assert stored.tags == Tags([("host", "a"), ("host", "b")])
    assert stored.metadata == {"k": ["v", 1]}
    assert stored.level == posted.level
    assert stored.start_time == posted.start_time
    change_events = [e for e in argus_client.get_incident_events(posted) if e.type == "CHI"]
    assert change_events, "Argus records a CHI event per change"


def test_update_replaces_the_whole_tag_set(argus_client: Client, new_incident: NewIncident) -> None:
    posted = argus_client.post_incident(new_incident(tags={"host": "a", "svc": "x"}))

    argus_client.update_incident(Incident(pk=posted.pk, tags={"host": "b"}))
    stored = argus_client.get_incident(posted)

    assert stored.tags == Tags(host="b")


def test_ticket_url_can_be_set(argus_client: Client, new_incident: NewIncident) -> None:
    posted = argus_client.post_incident(new_incident())

    argus_client.update_incident(Incident(pk=posted.pk, ticket_url="https://tickets.example.org/1"))
    stored = argus_client.get_incident(posted)

    assert stored.ticket_url == "https://tickets.example.org/1"


# Resolve and restart


def test_resolve_then_restart(
    argus_server: ServerInfo, argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    posted = argus_client.post_incident(new_incident(start_time=now - timedelta(hours=1)))

    end = argus_client.resolve_incident(posted, "fixed", timestamp=now - timedelta(seconds=5))
    resolved = argus_client.get_incident(posted)

    assert end.type == "END"
    assert end.description == "fixed"
    assert end.actor == argus_server.source_name
    assert end.incident == posted.pk
    assert resolved.open is False
    assert resolved.end_time == now - timedelta(seconds=5)

    restart = argus_client.restart_incident(posted, "it is back")
    restarted = argus_client.get_incident(posted)

    assert restart.type == "RES"
    assert restarted.open is True
    assert restarted.end_time is INFINITY

    argus_client.resolve_incident(posted)  # timestamp defaults to now
    resolved_again = argus_client.get_incident(posted)

    assert resolved_again.open is False
    assert resolved_again.end_time is not INFINITY
    types = [event.type for event in argus_client.get_incident_events(posted)]
    assert sorted(types) == ["END", "END", "RES", "STA"]


def test_end_of_an_ended_incident_is_recorded_but_changes_nothing(
    argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    end = now - timedelta(minutes=10)
    posted = argus_client.post_incident(new_incident(start_time=now - timedelta(hours=1)))
    argus_client.resolve_incident(posted, timestamp=end)

    second = argus_client.resolve_incident(posted, "again", timestamp=now - timedelta(minutes=1))
    stored = argus_client.get_incident(posted)

    assert second.type == "END"
    assert stored.end_time == end
    assert [e.type for e in argus_client.get_incident_events(posted)].count("END") == 2


def test_resolve_by_pk(argus_client: Client, new_incident: NewIncident) -> None:
    posted = argus_client.post_incident(new_incident())
    assert posted.pk is not None

    argus_client.resolve_incident(posted.pk)

    assert argus_client.get_incident(posted.pk).open is False


def test_future_end_event_leaves_the_incident_open_until_then(
    argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    posted = argus_client.post_incident(new_incident())

    argus_client.resolve_incident(posted, timestamp=now + timedelta(hours=1))
    stored = argus_client.get_incident(posted)

    assert stored.end_time == now + timedelta(hours=1)
    assert stored.open is True


# More filters and values


def test_source_filters(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    argus_other_source_client: Client,
    new_incident: NewIncident,
) -> None:
    mine = argus_client.post_incident(new_incident()).pk
    theirs = argus_other_source_client.post_incident(new_incident()).pk
    info = argus_empty_db

    def pks(**filters: object) -> set[int | None]:
        return {i.pk for i in argus_client.get_incidents(page_size=1, **filters)}

    assert pks(source__id__in=[info.source_pk]) == {mine}
    assert pks(source__id__in=[info.source_pk, info.other_source_pk]) == {mine, theirs}
    assert pks(source__name__in=[info.other_source_name]) == {theirs}
    assert pks(source__type__in=[info.source_type]) == {mine, theirs}
    assert pks(id__in=[theirs]) == {theirs}


def test_level_filter(
    argus_empty_db: ServerInfo, argus_client: Client, new_incident: NewIncident
) -> None:
    levels = {
        level: argus_client.post_incident(new_incident(level=level)).pk for level in (1, 3, 5)
    }

    found = {i.pk for i in argus_client.get_incidents(level__lte=3)}

    assert found == {levels[1], levels[3]}


def test_tag_filter_with_equals_sign_and_unicode_in_the_value(
    argus_empty_db: ServerInfo, argus_client: Client, new_incident: NewIncident
) -> None:
    wanted = argus_client.post_incident(
        new_incident(tags={"url": "https://example.org/?a=b", "site": "Tromsø"})
    ).pk
    argus_client.post_incident(new_incident(tags={"url": "https://example.org/?a=c"}))

    by_url = {i.pk for i in argus_client.get_incidents(tags={"url": "https://example.org/?a=b"})}
    by_site = {i.pk for i in argus_client.get_incidents(tags={"site": "Tromsø"})}

    assert by_url == {wanted}
    assert by_site == {wanted}


def test_unicode_and_metadata_round_trip(argus_client: Client, new_incident: NewIncident) -> None:
    metadata = {"nested": {"list": [1, 2.5, None, True], "text": "æøå"}, "n": 0}
    posted = argus_client.post_incident(
        new_incident(description="Disk full på Ørsta \u2013 100 %", metadata=metadata)
    )

    stored = argus_client.get_incident(posted)

    assert stored.description == "Disk full på Ørsta \u2013 100 %"
    assert stored.metadata == metadata


def test_integer_source_incident_id_is_stored_as_text(argus_client: Client, now: datetime) -> None:
    number = int(uuid.uuid4().int % 10**12)
    posted = argus_client.post_incident(Incident(start_time=now, source_incident_id=number))  # type: ignore[arg-type]

    assert argus_client.get_incident(posted).source_incident_id == str(number)


def test_removing_every_tag_of_a_fetched_incident(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident(tags={"host": "a", "svc": "x"}))
    fetched = argus_client.get_incident(posted)

    fetched.tags = Tags()
    argus_client.update_incident(fetched)

    assert argus_client.get_incident(posted).tags == Tags()


def test_removing_one_tag_of_a_fetched_incident(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident(tags=[("host", "a"), ("host", "b")]))
    fetched = argus_client.get_incident(posted)

    fetched.tags.setlist("host", ["b"])  # type: ignore[union-attr]
    argus_client.update_incident(fetched)

    assert argus_client.get_incident(posted).tags == Tags(host="b")


def test_api_root_url_forms(argus_server: ServerInfo, new_incident: NewIncident) -> None:
    # Without the trailing slash Argus would redirect (and a POST lose its body).
    with Client(argus_server.api_url.rstrip("/"), argus_server.source_token) as client:
        posted = client.post_incident(new_incident())
        assert client.get_incident(posted).pk == posted.pk


def test_in_place_change_of_empty_metadata_of_a_fetched_incident(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident())
    fetched = argus_client.get_incident(posted)
    assert fetched.metadata == {}  # Argus' default

    fetched.metadata["check"] = "disk"
    argus_client.update_incident(fetched)

    assert argus_client.get_incident(posted).metadata == {"check": "disk"}


def test_in_place_change_of_metadata_of_a_fetched_incident(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident(metadata={"check": "disk"}))
    fetched = argus_client.get_incident(posted)

    fetched.metadata["check"] = "cpu"
    argus_client.update_incident(fetched)

    assert argus_client.get_incident(posted).metadata == {"check": "cpu"}


def test_second_update_of_the_same_fetched_incident(
    argus_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident(tags={"host": "a"}))
    fetched = argus_client.get_incident(posted)
    fetched.description = "first"
    argus_client.update_incident(fetched)
    before = len(argus_client.get_incident_events(posted))

    fetched.level = 1
    argus_client.update_incident(fetched)
    stored = argus_client.get_incident(posted)

    assert (stored.description, stored.level) == ("first", 1)
    # Only the level changed the second time: one more change event.
    assert len(argus_client.get_incident_events(posted)) == before + 1


def test_second_update_does_not_resend_what_the_first_one_sent(
    argus_client: Client, argus_admin_client: Client, new_incident: NewIncident
) -> None:
    posted = argus_client.post_incident(new_incident())
    fetched = argus_client.get_incident(posted)
    fetched.description = "first"
    argus_client.update_incident(fetched)
    # Someone else changes the description in the meantime.
    argus_admin_client.update_incident(Incident(pk=posted.pk, description="someone else's"))

    fetched.level = 1
    argus_client.update_incident(fetched)
    stored = argus_client.get_incident(posted)

    assert stored.level == 1
    assert stored.description == "someone else's"  # not overwritten with "first" again
