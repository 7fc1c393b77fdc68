"""Every code example of docs/enduser.rst, run in order against a real Argus (as staff)."""

from __future__ import annotations

from typing import Any

import pytest

import pyargus.client
from pyargus.client import Client
from pyargus.testing import ServerInfo
from tests.docs import DOCS, code_blocks

BLOCKS = code_blocks(DOCS / "enduser.rst")


def test_the_examples_run_and_store_what_they_say(
    argus_empty_db: ServerInfo,
    monkeypatch: pytest.MonkeyPatch,
    argus_staff_client: Client,
    raw_api: Any,
) -> None:
    class DocClient(Client):
        def __init__(self, api_root_url: str, token: str, *args: Any, **kwargs: Any) -> None:
            assert token == "staff-user-token"
            super().__init__(argus_empty_db.api_url, argus_empty_db.token("staff"))

    monkeypatch.setattr(pyargus.client, "Client", DocClient)
    assert len(BLOCKS) >= 8
    namespace: dict[str, Any] = {}
    for block in BLOCKS:
        block.run(namespace)
    namespace["client"].close()
    tasks = raw_api("GET", "plannedmaintenance/", "staff").json()
    assert [t["description"] for t in tasks] == ["db01 upgrade", "reboot of db01"]
    assert all(not t["end_time"].startswith("9999") for t in tasks)  # all ended
    # The cleanup block deleted the profile and its timeslot; the filters stay.
    assert raw_api("GET", "notificationprofiles/", "staff").json() == []
    names = {f["name"] for f in raw_api("GET", "notificationprofiles/filters/", "staff").json()}
    assert names == {"db hosts", "critical"}
