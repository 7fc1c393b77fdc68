"""AsyncClient against the real Argus server: the scenarios of the sync client, and gather."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from pyargus.async_client import AsyncClient
from pyargus.client import Client
from pyargus.exceptions import ArgusError
from pyargus.models import INFINITY, STATELESS, Event, Incident
from pyargus.pagination import AsyncListing
from pyargus.testing import ServerInfo

pytestmark = pytest.mark.integration


class Run:
    """One client pair's run of :data:`SCENARIOS`: what the steps returned, by name."""

    def __init__(self, source: Any, admin: Any, prefix: str) -> None:
        self.source, self.admin, self.prefix = source, admin, prefix
        self.values: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def pk(self, name: str) -> int:
        return self.values[name].pk


START = datetime.now().replace(microsecond=0) - timedelta(hours=1)  # naive: local time


def incident(r: Run, sid: str, **fields: Any) -> Incident:
    return Incident(start_time=START, source_incident_id=f"{r.prefix}{sid}", **fields)


def shown(incident: Incident) -> tuple:
    """What must be the same of an incident stored by either client (no pks, no prefix)."""
    return (
        incident.start_time == START.astimezone(),
        "infinity"
        if incident.end_time is INFINITY
        else "stateless"
        if incident.end_time is STATELESS
        else "ended"
        if incident.end_time
        else None,
        dict(incident.tags),
        incident.level,
        incident.description,
        incident.open,
        incident.acked,
        incident.ticket_url,
    )


def bulk(result: Any) -> tuple:
    return (result.ok, len(result), len(result.failed))


#: (name, step, view): a step calls one client method (sync or async alike) with the
#: results of earlier steps; view turns what it returned into what both clients must share.
#: A step that raises an ArgusError shows as ("raised", the error's class name).
SCENARIOS: list[tuple[str, Callable[[Run], Any], Callable[[Any], Any]]] = [
    (
        "naive start, tags",
        lambda r: r.source.post_incident(
            incident(r, "1", tags={"a": "1", "host": "h1"}, description="one", level=3)
        ),
        shown,
    ),
    ("stateless", lambda r: r.source.post_incident(incident(r, "2", end_time=STATELESS)), shown),
    ("second open", lambda r: r.source.post_incident(incident(r, "3")), shown),
    ("duplicate source id", lambda r: r.source.post_incident(incident(r, "1")), repr),
    (
        "partial update: level",
        lambda r: r.source.update_incident(Incident(pk=r.pk("naive start, tags"), level=2)),
        shown,
    ),
    ("read back", lambda r: r.source.get_incident(r.pk("naive start, tags")), shown),
    ("missing incident", lambda r: r.source.get_incident(999_999), repr),
    ("tags", lambda r: r.source.get_incident_tags(r.pk("naive start, tags")), dict),
    ("add tag", lambda r: r.source.add_incident_tag(r.pk("naive start, tags"), "b", "2"), repr),
    ("has tag", lambda r: r.source.has_incident_tag(r.pk("naive start, tags"), "b", "2"), repr),
    (
        "remove tag",
        lambda r: r.source.remove_incident_tag(r.pk("naive start, tags"), "b", "2"),
        repr,
    ),
    (
        "ticket url",
        lambda r: r.source.set_ticket_url(
            r.pk("naive start, tags"), "https://tickets.example.org/1"
        ),
        repr,
    ),
    (
        "events",
        lambda r: r.source.get_incident_events(r.pk("naive start, tags")),
        lambda events: sorted(e.type for e in events),
    ),
    (
        "one event",
        lambda r: r.source.get_incident_event(r.pk("naive start, tags"), r["events"][0]),
        lambda e: e.type,
    ),
    (
        "count open",
        lambda r: r.source.count_my_incidents(open=True, source_incident_id=f"{r.prefix}1"),
        repr,
    ),
    (
        "list by tag",
        lambda r: r.source.get_incidents(tags=["host=h1"], source_incident_id=f"{r.prefix}1"),
        lambda found: [shown(i) for i in found],
    ),
    (
        "my incidents",
        lambda r: r.source.get_my_incidents(open=True, page_size=1),
        lambda found: len(found) >= 2,
    ),
    (
        "acknowledge",
        lambda r: r.admin.acknowledge_incident(r.pk("second open"), "seen"),
        lambda ack: (ack.description, ack.expiration),
    ),
    (
        "acknowledgements",
        lambda r: r.admin.get_incident_acknowledgements(r.pk("second open")),
        lambda acks: [a.description for a in acks],
    ),
    (
        "one acknowledgement",
        lambda r: r.admin.get_incident_acknowledgement(
            r.pk("second open"), r["acknowledgements"][0]
        ),
        lambda ack: ack.description,
    ),
    (
        "bulk ticket",
        lambda r: r.admin.bulk_set_ticket_url(
            [r.pk("second open"), 999_999], "https://tickets.example.org/2"
        ),
        bulk,
    ),
    (
        "bulk acknowledge",
        lambda r: r.admin.bulk_acknowledge([r.pk("naive start, tags")], "ack"),
        bulk,
    ),
    (
        "resolve",
        lambda r: r.source.resolve_incident(r.pk("second open"), "gone"),
        lambda e: (e.type, e.description),
    ),
    (
        "resolve again, only if open",
        lambda r: r.source.resolve_incident(r.pk("second open"), only_if_open=True),
        repr,
    ),
    ("restart", lambda r: r.source.restart_incident(r.pk("second open"), "back"), lambda e: e.type),
    (
        "bulk resolve with a missing pk",
        lambda r: r.admin.bulk_resolve(
            [r.pk("naive start, tags"), r.pk("second open"), 999_999], "done"
        ),
        bulk,
    ),
    ("closed", lambda r: r.source.get_incident(r.pk("naive start, tags")), shown),
    (
        "count closed",
        lambda r: r.source.count_incidents(open=False, source_incident_id=f"{r.prefix}3"),
        repr,
    ),
    ("server metadata", lambda r: r.source.get_server_metadata(), lambda m: bool(m)),
    ("alive", lambda r: r.source.is_alive(), repr),
    ("current user", lambda r: r.admin.get_current_user(), lambda u: u.username),
    ("source systems", lambda r: r.admin.get_source_systems(), lambda s: len(s) >= 1),
    ("my source system", lambda r: r.source.get_my_source_system(), lambda s: s.name),
    ("timeslots", lambda r: r.admin.get_timeslots(), lambda t: len(t) >= 0),
    ("filters", lambda r: r.admin.get_filters(), lambda f: len(f) >= 0),
    (
        "create filter",
        lambda r: r.admin.create_filter(f"{r.prefix}f", {"maxlevel": 3}),
        lambda f: f.filter,
    ),
    (
        "get filter",
        lambda r: r.admin.get_filter(r.pk("create filter")),
        lambda f: f.name.split("-", 1)[1],
    ),
    (
        "preview filter",
        lambda r: r.admin.preview_filter(r.pk("create filter")),
        lambda found: type(found).__name__,
    ),
    (
        "planned maintenance",
        lambda r: r.admin.create_planned_maintenance(
            datetime.now(timezone.utc),
            datetime.now(timezone.utc) + timedelta(hours=1),
            "pm",
            [r.pk("create filter")],
        ),
        lambda task: task.description,
    ),
    (
        "planned maintenance list",
        lambda r: r.admin.get_planned_maintenance(),
        lambda tasks: "pm" in {t.description for t in tasks},
    ),
    (
        "end planned maintenance",
        lambda r: r.admin.end_planned_maintenance(r.pk("planned maintenance")),
        lambda task: type(task).__name__,
    ),
    ("delete filter", lambda r: r.admin.delete_filter(r.pk("create filter"), force=True), repr),
    ("deleted filter", lambda r: r.admin.get_filter(r.pk("create filter")), repr),
    (
        "note on incidents",
        lambda r: r.admin.bulk_post_event(
            [r.pk("naive start, tags")], Event(type="OTH", description="note")
        ),
        bulk,
    ),
    ("events feed", lambda r: r.admin.get_events(), lambda events: len(events) > 0),
    ("source system types", lambda r: r.admin.get_source_system_types(), bool),
    (
        "one source system",
        lambda r: r.admin.get_source_system(r["my source system"]),
        lambda s: s.name,
    ),
    ("one user", lambda r: r.admin.get_user(r["my source system"].user), lambda u: u.username),
    ("media", lambda r: r.admin.get_media(), bool),
    ("destinations", lambda r: r.admin.get_destinations(), lambda d: type(d).__name__),
    (
        "notification profiles",
        lambda r: r.admin.get_notification_profiles(),
        lambda p: type(p).__name__,
    ),
    ("delete", lambda r: r.admin.delete_incident(r.pk("stateless")), repr),
    ("deleted", lambda r: r.source.get_incident(r.pk("stateless")), shown),
]


async def run_scenarios(source: Any, admin: Any, prefix: str) -> list[tuple[str, Any]]:
    """Run :data:`SCENARIOS` with one client pair, awaiting what an AsyncClient returns."""
    run, seen = Run(source, admin, prefix), []
    for name, step, view in SCENARIOS:
        try:
            value = step(run)
            if isinstance(value, AsyncListing):
                value = await value.to_list()
            elif inspect.isawaitable(value):
                value = await value
            elif isinstance(value, Iterator):
                value = list(value)
        except ArgusError as error:
            seen.append((name, ("raised", type(error).__name__)))
            continue
        run.values[name] = value
        seen.append((name, view(value)))
    return seen


def test_scenarios_match_the_sync_client(argus_empty_db: ServerInfo) -> None:
    info = argus_empty_db
    with (
        Client(info.api_url, info.source_token) as source,
        Client(info.api_url, info.admin_token) as admin,
    ):
        expected = asyncio.run(run_scenarios(source, admin, "sync-"))

    async def main() -> list[tuple[str, Any]]:
        async with (
            AsyncClient(info.api_url, info.source_token) as source,
            AsyncClient(info.api_url, info.admin_token) as admin,
        ):
            return await run_scenarios(source, admin, "async-")

    got = asyncio.run(main())
    assert [name for name, _ in got] == [row[0] for row in SCENARIOS]
    differ = [(a, b) for a, b in zip(expected, got, strict=True) if a != b]
    assert not differ, differ
    views = dict(expected)
    raised = {
        name for name, view in expected if isinstance(view, tuple) and view[:1] == ("raised",)
    }
    assert raised == {"duplicate source id", "missing incident", "deleted filter", "delete"}
    # What the table must show, so that it cannot pass with both clients wrong alike:
    assert views["naive start, tags"][:3] == (True, "infinity", {"a": "1", "host": "h1"})
    assert views["stateless"][1] == "stateless"
    assert views["duplicate source id"] == ("raised", "DuplicateIncidentError")
    assert views["partial update: level"][3:5] == (2, "one")  # level changed, the rest kept
    assert views["missing incident"] == ("raised", "NotFoundError")
    assert views["bulk ticket"] == (False, 2, 1)
    assert views["bulk resolve with a missing pk"] == (False, 3, 1)
    assert views["resolve again, only if open"] == "None"
    assert views["closed"][5] is False
    assert views["delete"] == (
        "raised",
        "NotSupportedError",
    )  # (INDELIBLE_INCIDENTS, Argus' default)
    assert views["deleted"][1] == "stateless"
    assert views["has tag"] == "True"
    assert views["deleted filter"] == ("raised", "NotFoundError")
    assert views["note on incidents"] == (True, 1, 0)


def test_gather_200_mixed_requests(argus_empty_db: ServerInfo) -> None:
    now = datetime.now(timezone.utc)

    async def main() -> list:
        async with AsyncClient(argus_empty_db.api_url, argus_empty_db.source_token) as client:
            first = await client.post_incident(Incident(start_time=now, source_incident_id="g-0"))
            calls = []
            for n in range(200):
                kind = n % 4
                if kind == 0:
                    calls.append(
                        client.post_incident(
                            Incident(start_time=now, source_incident_id=f"g-{n + 1}")
                        )
                    )
                elif kind == 1:
                    calls.append(client.get_incident(first.pk))
                elif kind == 2:
                    calls.append(client.get_my_incidents(page_size=5).to_list())
                else:
                    calls.append(client.get_incident_events(first.pk))
            return await asyncio.gather(*calls)

    results = asyncio.run(main())
    assert len(results) == 200
    assert all(r is not None for r in results)
