"""Declarations of the Argus REST API v2 endpoints (uplink).

This is the one place where HTTP methods and paths live: one decorated
method per endpoint, no logic. Paths are relative to the API root
(``.../api/v2/``) and end in ``/`` as Argus requires. Bodies and return
values are converted by the schema instances of :mod:`pyargus.schemas`.

Adding an endpoint = one declaration here (+ a schema if the shape is new)
+ a documented method on :class:`pyargus.client.Client`.

Do not add ``from __future__ import annotations`` here: uplink reads the
annotations when the class is built.
"""

import uplink
from uplink import Body, Path, QueryMap

from . import schemas
from ._uplink import SchemaConverter, check_status
from .transport import Transport

__all__ = ["ArgusAPI"]


@check_status
class ArgusAPI(uplink.Consumer):
    """The Argus API v2 endpoints, relative to :attr:`api_root_url`."""

    def __init__(self, api_root_url: str, transport: Transport) -> None:
        super().__init__(base_url=api_root_url, client=transport, converters=(SchemaConverter(),))
        self.api_root_url = api_root_url
        self.transport = transport

    def __repr__(self) -> str:
        return f"<ArgusAPI {self.api_root_url}>"

    # Incidents

    @uplink.get("incidents/")
    def list_incidents(self, **params: QueryMap) -> schemas.incident_page:
        """GET incidents/ -- one cursor page of all incidents (filters, ``cursor``)."""

    @uplink.get("incidents/mine/")
    def list_my_incidents(self, **params: QueryMap) -> schemas.incident_page:
        """GET incidents/mine/ -- one cursor page of the source system's incidents."""

    @uplink.get("incidents/{pk}/")
    def retrieve_incident(self, pk: Path) -> schemas.incident:
        """GET incidents/{pk}/ -- one incident."""

    @uplink.json
    @uplink.post("incidents/")
    def create_incident(self, incident: Body(type=schemas.incident)) -> schemas.incident:
        """POST incidents/ -- create an incident (201, the stored incident)."""

    @uplink.json
    @uplink.patch("incidents/{pk}/")
    def update_incident(
        self, pk: Path, changes: Body(type=schemas.incident_patch)
    ) -> schemas.incident:
        """PATCH incidents/{pk}/ -- change editable fields (200, the incident)."""

    # Events

    @uplink.get("incidents/{incident_pk}/events/")
    def list_incident_events(self, incident_pk: Path) -> schemas.events:
        """GET incidents/{incident_pk}/events/ -- all events, newest first (not paginated)."""

    @uplink.json
    @uplink.post("incidents/{incident_pk}/events/")
    def create_incident_event(
        self, incident_pk: Path, event: Body(type=schemas.event)
    ) -> schemas.event:
        """POST incidents/{incident_pk}/events/ -- post an event (201, the event)."""

    # Acknowledgements

    @uplink.get("incidents/{incident_pk}/acks/")
    def list_incident_acknowledgements(self, incident_pk: Path) -> schemas.acknowledgements:
        """GET incidents/{incident_pk}/acks/ -- all acknowledgements (not paginated)."""
