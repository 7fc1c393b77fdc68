"""The "raw" baseline: ``requests.Session`` + ``json.loads`` + plain dataclasses.

What a careful hand-written client would do, with nothing pyargus offers
beyond decoding: one plain :class:`requests.Session` with the token in its
headers, a timeout on every call, ``raise_for_status``, ``next`` links
followed as given, and dataclasses built with ``datetime.fromisoformat``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import requests

__all__ = ["RawClient", "RawEvent", "RawIncident", "RawSource"]

INFINITY = datetime.max.replace(tzinfo=timezone.utc)
TIMEOUT = 10.0


@dataclass
class RawSource:
    pk: int
    name: str
    type: str
    user: int
    base_url: str


@dataclass
class RawIncident:
    pk: int | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    source: RawSource | None = None
    source_incident_id: str = ""
    details_url: str = ""
    description: str = ""
    level: int = 5
    ticket_url: str = ""
    tags: list[tuple[str, str]] | None = None
    stateful: bool | None = None
    open: bool | None = None
    acked: bool | None = None
    metadata: Any = None


@dataclass
class RawEvent:
    pk: int | None
    incident: int | None
    actor: str | None
    timestamp: datetime | None
    received: datetime | None
    type: str
    description: str


def _datetime(value: str | None) -> datetime | None:
    if value is None:
        return None
    if value == "infinity":
        return INFINITY
    return datetime.fromisoformat(value)


def incident_from_json(data: dict[str, Any]) -> RawIncident:
    source = data["source"]
    return RawIncident(
        pk=data["pk"],
        start_time=datetime.fromisoformat(data["start_time"]),
        end_time=_datetime(data["end_time"]),
        source=RawSource(
            source["pk"],
            source["name"],
            source["type"]["name"],
            source["user"],
            source["base_url"],
        ),
        source_incident_id=data["source_incident_id"],
        details_url=data["details_url"],
        description=data["description"],
        level=data["level"],
        ticket_url=data["ticket_url"],
        tags=[tuple(tag["tag"].split("=", 1)) for tag in data["tags"]],  # type: ignore[misc]
        stateful=data["stateful"],
        open=data["open"],
        acked=data["acked"],
        metadata=data["metadata"],
    )


def incident_to_json(incident: RawIncident) -> dict[str, Any]:
    assert incident.start_time is not None
    return {
        "start_time": incident.start_time.isoformat(),
        "source_incident_id": incident.source_incident_id,
        "details_url": incident.details_url,
        "description": incident.description,
        "level": incident.level,
        "tags": [{"tag": f"{key}={value}"} for key, value in incident.tags or ()],
        "metadata": incident.metadata,
    }


def event_from_json(data: dict[str, Any]) -> RawEvent:
    return RawEvent(
        pk=data["pk"],
        incident=data["incident"],
        actor=data["actor"]["username"],
        timestamp=datetime.fromisoformat(data["timestamp"]),
        received=datetime.fromisoformat(data["received"]),
        type=data["type"]["value"],
        description=data["description"],
    )


class RawClient:
    """The baseline client (same HTTP calls as pyargus)."""

    def __init__(self, api_root_url: str, token: str) -> None:
        self.root = api_root_url if api_root_url.endswith("/") else api_root_url + "/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Token {token}"

    def close(self) -> None:
        self.session.close()

    def get_incidents(self, **params: Any) -> Iterator[RawIncident]:
        response = self.session.get(self.root + "incidents/", params=params, timeout=TIMEOUT)
        while True:
            response.raise_for_status()
            page = json.loads(response.content)
            for item in page["results"]:
                yield incident_from_json(item)
            if not page["next"]:
                return
            response = self.session.get(page["next"], timeout=TIMEOUT)

    def post_incident(self, incident: RawIncident) -> RawIncident:
        response = self.session.post(
            self.root + "incidents/", json=incident_to_json(incident), timeout=TIMEOUT
        )
        response.raise_for_status()
        return incident_from_json(json.loads(response.content))

    def resolve_incident(self, pk: int, description: str | None = None) -> RawEvent:
        body = {"type": "END", "timestamp": datetime.now(timezone.utc).isoformat()}
        if description is not None:
            body["description"] = description
        response = self.session.post(
            f"{self.root}incidents/{pk}/events/", json=body, timeout=TIMEOUT
        )
        response.raise_for_status()
        return event_from_json(json.loads(response.content))
