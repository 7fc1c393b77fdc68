"""Bulk operations (pyargus.bulk, through the Client's bulk_* methods): a result per incident."""

import logging
import re
from datetime import datetime, timedelta, timezone

import pytest

from pyargus.exceptions import (
    AuthError,
    BadRequestError,
    BulkError,
    DecodeError,
    InvalidArgumentError,
)
from pyargus.models import Acknowledgement, BulkItem, BulkResult, Event, Incident

from .conftest import API
from .wire import ack_json, bulk_json, event_json, incident_json, page_json

OSLO = timezone(timedelta(hours=1))
WHEN = datetime(2026, 11, 27, 10, 0, tzinfo=OSLO)


class TestBulkAcknowledge:
    def test_one_request_and_a_result_per_incident_in_the_callers_order(
        self, client, requests_mock, caplog
    ):
        post = requests_mock.post(
            API + "incidents/acks/bulk/",
            status_code=201,
            json=bulk_json("ack", {1: ack_json(), 2: ack_json(pk=14)}, missing=(999999,)),
        )
        with caplog.at_level(logging.WARNING, logger="pyargus"):
            result = client.bulk_acknowledge(
                [Incident(pk=2), 999999, 1, 2], "on it", WHEN, WHEN + timedelta(hours=1)
            )
        assert post.call_count == 1
        assert post.last_request.json() == {
            "ids": [2, 999999, 1],
            "ack": {
                "timestamp": "2026-11-27T10:00:00+01:00",
                "description": "on it",
                "expiration": "2026-11-27T11:00:00+01:00",
            },
        }
        assert list(result) == [2, 999999, 1]
        assert not result.ok
        assert isinstance(result[1].value, Acknowledgement) and result[1].status == 201
        assert result[2].value.pk == 14
        failed = result[999999]
        assert (failed.ok, failed.status, failed.value) == (False, 400, None)
        assert failed.error == "Incident with id 999999 could not be found."
        assert list(result.succeeded) == [2, 1]
        assert list(result.failed) == [999999]
        assert "bulk_acknowledge: 1 of 3 incidents failed: #999999" in caplog.text

    def test_every_incident_failing_is_a_result_not_an_exception(self, client, requests_mock):
        requests_mock.post(
            API + "incidents/acks/bulk/",
            status_code=400,
            json=bulk_json("ack", {}, missing=(8, 9)),
        )
        result = client.bulk_acknowledge([8, 9])
        assert not result.ok and list(result.failed) == [8, 9]
        with pytest.raises(BulkError, match="2 of 2 incidents failed") as info:
            result.raise_for_failures()
        assert info.value.result is result

    def test_envelope_errors_raise(self, client, requests_mock):
        requests_mock.post(
            API + "incidents/acks/bulk/",
            status_code=400,
            json={"ack": {"timestamp": ["This field is required."]}},
        )
        with pytest.raises(BadRequestError, match="timestamp"):
            client.bulk_acknowledge([1])

    def test_an_undecodable_400_envelope_is_a_decode_error(self, client, requests_mock):
        requests_mock.post(
            API + "incidents/acks/bulk/", status_code=400, json={"changes": {"1": "nonsense"}}
        )
        with pytest.raises(DecodeError, match="unexpected JSON shape"):
            client.bulk_acknowledge([1])

    def test_an_incident_argus_does_not_report_on_is_a_failure(self, client, requests_mock):
        requests_mock.post(
            API + "incidents/acks/bulk/", status_code=201, json=bulk_json("ack", {1: ack_json()})
        )
        result = client.bulk_acknowledge([1, 2])
        assert result[1].ok
        assert not result[2].ok and "reported nothing" in result[2].error

    @pytest.mark.parametrize(
        "incidents", [[Incident()], [0], ["1"], 5, Incident(pk=1), "12", [True]]
    )
    def test_bad_incident_lists_fail_before_any_request(self, client, requests_mock, incidents):
        with pytest.raises(InvalidArgumentError):
            client.bulk_acknowledge(incidents)
        assert requests_mock.call_count == 0

    @pytest.mark.parametrize(
        "call",
        [
            lambda c: c.bulk_acknowledge([]),
            lambda c: c.bulk_post_event(iter(()), Event(type="OTH")),
            lambda c: c.bulk_set_ticket_url((), "https://t.example.org/1"),
            lambda c: c.bulk_resolve([]),
        ],
    )
    def test_no_incidents_no_request_and_an_empty_result(self, client, requests_mock, call):
        result = call(client)
        assert isinstance(result, BulkResult) and len(result) == 0 and result.ok
        assert requests_mock.call_count == 0

    def test_arguments_are_checked_even_without_incidents(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError):
            client.bulk_post_event([], Event(type="END"))
        with pytest.raises(InvalidArgumentError):
            client.bulk_set_ticket_url([], "no url")

    def test_bad_expiration_fails_before_any_request(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError, match="expiration"):
            client.bulk_acknowledge([1], timestamp=WHEN, expiration=WHEN)
        assert requests_mock.call_count == 0


class TestBulkPostEvent:
    @pytest.mark.parametrize("type_", ["CLO", "REO", "OTH", "CHI"])
    def test_allowed_types(self, client, requests_mock, type_):
        post = requests_mock.post(
            API + "incidents/events/bulk/",
            status_code=201,
            json=bulk_json("event", {1: event_json(type={"value": type_, "display": "x"})}),
        )
        result = client.bulk_post_event([1], Event(type=type_, description="d", timestamp=WHEN))
        assert result.ok and isinstance(result[1].value, Event)
        assert result[1].value.type == type_
        assert post.last_request.json() == {
            "ids": [1],
            "event": {"type": type_, "description": "d", "timestamp": "2026-11-27T10:00:00+01:00"},
        }

    def test_timestamp_defaults_to_now(self, client, requests_mock):
        post = requests_mock.post(
            API + "incidents/events/bulk/", status_code=201, json=bulk_json("event", {1: EVENT})
        )
        event = Event(type="OTH")
        client.bulk_post_event([1], event)
        sent = datetime.fromisoformat(post.last_request.json()["event"]["timestamp"])
        assert sent.utcoffset() == timedelta(0)
        assert event.timestamp is None  # the caller's event is not changed

    @pytest.mark.parametrize(
        ("type_", "hint"),
        [
            ("END", "bulk_resolve"),
            ("RES", "REO"),
            ("ACK", "bulk_acknowledge"),
            ("STA", "created by Argus"),
            ("LES", "created by Argus"),
            ("XXX", "event type must be"),
        ],
    )
    def test_types_argus_would_mishandle_are_refused(self, client, requests_mock, type_, hint):
        with pytest.raises(InvalidArgumentError, match=hint):
            client.bulk_post_event([1], Event(type=type_))
        assert requests_mock.call_count == 0

    def test_event_must_be_an_event(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError):
            client.bulk_post_event([1], "CLO")
        assert requests_mock.call_count == 0


EVENT = event_json()


class TestBulkSetTicketUrl:
    def test_body_and_result(self, client, requests_mock):
        url = "https://t.example.org/9"
        post = requests_mock.post(
            API + "incidents/ticket_url/bulk/",
            status_code=201,
            json=bulk_json("ticket_url", {1: url}, missing=(5,)),
        )
        result = client.bulk_set_ticket_url([1, 5], url)
        assert post.last_request.json() == {"ids": [1, 5], "ticket_url": url}
        assert result.succeeded == {1: url}
        assert result[5].status == 400

    def test_bad_url_fails_before_any_request(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError):
            client.bulk_set_ticket_url([1], "ticket 9")
        assert requests_mock.call_count == 0


class FakeArgus:
    """Just enough of Argus for bulk_resolve: listing by id, events, bulk events."""

    def __init__(self, requests_mock, incidents, *, source_system=True, closes=True):
        self.incidents = {data["pk"]: data for data in incidents}
        self.source_system = source_system
        self.closes = closes
        self.posted = []
        self.bulk = []
        self.lists = requests_mock.get(API + "incidents/", json=self.list)
        requests_mock.post(re.compile(re.escape(API) + r"incidents/\d+/events/"), json=self.event)
        requests_mock.post(API + "incidents/events/bulk/", json=self.bulk_event)

    def list(self, request, context):
        wanted = [int(pk) for pk in request.qs["id__in"][0].split(",")]
        assert request.qs["page_size"] == [str(len(wanted))]
        return page_json([self.incidents[pk] for pk in wanted if pk in self.incidents])

    def _close(self, pk, data):
        if self.closes:
            incident = self.incidents[pk]
            incident.update(end_time=data["timestamp"], open=False)

    def event(self, request, context):
        pk = int(request.path.split("/")[-3])
        data = request.json()
        if not self.source_system:
            context.status_code = 400
            return {"type": "An end user cannot post events of type 'END'."}
        if pk == 666:
            context.status_code = 500
            return "<h1>Server Error (500)</h1>"
        self.posted.append((pk, data["type"]))
        self._close(pk, data)
        context.status_code = 201
        return event_json(pk=100 + pk, incident=pk, timestamp=data["timestamp"])

    def bulk_event(self, request, context):
        data = request.json()
        self.bulk.append(data)
        ok = {}
        for pk in data["ids"]:
            self._close(pk, data["event"])
            ok[pk] = event_json(pk=200 + pk, incident=pk, type={"value": "CLO", "display": "Close"})
        context.status_code = 201
        return bulk_json("event", ok)


def open_incident(pk):
    return incident_json(pk=pk, end_time="infinity", open=True, stateful=True)


def closed_incident(pk):
    return incident_json(pk=pk, end_time="2026-11-27T09:00:00+01:00", open=False, stateful=True)


def stateless_incident(pk):
    return incident_json(pk=pk, end_time=None, open=False, stateful=False)


class TestBulkResolve:
    def test_source_system_ends_each_open_incident_and_checks_the_result(
        self, client, requests_mock
    ):
        argus = FakeArgus(
            requests_mock,
            [open_incident(1), open_incident(2), closed_incident(3), stateless_incident(4)],
        )
        result = client.bulk_resolve([1, 2, 3, 4, 5], "gone", WHEN)
        assert argus.posted == [(1, "END"), (2, "END")]
        assert argus.bulk == []
        assert [(pk, item.status, item.ok) for pk, item in result.items()] == [
            (1, 201, True),
            (2, 201, True),
            (3, 200, True),
            (4, 400, False),
            (5, 404, False),
        ]
        assert result[1].value.pk == 101 and result[3].value is None
        assert "stateless" in result[4].error
        assert result[5].error == "Incident with id 5 could not be found."
        # read before and after closing
        assert argus.lists.call_count == 2
        assert argus.lists.request_history[1].qs["id__in"] == ["1,2"]

    def test_end_user_closes_all_open_incidents_with_one_bulk_clo(self, client, requests_mock):
        argus = FakeArgus(
            requests_mock,
            [open_incident(1), closed_incident(2), open_incident(3)],
            source_system=False,
        )
        result = client.bulk_resolve([1, 2, 3], "closed by the operator", WHEN)
        assert argus.posted == []
        assert argus.bulk == [
            {
                "ids": [1, 3],
                "event": {
                    "type": "CLO",
                    "description": "closed by the operator",
                    "timestamp": "2026-11-27T10:00:00+01:00",
                },
            }
        ]
        assert result.ok
        assert [result[pk].value.type if result[pk].value else None for pk in result] == [
            "CLO",
            None,
            "CLO",
        ]

    def test_an_incident_still_open_after_closing_is_a_failure(self, client, requests_mock):
        FakeArgus(requests_mock, [open_incident(1)], source_system=False, closes=False)
        result = client.bulk_resolve([1], timestamp=WHEN)
        assert not result.ok
        assert result[1].status == 201  # Argus said yes ...
        assert "still open" in result[1].error  # ... but the incident is not closed
        assert result[1].value.type == "CLO"

    def test_an_incident_deleted_meanwhile_is_a_failure(self, client, requests_mock):
        argus = FakeArgus(requests_mock, [open_incident(1)])
        original = argus.event

        def event_then_delete(request, context):
            body = original(request, context)
            del argus.incidents[1]
            return body

        argus.event = event_then_delete
        requests_mock.post(API + "incidents/1/events/", json=event_then_delete)
        result = client.bulk_resolve([1], timestamp=WHEN)
        assert "deleted" in result[1].error

    def test_a_failed_end_is_reported_and_the_others_are_still_closed(self, client, requests_mock):
        argus = FakeArgus(requests_mock, [open_incident(666), open_incident(2)])
        result = client.bulk_resolve([666, 2], timestamp=WHEN)
        assert result[666].status == 500 and not result[666].ok
        assert "Server Error" in result[666].error
        assert result[2].ok and argus.posted == [(2, "END")]

    def test_a_first_end_refused_for_another_reason_does_not_switch_to_clo(
        self, client, requests_mock
    ):
        argus = FakeArgus(requests_mock, [open_incident(1), open_incident(2)])
        requests_mock.post(
            API + "incidents/1/events/",
            status_code=400,
            json={"timestamp": ["This field is required."]},
        )
        result = client.bulk_resolve([1, 2], timestamp=WHEN)
        assert result[1].status == 400 and "timestamp" in result[1].error
        assert result[2].ok and argus.posted == [(2, "END")] and argus.bulk == []

    def test_clock_skew_an_end_time_just_ahead_of_the_server_counts_as_closed(
        self, client, requests_mock
    ):
        argus = FakeArgus(requests_mock, [open_incident(1)])
        argus._close = lambda pk, data: argus.incidents[pk].update(
            end_time=data["timestamp"], open=True
        )
        result = client.bulk_resolve([1], timestamp=WHEN)
        assert result.ok

    def test_default_timestamp_is_aware_utc_now(self, client, requests_mock):
        argus = FakeArgus(requests_mock, [open_incident(1)])
        before = datetime.now(timezone.utc)
        client.bulk_resolve([1])
        sent = datetime.fromisoformat(requests_mock.request_history[1].json()["timestamp"])
        assert before <= sent <= datetime.now(timezone.utc)
        assert argus.posted == [(1, "END")]

    def test_many_incidents_are_read_in_chunks(self, client, requests_mock):
        argus = FakeArgus(requests_mock, [closed_incident(pk) for pk in range(1, 151)])
        result = client.bulk_resolve(range(1, 151))
        assert result.ok and len(result) == 150
        assert [len(r.qs["id__in"][0].split(",")) for r in argus.lists.request_history] == [
            100,
            50,
        ]

    def test_bad_arguments_fail_before_any_request(self, client, requests_mock):
        for call in (
            lambda: client.bulk_resolve([1], description=3),
            lambda: client.bulk_resolve([1], timestamp="now"),
        ):
            with pytest.raises(InvalidArgumentError):
                call()
        assert requests_mock.call_count == 0

    def test_a_bad_token_raises(self, client, requests_mock):
        requests_mock.get(API + "incidents/", status_code=401, json={"detail": "Invalid token."})
        with pytest.raises(AuthError):
            client.bulk_resolve([1])


class TestBulkResult:
    def test_mapping_and_summaries(self):
        result = BulkResult([BulkItem(1, 201, "a"), BulkItem(2, 400, None, "not found")], "bulk_x")
        assert len(result) == 2 and 1 in result and result[1].value == "a"
        assert repr(result) == "<BulkResult bulk_x: 1 succeeded, 1 failed: 2>"
        assert result.describe_failures() == "#2: not found (status 400)"
        ok = BulkResult([BulkItem(1, 201, "a")])
        assert ok.raise_for_failures() is ok
        assert repr(ok) == "<BulkResult bulk operation: 1 succeeded, 0 failed>"
