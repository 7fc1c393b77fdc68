"""Integration tests: every test here runs against a real Argus server.

The server comes from the ``pyargus.testing`` pytest plugin (fixtures
``argus_server``, ``argus_empty_db``, ``argus_client``, ...); this file
marks every test in the folder ``integration`` and adds a few helpers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests

from pyargus.models import Incident
from pyargus.testing import ServerInfo

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.integration)


class RawAPI:
    """Plain ``requests`` calls to the server, for what the client cannot do (yet)."""

    def __init__(self, info: ServerInfo) -> None:
        self.info = info
        self.session = requests.Session()
        self.session.trust_env = False  # no proxies: loopback only

    def __call__(
        self, method: str, path: str, role: str | None = "source", **kwargs: Any
    ) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if role is not None:
            headers["Authorization"] = f"Token {self.info.token(role)}"
        return self.session.request(
            method, self.info.api_url + path, headers=headers, timeout=10, **kwargs
        )


@pytest.fixture
def raw_api(argus_server: ServerInfo) -> Iterator[RawAPI]:
    api = RawAPI(argus_server)
    yield api
    api.session.close()


@pytest.fixture
def now() -> datetime:
    """The current time in UTC, to the second."""
    return datetime.now(timezone.utc).replace(microsecond=0)


@pytest.fixture
def new_incident(now: datetime) -> Callable[..., Incident]:
    """A factory of incidents to post, each starting a minute before the previous one."""
    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> Incident:
        n = next(counter)
        fields.setdefault("start_time", now - timedelta(minutes=n))
        fields.setdefault("description", f"integration test incident {n}")
        fields.setdefault("tags", {"test": "integration"})
        return Incident(**fields)

    return make


@pytest.fixture
def local_time_zone() -> Iterator[Callable[[str], None]]:
    """Switch this process's local time zone (``TZ`` + ``time.tzset()``) for one test."""
    saved = os.environ.get("TZ")

    def switch(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield switch
    if saved is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = saved
    time.tzset()
