"""Client: counting, deleting, events, acknowledgements, tickets and tags of one incident."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from pyargus.exceptions import (
    BadRequestError,
    DecodeError,
    InvalidArgumentError,
    InvalidTagError,
    NotFoundError,
    NotSupportedError,
    ServerError,
    TicketPluginError,
)
from pyargus.models import Acknowledgement, Event, Incident, Tags

from .conftest import API
from .wire import NO_TICKET_PLUGIN, ack_json, event_json, load_fixture, page_json

OSLO = timezone(timedelta(hours=1))
WHEN = datetime(2026, 11, 27, 10, 0, tzinfo=OSLO)


class TestCounting:
    def test_count_incidents_sends_count_and_encoded_filters(self, client, requests_mock):
        recorded = load_fixture("incidents_count")
        assert recorded["request"]["path"] == "incidents/?count&open=true"
        requests_mock.get(API + "incidents/", json=recorded["body"])
        assert client.count_incidents(open=True, tags={"host": "a"}, acked=None) == 5
        assert requests_mock.last_request.qs == {
            "count": [""],
            "open": ["true"],
            "tags": ["host=a"],
        }

    def test_count_my_incidents_ignores_page_size(self, client, requests_mock):
        requests_mock.get(API + "incidents/mine/", json={"count": 2, "params": {"count": ""}})
        assert client.count_my_incidents(page_size=5, source_incident_id=3) == 2
        assert requests_mock.last_request.qs == {"count": [""], "source_incident_id": ["3"]}

    def test_a_page_instead_of_a_count_is_a_decode_error(self, client, requests_mock):
        requests_mock.get(API + "incidents/", json=page_json([]))
        with pytest.raises(DecodeError):
            client.count_incidents()


class TestDelete:
    def test_delete(self, client, requests_mock):
        deleted = requests_mock.delete(API + "incidents/4/", status_code=204)
        assert client.delete_incident(Incident(pk=4)) is None
        assert deleted.called_once

    def test_indelible_incidents_give_not_supported(self, client, requests_mock):
        recorded = load_fixture("error_405_delete")
        requests_mock.delete(
            API + "incidents/4/",
            status_code=recorded["status"],
            reason="Method Not Allowed",
            json=recorded["body"],
            headers=recorded["headers"],
        )
        with pytest.raises(NotSupportedError, match="INDELIBLE_INCIDENTS") as info:
            client.delete_incident(4)
        assert info.value.status_code == 405
        assert str(info.value).startswith("DELETE /api/v2/incidents/4/: 405 Method Not Allowed:")

    def test_bad_pk_fails_before_any_request(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError):
            client.delete_incident(Incident())
        assert requests_mock.call_count == 0


class TestEvents:
    def test_get_incident_event(self, client, requests_mock):
        requests_mock.get(API + "incidents/1/events/12/", json=event_json())
        event = client.get_incident_event(1, Event(pk=12))
        assert (event.pk, event.type, event.actor) == (12, "END", "testsource")

    def test_event_of_another_incident_is_not_found(self, client, requests_mock):
        requests_mock.get(
            API + "incidents/2/events/12/",
            status_code=404,
            json={"detail": "No Event matches the given query."},
        )
        with pytest.raises(NotFoundError):
            client.get_incident_event(2, 12)

    def test_get_events_is_lazy_and_follows_the_cursor(self, client, requests_mock):
        pages = requests_mock.get(
            API + "incidents/events/",
            [
                {
                    "json": page_json(
                        [event_json(pk=22), event_json(pk=20)],
                        next_url=API + "incidents/events/?cursor=cD0y&page_size=2",
                    )
                },
                {"json": page_json([event_json(pk=3)])},
            ],
        )
        events = client.get_events(page_size=2)
        assert pages.call_count == 0
        assert [e.pk for e in events] == [22, 20, 3]
        assert [r.qs for r in pages.request_history] == [
            {"page_size": ["2"]},
            {"cursor": ["cd0y"], "page_size": ["2"]},
        ]

    def test_get_events_refuses_filters_argus_would_ignore(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError, match="incident"):
            client.get_events(incident=5)
        assert requests_mock.call_count == 0


class TestAcknowledgements:
    @pytest.fixture
    def acks(self, requests_mock):
        return requests_mock.post(API + "incidents/1/acks/", status_code=201, json=ack_json())

    def test_recorded_answer(self, client, requests_mock):
        recorded = load_fixture("ack_created")
        post = requests_mock.post(API + "incidents/1/acks/", status_code=201, json=recorded["body"])
        ack = client.acknowledge_incident(
            1,
            "looking into it",
            datetime.fromisoformat(recorded["request"]["json"]["timestamp"]),
            datetime.fromisoformat(recorded["request"]["json"]["expiration"]),
        )
        assert post.last_request.json() == recorded["request"]["json"]
        assert (ack.pk, ack.actor, ack.event.type) == (5, "admin", "ACK")
        assert ack.expiration == datetime(2027, 11, 27, 11, 26, 40, tzinfo=timezone.utc)

    def test_flat_body_with_every_field(self, client, acks):
        ack = client.acknowledge_incident(
            Incident(pk=1), "looking into it", WHEN, WHEN + timedelta(hours=1)
        )
        assert isinstance(ack, Acknowledgement) and ack.pk == 13
        assert ack.description == "looking into it" and ack.actor == "admin"
        assert acks.last_request.json() == {
            "timestamp": "2026-11-27T10:00:00+01:00",
            "description": "looking into it",
            "expiration": "2026-11-27T11:00:00+01:00",
        }

    def test_timestamp_defaults_to_aware_utc_now_and_no_expiration_is_omitted(self, client, acks):
        before = datetime.now(timezone.utc)
        client.acknowledge_incident(1)
        body = acks.last_request.json()
        assert set(body) == {"timestamp"}
        sent = datetime.fromisoformat(body["timestamp"])
        assert sent.utcoffset() == timedelta(0)
        assert before <= sent <= datetime.now(timezone.utc)

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"timestamp": WHEN, "expiration": WHEN},
            {"timestamp": WHEN, "expiration": WHEN - timedelta(seconds=1)},
            {"timestamp": "now"},
            {"expiration": "tomorrow"},
            {"description": 5},
        ],
    )
    def test_bad_arguments_fail_before_any_request(self, client, acks, kwargs):
        with pytest.raises(InvalidArgumentError):
            client.acknowledge_incident(1, **kwargs)
        assert acks.call_count == 0

    def test_get_one(self, client, requests_mock):
        requests_mock.get(API + "incidents/1/acks/13/", json=ack_json())
        ack = client.get_incident_acknowledgement(1, Acknowledgement(pk=13))
        assert ack.expiration == datetime(2026, 11, 27, 11, 6, 37, 924008, tzinfo=OSLO)

    @pytest.mark.parametrize(
        ("expiration", "wire"),
        [(WHEN + timedelta(days=1), "2026-11-28T10:00:00+01:00"), (None, None)],
    )
    def test_update_expiration_always_sends_it(self, client, requests_mock, expiration, wire):
        put = requests_mock.put(API + "incidents/1/acks/13/", json=ack_json(expiration=wire))
        ack = client.update_acknowledgement_expiration(1, 13, expiration)
        assert put.last_request.json() == {"expiration": wire}
        assert ack.expiration == expiration

    def test_update_of_an_expired_ack_is_a_bad_request(self, client, requests_mock):
        requests_mock.put(
            API + "incidents/1/acks/13/",
            status_code=400,
            json=["Cannot change expired Acknowledgement"],
        )
        with pytest.raises(BadRequestError, match="Cannot change expired"):
            client.update_acknowledgement_expiration(1, 13, None)

    def test_update_needs_an_ack_pk(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError):
            client.update_acknowledgement_expiration(1, Acknowledgement(), None)
        assert requests_mock.call_count == 0


class TestTickets:
    def test_set_ticket_url(self, client, requests_mock):
        put = requests_mock.put(
            API + "incidents/1/ticket_url/", json={"ticket_url": "https://t.example.org/1"}
        )
        assert client.set_ticket_url(1, "https://t.example.org/1") == "https://t.example.org/1"
        assert put.last_request.json() == {"ticket_url": "https://t.example.org/1"}

    def test_empty_url_clears(self, client, requests_mock):
        put = requests_mock.put(API + "incidents/1/ticket_url/", json={"ticket_url": ""})
        assert client.set_ticket_url(1, "") == ""
        assert put.last_request.json() == {"ticket_url": ""}

    @pytest.mark.parametrize("bad", ["not a url", "/relative", "mailto:x@y", None, " https://x/"])
    def test_bad_urls_fail_before_any_request(self, client, requests_mock, bad):
        with pytest.raises(InvalidArgumentError):
            client.set_ticket_url(1, bad)
        assert requests_mock.call_count == 0

    def test_automatic_ticket(self, client, requests_mock):
        requests_mock.put(
            API + "incidents/1/automatic-ticket/", json={"ticket_url": "https://t.example.org/7"}
        )
        assert client.create_automatic_ticket(1) == "https://t.example.org/7"

    def test_no_ticket_plugin_is_not_supported(self, client, requests_mock):
        requests_mock.put(
            API + "incidents/1/automatic-ticket/",
            status_code=400,
            reason="Bad Request",
            json=NO_TICKET_PLUGIN,
        )
        with pytest.raises(NotSupportedError, match="no ticket plugin") as info:
            client.create_automatic_ticket(1)
        assert info.value.body == NO_TICKET_PLUGIN

    @pytest.mark.parametrize(("status", "retryable"), [(403, False), (503, True), (500, False)])
    def test_plugin_failures_are_ticket_plugin_errors(
        self, client, requests_mock, status, retryable
    ):
        requests_mock.put(
            API + "incidents/1/automatic-ticket/", status_code=status, json="ticket system says no"
        )
        with pytest.raises(TicketPluginError, match="ticket system says no") as info:
            client.create_automatic_ticket(1)
        assert info.value.status_code == status
        assert info.value.retryable is retryable

    def test_other_errors_keep_their_class(self, client, requests_mock):
        requests_mock.put(
            API + "incidents/1/automatic-ticket/",
            status_code=500,
            text="<html><title>Server Error (500)</title></html>",
            headers={"Content-Type": "text/html"},
        )
        with pytest.raises(ServerError):
            client.create_automatic_ticket(1)
        requests_mock.put(
            API + "incidents/1/automatic-ticket/",
            status_code=404,
            json={"detail": "No Incident matches the given query."},
        )
        with pytest.raises(NotFoundError):
            client.create_automatic_ticket(1)


UNKNOWN_INCIDENT = ["An incident with pk=9 does not exist"]


class TestTags:
    def test_get_incident_tags(self, client, requests_mock):
        requests_mock.get(
            API + "incidents/1/tags/", json=[{"tag": "host=a"}, {"tag": "org=x=y"}, {"tag": "e="}]
        )
        tags = client.get_incident_tags(1)
        assert isinstance(tags, Tags)
        assert tags.allitems() == [("host", "a"), ("org", "x=y"), ("e", "")]

    def test_add_incident_tag(self, client, requests_mock):
        post = requests_mock.post(
            API + "incidents/1/tags/", status_code=201, json={"tag": "port=ge-0/0/1"}
        )
        assert client.add_incident_tag(1, "port", "ge-0/0/1") == ("port", "ge-0/0/1")
        assert post.last_request.json() == {"tag": "port=ge-0/0/1"}

    def test_add_stringifies_values(self, client, requests_mock):
        post = requests_mock.post(API + "incidents/1/tags/", status_code=201, json={"tag": "n=3"})
        client.add_incident_tag(1, "n", 3)
        assert post.last_request.json() == {"tag": "n=3"}

    def test_remove_percent_encodes_the_tag(self, client, requests_mock):
        delete = requests_mock.delete(
            re.compile(re.escape(API) + "incidents/1/tags/"), status_code=204
        )
        client.remove_incident_tag(1, "svc", "web server=x?%#ø")
        assert delete.last_request.path == (
            "/api/v2/incidents/1/tags/svc%3dweb%20server%3dx%3f%25%23%c3%b8/"
        )

    @pytest.mark.parametrize("method", ["remove_incident_tag", "has_incident_tag"])
    def test_unaddressable_tags_fail_before_any_request(self, client, requests_mock, method):
        with pytest.raises(InvalidTagError, match="cannot be addressed"):
            getattr(client, method)(1, "url", "https://x/y")
        with pytest.raises(InvalidTagError):
            getattr(client, method)(1, "Bad Key", "v")
        with pytest.raises(InvalidTagError):
            getattr(client, method)(1, "k", None)
        assert requests_mock.call_count == 0

    def test_has_incident_tag(self, client, requests_mock):
        requests_mock.get(API + "incidents/1/tags/k%3Dv/", json={"tag": "k=v"})
        requests_mock.get(
            API + "incidents/1/tags/k%3Dw/",
            status_code=404,
            json={"detail": "No Tag matches the given query."},
        )
        assert client.has_incident_tag(1, "k", "v") is True
        assert client.has_incident_tag(1, "k", "w") is False

    def test_has_incident_tag_raises_for_other_404s(self, client, requests_mock):
        requests_mock.get(
            API + "incidents/1/tags/k%3Dv/", status_code=404, text="<h1>Not Found</h1>"
        )
        with pytest.raises(NotFoundError):
            client.has_incident_tag(1, "k", "v")

    def test_removing_a_missing_tag_is_not_found(self, client, requests_mock):
        requests_mock.delete(
            API + "incidents/1/tags/k%3Dv/",
            status_code=404,
            json={"detail": "No Tag matches the given query."},
        )
        with pytest.raises(NotFoundError, match="No Tag"):
            client.remove_incident_tag(1, "k", "v")

    @pytest.mark.parametrize(
        ("method", "http", "path", "args"),
        [
            ("get_incident_tags", "GET", "incidents/9/tags/", ()),
            ("add_incident_tag", "POST", "incidents/9/tags/", ("k", "v")),
            ("remove_incident_tag", "DELETE", "incidents/9/tags/k%3Dv/", ("k", "v")),
            ("has_incident_tag", "GET", "incidents/9/tags/k%3Dv/", ("k", "v")),
        ],
    )
    def test_unknown_incident_is_not_found_although_argus_says_400(
        self, client, requests_mock, method, http, path, args
    ):
        requests_mock.register_uri(http, API + path, status_code=400, json=UNKNOWN_INCIDENT)
        with pytest.raises(NotFoundError, match="pk=9 does not exist") as info:
            getattr(client, method)(9, *args)
        assert info.value.status_code == 400

    def test_other_bad_requests_stay_bad_requests(self, client, requests_mock):
        requests_mock.post(
            API + "incidents/1/tags/",
            status_code=400,
            json={"tag": "The tag does not have its delimiter: =."},
        )
        with pytest.raises(BadRequestError) as info:
            client.add_incident_tag(1, "k", "v")
        assert type(info.value) is BadRequestError
