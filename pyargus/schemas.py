"""marshmallow schemas: the Argus v2 wire format of every model.

Schemas are used through the module-level instances at the bottom (a
schema instance is expensive to build; uplink would build one per call if
given a class). Server-owned fields are ``load_only``: read, never sent.
Unknown fields from the server are ignored.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, post_dump

from . import fields as argus_fields
from .fastschema import FastSchema
from .models import STATELESS, Acknowledgement, Event, Incident, Page

__all__ = [
    "acknowledgement",
    "acknowledgements",
    "event",
    "events",
    "incident",
    "incident_page",
    "incident_patch",
]


class ArgusSchema(FastSchema):
    """Base: ignore unknown fields; load into :attr:`model`; send no ``None``."""

    class Meta:
        unknown = EXCLUDE

    @post_dump
    def _drop_unset(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return {key: value for key, value in data.items() if value is not None}


class EditableIncidentSchema(ArgusSchema):
    """The incident fields a client may change: the body of ``PATCH incidents/<pk>/``.

    Dumped from a dict of the fields to change; only those are sent.
    """

    details_url = fields.String()
    description = fields.String()
    level = fields.Integer()
    ticket_url = fields.String()
    tags = argus_fields.TagList()
    metadata = fields.Raw()

    @post_dump
    def _drop_unset(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        return data


class IncidentSchema(EditableIncidentSchema):
    """An incident; dumping gives the body of ``POST incidents/``."""

    model = Incident

    pk = fields.Integer(load_only=True)
    start_time = argus_fields.DateTime()
    end_time = argus_fields.EndTime()
    source = argus_fields.Source()
    source_incident_id = fields.String()
    stateful = fields.Boolean(load_only=True)
    open = fields.Boolean(load_only=True)
    acked = fields.Boolean(load_only=True)

    def make_model(self, data: dict[str, Any]) -> Incident:
        incident = super().make_model(data)
        incident._mark_loaded()
        return incident

    @post_dump(pass_original=True)
    def _drop_unset(self, data: dict[str, Any], original: Any, **kwargs: Any) -> dict[str, Any]:
        body = {key: value for key, value in data.items() if value is not None}
        if getattr(original, "end_time", None) is STATELESS:
            body["end_time"] = None
        if getattr(original, "_loaded", None) is not None:
            # Read from Argus: its source is a fact, not a superuser's choice.
            body.pop("source", None)
        body.setdefault("tags", [])  # Argus requires tags on create
        return body


class EventSchema(ArgusSchema):
    """An event; dumping gives the body of ``POST incidents/<pk>/events/``."""

    model = Event

    pk = fields.Integer(load_only=True)
    actor = argus_fields.Actor(load_only=True)
    description = fields.String()
    incident = fields.Integer(load_only=True)
    received = argus_fields.DateTime(load_only=True)
    timestamp = argus_fields.DateTime()
    type = argus_fields.EventType()


class AcknowledgementSchema(ArgusSchema):
    """An acknowledgement as Argus returns it."""

    model = Acknowledgement

    pk = fields.Integer(load_only=True)
    event = fields.Nested(EventSchema, load_only=True)
    expiration = argus_fields.DateTime(allow_none=True)


class Results(fields.Field):
    """The ``results`` list of a page, loaded with one schema instance."""

    def __init__(self, schema: Schema, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schema = schema

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list:
        return self.schema.load(value, many=True)


class IncidentPageSchema(ArgusSchema):
    """A page of ``GET incidents/`` or ``incidents/mine/``."""

    model = Page

    next = fields.String(allow_none=True, load_default=None)
    previous = fields.String(allow_none=True, load_default=None)
    results = Results(IncidentSchema(), required=True)


incident = IncidentSchema()
incident_patch = EditableIncidentSchema()
incident_page = IncidentPageSchema()
event = EventSchema()
events = EventSchema(many=True)
acknowledgement = AcknowledgementSchema()
acknowledgements = AcknowledgementSchema(many=True)
