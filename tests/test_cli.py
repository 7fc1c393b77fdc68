"""The ``argus`` command without a server: values, usage errors, output formats, sync files."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from pyargus.cli import EXIT_CODES, build_parser, main
from pyargus.cli import _values as values
from pyargus.cli._commands import COMMANDS
from pyargus.cli._output import Output, jsonable, machine_text, table_text
from pyargus.cli._run import UsageError
from pyargus.cli._sync import read_desired
from pyargus.models import INFINITY, STATELESS, Incident, SourceSystem, Tags

from .cli_run import SCRIPT, clean_env, run

HTTP_STACK = ("requests", "uplink", "marshmallow", "urllib3")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """Settings that would reach a closed port: a request would fail with exit 5."""
    return clean_env(
        tmp_path, ARGUS_URL="http://127.0.0.1:9/api/v2/", ARGUS_TOKEN="t0ken", ARGUS_RETRIES="0"
    )


@pytest.fixture
def local_tz() -> Iterator[None]:
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Tokyo"
    time.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time.tzset()


# Values


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("1w", 604800), ("1h30m", 5400)],
)
def test_durations(text: str, seconds: int) -> None:
    assert values.duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "2", "2x", "h", "-1h", "2 h", "1h 30m"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="invalid duration"):
        values.duration(text)


def test_since_is_a_duration_ago_and_until_a_duration_ahead() -> None:
    now = datetime.now(timezone.utc)
    assert abs(values.since("2h") - (now - timedelta(hours=2))) < timedelta(seconds=5)
    assert abs(values.until("4h") - (now + timedelta(hours=4))) < timedelta(seconds=5)


def test_times_are_aware_and_naive_ones_local(local_tz: None) -> None:
    assert values.since("2026-12-01T10:00Z") == datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    assert values.since("2026-12-01T10:00+01:00").utcoffset() == timedelta(hours=1)
    local = values.since("2026-12-01T10:00")
    assert local.utcoffset() == timedelta(hours=9)  # Asia/Tokyo
    assert local == datetime(2026, 12, 1, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("text", ["yesterday", "2026-13-01", "12:00 tomorrow", ""])
def test_bad_times_are_refused(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="invalid time"):
        values.since(text)


def test_tags_levels_and_ids() -> None:
    assert values.tag("host=db1=x") == ("host", "db1=x")
    with pytest.raises(argparse.ArgumentTypeError, match=r"invalid tag key 'Host'.*\[a-z0-9_\]"):
        values.tag("Host=a")
    with pytest.raises(argparse.ArgumentTypeError, match="expected KEY=VALUE"):
        values.tag("host")
    with pytest.raises(argparse.ArgumentTypeError, match="value is empty"):
        values.tag("host=")
    assert values.level("1") == 1
    with pytest.raises(argparse.ArgumentTypeError, match="invalid level '9'"):
        values.level("9")
    assert values.pk("#12") == 12
    with pytest.raises(argparse.ArgumentTypeError, match="invalid id '0'"):
        values.pk("0")
    assert values.max_resolve("10") == 10
    assert values.max_resolve("0.25") == 0.25
    assert values.max_resolve("none") is None
    with pytest.raises(argparse.ArgumentTypeError):
        values.max_resolve("2.5")
    assert values.seconds("60") == 60.0
    assert values.seconds("2m") == 120.0
    with pytest.raises(argparse.ArgumentTypeError):
        values.seconds("0")


# The parser


def _leaves(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield parser
    for sub in subs:
        for child in dict.fromkeys(sub.choices.values()):
            yield from _leaves(child)


def test_every_command_runs_something_and_no_argument_shadows_a_common_option() -> None:
    parser = build_parser()
    common = {a.dest for a in parser._actions if a.option_strings} - {"help", "version"}
    leaves = list(_leaves(parser))
    assert len(leaves) == len(COMMANDS)
    for leaf in leaves:
        run_name = leaf.get_default("run")
        assert run_name in COMMANDS, leaf.prog
        own = [a for a in leaf._actions if not a.option_strings]
        # (The ticket URL once took --url's place: the token went to the ticket host.)
        assert not {a.dest for a in own} & common, leaf.prog


def test_exit_codes_are_the_documented_ones() -> None:
    assert sorted(EXIT_CODES) == [0, 1, 2, 3, 4, 5, 130]


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["incidents", "list", "--level-max", "9"], "argument --level-max: invalid level '9'"),
        (["incidents", "list", "--tag", "Host=a"], "argument --tag: invalid tag key 'Host'"),
        (["incidents", "list", "--since", "2x"], "argument --since: invalid time '2x'"),
        (["incidents", "list", "--levle", "2"], "unrecognized arguments: --levle 2"),
        (["incidents", "list", "--lev", "2"], "unrecognized arguments: --lev 2"),
        (["incidents", "ack", "1", "--expires", "soon"], "argument --expires: invalid time"),
        (["incidents", "list", "--open", "--closed"], "argument --closed: not allowed with"),
        (["incidents", "show", "x"], "argument PK: invalid id 'x'"),
        (["--token", "abc", "check"], "argument --token: there is no --token option"),
        (["check", "--token=abc"], "argument --token: there is no --token option"),
        (["incidents", "ticket", "1"], "one of the arguments"),
    ],
)
def test_usage_errors_exit_2_with_one_line_naming_the_argument(
    argv: list[str], named: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert named in err
    assert err.count("\n") == 1 and err.startswith("argus")


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["incidents", "list", "--mine", "--search", "disk"], "argument --search: not with --mine"),
        (["incidents", "count", "--mine", "--level-max", "2"], "argument --level-max"),
        (["incidents", "update", "3"], "nothing to change"),
        (["incidents", "tags", "3", "add"], "which tags to add"),
        (["sync", "/nonexistent/desired.json"], "cannot read /nonexistent/desired.json"),
    ],
)
def test_command_usage_errors_exit_2_before_any_request(
    argv: list[str],
    named: str,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(argv) == 2  # a request to port 9 would have given 5
    err = capsys.readouterr().err
    assert named in err and err.count("\n") == 1


def test_a_missing_url_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in list(os.environ):
        if key.startswith("ARGUS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert main(["check"]) == 2
    assert "argus check: error: no Argus URL: set ARGUS_URL" in capsys.readouterr().err


def test_unreachable_is_exit_5_in_one_line_without_the_token(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert main(["incidents", "show", "1"]) == 5
    err = capsys.readouterr().err
    assert err.startswith("argus incidents show: error: ") and err.count("\n") == 1
    assert "t0ken" not in err


# Start-up: --version and --help without the HTTP stack


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["incidents", "list", "--help"]])
def test_version_and_help_do_not_import_the_http_stack(argv: list[str], tmp_path: Path) -> None:
    done = subprocess.run(
        [str(SCRIPT), *argv],
        env=clean_env(tmp_path, PYTHONPROFILEIMPORTTIME="1"),
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert "pyargus.cli" in imported  # the profile lists every module
    loaded = sorted(m for m in imported if m.split(".")[0] in HTTP_STACK)
    assert loaded == []
    assert "pyargus.client" not in imported and "pyargus.glue" not in imported


def test_python_m_pyargus_is_the_same_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pyargus", "--version"],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("argus (pyargus) ")
    console = run(["--version"], clean_env(tmp_path))
    assert console.returncode == 0 and console.stdout == done.stdout


# Output


def _incident(**fields: object) -> Incident:
    base: dict[str, object] = {
        "pk": 7,
        "start_time": datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))),
        "end_time": INFINITY,
        "source": SourceSystem(pk=2, name="nav", type="nav"),
        "source_incident_id": "nav-1",
        "description": "disk full",
        "level": 2,
        "tags": Tags(host="db1"),
        "acked": False,
        "open": True,
        "stateful": True,
    }
    base.update(fields)
    return Incident(**base)  # type: ignore[arg-type]


def test_values_for_people_and_for_machines(local_tz: None) -> None:
    start = datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert table_text(start) == "2026-12-01 17:30:00"  # Asia/Tokyo
    assert machine_text(start) == "2026-12-01T09:30:00+01:00"
    assert (table_text(INFINITY), machine_text(INFINITY), jsonable(INFINITY)) == ("open", "", None)
    assert (table_text(STATELESS), machine_text(STATELESS), jsonable(STATELESS)) == (
        "stateless",
        "",
        None,
    )
    assert (table_text(True), machine_text(True)) == ("yes", "true")
    assert machine_text("a\tb\nc\\") == "a\\tb\\nc\\\\"
    assert table_text("two\nlines") == "two lines"


def _out(fmt: str, *, terminal: bool = False) -> Output:
    return Output(fmt, io.StringIO(), io.StringIO(), terminal=terminal, progress=False)


def test_json_and_jsonl_objects_have_iso_times_and_null_for_open() -> None:
    out = _out("json")
    out.items("incident", [_incident(), _incident(pk=8, end_time=STATELESS, stateful=False)])
    data = json.loads(out.stream.getvalue())  # type: ignore[attr-defined]
    assert [d["pk"] for d in data] == [7, 8]
    assert data[0]["start_time"] == "2026-12-01T09:30:00+01:00"
    assert data[0]["end_time"] is None and data[0]["open"] is True
    assert data[0]["tags"] == {"host": "db1"} and data[0]["source"]["name"] == "nav"
    assert data[1]["end_time"] is None and data[1]["stateful"] is False
    out = _out("jsonl")
    out.items("incident", [_incident(), _incident(pk=8)])
    lines = out.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    assert [json.loads(line)["pk"] for line in lines] == [7, 8]
    out = _out("json")
    assert out.items("incident", []) == 0
    assert json.loads(out.stream.getvalue()) == []  # type: ignore[attr-defined]


def test_tsv_has_no_header_and_table_has_one(local_tz: None) -> None:
    out = _out("tsv")
    out.items("incident", [_incident()])
    assert out.stream.getvalue() == (  # type: ignore[attr-defined]
        "7\t2026-12-01T09:30:00+01:00\t\t2\tfalse\tnav\tnav-1\tdisk full\n"
    )
    out = _out("table")
    out.items("incident", [_incident(), _incident(pk=1234, description="x")])
    lines = out.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    assert lines[0].split() == [
        "PK",
        "START",
        "END",
        "LEVEL",
        "ACKED",
        "SOURCE",
        "SID",
        "DESCRIPTION",
    ]
    assert lines[1].split() == [
        "7",
        "2026-12-01",
        "17:30:00",
        "open",
        "2",
        "no",
        "nav",
        "nav-1",
        "disk",
        "full",
    ]
    assert lines[1].index("open") == lines[0].index("END")


def test_a_table_on_a_terminal_is_cut_to_its_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = _out("table", terminal=True)
    out.items("incident", [_incident(description="a very long description " * 5)])
    lines = out.stream.getvalue().splitlines()  # type: ignore[attr-defined]
    assert all(len(line) <= 60 for line in lines) and lines[1].endswith("…")


@pytest.mark.parametrize("fmt", ["table", "tsv", "json", "jsonl"])
def test_listings_are_written_page_by_page(fmt: str) -> None:
    out = _out(fmt)
    seen_when_asked: list[str] = []

    def pages() -> Iterator[Incident]:
        for pk in range(1, 4):
            yield _incident(pk=pk)
        # The first page (3 items) is out before the second page is asked for.
        seen_when_asked.append(out.stream.getvalue())  # type: ignore[attr-defined]
        yield _incident(pk=4)

    assert out.items("incident", pages(), batch=3) == 4
    assert seen_when_asked[0].count("disk full") == 3


def test_single_items_are_field_lines_in_a_table() -> None:
    out = _out("table")
    out.item("incident", _incident())
    text = out.stream.getvalue()  # type: ignore[attr-defined]
    assert "end_time            open\n" in text and "tags                host=db1\n" in text


# sync files


def test_desired_incidents_from_a_json_array_or_jsonl() -> None:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    array = read_desired(
        '[{"source_incident_id": "a", "level": 2, "tags": {"host": ["x", "y"]},'
        ' "start_time": "2026-12-01T10:00:00+01:00"}, {"source_incident_id": 7}]',
        default_start=start,
    )
    assert [i.source_incident_id for i in array] == ["a", "7"]
    assert array[0].tags.getlist("host") == ["x", "y"] and array[0].level == 2
    assert array[0].start_time.utcoffset() == timedelta(hours=1)
    assert array[1].start_time == start
    lines = read_desired(
        '{"source_incident_id": "a"}\n\n{"source_incident_id": "b"}\n', default_start=start
    )
    assert [i.source_incident_id for i in lines] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"source_incident_id": "a", "levle": 2}', "line 1: unknown field 'levle'"),
        ('{"description": "x"}', "line 1: source_incident_id is required"),
        (
            '{"source_incident_id": "a"}\n{"source_incident_id": "b", "level": 9}',
            "line 2 (b): invalid level 9",
        ),
        (
            '[{"source_incident_id": "a", "tags": {"Host": "x"}}]',
            "item 1 (a): invalid tag key 'Host'",
        ),
        (
            '{"source_incident_id": "a", "start_time": "noon"}',
            "line 1: start_time 'noon' is not ISO 8601",
        ),
        ("[1]", "item 1: expected an object"),
        ('{"source_incident_id": ', "line 1: not valid JSON"),
    ],
)
def test_bad_desired_incidents_name_the_line(text: str, message: str) -> None:
    with pytest.raises(UsageError) as raised:
        read_desired(text, default_start=datetime.now(timezone.utc))
    assert message in str(raised.value)
