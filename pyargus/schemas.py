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
from .exceptions import InvalidArgumentError, describe_body
from .fastschema import FastSchema
from .models import (
    STATELESS,
    Acknowledgement,
    BulkItem,
    BulkResult,
    Destination,
    Event,
    ExpiringToken,
    Filter,
    Incident,
    Media,
    NotificationProfile,
    Page,
    PlannedMaintenance,
    ServerMetadata,
    SourceSystem,
    Tags,
    TimeRecurrence,
    Timeslot,
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
    "destination",
    "destination_duplicate",
    "destination_write",
    "destinations",
    "event",
    "event_page",
    "events",
    "expiring_token",
    "filter_blob",
    "incident",
    "incident_page",
    "incident_patch",
    "incidents",
    "media",
    "medium",
    "medium_json_schema",
    "notification_filter",
    "notification_filters",
    "notification_profile",
    "notification_profile_write",
    "notification_profiles",
    "page_schema",
    "planned_maintenance",
    "planned_maintenance_put",
    "planned_maintenance_tasks",
    "planned_maintenance_write",
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
    "timeslot",
    "timeslots",
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
    """The ``results`` list of a page, loaded with one schema instance.

    Without a schema, the items are kept as Argus sent them (the envelope of
    :attr:`PageSchema.envelope`).
    """

    def __init__(self, schema: Schema | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.schema = schema

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValidationError(f"Not a list: {type(value).__name__}.")
        if self.schema is None:
            return value
        loaded: list[Any] = self.schema.load(value, many=True)
        return loaded


class PageSchema(ArgusSchema):
    """A cursor page ``{"next", "previous", "results": [...]}`` → :class:`~pyargus.models.Page`.

    Build one for an item schema with :func:`page_schema`. Loading gives a
    page whose ``results`` are all loaded. A listing loads them one at a
    time instead, as it hands them out (see
    :func:`pyargus.pagination.streamed`): with :attr:`envelope`, which loads
    the page but keeps its items as sent, and :attr:`item`.
    """

    model = Page

    #: The schema of one item of ``results``.
    item: ClassVar[Schema]
    _envelope: ClassVar[PageSchema | None] = None

    next = fields.String(allow_none=True, load_default=None)
    previous = fields.String(allow_none=True, load_default=None)

    @property
    def envelope(self) -> PageSchema:
        """This schema without loading the items: ``results`` is the list as sent.

        Built on first use, once per page schema class.
        """
        cls = type(self)
        envelope: PageSchema | None = cls.__dict__.get("_envelope")  # (not a base class's)
        if envelope is None:
            bare = type(
                f"{cls.__name__}Envelope", (PageSchema,), {"results": Results(None, required=True)}
            )
            envelope = bare()
            cls._envelope = envelope
        return envelope


def page_schema(item: Schema) -> PageSchema:
    """A schema of cursor pages whose ``results`` are loaded with *item*.

    For declarations of paginated endpoints (``pyargus.pagination.iterate``
    follows their pages)::

        @uplink.get("things/")
        def list_things(self, **params: QueryMap) -> page_schema(ThingSchema()): ...
    """
    name = f"{type(item).__name__.removesuffix('Schema')}PageSchema"
    cls: type[PageSchema] = type(
        name, (PageSchema,), {"results": Results(item, required=True), "item": item}
    )
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


# The end-user side: timeslots, filters, media, destinations, notification
# profiles and planned maintenance. Read as nested objects, written with pks.


class TimeRecurrenceSchema(ArgusSchema):
    """One recurrence of a timeslot; ``all_day`` is sent only when true."""

    model = TimeRecurrence

    days = fields.List(fields.Integer(), required=True)
    start = fields.Time()
    end = fields.Time()
    all_day = fields.Boolean(load_default=False)

    def finish_body(self, body: dict[str, Any], original: Any) -> dict[str, Any]:
        if not body.get("all_day"):
            body.pop("all_day", None)
        return body


class TimeslotSchema(ArgusSchema):
    """A timeslot; dumping gives the body of ``POST notificationprofiles/timeslots/``."""

    model = Timeslot

    pk = fields.Integer(load_only=True, required=True)
    name = fields.String(required=True)
    time_recurrences = fields.Nested(TimeRecurrenceSchema, many=True, required=True)


class FilterBlobSchema(ArgusSchema):
    """A filter blob (dumped from a dict checked by :func:`pyargus.checks.filter_blob`)."""

    sourceSystemIds = fields.List(fields.Integer())
    source_types = fields.List(fields.String())
    tags = fields.List(fields.String())
    open = fields.Boolean(allow_none=True)
    acked = fields.Boolean(allow_none=True)
    stateful = fields.Boolean(allow_none=True)
    maxlevel = fields.Integer(allow_none=True)
    event_types = fields.List(fields.String())
    hide_closed_acked = fields.Boolean()


class FilterSchema(ArgusSchema):
    """A filter ``{"pk", "name", "filter": {blob}, "public"}``."""

    model = Filter

    pk = fields.Integer(load_only=True, required=True)
    name = fields.String(required=True)
    filter = fields.Dict(required=True)
    public = fields.Boolean()


class MediaSchema(ArgusSchema):
    """A notification medium ``{"slug", "name", "installed"}``."""

    model = Media

    slug = fields.String(required=True)
    name = fields.String()
    installed = fields.Boolean()


class DestinationSchema(ArgusSchema):
    """A destination as Argus returns it (the medium nested)."""

    model = Destination

    pk = fields.Integer(required=True)
    media = fields.Nested(MediaSchema, required=True)
    label = fields.String(allow_none=True)
    settings = fields.Dict(required=True)
    suggested_label = fields.String(allow_none=True)


class DestinationWriteSchema(ArgusSchema):
    """The body of ``POST``/``PATCH notificationprofiles/destinations/`` (from a dict)."""

    media = fields.String()
    label = fields.String(allow_none=True)
    settings = fields.Dict()


class DuplicateSchema(ArgusSchema):
    """``{"is_duplicate": bool}`` → the bool."""

    is_duplicate = fields.Boolean(required=True)

    def make_model(self, data: dict[str, Any]) -> bool:
        duplicate: bool = data["is_duplicate"]
        return duplicate


class JsonSchemaSchema(ArgusSchema):
    """``{"json_schema": {...}}`` → the JSON schema (a dict)."""

    json_schema = fields.Dict(required=True)

    def make_model(self, data: dict[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = data["json_schema"]
        return schema


class NotificationProfileSchema(ArgusSchema):
    """A notification profile as Argus returns it (timeslot, filters, destinations nested)."""

    model = NotificationProfile

    pk = fields.Integer(required=True)
    name = fields.String(allow_none=True)
    timeslot = fields.Nested(TimeslotSchema, required=True)
    filters = fields.Nested(FilterSchema, many=True, required=True)
    destinations = fields.Nested(DestinationSchema, many=True, required=True)
    active = fields.Boolean(required=True)


class NotificationProfileWriteSchema(ArgusSchema):
    """The body of ``POST``/``PUT``/``PATCH notificationprofiles/`` (pks, from a dict).

    A ``PATCH`` without ``timeslot`` crashes argus-server (HTML 500), so a
    body without it is refused before sending.
    """

    name = fields.String(allow_none=True)
    timeslot = fields.Integer()
    filters = fields.List(fields.Integer())
    destinations = fields.List(fields.Integer())
    active = fields.Boolean()

    def finish_body(self, body: dict[str, Any], original: Any) -> dict[str, Any]:
        if "timeslot" not in body:
            raise InvalidArgumentError(
                "a notification profile body needs its timeslot (pk): argus-server answers a "
                "profile update without one with a server error"
            )
        return body


class PlannedMaintenanceSchema(ArgusSchema):
    """A planned maintenance task as Argus returns it (year-9999 end = INFINITY)."""

    model = PlannedMaintenance

    pk = fields.Integer(required=True)
    start_time = argus_fields.DateTime(required=True)
    end_time = argus_fields.MaintenanceEndTime(required=True)
    description = fields.String()
    filters = fields.Nested(FilterSchema, many=True, required=True)
    created_by = argus_fields.Actor()
    created = argus_fields.DateTime()


class PlannedMaintenanceWriteSchema(ArgusSchema):
    """The body of ``POST``/``PATCH plannedmaintenance/`` (from a dict; filters as pks).

    An ``end_time`` of INFINITY is sent as ``null`` (open-ended).
    """

    send_null = frozenset({"end_time"})

    start_time = argus_fields.DateTime()
    end_time = argus_fields.MaintenanceEndTime(allow_none=True)
    description = fields.String()
    filters = fields.List(fields.Integer())


class PlannedMaintenancePutSchema(PlannedMaintenanceWriteSchema):
    """The body of ``PUT plannedmaintenance/{pk}/``: ``end_time`` and ``filters`` required.

    Argus resets the ``end_time`` a ``PUT`` leaves out to "never", so such a
    body is refused before sending.
    """

    def finish_body(self, body: dict[str, Any], original: Any) -> dict[str, Any]:
        missing = [key for key in ("end_time", "filters") if key not in body]
        if missing:
            raise InvalidArgumentError(
                f"a PUT of a planned maintenance task needs {' and '.join(missing)}: Argus "
                "makes a task without end_time open-ended (use PATCH to change some fields)"
            )
        return body


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
incidents = IncidentSchema(many=True)
timeslot = TimeslotSchema()
timeslots = TimeslotSchema(many=True)
filter_blob = FilterBlobSchema()
notification_filter = FilterSchema()
notification_filters = FilterSchema(many=True)
medium = MediaSchema()
media = MediaSchema(many=True)
medium_json_schema = JsonSchemaSchema()
destination = DestinationSchema()
destinations = DestinationSchema(many=True)
destination_write = DestinationWriteSchema()
destination_duplicate = DuplicateSchema()
notification_profile = NotificationProfileSchema()
notification_profiles = NotificationProfileSchema(many=True)
notification_profile_write = NotificationProfileWriteSchema()
planned_maintenance = PlannedMaintenanceSchema()
planned_maintenance_tasks = PlannedMaintenanceSchema(many=True)
planned_maintenance_write = PlannedMaintenanceWriteSchema()
planned_maintenance_put = PlannedMaintenancePutSchema()
