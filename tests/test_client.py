"""The Client facade: argument handling, laziness, and what reaches the wire."""

import warnings
from datetime import datetime, timedelta, timezone

import pytest

from pyargus.client import Client
from pyargus.exceptions import InsecureTokenWarning, InvalidArgumentError, InvalidTagError
from pyargus.models import INFINITY, STATELESS, Acknowledgement, Event, Incident, Tags

from .conftest import API, TOKEN
from .wire import ack_json, event_json, incident_json, page_json

OSLO = timezone(timedelta(hours=1))
START = datetime(2026, 1, 2, 3, 4, 5, tzinfo=OSLO)


class TestConstruction:
    def test_positional_and_keyword_forms(self):
        assert Client(API, TOKEN).api_root_url == API
        assert Client(api_root_url=API, token=TOKEN, timeout=3.0).api_root_url == API
        assert Client(API, TOKEN, 5).api.transport.timeout == (5, 5)

    def test_trailing_slash_is_optional(self):
        client = Client("http://127.0.0.1:8000/api/v2", TOKEN)
        assert client.api.api_root_url == "http://127.0.0.1:8000/api/v2/"

    def test_repr_shows_url_never_token(self):
        client = Client(API, TOKEN)
        assert repr(client) == f"Client('{API}')"
        for text in (repr(client), str(client), repr(client.api), repr(client.api.transport)):
            assert TOKEN not in text

    def test_plain_http_to_a_remote_host_warns_once(self):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Client("http://argus.example.net/api/v2/", TOKEN)
            Client("http://argus.example.net/api/v2/", TOKEN)
            Client("https://argus.example.net/api/v2/", TOKEN)
            Client(API, TOKEN)
        assert [w.category for w in caught] == [InsecureTokenWarning]
        assert TOKEN not in str(caught[0].message)

    def test_bad_arguments(self):
        with pytest.raises(InvalidArgumentError):
            Client("argus.example.org", TOKEN)
        with pytest.raises(InvalidArgumentError):
            Client(API, "")

    def test_context_manager_closes_own_session(self, monkeypatch):
        closed = []
        with Client(API, TOKEN) as client:
            monkeypatch.setattr(client.api.transport.session, "close", lambda: closed.append(1))
        assert closed == [1]


class TestListing:
    def test_next_costs_one_request(self, client, requests_mock):
        requests_mock.get(
            API + "incidents/",
            json=page_json(
                [incident_json(pk=3), incident_json(pk=2)], next_url=API + "incidents/?cursor=x"
            ),
        )
        incidents = client.get_incidents(open=True)
        assert requests_mock.call_count == 0
        first = next(incidents, None)
        assert first.pk == 3
        assert requests_mock.call_count == 1

    def test_follows_pages_with_filters_kept_and_token_only_to_the_root(
        self, client, requests_mock
    ):
        first = requests_mock.get(
            API + "incidents/",
            [
                {
                    "json": page_json(
                        [incident_json(pk=3)],
                        next_url="http://proxy.internal:81/api/v2/incidents/?cursor=c2&open=true&page_size=1",
                    )
                },
                {"json": page_json([incident_json(pk=2)], next_url=None)},
            ],
        )
        elsewhere = requests_mock.get(
            "http://proxy.internal:81/api/v2/incidents/", json=page_json([])
        )
        assert [i.pk for i in client.get_incidents(open=True, page_size=1)] == [3, 2]
        assert elsewhere.call_count == 0
        assert [r.qs for r in first.request_history] == [
            {"open": ["true"], "page_size": ["1"]},
            {"cursor": ["c2"], "open": ["true"], "page_size": ["1"]},
        ]
        assert all(r.headers["Authorization"] == f"Token {TOKEN}" for r in first.request_history)

    def test_filter_values_are_encoded(self, client, requests_mock):
        requests_mock.get(API + "incidents/", json=page_json([]))
        list(
            client.get_incidents(
                open=True,
                acked=False,
                stateful=None,
                source__name__in=["nav", "zabbix"],
                tags={"host": "a", "org": ["x", "y"]},
                start_time__gte=START,
                duration__gte=5,
                source_incident_id=42,
            )
        )
        assert requests_mock.last_request.qs == {
            "open": ["true"],
            "acked": ["false"],
            "source__name__in": ["nav,zabbix"],
            "tags": ["host=a,org=x,org=y"],
            "start_time__gte": ["2026-01-02t03:04:05+01:00"],
            "duration__gte": ["5"],
            "source_incident_id": ["42"],
        }

    def test_my_incidents(self, client, requests_mock):
        requests_mock.get(API + "incidents/mine/", json=page_json([incident_json()]))
        assert [i.pk for i in client.get_my_incidents(source_incident_id="lab-1")] == [1]
        assert requests_mock.last_request.qs == {"source_incident_id": ["lab-1"]}

    def test_bad_filters_fail_before_any_request(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError, match="count"):
            client.get_incidents(count=True)
        with pytest.raises(InvalidTagError):
            client.get_incidents(tags={"Host": "a"})
        assert requests_mock.call_count == 0


class TestIncidents:
    def test_get_incident_by_pk_or_incident(self, client, requests_mock):
        requests_mock.get(API + "incidents/4/", json=incident_json(pk=4))
        assert client.get_incident(4).pk == 4
        assert client.get_incident(Incident(pk=4)).pk == 4

    def test_post_incident(self, client, requests_mock):
        requests_mock.post(API + "incidents/", status_code=201, json=incident_json(pk=9))
        stored = client.post_incident(
            Incident(
                start_time=START,
                end_time=datetime.max,
                source_incident_id=77,
                description="down",
                level=2,
                tags=[("org", "a"), ("org", "b"), ("host", "h")],
                metadata={"k": 1},
            )
        )
        assert stored.pk == 9
        assert requests_mock.last_request.json() == {
            "start_time": "2026-01-02T03:04:05+01:00",
            "end_time": "infinity",
            "source_incident_id": "77",
            "description": "down",
            "level": 2,
            "tags": [{"tag": "org=a"}, {"tag": "org=b"}, {"tag": "host=h"}],
            "metadata": {"k": 1},
        }

    @pytest.mark.parametrize(("end_time", "wire"), [(STATELESS, None), (INFINITY, "infinity")])
    def test_post_end_time_sentinels(self, client, requests_mock, end_time, wire):
        requests_mock.post(API + "incidents/", status_code=201, json=incident_json())
        client.post_incident(Incident(start_time=START, end_time=end_time))
        assert requests_mock.last_request.json()["end_time"] == wire

    def test_invalid_incidents_are_refused_before_any_request(self, client, requests_mock):
        for bad in (
            Incident(),
            Incident(start_time=START, end_time=START - timedelta(1)),
            "incident",
        ):
            with pytest.raises(InvalidArgumentError):
                client.post_incident(bad)
        assert requests_mock.call_count == 0

    def test_level_only_update_sends_only_level(self, client, requests_mock):
        requests_mock.patch(API + "incidents/1/", json=incident_json(level=2))
        updated = client.update_incident(Incident(pk=1, level=2))
        assert requests_mock.last_request.json() == {"level": 2}
        assert updated.tags.getlist("org") == ["uni", "dept"]

    def test_update_of_a_fetched_incident_sends_only_what_changed(self, client, requests_mock):
        requests_mock.get(API + "incidents/1/", json=incident_json())
        requests_mock.patch(API + "incidents/1/", json=incident_json(description="new"))
        incident = client.get_incident(1)
        incident.description = "new"
        incident.tags.add("extra", "1")
        client.update_incident(incident)
        body = requests_mock.last_request.json()
        assert body["description"] == "new"
        assert {"tag": "extra=1"} in body["tags"]
        assert set(body) == {"description", "tags"}

    def test_update_refuses_read_only_fields_before_any_request(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError, match="resolve_incident"):
            client.update_incident(Incident(pk=1, end_time=START))
        assert requests_mock.call_count == 0


class TestEvents:
    @pytest.fixture
    def events(self, requests_mock):
        return requests_mock.post(API + "incidents/1/events/", status_code=201, json=event_json())

    def test_resolve_with_positional_description(self, client, events):
        event = client.resolve_incident(1, "fixed", START)
        assert isinstance(event, Event) and event.type == "END"
        assert events.last_request.json() == {
            "type": "END",
            "description": "fixed",
            "timestamp": "2026-01-02T03:04:05+01:00",
        }

    def test_resolve_defaults_to_aware_utc_now(self, client, events):
        before = datetime.now(timezone.utc)
        client.resolve_incident(Incident(pk=1))
        sent = datetime.fromisoformat(events.last_request.json()["timestamp"])
        assert sent.utcoffset() == timedelta(0)
        assert before <= sent <= datetime.now(timezone.utc)
        assert "description" not in events.last_request.json()

    def test_restart_posts_res(self, client, events):
        client.restart_incident(incident=1, description="again", timestamp=START)
        assert events.last_request.json()["type"] == "RES"

    def test_post_incident_event(self, client, events):
        client.post_incident_event(1, Event(type="OTH", description="note"))
        body = events.last_request.json()
        assert body["type"] == "OTH" and body["description"] == "note" and "timestamp" in body

    def test_bad_events_fail_before_any_request(self, client, events):
        for call in (
            lambda: client.post_incident_event(1, Event(type="NOPE")),
            lambda: client.resolve_incident(1, timestamp="now"),
            lambda: client.resolve_incident(Incident(), "x"),
            lambda: client.resolve_incident("1"),
        ):
            with pytest.raises(InvalidArgumentError):
                call()
        assert events.call_count == 0

    def test_get_incident_events_and_acks(self, client, requests_mock):
        requests_mock.get(API + "incidents/1/events/", json=[event_json(pk=2), event_json(pk=1)])
        requests_mock.get(API + "incidents/1/acks/", json=[ack_json()])
        assert [e.pk for e in client.get_incident_events(1)] == [2, 1]
        acks = client.get_incident_acknowledgements(Incident(pk=1))
        assert isinstance(acks[0], Acknowledgement)
        assert acks[0].event.description == "looking into it"


def test_tags_type_is_public():
    assert Tags(a="1").getlist("a") == ["1"]


class TestUpdateOfFetchedIncidents:
    def test_changing_a_fixed_field_of_a_fetched_incident_is_refused(self, client, requests_mock):
        requests_mock.get(API + "incidents/1/", json=incident_json())
        incident = client.get_incident(1)
        incident.end_time = START
        with pytest.raises(InvalidArgumentError, match="cannot change end_time"):
            client.update_incident(incident)
        incident = client.get_incident(1)
        incident.source_incident_id = "other"
        with pytest.raises(InvalidArgumentError, match="cannot change source_incident_id"):
            client.update_incident(incident)
        assert requests_mock.call_count == 2  # the two GETs, no PATCH

    def test_local_changes_of_computed_fields_are_not_sent(self, client, requests_mock):
        requests_mock.get(API + "incidents/1/", json=incident_json())
        requests_mock.patch(API + "incidents/1/", json=incident_json(level=4))
        incident = client.get_incident(1)
        incident.open = False  # e.g. after resolving it, as glue services do
        incident.level = 4
        client.update_incident(incident)
        assert requests_mock.last_request.json() == {"level": 4}
