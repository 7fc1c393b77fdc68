"""Wire format: every model loads from Argus' JSON and dumps to the body Argus wants."""

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError

from pyargus import schemas
from pyargus.exceptions import InvalidArgumentError
from pyargus.models import (
    INFINITY,
    STATELESS,
    Acknowledgement,
    Event,
    Fetched,
    Incident,
    SourceSystem,
    Tags,
    TagsField,
)

from .wire import ack_json, event_json, incident_json, page_json

OSLO = timezone(timedelta(hours=1))


class TestIncidentLoad:
    def test_every_field(self):
        incident = schemas.incident.load(incident_json())
        assert isinstance(incident, Incident)
        assert incident.pk == 1
        assert incident.start_time == datetime(2026, 11, 27, 9, 45, 32, 365835, tzinfo=OSLO)
        assert incident.start_time.utcoffset() == timedelta(hours=1)
        assert incident.end_time is INFINITY
        assert incident.end_time == datetime.max
        assert incident.source == SourceSystem(
            pk=2, name="testsource", type="argus", user=3, base_url=""
        )
        assert incident.source_incident_id == "lab-1"
        assert incident.details_url == "https://example.org/lab-1"
        assert incident.description == "Lab incident 1"
        assert incident.level == 2
        assert incident.ticket_url == ""
        assert incident.tags == Tags([("host", "a.example.org"), ("org", "uni"), ("org", "dept")])
        assert incident.tags.getlist("org") == ["uni", "dept"]
        assert (incident.stateful, incident.open, incident.acked) == (True, True, False)
        assert incident.metadata == {}

    def test_null_end_time_is_stateless_and_datetimes_are_datetimes(self):
        assert schemas.incident.load(incident_json(end_time=None)).end_time is STATELESS
        closed = schemas.incident.load(incident_json(end_time="2026-11-27T10:00:00+01:00"))
        assert closed.end_time == datetime(2026, 11, 27, 10, tzinfo=OSLO)

    def test_unknown_fields_are_ignored(self):
        incident = schemas.incident.load(incident_json(brand_new_field=[1, 2], another={"x": 1}))
        assert incident.pk == 1
        assert not hasattr(incident, "brand_new_field")

    def test_missing_optional_fields_are_none(self):
        data = incident_json()
        for name in ("metadata", "ticket_url", "acked"):
            del data[name]
        incident = schemas.incident.load(data)
        assert (incident.metadata, incident.ticket_url, incident.acked) == (None, None, None)

    def test_v3_tag_strings_and_empty_values_load(self):
        incident = schemas.incident.load(incident_json(tags=["a=1", "b=", "c=x=y"]))
        assert incident.tags.allitems() == [("a", "1"), ("b", ""), ("c", "x=y")]

    def test_loaded_incident_remembers_its_editable_values(self):
        incident = schemas.incident.load(incident_json())
        assert incident.changed_fields() == {}
        incident.description = "new"
        assert incident.changed_fields() == {"description": "new"}

    @pytest.mark.parametrize(
        "changes",
        [
            {"start_time": "yesterday"},
            {"start_time": 5},
            {"end_time": "soon"},
            {"tags": "host=a"},
            {"tags": [{"no_tag": 1}]},
            {"source": "nav"},
            {"pk": "one"},
            {"level": "high"},
            {"open": "maybe"},
        ],
    )
    def test_wrong_shapes_raise_validation_error(self, changes):
        with pytest.raises(ValidationError):
            schemas.incident.load(incident_json(**changes))

    def test_not_a_dict(self):
        with pytest.raises(ValidationError):
            schemas.incident.load(["not", "an", "incident"])


class TestIncidentDump:
    def test_only_set_fields_are_sent_and_tags_always(self):
        body = schemas.incident.dump(
            Incident(start_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=OSLO), description="x")
        )
        assert body == {"start_time": "2026-01-02T03:04:05+01:00", "description": "x", "tags": []}

    def test_server_owned_fields_are_not_sent(self):
        incident = schemas.incident.load(incident_json())
        body = schemas.incident.dump(incident)
        for name in ("pk", "stateful", "open", "acked", "source"):
            assert name not in body
        assert body["end_time"] == "infinity"
        assert body["tags"] == [
            {"tag": "host=a.example.org"},
            {"tag": "org=uni"},
            {"tag": "org=dept"},
        ]

    @pytest.mark.parametrize(
        ("end_time", "wire"),
        [
            (INFINITY, "infinity"),
            (datetime.max, "infinity"),
            (datetime.max.replace(tzinfo=timezone.utc), "infinity"),
            (STATELESS, None),
            (datetime(2026, 1, 2, tzinfo=OSLO), "2026-01-02T00:00:00+01:00"),
        ],
    )
    def test_end_time(self, end_time, wire):
        body = schemas.incident.dump(
            Incident(start_time=datetime(2026, 1, 1, tzinfo=OSLO), end_time=end_time)
        )
        assert body["end_time"] == wire

    def test_unset_end_time_is_omitted(self):
        assert "end_time" not in schemas.incident.dump(
            Incident(start_time=datetime(2026, 1, 1, tzinfo=OSLO))
        )

    def test_int_source_incident_id_is_sent_as_string(self):
        body = schemas.incident.dump(
            Incident(start_time=datetime(2026, 1, 1, tzinfo=OSLO), source_incident_id=42)
        )
        assert body["source_incident_id"] == "42"

    def test_source_is_sent_as_pk(self):
        body = schemas.incident.dump(
            Incident(start_time=datetime(2026, 1, 1, tzinfo=OSLO), source=SourceSystem(pk=4))
        )
        assert body["source"] == 4

    def test_non_datetime_is_invalid_argument(self):
        with pytest.raises(InvalidArgumentError, match="start_time"):
            schemas.incident.dump(Incident(start_time="2026-01-01"))


class TestPatch:
    def test_only_given_fields(self):
        assert schemas.incident_patch.dump({"level": 3}) == {"level": 3}
        assert schemas.incident_patch.dump({"tags": Tags(a="1")}) == {"tags": [{"tag": "a=1"}]}
        assert schemas.incident_patch.dump({"tags": {"a": "1"}}) == {"tags": [{"tag": "a=1"}]}
        assert schemas.incident_patch.dump({}) == {}


class TestEvent:
    def test_load(self):
        event = schemas.event.load(event_json())
        assert event == Event(
            pk=12,
            actor="testsource",
            description="resolved",
            incident=1,
            received=datetime(2026, 11, 27, 9, 50, 33, 435248, tzinfo=OSLO),
            timestamp=datetime(2026, 11, 27, 9, 50, 32, 365835, tzinfo=OSLO),
            type="END",
        )

    def test_load_many(self):
        events = schemas.events.load(
            [event_json(), event_json(pk=13, type={"value": "STA", "display": "x"})]
        )
        assert [(e.pk, e.type) for e in events] == [(12, "END"), (13, "STA")]

    def test_dump_is_type_timestamp_description(self):
        body = schemas.event.dump(
            Event(
                pk=1,
                actor="me",
                type="OTH",
                timestamp=datetime(2026, 1, 1, tzinfo=OSLO),
                description="d",
            )
        )
        assert body == {"type": "OTH", "timestamp": "2026-01-01T00:00:00+01:00", "description": "d"}

    def test_unknown_type_is_invalid_argument(self):
        with pytest.raises(InvalidArgumentError, match="unknown event type"):
            schemas.event.dump(Event(type="XXX"))

    def test_bad_actor_and_type_shapes(self):
        with pytest.raises(ValidationError):
            schemas.event.load(event_json(actor=5))
        with pytest.raises(ValidationError):
            schemas.event.load(event_json(type={"display": "no value"}))
        assert schemas.event.load(event_json(actor="plain")).actor == "plain"
        assert schemas.event.load(event_json(type="END")).type == "END"


class TestAcknowledgement:
    def test_load(self):
        ack = schemas.acknowledgement.load(ack_json())
        assert isinstance(ack, Acknowledgement)
        assert ack.pk == 13
        assert ack.event.type == "ACK"
        assert ack.event.actor == "admin"
        assert ack.expiration == datetime(2026, 11, 27, 11, 6, 37, 924008, tzinfo=OSLO)

    def test_no_expiration(self):
        assert schemas.acknowledgements.load([ack_json(expiration=None)])[0].expiration is None


class TestPage:
    def test_load(self):
        page = schemas.incident_page.load(
            page_json(
                [incident_json(pk=2), incident_json(pk=1)],
                next_url="http://h/api/v2/incidents/?cursor=x",
            )
        )
        assert [i.pk for i in page.results] == [2, 1]
        assert page.next == "http://h/api/v2/incidents/?cursor=x"
        assert page.previous is None

    def test_results_are_required(self):
        with pytest.raises(ValidationError):
            schemas.incident_page.load({"next": None})

    def test_a_bad_item_is_reported(self):
        with pytest.raises(ValidationError) as info:
            schemas.incident_page.load(page_json([incident_json(), incident_json(start_time="x")]))
        assert "start_time" in str(info.value.messages)


class TestIncidentSideShapes:
    def test_bulk_changes(self):
        from .wire import bulk_json

        result = schemas.bulk_event_result.load(
            bulk_json("event", {1: event_json()}, missing=(999999,))
        )
        assert list(result) == [999999, 1]
        assert result[1].value == schemas.event.load(event_json())
        assert result[999999].error == "Incident with id 999999 could not be found."

    def test_other_per_incident_errors_are_described(self):
        body = {"changes": {"3": {"ticket_url": None, "status": 400, "errors": {"x": ["bad"]}}}}
        assert schemas.bulk_ticket_url_result.load(body)[3].error == "x: bad"
        body = {"changes": {"3": {"ticket_url": None, "status": 500, "errors": None}}}
        assert schemas.bulk_ticket_url_result.load(body)[3].error == "failed with status 500"

    @pytest.mark.parametrize(
        "changes",
        [[], {"x": {"status": 201}}, {"1": {"status": "201"}}, {"1": "ok"}, None],
    )
    def test_bad_bulk_shapes(self, changes):
        with pytest.raises(ValidationError):
            schemas.bulk_acknowledgement_result.load({"changes": changes})

    def test_metadata_with_missing_optional_keys(self):
        meta = schemas.server_metadata.load({"server-version": "2.9.1", "extra": 1})
        assert (meta.server_version, meta.stable_api_version) == ("2.9.1", None)
        assert (meta.ticket_plugin, meta.destination_plugins, meta.schema_urls) == (None, [], {})
        with pytest.raises(ValidationError):
            schemas.server_metadata.load({"api-version": {"stable": "v2"}})

    def test_source_system_type_loads_as_its_name(self):
        source = schemas.source_system.load(
            {"pk": 1, "name": "nav", "type": {"name": "nav"}, "user": 2, "base_url": "", "x": 1}
        )
        assert source == SourceSystem(pk=1, name="nav", type="nav", user=2, base_url="")
        with pytest.raises(ValidationError):
            schemas.source_system.load({"pk": 1, "name": "nav", "type": 5})

    def test_request_bodies(self):
        when = datetime(2026, 1, 1, tzinfo=OSLO)
        assert schemas.acknowledgement_request.dump(
            {"timestamp": when, "description": None, "expiration": None}
        ) == {"timestamp": "2026-01-01T00:00:00+01:00"}
        assert schemas.acknowledgement_expiration.dump({"expiration": None}) == {"expiration": None}
        assert schemas.bulk_event_request.dump(
            {"ids": [1, 2], "event": Event(type="CLO", timestamp=when)}
        ) == {"ids": [1, 2], "event": {"type": "CLO", "timestamp": "2026-01-01T00:00:00+01:00"}}
        assert schemas.ticket_url.dump({"ticket_url": ""}) == {"ticket_url": ""}


def _model_schemas():
    """Every schema instance of pyargus.schemas that loads into a model, by model."""
    found = {}
    for name in schemas.__all__:
        schema = getattr(schemas, name)
        model = getattr(schema, "model", None)
        if isinstance(schema, schemas.ArgusSchema) and model is not None:
            found.setdefault(model, schema)
    return found


@pytest.mark.parametrize("model", sorted(_model_schemas(), key=lambda m: m.__name__), ids=str)
def test_fields_typed_as_set_are_set_on_every_loaded_object(model):
    # Fetched/TagsField fields are typed as always set when read (docs/typing.rst):
    # the schema must make an answer without them a load error, or fill them.
    schema = _model_schemas()[model]
    for name, attribute in vars(model).items():
        if isinstance(attribute, TagsField):
            assert schema.load_fields[name].load_default is Tags, f"{model.__name__}.{name}"
        elif isinstance(attribute, Fetched):
            assert schema.load_fields[name].required, f"{model.__name__}.{name}"


def test_every_model_with_required_fields_types_them_as_set():
    # ...and the other way round: what loading guarantees, the types say.
    checked = 0
    for model, schema in _model_schemas().items():
        types = {f.name: str(f.type) for f in dataclasses.fields(model)}
        for name, field in schema.load_fields.items():
            if field.required and "None" in types.get(name, ""):  # typed as optional
                checked += 1
                assert isinstance(vars(model).get(name), Fetched), f"{model.__name__}.{name}"
    assert checked == 0


def test_an_incident_whose_source_has_no_pk_does_not_load():
    data = incident_json()
    del data["source"]["pk"]
    with pytest.raises(ValidationError) as info:
        schemas.incident.load(data)
    assert "source" in info.value.messages
