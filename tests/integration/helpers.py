"""Helpers shared by the integration tests."""

from __future__ import annotations

from datetime import datetime

import requests

from pyargus.testing import ServerInfo


def last_seen(info: ServerInfo, name: str) -> datetime | None:
    """``last_seen`` of a source system (only API v3 shows it)."""
    response = requests.get(
        info.root_url + "api/v3/incidents/sources/",
        headers={"Authorization": f"Token {info.token('admin')}"},
        timeout=10,
    )
    response.raise_for_status()
    (source,) = [s for s in response.json() if s["name"] == name]
    return datetime.fromisoformat(source["last_seen"]) if source["last_seen"] else None
