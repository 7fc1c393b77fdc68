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


# Shapes recorded from argus-server 2.10.2 (incident-side API).

USER: dict[str, Any] = {
    "username": "admin",
    "first_name": "Admin",
    "last_name": "",
    "email": "",
    "admin_url": "http://127.0.0.1:8000/admin/",
}

SOURCE_USER: dict[str, Any] = {
    "username": "testsource",
    "first_name": "",
    "last_name": "",
    "email": "",
    "admin_url": None,
}

TOKEN: dict[str, Any] = {
    "expiry": "2026-11-27T22:19:10.456037+01:00",
    "token": "9dfa40ff2be24db21f0d2b20128b5c3e9dfa40ff2be24db21f0d2b20128b5c3e",
}

METADATA: dict[str, Any] = {
    "server-version": "2.10.2",
    "api-version": {"stable": "v2"},
    "jsonapi-schema": {"stable": "/api/schema/", "v2": "/api/v2/schema/", "v3": "/api/v3/schema/"},
    "ticket_plugin": None,
    "destination_plugins": ["argus.notificationprofile.media.email.EmailNotification"],
}

SOURCE_SYSTEMS: list[dict[str, Any]] = [
    {"pk": 1, "name": "argus", "type": {"name": "argus"}, "user": 1, "base_url": ""},
    {"pk": 3, "name": "othersource", "type": {"name": "pyargus"}, "user": 4, "base_url": ""},
    {"pk": 2, "name": "testsource", "type": {"name": "pyargus"}, "user": 3, "base_url": ""},
]

#: 400 of PUT incidents/<pk>/automatic-ticket/ without TICKET_PLUGIN: a bare JSON string.
NO_TICKET_PLUGIN = 'No path to ticket plugin can be found in the settings. Please update the setting "TICKET_PLUGIN".'

NOT_FOUND_IN_BULK = {"ids": "Incident with id 999999 could not be found."}


def bulk_json(key: str, ok: dict[int, Any], missing: tuple[int, ...] = ()) -> dict[str, Any]:
    """A bulk answer: ``{"changes": {...}}`` with *ok* values and *missing* ids."""
    changes: dict[str, Any] = {}
    for pk in missing:
        changes[str(pk)] = {
            key: None,
            "status": 400,
            "errors": {"ids": f"Incident with id {pk} could not be found."},
        }
    for pk, value in ok.items():
        changes[str(pk)] = {key: value, "status": 201, "errors": None}
    return {"changes": changes}


def user_json(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(USER)
    data.update(changes)
    return data
