"""FastSchema must load exactly what marshmallow's own load would."""

from dataclasses import dataclass

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
