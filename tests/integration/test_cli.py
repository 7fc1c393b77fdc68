"""The ``argus`` console script against a real Argus, as a subprocess: every command, pipes
and terminals, configuration, every exit code, and an interrupted ``events list --follow``."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import signal
import struct
import subprocess
import termios
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pyargus.client import Client
from pyargus.models import Event
from pyargus.testing import ServerInfo
from tests.cli_run import clean_env, run, script

Argus = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def env(argus_server: ServerInfo, tmp_path: Path) -> dict[str, str]:
    """The source system's settings, in the environment only (no config file)."""
    return clean_env(
        tmp_path, ARGUS_URL=argus_server.api_url, ARGUS_TOKEN=argus_server.token("source")
    )


@pytest.fixture
def argus(env: dict[str, str]) -> Argus:
    """``argus(*args, input=None, **env)``: run the console script through a pipe."""

    def call(
        *args: str, input: str | None = None, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return run(list(args), {**env, **extra}, input=input)

    return call


@pytest.fixture
def tag() -> str:
    """A tag no other test uses (the server may be shared)."""
    return f"run={uuid.uuid4().hex[:12]}"


def _post(argus: Argus, tag: str, *args: str) -> dict:
    done = argus("incidents", "post", "--tag", tag, "-o", "json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _in_pty(args: list[str], env: dict[str, str], columns: int = 200) -> tuple[int, str]:
    """Run ``argus ARGS`` on a terminal (a pty, *columns* wide); return its status and output."""
    env = {k: v for k, v in env.items() if k not in ("COLUMNS", "LINES")}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    process = subprocess.Popen([*script(), *args], stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other side closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return process.wait(timeout=60), b"".join(chunks).decode().replace("\r\n", "\n")


# check


def test_check_reports_server_user_and_heartbeats(argus: Argus, argus_server: ServerInfo) -> None:
    done = argus("check", "--min-version", "2.10", "--need-source-system")
    assert done.returncode == 0, done.stderr
    assert f"token of {argus_server.source_name!r} (a source system)" in done.stdout
    assert "heartbeat supported" in done.stdout
    report = json.loads(argus("check", "-o", "json").stdout)
    assert report["server_version"].startswith("2.") and report["api_version"] == "v2"
    assert report["is_source_system"] is True and report["latency"] > 0


def test_check_tells_an_end_user_from_a_source_system(
    argus: Argus, argus_server: ServerInfo
) -> None:
    done = argus("check", "--need-source-system", ARGUS_TOKEN=argus_server.token("admin"))
    assert done.returncode == 4
    assert "not a source system" in done.stdout


# incidents


def test_post_show_and_list_through_a_pipe_are_tsv(
    argus: Argus, tag: str, argus_client: Client
) -> None:
    posted = _post(argus, tag, "-d", "disk full", "--level", "2", "--sid", f"sid-{tag}")
    assert posted["end_time"] is None and posted["open"] is True  # INFINITY is null
    stored = argus_client.get_incident(posted["pk"])
    assert stored.level == 2 and stored.tags.getlist("run") == [tag.split("=")[1]]
    assert posted["start_time"] == stored.start_time.isoformat()
    done = argus("incidents", "list", "--tag", tag)
    assert done.returncode == 0 and done.stderr == ""
    fields = done.stdout.rstrip("\n").split("\t")  # no header, tabs
    assert fields[0] == str(posted["pk"]) and fields[2] == ""  # open: no end
    assert datetime.fromisoformat(fields[1]) == stored.start_time  # ISO 8601 with offset
    assert fields[3:] == ["2", "false", stored.source.name, f"sid-{tag}", "disk full"]
    shown = json.loads(argus("incidents", "show", str(posted["pk"]), "-o", "json").stdout)
    assert shown == posted


def test_a_terminal_gets_a_table_in_local_time(argus: Argus, env: dict[str, str], tag: str) -> None:
    posted = _post(argus, tag, "-d", "ping lost")
    status, text = _in_pty(["incidents", "list", "--tag", tag], {**env, "TZ": "Asia/Tokyo"})
    assert status == 0, text
    header, row = text.splitlines()[:2]
    assert header.split() == [
        "PK",
        "START",
        "END",
        "LEVEL",
        "ACKED",
        "SOURCE",
        "SID",
        "DESCRIPTION",
    ]
    start = datetime.fromisoformat(posted["start_time"]).astimezone(ZoneInfo("Asia/Tokyo"))
    assert row.split()[:4] == [
        str(posted["pk"]),
        *start.strftime("%Y-%m-%d %H:%M:%S").split(),
        "open",
    ]
    assert row.index("open") == header.index("END")
    status, text = _in_pty(["incidents", "show", str(posted["pk"])], env)
    assert status == 0 and "end_time            open" in text


def test_filters_select_what_get_incidents_selects(
    argus: Argus, tag: str, argus_client: Client
) -> None:
    critical = _post(argus, tag, "-d", "a", "--level", "1", "--tag", "host=a")
    _post(argus, tag, "-d", "b", "--level", "4", "--tag", "host=a")
    old = _post(argus, tag, "-d", "c", "--level", "1", "--start", "3h")
    argus_client.resolve_incident(old["pk"])

    def pks(*filters: str) -> list[int]:
        done = argus("incidents", "list", "--tag", tag, "-o", "jsonl", *filters)
        assert done.returncode == 0, done.stderr
        return [json.loads(line)["pk"] for line in done.stdout.splitlines()]

    assert pks("--open", "--tag", "host=a", "--level-max", "2") == [critical["pk"]]
    assert pks("--closed") == [old["pk"]]
    assert pks("--since", "2h", "--level-max", "1") == [critical["pk"]]
    assert pks("--mine", "--unacked", "--open", "--since", "1h") == pks("--open")
    count = argus("incidents", "count", "--tag", tag, "--open")
    assert count.returncode == 0 and count.stdout == "2\n"
    assert (
        argus("incidents", "count", "--tag", tag, "--mine", "-o", "json").stdout == '{"count": 3}\n'
    )


def test_listings_have_a_default_limit_that_says_when_it_cuts(argus: Argus, tag: str) -> None:
    for n in range(3):
        _post(argus, tag, "-d", f"incident {n}")
    done = argus("incidents", "list", "--tag", tag, "--limit", "2")
    assert done.returncode == 0
    assert len(done.stdout.splitlines()) == 2
    assert "showing 2 of 3 incidents" in done.stderr
    done = argus("incidents", "list", "--tag", tag, "--all")
    assert len(done.stdout.splitlines()) == 3 and done.stderr == ""
    done = argus("incidents", "list", "--tag", tag)  # the default limit: 50
    assert len(done.stdout.splitlines()) == 3 and done.stderr == ""


def test_update_changes_only_what_is_given(argus: Argus, tag: str, argus_client: Client) -> None:
    posted = _post(argus, tag, "-d", "before", "--level", "3", "--tag", "host=a", "--tag", "x=1")
    pk = str(posted["pk"])
    done = argus("incidents", "update", pk, "--level", "1", "-o", "json")
    assert done.returncode == 0, done.stderr
    stored = argus_client.get_incident(posted["pk"])
    assert stored.level == 1 and stored.description == "before"
    assert sorted(stored.tags.strings()) == sorted([tag, "host=a", "x=1"])
    done = argus(
        "incidents", "update", pk, "--tag", "env=prod", "--remove-tag", "x=1", "-d", "after"
    )
    assert done.returncode == 0, done.stderr
    stored = argus_client.get_incident(posted["pk"])
    assert sorted(stored.tags.strings()) == sorted([tag, "host=a", "env=prod"])
    assert (stored.description, stored.level) == ("after", 1)
    done = argus("incidents", "update", pk, "--remove-tag", "x=1")
    assert done.returncode == 2 and "has no tag x=1" in done.stderr


def test_resolve_restart_ack_ticket_events_and_tags(
    argus: Argus, tag: str, argus_client: Client
) -> None:
    one, two = _post(argus, tag, "-d", "one"), _post(argus, tag, "-d", "two")
    done = argus(
        "incidents", "ack", str(one["pk"]), str(two["pk"]), "--expires", "4h", "-m", "mine"
    )
    assert done.returncode == 0, done.stderr
    assert [line.split("\t")[:2] for line in done.stdout.splitlines()] == [
        [str(one["pk"]), "acknowledged"],
        [str(two["pk"]), "acknowledged"],
    ]
    (ack,) = argus_client.get_incident_acknowledgements(one["pk"])
    assert ack.description == "mine"
    assert abs(ack.expiration - datetime.now(timezone.utc) - timedelta(hours=4)) < timedelta(
        minutes=1
    )

    url = "https://tickets.example.org/OPS-1"
    assert argus("incidents", "ticket", str(one["pk"]), url).stdout == f"{url}\n"
    assert argus_client.get_incident(one["pk"]).ticket_url == url
    assert argus("incidents", "ticket", str(one["pk"]), "--clear").returncode == 0
    assert argus_client.get_incident(one["pk"]).ticket_url == ""

    done = argus("incidents", "tags", str(one["pk"]), "add", "host=a", "role=db")
    assert done.returncode == 0
    assert sorted(done.stdout.splitlines()) == sorted(
        ["host\ta", "role\tdb", tag.replace("=", "\t")]
    )
    done = argus("incidents", "tags", str(one["pk"]), "remove", "role=db", "-o", "json")
    assert {"key": "role", "value": "db"} not in json.loads(done.stdout)
    assert not argus_client.has_incident_tag(one["pk"], "role", "db")

    # Two pks from standard input, one unknown: reported per incident, exit 1.
    done = argus("incidents", "resolve", "-", "-m", "fixed", input=f"{one['pk']}\n999999\n")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].split("\t")[:2] == [str(one["pk"]), "resolved"]
    assert done.stdout.splitlines()[1].split("\t")[:2] == ["999999", "failed"]
    assert "1 of 2 incidents failed" in done.stderr
    assert argus_client.get_incident(one["pk"]).open is False
    done = argus("incidents", "resolve", str(one["pk"]))  # closed already: nothing to do
    assert done.returncode == 0 and "\tunchanged\t" in done.stdout

    restarted = json.loads(argus("incidents", "restart", str(one["pk"]), "-o", "json").stdout)
    assert restarted["type"] == "RES" and argus_client.get_incident(one["pk"]).open is True

    events = argus("incidents", "events", str(one["pk"]), "-o", "jsonl").stdout.splitlines()
    assert [json.loads(line)["type"] for line in events][:3] == ["RES", "END", "CHI"]


def test_a_stateless_incident_is_not_open(argus: Argus, env: dict[str, str], tag: str) -> None:
    posted = _post(argus, tag, "-d", "blip", "--stateless")
    assert posted["stateful"] is False and posted["end_time"] is None and posted["open"] is False
    status, text = _in_pty(["incidents", "list", "--tag", tag], env)
    assert status == 0 and "stateless" in text.splitlines()[1]


# events, sources, heartbeat


def test_events_list(argus: Argus, tag: str) -> None:
    posted = _post(argus, tag, "-d", "x")
    done = argus("events", "list", "--limit", "1", "-o", "json")
    assert done.returncode == 0
    (newest,) = json.loads(done.stdout)
    assert newest["incident"] == posted["pk"] and newest["type"] == "STA"
    assert "there are more" in done.stderr or done.stderr == ""


def test_sources(argus: Argus, argus_server: ServerInfo) -> None:
    listed = [
        json.loads(line) for line in argus("sources", "list", "-o", "jsonl").stdout.splitlines()
    ]
    ours = next(s for s in listed if s["name"] == argus_server.source_name)
    shown = json.loads(argus("sources", "show", str(ours["pk"]), "-o", "json").stdout)
    assert shown == ours
    assert argus_server.source_type in argus("sources", "types").stdout.split()
    name = f"cli-{uuid.uuid4().hex[:8]}"
    admin = argus_server.token("admin")
    done = argus(
        "sources",
        "create",
        name,
        "--type",
        str(argus_server.source_type),
        "-o",
        "json",
        ARGUS_TOKEN=admin,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["name"] == name
    done = argus("sources", "create", f"{name}x", "--type", str(argus_server.source_type))
    assert done.returncode == 4  # a source system is no superuser


def test_heartbeat(argus: Argus, argus_server: ServerInfo) -> None:
    done = argus("heartbeat")
    assert done.returncode == 0 and done.stdout.startswith("heartbeat sent at ")
    done = argus("heartbeat", ARGUS_TOKEN=argus_server.token("admin"))
    assert done.returncode == 4 and "source system" in done.stderr


# sync


def test_sync_dry_run_apply_and_guards(argus: Argus, tag: str, argus_client: Client) -> None:
    scope = f"glue={tag.split('=')[1]}"
    desired = "\n".join(
        json.dumps({"source_incident_id": f"{tag}-{n}", "description": f"alert {n}", "level": 3})
        for n in range(2)
    )
    done = argus(
        "sync", "-", "--scope-tag", scope, "--dry-run", "--detailed-exitcode", input=desired
    )
    assert done.returncode == 3, done.stderr
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == ["would create"] * 2
    assert "dry run: would have created 2" in done.stderr
    assert argus("incidents", "count", "--tag", scope).stdout == "0\n"  # nothing was sent
    done = argus("sync", "-", "--scope-tag", scope, "--dry-run", input=desired)
    assert done.returncode == 0  # no --detailed-exitcode: drift is not an error

    done = argus("sync", "-", "--scope-tag", scope, "-o", "json", input=desired)
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(done.stdout)["created"]) == [f"{tag}-0", f"{tag}-1"]
    done = argus(
        "sync", "-", "--scope-tag", scope, "--dry-run", "--detailed-exitcode", input=desired
    )
    assert done.returncode == 0 and "unchanged 2" in done.stderr  # no drift left

    # The guard: an empty desired set would close everything.
    done = argus("sync", "-", "--scope-tag", scope, input="[]")
    assert done.returncode == 1 and "refused" in done.stderr
    assert argus("incidents", "count", "--tag", scope, "--open").stdout == "2\n"
    one = desired.splitlines()[0]
    done = argus("sync", "-", "--scope-tag", scope, "-o", "table", input=one)
    assert done.returncode == 0
    assert "resolve" in done.stdout and "resolved 1" in done.stdout
    assert argus("incidents", "count", "--tag", scope, "--open").stdout == "1\n"


def test_sync_refuses_a_bad_file_before_any_request(argus: Argus, tag: str, tmp_path: Path) -> None:
    file = tmp_path / "desired.json"
    file.write_text(
        json.dumps([{"source_incident_id": "a"}, {"source_incident_id": "b", "level": 9}])
    )
    done = argus("sync", str(file), "--scope-tag", tag, ARGUS_URL="http://127.0.0.1:9/")
    assert done.returncode == 2 and "item 2 (b): invalid level 9" in done.stderr


# configuration


def test_options_beat_the_environment_which_beats_the_profile(
    argus_server: ServerInfo, tmp_path: Path
) -> None:
    config = tmp_path / ".config" / "argus"
    config.mkdir(parents=True)
    (config / "source.token").write_text(argus_server.token("source"))
    (config / "source.token").chmod(0o600)
    (config / "config.toml").write_text(
        'default_profile = "lab"\n'
        f'[profile.lab]\nurl = "{argus_server.api_url}"\ntoken_file = "source.token"\n'
        '[profile.dead]\nurl = "http://127.0.0.1:9/"\ntoken_file = "source.token"\n'
    )
    env = clean_env(tmp_path, ARGUS_RETRIES="0")
    assert run(["heartbeat"], env).returncode == 0  # the default profile
    assert run(["heartbeat", "--profile", "dead"], env).returncode == 5
    assert run(["heartbeat"], {**env, "ARGUS_PROFILE": "dead"}).returncode == 5
    dead_env = {**env, "ARGUS_URL": "http://127.0.0.1:9/"}
    assert run(["heartbeat"], dead_env).returncode == 5  # env beats the profile
    assert run(["heartbeat", "--url", argus_server.api_url], dead_env).returncode == 0
    done = run(["heartbeat", "--profile", "nope"], env)
    assert done.returncode == 2 and "has no profile 'nope'" in done.stderr


def test_a_token_file_others_can_read_gives_a_warning(
    argus_server: ServerInfo, tmp_path: Path
) -> None:
    token = tmp_path / "token"
    token.write_text(argus_server.token("source") + "\n")
    token.chmod(0o644)
    env = clean_env(tmp_path, ARGUS_URL=argus_server.api_url, ARGUS_TOKEN_FILE=str(token))
    done = run(["heartbeat"], env)
    assert done.returncode == 0
    assert (
        done.stderr
        == f"argus: warning: the token file {token} can be read by other users (chmod 600 {token})\n"
    )
    token.chmod(0o600)
    assert (
        run(
            ["heartbeat", "--token-file", str(token)],
            clean_env(tmp_path, ARGUS_URL=argus_server.api_url),
        ).stderr
        == ""
    )


# exit codes and errors


def test_exit_codes(argus: Argus, argus_server: ServerInfo, tag: str) -> None:
    assert argus("incidents", "list", "--tag", tag).returncode == 0
    missing = argus("incidents", "show", "999999")
    assert missing.returncode == 1 and missing.stderr.count("\n") == 1
    assert missing.stderr.startswith("argus incidents show: error: ")
    assert argus("incidents", "list", "--level-max", "9").returncode == 2
    # 3: see test_sync_dry_run_apply_and_guards
    bad = argus("incidents", "list", ARGUS_TOKEN="not-the-token")
    assert bad.returncode == 4 and bad.stderr.count("\n") == 1 and "not-the-token" not in bad.stderr
    admin = argus("incidents", "post", "-d", "x", ARGUS_TOKEN=argus_server.token("admin"))
    assert admin.returncode == 4 and "source system" in admin.stderr
    gone = argus("incidents", "list", ARGUS_URL="http://127.0.0.1:9/", ARGUS_RETRIES="0")
    assert gone.returncode == 5 and gone.stderr.count("\n") == 1


def test_the_token_is_never_shown_not_even_with_debug(
    argus: Argus, argus_server: ServerInfo
) -> None:
    token = argus_server.token("source")
    for args in (
        ["--debug", "incidents", "show", "999999"],
        ["--debug", "check"],
        ["check", "-o", "json"],
    ):
        done = argus(*args)
        assert token not in done.stdout and token not in done.stderr
    debug = argus("--debug", "incidents", "show", "999999")
    assert "Traceback" in debug.stderr and "GET" in debug.stderr
    assert "Traceback" not in argus("incidents", "show", "999999").stderr


def _readline(process: subprocess.Popen[str], timeout: float = 30) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    assert ready, "no output in time"
    return process.stdout.readline()


def test_follow_prints_new_events_and_ctrl_c_exits_130(
    env: dict[str, str], argus: Argus, tag: str, argus_client: Client
) -> None:
    posted = _post(argus, tag, "-d", "followed")
    process = subprocess.Popen(
        [
            *script(),
            "events",
            "list",
            "--follow",
            "--limit",
            "1",
            "--interval",
            "0.2",
            "-o",
            "jsonl",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = json.loads(_readline(process))
        assert first["incident"] == posted["pk"] and first["type"] == "STA"
        event = argus_client.post_incident_event(
            posted["pk"], Event(type="OTH", description="news")
        )
        second = json.loads(_readline(process))
        assert (second["pk"], second["description"]) == (event.pk, "news")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
        assert process.stderr is not None
        assert process.stderr.read() == "argus: interrupted\n"  # no progress in a pipe
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_python_m_pyargus_runs_the_commands(env: dict[str, str]) -> None:
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "pyargus", "check", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and json.loads(done.stdout)["ok"] is True


# notifications (pyargus.config)


def test_notifications_plan_apply_and_plan_again(
    argus: Argus, argus_server: ServerInfo, tmp_path: Path, argus_admin_client: Client
) -> None:
    name = f"cli {uuid.uuid4().hex[:8]}"
    file = tmp_path / "notifications.json"
    file.write_text(
        json.dumps(
            {
                "version": 1,
                "timezone": "Europe/Oslo",
                "server_timezone": argus_server.time_zone or "Europe/Oslo",
                "timeslots": {
                    f"{name} hours": {
                        "recurrences": [{"days": ["mon", "fri"], "start": "08:00", "end": "16:00"}]
                    }
                },
                "filters": {f"{name} critical": {"filter": {"open": True, "maxlevel": 2}}},
                "notification_profiles": {
                    f"{name} ops": {
                        "timeslot": f"{name} hours",
                        "filters": [f"{name} critical"],
                        "destinations": [],
                    }
                },
            }
        )
    )
    admin = {"ARGUS_TOKEN": argus_server.token("admin")}
    done = argus("notifications", "plan", str(file), "--detailed-exitcode", **admin)
    assert done.returncode == 3, done.stderr
    assert "3 to create, 0 to update, 0 to delete" in done.stdout
    assert f'+ create notification profile "{name} ops"' in done.stdout
    assert name not in str([p.name for p in argus_admin_client.get_timeslots()])  # only read
    done = argus("notifications", "apply", str(file), "-o", "json", **admin)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["applied"] is True
    assert f"{name} hours" in [t.name for t in argus_admin_client.get_timeslots()]
    again = argus("notifications", "plan", str(file), "--detailed-exitcode", "-o", "json", **admin)
    assert again.returncode == 0 and json.loads(again.stdout)["changes"] == []
    bad = argus(
        "notifications", "plan", str(file), "--prune", "bogus", ARGUS_URL="http://127.0.0.1:9/"
    )
    assert bad.returncode == 2 and "bogus" in bad.stderr  # before any request
