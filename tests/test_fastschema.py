"""FastSchema must load exactly what marshmallow's own load would."""

from dataclasses import dataclass

import marshmallow
import pytest
from marshmallow import EXCLUDE, INCLUDE, ValidationError, fields, validate, validates_schema
from marshmallow import Schema as PlainSchema

from pyargus import schemas
from pyargus.fastschema import FastSchema

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


@pytest.mark.parametrize("missing_field", ["pk", "metadata", "tags", "end_time", "source"])
def test_generated_loader_leaves_absent_fields_none(missing_field):
    data = incident_json()
    del data[missing_field]
    fast = schemas.incident._plan(data)
    assert getattr(fast, missing_field) is None
    assert fast == marshmallow_load(schemas.IncidentSchema(), data)


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


def test_deferred_lists_load_the_same_items_lazily():
    from pyargus.fastschema import DeferredList, deferred_lists

    data = [incident_json(pk=1), incident_json(pk=2, end_time=None), incident_json(pk=3)]
    eager = schemas.incident.load(data, many=True)
    with deferred_lists():
        deferred = schemas.incident.load(data, many=True)
    assert isinstance(deferred, DeferredList)
    assert len(deferred) == 3 and "3 IncidentSchema items" in repr(deferred)
    items = iter(deferred)
    assert next(items) == eager[0]
    assert data[0] is None  # the wire item is released once loaded
    assert list(items) == eager[1:]
    assert list(deferred) == []  # iterable once
    assert schemas.incident.load([incident_json()], many=True)[0].pk == 1  # only inside


def test_deferred_lists_load_unusual_items_with_marshmallow_and_report_bad_ones():
    from pyargus.fastschema import deferred_errors, deferred_lists

    loose = incident_json(pk="7")  # marshmallow converts "7"
    bad = incident_json(level="high")
    with deferred_lists():
        items = iter(schemas.incident.load([loose, bad], many=True))
    assert next(items).pk == 7
    with pytest.raises(ValidationError) as info:
        next(items)
    assert info.value.messages == {1: {"level": ["Not a valid integer."]}}

    def make_error(index, error):
        return LookupError(index, error.messages)

    with deferred_lists(), deferred_errors(make_error):
        items = iter(schemas.incident.load([bad], many=True))
    with pytest.raises(LookupError) as info:
        next(items)
    assert info.value.args == (0, {0: {"level": ["Not a valid integer."]}})


# Generated dump loops: the same output as marshmallow's own _serialize.


def marshmallow_dump(schema, obj, many=False):
    """What marshmallow's own per-field loop gives, with the schema's processors."""
    cls = type(schema)
    own = vars(cls).get("_serialize")
    cls._serialize = PlainSchema._serialize
    try:
        return schema.dump(obj, many=many)
    finally:
        if own is None:
            del cls._serialize
        else:
            cls._serialize = own


def test_generated_incident_dumps_agree_with_marshmallow():
    from datetime import datetime, timezone

    from pyargus.models import INFINITY, STATELESS, Event, Incident, SourceSystem, Tags

    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    incidents = [
        Incident(start_time=when, tags=Tags(a="1", b="2"), level=2, metadata={"k": [1]}),
        Incident(start_time=when, end_time=STATELESS, description="d", source=SourceSystem(pk=3)),
        Incident(start_time=when, end_time=INFINITY, source=4, ticket_url="", details_url="x"),
        schemas.incident.load(incident_json()),
    ]
    assert schemas.incident._dump_plan is not None
    for incident in incidents:
        assert schemas.incident.dump(incident) == marshmallow_dump(schemas.incident, incident)
    assert schemas.incident.dump(incidents, many=True) == marshmallow_dump(
        schemas.incident, incidents, many=True
    )
    changes = {"level": 3, "tags": Tags(c="3"), "description": None}
    assert schemas.incident_patch.dump(changes) == marshmallow_dump(schemas.incident_patch, changes)
    event = Event(type="END", timestamp=when, description="done")
    assert (
        schemas.event.dump(event)
        == marshmallow_dump(schemas.event, event)
        == {
            "type": "END",
            "timestamp": "2026-01-01T00:00:00+00:00",
            "description": "done",
        }
    )


class Dumped(FastSchema):
    class Meta:
        unknown = EXCLUDE

    name = fields.String(data_key="Name")
    count = fields.Integer(attribute="number")
    label = fields.String(dump_default="none")
    stamp = fields.String(dump_default=lambda: "made")
    ratio = fields.Float()


def test_generated_dumps_read_values_as_marshmallow_does():
    schema = Dumped()
    thing = Thing(name="a", ratio=1)
    thing.number = 7
    for obj in (thing, {"name": "b", "number": 2, "label": "l"}, {}):
        assert schema.dump(obj) == marshmallow_dump(schema, obj)
    assert schema.dump({"name": "b", "number": 2}) == {
        "Name": "b",
        "count": 2,
        "label": "none",
        "stamp": "made",
    }


class MethodDumped(FastSchema):
    name = fields.String()
    shout = fields.Method("make_shout")

    def make_shout(self, obj):
        return obj["name"].upper()


class AttributeDumped(FastSchema):
    name = fields.String()

    def get_attribute(self, obj, attr, default):
        return "always"


def test_schemas_that_read_values_differently_dump_with_marshmallow():
    assert MethodDumped()._dump_plan is None
    assert MethodDumped().dump({"name": "a"}) == {"name": "a", "shout": "A"}
    assert AttributeDumped()._dump_plan is None
    assert AttributeDumped().dump({"name": "a"}) == {"name": "always"}
