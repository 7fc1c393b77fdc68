"""pyargus.glue: check(), LevelMap, exit codes and HTTP statuses, heartbeat loops (unit tests)."""

from __future__ import annotations

import random
import threading
from typing import Any

import pytest
import requests

from pyargus.client import Client
from pyargus.exceptions import (
    ArgusError,
    AuthError,
    BadRequestError,
    ClientConnectionError,
    ClientTimeoutError,
    DecodeError,
    DuplicateIncidentError,
    ErrorResponse,
    InvalidArgumentError,
    NotFoundError,
    NotSupportedError,
    RateLimitError,
    ServerError,
)
from pyargus.glue import (
    LevelMap,
    ReconcileRefused,
    ReconcileReport,
    check,
    exit_code_for,
    http_status_for,
    is_source_system,
    run_heartbeats,
    start_heartbeats,
)
from pyargus.glue._heartbeat import next_delay
from tests.conftest import API, TOKEN
from tests.glue_fake import FakeArgus, Fault


@pytest.fixture
def argus(requests_mock: Any) -> FakeArgus:
    return FakeArgus(requests_mock)


# check()


def test_check_all_good(argus: FakeArgus, client: Client) -> None:
    report = check(client, min_version="2.10", need_source_system=True, need_heartbeat=True)
    assert report.ok and report.exit_code == 0
    assert (report.server_version, report.api_version, report.user) == (
        "2.10.2",
        "v2",
        "testsource",
    )
    assert report.is_source_system is True and report.heartbeat is True
    assert report.latency is not None and report.latency >= 0
    text = str(report)
    assert text.startswith(
        f"Argus 2.10.2 (API v2) at {API}: OK, token of 'testsource' (a source system)"
    )
    assert "heartbeat supported" in text and "problem" not in text
    # GET /api/, auth/user/, sources/, users/3/ (the source named like the user), heartbeat probe
    assert argus.methods() == ["GET"] * 5


def test_check_an_old_server(argus: FakeArgus, client: Client) -> None:
    argus.version, argus.heartbeat = "2.9.1", False
    report = check(client, min_version=(2, 10), need_heartbeat=True)
    assert not report.ok and report.exit_code == 1
    assert report.problems == [
        "argus-server 2.9.1 is older than the 2.10 needed",
        "argus-server 2.9.1 has no heartbeat endpoint (it came with 2.10)",
    ]
    assert "FAILED" in str(report) and "  problem: argus-server 2.9.1 is older" in str(report)


def test_check_an_unknown_version_warns(argus: FakeArgus, client: Client) -> None:
    argus.version = "main"
    report = check(client, min_version="2.10")
    assert report.ok and report.exit_code == 3
    assert report.warnings == ["unknown server version 'main'"]


def test_check_a_refused_token(argus: FakeArgus, client: Client) -> None:
    def faults(method: str, path: str, query: dict[str, str]) -> None:
        if path != "/api/":
            raise Fault(401, {"detail": "Invalid token."})

    argus.faults = faults
    report = check(client)
    assert report.exit_code == 4 and report.user is None
    assert report.problems[0].startswith("the token was refused:")
    assert TOKEN not in str(report)


def test_check_a_token_that_is_not_a_source_system(requests_mock: Any, client: Client) -> None:
    FakeArgus(requests_mock, username="alice")
    assert check(client).ok  # only a fact, unless needed
    report = check(client, need_source_system=True)
    assert report.is_source_system is False and report.exit_code == 4
    assert "'alice' is not a source system" in report.problems[0]
    assert is_source_system(client) is False


def test_check_unreachable(requests_mock: Any, client: Client) -> None:
    requests_mock.get(
        API.replace("/api/v2/", "/api/"), exc=requests.exceptions.ConnectionError("refused")
    )
    report = check(client)
    assert not report.ok and report.exit_code == 5
    assert report.problems[0].startswith("Argus does not answer:")
    assert str(report).startswith(f"Argus at {API}: FAILED")


def test_check_not_an_argus_root(requests_mock: Any, client: Client) -> None:
    requests_mock.get(API.replace("/api/v2/", "/api/"), status_code=404, text="<h1>Not Found</h1>")
    report = check(client)
    assert report.exit_code == 1 and "does not look like an Argus API root" in report.problems[0]


def test_check_tolerates_what_it_cannot_find_out(argus: FakeArgus, client: Client) -> None:
    def faults(method: str, path: str, query: dict[str, str]) -> None:
        if "sources" in path:
            raise Fault(500, "oops")

    argus.faults = faults
    report = check(client, need_heartbeat=True)
    assert report.is_source_system is None and report.heartbeat is None
    assert report.exit_code == 1 and len(report.warnings) == 2
    assert [text.split(":")[0] for text in report.warnings] == [
        "cannot tell whether the token is a source system's",
        "cannot tell whether the server has heartbeats",
    ]
    assert report.problems == ["could not find out whether the server has heartbeats"]


@pytest.mark.parametrize("version", ["2.x", "", (2, "10"), (), 2.10, (2, True)])
def test_check_refuses_bad_min_versions(client: Client, version: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="min_version"):
        check(client, min_version=version)


# LevelMap


def test_level_map_mapping_bands_default_minimum() -> None:
    levels = LevelMap({5: 1, 4: 2, "unknown": None}, bands=[(2, 4), (3, 3)], default=5, minimum=1)
    assert [levels(v) for v in (5, 4, 3, 2, 1, 0)] == [1, 2, 3, 4, 5, None]
    assert levels("5") == 1  # config keys and values may be strings
    nagios = LevelMap({"CRITICAL": 1, "WARNING": 3, "UNKNOWN": None})
    assert [nagios(s) for s in ("CRITICAL", "WARNING", "UNKNOWN", "OK")] == [1, 3, None, 3]
    assert LevelMap(default=None)("anything") is None
    assert "LevelMap({'CRITICAL': 1" in repr(nagios)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mapping": {1: 0}}, "level of 1"),
        ({"mapping": {1: 6}}, "level of 1"),
        ({"mapping": {1: True}}, "level of 1"),
        ({"default": "3"}, "default"),
        ({"bands": [(1,)]}, "band must be"),
        ({"bands": [("x", 1)]}, "min_value"),
        ({"minimum": "low"}, "minimum"),
    ],
)
def test_level_map_checks_its_levels(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        LevelMap(**kwargs)


def test_level_map_needs_numbers_for_bands_and_minimum() -> None:
    with pytest.raises(InvalidArgumentError, match="severity"):
        LevelMap(minimum=3)("high")
    with pytest.raises(InvalidArgumentError, match="severity"):
        LevelMap(bands=[(3, 1)])("high")


def test_level_map_from_config() -> None:
    levels = LevelMap.from_config(
        {"map": {"disaster": 1}, "bands": [[500, 2], {"min": 100, "level": 4}], "default": "none"}
    )
    assert [levels(v) for v in ("disaster", 700, 150, 50)] == [1, 2, 4, None]
    with pytest.raises(InvalidArgumentError, match="unknown severity settings levels"):
        LevelMap.from_config({"levels": {}})
    with pytest.raises(InvalidArgumentError, match="map must be a table"):
        LevelMap.from_config({"map": [1]})


# exit_code_for, http_status_for


def response(status: int) -> ErrorResponse:
    return ErrorResponse(status, method="POST", url=API + "incidents/")


@pytest.mark.parametrize(
    ("error", "exit_code", "http_status"),
    [
        (None, 0, 200),
        (AuthError(response(401)), 4, 500),
        (AuthError(response(403)), 4, 500),
        (ServerError(response(503)), 5, 503),
        (ServerError(response(500)), 5, 503),
        (ClientConnectionError("down"), 5, 503),
        (ClientTimeoutError("slow"), 5, 503),
        (RateLimitError(response(429)), 5, 503),
        (DuplicateIncidentError(response(400)), 1, 200),
        (BadRequestError(response(400)), 1, 422),
        (NotFoundError(response(404)), 1, 422),
        (NotSupportedError(response(404)), 1, 422),
        (InvalidArgumentError("bad level"), 2, 422),
        (DecodeError("not JSON"), 1, 500),
        (ReconcileRefused(ReconcileReport(refused="empty")), 1, 500),
        (KeyboardInterrupt(), 130, 500),
        (RuntimeError("bug"), 1, 500),
    ],
)
def test_exit_codes_and_http_statuses(
    error: BaseException | None, exit_code: int, http_status: int
) -> None:
    assert exit_code_for(error) == exit_code
    assert http_status_for(error) == http_status


def test_a_certificate_problem_is_not_transient() -> None:
    error = ClientConnectionError("TLS certificate verification failed", retryable=False)
    # Still a connection problem: Argus is unreachable until someone fixes it.
    assert exit_code_for(error) == 5


# Heartbeats


def test_next_delay_is_jittered_within_bounds() -> None:
    rng = random.Random(7)  # noqa: S311 - jitter, not secrets
    delays = [next_delay(60, 0.1, rng) for _ in range(200)]
    assert min(delays) >= 54 and max(delays) <= 66
    assert len(set(delays)) > 100
    assert next_delay(60, 0, rng) == 60
    assert next_delay(0, 0.5, rng) == 0


def test_run_heartbeats_goes_on_after_transient_errors(argus: FakeArgus, client: Client) -> None:
    stop = threading.Event()
    results: list[str] = []
    posts = iter([None, Fault(503, "busy"), None, None])

    def faults(method: str, path: str, query: dict[str, str]) -> None:
        fault = next(posts)
        if fault is not None:
            raise fault

    def arrived() -> None:
        results.append("ok")
        if len(results) == 3:
            stop.set()

    argus.faults = faults
    errors: list[ArgusError] = []
    run_heartbeats(client, every=0, stop=stop, on_error=errors.append, on_success=arrived)
    assert results == ["ok", "ok", "ok"]
    assert [type(e) for e in errors] == [ServerError]
    assert argus.requests == [("POST", "/api/v2/incidents/sources/heartbeat/", {})] * 4


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(401, {"detail": "Invalid token."}), AuthError),
        (Fault(403), AuthError),  # the token's user is not a source system
        (Fault(404, {"detail": "Not found."}), NotSupportedError),  # argus-server < 2.10
    ],
)
def test_run_heartbeats_ends_on_errors_retrying_cannot_fix(
    argus: FakeArgus, client: Client, fault: Fault, error: type[Exception]
) -> None:
    def faults(method: str, path: str, query: dict[str, str]) -> None:
        raise fault

    argus.faults = faults
    with pytest.raises(error):
        run_heartbeats(client, every=0)
    assert len(argus.requests) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"every": -1}, "every"), ({"jitter": 2}, "jitter"), ({"every": "1"}, "every")],
)
def test_heartbeat_arguments_are_checked(
    client: Client, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        run_heartbeats(client, **kwargs)
    with pytest.raises(InvalidArgumentError, match=message):
        start_heartbeats(client, **kwargs)


def test_heartbeat_thread_reports_and_stops(argus: FakeArgus, client: Client) -> None:
    beats = threading.Semaphore(0)
    outcomes = iter([Fault(502, "proxy"), None, None])

    def faults(method: str, path: str, query: dict[str, str]) -> None:
        fault = next(outcomes, None)
        beats.release()
        if fault is not None:
            raise fault

    argus.faults = faults
    seen: list[ArgusError] = []
    thread = start_heartbeats(client, every=0.001, on_error=seen.append)
    for _ in range(3):
        assert beats.acquire(timeout=10)
    thread.stop(timeout=10)
    assert not thread.is_alive() and not thread.running
    assert thread.daemon and thread.error is None
    assert thread.last_ok is not None
    assert thread.total_failures == 1 and thread.failures == 0
    assert [type(e) for e in seen] == [ServerError]


def test_heartbeat_thread_keeps_the_error_that_ended_it(argus: FakeArgus, client: Client) -> None:
    def faults(method: str, path: str, query: dict[str, str]) -> None:
        raise Fault(401, {"detail": "Invalid token."})

    argus.faults = faults
    thread = start_heartbeats(client, every=0.001)
    thread.join(timeout=10)
    assert isinstance(thread.error, AuthError)
    assert thread.last_ok is None and not thread.running
    thread.stop()  # harmless once ended
