"""marshmallow schemas: the Argus v2 wire format of every model.

Declarations use the module-level instances at the bottom. Server-owned
fields are ``load_only``: read, never sent; identity fields are
``required``: an answer without them is a
:class:`~pyargus.exceptions.DecodeError`. Unknown fields from the server
are ignored. :class:`ArgusSchema` and :func:`page_schema` are the public
base for schemas of your own (see :doc:`/extending`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_dump

from . import fields as argus_fields
from .exceptions import describe_body
from .fastschema import FastSchema
from .models import (
    STATELESS,
    Acknowledgement,
    BulkItem,
    BulkResult,
    Event,
    ExpiringToken,
    Incident,
    Page,
    ServerMetadata,
    SourceSystem,
    Tags,
    User,
)

__all__ = [
    "ArgusSchema",
    "PageSchema",
    "acknowledgement",
    "acknowledgement_expiration",
    "acknowledgement_request",
    "acknowledgements",
    "bulk_acknowledgement_request",
    "bulk_acknowledgement_result",
    "bulk_event_request",
    "bulk_event_result",
    "bulk_ticket_url_request",
    "bulk_ticket_url_result",
    "count",
    "credentials",
    "event",
    "event_page",
    "events",
    "expiring_token",
    "incident",
    "incident_page",
    "incident_patch",
    "page_schema",
    "server_metadata",
    "source_system",
    "source_system_create",
    "source_system_type",
    "source_system_types",
    "source_system_update",
    "source_systems",
    "tag",
    "tags",
    "ticket_url",
    "user",
]


class ArgusSchema(FastSchema):
    """The public base of pyargus' schemas, and of yours (see :doc:`/extending`).

    * unknown fields from the server are ignored;
    * a schema with :attr:`model` (a dataclass whose fields default to
      ``None`` or have a default) loads into it; without, into a dict;
    * identity fields declared ``required=True`` make an answer without
      them a :class:`~pyargus.exceptions.DecodeError`;
    * dumping sends no ``None`` values, except for the fields named in
      :attr:`send_null`; :meth:`finish_body` may adjust the body further.

    Use instances or classes as return annotations and ``Body(type=...)``
    of declarations (a class is instantiated once per client).
    """

    class Meta:
        unknown = EXCLUDE

    #: Fields whose ``None`` is sent as ``null`` (all others are left out).
    send_null: ClassVar[frozenset[str]] = frozenset()

    @post_dump(pass_original=True)
    def _dump_policy(self, data: dict[str, Any], original: Any, **kwargs: Any) -> dict[str, Any]:
        keep = self.send_null
        body = {key: value for key, value in data.items() if value is not None or key in keep}
        return self.finish_body(body, original)

    def finish_body(self, body: dict[str, Any], original: Any) -> dict[str, Any]:
        """Adjust the dumped *body* of *original* (a hook for subclasses)."""
        return body


class EditableIncidentSchema(ArgusSchema):
    """The incident fields a client may change: the body of ``PATCH incidents/<pk>/``.

    Dumped from a dict of the fields to change; only those are sent.
    """

    details_url = fields.String()
    description = fields.String()
    level = fields.Integer()
    ticket_url = fields.String()
    tags = argus_fields.TagList(load_default=Tags)  # every loaded incident has its Tags
    metadata = fields.Raw()


class IncidentSchema(EditableIncidentSchema):
    """An incident; dumping gives the body of ``POST incidents/``."""

    model = Incident

    pk = fields.Integer(load_only=True, required=True)
    start_time = argus_fields.DateTime(required=True)
    end_time = argus_fields.EndTime()
    source = argus_fields.Source()
    source_incident_id = fields.String()
    stateful = fields.Boolean(load_only=True)
    open = fields.Boolean(load_only=True)
    acked = fields.Boolean(load_only=True)

    def finish_model(self, incident: Incident) -> Incident:
        incident._mark_loaded()
        return incident

    def finish_body(self, body: dict[str, Any], original: Any) -> dict[str, Any]:
        if body.get("ticket_url") == "":
            # No ticket (as read from Argus): Argus' create refuses "" as "not a valid URL".
            del body["ticket_url"]
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

    pk = fields.Integer(load_only=True, required=True)
    actor = argus_fields.Actor(load_only=True)
    description = fields.String()
    incident = fields.Integer(load_only=True)
    received = argus_fields.DateTime(load_only=True)
    timestamp = argus_fields.DateTime(required=True)
    type = argus_fields.EventType(required=True)


class AcknowledgementSchema(ArgusSchema):
    """An acknowledgement as Argus returns it."""

    model = Acknowledgement

    pk = fields.Integer(load_only=True, required=True)
    event = fields.Nested(EventSchema, load_only=True, required=True)
    expiration = argus_fields.DateTime(allow_none=True)


class Results(fields.Field[list[Any]]):
    """The ``results`` list of a page, loaded with one schema instance."""

    def __init__(self, schema: Schema, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schema = schema

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValidationError(f"Not a list: {type(value).__name__}.")
        loaded: list[Any] = self.schema.load(value, many=True)
        return loaded


class PageSchema(ArgusSchema):
    """A cursor page ``{"next", "previous", "results": [...]}`` → :class:`~pyargus.models.Page`.

    Build one for an item schema with :func:`page_schema`.
    """

    model = Page

    next = fields.String(allow_none=True, load_default=None)
    previous = fields.String(allow_none=True, load_default=None)


def page_schema(item: Schema) -> PageSchema:
    """A schema of cursor pages whose ``results`` are loaded with *item*.

    For declarations of paginated endpoints (``pyargus.pagination.iterate``
    follows their pages)::

        @uplink.get("things/")
        def list_things(self, **params: QueryMap) -> page_schema(ThingSchema()): ...
    """
    name = f"{type(item).__name__.removesuffix('Schema')}PageSchema"
    cls: type[PageSchema] = type(name, (PageSchema,), {"results": Results(item, required=True)})
    return cls()


class CountSchema(ArgusSchema):
    """``{"count": N, "params": {...}}`` of ``GET incidents/?count`` → ``N``."""

    count = fields.Integer(required=True)

    def make_model(self, data: dict[str, Any]) -> int:
        count: int = data["count"]
        return count


# Acknowledgements


class AcknowledgementRequestSchema(ArgusSchema):
    """The flat body of ``POST incidents/<pk>/acks/`` (dumped from a dict)."""

    timestamp = argus_fields.DateTime(required=True)
    description = fields.String()
    expiration = argus_fields.DateTime()


class AcknowledgementExpirationSchema(ArgusSchema):
    """The body of ``PUT incidents/<pk>/acks/<pk>/``: ``{"expiration": datetime|null}``.

    ``null`` (never expires) is sent explicitly.
    """

    send_null = frozenset({"expiration"})

    expiration = argus_fields.DateTime(allow_none=True, required=True)


# Tags and tickets


class TagSchema(ArgusSchema):
    """One v2 tag ``{"tag": "key=value"}`` ↔ ``(key, value)``."""

    tag = fields.String(required=True)

    def make_model(self, data: dict[str, Any]) -> tuple[str, str]:
        key, _, value = data["tag"].partition("=")
        return (key, value)


class TicketUrlSchema(ArgusSchema):
    """``{"ticket_url": url}`` ↔ the URL (dumped from a dict; ``""`` clears it)."""

    ticket_url = fields.String(required=True)

    def make_model(self, data: dict[str, Any]) -> str:
        url: str = data["ticket_url"]
        return url


# Bulk operations


class BulkChanges(fields.Field[list[BulkItem[Any]]]):
    """The ``changes`` of a bulk answer ``{"<pk>": {key: obj, "status", "errors"}}``.

    Loads a list of :class:`~pyargus.models.BulkItem`, each value loaded
    with *schema* (or taken as is when *schema* is ``None``).
    """

    def __init__(self, key: str, schema: Schema | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.schema = schema

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[BulkItem[Any]]:
        if not isinstance(value, dict):
            raise ValidationError(f"Not a mapping of changes: {value!r}.")
        items: list[BulkItem[Any]] = []
        for pk, change in value.items():
            if not isinstance(change, dict) or not isinstance(change.get("status"), int):
                raise ValidationError(f"Not a change: {change!r}.")
            try:
                incident = int(pk)
            except ValueError:
                raise ValidationError(f"Not an incident id: {pk!r}.") from None
            status = change["status"]
            errors = change.get("errors")
            obj = change.get(self.key)
            if obj is not None and self.schema is not None:
                obj = self.schema.load(obj)
            if errors or not 200 <= status < 300:
                if isinstance(errors, dict) and set(errors) == {"ids"}:
                    errors = errors["ids"]  # "Incident with id N could not be found."
                error = describe_body(errors) or f"failed with status {status}"
                items.append(BulkItem(incident, status, obj, error))
            else:
                items.append(BulkItem(incident, status, obj, None))
        return items


class BulkResultSchema(ArgusSchema):
    """An answer of a bulk endpoint ``{"changes": {...}}`` → :class:`BulkResult`."""

    def make_model(self, data: dict[str, Any]) -> BulkResult[Any]:
        return BulkResult(data["changes"])


class BulkAcknowledgementResultSchema(BulkResultSchema):
    changes = BulkChanges("ack", AcknowledgementSchema(), required=True)


class BulkEventResultSchema(BulkResultSchema):
    changes = BulkChanges("event", EventSchema(), required=True)


class BulkTicketUrlResultSchema(BulkResultSchema):
    changes = BulkChanges("ticket_url", None, required=True)


class BulkAcknowledgementRequestSchema(ArgusSchema):
    """``{"ids": [...], "ack": {...}}`` (dumped from a dict)."""

    ids = fields.List(fields.Integer(), required=True)
    ack = fields.Nested(AcknowledgementRequestSchema, required=True)


class BulkEventRequestSchema(ArgusSchema):
    """``{"ids": [...], "event": {...}}`` (dumped from a dict with an :class:`Event`)."""

    ids = fields.List(fields.Integer(), required=True)
    event = fields.Nested(EventSchema, required=True)


class BulkTicketUrlRequestSchema(ArgusSchema):
    """``{"ids": [...], "ticket_url": url}`` (dumped from a dict)."""

    ids = fields.List(fields.Integer(), required=True)
    ticket_url = fields.String(required=True)


# Source systems


class SourceSystemSchema(ArgusSchema):
    """A source system as Argus returns it (``type`` loads as the type's name)."""

    model = SourceSystem

    pk = fields.Integer(load_only=True, required=True)
    name = fields.String()
    type = argus_fields.TypeName(load_only=True)
    user = fields.Integer(load_only=True, allow_none=True)
    base_url = fields.String(load_only=True, allow_none=True)


class SourceSystemCreateSchema(ArgusSchema):
    """The body of ``POST incidents/sources/`` (dumped from a dict)."""

    name = fields.String(required=True)
    type = fields.String(required=True)
    username = fields.String()
    base_url = fields.String()
    heartbeat_frequency = fields.Integer()


class SourceSystemUpdateSchema(ArgusSchema):
    """The body of ``PUT incidents/sources/<pk>/``: only ``name`` can change."""

    name = fields.String(required=True)


class SourceSystemTypeSchema(ArgusSchema):
    """A source system type ``{"name": "nav"}`` ↔ ``"nav"`` (dumped from a dict)."""

    name = fields.String(required=True)

    def make_model(self, data: dict[str, Any]) -> str:
        name: str = data["name"]
        return name


# Users, tokens and the server


class UserSchema(ArgusSchema):
    """A user (``auth/user/`` adds ``admin_url``)."""

    model = User

    username = fields.String(required=True)
    first_name = fields.String()
    last_name = fields.String()
    email = fields.String()
    admin_url = fields.String(allow_none=True)


class CredentialsSchema(ArgusSchema):
    """The JSON body of ``POST auth/token/login/`` (dumped from a dict)."""

    username = fields.String(required=True)
    password = fields.String(required=True)


class ExpiringTokenSchema(ArgusSchema):
    """``{"expiry": datetime, "token": str}`` → :class:`ExpiringToken`."""

    model = ExpiringToken

    token = fields.String(required=True, load_only=True)
    expiry = argus_fields.DateTime(allow_none=True, load_only=True)


class ServerMetadataSchema(ArgusSchema):
    """``GET /api/`` (hyphenated keys) → :class:`ServerMetadata`."""

    model = ServerMetadata

    server_version = fields.String(data_key="server-version", required=True)
    api_version = fields.Dict(data_key="api-version", load_default=dict)
    jsonapi_schema = fields.Dict(data_key="jsonapi-schema", load_default=dict)
    ticket_plugin = fields.String(allow_none=True, load_default=None)
    destination_plugins = fields.List(fields.String(), allow_none=True, load_default=None)

    def make_model(self, data: dict[str, Any]) -> ServerMetadata:
        api_version = data.get("api_version") or {}
        return ServerMetadata(
            server_version=data["server_version"],
            stable_api_version=api_version.get("stable"),
            ticket_plugin=data.get("ticket_plugin"),
            destination_plugins=list(data.get("destination_plugins") or ()),
            schema_urls=dict(data.get("jsonapi_schema") or {}),
        )


incident = IncidentSchema()
incident_patch = EditableIncidentSchema()
incident_page = page_schema(incident)
event = EventSchema()
events = EventSchema(many=True)
acknowledgement = AcknowledgementSchema()
acknowledgements = AcknowledgementSchema(many=True)
event_page = page_schema(event)
count = CountSchema()
acknowledgement_request = AcknowledgementRequestSchema()
acknowledgement_expiration = AcknowledgementExpirationSchema()
tag = TagSchema()
tags = TagSchema(many=True)
ticket_url = TicketUrlSchema()
bulk_acknowledgement_request = BulkAcknowledgementRequestSchema()
bulk_acknowledgement_result = BulkAcknowledgementResultSchema()
bulk_event_request = BulkEventRequestSchema()
bulk_event_result = BulkEventResultSchema()
bulk_ticket_url_request = BulkTicketUrlRequestSchema()
bulk_ticket_url_result = BulkTicketUrlResultSchema()
source_system = SourceSystemSchema()
source_systems = SourceSystemSchema(many=True)
source_system_create = SourceSystemCreateSchema()
source_system_update = SourceSystemUpdateSchema()
source_system_type = SourceSystemTypeSchema()
source_system_types = SourceSystemTypeSchema(many=True)
user = UserSchema()
credentials = CredentialsSchema()
expiring_token = ExpiringTokenSchema()
server_metadata = ServerMetadataSchema()
