"""Declarations of the Argus REST API v2 endpoints (uplink).

This module and :mod:`pyargus.enduser_api` (the end-user side, which
:class:`ArgusAPI` inherits) are the one place where HTTP methods and paths
live: one decorated method per endpoint, no logic. Paths are relative to the API root
(``.../api/v2/``) and end in ``/`` as Argus requires. Bodies and return
values are converted by the schemas of :mod:`pyargus.schemas`.

Where Argus answers in a way that means something else than its status
says (a 400 that means "no such incident", a 405 that means "turned off"),
the declaration carries an :func:`on_error` translation, so that
``client.api.x()`` and ``client.x()`` raise the same error.

:class:`ArgusAPI` is also the public base for declarations of your own:
subclass it, add decorated methods and pass the class to
``Client(..., api_class=...)``. Every declaration, inherited or new, gets
the same typed errors, retries, timeouts, token scoping and schema
decoding (see :doc:`/extending`).

Do not add ``from __future__ import annotations`` here: uplink reads the
annotations when the class is built. They are uplink's description of the
request (``Path``, ``Body(type=schema)``, a return schema), not types: every
declaration is marked ``@no_type_check`` (innermost, right above the ``def``)
so that type checkers ignore them. Through :class:`~pyargus.client.Client`
the same calls are fully typed (see :doc:`/typing`).
"""

import re
from typing import no_type_check

import uplink
from uplink import Body, Path, QueryMap

from . import schemas
from .consumer import on_error
from .enduser_api import EndUserAPI
from .exceptions import (
    ArgusError,
    AuthError,
    BadRequestError,
    ErrorWithResponse,
    MethodNotAllowedError,
    NotFoundError,
    NotSupportedError,
    TicketPluginError,
    url_path,
)

__all__ = ["ArgusAPI", "on_error"]


# Argus' quirks, each used by the declarations it belongs to.


def _status_text(error: ErrorWithResponse) -> str:
    response = error.response
    return f"{response.status_code} {response.reason}".strip()


def _explained(
    cls: type[ErrorWithResponse], error: ErrorWithResponse, text: str
) -> ErrorWithResponse:
    response = error.response
    where = f"{response.method} {url_path(response.url)}".strip()
    return cls(response, f"{where}: {_status_text(error)}: {text}")


def _unknown_incident(error: ArgusError) -> ArgusError | None:
    """Tags of an unknown incident: Argus answers 400 ``["An incident with pk=..."]``."""
    if isinstance(error, BadRequestError):
        body = error.body
        if isinstance(body, list) and any(str(i).startswith("An incident with pk=") for i in body):
            return NotFoundError(error.response)
    return None


def _deletion_disabled(error: ArgusError) -> ArgusError | None:
    """405 on ``DELETE incidents/{pk}/``: the server forbids deleting (``INDELIBLE_INCIDENTS``)."""
    if isinstance(error, MethodNotAllowedError):
        return _explained(
            NotSupportedError,
            error,
            "this server does not allow deleting incidents (INDELIBLE_INCIDENTS)",
        )
    return None


NO_HEARTBEAT = "this server has no heartbeat endpoint (it came with argus-server 2.10)"


def _heartbeat(error: ArgusError) -> ArgusError | None:
    """The answers of ``POST incidents/sources/heartbeat/`` that mean something else."""
    if isinstance(error, (MethodNotAllowedError, NotFoundError)):
        return _explained(NotSupportedError, error, NO_HEARTBEAT)
    if isinstance(error, AuthError) and error.status_code == 403 and error.body:
        # argus-server < 2.10 routes the path to sources/{pk}/, where only
        # superusers may write: its 403 has a body. (The empty 403 of a user
        # who is not a source system is a NotSourceSystemError already.)
        return _explained(NotSupportedError, error, NO_HEARTBEAT)
    return None


def _ticket_plugin(error: ArgusError) -> ArgusError | None:
    """``automatic-ticket/`` answers the plugin's failures as plain-text bodies."""
    if not isinstance(error, ErrorWithResponse):
        return None
    body = error.body
    if not isinstance(body, str) or not body.strip() or body.lstrip().startswith("<"):
        return None  # JSON (auth, not found), nothing or an HTML page: the usual meaning
    if error.status_code == 400 and "TICKET_PLUGIN" in body:
        text = f"this server has no ticket plugin configured ({error.detail})"
        return _explained(NotSupportedError, error, text)
    return TicketPluginError(error.response)


_REPR_REASON = re.compile(r"string=(['\"])(.*?)\1")


def _login_failure(error: ArgusError) -> ArgusError | None:
    """Argus 2.10 wraps the reason of a refused login in a Python repr: unwrap it."""
    if isinstance(error, AuthError):
        # "{'non_field_errors': [ErrorDetail(string='Unable to log in ...', code='authorization')]}"
        match = _REPR_REASON.search(error.detail)
        reason = match.group(2) if match else error.detail
        return _explained(AuthError, error, f"login failed: {reason}")
    return None


class ArgusAPI(EndUserAPI):
    """The Argus API v2 endpoints, relative to :attr:`api_root_url`.

    The incident side is declared here; the end-user side (notification
    profiles, timeslots, filters, destinations, media, planned maintenance)
    is inherited from :class:`pyargus.enduser_api.EndUserAPI`.

    :param api_root_url: the normalized API root (ends in ``/``).
    :param transport: the :class:`~pyargus.transport.Transport` that sends
        every request (token, timeouts, retries, typed errors), or the async
        client's transport (then every declaration is a coroutine function).
    """

    # Incidents

    @uplink.get("incidents/")
    @no_type_check
    def list_incidents(self, **params: QueryMap) -> schemas.incident_page:
        """GET incidents/ -- one cursor page of all incidents (filters, ``cursor``)."""

    @uplink.get("incidents/mine/")
    @no_type_check
    def list_my_incidents(self, **params: QueryMap) -> schemas.incident_page:
        """GET incidents/mine/ -- one cursor page of the source system's incidents."""

    @uplink.get("incidents/{pk}/")
    @no_type_check
    def retrieve_incident(self, pk: Path) -> schemas.incident:
        """GET incidents/{pk}/ -- one incident."""

    @uplink.json
    @uplink.post("incidents/")
    @no_type_check
    def create_incident(self, incident: Body(type=schemas.incident)) -> schemas.incident:
        """POST incidents/ -- create an incident (201, the stored incident)."""

    @uplink.json
    @uplink.patch("incidents/{pk}/")
    @no_type_check
    def update_incident(
        self, pk: Path, changes: Body(type=schemas.incident_patch)
    ) -> schemas.incident:
        """PATCH incidents/{pk}/ -- change editable fields (200, the incident)."""

    @uplink.get("incidents/")
    @no_type_check
    def count_incidents(self, **params: QueryMap) -> schemas.count:
        """GET incidents/ -- with ``count``: how many incidents match the filters."""

    @uplink.get("incidents/mine/")
    @no_type_check
    def count_my_incidents(self, **params: QueryMap) -> schemas.count:
        """GET incidents/mine/ -- with ``count``: how many of the source's incidents match."""

    @on_error(_deletion_disabled)
    @uplink.delete("incidents/{pk}/")
    @no_type_check
    def delete_incident(self, pk: Path):
        """DELETE incidents/{pk}/ -- delete an incident (204; 405 if the server forbids it)."""

    # Tickets

    @uplink.json
    @uplink.put("incidents/{pk}/ticket_url/")
    @no_type_check
    def update_ticket_url(
        self, pk: Path, ticket_url: Body(type=schemas.ticket_url)
    ) -> schemas.ticket_url:
        """PUT incidents/{pk}/ticket_url/ -- set (or with ``""`` clear) the ticket URL."""

    @on_error(_ticket_plugin)
    @uplink.put("incidents/{incident_pk}/automatic-ticket/")
    @no_type_check
    def create_automatic_ticket(self, incident_pk: Path) -> schemas.ticket_url:
        """PUT incidents/{incident_pk}/automatic-ticket/ -- create a ticket via the plugin."""

    @uplink.json
    @uplink.post("incidents/ticket_url/bulk/")
    @no_type_check
    def bulk_update_ticket_urls(
        self, request: Body(type=schemas.bulk_ticket_url_request)
    ) -> schemas.bulk_ticket_url_result:
        """POST incidents/ticket_url/bulk/ -- set the ticket URL of many incidents."""

    # Events

    @uplink.get("incidents/events/")
    @no_type_check
    def list_events(self, **params: QueryMap) -> schemas.event_page:
        """GET incidents/events/ -- one cursor page of the events of all incidents."""

    @uplink.get("incidents/{incident_pk}/events/{pk}/")
    @no_type_check
    def retrieve_incident_event(self, incident_pk: Path, pk: Path) -> schemas.event:
        """GET incidents/{incident_pk}/events/{pk}/ -- one event of an incident."""

    @uplink.json
    @uplink.post("incidents/events/bulk/")
    @no_type_check
    def bulk_create_events(
        self, request: Body(type=schemas.bulk_event_request)
    ) -> schemas.bulk_event_result:
        """POST incidents/events/bulk/ -- post one event to many incidents."""

    @uplink.get("incidents/{incident_pk}/events/")
    @no_type_check
    def list_incident_events(self, incident_pk: Path) -> schemas.events:
        """GET incidents/{incident_pk}/events/ -- all events, newest first (not paginated)."""

    @uplink.json
    @uplink.post("incidents/{incident_pk}/events/")
    @no_type_check
    def create_incident_event(
        self, incident_pk: Path, event: Body(type=schemas.event)
    ) -> schemas.event:
        """POST incidents/{incident_pk}/events/ -- post an event (201, the event)."""

    # Acknowledgements

    @uplink.get("incidents/{incident_pk}/acks/")
    @no_type_check
    def list_incident_acknowledgements(self, incident_pk: Path) -> schemas.acknowledgements:
        """GET incidents/{incident_pk}/acks/ -- all acknowledgements (not paginated)."""

    @uplink.json
    @uplink.post("incidents/{incident_pk}/acks/")
    @no_type_check
    def create_incident_acknowledgement(
        self, incident_pk: Path, ack: Body(type=schemas.acknowledgement_request)
    ) -> schemas.acknowledgement:
        """POST incidents/{incident_pk}/acks/ -- acknowledge (flat body, 201)."""

    @uplink.get("incidents/{incident_pk}/acks/{pk}/")
    @no_type_check
    def retrieve_incident_acknowledgement(
        self, incident_pk: Path, pk: Path
    ) -> schemas.acknowledgement:
        """GET incidents/{incident_pk}/acks/{pk}/ -- one acknowledgement."""

    @uplink.json
    @uplink.put("incidents/{incident_pk}/acks/{pk}/")
    @no_type_check
    def update_incident_acknowledgement(
        self, incident_pk: Path, pk: Path, change: Body(type=schemas.acknowledgement_expiration)
    ) -> schemas.acknowledgement:
        """PUT incidents/{incident_pk}/acks/{pk}/ -- set the expiration (only)."""

    @uplink.json
    @uplink.post("incidents/acks/bulk/")
    @no_type_check
    def bulk_create_acknowledgements(
        self, request: Body(type=schemas.bulk_acknowledgement_request)
    ) -> schemas.bulk_acknowledgement_result:
        """POST incidents/acks/bulk/ -- acknowledge many incidents."""

    # Tags

    @on_error(_unknown_incident)
    @uplink.get("incidents/{incident_pk}/tags/")
    @no_type_check
    def list_incident_tags(self, incident_pk: Path) -> schemas.tags:
        """GET incidents/{incident_pk}/tags/ -- the incident's tags (not paginated)."""

    @on_error(_unknown_incident)
    @uplink.json
    @uplink.post("incidents/{incident_pk}/tags/")
    @no_type_check
    def create_incident_tag(self, incident_pk: Path, tag: Body(type=schemas.tag)) -> schemas.tag:
        """POST incidents/{incident_pk}/tags/ -- add one tag (201, idempotent)."""

    @on_error(_unknown_incident)
    @uplink.get("incidents/{incident_pk}/tags/{tag}/")
    @no_type_check
    def retrieve_incident_tag(self, incident_pk: Path, tag: Path) -> schemas.tag:
        """GET incidents/{incident_pk}/tags/{tag}/ -- one tag (404 if not on the incident)."""

    @on_error(_unknown_incident)
    @uplink.delete("incidents/{incident_pk}/tags/{tag}/")
    @no_type_check
    def delete_incident_tag(self, incident_pk: Path, tag: Path):
        """DELETE incidents/{incident_pk}/tags/{tag}/ -- remove one tag (204)."""

    # Source systems and their types

    @uplink.get("incidents/sources/")
    @no_type_check
    def list_source_systems(self) -> schemas.source_systems:
        """GET incidents/sources/ -- all source systems (not paginated)."""

    @uplink.get("incidents/sources/{pk}/")
    @no_type_check
    def retrieve_source_system(self, pk: Path) -> schemas.source_system:
        """GET incidents/sources/{pk}/ -- one source system."""

    @uplink.json
    @uplink.post("incidents/sources/")
    @no_type_check
    def create_source_system(
        self, source: Body(type=schemas.source_system_create)
    ) -> schemas.source_system:
        """POST incidents/sources/ -- create a source system and its user (superuser)."""

    @uplink.json
    @uplink.put("incidents/sources/{pk}/")
    @no_type_check
    def update_source_system(
        self, pk: Path, source: Body(type=schemas.source_system_update)
    ) -> schemas.source_system:
        """PUT incidents/sources/{pk}/ -- rename a source system (superuser)."""

    @on_error(_heartbeat)
    @uplink.post("incidents/sources/heartbeat/")
    @no_type_check
    def send_heartbeat(self):
        """POST incidents/sources/heartbeat/ -- the source system is alive (204; 2.10+)."""

    @uplink.get("incidents/sources/heartbeat/")
    @no_type_check
    def probe_heartbeat(self):
        """GET incidents/sources/heartbeat/ -- probe: 405 if the endpoint exists, else 404."""

    @uplink.get("incidents/source-types/")
    @no_type_check
    def list_source_system_types(self) -> schemas.source_system_types:
        """GET incidents/source-types/ -- all source system types."""

    @uplink.get("incidents/source-types/{name}/")
    @no_type_check
    def retrieve_source_system_type(self, name: Path) -> schemas.source_system_type:
        """GET incidents/source-types/{name}/ -- one source system type."""

    @uplink.json
    @uplink.post("incidents/source-types/")
    @no_type_check
    def create_source_system_type(
        self, source_type: Body(type=schemas.source_system_type)
    ) -> schemas.source_system_type:
        """POST incidents/source-types/ -- create a source system type (lowercase name)."""

    # Authentication and users

    @on_error(_login_failure)
    @uplink.json
    @uplink.post("auth/token/login/")
    @no_type_check
    def login(self, credentials: Body(type=schemas.credentials)) -> schemas.expiring_token:
        """POST auth/token/login/ -- a new token for a username and password (JSON)."""

    @uplink.post("auth/token/login/")
    @no_type_check
    def refresh_token(self) -> schemas.expiring_token:
        """POST auth/token/login/ -- without a body: a new token for the current token."""

    @uplink.post("auth/token/logout/")
    @no_type_check
    def logout(self):
        """POST auth/token/logout/ -- revoke the token in use (knox tokens only, 204)."""

    @uplink.post("auth/token/logoutall")
    @no_type_check
    def logout_all(self):
        """POST auth/token/logoutall -- revoke all of the user's knox tokens (204)."""

    @uplink.get("auth/user/")
    @no_type_check
    def retrieve_current_user(self) -> schemas.user:
        """GET auth/user/ -- the user the token belongs to."""

    @uplink.get("auth/users/{pk}/")
    @no_type_check
    def retrieve_user(self, pk: Path) -> schemas.user:
        """GET auth/users/{pk}/ -- any user by pk."""

    # The server (unversioned endpoints, relative to /api/v2/)

    @uplink.get("../")
    @no_type_check
    def retrieve_metadata(self) -> schemas.server_metadata:
        """GET ../ -- ``/api/``: server version, API versions, plugins (no auth)."""

    @uplink.get("../../.still-alive/")
    @no_type_check
    def health_check(self):
        """GET ../../.still-alive/ -- ``/.still-alive/``: 204 while the server runs."""

    # Other forms of operations declared above: reached through ``client.api``
    # only (the Client uses the forms above, which do the same).

    @uplink.json
    @uplink.post("incidents/mine/")
    @no_type_check
    def create_my_incident(self, incident: Body(type=schemas.incident)) -> schemas.incident:
        """POST incidents/mine/ -- the same as ``POST incidents/``."""

    @uplink.json
    @uplink.put("incidents/{pk}/")
    @no_type_check
    def replace_incident(
        self, pk: Path, incident: Body(type=schemas.incident_patch)
    ) -> schemas.incident:
        """PUT incidents/{pk}/ -- every editable field, tags included (PATCH changes some)."""

    @uplink.json
    @uplink.patch("incidents/{incident_pk}/acks/{pk}/")
    @no_type_check
    def patch_incident_acknowledgement(
        self, incident_pk: Path, pk: Path, change: Body(type=schemas.acknowledgement_expiration)
    ) -> schemas.acknowledgement:
        """PATCH incidents/{incident_pk}/acks/{pk}/ -- the same as its PUT (the expiration)."""

    @uplink.json
    @uplink.patch("incidents/sources/{pk}/")
    @no_type_check
    def patch_source_system(
        self, pk: Path, source: Body(type=schemas.source_system_update)
    ) -> schemas.source_system:
        """PATCH incidents/sources/{pk}/ -- the same as its PUT (the name; superuser)."""
