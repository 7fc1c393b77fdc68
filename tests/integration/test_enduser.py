"""The end-user side against a real Argus: timeslots, filters, destinations, profiles.

Each test runs as a plain end user (``argus_enduser_client``) on an empty
database and re-reads what Argus stored with a plain request (``raw_api``).
"""

from __future__ import annotations

from datetime import time, timezone

import pytest

from pyargus.client import Client
from pyargus.exceptions import (
    AuthError,
    BadRequestError,
    InUseError,
    InvalidArgumentError,
    InvalidTagError,
    NotFoundError,
)
from pyargus.models import NotificationProfile, TimeRecurrence, Timeslot
from pyargus.testing import ServerInfo

from .conftest import RawAPI

WORK = [TimeRecurrence(days=[5, 1, 2, 3, 4], start=time(8), end=time(16))]


@pytest.fixture
def enduser(argus_empty_db: ServerInfo, argus_enduser_client: Client) -> Client:
    return argus_enduser_client


def test_every_user_starts_with_all_the_time(enduser: Client) -> None:
    (default,) = enduser.get_timeslots()
    assert default.name == "All the time"
    (recurrence,) = default.time_recurrences
    assert recurrence.all_day and recurrence.days == [1, 2, 3, 4, 5, 6, 7]


def test_timeslot_lifecycle(enduser: Client, raw_api: RawAPI) -> None:
    slot = enduser.create_timeslot("Work hours", WORK)
    stored = raw_api("GET", f"notificationprofiles/timeslots/{slot.pk}/", "enduser").json()
    assert stored["time_recurrences"] == [
        {"days": [1, 2, 3, 4, 5], "start": "08:00:00", "end": "16:00:00"}
    ]
    slot.name = "Office hours"
    slot.time_recurrences = [TimeRecurrence(days=[6, 7], all_day=True)]
    updated = enduser.update_timeslot(slot)
    assert updated.name == "Office hours" and updated.time_recurrences[0].all_day
    stored = raw_api("GET", f"notificationprofiles/timeslots/{slot.pk}/", "enduser").json()
    assert stored["name"] == "Office hours"
    assert stored["time_recurrences"][0]["end"] == "23:59:59.999999"
    assert enduser.get_timeslot(slot.pk) == updated
    enduser.delete_timeslot(slot)
    gone = raw_api("GET", f"notificationprofiles/timeslots/{slot.pk}/", "enduser")
    assert gone.status_code == 404


def test_timeslot_refusals_send_nothing(enduser: Client) -> None:
    aware = time(8, tzinfo=timezone.utc)
    with pytest.raises(InvalidArgumentError, match="time zone"):
        enduser.create_timeslot("tz", [{"days": [1], "start": aware, "end": time(9)}])
    with pytest.raises(InvalidArgumentError, match="across midnight"):
        enduser.create_timeslot("night", [{"days": [1], "start": "22:00", "end": "06:00"}])
    with pytest.raises(InvalidArgumentError, match="weekday"):
        enduser.create_timeslot("bad", [{"days": [0], "start": "08:00", "end": "09:00"}])
    assert [t.name for t in enduser.get_timeslots()] == ["All the time"]


def test_filter_lifecycle_and_duplicate_name(enduser: Client, raw_api: RawAPI) -> None:
    made = enduser.create_filter("critical open", {"open": True, "maxlevel": 2})
    stored = raw_api("GET", f"notificationprofiles/filters/{made.pk}/", "enduser").json()
    assert stored["filter"]["maxlevel"] == 2 and stored["filter"]["open"] is True
    with pytest.raises(InvalidArgumentError, match="exists already"):
        enduser.create_filter("critical open", {"open": False})
    made.filter = {"tags": ["host=db01"]}
    updated = enduser.update_filter(made)
    assert updated.filter["tags"] == ["host=db01"] and updated.filter.get("maxlevel") is None
    with pytest.raises(InvalidArgumentError, match="did you mean"):
        enduser.create_filter("typo", {"levle": 1})
    with pytest.raises(InvalidTagError):
        enduser.create_filter("crashes later", {"tags": ["Host=a"]})
    enduser.delete_filter(made.pk)
    gone = raw_api("GET", f"notificationprofiles/filters/{made.pk}/", "enduser")
    assert gone.status_code == 404


def test_destinations(enduser: Client, raw_api: RawAPI, argus_server: ServerInfo) -> None:
    (managed,) = enduser.get_destinations()
    assert managed.managed and managed.media.slug == "email"
    made = enduser.create_destination("email", {"email_address": "oncall@example.org"}, "on call")
    stored = raw_api("GET", f"notificationprofiles/destinations/{made.pk}/", "enduser").json()
    assert stored["settings"]["email_address"] == "oncall@example.org"
    assert stored["label"] == "on call"
    with pytest.raises(InvalidArgumentError, match="has these settings already"):
        enduser.create_destination("email", {"email_address": "oncall@example.org"})
    with pytest.raises(InvalidArgumentError, match="settings"):
        enduser.create_destination("email", {"address": "x@example.org"})
    relabelled = enduser.update_destination(made, label="pager")
    assert relabelled.label == "pager"
    with pytest.raises(InvalidArgumentError, match="managed"):
        enduser.update_destination(managed, settings={"email_address": "new@example.org"})
    # The managed destination may be relabelled: it stays the one managed destination.
    relabelled_managed = enduser.update_destination(managed, label="me")
    assert relabelled_managed.managed and relabelled_managed.label == "me"
    assert [d.pk for d in enduser.get_destinations() if d.managed] == [managed.pk]
    assert enduser.is_duplicate_destination(made) is False
    with pytest.raises(BadRequestError):
        enduser.delete_destination(managed)
    enduser.delete_destination(made)
    assert [d.pk for d in enduser.get_destinations()] == [managed.pk]
    (email,) = [m for m in enduser.get_media() if m.slug == "email"]
    assert email.installed and enduser.get_medium("email") == email
    assert "email_address" in enduser.get_medium_json_schema("email")["properties"]


def test_profile_lifecycle(enduser: Client, raw_api: RawAPI) -> None:
    slot = enduser.create_timeslot("Work hours", WORK)
    flt = enduser.create_filter("db", {"tags": ["host=db01"]})
    (managed,) = enduser.get_destinations()
    profile = enduser.create_notification_profile("DB on-call", slot, [flt], [managed.pk])
    assert profile.timeslot.name == "Work hours"
    assert [f.name for f in profile.filters] == ["db"]
    stored = raw_api("GET", f"notificationprofiles/{profile.pk}/", "enduser").json()
    assert stored["timeslot"]["pk"] == slot.pk and stored["active"] is True
    # A PATCH needs the timeslot: built from the pk alone, the profile still sends it.
    changed = enduser.update_notification_profile(
        NotificationProfile(pk=profile.pk, timeslot=Timeslot(pk=slot.pk), active=False)
    )
    assert changed.active is False
    stored = raw_api("GET", f"notificationprofiles/{profile.pk}/", "enduser").json()
    assert stored["active"] is False and stored["name"] == "DB on-call"
    with pytest.raises(InUseError) as info:
        enduser.delete_timeslot(slot)
    assert [p.pk for p in info.value.users] == [profile.pk]
    assert raw_api("GET", f"notificationprofiles/{profile.pk}/", "enduser").status_code == 200
    assert enduser.get_notification_profile_incidents(profile) == []
    enduser.delete_notification_profile(profile)
    assert raw_api("GET", f"notificationprofiles/{profile.pk}/", "enduser").status_code == 404


def test_scoping_between_end_users(
    enduser: Client, argus_second_enduser_client: Client, raw_api: RawAPI
) -> None:
    bob = argus_second_enduser_client
    slot = enduser.create_timeslot("Alice's", WORK)
    private = enduser.create_filter("alice private", {"maxlevel": 1})
    public = enduser.create_filter("alice public", {"maxlevel": 2}, public=True)
    profile = enduser.create_notification_profile("Work", slot, [private])
    assert [t.name for t in bob.get_timeslots()] == ["All the time"]
    with pytest.raises(NotFoundError):
        bob.get_timeslot(slot.pk)
    with pytest.raises(NotFoundError):
        bob.get_notification_profile(profile.pk)
    with pytest.raises(NotFoundError):
        bob.get_notification_profile_incidents(profile.pk)
    assert [f.pk for f in bob.get_filters()] == [public.pk]
    with pytest.raises(AuthError, match="another user's public filter"):
        bob.get_filter(public.pk)
    # Bob may name his own filter like Alice's public one.
    assert bob.create_filter("alice public", {"maxlevel": 3}).name == "alice public"
    # Profile names are global: Argus' message is misleading, pyargus says why.
    (bob_slot,) = bob.get_timeslots()
    bob_filter = bob.create_filter("bob", {"maxlevel": 4})
    with pytest.raises(BadRequestError, match="across all users"):
        bob.create_notification_profile("Work", bob_slot, [bob_filter])
    # Argus would let Bob attach Alice's private filter or her destination: refused.
    (alice_email,) = enduser.get_destinations()
    with pytest.raises(InvalidArgumentError, match="another user's filter"):
        bob.create_notification_profile("Bobs", bob_slot, [private])
    with pytest.raises(InvalidArgumentError, match="another user's destination"):
        bob.create_notification_profile("Bobs", bob_slot, [bob_filter], [alice_email])
    assert raw_api("GET", "notificationprofiles/", "second_enduser").json() == []
    # Her public filter is meant to be used by others.
    shared = bob.create_notification_profile("Bobs", bob_slot, [public])
    assert [f.pk for f in shared.filters] == [public.pk]


def test_the_harness_users_have_their_roles(
    argus_server: ServerInfo,
    argus_enduser_client: Client,
    argus_second_enduser_client: Client,
    argus_staff_client: Client,
    argus_admin_client: Client,
) -> None:
    users = {
        "enduser": argus_enduser_client.get_current_user(),
        "second_enduser": argus_second_enduser_client.get_current_user(),
        "staff": argus_staff_client.get_current_user(),
        "admin": argus_admin_client.get_current_user(),
    }
    assert users["enduser"].username == argus_server.enduser_username == "alice"
    assert users["second_enduser"].username == argus_server.second_enduser_username == "bob"
    assert users["staff"].username == argus_server.staff_username == "staffer"
    # Argus shows admin_url to staff users only.
    assert {role for role, user in users.items() if user.admin_url} == {"staff", "admin"}
    for role in ("enduser", "second_enduser", "staff"):
        assert argus_server.token(role) not in repr(argus_server)
