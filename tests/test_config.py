"""Unit tests of pyargus.config: file errors, normalisation, pure planning, apply order."""

from __future__ import annotations

import json
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from pyargus.config import (
    ConfigError,
    ServerState,
    compute_plan,
    load_config_file,
    parse_config,
)
from pyargus.config._spec import RecurrenceSpec
from pyargus.config._times import canonical, zone_shift
from pyargus.models import Destination, Filter, Media, NotificationProfile, TimeRecurrence, Timeslot

EXAMPLE = Path(__file__).parent.parent / "docs" / "examples" / "notifications.yaml"


def test_example_file_loads() -> None:
    config = load_config_file(EXAMPLE)
    assert set(config.timeslots) == {"Work hours", "Nights and weekends"}
    assert config.notification_profiles["Ops databases (night)"].filters == (
        "Database hosts",
        "Critical",
    )


def test_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text("filters:\n  Critical:\n    filter:\n      open: true\n      maxlvl: 2\n")
    with pytest.raises(ConfigError) as info:
        load_config_file(path)
    assert info.value.line == 5
    assert info.value.key == "maxlvl"
    assert str(info.value).startswith(f"{path}:5: filters.Critical.filter.maxlvl: unknown")
    assert "maxlevel" in str(info.value)


def test_unknown_key_in_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    path.write_text('{\n "timeslots": {},\n "profiles": {}\n}\n')
    with pytest.raises(ConfigError) as info:
        load_config_file(path)
    assert (info.value.line, info.value.key) == (3, "profiles")


def test_unquoted_yaml_time_is_a_time(tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text(
        "timeslots:\n  T:\n    timezone: server\n    recurrences:\n"
        "      - {days: [1], start: 08:00, end: 16:00:00.5}\n"
    )
    rec = load_config_file(path).timeslots["T"].recurrences[0]
    assert (rec.start, rec.end) == (time(8), time(16, 0, 0, 500000))


def test_missing_zone_and_bad_reference_are_errors() -> None:
    with pytest.raises(ConfigError, match="zone of its times is missing"):
        parse_config({"timeslots": {"T": {"recurrences": []}}})
    with pytest.raises(ConfigError, match="not one of the timeslots") as info:
        parse_config(
            {
                "filters": {"F": {"filter": {"open": True}}},
                "notification_profiles": {"P": {"timeslot": "Nope", "filters": ["F"]}},
            }
        )
    assert info.value.path == ("notification_profiles", "P", "timeslot")


def test_bad_tag_refused() -> None:
    with pytest.raises(ConfigError, match="tags"):
        parse_config({"filters": {"F": {"filter": {"tags": ["Host=a"]}}}})


def test_canonical_merges_and_splits_at_midnight() -> None:
    night = [RecurrenceSpec((1,), time(22), time(6))]
    assert canonical(night) == (((1,), time(22), time.max), ((2,), time(0), time(6)))
    same = [
        RecurrenceSpec((1,), time(22), time.max),
        RecurrenceSpec((2,), time(0), time(6)),
    ]
    assert canonical(same) == canonical(night)


def test_zone_shift_and_conversion() -> None:
    assert zone_shift("UTC", "UTC") == timedelta(0)
    assert zone_shift("Europe/London", "Europe/Oslo") == timedelta(hours=1)
    rec = [RecurrenceSpec((7,), time(23, 30), time.max)]
    assert canonical(rec, timedelta(hours=1)) == (((1,), time(0, 30), time(0, 59, 59, 999999)),)
    with pytest.raises(ValueError, match="different times of the year"):
        zone_shift("America/New_York", "Europe/Oslo")
    with pytest.raises(ValueError, match="server's time zone"):
        zone_shift("Europe/Oslo", None)


def _stored(config: Any) -> ServerState:
    """What Argus would hold after applying *config* (as the server answers)."""
    timeslots = [
        Timeslot(
            pk=i,
            name=name,
            time_recurrences=[
                TimeRecurrence(days=list(d), start=s, end=e)
                for d, s, e in canonical(spec.recurrences)
            ],
        )
        for i, (name, spec) in enumerate(config.timeslots.items(), 1)
    ]
    blob_defaults = {"open": None, "acked": None, "stateful": None, "maxlevel": None}
    filters = [
        Filter(
            pk=i,
            name=name,
            filter={**blob_defaults, "hide_closed_acked": False, **spec.filter},
            public=spec.public,
        )
        for i, (name, spec) in enumerate(config.filters.items(), 1)
    ]
    destinations = [
        Destination(
            pk=i,
            media=Media(slug=spec.media, name=spec.media, installed=True),
            label=spec.label,
            settings=dict(spec.settings),
        )
        for i, spec in enumerate(config.destinations.values(), 1)
    ]
    ts = {t.name: t for t in timeslots}
    fs = {f.name: f for f in filters}
    ds = dict(zip(config.destinations, destinations, strict=True))
    profiles = [
        NotificationProfile(
            pk=i,
            name=name,
            timeslot=ts[spec.timeslot],
            filters=[fs[f] for f in spec.filters],
            destinations=[ds[d] for d in spec.destinations],
            active=spec.active,
        )
        for i, (name, spec) in enumerate(config.notification_profiles.items(), 1)
    ]
    return ServerState(timeslots, filters, destinations, profiles, [Media(slug="email")])


def test_plan_from_nothing_creates_in_dependency_order() -> None:
    config = load_config_file(EXAMPLE)
    plan = compute_plan(config, ServerState(media=[Media(slug="email", installed=True)]))
    kinds = [c.kind for c in plan.changes]
    assert {c.action for c in plan.changes} == {"create"}
    assert kinds.index("notification_profile") > max(
        i for i, k in enumerate(kinds) if k != "notification_profile"
    )
    assert plan.summary() == "7 to create, 0 to update, 0 to delete"
    json.dumps(plan.as_dict())


def test_plan_of_what_is_stored_is_empty() -> None:
    config = load_config_file(EXAMPLE)
    plan = compute_plan(config, _stored(config))
    assert not plan
    assert "no changes" in str(plan)


def test_changed_config_makes_exactly_that_change() -> None:
    config = load_config_file(EXAMPLE)
    state = _stored(config)
    data: dict[str, Any] = {
        "timezone": "Europe/Oslo",
        "server_timezone": "Europe/Oslo",
    }
    raw = __import__("yaml").safe_load(EXAMPLE.read_text())
    data.update(raw)
    data["filters"]["Critical"]["filter"]["maxlevel"] = 3
    plan = compute_plan(parse_config(data), state)
    assert [(c.action, c.kind, c.name) for c in plan.changes] == [("update", "filter", "Critical")]
    assert plan.changes[0].after == {"filter": {"maxlevel": 3, "open": True}}


def test_prune_is_opt_in_and_keeps_used_timeslots() -> None:
    config = parse_config({})
    state = ServerState(
        timeslots=[Timeslot(pk=1, name="All the time", time_recurrences=[])],
        notification_profiles=[
            NotificationProfile(
                pk=5, name="Mine", timeslot=Timeslot(pk=1), filters=[], destinations=[], active=True
            )
        ],
    )
    assert not compute_plan(config, state)
    plan = compute_plan(config, state, prune={"timeslot"})
    assert not plan
    assert "deleting the timeslot would delete the profile" in str(plan)
    plan = compute_plan(config, state, prune=True)
    assert [(c.action, c.kind) for c in plan.changes] == [
        ("delete", "notification_profile"),
        ("delete", "timeslot"),
    ]


def test_yaml_without_pyyaml_names_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "n.yaml"
    path.write_text("{}\n")
    monkeypatch.setitem(__import__("sys").modules, "yaml", None)
    with pytest.raises(ImportError, match=r"argus-api-client\[config\]"):
        load_config_file(path)


def test_json_file_applies_the_same_as_yaml(tmp_path: Path) -> None:
    yaml_config = load_config_file(EXAMPLE)
    path = tmp_path / "n.json"
    path.write_text(json.dumps(__import__("yaml").safe_load(EXAMPLE.read_text())))
    assert load_config_file(path).notification_profiles == yaml_config.notification_profiles
    assert not compute_plan(load_config_file(path), _stored(yaml_config))
