import copy
import dataclasses
import pickle
from datetime import datetime, timedelta, timezone

import pytest

from pyargus.exceptions import InvalidArgumentError, InvalidTagError
from pyargus.models import (
    EDITABLE_INCIDENT_FIELDS,
    INFINITY,
    STATELESS,
    Acknowledgement,
    Event,
    Incident,
    SourceSystem,
    Tags,
)

OSLO = timezone(timedelta(hours=1))


def names(model):
    return [f.name for f in dataclasses.fields(model)]


class TestInfinity:
    def test_equals_naive_and_aware_datetime_max(self):
        assert datetime.max == INFINITY
        assert datetime.max == INFINITY
        assert datetime.max.replace(tzinfo=timezone.utc) == INFINITY
        assert datetime.max.replace(tzinfo=OSLO) == INFINITY
        assert datetime(2026, 1, 1) != INFINITY
        assert datetime(2026, 1, 1, tzinfo=timezone.utc) != INFINITY

    def test_is_later_than_any_datetime_naive_or_aware(self):
        aware = datetime(2026, 1, 1, tzinfo=OSLO)
        naive = datetime(2026, 1, 1)
        assert aware < INFINITY and naive < INFINITY
        assert aware < INFINITY and naive < INFINITY
        assert aware <= INFINITY and naive <= INFINITY
        assert not aware > INFINITY
        assert not datetime.max < INFINITY
        assert datetime.max >= INFINITY and datetime.max <= INFINITY
        assert max([aware, INFINITY]) is INFINITY

    def test_is_aware_and_hashes_like_datetime_max(self):
        assert INFINITY.tzinfo is timezone.utc
        assert hash(INFINITY) == hash(datetime.max)
        assert {datetime.max: "x"}[INFINITY] == "x"

    def test_identity_survives_copy_and_pickle(self):
        assert copy.copy(INFINITY) is INFINITY
        assert copy.deepcopy(INFINITY) is INFINITY
        assert pickle.loads(pickle.dumps(INFINITY)) is INFINITY

    def test_repr_and_str(self):
        assert repr(INFINITY) == "INFINITY"
        assert str(INFINITY) == "infinity"

    def test_not_equal_to_non_datetimes(self):
        assert INFINITY != "infinity"
        assert INFINITY is not None


class TestStateless:
    def test_is_a_singleton_sentinel(self):
        assert repr(STATELESS) == "STATELESS"
        assert copy.deepcopy(STATELESS) is STATELESS
        assert pickle.loads(pickle.dumps(STATELESS)) is STATELESS
        assert type(STATELESS)() is STATELESS
        assert STATELESS is not None


class TestTags:
    def test_from_dict_pairs_strings_and_kwargs(self):
        assert Tags({"host": "a"}) == Tags([("host", "a")]) == Tags(["host=a"]) == Tags(host="a")

    def test_keeps_repeated_keys(self):
        tags = Tags([("org", "uni"), ("org", "dept"), ("host", "a")])
        assert tags.getlist("org") == ["uni", "dept"]
        assert tags["org"] == "dept"  # the last value, like dict(pairs)
        assert dict(tags) == {"org": "dept", "host": "a"}
        assert list(tags) == ["org", "host"]
        assert len(tags) == 2
        assert tags.allitems() == [("org", "uni"), ("org", "dept"), ("host", "a")]
        assert list(tags.lists()) == [("org", ["uni", "dept"]), ("host", ["a"])]
        assert tags.to_dict() == {"org": ["uni", "dept"], "host": "a"}

    def test_dict_of_lists_means_repeated_keys(self):
        assert Tags({"org": ["a", "b"]}).getlist("org") == ["a", "b"]

    def test_values_are_stringified(self):
        tags = Tags({"phase": 3, "ratio": 0.5, "ok": True})
        assert tags.allitems() == [("phase", "3"), ("ratio", "0.5"), ("ok", "True")]

    def test_same_pair_is_kept_once(self):
        tags = Tags([("a", "1"), ("a", "1")])
        tags.add("a", 1)
        assert tags.allitems() == [("a", "1")]

    def test_values_may_contain_equals_and_be_empty(self):
        assert Tags(["url=http://x/?a=b", "empty="]).allitems() == [
            ("url", "http://x/?a=b"),
            ("empty", ""),
        ]

    @pytest.mark.parametrize("key", ["Host", "host-name", "", "host name", "hé", 3, None])
    def test_invalid_keys_are_rejected_by_name(self, key):
        with pytest.raises(InvalidTagError, match="invalid tag key"):
            Tags({key: "x"})

    def test_none_value_is_rejected(self):
        with pytest.raises(InvalidTagError, match="no value"):
            Tags({"host": None})

    @pytest.mark.parametrize("bad", ["host=a", b"x", [("a", "b", "c")], ["nodelimiter"], [3]])
    def test_bad_shapes_are_rejected(self, bad):
        with pytest.raises(InvalidTagError):
            Tags(bad)

    def test_invalid_tag_error_is_a_value_error(self):
        assert issubclass(InvalidTagError, ValueError)
        assert issubclass(InvalidTagError, InvalidArgumentError)

    def test_mutation(self):
        tags = Tags(host="a")
        tags["org"] = ["x", "y"]
        tags.add("org", "z")
        assert tags.getlist("org") == ["x", "y", "z"]
        tags["org"] = "only"
        assert tags.getlist("org") == ["only"]
        tags.setlist("host", ["b", "c"])
        assert tags.getlist("host") == ["b", "c"]
        del tags["host"]
        assert "host" not in tags
        with pytest.raises(KeyError):
            del tags["host"]
        with pytest.raises(KeyError):
            tags["nope"]
        assert tags.get("nope") is None
        with pytest.raises(InvalidTagError):
            tags["Bad"] = "x"

    def test_equality_ignores_order_but_not_multiplicity(self):
        assert Tags([("a", "1"), ("b", "2")]) == Tags([("b", "2"), ("a", "1")])
        assert Tags([("a", "1"), ("a", "2")]) != Tags([("a", "2")])
        assert Tags(a="1") == {"a": "1"}
        assert Tags(a="1") == {"a": 1}
        assert Tags(a="1") != {"A": "1"}
        assert Tags(a="1") != [("a", "1")]

    def test_strings_copy_and_repr(self):
        tags = Tags([("a", "1"), ("a", "2")])
        assert tags.strings() == ["a=1", "a=2"]
        other = tags.copy()
        other.add("b", "3")
        assert "b" not in tags
        assert repr(tags) == "Tags([('a', '1'), ('a', '2')])"

    def test_extend_with_tags(self):
        tags = Tags(a="1")
        tags.extend(Tags(b="2"))
        assert tags == Tags(a="1", b="2")


class TestIncident:
    def test_all_seed_field_names(self):
        assert names(Incident) == [
            "pk",
            "start_time",
            "end_time",
            "source",
            "source_incident_id",
            "details_url",
            "description",
            "level",
            "ticket_url",
            "tags",
            "stateful",
            "open",
            "acked",
            "metadata",
        ]
        assert names(SourceSystem) == ["pk", "name", "type", "user", "base_url"]
        assert names(Event) == [
            "pk",
            "actor",
            "description",
            "incident",
            "received",
            "timestamp",
            "type",
        ]
        assert names(Acknowledgement) == ["pk", "event", "expiration"]

    def test_tags_become_tags_on_init_and_assignment(self):
        incident = Incident(tags={"host": "a"})
        assert isinstance(incident.tags, Tags)
        incident.tags = [("org", "x"), ("org", "y")]
        assert incident.tags.getlist("org") == ["x", "y"]
        with pytest.raises(InvalidTagError):
            Incident(tags={"Bad Key": "x"})

    @pytest.mark.parametrize("level", [0, 6, "2", 2.0, True])
    def test_level_is_checked(self, level):
        with pytest.raises(InvalidArgumentError, match="level"):
            Incident(level=level)

    def test_is_mutable_and_compares_by_value(self):
        incident = Incident(pk=1, open=True)
        incident.open = False
        assert incident == Incident(pk=1, open=False)

    def test_changed_fields_of_a_caller_built_incident_are_the_set_ones(self):
        incident = Incident(pk=1, level=2, description="x")
        assert incident.changed_fields() == {"level": 2, "description": "x"}

    def test_changed_fields_of_a_loaded_incident_are_the_changed_ones(self):
        incident = Incident(pk=1, level=2, tags={"a": "1"}, metadata={"k": [1]}, ticket_url="")
        incident._mark_loaded()
        assert incident.changed_fields() == {}
        incident.level = 3
        incident.tags.add("b", "2")
        incident.metadata["k"].append(2)
        assert incident.changed_fields() == {
            "level": 3,
            "tags": Tags(a="1", b="2"),
            "metadata": {"k": [1, 2]},
        }


class TestAcknowledgement:
    def test_shortcuts_to_the_event(self):
        when = datetime(2026, 1, 1, tzinfo=timezone.utc)
        ack = Acknowledgement(pk=1, event=Event(timestamp=when, description="d", actor="me"))
        assert (ack.timestamp, ack.description, ack.actor) == (when, "d", "me")
        empty = Acknowledgement()
        assert (empty.timestamp, empty.description, empty.actor) == (None, None, None)


def test_top_level_names_are_the_public_ones():
    import pyargus
    from pyargus.client import Client

    assert pyargus.Client is Client
    assert pyargus.INFINITY is INFINITY
    assert pyargus.__version__
    with pytest.raises(AttributeError):
        pyargus.nothing_here  # noqa: B018


def test_changes_to_empty_or_nested_metadata_of_a_loaded_incident_are_seen():
    incident = Incident(pk=1, metadata={}, tags={"a": "1"})
    incident._mark_loaded()
    incident.metadata["k"] = 1
    assert incident.changed_fields() == {"metadata": {"k": 1}}

    incident = Incident(pk=1, metadata={"k": [{"x": 1}]})
    incident._mark_loaded()
    assert incident.changed_fields() == {}
    incident.metadata["k"][0]["x"] = 2
    assert incident.changed_fields() == {"metadata": {"k": [{"x": 2}]}}


def test_tags_set_on_a_loaded_incident_without_tags_are_a_change():
    incident = Incident(pk=1)
    incident._mark_loaded()
    incident.tags = {}
    assert incident.changed_fields() == {"tags": Tags()}


NEW_VALUES = {
    "tags": Tags(b="2"),
    "details_url": "https://example.org/new",
    "ticket_url": "https://tickets.example.org/2",
    "level": 1,
    "metadata": {"new": True},
    "description": "new",
}


@pytest.mark.parametrize("name", EDITABLE_INCIDENT_FIELDS)
def test_a_change_to_any_editable_field_of_a_loaded_incident_is_seen(name):
    # Tracking is by field name: every editable field is covered, alone.
    incident = Incident(
        pk=1,
        start_time=datetime(2026, 1, 1, tzinfo=timezone.utc),
        tags={"a": "1"},
        level=3,
        details_url="",
        ticket_url="",
        metadata={},
        description="old",
    )
    incident._mark_loaded()
    assert incident.changed_fields() == {}
    assert set(NEW_VALUES) == set(EDITABLE_INCIDENT_FIELDS)
    setattr(incident, name, NEW_VALUES[name])
    assert incident.changed_fields() == {name: NEW_VALUES[name]}
    assert incident.changed_fixed_fields() == []


@pytest.mark.parametrize("name", ["start_time", "end_time", "source_incident_id"])
def test_a_change_to_a_fixed_field_of_a_loaded_incident_is_seen(name):
    incident = Incident(pk=1, start_time=datetime(2026, 1, 1, tzinfo=timezone.utc))
    incident._mark_loaded()
    setattr(incident, name, datetime(2026, 1, 2, tzinfo=timezone.utc) if "time" in name else "x")
    assert incident.changed_fixed_fields() == [name]
    assert incident.changed_fields() == {}
