"""The harness itself: database resets, external servers, failures and cleanup.

The cleanup tests run an inner pytest session in a subprocess (sharing the
virtualenv and golden cluster cache of this one) and check that after a
failing test, Ctrl-C, SIGTERM or SIGKILL none of its processes and none of
its temporary directories are left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from pyargus.client import Client
from pyargus.models import Incident
from pyargus.testing import ServerInfo, default_cache_dir
from pyargus.testing.processes import _children_of, is_alive

# Resets


def test_reset_empties_the_database_and_keeps_the_tokens(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    argus_admin_client: Client,
    request: pytest.FixtureRequest,
) -> None:
    argus_client.post_incident(Incident(start_time=datetime.now().astimezone(), tags={}))
    assert len(list(argus_admin_client.get_incidents())) == 1

    server = request.getfixturevalue("_argus_server_process")
    server.reset()

    assert list(argus_admin_client.get_incidents()) == []  # same clients, same tokens
    posted = argus_client.post_incident(Incident(start_time=datetime.now().astimezone(), tags={}))
    assert posted.pk == 1  # sequences start again
    assert posted.source is not None
    assert posted.source.pk == argus_empty_db.source_pk
    assert server.timings["reset"] < 5  # generous: a reset takes well under a second


# Inner pytest sessions

_INNER_CONFTEST = """
import json, os

import pytest


@pytest.fixture
def report(_argus_server_process, tmp_path_factory):
    def write(**extra):
        data = {"pytest_pid": os.getpid(), **extra}
        if _argus_server_process is not None:
            data["pids"] = _argus_server_process.pids
            data["rundir"] = str(_argus_server_process.rundir)
        with open(os.environ["INNER_REPORT"] + ".tmp", "w") as out:
            json.dump(data, out)
        os.rename(os.environ["INNER_REPORT"] + ".tmp", os.environ["INNER_REPORT"])
    return write
"""


def _inner_env(report: Path, external: dict[str, str] | None = None) -> dict[str, str]:
    # The inner runs get neither this run's external server nor its options (e.g. CI's --cov).
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYARGUS_TEST_", "COV_CORE_"))
        and k not in ("PYTEST_ADDOPTS", "COVERAGE_FILE")
    }
    env["INNER_REPORT"] = str(report)
    env.update(external or {})
    return env


def _inner_pytest(
    tmp_path: Path, test_code: str, request: pytest.FixtureRequest, *options: str
) -> list[str]:
    (tmp_path / "conftest.py").write_text(_INNER_CONFTEST)
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(test_code))
    config = request.config
    # The same server as this session's, so that the caches are shared.
    forwarded = [
        "--argus-cache-dir",
        config.getoption("--argus-cache-dir") or str(default_cache_dir()),
    ]
    for option in ("--argus-version", "--argus-time-zone", "--argus-postgres", "--argus-python"):
        value = config.getoption(option)
        if value and option not in options:
            forwarded += [option, value]
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        "-rs",
        "--rootdir",
        str(tmp_path),
        *forwarded,
        *options,
        str(tmp_path / "test_inner.py"),
    ]


def _wait_for(predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def _all_gone(report: dict[str, object], workers: list[int]) -> bool:
    pids = list(report["pids"].values()) + workers  # type: ignore[attr-defined]
    return not any(is_alive(pid, None) for pid in pids) and not Path(str(report["rundir"])).exists()


def test_a_failing_test_leaves_nothing_behind(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    report_file = tmp_path / "report.json"
    args = _inner_pytest(
        tmp_path,
        """
        def test_fails(argus_client, report):
            report()
            assert False, "on purpose"
        """,
        request,
    )
    result = subprocess.run(
        args, env=_inner_env(report_file), capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "1 failed" in result.stdout
    report = json.loads(report_file.read_text())
    assert set(report["pids"]) == {"postgres", "gunicorn"}
    assert _all_gone(report, [])


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL])
def test_an_interrupted_run_leaves_nothing_behind(
    tmp_path: Path, request: pytest.FixtureRequest, sig: signal.Signals
) -> None:
    report_file = tmp_path / "report.json"
    args = _inner_pytest(
        tmp_path,
        """
        import time

        def test_waits(argus_client, report):
            report()
            time.sleep(300)  # until the outer test interrupts this run
        """,
        request,
    )
    inner = subprocess.Popen(
        args,
        env=_inner_env(report_file),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert _wait_for(report_file.exists, timeout=120), "the inner server did not start"
        report = json.loads(report_file.read_text())
        workers = _children_of(report["pids"]["gunicorn"])
        assert len(workers) == 2
        assert all(is_alive(pid, None) for pid in [*report["pids"].values(), *workers])

        inner.send_signal(sig)
        output, _ = inner.communicate(timeout=60)
    finally:
        if inner.poll() is None:
            inner.kill()
            inner.wait()

    if sig == signal.SIGKILL:
        # Nobody in the killed process could clean up: the watchdog does.
        assert inner.returncode == -signal.SIGKILL
    else:
        assert inner.returncode != 0, output
    assert _wait_for(lambda: _all_gone(report, workers), timeout=30), output


def test_a_server_that_cannot_start_is_an_error_not_a_skip(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    report_file = tmp_path / "report.json"
    args = _inner_pytest(
        tmp_path,
        """
        def test_one(argus_client):
            pass

        def test_two(argus_server):
            pass
        """,
        request,
        "--argus-python",
        str(tmp_path / "no-such-python"),
    )
    result = subprocess.run(
        args, env=_inner_env(report_file), capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "2 errors" in result.stdout
    assert "skipped" not in result.stdout
    assert "could not start the Argus server" in result.stdout
    assert "no-such-python" in result.stdout


def test_external_server_from_the_environment(
    tmp_path: Path, request: pytest.FixtureRequest, argus_server: ServerInfo
) -> None:
    report_file = tmp_path / "report.json"
    args = _inner_pytest(
        tmp_path,
        """
        def test_uses_it(argus_server, argus_client, argus_admin_client, report):
            report(
                api_url=argus_server.api_url,
                external=argus_server.external,
                source_name=argus_server.source_name,
                source_pk=argus_server.source_pk,
                other_source_pk=argus_server.other_source_pk,
                admin_username=argus_server.admin_username,
                argus_version=argus_server.argus_version,
            )
            list(argus_client.get_my_incidents())
            list(argus_admin_client.get_incidents(page_size=1))

        def test_cannot_reset(argus_empty_db):
            raise AssertionError("not reached")
        """,
        request,
    )
    external = {
        "PYARGUS_TEST_API_URL": argus_server.api_url,
        "PYARGUS_TEST_SOURCE_TOKEN": argus_server.token("source"),
        "PYARGUS_TEST_OTHER_SOURCE_TOKEN": argus_server.token("other_source"),
        "PYARGUS_TEST_ADMIN_TOKEN": argus_server.token("admin"),
    }
    result = subprocess.run(
        args, env=_inner_env(report_file, external), capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 1 skipped" in result.stdout
    assert "points at an existing Argus server: it cannot be reset" in result.stdout
    report = json.loads(report_file.read_text())
    assert "pids" not in report  # nothing was started
    assert report["api_url"] == argus_server.api_url
    assert report["external"] is True
    assert report["source_name"] == argus_server.source_name
    assert report["source_pk"] == argus_server.source_pk
    assert report["other_source_pk"] == argus_server.other_source_pk
    assert report["admin_username"] == argus_server.admin_username
    assert report["argus_version"] == argus_server.argus_version
