"""The fields' fast_deserialize: the same result as _deserialize, or an exception."""

from datetime import datetime, timedelta, timezone

import pytest

from pyargus import fields
from pyargus.fastschema import Fallback
from pyargus.models import INFINITY, STATELESS, SourceSystem, Tags

OSLO = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    "value",
    [
        "2026-11-27T09:45:32.365835+01:00",
        "2026-11-27T09:45:32+01:00",
        "2026-11-27T08:45:32Z",
        "2026-11-27T08:45:32.3658+00:00",
        "2026-11-27T08:45:32",  # naive: UTC
        "infinity",
    ],
)
def test_datetime_fast_path_gives_what_deserialize_gives(value):
    field = fields.DateTime()
    fast = field.fast_deserialize(value)
    assert fast == field._deserialize(value, "t", {})
    assert fast.utcoffset() == field._deserialize(value, "t", {}).utcoffset()


@pytest.mark.parametrize("value", ["yesterday", 5, None, ""])
def test_datetime_fast_path_raises_on_bad_values(value):
    with pytest.raises(Fallback):
        fields.DateTime().fast_deserialize(value)


def test_end_time_fast_path():
    field = fields.EndTime()
    assert field.fast_deserialize(None) is STATELESS
    assert field.fast_deserialize("infinity") is INFINITY
    assert field.fast_deserialize("2026-11-27T10:00:00+01:00") == datetime(
        2026, 11, 27, 10, tzinfo=OSLO
    )


def test_tag_list_fast_path():
    field = fields.TagList()
    loaded = field.fast_deserialize([{"tag": "a=1", "added_by": 3}, {"tag": "b=x=y"}])
    assert isinstance(loaded, Tags)
    assert loaded.allitems() == [("a", "1"), ("b", "x=y")]
    assert field.fast_deserialize(["a=1", "c="]).allitems() == [("a", "1"), ("c", "")]
    assert field.fast_deserialize([]).allitems() == []
    with pytest.raises(Fallback):
        field.fast_deserialize("a=1")
    with pytest.raises(Exception):  # noqa: B017 - any error sends it to marshmallow
        field.fast_deserialize([{"no_tag": 1}])


def test_source_fast_path():
    field = fields.Source()
    wire = {"pk": 2, "name": "s", "type": {"name": "argus"}, "user": 3, "base_url": ""}
    assert field.fast_deserialize(wire) == SourceSystem(2, "s", "argus", 3, "")
    assert field.fast_deserialize(wire) == field._deserialize(wire, "source", {})
    with pytest.raises(Fallback):
        field.fast_deserialize(2)


def test_actor_and_event_type_fast_paths():
    assert fields.Actor().fast_deserialize({"pk": 1, "username": "me"}) == "me"
    assert fields.EventType().fast_deserialize({"value": "END", "display": "x"}) == "END"
    for field, value in [
        (fields.Actor(), "me"),
        (fields.EventType(), "END"),
        (fields.EventType(), {"value": 5}),
    ]:
        with pytest.raises(Fallback):
            field.fast_deserialize(value)
