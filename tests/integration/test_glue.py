"""pyargus.glue against a real Argus: reconcile passes, get-or-create races, check, heartbeats."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from pyargus.client import Client
from pyargus.glue import (
    ReconcileRefused,
    check,
    ensure_incident,
    find_my_incident,
    index_my_incidents,
    is_source_system,
    load_config,
    reconcile,
    start_heartbeats,
)
from pyargus.models import Incident
from pyargus.testing import ServerInfo
from tests.faults import run_in_threads

from .helpers import last_seen

Requests = list[tuple[str, str]]


@pytest.fixture
def counted(argus_server: ServerInfo) -> Iterator[tuple[Client, Requests]]:
    """A source system's client and the (method, path) of every request it sends."""
    seen: Requests = []
    session = requests.Session()
    session.trust_env = False
    session.hooks["response"].append(
        lambda r, *args, **kwargs: seen.append((r.request.method, r.request.path_url))
    )
    with argus_server.client(session=session) as client:
        yield client, seen
    session.close()


def alerts(prefix: str, numbers: range, start: datetime) -> dict[str, Callable[[], Incident]]:
    """Desired incidents with lazy builders, distinct start times."""

    def builder(n: int) -> Callable[[], Incident]:
        return lambda: Incident(
            start_time=start - timedelta(seconds=n),
            description=f"alert {n}",
            level=3,
            tags={"glue": "itest", "host": f"h{n % 7}"},
        )

    return {f"{prefix}-{n}": builder(n) for n in numbers}


def mine(client: Client, **filters: Any) -> dict[str, Incident]:
    return {str(i.source_incident_id): i for i in client.get_my_incidents(page_size=500, **filters)}


def test_three_passes_create_nothing_then_exactly_the_changes(
    argus_empty_db: ServerInfo, counted: tuple[Client, Requests]
) -> None:
    client, seen = counted
    # The client learns once (GETs only) that its token is a source system's:
    # an empty incidents/mine/ answer asks that. Done here so that the passes
    # below count only the reconcile's own requests.
    assert client.get_my_source_system() is not None
    seen.clear()
    start = datetime.now(timezone.utc)
    desired = alerts("p", range(40), start)
    first = reconcile(client, desired)
    assert first.ok and len(first.created) == 40
    # One listing page, one count (nothing else is mine: no lookups), 40 posts.
    assert [m for m, _ in seen] == ["GET", "GET"] + ["POST"] * 40
    seen.clear()

    second = reconcile(client, desired, page_size=15)
    assert second.unchanged == 40 and not second.changed
    assert len(seen) == 3 and all(m == "GET" and "open=true" in p for m, p in seen)  # ceil(40/15)
    seen.clear()

    changed = {k: v for k, v in desired.items() if k not in ("p-0", "p-1")}
    changed.update(alerts("q", range(2), start))
    third = reconcile(client, changed, resolve_description="gone from the source")
    assert sorted(i.source_incident_id for i in third.resolved) == ["p-0", "p-1"]  # type: ignore[type-var]
    assert sorted(i.source_incident_id for i in third.created) == ["q-0", "q-1"]  # type: ignore[type-var]
    assert third.unchanged == 38
    assert sorted(mine(client, open=True)) == sorted(changed)
    ended = client.get_incident_events(mine(client)["p-0"])
    assert ended[0].type == "END" and ended[0].description == "gone from the source"


def test_closed_ids_are_reported_not_posted_again(
    argus_empty_db: ServerInfo, counted: tuple[Client, Requests], new_incident: Any
) -> None:
    client, seen = counted
    assert client.get_my_source_system() is not None  # learnt once, GETs only
    closed = client.post_incident(new_incident(source_incident_id="force-closed"))
    client.resolve_incident(closed, "closed by an operator")
    desired = {"force-closed": new_incident(source_incident_id="force-closed")}
    for _ in range(2):
        seen.clear()
        report = reconcile(client, desired)
        assert [i.pk for i in report.existed_closed] == [closed.pk]
        assert report.ok and not report.changed
        assert [m for m, _ in seen] == ["GET", "GET"]  # the listing and the lookup: no POST
    assert len(mine(client)) == 1


def test_dry_run_sends_only_gets(
    argus_empty_db: ServerInfo, counted: tuple[Client, Requests], new_incident: Any
) -> None:
    client, seen = counted
    for n in range(3):
        client.post_incident(new_incident(source_incident_id=f"dry-{n}", level=4))
    desired = {
        "dry-0": new_incident(source_incident_id="dry-0", level=1),
        "dry-1": new_incident(source_incident_id="dry-1", level=4),
        "dry-new": new_incident(source_incident_id="dry-new"),
    }
    seen.clear()
    plan = reconcile(client, desired, dry_run=True, update_changed=["level"])
    assert {m for m, _ in seen} == {"GET"}
    assert [i.source_incident_id for i in plan.resolved] == ["dry-2"]
    assert [i.source_incident_id for i in plan.created] == ["dry-new"]
    assert [c for _, c in plan.updated] == [{"level": 1}]
    assert sorted(mine(client, open=True)) == ["dry-0", "dry-1", "dry-2"]
    done = reconcile(client, desired, update_changed=["level"])
    assert done.as_dict()["updated"] == {"dry-0": ["level"]}
    assert mine(client)["dry-0"].level == 1


def test_refusals_change_nothing_on_the_server(
    argus_empty_db: ServerInfo, argus_client: Client, new_incident: Any
) -> None:
    for n in range(4):
        argus_client.post_incident(new_incident(source_incident_id=f"keep-{n}"))
    for desired, kwargs in ((None, {}), ({}, {}), ({"keep-0": new_incident()}, {})):
        with pytest.raises(ReconcileRefused):
            reconcile(argus_client, desired, **kwargs)
    assert len(mine(argus_client, open=True)) == 4


def test_update_adds_tags_without_removing_an_operators(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    argus_admin_client: Client,
    new_incident: Any,
) -> None:
    stored = argus_client.post_incident(
        new_incident(source_incident_id="tagged", tags={"host": "a"})
    )
    argus_admin_client.add_incident_tag(stored, "owner", "ops")
    desired = {
        "tagged": new_incident(source_incident_id="tagged", tags={"host": "a", "rack": "r1"})
    }
    report = reconcile(argus_client, desired, update_changed=True)
    assert report.ok, report.failed
    tags = argus_client.get_incident(stored).tags
    assert tags is not None and sorted(tags.allitems()) == [
        ("host", "a"),
        ("owner", "ops"),
        ("rack", "r1"),
    ]
    assert reconcile(argus_client, desired, update_changed=True).updated == []


def test_scope_by_tag(argus_empty_db: ServerInfo, argus_client: Client, new_incident: Any) -> None:
    argus_client.post_incident(new_incident(source_incident_id="z-1", tags={"glue": "zabbix"}))
    argus_client.post_incident(new_incident(source_incident_id="n-1", tags={"glue": "nav"}))
    report = reconcile(
        argus_client,
        {"z-2": new_incident(tags={"glue": "zabbix"})},
        scope={"tags": {"glue": "zabbix"}},
        max_resolve=None,
    )
    assert [i.source_incident_id for i in report.resolved] == ["z-1"]
    assert sorted(mine(argus_client, open=True)) == ["n-1", "z-2"]


def test_ensure_incident_from_eight_threads_makes_one_incident(
    argus_server: ServerInfo, new_incident: Any
) -> None:
    sid = f"race-{uuid.uuid4().hex[:10]}"
    results = []
    barrier = threading.Barrier(8)

    def work(n: int) -> None:
        with argus_server.client() as client:
            barrier.wait(timeout=30)
            results.append(ensure_incident(client, new_incident(source_incident_id=sid)))

    assert run_in_threads(work, 8, timeout=120) == []
    assert sum(r.created for r in results) == 1
    assert len({r.incident.pk for r in results}) == 1
    with argus_server.client() as client:
        assert len(list(client.get_my_incidents(source_incident_id=sid))) == 1
        assert find_my_incident(client, sid, open_only=True) is not None


def test_ensure_incident_restarts_a_closed_one(argus_client: Client, new_incident: Any) -> None:
    sid = f"restart-{uuid.uuid4().hex[:10]}"
    first = ensure_incident(argus_client, new_incident(source_incident_id=sid))
    argus_client.resolve_incident(first.incident)
    again = ensure_incident(argus_client, new_incident(source_incident_id=sid))
    assert (again.created, again.existed_closed, again.reopened) == (False, True, False)
    back = ensure_incident(argus_client, new_incident(source_incident_id=sid), restart=True)
    assert back.reopened and back.incident.open is True and back.incident.pk == first.incident.pk


def test_argus_strips_white_space_from_ids(argus_client: Client, new_incident: Any) -> None:
    """Why find_my_incident and reconcile refuse ids with white space around them."""
    sid = f"pad-{uuid.uuid4().hex[:10]}"
    stored = argus_client.post_incident(new_incident(source_incident_id=f" {sid} "))
    assert stored.source_incident_id == sid  # stored stripped: " id " would never match again
    found = list(argus_client.get_my_incidents(source_incident_id=f"  {sid}"))
    assert [i.pk for i in found] == [stored.pk]  # and lookups are stripped too


def test_index_my_incidents_with_int_keys(
    argus_empty_db: ServerInfo, argus_client: Client, new_incident: Any
) -> None:
    for sid in ("10", "11", "not-a-number"):
        argus_client.post_incident(new_incident(source_incident_id=sid))
    argus_client.post_incident(new_incident())
    index = index_my_incidents(argus_client, key=int)
    assert sorted(index) == [10, 11]
    assert sorted(why.split(":")[0] for _, why in index.skipped) == [
        "no source_incident_id",
        "source_incident_id 'not-a-number' cannot be keyed",
    ]


def test_check_a_source_system_an_end_user_and_a_bad_token(
    argus_server: ServerInfo, argus_client: Client, argus_admin_client: Client
) -> None:
    report = check(argus_client, min_version="2.10", need_source_system=True, need_heartbeat=True)
    assert report.ok and report.exit_code == 0, report.problems
    assert report.user == argus_server.source_name and report.is_source_system is True
    assert report.heartbeat is True and report.server_version == argus_server.argus_version
    assert is_source_system(argus_client) is True
    admin = check(argus_admin_client, need_source_system=True)
    assert admin.is_source_system is False and admin.exit_code == 4
    with Client(argus_server.api_url, "not-a-valid-token") as bad:
        refused = check(bad)
    assert refused.exit_code == 4 and "not-a-valid-token" not in str(refused)


def test_check_an_unreachable_server() -> None:
    with Client("http://127.0.0.1:9/api/v2/", "token", retries=0) as client:
        report = check(client)
    assert report.exit_code == 5 and "connection refused" in report.problems[0]


def test_heartbeat_thread_updates_last_seen(argus_server: ServerInfo, argus_client: Client) -> None:
    before = datetime.now(timezone.utc).replace(microsecond=0)
    thread = start_heartbeats(argus_client, every=0.2)
    try:
        deadline = datetime.now(timezone.utc) + timedelta(seconds=30)
        while thread.last_ok is None and datetime.now(timezone.utc) < deadline:
            threading.Event().wait(0.05)
    finally:
        thread.stop(timeout=30)
    assert thread.last_ok is not None and thread.error is None
    seen = last_seen(argus_server, str(argus_server.source_name))
    assert seen is not None and seen >= before


def test_heartbeats_of_an_end_user_end_the_thread(argus_admin_client: Client) -> None:
    thread = start_heartbeats(argus_admin_client, every=0.01)
    thread.join(timeout=30)
    # NotSourceSystemError: the AuthError of a token whose user is not a source system.
    assert type(thread.error).__name__ == "NotSourceSystemError" and thread.last_ok is None


def test_client_from_env_and_config_file(
    argus_server: ServerInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(argus_server.source_token + "\n")
    token_file.chmod(0o600)
    monkeypatch.setenv("ARGUS_URL", argus_server.root_url)
    monkeypatch.setenv("ARGUS_TOKEN_FILE", str(token_file))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("ARGUS_CONFIG", raising=False)
    with Client.from_env() as client:
        assert client.get_current_user().username == argus_server.source_name
    config_file = tmp_path / "config.toml"
    config_file.write_text(
        f'default_profile = "test"\n[profile.test]\nurl = "{argus_server.api_url}"\n'
        f'token_file = "token"\ntimeout = 30\n'
    )
    monkeypatch.delenv("ARGUS_URL")
    monkeypatch.delenv("ARGUS_TOKEN_FILE")
    config = load_config(config_file)
    assert config.profile == "test" and config.timeout == 30.0
    with config.client() as client:
        assert check(client).ok
