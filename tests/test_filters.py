"""Filters are checked per endpoint before any request (pyargus.filters)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from pyargus.exceptions import InvalidArgumentError, InvalidTagError
from pyargus.filters import (
    EVENT_FILTERS,
    INCIDENT_FILTERS,
    MY_INCIDENT_FILTERS,
    event_params,
    incident_params,
)
from pyargus.models import Incident, SourceSystem, Tags

from .conftest import API
from .wire import page_json

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)

#: One valid value per filter, and how Argus gets it.
VALID = {
    "open": (True, "true"),
    "acked": (False, "false"),
    "stateful": (True, "true"),
    "ticket": (False, "false"),
    "hide_closed_acked": (True, "true"),
    "token_expiry": (True, "true"),
    "tags": ({"host": ["a", "b"]}, "host=a,host=b"),
    "duration__gte": (timedelta(hours=1), "60"),
    "filter_pk": (3, "3"),
    "notificationprofile_pk": (4, "4"),
    "source_incident_id": (42, "42"),
    "start_time__gte": (WHEN, "2026-01-02T03:04:05+00:00"),
    "start_time__lte": ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z"),
    "end_time__gte": (WHEN, "2026-01-02T03:04:05+00:00"),
    "end_time__lte": (WHEN, "2026-01-02T03:04:05+00:00"),
    "end_time__isnull": (False, "false"),
    "id__in": ([Incident(pk=7), 8], "7,8"),
    "source__id__in": ((SourceSystem(pk=2),), "2"),
    "source__name__in": (["nav", "zabbix"], "nav,zabbix"),
    "source__type__in": ("nav", "nav"),
    "level__lte": (2, "2"),
    "search": ("disk full", "disk full"),
}

# argus-server 2.10, argus/filter/filters.py: IncidentFilter's declared filters and
# Meta.fields, SourceLockedIncidentFilter's Meta.fields; IncidentViewSet adds SearchFilter.
ARGUS_DECLARED = {
    "open",
    "acked",
    "stateful",
    "ticket",
    "tags",
    "duration__gte",
    "token_expiry",
    "hide_closed_acked",
    "filter_pk",
    "notificationprofile_pk",
}
ARGUS_MINE_FIELDS = {
    "source_incident_id",
    "start_time__gte",
    "start_time__lte",
    "end_time__gte",
    "end_time__lte",
    "end_time__isnull",
}
ARGUS_ALL_FIELDS = ARGUS_MINE_FIELDS | {
    "id__in",
    "source__id__in",
    "source__name__in",
    "source__type__in",
    "level__lte",
}


def test_the_tables_are_argus_filtersets():
    assert set(INCIDENT_FILTERS) == ARGUS_DECLARED | ARGUS_ALL_FIELDS | {"search"}
    assert set(MY_INCIDENT_FILTERS) == ARGUS_DECLARED | ARGUS_MINE_FIELDS
    assert set(EVENT_FILTERS) == set()
    assert set(VALID) == set(INCIDENT_FILTERS)


@pytest.mark.parametrize("name", sorted(INCIDENT_FILTERS))
def test_every_filter_of_incidents_is_encoded(name):
    value, sent = VALID[name]
    assert incident_params({name: value}) == {name: sent}
    assert incident_params({name: value}, count=True) == {name: sent, "count": ""}
    if name in MY_INCIDENT_FILTERS:
        assert incident_params({name: value}, mine=True) == {name: sent}


@pytest.mark.parametrize("name", sorted(set(INCIDENT_FILTERS) - set(MY_INCIDENT_FILTERS)))
def test_filters_that_mine_ignores_are_refused_there(name):
    value, _ = VALID[name]
    with pytest.raises(InvalidArgumentError) as info:
        incident_params({name: value}, mine=True)
    assert str(info.value) == (
        f"filter {name} is not one of incidents/mine/: Argus does not apply it to "
        "incidents/mine/ and would match all of this source system's incidents; use "
        "get_incidents(..., source__id__in=[your source system's pk]) (see "
        "get_my_source_system())"
    )


@pytest.mark.parametrize(
    ("name", "suggestions"),
    [
        ("levle", "`level__lte`"),
        ("level", "`level__lte`"),
        ("opne", "`open`"),
        ("Open", "`open`"),
        ("start_time__gt", "`start_time__gte` or `start_time__lte`"),
        ("source__name", "`source__name__in` or `source__type__in`"),
        ("closed", "`open`"),
        ("q", "`search`"),
        ("pagesize", "`page_size`"),
        ("tag", "`tags`"),
    ],
)
def test_unknown_filters_name_the_closest(name, suggestions):
    with pytest.raises(InvalidArgumentError) as info:
        incident_params({name: 1})
    assert str(info.value) == (
        f"unknown filter {name!r} for incidents/: Argus ignores filters it does not have and "
        f"would match every incident; did you mean {suggestions}? (a filter of a newer Argus "
        "goes in extra_filters={...})"
    )


def test_an_unknown_filter_with_nothing_close():
    with pytest.raises(InvalidArgumentError) as info:
        incident_params({"zzzz": 1}, mine=True)
    assert "did you mean" not in str(info.value)
    assert str(info.value).startswith("unknown filter 'zzzz' for incidents/mine/: ")


@pytest.mark.parametrize(
    "name", ["open", "acked", "stateful", "ticket", "hide_closed_acked", "end_time__isnull"]
)
@pytest.mark.parametrize("value", ["yes", "true", 1, 0, "", [True]])
def test_boolean_filters_take_only_bools(name, value):
    with pytest.raises(InvalidArgumentError) as info:
        incident_params({name: value})
    assert str(info.value) == (
        f"filter {name} must be True or False, not {value!r} (Argus ignores values it "
        "cannot read and would match every incident)"
    )


def test_token_expiry_takes_only_true():
    # Argus selects the token expiry incidents for any value, "false" too.
    with pytest.raises(InvalidArgumentError, match="can only be True, not False"):
        incident_params({"token_expiry": False})


@pytest.mark.parametrize("value", [0, -1, True, 2.0, "10"])
def test_page_size_is_a_whole_number_of_at_least_one(value):
    with pytest.raises(InvalidArgumentError) as info:
        incident_params({"page_size": value})
    assert str(info.value) == f"page_size must be a whole number >= 1, not {value!r}"
    with pytest.raises(InvalidArgumentError):
        event_params({"page_size": value})


def test_page_size_is_left_out_of_counts():
    assert incident_params({"page_size": 5, "open": True}, count=True) == {
        "open": "true",
        "count": "",
    }
    assert incident_params({"page_size": 5}) == {"page_size": "5"}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("id__in", []),
        ("source__name__in", ()),
        ("source__name__in", ""),
        ("source_incident_id", ""),
        ("search", "   "),
        ("tags", {}),
        ("tags", ""),
        ("tags", Tags()),
    ],
)
def test_empty_values_are_refused(name, value):
    # An empty value makes Argus drop the filter: every incident would match.
    with pytest.raises(InvalidArgumentError, match="Argus ignores empty filters"):
        incident_params({name: value})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("id__in", ["7"], "filter id__in must be incidents or their pks, not '7'"),
        ("id__in", "7,x", "filter id__in must be incidents or their pks, not '7,x'"),
        ("id__in", [Incident()], "filter id__in must be incidents or their pks, not None"),
        ("source__id__in", [0], "must be source systems or their pks, not 0"),
        ("source__name__in", ["a,b"], "must be non-empty names without commas, not 'a,b'"),
        ("level__lte", 0, "invalid level 0"),
        ("level__lte", "2", "invalid level '2'"),
        ("duration__gte", -5, "must be a number of minutes >= 0 or a timedelta, not -5"),
        ("filter_pk", "3", "filter filter_pk must be a whole number >= 1, not '3'"),
        ("source_incident_id", True, "filter source_incident_id must be a string, not True"),
        ("search", 3, "filter search must be a string, not 3"),
        ("start_time__gte", 1767322800, "must be a datetime or an ISO 8601 string"),
        ("start_time__gte", date(2026, 1, 1), "a date would be midnight in the server's"),
    ],
)
def test_values_of_the_wrong_kind(name, value, message):
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        incident_params({name: value})


def test_tag_filters_keep_their_checks():
    with pytest.raises(InvalidTagError):
        incident_params({"tags": {"Host": "a"}})
    with pytest.raises(InvalidTagError, match="without commas"):
        incident_params({"tags": {"host": "a,b"}})


def test_none_is_left_out():
    assert incident_params({"open": None, "acked": False, "search": None}) == {"acked": "false"}


def test_count_is_not_a_filter():
    with pytest.raises(InvalidArgumentError, match=r"use count_incidents\(\)"):
        incident_params({"count": True})
    with pytest.raises(InvalidArgumentError, match=r"use count_my_incidents\(\)"):
        incident_params({"count": True}, mine=True)


def test_events_have_no_filters():
    assert event_params({"page_size": 50}) == {"page_size": "50"}
    with pytest.raises(InvalidArgumentError) as info:
        event_params({"incident": 3})
    assert str(info.value) == (
        "Argus cannot filter events (it would ignore incident); use get_incident_events() "
        "for one incident's events"
    )


# The explicit opt-out


def test_extra_filters_are_sent_unchecked():
    params = incident_params(
        {"open": True}, extra={"new_filter": "x", "flag": False, "when": WHEN, "none": None}
    )
    assert params == {
        "open": "true",
        "new_filter": "x",
        "flag": "false",
        "when": "2026-01-02T03:04:05+00:00",
    }
    # A filter a newer Argus adds to incidents/mine/ (search, say) can be sent there.
    assert incident_params({}, mine=True, extra={"search": "disk"}) == {"search": "disk"}
    assert event_params({}, extra={"incident": 3}) == {"incident": "3"}
    assert incident_params({}, count=True, extra={"x": 1}) == {"x": "1", "count": ""}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"open": "yes"}, "open is not for extra_filters (which sends filters pyargus does not "),
        ({"page_size": 0}, "pass it as page_size=..."),
        ({"cursor": "abc"}, "cursor is not for extra_filters: the listing sets it itself"),
        ({"count": ""}, "count is not for extra_filters"),
        ({"": 1}, "extra_filters names must be strings"),
        ([("x", 1)], "extra_filters must be a mapping"),
    ],
)
def test_extra_filters_cannot_bypass_the_checks(extra, message):
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        incident_params({}, extra=extra)


# Through the client: refused before any request


def test_the_client_sends_nothing_for_a_bad_filter(client, requests_mock):
    calls = [
        lambda: client.get_incidents(levle=1),
        lambda: client.get_my_incidents(open=True, search="disk"),
        lambda: client.count_incidents(open="yes"),
        lambda: client.count_my_incidents(level__lte=1),
        lambda: client.get_events(incident=1),
        lambda: client.get_incidents(page_size=0),
        lambda: client.bulk_resolve(client.get_my_incidents(open=True, search="disk")),
    ]
    for call in calls:
        with pytest.raises(InvalidArgumentError) as info:
            call()
        assert info.value.attempts == 0
    assert requests_mock.call_count == 0


def test_the_client_sends_extra_filters(client, requests_mock):
    requests_mock.get(API + "incidents/", json=page_json([]))
    assert list(client.get_incidents(open=True, extra_filters={"new_filter": "x"})) == []
    assert requests_mock.last_request.qs == {"open": ["true"], "new_filter": ["x"]}
    requests_mock.get(API + "incidents/events/", json=page_json([]))
    assert list(client.get_events(page_size=5, extra_filters={"incident": 3})) == []
    assert requests_mock.last_request.qs == {"page_size": ["5"], "incident": ["3"]}
    requests_mock.get(API + "incidents/", json={"count": 4, "params": {}})
    assert client.count_incidents(extra_filters={"new": "y"}) == 4
    assert requests_mock.last_request.qs == {"new": ["y"], "count": [""]}


# docs/usage.rst lists the filters per endpoint


def _usage_table() -> dict[str, tuple[bool, bool]]:
    text = (Path(__file__).parent.parent / "docs" / "usage.rst").read_text()
    table = text.split(".. filter-table-start", 1)[1].split(".. filter-table-end", 1)[0]
    rows = {}
    for line in table.splitlines():
        match = re.match(r"^``(\w+)``\s+(yes|no)\s+(yes|no)\s", line + " ")
        if match:
            rows[match.group(1)] = (match.group(2) == "yes", match.group(3) == "yes")
    return rows


def test_the_usage_docs_list_every_filter_per_endpoint():
    rows = _usage_table()
    assert set(rows) == set(INCIDENT_FILTERS)
    for name, (on_all, on_mine) in rows.items():
        assert on_all
        assert on_mine == (name in MY_INCIDENT_FILTERS), name
