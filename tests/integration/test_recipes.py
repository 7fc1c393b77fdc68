"""The recipes of README.rst against a real Argus: run each recipe, then re-read what it did."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from pyargus.client import Client
from pyargus.exceptions import AuthError
from pyargus.models import Incident
from pyargus.testing import ServerInfo
from tests.test_recipes import DOC, RECIPES

from .helpers import last_seen

NewIncident = Callable[..., Incident]


@pytest.fixture
def names(argus_client: Client, argus_admin_client: Client) -> dict[str, Any]:
    return {"client": argus_client, "operator": argus_admin_client}


def run(title: str, names: dict[str, Any]) -> dict[str, Any]:
    exec(compile(RECIPES[title], f"{DOC}:{title}", "exec"), names)  # noqa: S102
    return names


def test_acknowledge(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    new_incident: NewIncident,
    names: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    db1 = [argus_client.post_incident(new_incident(tags={"host": "db1"})) for _ in range(2)]
    other = argus_client.post_incident(new_incident(tags={"host": "db2"}))
    run("Acknowledge incidents", names)
    for incident in db1:
        acks = argus_client.get_incident_acknowledgements(incident)
        assert sorted(a.description for a in acks) == ["Looking into it", "Planned maintenance"]
        assert argus_client.get_incident(incident).acked is True
    assert argus_client.get_incident(other).acked is False
    out = capsys.readouterr().out
    assert f"#{db1[0].pk} acknowledged by admin until" in out
    assert "not acknowledged" not in out


def test_close_in_bulk(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    new_incident: NewIncident,
    names: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    retired = [
        argus_client.post_incident(new_incident(tags={"check": "legacy_backup"})) for _ in range(3)
    ]
    kept = argus_client.post_incident(new_incident(tags={"check": "disk"}))
    run("Close incidents in bulk", names)
    assert [argus_client.get_incident(i).open for i in retired] == [False, False, False]
    assert argus_client.get_incident(kept).open is True
    assert "still open" not in capsys.readouterr().out
    run("Close incidents in bulk", names)  # nothing left: no request, no error


def test_tickets(
    argus_client: Client,
    new_incident: NewIncident,
    names: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    incident = argus_client.post_incident(new_incident())
    names["incident_pk"] = incident.pk
    run("Tickets", names)  # no ticket plugin on the test server: the manual URL
    assert argus_client.get_incident(incident).ticket_url == "https://tickets.example.org/OPS-1234"
    assert f"#{incident.pk} has ticket https://tickets.example.org/OPS-1234" in (
        capsys.readouterr().out
    )


def test_heartbeat_loop(
    argus_server: ServerInfo,
    argus_client: Client,
    names: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    namespace = run("Heartbeat loop", names)
    heartbeats = namespace["heartbeats"]
    assert not heartbeats.is_alive() and heartbeats.error is None
    assert "last heartbeat:" in capsys.readouterr().out
    if heartbeats.last_ok is not None:  # the thread got to send one before the stop
        seen = last_seen(argus_server, argus_server.source_name)
        assert seen is not None and seen >= before


def test_heartbeat_loop_ends_on_an_auth_error(
    argus_admin_client: Client, names: dict[str, Any]
) -> None:
    names["client"] = argus_admin_client
    heartbeats = run("Heartbeat loop", names)["heartbeats"]
    heartbeats.join(timeout=30)
    assert heartbeats.last_ok is None and heartbeats.failures == 0
    assert heartbeats.error is None or isinstance(heartbeats.error, AuthError)


def test_check(names: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    run("Check the server and the token", names)
    out = capsys.readouterr().out
    assert "Argus 2.10" in out and "(API v2)" in out
    assert "OK, token of 'testsource' (a source system), heartbeat supported" in out
