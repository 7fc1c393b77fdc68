"""pyargus.glue against an in-memory Argus (requests-mock): lookups, get-or-create, reconcile."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from pyargus._flows import Call, Invoke, run
from pyargus.client import Client
from pyargus.exceptions import (
    AuthError,
    InvalidArgumentError,
    NotFoundError,
    ServerError,
)
from pyargus.glue import (
    Ensured,
    ReconcileRefused,
    ReconcileReport,
    ensure_incident,
    find_my_incident,
    index_my_incidents,
    reconcile,
)
from pyargus.models import Incident, SourceSystem, Tags
from tests.glue_fake import DUPLICATE, FakeArgus, Fault

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def client(client: Client) -> Client:
    # A source system's token: skip the one-time "who am I" lookup that an
    # empty incidents/mine/ answer triggers (tested in test_client_misuse.py).
    client._own_source = SourceSystem(pk=1, name="glue")
    return client


@pytest.fixture
def argus(requests_mock: Any) -> FakeArgus:
    return FakeArgus(requests_mock)


def new(sid: str | None, **fields: Any) -> Incident:
    fields.setdefault("start_time", NOW)
    fields.setdefault("description", f"alert {sid}")
    return Incident(source_incident_id=sid, **fields)


# find_my_incident / index_my_incidents


def test_find_is_one_exact_request(argus: FakeArgus, client: Client) -> None:
    argus.add("a-1")
    found = find_my_incident(client, "a-1")
    assert found is not None and found.source_incident_id == "a-1"
    assert argus.requests == [
        ("GET", "/api/v2/incidents/mine/", {"source_incident_id": "a-1", "page_size": "10"})
    ]
    assert find_my_incident(client, "nope") is None


def test_find_open_only_and_int_ids(argus: FakeArgus, client: Client) -> None:
    argus.add("7", open=False)
    assert find_my_incident(client, 7) is not None
    assert find_my_incident(client, 7, open_only=True) is None
    assert argus.requests[-1][2]["open"] == "true"


def test_find_checks_the_match_itself(argus: FakeArgus, client: Client, requests_mock: Any) -> None:
    # A server that ignores the filter answers with other incidents: none of them is it.
    argus.add("b-1")
    argus.add("b-2")
    requests_mock.get(
        "http://127.0.0.1:8000/api/v2/incidents/mine/",
        json={"next": None, "previous": None, "results": list(argus.incidents.values())},
    )
    assert find_my_incident(client, "b-3") is None
    assert find_my_incident(client, "b-2").pk == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("sid", ["", "  ", " a", "a\n", True, 1.5, None])
def test_ids_argus_cannot_look_up_are_refused_before_any_request(
    argus: FakeArgus, client: Client, sid: Any
) -> None:
    with pytest.raises(InvalidArgumentError):
        find_my_incident(client, sid)
    assert argus.requests == []


def test_index_keys_and_reports_what_it_cannot_key(argus: FakeArgus, client: Client) -> None:
    argus.add("1")
    argus.add("02")
    argus.add("2")  # int("02") == int("2"): the second one is reported
    argus.add("x")
    argus.add(None)
    argus.add("9", open=False)
    index = index_my_incidents(client, key=int)
    assert sorted(index) == [1, 2]
    reasons = sorted(why for _, why in index.skipped)
    assert len(reasons) == 3
    assert reasons[0].startswith("key 2 is already incident #")
    assert reasons[1] == "no source_incident_id"
    assert "'x' cannot be keyed" in reasons[2]
    assert argus.requests[-1][2] == {"page_size": "500", "open": "true"}
    assert sorted(index_my_incidents(client, open=None)) == ["02", "1", "2", "9", "x"]


def test_index_pages_and_filters(argus: FakeArgus, client: Client) -> None:
    for n in range(7):
        argus.add(f"p-{n}", tags={"glue": "z" if n % 2 else "y"})
    index = index_my_incidents(client, tags={"glue": "z"}, page_size=2)
    assert sorted(index) == ["p-1", "p-3", "p-5"]
    assert argus.count("GET") == 2


# ensure_incident


def test_ensure_posts_what_is_absent(argus: FakeArgus, client: Client) -> None:
    ensured = ensure_incident(client, new("e-1"))
    assert ensured == Ensured(ensured.incident, created=True)
    assert ensured.incident.pk is not None
    assert argus.methods() == ["GET", "POST"]


def test_ensure_returns_an_open_one_without_posting(argus: FakeArgus, client: Client) -> None:
    argus.add("e-1")
    ensured = ensure_incident(client, new("e-1"))
    assert (ensured.created, ensured.existed_closed, ensured.reopened) == (False, False, False)
    assert argus.methods() == ["GET"]


def test_ensure_does_not_repost_a_closed_one(argus: FakeArgus, client: Client) -> None:
    argus.add("e-1", open=False)
    ensured = ensure_incident(client, new("e-1"))
    assert (ensured.created, ensured.existed_closed, ensured.reopened) == (False, True, False)
    assert ensured.incident.open is False
    assert argus.methods() == ["GET"]


def test_ensure_can_restart_a_closed_one(argus: FakeArgus, client: Client) -> None:
    stored = argus.add("e-1", open=False)
    ensured = ensure_incident(client, new("e-1"), restart=True, description="back")
    assert (ensured.created, ensured.existed_closed, ensured.reopened) == (False, True, True)
    assert ensured.incident.open is True and stored["open"] is True
    assert argus.methods() == ["GET", "POST", "GET"]


def test_ensure_survives_a_racing_post(argus: FakeArgus, client: Client) -> None:
    def race(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST":  # another worker posted it just before us
            argus.faults = None
            argus.add("e-1")
            raise Fault(400, DUPLICATE)

    argus.faults = race
    ensured = ensure_incident(client, new("e-1"))
    assert (ensured.created, ensured.existed_closed) == (False, False)
    assert argus.methods() == ["GET", "POST", "GET"]
    assert len(argus.incidents) == 1


def test_ensure_finds_a_post_whose_answer_was_lost(argus: FakeArgus, client: Client) -> None:
    argus.lose = lambda method, path: method == "POST"
    ensured = ensure_incident(client, new("e-1"))
    assert ensured.created is True
    assert ensured.incident.source_incident_id == "e-1"
    assert argus.methods() == ["GET", "POST", "GET"]
    assert len(argus.incidents) == 1


def test_ensure_gives_up_when_the_post_did_not_arrive(argus: FakeArgus, client: Client) -> None:
    def bad_gateway(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST":
            raise Fault(502, "bad gateway")

    argus.faults = bad_gateway
    with pytest.raises(ServerError):
        ensure_incident(client, new("e-1"))
    assert argus.methods() == ["GET", "POST", "GET"]  # looked again: not there
    argus.faults = None
    assert ensure_incident(client, new("e-1")).created is True  # safe to call again


def test_ensure_needs_an_id_and_a_valid_incident(argus: FakeArgus, client: Client) -> None:
    with pytest.raises(InvalidArgumentError, match="source_incident_id"):
        ensure_incident(client, new(None))
    with pytest.raises(InvalidArgumentError, match="start_time"):
        ensure_incident(client, Incident(source_incident_id="x"))
    with pytest.raises(InvalidArgumentError, match="expected an Incident"):
        ensure_incident(client, "x")  # type: ignore[arg-type]
    assert argus.requests == []


# reconcile: what a pass does


def test_first_pass_creates_second_changes_nothing(argus: FakeArgus, client: Client) -> None:
    desired = {f"r-{n}": new(f"r-{n}") for n in range(5)}
    first = reconcile(client, desired)
    assert sorted(i.source_incident_id for i in first.created) == sorted(desired)  # type: ignore[type-var]
    assert first.ok and first.changed and first.exit_code == 0
    # The listing, one count (all of mine are in the listing: no lookups), 5 posts.
    assert argus.methods() == ["GET", "GET"] + ["POST"] * 5
    assert argus.requests[1][2] == {"count": ""}
    argus.requests.clear()
    second = reconcile(client, desired)
    assert second.unchanged == 5 and not second.changed
    assert argus.requests == [
        ("GET", "/api/v2/incidents/mine/", {"open": "true", "page_size": "500"})
    ]


def test_resolves_what_is_gone_and_reports_every_decision(argus: FakeArgus, client: Client) -> None:
    for n in range(4):
        argus.add(f"r-{n}")
    argus.add("closed-1", open=False)
    desired = {
        "r-0": new("r-0"),
        "r-1": new("r-1"),
        "closed-1": new("closed-1"),
        "new-1": new("new-1"),
    }
    report = reconcile(client, desired, timestamp=NOW, resolve_description="gone")
    assert [i.source_incident_id for i in report.created] == ["new-1"]
    assert sorted(i.source_incident_id for i in report.resolved) == ["r-2", "r-3"]  # type: ignore[type-var]
    assert [i.source_incident_id for i in report.existed_closed] == ["closed-1"]
    assert report.unchanged == 2
    assert argus.open_ids() == {"r-0", "r-1", "new-1"}
    ends = [i for i in argus.incidents.values() if i["source_incident_id"] in ("r-2", "r-3")]
    assert {i["end_time"] for i in ends} == {NOW.isoformat()}
    assert report.summary() == (
        "created 1, resolved 2, updated 0, unchanged 2, existed closed 1, kept open 0, failed 0"
    )
    data = report.as_dict()
    assert data["created"] == ["new-1"] and data["existed_closed"] == ["closed-1"]
    assert data["ok"] is True and data["refused"] is None
    # closed-1 is reported again, never posted: no 400 loop
    argus.requests.clear()
    again = reconcile(client, desired)
    assert [i.source_incident_id for i in again.existed_closed] == ["closed-1"]
    assert "POST" not in argus.methods()


def test_iterables_of_incidents_and_int_keys(argus: FakeArgus, client: Client) -> None:
    report = reconcile(client, [new("i-1"), new("i-2")])
    assert len(report.created) == 2
    report = reconcile(client, {1: new(None), 2: new(None)}, max_resolve=None)
    assert sorted(i.source_incident_id for i in report.created) == ["1", "2"]  # type: ignore[type-var]
    assert argus.open_ids() == {"1", "2"}  # i-1 and i-2 were resolved


def test_lazy_builders_are_called_only_for_incidents_to_create(
    argus: FakeArgus, client: Client
) -> None:
    argus.add("l-1")
    argus.add("l-2", open=False)
    calls: list[str] = []

    def builder(sid: str) -> Any:
        def build() -> Incident:
            calls.append(sid)
            return new(None)

        return build

    desired = {sid: builder(sid) for sid in ("l-1", "l-2", "l-3")}
    report = reconcile(client, desired)
    assert calls == ["l-3"]
    assert [i.source_incident_id for i in report.created] == ["l-3"]


def test_a_builder_returning_none_means_do_not_sync(argus: FakeArgus, client: Client) -> None:
    report = reconcile(client, {"n-1": lambda: None, "n-2": lambda: new(None)})
    assert report.not_created == ["n-1"]
    assert argus.open_ids() == {"n-2"}
    assert "not created 1" in report.summary()


@pytest.mark.parametrize(
    ("builder", "message"),
    [
        (lambda: "x", "returned str"),
        (
            lambda: Incident(source_incident_id="other", start_time=NOW),
            "has source_incident_id 'other'",
        ),
        (lambda: Incident(description="no start"), "start_time is required"),
    ],
)
def test_bad_builds_fail_that_item_only(
    argus: FakeArgus, client: Client, builder: Any, message: str
) -> None:
    report = reconcile(client, {"bad": builder, "good": new("good")})
    assert [sid for sid, _ in report.failed] == ["bad"]
    assert message in str(report.failed[0][1])
    assert argus.open_ids() == {"good"}
    assert not report.ok and report.exit_code == 1


def test_per_item_failures_are_collected_and_the_pass_goes_on(
    argus: FakeArgus, client: Client
) -> None:
    pks = [argus.add(f"f-{n}")["pk"] for n in range(4)]

    def faults(method: str, path: str, query: dict[str, str]) -> None:
        if (
            method == "POST"
            and path.endswith("/events/")
            and path != f"/api/v2/incidents/{pks[2]}/events/"
        ):
            raise Fault(400, {"type": ["nope"]})
        if method == "POST" and path.endswith("/incidents/"):
            raise Fault(500, "<h1>Server Error (500)</h1>")

    argus.faults = faults
    desired = {"f-0": new("f-0"), "f-1": new("f-1"), "new": new("new")}
    report = reconcile(client, desired, max_resolve=None)
    assert sorted(sid for sid, _ in report.failed) == ["f-3", "new"]
    assert [i.source_incident_id for i in report.resolved] == ["f-2"]
    assert isinstance(dict(report.failed)["new"], ServerError)


def test_an_auth_error_stops_the_pass(argus: FakeArgus, client: Client) -> None:
    argus.add("a-0")
    argus.add("a-1")

    def faults(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST":
            raise Fault(401, {"detail": "Invalid token."})

    argus.faults = faults
    with pytest.raises(AuthError):
        reconcile(client, {"a-0": new("a-0"), "x": new("x"), "y": new("y")})
    assert argus.count("POST") == 1  # stopped at the first refusal


def test_a_lost_end_answer_is_checked_by_rereading(argus: FakeArgus, client: Client) -> None:
    argus.add("g-0")
    argus.add("g-1")

    def faults(method: str, path: str, query: dict[str, str]) -> None:
        if method == "POST" and path.endswith("/events/"):
            argus._event(int(path.split("/")[-3]), {"type": "END", "timestamp": NOW.isoformat()})
            raise Fault(502, "bad gateway")  # the server acted; the proxy failed

    argus.faults = faults
    report = reconcile(client, {"g-0": new("g-0")})
    assert [i.source_incident_id for i in report.resolved] == ["g-1"]
    assert report.ok
    assert argus.methods()[-2:] == ["POST", "GET"]


# reconcile: the guards


def test_none_always_refuses_without_a_request(argus: FakeArgus, client: Client) -> None:
    argus.add("x")
    with pytest.raises(ReconcileRefused, match="desired is None") as info:
        reconcile(client, None, allow_empty=True, max_resolve=None)
    assert info.value.report.refused is not None and not info.value.report.ok
    assert argus.requests == []


def test_empty_refuses_while_incidents_are_open(argus: FakeArgus, client: Client) -> None:
    argus.add("x")
    argus.add("y")
    with pytest.raises(ReconcileRefused, match="desired is empty while 2") as info:
        reconcile(client, {})
    plan = info.value.report
    assert sorted(i.source_incident_id for i in plan.resolved) == ["x", "y"]  # type: ignore[type-var]
    assert plan.dry_run and "refused" in plan.summary() and plan.exit_code == 1
    assert argus.methods() == ["GET"] and argus.open_ids() == {"x", "y"}
    # allow_empty alone still meets max_resolve (2 of 2 > 50 %)
    with pytest.raises(ReconcileRefused, match="max_resolve"):
        reconcile(client, [], allow_empty=True)
    report = reconcile(client, [], allow_empty=True, max_resolve=None)
    assert len(report.resolved) == 2 and argus.open_ids() == set()


def test_empty_is_fine_when_nothing_is_open(argus: FakeArgus, client: Client) -> None:
    argus.add("closed", open=False)
    assert reconcile(client, {}).changed is False


@pytest.mark.parametrize(
    ("max_resolve", "gone", "refused"),
    [
        (0.5, 5, False),
        (0.5, 6, True),
        (0.01, 1, False),  # a fraction allows at least 1
        (0.01, 2, True),
        (3, 3, False),
        (3, 4, True),
        (0, 1, True),
        (None, 9, False),
    ],
)
def test_max_resolve(
    argus: FakeArgus, client: Client, max_resolve: Any, gone: int, refused: bool
) -> None:
    for n in range(10):
        argus.add(f"m-{n}")
    desired = {f"m-{n}": new(f"m-{n}") for n in range(gone, 10)}
    if refused:
        with pytest.raises(ReconcileRefused, match=f"would resolve {gone} of 10") as info:
            reconcile(client, desired, max_resolve=max_resolve)
        assert len(info.value.report.resolved) == gone
        assert "POST" not in argus.methods()
    else:
        assert len(reconcile(client, desired, max_resolve=max_resolve).resolved) == gone


def test_min_age_and_confirm_gone_keep_incidents_open(argus: FakeArgus, client: Client) -> None:
    young = argus.add("young", minutes_ago=1)
    argus.add("old-still-there", minutes_ago=600)
    argus.add("old-gone", minutes_ago=600)
    argus.add("old-broken", minutes_ago=600)
    asked: list[str] = []

    def confirm_gone(incident: Incident) -> bool:
        asked.append(str(incident.source_incident_id))
        if incident.source_incident_id == "old-broken":
            raise RuntimeError("source unreachable")
        return incident.source_incident_id == "old-gone"

    report = reconcile(
        client,
        {"keep": new("keep")},
        min_age=timedelta(minutes=30),
        confirm_gone=confirm_gone,
        timestamp=datetime.fromisoformat(young["start_time"]) + timedelta(minutes=2),
        max_resolve=None,
    )
    assert sorted(asked) == ["old-broken", "old-gone", "old-still-there"]
    assert [i.source_incident_id for i in report.resolved] == ["old-gone"]
    kept = {str(i.source_incident_id): why for i, why in report.kept_open}
    assert kept["young"].startswith("younger than min_age")
    assert kept["old-still-there"] == "confirm_gone: still active at the source"
    assert kept["old-broken"] == "confirm_gone failed: source unreachable"


def test_resolve_missing_off_keeps_everything_open(argus: FakeArgus, client: Client) -> None:
    argus.add("x")
    report = reconcile(client, {}, resolve_missing=False)
    assert report.kept_open[0][1] == "resolve_missing is off" and not report.resolved


def test_create_missing_off(argus: FakeArgus, client: Client) -> None:
    report = reconcile(client, {"x": new("x")}, create_missing=False)
    assert report.not_created == ["x"] and argus.count("POST") == 0


def test_dry_run_only_reads_and_reports_the_same(argus: FakeArgus, client: Client) -> None:
    for n in range(4):
        argus.add(f"d-{n}", level=5)
    argus.add("closed", open=False)
    desired = {
        "d-0": new("d-0", level=5),
        "d-1": new("d-1", level=2),
        "closed": new("closed"),
        "new": new("new"),
    }
    kwargs: dict[str, Any] = {"update_changed": ("level",), "timestamp": NOW}
    plan = reconcile(client, desired, dry_run=True, **kwargs)
    assert set(argus.methods()) == {"GET"}
    assert plan.dry_run and plan.exit_code == 3 and plan.summary().startswith("dry run: would have")
    done = reconcile(client, desired, **kwargs)
    for name in ("created", "resolved", "existed_closed"):
        assert sorted(i.source_incident_id for i in getattr(plan, name)) == sorted(  # type: ignore[type-var]
            i.source_incident_id
            for i in getattr(done, name)  # type: ignore[misc]
        ), name
    assert [c for _, c in plan.updated] == [c for _, c in done.updated] == [{"level": 2}]
    assert (plan.unchanged, done.unchanged) == (1, 1)
    assert done.exit_code == 0
    assert reconcile(client, desired, dry_run=True, **kwargs).exit_code == 0  # no drift left


def test_update_changed_patches_only_what_differs(argus: FakeArgus, client: Client) -> None:
    stored = argus.add("u-1", level=4, description="old", tags={"host": "a", "added_by": "op"})
    argus.add("u-2", level=4, description="same")
    desired = {
        "u-1": new("u-1", level=2, description="new", tags={"host": "a", "extra": "1"}),
        "u-2": new("u-2", level=4, description="same"),
    }
    report = reconcile(client, desired, update_changed=True)
    assert len(report.updated) == 1 and report.unchanged == 1
    _, change = report.updated[0]
    assert sorted(change) == ["description", "level", "tags"]
    # Tags are only added: the operator's tag stays.
    assert change["tags"] == Tags({"host": "a", "added_by": "op", "extra": "1"})
    assert stored["level"] == 2 and stored["description"] == "new"
    assert {t["tag"] for t in stored["tags"]} == {"host=a", "added_by=op", "extra=1"}
    assert reconcile(client, desired, update_changed=True).updated == []


def test_scope_selects_the_open_incidents_a_pass_owns(argus: FakeArgus, client: Client) -> None:
    argus.add("z-1", tags={"glue": "zabbix"})
    argus.add("z-2", tags={"glue": "zabbix"})
    argus.add("n-1", tags={"glue": "nav"})
    report = reconcile(
        client, {"z-1": new("z-1"), "n-1": new("n-1")}, scope={"tags": {"glue": "zabbix"}}
    )
    assert [i.source_incident_id for i in report.resolved] == ["z-2"]
    assert report.unchanged == 2  # n-1 is open, outside the scope: left alone, not re-posted
    assert argus.requests[0][2]["tags"] == "glue=zabbix"
    with pytest.raises(InvalidArgumentError, match="scope cannot hold open"):
        reconcile(client, {}, scope={"open": False})


def test_missing_ids_are_looked_up_the_cheapest_way(argus: FakeArgus, client: Client) -> None:
    for n in range(30):
        argus.add(f"old-{n}", open=False)
    argus.add("closed-0", open=False)
    # 31 incidents: listing them (31 + 6 for the page) costs Argus more than 3 lookups (18)
    three = {"closed-0": new("closed-0"), "a": new("a"), "b": new("b")}
    report = reconcile(client, three)
    lookups = [q["source_incident_id"] for m, _, q in argus.requests if "source_incident_id" in q]
    assert lookups == ["closed-0", "a", "b"]
    assert [i.source_incident_id for i in report.existed_closed] == ["closed-0"]
    # ... but less than 8 lookups (48): one listing of all, and no lookup
    argus.requests.clear()
    eight = {**three, **{f"m-{n}": new(f"m-{n}") for n in range(7)}}
    report = reconcile(client, eight)
    queries = [q for m, _, q in argus.requests if m == "GET"]
    assert queries == [
        {"open": "true", "page_size": "500"},
        {"count": ""},
        {"page_size": "500"},
    ]
    assert len(report.created) == 7 and report.unchanged == 2  # a, b are open now
    assert [i.source_incident_id for i in report.existed_closed] == ["closed-0"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_resolve": 1.5}, "between 0.0 and 1.0"),
        ({"max_resolve": -1}, "negative"),
        ({"max_resolve": True}, "count"),
        ({"max_resolve": "50%"}, "count"),
        ({"min_age": 60}, "timedelta"),
        ({"update_changed": ("start_time",)}, "cannot be changed"),
        ({"update_changed": "level"}, "list of field names"),
        ({"confirm_gone": 3}, "confirm_gone"),
        ({"timestamp": "now"}, "timestamp"),
        ({"page_size": 0}, "page_size"),
        ({"resolve_description": 5}, "resolve_description"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(
    argus: FakeArgus, client: Client, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        reconcile(client, {"x": new("x")}, **kwargs)
    assert argus.requests == []


@pytest.mark.parametrize(
    ("desired", "message"),
    [
        ("abc", "must map source_incident_id"),
        (new("x"), "must map source_incident_id"),
        ([new("x"), new("x")], "twice"),
        ([new(None)], "needs a source_incident_id"),
        (["x"], "holds str"),
        ({"x": 3}, "must be an Incident or a function"),
        ({"x": new("y")}, "has source_incident_id 'y'"),
        ({" x": new(None)}, "white space"),
        ({1: new(None), "1": new(None)}, "twice"),
    ],
)
def test_bad_desired_sets_are_refused(
    argus: FakeArgus, client: Client, desired: Any, message: str
) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        reconcile(client, desired)
    assert argus.requests == []


def test_open_incidents_without_ids_are_ignored_not_resolved(
    argus: FakeArgus, client: Client
) -> None:
    argus.add(None)
    argus.add("k")
    report = reconcile(client, {"k": new("k")})
    assert [why for _, why in report.ignored] == ["no source_incident_id"]
    assert not report.resolved and "ignored 1" in report.summary()


def test_a_failing_listing_changes_nothing(argus: FakeArgus, client: Client) -> None:
    argus.add("x")

    def faults(method: str, path: str, query: dict[str, str]) -> None:
        raise Fault(503, "unavailable")

    argus.faults = faults
    with pytest.raises(ServerError):
        reconcile(client, {})
    assert argus.methods() == ["GET"]


def test_report_of_an_empty_pass() -> None:
    report = ReconcileReport()
    assert report.ok and not report.changed and report.exit_code == 0
    assert report.as_dict()["unchanged"] == 0


def test_the_runner_passes_argus_errors_into_the_flow_and_results_out(
    client: Client, argus: FakeArgus
) -> None:
    def flow() -> Any:
        try:
            yield Call("get_incident", (99,))  # a method named on the bound client
        except NotFoundError as exc:  # the runner threw it in
            seen = type(exc).__name__
        user = yield Call("get_current_user")
        return seen, user.username

    assert run(flow(), client) == ("NotFoundError", "testsource")


def test_the_callers_own_errors_come_out_of_the_runner_unchanged(client: Client) -> None:
    # Only ArgusError (and what an Invoke names in catch) is thrown into a flow: a bug in
    # a builder is not turned into a per-item failure.
    class Bug(Exception):
        pass

    def builder() -> None:
        raise Bug("in the builder")

    thrown: list[BaseException] = []

    def flow() -> Any:
        try:
            yield Invoke(builder)
        except BaseException as exc:
            thrown.append(exc)
            raise
        try:
            yield Invoke(builder, catch=(Bug,))
        except Bug as exc:
            return f"caught {exc}"

    with pytest.raises(Bug, match="in the builder"):
        run(flow(), client)
    assert [type(e) for e in thrown] == [GeneratorExit]  # closed, never thrown into

    def second() -> Any:
        try:
            yield Invoke(builder, catch=(Bug,))
        except Bug as exc:
            return f"caught {exc}"

    assert run(second(), client) == "caught in the builder"


def test_a_builder_bug_comes_out_of_reconcile_unchanged(argus: FakeArgus, client: Client) -> None:
    def broken() -> Incident:
        raise KeyError("the alert has no host")

    with pytest.raises(KeyError, match="no host"):
        reconcile(client, {"ok": new("ok"), "b-1": broken})
    assert argus.open_ids() == {"ok"}  # what came before the bug was done


def test_a_sync_runner_refuses_an_async_builder(argus: FakeArgus, client: Client) -> None:
    async def build() -> Incident:
        return new(None)

    report = reconcile(client, {"c-1": build})
    assert [sid for sid, _ in report.failed] == ["c-1"]
    assert "returned an awaitable" in str(report.failed[0][1])
    assert "POST" not in argus.methods()
