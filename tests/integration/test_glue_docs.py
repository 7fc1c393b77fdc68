"""The code of docs/glue.rst runs against a real Argus: the snippets and both example glues."""

from __future__ import annotations

import signal
import sys
import threading
import types
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from pyargus.client import Client
from pyargus.exceptions import AuthError
from pyargus.models import Incident
from pyargus.testing import ServerInfo
from tests.docs import DOCS, CodeBlock, code_blocks

from .helpers import last_seen

GUIDE = DOCS / "glue.rst"
EXAMPLES = ("A cron-style glue", "A long-running glue")
#: The async examples run in tests/integration/test_glue_aio_docs.py.
ASYNC_EXAMPLES = ("An aiohttp webhook glue", "An asyncio long-running glue")


def blocks() -> list[CodeBlock]:
    return [b for b in code_blocks(GUIDE) if b.chapter == "Writing a glue service"]


def example(section: str) -> dict[str, Any]:
    (block,) = [b for b in blocks() if b.section == section]
    return block.run({"__name__": "example"})


class Monitoring(types.ModuleType):
    """A stand-in for a monitoring system's API, importable as ``monitoring``."""

    class Error(Exception):
        pass

    def __init__(self) -> None:
        super().__init__("monitoring")
        self.alerts: list[dict[str, Any]] = []
        self.failing = False
        self.calls = 0
        self.gone: set[str] = set()
        self.after_call: Any = None

    def active_alerts(self) -> list[dict[str, Any]]:
        self.calls += 1
        if self.after_call is not None:
            self.after_call(self)
        if self.failing:
            raise self.Error("the monitoring API answered 500")
        return list(self.alerts)

    def is_gone(self, source_incident_id: str) -> bool:
        return source_incident_id in self.gone


def alert(n: int, severity: str = "high", **fields: Any) -> dict[str, Any]:
    since = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(minutes=n)
    return {
        "id": f"alert-{n}",
        "severity": severity,
        "since": since,
        "summary": f"problem {n}",
        "url": f"https://monitoring.example.org/{n}",
        "host": f"h{n}",
        **fields,
    }


@pytest.fixture
def monitoring(monkeypatch: pytest.MonkeyPatch) -> Monitoring:
    module = Monitoring()
    monkeypatch.setitem(sys.modules, "monitoring", module)
    return module


@pytest.fixture
def argus_env(argus_server: ServerInfo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The environment load_config() reads: the test server and its source system's token."""
    monkeypatch.setenv("ARGUS_URL", argus_server.root_url)
    monkeypatch.setenv("ARGUS_TOKEN", argus_server.source_token)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    for name in ("ARGUS_CONFIG", "ARGUS_PROFILE", "ARGUS_TOKEN_FILE", "ARGUS_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)


def open_ids(client: Client) -> set[str]:
    return {str(i.source_incident_id) for i in client.get_my_incidents(open=True)}


def test_the_guide_has_its_examples() -> None:
    sections = [b.section for b in blocks()]
    assert all(name in sections for name in EXAMPLES + ASYNC_EXAMPLES)
    assert len(sections) >= 9


def test_the_snippets_run_in_order(
    argus_empty_db: ServerInfo,
    argus_env: None,
    argus_client: Client,
    capsys: pytest.CaptureFixture[str],
) -> None:
    namespace: dict[str, Any] = {}
    for block in blocks():
        if block.section not in EXAMPLES + ASYNC_EXAMPLES:
            block.run(namespace)
    out = capsys.readouterr().out
    assert f"Argus {argus_empty_db.argus_version} (API v2) at {argus_empty_db.api_url}: OK" in out
    assert "created 1, resolved 0, updated 0, unchanged 0, existed closed 0, kept open 1" in out
    # zbx-4711 (ensure_incident) is kept open by min_age, zbx-1 was created by reconcile
    assert open_ids(argus_client) == {"zbx-4711", "zbx-1"}
    on_notification = namespace["on_notification"]
    now = datetime.now(timezone.utc)
    firing = {"id": "hook-1", "status": "firing", "since": now, "text": "Link down"}
    assert on_notification(argus_client, firing) == 200
    assert on_notification(argus_client, firing) == 200  # again: no second incident
    assert on_notification(argus_client, {**firing, "status": "resolved"}) == 200
    assert len(list(argus_client.get_my_incidents(source_incident_id="hook-1"))) == 1
    assert "hook-1" not in open_ids(argus_client)
    assert on_notification(argus_client, {**firing, "id": " bad id"}) == 422
    with Client(argus_empty_db.api_url, "wrong-token") as wrong:
        assert on_notification(wrong, {**firing, "id": "hook-2"}) == 500


def test_the_cron_style_glue(
    argus_empty_db: ServerInfo,
    argus_env: None,
    argus_client: Client,
    monitoring: Monitoring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    main = example("A cron-style glue")["main"]
    assert main(["--check"]) == 0
    assert "OK, token of 'testsource' (a source system)" in capsys.readouterr().out

    monitoring.alerts = [alert(1, "disaster"), alert(2), alert(3, "warning"), alert(4, "info")]
    assert main([]) == 0
    assert open_ids(argus_client) == {"alert-1", "alert-2", "alert-3", "alert-4"}
    levels = {i.source_incident_id: i.level for i in argus_client.get_my_incidents()}
    assert levels == {"alert-1": 1, "alert-2": 2, "alert-3": 4, "alert-4": 5}

    assert main([]) == 0  # nothing to do
    monitoring.alerts = monitoring.alerts[1:]
    assert main(["--dry-run"]) == 3  # drift found, nothing changed
    assert "alert-1" in open_ids(argus_client)
    assert main([]) == 0
    assert open_ids(argus_client) == {"alert-2", "alert-3", "alert-4"}

    monitoring.failing = True  # the alert source fails: refused, nothing resolved
    assert main([]) == 1
    monitoring.failing, monitoring.alerts = False, []  # an empty answer: refused too
    assert main([]) == 1
    assert open_ids(argus_client) == {"alert-2", "alert-3", "alert-4"}

    monkeypatch.setenv("ARGUS_TOKEN", "not-the-token")
    assert main([]) == 4
    monkeypatch.setenv("ARGUS_URL", "https://argus.example.org/api/v1/")
    assert main([]) == 2


def test_the_long_running_glue(
    argus_empty_db: ServerInfo,
    argus_env: None,
    argus_client: Client,
    monitoring: Monitoring,
) -> None:
    namespace = example("A long-running glue")
    old = argus_client.post_incident(
        Incident(
            source_incident_id="alert-9",
            start_time=datetime.now(timezone.utc) - timedelta(hours=1),
            description="gone at the source",
        )
    )
    young = argus_client.post_incident(
        Incident(source_incident_id="alert-8", start_time=datetime.now(timezone.utc))
    )
    monitoring.alerts = [alert(1), alert(2), alert(3)]
    monitoring.gone = {"alert-9", "alert-8"}
    stop = threading.Event()

    def pass_started(m: Monitoring) -> None:
        m.failing = m.calls == 2  # the second pass cannot fetch the alerts
        if m.calls == 4:
            stop.set()

    monitoring.after_call = pass_started
    before = datetime.now(timezone.utc).replace(microsecond=0)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            namespace["serve"](stop, every=0.05)
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive() and errors == []
    assert monitoring.calls == 4
    assert open_ids(argus_client) == {
        "alert-1",
        "alert-2",
        "alert-3",
        "alert-8",
    }  # alert-8: min_age
    assert argus_client.get_incident(old).open is False
    assert argus_client.get_incident(young).open is True
    seen = last_seen(argus_empty_db, str(argus_empty_db.source_name))
    assert seen is not None and seen >= before


def test_the_long_running_glue_ends_on_a_bad_token(
    argus_env: None, monitoring: Monitoring, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace = example("A long-running glue")
    monkeypatch.setenv("ARGUS_TOKEN", "not-the-token")
    with pytest.raises(AuthError):
        namespace["serve"](threading.Event(), every=0.05)
    previous = signal.getsignal(signal.SIGTERM)
    try:
        assert namespace["main"]() == 4
    finally:
        signal.signal(signal.SIGTERM, previous)
