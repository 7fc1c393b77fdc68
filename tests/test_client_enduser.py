"""The end-user side of Client on recorded argus-server 2.10.2 answers (tests/fixtures/enduser_*)."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from typing import Any

import pytest

from pyargus.client import Client
from pyargus.exceptions import (
    AuthError,
    BadRequestError,
    InUseError,
    InvalidArgumentError,
    InvalidTagError,
    NotFoundError,
    ServerError,
)
from pyargus.models import (
    INFINITY,
    Destination,
    Filter,
    NotificationProfile,
    PlannedMaintenance,
    TimeRecurrence,
    Timeslot,
)

from .conftest import API
from .wire import FIXTURES, incident_json

NP = API + "notificationprofiles/"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"enduser_{name}.json").read_text())
    return data


def mock(requests_mock: Any, method: str, url: str, name: str) -> None:
    data = recorded(name)
    body = data["body"]
    kwargs: dict[str, Any] = {"status_code": data["status"]}
    if isinstance(body, str) and data["content_type"].startswith("text/html"):
        kwargs["text"] = body
        kwargs["headers"] = {"Content-Type": data["content_type"]}
    else:
        kwargs["json"] = body
    requests_mock.register_uri(method, url, **kwargs)


def test_timeslots_load_days_times_and_all_day(client: Client, requests_mock: Any) -> None:
    mock(requests_mock, "GET", NP + "timeslots/", "timeslots")
    (default,) = client.get_timeslots()
    (all_the_time,) = default.time_recurrences
    assert all_the_time == TimeRecurrence(days=[1, 2, 3, 4, 5, 6, 7], all_day=True)
    assert all_the_time.end == time(23, 59, 59, 999999)


def test_create_timeslot_sends_sorted_days_and_wall_clock_times(
    client: Client, requests_mock: Any
) -> None:
    mock(requests_mock, "POST", NP + "timeslots/", "timeslot_created")
    made = client.create_timeslot(
        "Work hours",
        [
            TimeRecurrence(days=[5, 1, 2, 3, 4], start=time(8), end=time(16)),
            {"days": [7, 6], "start": "10:00:00.5", "end": "12:00"},
        ],
    )
    assert requests_mock.last_request.json() == {
        "name": "Work hours",
        "time_recurrences": [
            {"days": [1, 2, 3, 4, 5], "start": "08:00:00", "end": "16:00:00"},
            {"days": [6, 7], "start": "10:00:00.500000", "end": "12:00:00"},
        ],
    }
    assert made.time_recurrences[1].start == time(10, 0, 0, 500000)


@pytest.mark.parametrize(
    ("recurrence", "message"),
    [
        ({"days": [1], "start": time(8, tzinfo=timezone.utc), "end": time(9)}, "time zone"),
        ({"days": [1], "start": "22:00", "end": "06:00"}, "across midnight"),
        ({"days": [8], "start": "08:00", "end": "09:00"}, "weekday"),
        ({"days": [True], "start": "08:00", "end": "09:00"}, "weekday"),
        ({"days": [1], "start": "08:00"}, "needs start and end"),
        ({"days": [1], "start": "24:00", "end": "25:00"}, "time of day"),
        ({"days": [1], "start": "8 am", "end": "09:00"}, "time such as"),
        ({"days": [1], "start": "08:00+05:00", "end": "09:00"}, "time zone"),
        ({"days": [1], "from": "08:00"}, "unknown keys"),
    ],
)
def test_bad_recurrences_are_refused_before_sending(
    client: Client, requests_mock: Any, recurrence: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        client.create_timeslot("x", [recurrence])
    assert not requests_mock.called


def test_update_timeslot_replaces_the_recurrences(client: Client, requests_mock: Any) -> None:
    mock(requests_mock, "PATCH", NP + "timeslots/8/", "timeslot_created")
    client.update_timeslot(Timeslot(pk=8, time_recurrences=[TimeRecurrence([6], all_day=True)]))
    assert requests_mock.last_request.json() == {
        "time_recurrences": [
            {"days": [6], "start": "00:00:00", "end": "23:59:59.999999", "all_day": True}
        ]
    }


def test_deleting_a_timeslot_that_profiles_use_is_refused(
    client: Client, requests_mock: Any
) -> None:
    mock(requests_mock, "GET", NP, "profiles")
    (profile,) = client.get_notification_profiles()
    assert profile.timeslot.pk != profile.filters[0].pk  # (a filter pk is no timeslot pk)
    other = requests_mock.delete(NP + f"timeslots/{profile.filters[0].pk}/", status_code=204)
    client.delete_timeslot(profile.filters[0].pk)
    assert other.called
    delete = requests_mock.delete(NP + f"timeslots/{profile.timeslot.pk}/", status_code=204)
    with pytest.raises(InUseError, match="Argus would delete them") as info:
        client.delete_timeslot(profile.timeslot.pk)
    assert info.value.users == [profile] and not delete.called
    client.delete_timeslot(profile.timeslot.pk, force=True)
    assert delete.called


def test_filters(client: Client, requests_mock: Any) -> None:
    mock(requests_mock, "GET", NP + "filters/", "filters")
    mock(requests_mock, "POST", NP + "filters/", "filter_created")
    (existing,) = client.get_filters()
    assert existing.filter["maxlevel"] == 3 and existing.public is False
    with pytest.raises(InvalidArgumentError, match="exists already"):
        client.create_filter(existing.name, {"open": True})
    made = client.create_filter("other", {"tags": {"host": "db01"}, "maxlevel": 3})
    assert requests_mock.last_request.json() == {
        "name": "other",
        "filter": {"tags": ["host=db01"], "maxlevel": 3},
        "public": False,
    }
    assert made.pk == existing.pk  # (the recorded answer)


@pytest.mark.parametrize(
    ("blob", "error"),
    [
        ({"level": 1}, InvalidArgumentError),
        ({"filter_string": "{}"}, InvalidArgumentError),
        ({"tags": ["abc"]}, InvalidTagError),
        ({"tags": ["Host=a"]}, InvalidTagError),
        ({"tags": "host=a"}, InvalidArgumentError),
        ({"open": "yes"}, InvalidArgumentError),
        ({"maxlevel": 0}, InvalidArgumentError),
        ({"event_types": ["XXX"]}, InvalidArgumentError),
        ({"sourceSystemIds": [0]}, InvalidArgumentError),
        ("maxlevel=1", InvalidArgumentError),
    ],
)
def test_bad_filter_blobs_are_refused(
    client: Client, requests_mock: Any, blob: Any, error: type[Exception]
) -> None:
    with pytest.raises(error):
        client.create_filter("x", blob)
    with pytest.raises(error):
        client.preview_filter(blob)
    assert not requests_mock.called


def test_deleting_a_filter_that_a_task_uses_is_refused(client: Client, requests_mock: Any) -> None:
    task = recorded("maintenance_open_ended")["body"]
    requests_mock.get(API + "plannedmaintenance/", json=[task])
    delete = requests_mock.delete(NP + f"filters/{task['filters'][0]['pk']}/", status_code=204)
    with pytest.raises(InUseError, match="silence more"):
        client.delete_filter(task["filters"][0]["pk"])
    assert not delete.called


def test_destinations(client: Client, requests_mock: Any) -> None:
    mock(requests_mock, "GET", NP + "destinations/", "destinations")
    mock(requests_mock, "POST", NP + "destinations/", "destination_created")
    (managed,) = client.get_destinations()
    assert managed.managed and managed.media.slug == "email"
    address = managed.settings["email_address"]
    with pytest.raises(InvalidArgumentError, match="has these settings already"):
        client.create_destination("email", {"email_address": address})
    with pytest.raises(InvalidArgumentError, match="email_address"):
        client.create_destination("email", {"email": "x@example.org"})
    made = client.create_destination("email", {"email_address": "oncall@example.org"}, "")
    assert requests_mock.last_request.json() == {
        "media": "email",
        "settings": {"email_address": "oncall@example.org"},
    }
    assert not made.managed
    with pytest.raises(InvalidArgumentError, match="managed"):
        client.update_destination(managed, settings={"email_address": "new@example.org"})
    patch = requests_mock.patch(
        NP + f"destinations/{managed.pk}/", json=recorded("destinations")["body"][0]
    )
    client.update_destination(managed, label="me")
    assert patch.last_request.json() == {"label": "me", "settings": {"email_address": address}}


def test_duplicate_media_and_json_schema(client: Client, requests_mock: Any) -> None:
    mock(requests_mock, "GET", NP + "destinations/2/duplicate/", "destination_duplicate")
    mock(requests_mock, "GET", NP + "media/", "media")
    mock(requests_mock, "GET", NP + "media/email/json_schema/", "medium_json_schema")
    assert client.is_duplicate_destination(Destination(pk=2)) is False
    assert [m.slug for m in client.get_media()] == ["email"]
    assert client.get_medium_json_schema("email")["required"] == ["email_address"]


def test_profiles_are_read_nested(client: Client, requests_mock: Any) -> None:
    mock(requests_mock, "POST", NP, "profile_created")
    mock(requests_mock, "GET", NP + "filters/", "filters")
    mock(requests_mock, "GET", NP + "destinations/", "destinations")
    with pytest.raises(InvalidArgumentError, match="another user's destination"):
        client.create_notification_profile("x", 2, [1], [99])
    with pytest.raises(InvalidArgumentError, match="another user's filter"):
        client.create_notification_profile("x", 2, [98])
    profile = client.create_notification_profile(
        "DB on-call", Timeslot(pk=8), [Filter(pk=1)], [Destination(pk=1)]
    )
    assert requests_mock.last_request.json() == recorded("profile_created")["request"]["json"] | {
        "active": True
    }
    assert isinstance(profile.timeslot, Timeslot) and profile.filters[0].name == "db hosts"
    assert profile.destinations[0].media.slug == "email"


def test_a_profile_needs_a_filter(client: Client, requests_mock: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="at least one filter"):
        client.create_notification_profile("x", 2)
    assert not requests_mock.called


def test_profile_patch_always_sends_the_timeslot(client: Client, requests_mock: Any) -> None:
    patch = requests_mock.patch(NP + "1/", json=recorded("profile_created")["body"])
    with pytest.raises(InvalidArgumentError, match="timeslot"):
        client.update_notification_profile(NotificationProfile(pk=1, active=False))
    with pytest.raises(InvalidArgumentError, match="timeslot"):
        client.api.update_notification_profile(1, {"active": False})  # the declaration too
    assert not patch.called
    client.update_notification_profile(
        NotificationProfile(pk=1, timeslot=Timeslot(pk=2), active=False)
    )
    assert patch.last_request.json() == {"timeslot": 2, "active": False}


def test_what_argus_answers_without_the_timeslot(client: Client, requests_mock: Any) -> None:
    # (Why the timeslot is always sent: the recorded HTML 500.)
    mock(requests_mock, "PATCH", NP + "1/", "error_500_patch_without_timeslot")
    with pytest.raises(ServerError, match="500"):
        client.api.update_notification_profile(1, {"timeslot": 2})


def test_quirks(client: Client, requests_mock: Any) -> None:
    mock(requests_mock, "POST", NP, "error_400_profile_name_taken")
    mock(requests_mock, "GET", NP + "filters/", "filters")
    mock(requests_mock, "GET", NP + "1/incidents/", "error_400_profile_incidents_not_yours")
    mock(requests_mock, "POST", API + "plannedmaintenance/", "error_403_maintenance")
    with pytest.raises(BadRequestError, match="unique across all users"):
        client.create_notification_profile("DB on-call", 4, [1])
    with pytest.raises(NotFoundError):
        client.get_notification_profile_incidents(1)
    with pytest.raises(AuthError, match="staff account"):
        client.create_planned_maintenance(
            datetime.now(timezone.utc), datetime.now(timezone.utc) + timedelta(hours=1), "x", [1]
        )


def test_open_ended_maintenance_is_infinity_before_any_time_zone(
    client: Client, requests_mock: Any
) -> None:
    mock(requests_mock, "POST", API + "plannedmaintenance/", "maintenance_open_ended")
    start = datetime(2026, 12, 2, 8, 0, tzinfo=timezone.utc)
    task = client.create_planned_maintenance(start, INFINITY, "open-ended from now", [1])
    assert requests_mock.last_request.json() == {
        "start_time": "2026-12-02T08:00:00+00:00",
        "end_time": None,
        "description": "open-ended from now",
        "filters": [1],
    }
    assert task.end_time is INFINITY and task.open_ended and task.created_by == "staffer"


def test_maintenance_put_without_end_time_is_refused(client: Client, requests_mock: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="open-ended"):
        client.api.replace_planned_maintenance(1, {"filters": [1]})
    assert not requests_mock.called


def test_maintenance_update_is_a_patch(client: Client, requests_mock: Any) -> None:
    body = recorded("maintenance_open_ended")["body"]
    patch = requests_mock.patch(API + "plannedmaintenance/1/", json=body)
    client.update_planned_maintenance(PlannedMaintenance(pk=1, description="new"))
    assert patch.last_request.json() == {"description": "new"}
    with pytest.raises(InvalidArgumentError, match="12 hours"):
        client.update_planned_maintenance(
            PlannedMaintenance(pk=1, end_time=datetime.now(timezone.utc) - timedelta(days=1))
        )


def test_the_context_manager_is_bounded_and_always_ends(client: Client, requests_mock: Any) -> None:
    body = recorded("maintenance_open_ended")["body"]

    def created(request: Any, context: Any) -> dict[str, Any]:
        sent = request.json()
        context.status_code = 201
        return {**body, "start_time": sent["start_time"], "end_time": sent["end_time"]}

    post = requests_mock.post(API + "plannedmaintenance/", json=created)
    requests_mock.get(
        API + "plannedmaintenance/1/",
        json=lambda r, c: post.last_request.json() | {"pk": 1, "filters": []},
    )
    patch = requests_mock.patch(API + "plannedmaintenance/1/", json=body)
    with pytest.raises(KeyError), client.planned_maintenance("x", [1], timedelta(hours=1)):
        raise KeyError("boom")
    sent = post.last_request.json()
    start, end = (datetime.fromisoformat(sent[k]) for k in ("start_time", "end_time"))
    assert end - start == timedelta(hours=1)
    assert patch.called and "end_time" in patch.last_request.json()
    posts = post.call_count
    with (
        pytest.raises(InvalidArgumentError, match="max_duration"),
        client.planned_maintenance("x", [1], None),  # type: ignore[arg-type]
    ):
        pass
    assert post.call_count == posts


def test_preview_of_a_profile_merges_its_filters(client: Client, requests_mock: Any) -> None:
    answers = [[incident_json(pk=1)], [incident_json(pk=1), incident_json(pk=2)]]
    preview = requests_mock.post(NP + "preview/", [{"json": a} for a in answers])
    profile = NotificationProfile(
        pk=3, filters=[Filter(pk=1, filter={"maxlevel": 1}), Filter(pk=2, filter={"open": True})]
    )
    found = client.preview_notification_profile(profile)
    assert sorted(i.pk for i in found) == [1, 2]
    assert [r.json() for r in preview.request_history] == [{"maxlevel": 1}, {"open": True}]
