"""FastSchema must load exactly what marshmallow's own load would."""

from dataclasses import dataclass, field

import marshmallow
import pytest
from marshmallow import EXCLUDE, INCLUDE, ValidationError, fields, validate, validates_schema
from marshmallow import Schema as PlainSchema

from pyargus import schemas
from pyargus.fastschema import FastSchema
from pyargus.models import Tags

from .wire import incident_json


@dataclass
class Thing:
    name: str = None
    count: int = None
    ratio: float = None
    flag: bool = None
    extra: object = None
    label: str = None


class ThingSchema(FastSchema):
    model = Thing

    class Meta:
        unknown = EXCLUDE

    name = fields.String(required=True)
    count = fields.Integer()
    ratio = fields.Float()
    flag = fields.Boolean()
    extra = fields.Raw(allow_none=True)
    label = fields.String(data_key="Label", load_default="none")


thing = ThingSchema()


def test_compiled_load_gives_the_model():
    loaded = thing.load(
        {"name": "a", "count": 2, "ratio": 1, "flag": True, "extra": [1], "Label": "x"}
    )
    assert loaded == Thing(name="a", count=2, ratio=1, flag=True, extra=[1], label="x")
    assert thing._plan is not None


def test_defaults_none_and_data_keys():
    assert thing.load({"name": "a", "extra": None}) == Thing(name="a", extra=None, label="none")


def test_loose_values_go_through_marshmallow_conversion():
    assert thing.load({"name": "a", "count": "3", "flag": "true", "ratio": "0.5"}) == Thing(
        name="a", count=3, flag=True, ratio=0.5, label="none"
    )


@pytest.mark.parametrize(
    "data",
    [
        {"count": 1},  # required name missing
        {"name": 5},
        {"name": "a", "count": "many"},
        {"name": None},
        "not a dict",
    ],
)
def test_bad_input_raises_marshmallows_own_errors(data):
    with pytest.raises(ValidationError) as fast:
        thing.load(data)

    class Plain(PlainSchema):
        class Meta:
            unknown = EXCLUDE

        name = fields.String(required=True)
        count = fields.Integer()
        ratio = fields.Float()
        flag = fields.Boolean()
        extra = fields.Raw(allow_none=True)
        label = fields.String(data_key="Label", load_default="none")

    with pytest.raises(ValidationError) as plain:
        Plain().load(data)
    assert fast.value.messages == plain.value.messages


def test_many_and_many_errors():
    assert thing.load([{"name": "a"}, {"name": "b"}], many=True)[1].name == "b"
    with pytest.raises(ValidationError) as info:
        thing.load([{"name": "a"}, {"count": 1}], many=True)
    assert 1 in info.value.messages
    with pytest.raises(ValidationError):
        thing.load({"name": "a"}, many=True)


def test_partial_and_unknown_use_marshmallow():
    assert thing.load({"count": 1}, partial=True).count == 1
    with pytest.raises(ValidationError):
        thing.load({"name": "a", "bogus": 1}, unknown="raise")


class Validated(FastSchema):
    name = fields.String(validate=validate.Length(max=3))
    computed = fields.String(load_default=lambda: "made")


class SchemaValidated(FastSchema):
    name = fields.String()

    @validates_schema
    def check(self, data, **kwargs):
        if data.get("name") == "bad":
            raise ValidationError("bad name")


class Including(FastSchema):
    class Meta:
        unknown = INCLUDE

    name = fields.String()


def test_field_validators_and_callable_defaults_are_honoured():
    schema = Validated()
    assert schema.load({"name": "abc"}) == {"name": "abc", "computed": "made"}
    with pytest.raises(ValidationError):
        schema.load({"name": "abcd"})


def test_schemas_with_schema_validators_or_include_are_not_compiled():
    assert SchemaValidated()._plan is None
    with pytest.raises(ValidationError):
        SchemaValidated().load({"name": "bad"})
    assert Including()._plan is None
    assert Including().load({"name": "a", "x": 1}) == {"name": "a", "x": 1}


def test_incident_fast_and_marshmallow_paths_agree():
    data = incident_json()
    fast = schemas.incident.load(data)
    slow = schemas.IncidentSchema().load(data, partial=())  # partial forces marshmallow's path
    assert fast == slow
    assert fast._loaded == slow._loaded


# The generated loaders (one function per schema, see FastSchema._compile).


def marshmallow_load(schema, data, **kwargs):
    """What marshmallow's own path gives (``partial=()`` skips the compiled one)."""
    return schema.load(data, partial=(), **kwargs)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"end_time": None},
        {"end_time": "2026-11-27T10:00:00.5+01:00"},
        {"start_time": "2026-11-27T09:00:00Z"},
        {"tags": []},
        {"tags": ["a=1", "b=", "c=x=y"]},
        {"metadata": {"nested": {"list": [1, {"x": None}]}, "n": 1.5}},
        {"metadata": ["a", 1]},
        {"source": {"pk": 1, "name": "s", "type": "plain", "user": 2, "base_url": ""}},
        {"description": ""},
    ],
)
def test_generated_incident_loader_agrees_with_marshmallow(changes):
    data = incident_json(**changes)
    fast = schemas.incident._plan(data)  # the generated function itself: no fallback
    slow = marshmallow_load(schemas.IncidentSchema(), data)
    assert fast == slow
    assert fast._loaded == slow._loaded
    assert vars(fast) == vars(slow)


@pytest.mark.parametrize("missing_field", ["metadata", "end_time", "source"])
def test_generated_loader_leaves_absent_fields_none(missing_field):
    data = incident_json()
    del data[missing_field]
    fast = schemas.incident._plan(data)
    assert getattr(fast, missing_field) is None
    assert fast == marshmallow_load(schemas.IncidentSchema(), data)


def test_an_incident_without_tags_loads_with_empty_tags():
    # Every loaded incident has its Tags (typed as set: see docs/typing.rst).
    data = incident_json()
    del data["tags"]
    fast = schemas.incident._plan(data)
    slow = marshmallow_load(schemas.IncidentSchema(), data)
    assert type(fast.tags) is Tags and type(slow.tags) is Tags
    assert fast.tags == slow.tags == Tags()
    assert fast.changed_fields() == {}


@pytest.mark.parametrize("missing_field", ["pk", "start_time"])
def test_an_incident_without_its_identity_does_not_load(missing_field):
    data = incident_json()
    del data[missing_field]
    with pytest.raises(ValidationError) as info:
        schemas.incident.load(data)
    assert info.value.messages == {missing_field: ["Missing data for required field."]}


def test_generated_code_is_kept_for_debugging():
    source = schemas.incident._plan.__source__
    assert source.startswith("def load_one(data):")
    assert "fromisoformat" not in source  # fields are called, not inlined


def test_many_loads_unusual_items_with_marshmallow_only():
    good = {"name": "a", "count": 1}
    loose = {"name": "b", "count": "2"}  # marshmallow converts "2"
    assert thing.load([good, loose, good], many=True) == [
        Thing(name="a", count=1, label="none"),
        Thing(name="b", count=2, label="none"),
        Thing(name="a", count=1, label="none"),
    ]


def test_many_errors_name_the_index_as_marshmallow_does():
    with pytest.raises(ValidationError) as info:
        thing.load([{"name": "a"}, {"name": "b", "count": "x"}, {"name": 1}], many=True)
    assert set(info.value.messages) == {1, 2}


class Nullable(FastSchema):
    class Meta:
        unknown = EXCLUDE

    raw = fields.Raw()
    raw_or_none = fields.Raw(allow_none=True)
    ratio = fields.Float()
    made = fields.String(load_default=lambda: "made")
    named = fields.Integer(attribute="renamed")


def test_null_is_refused_where_marshmallow_refuses_it():
    schema = Nullable()
    assert schema.load({"raw_or_none": None}) == {"raw_or_none": None, "made": "made"}
    with pytest.raises(ValidationError) as info:
        schema.load({"raw": None})
    assert info.value.messages == {"raw": ["Field may not be null."]}


def test_floats_callable_defaults_and_attributes_are_loaded_as_marshmallow_does():
    schema = Nullable()
    loaded = schema.load({"ratio": 2, "named": 3})
    assert loaded == marshmallow_load(Nullable(), {"ratio": 2, "named": 3})
    assert loaded == {"ratio": 2.0, "made": "made", "renamed": 3}
    assert type(loaded["ratio"]) is float
    assert schema._plan({"ratio": 2.5}) == {"ratio": 2.5, "made": "made"}


class CustomMake(FastSchema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String()

    def make_model(self, data):
        return ("made", data)


class Finished(FastSchema):
    model = Thing

    class Meta:
        unknown = EXCLUDE

    name = fields.String()

    def finish_model(self, obj):
        obj.label = "finished"
        return obj


def test_make_model_and_finish_model_overrides_are_used_by_the_generated_loader():
    assert CustomMake()._plan({"name": "a"}) == ("made", {"name": "a"})
    assert Finished()._plan({"name": "a"}) == Thing(name="a", label="finished")
    assert marshmallow_load(Finished(), {"name": "a"}) == Thing(name="a", label="finished")


class ExtraPostLoad(FastSchema):
    name = fields.String()

    @marshmallow.post_load
    def shout(self, data, **kwargs):
        return data.upper() if isinstance(data, str) else data


def test_schemas_with_other_post_load_hooks_are_not_compiled():
    assert ExtraPostLoad()._plan is None


class FieldDeserialize(FastSchema):
    class Meta:
        unknown = EXCLUDE

    when = fields.DateTime()  # a marshmallow field without fast_deserialize
    upper = fields.Function(deserialize=lambda value: value.upper())


def test_other_fields_use_their_own_deserialize():
    schema = FieldDeserialize()
    loaded = schema._plan({"when": "2026-01-01T00:00:00+00:00", "upper": "a"})
    assert loaded == marshmallow_load(
        FieldDeserialize(), {"when": "2026-01-01T00:00:00+00:00", "upper": "a"}
    )
    with pytest.raises(ValidationError):
        schema.load({"when": "never"})


class ValidatedExcluding(FastSchema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(validate=validate.Length(max=3))
    upper = fields.String(pre_load=str.upper)


def test_fields_with_validators_or_processors_use_marshmallows_field_logic():
    schema = ValidatedExcluding()
    assert schema._plan is not None
    assert schema._plan({"name": "abc", "upper": "x"}) == {"name": "abc", "upper": "X"}
    with pytest.raises(ValidationError):
        schema.load({"name": "abcd"})


# Deferred lists: items loaded one by one as they are iterated (for pagination).


@dataclass
class Defaulted:
    name: str = None
    level: int = 5
    labels: list = field(default_factory=list)
    checked: bool = False

    def __post_init__(self):
        if not 1 <= self.level <= 5:
            raise ValueError(f"level {self.level} is not 1-5")
        self.checked = True


class DefaultedSchema(FastSchema):
    model = Defaulted

    class Meta:
        unknown = EXCLUDE

    name = fields.String()
    level = fields.Integer()
    labels = fields.List(fields.String())


def test_loaded_models_get_dataclass_defaults_and_post_init_on_both_paths():
    schema = DefaultedSchema()
    assert schema._plan is not None
    fast = schema.load({"name": "x"})
    assert fast == Defaulted(name="x", level=5, labels=[], checked=True)
    assert fast == marshmallow_load(DefaultedSchema(), {"name": "x"})
    other = schema.load({"name": "y"})
    assert other.labels is not fast.labels  # a fresh default per object
    assert schema.load({"level": 2, "labels": ["a"]}) == Defaulted(
        level=2, labels=["a"], checked=True
    )


def test_a_post_init_complaint_is_a_validation_error_on_both_paths():
    with pytest.raises(ValidationError, match="level 99 is not 1-5"):
        DefaultedSchema().load({"name": "x", "level": 99})
    with pytest.raises(ValidationError, match="level 99 is not 1-5"):
        marshmallow_load(DefaultedSchema(), {"name": "x", "level": 99})


class Buggy(fields.Field):
    def fast_deserialize(self, value):
        raise ZeroDivisionError("a bug in a fast path")


class BuggySchema(FastSchema):
    class Meta:
        unknown = EXCLUDE

    value = Buggy()


def test_a_bug_in_a_fast_path_is_not_hidden_by_a_fallback():
    with pytest.raises(ZeroDivisionError, match="a bug in a fast path"):
        BuggySchema().load({"value": 1})


def test_the_off_switch_loads_everything_with_marshmallow(tmp_path):
    import os
    import subprocess
    import sys

    code = (
        "from pyargus import fastschema, schemas\n"
        "from tests.wire import incident_json\n"
        "assert fastschema.ENABLED is False\n"
        "assert schemas.incident._plan is None\n"
        "incident = schemas.incident.load(incident_json(pk=7))\n"
        "print(incident.pk, incident.tags['host'])\n"
    )
    env = {**os.environ, "PYARGUS_FAST": "0"}
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "7"


def test_incident_and_event_bodies_follow_the_one_dump_policy():
    from datetime import datetime, timezone

    from pyargus.models import STATELESS, Event, Incident, SourceSystem, Tags

    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert schemas.incident.dump(Incident(start_time=when, level=2)) == {
        "start_time": "2026-01-01T00:00:00+00:00",
        "level": 2,
        "tags": [],
    }
    body = schemas.incident.dump(
        Incident(start_time=when, end_time=STATELESS, source=SourceSystem(pk=3), tags=Tags(a="1"))
    )
    assert body == {
        "start_time": "2026-01-01T00:00:00+00:00",
        "end_time": None,
        "source": 3,
        "tags": [{"tag": "a=1"}],
    }
    fetched = schemas.incident.load(incident_json())
    assert "source" not in schemas.incident.dump(fetched)
    event = Event(type="END", timestamp=when, description="done")
    assert schemas.event.dump(event) == {
        "type": "END",
        "timestamp": "2026-01-01T00:00:00+00:00",
        "description": "done",
    }
    assert schemas.acknowledgement_expiration.dump({"expiration": None}) == {"expiration": None}
    assert schemas.incident_patch.dump({"level": 3}) == {"level": 3}
