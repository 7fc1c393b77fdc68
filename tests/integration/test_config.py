"""pyargus.config against a real Argus, as a plain end user: apply, re-apply, change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from pyargus.client import Client
from pyargus.config import apply, load_config_file, parse_config, plan
from pyargus.testing import ServerInfo

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).parent.parent.parent / "docs" / "examples" / "notifications.yaml"


class Counting(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str]] = []

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.sent.append((request.method, request.url))
        return super().send(request, **kwargs)


@pytest.fixture
def counted(argus_empty_db: ServerInfo) -> Iterator[tuple[Client, Counting]]:
    session = Counting()
    with argus_empty_db.client("enduser", session=session) as client:
        yield client, session


def test_example_apply_twice_then_change(
    counted: tuple[Client, Counting], argus_empty_db: ServerInfo
) -> None:
    client, session = counted
    config = load_config_file(EXAMPLE)
    first = apply(client, config, server_timezone=argus_empty_db.time_zone)
    first_requests = list(session.sent)
    assert first.applied and first.count("create") == 7
    print("first apply:", len(first_requests), "requests", first_requests)

    session.sent.clear()
    second = apply(client, config, server_timezone=argus_empty_db.time_zone)
    print("second apply:", len(session.sent), "requests")
    assert not second, str(second)
    assert {method for method, _ in session.sent} == {"GET"}

    # Argus stored what the file says (read back with plain requests)
    url, token = argus_empty_db.api_url, argus_empty_db.token("enduser")
    headers = {"Authorization": f"Token {token}"}
    profiles = requests.get(url + "notificationprofiles/", headers=headers, timeout=10).json()
    by_name = {p["name"]: p for p in profiles}
    night = by_name["Ops databases (night)"]
    assert night["timeslot"]["name"] == "Nights and weekends"
    assert {f["name"] for f in night["filters"]} == {"Database hosts", "Critical"}
    assert night["destinations"][0]["settings"]["email_address"] == "ops@example.org"
    recurrences = {
        (tuple(r["days"]), r["start"], r["end"]) for r in night["timeslot"]["time_recurrences"]
    }
    assert recurrences == {
        ((2, 3, 4, 5), "00:00:00", "08:00:00"),  # Saturday morning is all day anyway
        ((1, 2, 3, 4, 5), "16:00:00", "23:59:59.999999"),
        ((6, 7), "00:00:00", "23:59:59.999999"),
    }

    # a changed file makes exactly the expected change
    data = yaml.safe_load(EXAMPLE.read_text())
    data["filters"]["Critical"]["filter"]["maxlevel"] = 3
    changed = parse_config(data)
    preview = plan(client, changed, server_timezone=argus_empty_db.time_zone)
    assert [(c.action, c.kind, c.name) for c in preview.changes] == [
        ("update", "filter", "Critical")
    ]
    session.sent.clear()
    apply(client, changed, server_timezone=argus_empty_db.time_zone)
    writes = [(m, u) for m, u in session.sent if m != "GET"]
    assert [m for m, _ in writes] == ["PATCH"]
    stored = requests.get(url + "notificationprofiles/filters/", headers=headers, timeout=10).json()
    assert {f["name"]: f["filter"]["maxlevel"] for f in stored}["Critical"] == 3
    assert not plan(client, changed, server_timezone=argus_empty_db.time_zone)


def test_prune_deletes_only_when_asked(
    counted: tuple[Client, Counting], argus_empty_db: ServerInfo
) -> None:
    client, _ = counted
    zone = argus_empty_db.time_zone
    apply(client, EXAMPLE, server_timezone=zone)
    data = yaml.safe_load(EXAMPLE.read_text())
    del data["notification_profiles"]["Ops critical (day)"]
    kept = plan(client, parse_config(data), server_timezone=zone)
    assert not kept
    assert "Ops critical (day)" in str(kept)
    pruned = apply(client, parse_config(data), prune={"notification_profile"}, server_timezone=zone)
    assert [(c.action, c.name) for c in pruned.changes] == [("delete", "Ops critical (day)")]
    assert {p.name for p in client.get_notification_profiles()} == {"Ops databases (night)"}
