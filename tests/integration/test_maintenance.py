"""Planned maintenance and previews against a real Argus (staff, end user, superuser)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from pyargus.client import Client
from pyargus.exceptions import AuthError, InUseError, InvalidArgumentError
from pyargus.models import INFINITY, Incident, PlannedMaintenance
from pyargus.testing import ServerInfo
from pyargus.time import now

from .conftest import RawAPI


@pytest.fixture
def staff(argus_empty_db: ServerInfo, argus_staff_client: Client) -> Client:
    return argus_staff_client


def test_a_task_is_created_re_read_and_ended(staff: Client, raw_api: RawAPI) -> None:
    flt = staff.create_filter("host a", {"tags": ["host=a"]})
    start = now() - timedelta(minutes=5)
    task = staff.create_planned_maintenance(start, start + timedelta(hours=1), "upgrade", [flt])
    assert task.created_by == "staffer" and [f.pk for f in task.filters] == [flt.pk]
    stored = raw_api("GET", f"plannedmaintenance/{task.pk}/", "enduser").json()
    assert stored["description"] == "upgrade" and stored["filters"][0]["pk"] == flt.pk
    ended = staff.end_planned_maintenance(task)
    assert ended is not None and ended.end_time <= now()
    stored = raw_api("GET", f"plannedmaintenance/{task.pk}/", "enduser").json()
    assert stored["end_time"] == ended.end_time.isoformat()


def test_open_ended_tasks_read_as_infinity(staff: Client, local_time_zone) -> None:  # type: ignore[no-untyped-def]
    flt = staff.create_filter("f", {"maxlevel": 1})
    task = staff.create_planned_maintenance(now(), INFINITY, "open-ended", [flt])
    local_time_zone("Asia/Kolkata")  # east of the server: no OverflowError anywhere
    (listed,) = staff.get_planned_maintenance()
    assert listed.end_time is INFINITY and listed.open_ended
    task.description = "still open-ended"
    assert staff.update_planned_maintenance(task).end_time is INFINITY
    staff.end_planned_maintenance(task)


def test_end_user_needs_staff(staff: Client, argus_enduser_client: Client, raw_api: RawAPI) -> None:
    flt = argus_enduser_client.create_filter("mine", {"maxlevel": 1})
    with pytest.raises(AuthError, match="staff account"):
        argus_enduser_client.create_planned_maintenance(
            now(), now() + timedelta(hours=1), "x", [flt]
        )
    assert raw_api("GET", "plannedmaintenance/", "enduser").json() == []
    # Any user can read them.
    task = staff.create_planned_maintenance(now(), now() + timedelta(hours=1), "read", [flt])
    assert argus_enduser_client.get_planned_maintenance_task(task.pk).description == "read"
    staff.end_planned_maintenance(task)


def test_superuser_can_write_tasks(argus_empty_db: ServerInfo, argus_admin_client: Client) -> None:
    flt = argus_admin_client.create_filter("admin's", {"maxlevel": 1})
    with argus_admin_client.planned_maintenance("admin", [flt], timedelta(minutes=10)) as task:
        assert task.created_by == argus_empty_db.admin_username


def test_context_manager_ends_the_task_even_on_error(staff: Client, raw_api: RawAPI) -> None:
    flt = staff.create_filter("ctx", {"tags": ["host=b"]})
    seen: list[PlannedMaintenance] = []

    def maintain() -> None:
        with staff.planned_maintenance("ctx", [flt], timedelta(hours=2)) as task:
            seen.append(task)
            raise RuntimeError("the maintenance failed")

    with pytest.raises(RuntimeError):
        maintain()
    (t,) = seen
    assert t.end_time - t.start_time == timedelta(hours=2)  # bounded, never open-ended
    ended = staff.get_planned_maintenance_task(t.pk)
    assert ended.end_time <= now() < t.end_time


def test_a_future_task_ends_by_deletion(staff: Client, raw_api: RawAPI) -> None:
    flt = staff.create_filter("future", {"maxlevel": 1})
    start = now() + timedelta(days=1)
    task = staff.create_planned_maintenance(start, start + timedelta(hours=1), "later", [flt])
    assert staff.end_planned_maintenance(task.pk) is None
    assert raw_api("GET", f"plannedmaintenance/{task.pk}/", "staff").status_code == 404


def test_refusals_before_sending(staff: Client, raw_api: RawAPI) -> None:
    flt = staff.create_filter("r", {"maxlevel": 1})
    with pytest.raises(InvalidArgumentError, match="INFINITY"):
        staff.create_planned_maintenance(now(), None, "x", [flt])  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match="at least one filter"):
        staff.create_planned_maintenance(now(), now() + timedelta(hours=1), "x", [])
    task = staff.create_planned_maintenance(now(), now() + timedelta(hours=1), "x", [flt])
    with pytest.raises(InvalidArgumentError, match="12 hours"):
        staff.end_planned_maintenance(task, now() - timedelta(hours=13))
    with pytest.raises(InvalidArgumentError, match="end_time"):
        staff.api.replace_planned_maintenance(task.pk, {"filters": [flt.pk]})  # PUT: refused
    # Deleting a filter a task uses would widen the task to everything: refused.
    with pytest.raises(InUseError):
        staff.delete_filter(flt)
    assert raw_api("GET", f"notificationprofiles/filters/{flt.pk}/", "staff").status_code == 200
    staff.end_planned_maintenance(task)


def test_previews(
    argus_empty_db: ServerInfo, argus_client: Client, argus_enduser_client: Client, new_incident
) -> None:  # type: ignore[no-untyped-def]
    a: Incident = argus_client.post_incident(new_incident(tags={"host": "a"}, level=1))
    b: Incident = argus_client.post_incident(new_incident(tags={"host": "b"}, level=4))
    user = argus_enduser_client
    assert [i.pk for i in user.preview_filter({"tags": ["host=a"]})] == [a.pk]
    assert user.preview_filter({}) == []  # an empty filter matches nothing
    flt = user.create_filter("b", {"tags": ["host=b"]})
    both = user.preview_notification_profile([{"maxlevel": 1}, flt])
    assert {i.pk for i in both} == {a.pk, b.pk}
    (slot,) = user.get_timeslots()
    profile = user.create_notification_profile(None, slot, [flt])
    assert [i.pk for i in user.get_notification_profile_incidents(profile)] == [b.pk]


def test_maintenance_model_is_exported() -> None:
    assert PlannedMaintenance(end_time=INFINITY).open_ended
