"""Argus v2 wire payloads for unit tests (shapes as recorded from argus-server 2.10.2)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures"


def load_fixture(name: str) -> Any:
    """A recorded Argus response body from ``tests/fixtures/<name>.json``."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


INCIDENT: dict[str, Any] = {
    "pk": 1,
    "start_time": "2026-11-27T09:45:32.365835+01:00",
    "end_time": "infinity",
    "source": {
        "pk": 2,
        "name": "testsource",
        "type": {"name": "argus"},
        "user": 3,
        "base_url": "",
    },
    "source_incident_id": "lab-1",
    "details_url": "https://example.org/lab-1",
    "description": "Lab incident 1",
    "level": 2,
    "ticket_url": "",
    "metadata": {},
    "tags": [
        {
            "added_by": 3,
            "added_time": "2026-11-27T09:50:32.669188+01:00",
            "tag": "host=a.example.org",
        },
        {"added_by": 3, "added_time": "2026-11-27T09:50:32.669188+01:00", "tag": "org=uni"},
        {"added_by": 3, "added_time": "2026-11-27T09:50:32.669188+01:00", "tag": "org=dept"},
    ],
    "stateful": True,
    "open": True,
    "acked": False,
}

EVENT: dict[str, Any] = {
    "pk": 12,
    "incident": 1,
    "actor": {"pk": 3, "username": "testsource"},
    "timestamp": "2026-11-27T09:50:32.365835+01:00",
    "received": "2026-11-27T09:50:33.435248+01:00",
    "type": {"value": "END", "display": "Incident end"},
    "description": "resolved",
}

ACK: dict[str, Any] = {
    "pk": 13,
    "event": {
        "pk": 13,
        "incident": 1,
        "actor": {"pk": 2, "username": "admin"},
        "timestamp": "2026-11-27T10:06:37.924008+01:00",
        "received": "2026-11-27T10:06:38.583852+01:00",
        "type": {"value": "ACK", "display": "Acknowledge"},
        "description": "looking into it",
    },
    "expiration": "2026-11-27T11:06:37.924008+01:00",
}


def incident_json(**changes: Any) -> dict[str, Any]:
    """A wire incident (as Argus sends it) with *changes* applied."""
    data = copy.deepcopy(INCIDENT)
    data.update(changes)
    return data


def event_json(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(EVENT)
    data.update(changes)
    return data


def ack_json(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(ACK)
    data.update(changes)
    return data


def page_json(results: list[dict], next_url: str | None = None) -> dict[str, Any]:
    return {"next": next_url, "previous": None, "results": results}
