"""Realistic Argus API v2 payloads for the benchmark (deterministic).

The shapes follow what argus-server 2.10 sends (see ``argus-api.md`` §6):
a nested source with its type, about eight tags each with ``added_by`` and
``added_time``, ``"infinity"`` for open incidents, ``null`` for stateless
ones, ISO 8601 datetimes with a ``+01:00`` offset and microseconds, and a
small ``metadata`` object.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

__all__ = ["created_event", "created_incident", "incident", "incidents_json"]

_TZ = timezone(timedelta(hours=1))
_EPOCH = datetime(2025, 11, 3, 14, 7, 21, 123456, tzinfo=_TZ)

_SOURCES = [
    {
        "pk": 3,
        "name": "nav",
        "type": {"name": "nav"},
        "user": 4,
        "base_url": "https://nav.example.org",
    },
    {
        "pk": 7,
        "name": "zabbix-prod",
        "type": {"name": "zabbix"},
        "user": 11,
        "base_url": "https://zabbix.example.org",
    },
]

_DESCRIPTIONS = [
    "Box down: sw-{n}.core.example.org is not responding to ping",
    "Link down on ge-0/0/{m} of rtr-{n}.example.org (uplink to campus)",
    "BGP session to 192.0.2.{m} on gw-{n} went from Established to Idle",
    "Module 2 of sw-{n}.example.org is down",
]


def _iso(when: datetime) -> str:
    return when.isoformat()


def incident(pk: int) -> dict[str, Any]:
    """The v2 JSON object of incident *pk* (as a dict)."""
    start = _EPOCH - timedelta(seconds=37 * pk)
    source = _SOURCES[pk % 2]
    host = f"sw-{pk % 997}.example.org"
    kind = pk % 10
    if kind < 6:
        end_time: str | None = "infinity"  # open, stateful
    elif kind < 9:
        end_time = _iso(start + timedelta(minutes=13))  # closed
    else:
        end_time = None  # stateless
    tag_time = _iso(start + timedelta(seconds=2))
    tags = [
        f"host={host}",
        f"location=building-{pk % 17}",
        "organization=example",
        f"interface=ge-0/0/{pk % 48}",
        f"problem_type={'boxDown' if pk % 3 else 'linkDown'}",
        f"room=r{pk % 101}",
        f"netbox_id={pk * 7}",
        f"source_system_id={source['pk']}",
    ]
    return {
        "pk": pk,
        "start_time": _iso(start),
        "end_time": end_time,
        "source": source,
        "source_incident_id": str(1_000_000 + pk),
        "details_url": f"{source['base_url']}/alert/{pk}/",
        "description": _DESCRIPTIONS[pk % 4].format(n=pk % 997, m=pk % 48),
        "level": pk % 5 + 1,
        "ticket_url": "" if pk % 4 else f"https://rt.example.org/Ticket/{pk}",
        "tags": [{"added_by": source["user"], "added_time": tag_time, "tag": tag} for tag in tags],
        "stateful": end_time is not None,
        "open": end_time == "infinity",
        "acked": pk % 7 == 0,
        "metadata": {"alert_id": 1_000_000 + pk, "severity": pk % 5 + 1, "acked_by": None},
    }


def incidents_json(first_pk: int, count: int) -> list[bytes]:
    """The JSON encodings of *count* incidents, newest (highest pk) first."""
    return [
        json.dumps(incident(pk), separators=(",", ":")).encode()
        for pk in range(first_pk + count - 1, first_pk - 1, -1)
    ]


def created_incident() -> dict[str, Any]:
    """The answer to ``POST incidents/``: the stored incident."""
    body = incident(900_001)
    body["end_time"] = "infinity"
    body["open"] = body["stateful"] = True
    return body


def created_event(incident_pk: int = 900_001) -> dict[str, Any]:
    """The answer to ``POST incidents/<pk>/events/``: the stored END event."""
    return {
        "pk": 4_200_001,
        "incident": incident_pk,
        "actor": {"pk": 4, "username": "nav"},
        "timestamp": _iso(_EPOCH),
        "received": _iso(_EPOCH + timedelta(milliseconds=350)),
        "type": {"value": "END", "display": "Incident end"},
        "description": "Resolved by the benchmark",
    }


def new_incident_body(i: int) -> dict[str, Any]:
    """The JSON body a source system posts for its *i*-th new incident."""
    return {
        "start_time": _iso(_EPOCH + timedelta(seconds=i)),
        "source_incident_id": f"bench-{i}",
        "details_url": f"https://nav.example.org/alert/{i}/",
        "description": f"Box down: sw-{i % 997}.example.org is not responding",
        "level": i % 5 + 1,
        "tags": [
            {"tag": f"host=sw-{i % 997}.example.org"},
            {"tag": "organization=example"},
            {"tag": f"location=building-{i % 17}"},
            {"tag": "problem_type=boxDown"},
        ],
        "metadata": {"alert_id": i},
    }
