"""The recipes of README.rst: every recipe runs, against autospec'd clients (signatures checked)."""

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import pytest

from pyargus.client import Client
from pyargus.exceptions import AuthError, ErrorResponse, NotSupportedError
from pyargus.glue import start_heartbeats
from pyargus.models import (
    Acknowledgement,
    BulkItem,
    BulkResult,
    Event,
    Incident,
    ServerMetadata,
    SourceSystem,
    User,
)

from .docs import README, code_blocks

DOC = README
UNTIL = datetime(2026, 1, 1, 14, tzinfo=timezone.utc)


def recipes(path: Path = DOC) -> dict[str, str]:
    """``{section title: code}`` of the "Recipes" chapter (blocks joined per section)."""
    found: dict[str, str] = {}
    for block in code_blocks(path):
        if block.chapter == "Recipes" and block.section:
            found[block.section] = found.get(block.section, "") + block.code + "\n"
    return found


RECIPES = recipes()


def fake_client():
    return mock.create_autospec(Client, instance=True)


@pytest.fixture
def names():
    client, operator = fake_client(), fake_client()
    return {"client": client, "operator": operator, "incident_pk": 42}


def run(title: str, names: dict) -> dict:
    exec(compile(RECIPES[title], f"{DOC}:{title}", "exec"), names)  # noqa: S102
    return names


def test_the_recipes_are_there():
    assert set(RECIPES) == {
        "Acknowledge incidents",
        "Close incidents in bulk",
        "Tickets",
        "Heartbeat loop",
        "Check the server and the token",
    }


def test_acknowledge(names, capsys):
    operator = names["operator"]
    ack = Acknowledgement(pk=7, event=Event(actor="alice"), expiration=UNTIL)
    operator.get_incidents.side_effect = lambda **filters: iter([Incident(pk=1)])
    operator.acknowledge_incident.return_value = ack
    operator.bulk_acknowledge.return_value = BulkResult(
        [BulkItem(1, 201, ack), BulkItem(2, 400, None, "Incident with id 2 could not be found.")]
    )
    run("Acknowledge incidents", names)
    assert operator.get_incidents.call_args_list[0] == mock.call(
        open=True, acked=False, tags={"host": "db1"}
    )
    incident, description = operator.acknowledge_incident.call_args.args
    expiration = operator.acknowledge_incident.call_args.kwargs["expiration"]
    assert (incident.pk, description) == (1, "Looking into it")
    assert expiration - datetime.now(timezone.utc) > timedelta(hours=3)
    operator.bulk_acknowledge.assert_called_once_with([1], "Planned maintenance")
    out = capsys.readouterr().out
    assert "#1 acknowledged by alice until 2026-01-01 14:00:00+00:00" in out
    assert "#2 not acknowledged: Incident with id 2 could not be found." in out


def test_close_in_bulk(names, capsys):
    client = names["client"]
    retired = iter([Incident(pk=3)])
    client.get_my_incidents.return_value = retired
    client.bulk_resolve.return_value = BulkResult([BulkItem(3, 400, None, "stateless")])
    run("Close incidents in bulk", names)
    client.get_my_incidents.assert_called_once_with(open=True, tags={"check": "legacy_backup"})
    client.bulk_resolve.assert_called_once_with(retired, "The legacy backup check was retired")
    assert "still open: #3: stateless (status 400)" in capsys.readouterr().out


@pytest.mark.parametrize("plugin", [True, False])
def test_tickets(names, capsys, plugin):
    operator = names["operator"]
    operator.get_incident.return_value = Incident(pk=42, ticket_url="")
    if plugin:
        operator.create_automatic_ticket.return_value = "https://tickets.example.org/7"
    else:
        operator.create_automatic_ticket.side_effect = NotSupportedError(ErrorResponse(400))
        operator.set_ticket_url.return_value = "https://tickets.example.org/OPS-1234"
    run("Tickets", names)
    operator.get_incident.assert_called_once_with(42)
    url = "https://tickets.example.org/7" if plugin else "https://tickets.example.org/OPS-1234"
    assert f"#42 has ticket {url}" in capsys.readouterr().out
    assert operator.set_ticket_url.called is not plugin


def test_heartbeat_loop_runs_in_a_thread_until_stopped(names, capsys):
    client = names["client"]
    beat = threading.Event()
    client.send_heartbeat.side_effect = lambda: beat.set()
    namespace = run("Heartbeat loop", names)
    heartbeats = namespace["heartbeats"]
    assert not heartbeats.is_alive()  # stopped and joined by the recipe
    assert heartbeats.error is None
    assert client.send_heartbeat.call_count <= 1  # at most the first one: the next is 60 s later
    assert "last heartbeat:" in capsys.readouterr().out


def test_heartbeat_loop_ends_on_an_auth_error(names):
    client = names["client"]
    client.send_heartbeat.side_effect = AuthError(ErrorResponse(401))
    heartbeats = start_heartbeats(client, every=60)
    heartbeats.join(timeout=10)
    assert isinstance(heartbeats.error, AuthError)
    client.send_heartbeat.assert_called_once_with()


@pytest.mark.parametrize(("version", "ok"), [("2.10.2", True), ("2.9.1", False)])
def test_check(names, capsys, version, ok):
    client = names["client"]
    client.api_root_url = "https://argus.example.org/api/v2/"
    client.get_server_metadata.return_value = ServerMetadata(
        server_version=version, stable_api_version="v2"
    )
    client.get_current_user.return_value = User(username="testsource")
    client.get_source_systems.return_value = [SourceSystem(pk=2, name="testsource", user=3)]
    client.get_user.return_value = User(username="testsource")
    client.supports_heartbeat.return_value = True
    if ok:
        run("Check the server and the token", names)
        assert "OK, token of 'testsource' (a source system)" in capsys.readouterr().out
    else:
        with pytest.raises(SystemExit) as info:
            run("Check the server and the token", names)
        assert info.value.code == 1
        assert "older than the 2.10 needed" in capsys.readouterr().out
    client.get_user.assert_called_once_with(3)
