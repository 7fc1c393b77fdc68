"""Every code example of README.rst, run in order against a real Argus server.

The examples name ``https://argus.example.org/api/v2`` and placeholder
tokens; here ``Client`` is pointed at the test server, with the source
system's token for ``glue-service-token`` and the admin's for
``operator-token``. After the run, the test re-reads what the examples
stored.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

import pyargus.client
from pyargus.client import Client
from pyargus.models import INFINITY, STATELESS
from pyargus.testing import ServerInfo
from tests.docs import README, code_blocks

BLOCKS = code_blocks(README)
ROLES = {"glue-service-token": "source", "operator-token": "admin"}


def test_the_readme_has_the_seed_examples() -> None:
    sections = {block.section for block in BLOCKS}
    for section in (
        "List open incidents that have not been acknowledged",
        'List only "my" incidents',
        "Post a new incident",
        "Resolve (close) an incident",
        "Modify an incident",
        "Stateless incidents",
    ):
        assert section in sections


@pytest.fixture
def readme_client(argus_empty_db: ServerInfo, monkeypatch: pytest.MonkeyPatch) -> list[Client]:
    """Make ``pyargus.client.Client`` build clients of the test server; the clients built."""
    made: list[Client] = []

    class ReadmeClient(Client):
        def __init__(self, api_root_url: str, token: str, *args: Any, **kwargs: Any) -> None:
            if api_root_url != "https://argus.example.org/api/v2":  # not from the README
                super().__init__(api_root_url, token, *args, **kwargs)
                return
            info = argus_empty_db
            super().__init__(info.api_url, info.token(ROLES[token]), *args, **kwargs)
            made.append(self)

    monkeypatch.setattr(pyargus.client, "Client", ReadmeClient)
    yield made
    for client in made:
        client.close()


def test_every_readme_example_runs_against_argus(
    readme_client: list[Client],
    argus_client: Client,
    capsys: pytest.CaptureFixture[str],
    argus_empty_db: ServerInfo,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    namespace: dict[str, Any] = {}
    for block in BLOCKS:
        block.run(namespace)

    assert len(readme_client) == 2  # the quick start's client and the recipes' operator
    out = capsys.readouterr().out

    # "Post a new incident", "Resolve", "Restart", "Modify": re-read what they stored.
    incident = argus_client.get_incident(namespace["incident"].pk)
    assert incident.source_incident_id == "earth-1"
    assert incident.description == "Earth: demolition postponed"
    assert incident.level == 1
    assert incident.tags.getlist("planet") == ["earth"]
    assert incident.tags["host"] == "earth.example.org"  # kept by the level-only update
    types = [event.type for event in argus_client.get_incident_events(incident)]
    assert types.count("END") == 2  # resolved, restarted, resolved in "Error handling"
    assert "RES" in types
    assert "OTH" in types
    assert incident.end_time is not INFINITY
    assert incident.open is False
    assert "already there:" in out

    # "Tags with repeated keys" and "Stateless incidents".
    assert sorted(namespace["stored"].tags.getlist("organization")) == ["dept", "uni"]
    blip = argus_client.get_incident(namespace["blip"].pk)
    assert blip.end_time is STATELESS
    assert blip.stateful is False

    # "Writing a glue service": its sync created the one alert, in its scope only.
    assert "created 1, resolved 0, updated 0, unchanged 0" in out
    synced = list(argus_client.get_my_incidents(open=True, tags={"glue": "nagios"}))
    assert [(i.source_incident_id, i.level) for i in synced] == [("nagios-17", 1)]
    # Its async twin, from load_config(): the same alerts again change nothing.
    monkeypatch.setenv("ARGUS_URL", argus_empty_db.root_url)
    monkeypatch.setenv("ARGUS_TOKEN", argus_empty_db.source_token)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("ARGUS_CONFIG", "ARGUS_PROFILE", "ARGUS_TOKEN_FILE", "ARGUS_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    asyncio.run(namespace["sync"](namespace["alerts"]))
    assert "created 0, resolved 0, updated 0, unchanged 1" in capsys.readouterr().out

    # "List only my incidents" ran on the empty database, before anything was posted.
    assert namespace["mine"] == {}
