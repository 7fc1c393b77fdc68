"""The benchmark machinery runs and reports every field (tiny sizes, no timing asserts)."""

import base64
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import fakeargus  # noqa: E402
import run  # noqa: E402

TINY = (
    run.Case("list 30, ps 10", "list", 30, 10),
    run.Case("post 3", "post", 3, per_request=True),
    run.Case("resolve 3", "resolve", 3, per_request=True),
    run.Case("stream 50, ps 20", "stream", 50, 20),
    run.Case("first item of 50", "first", 1, listing=50),
)


@pytest.fixture(scope="module")
def results():
    return run.run_all(sys.executable, TINY, rounds=1, real_url=None, log=io.StringIO())


def test_every_case_runs_for_both_clients(results):
    runs = [(r["case"], r["impl"], r["round"]) for r in results]
    cases = [*(c.name for c in TINY), "import + construct"]
    assert sorted(runs) == sorted((case, impl, 0) for case in cases for impl in run.IMPLS)


def test_each_client_run_uses_one_connection_and_the_expected_requests(results):
    for result in results:
        if result["case"] == "import + construct":
            assert result["modules"] > 0
            continue
        assert result["connections"] == 1, result
        assert result["client_connections"] == 1, result
        expected = {"list": 3, "post": 3, "resolve": 3, "stream": 3, "first": 1}
        assert result["requests"] == expected[result["workload"]], result
        assert result["items"] == {"list": 30, "stream": 50, "first": 1}.get(result["workload"], 3)


def test_both_clients_read_the_same_data(results):
    checksums = {}
    for result in results:
        if "checksum" in result:
            checksums.setdefault(result["case"], set()).add(result["checksum"])
    assert checksums and all(len(values) == 1 for values in checksums.values())


def test_summary_and_report_have_every_field(results):
    rows = run.summarize(results, TINY)
    assert [row["case"] for row in rows] == [*(c.name for c in TINY), "import + construct"]
    for row in rows:
        assert row["rounds"] == 1
        assert row["ratio_min"] <= row["ratio_median"] <= row["ratio_max"]
        for impl in run.IMPLS:
            for key in ("cpu_s", "wall_s"):
                assert row[impl][key] >= 0
    post = rows[1]
    assert post["raw"]["cpu_per_request_us"] > 0
    assert rows[0]["raw"]["peak_rss_mb"] > 0
    assert rows[0]["pyargus"]["connections"] == 1
    text = run.report(rows, sys.executable, 1, "test")
    for needle in ("machine:", "Python:", "rounds: 1", "| list 30, ps 10 |", "µs/req", "to 1st"):
        assert needle in text


def test_ratios_are_per_round_and_medians_over_rounds():
    case = run.Case("post 2", "post", 2, per_request=True)
    results = [
        {"case": case.name, "impl": impl, "round": round_, "cpu_s": cpu, "wall_s": 1.0}
        for impl, round_, cpu in [
            ("raw", 0, 1.0),
            ("pyargus", 0, 1.5),
            ("raw", 1, 2.0),
            ("pyargus", 1, 2.0),
            ("raw", 2, 1.0),
            ("pyargus", 2, 1.2),
        ]
    ]
    [row] = run.summarize(results, (case,))
    assert (row["ratio_min"], row["ratio_median"], row["ratio_max"]) == (1.0, 1.2, 1.5)
    assert row["raw"]["cpu_s"] == 1.0
    assert row["pyargus"]["cpu_per_request_us"] == 1.5 / 2 * 1e6


def test_command_line_quick_smoke_run(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--only", "first", "--json", str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "| first item of 3000 |" in done.stdout
    saved = json.loads(out.read_text())
    assert saved["mode"] == "quick"
    assert {run["impl"] for run in saved["runs"]} == {"raw", "pyargus"}


def test_fake_argus_pages_have_absolute_next_links_with_every_parameter():
    fake = fakeargus.FakeArgus("127.0.0.1:9", max_size=25)
    auth = {"authorization": "Token t"}
    status, body = fake.route("GET", "/ds/25/api/v2/incidents/?page_size=10&open=true", auth)
    page = json.loads(body)
    assert status == 200
    assert [i["pk"] for i in page["results"]] == list(range(25, 15, -1))
    assert page["previous"] is None
    assert page["next"].startswith("http://127.0.0.1:9/ds/25/api/v2/incidents/?cursor=")
    assert "open=true" in page["next"] and "page_size=10" in page["next"]
    last = json.loads(fake.route("GET", page["next"].replace("http://127.0.0.1:9", ""), auth)[1])
    assert len(last["results"]) == 10
    incident = page["results"][0]
    assert len(incident["tags"]) == 8 and {"added_by", "added_time", "tag"} <= set(
        incident["tags"][0]
    )
    assert set(incident["source"]["type"]) == {"name"}
    assert incident["end_time"] in ("infinity", None) or "T" in incident["end_time"]


def test_fake_argus_answers_posts_and_refuses_missing_tokens():
    fake = fakeargus.FakeArgus("127.0.0.1:9", max_size=5)
    auth = {"authorization": "Token t"}
    assert fake.route("GET", "/api/v2/incidents/", {})[0] == 401
    assert fake.route("POST", "/api/v2/incidents/", auth)[0] == 201
    status, body = fake.route("POST", "/api/v2/incidents/7/events/", auth)
    assert (status, json.loads(body)["incident"]) == (201, 7)
    assert fake.route("GET", "/api/v2/nothing/", auth)[0] == 404
    bad = base64.b64encode(b"nonsense").decode()
    assert fake.route("GET", f"/api/v2/incidents/?cursor={bad}", auth)[0] == 404


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_instruction_counts_grow_with_the_work():
    import instructions

    idle = instructions.count(sys.executable, ["-c", "pass"])
    busy = instructions.count(sys.executable, ["-c", "sum(range(200_000))"])
    assert idle > 1_000_000
    assert busy > idle + 1_000_000
