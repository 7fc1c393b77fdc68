"""The pyargus client: the documented, typed API over :mod:`pyargus.api`.

>>> from pyargus.client import Client
>>> client = Client("https://argus.example.org/api/v2", token="...")  # doctest: +SKIP
>>> for incident in client.get_my_incidents(open=True):  # doctest: +SKIP
...     print(incident.pk, incident.description)
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Literal, TypeVar, overload

import requests

from . import _flows, bulk, checks, pagination, schemas
from .api import ArgusAPI
from .exceptions import (
    ClientConnectionError,
    DecodeError,
    ErrorResponse,
    InsecureTokenWarning,
    MethodNotAllowedError,
    NotFoundError,
    ServerError,
)
from .filters import event_params, incident_params
from .models import (
    Acknowledgement,
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
from .time import now
from .transport import DEFAULT_TIMEOUT, RetryPolicy, Timeout, Transport

__all__ = ["Client"]

log = logging.getLogger("pyargus")

T = TypeVar("T")

_warned_hosts: set[str] = set()


class Client:
    """A client of one Argus server's API v2.

    :param api_root_url: the API root, e.g. ``https://argus.example.org/api/v2/``
        (the trailing slash is optional).
    :param token: the API token of a source system or user. It is sent only
        to the host of *api_root_url* and never shown.
    :param timeout: seconds to wait for a connection and for each answer
        (each read, not the whole body), or a ``(connect, read)`` pair.
        There is always a timeout.
    :param session: a :class:`requests.Session` to send requests with
        (pyargus creates and owns one if not given).
    :param verify: TLS certificate checking: ``True`` (the session's own
        setting, on by default), ``False`` or the path of a CA bundle.
    :param retries: how many times to retry a failed request when that is
        safe (default 2), or a :class:`~pyargus.transport.RetryPolicy`;
        ``0`` turns retries off. See :doc:`/errors`.
    :param pool_size: how many keep-alive connections to the server the
        client keeps (default :data:`~pyargus.transport.DEFAULT_POOL_SIZE`,
        32): at least the number of threads that share the client. Not with
        *session* (configure its adapters yourself).

    The client is thread-safe and keeps one connection pool; close it with
    :meth:`close` or use it as a context manager.
    """

    def __init__(
        self,
        api_root_url: str,
        token: str,
        timeout: Timeout = DEFAULT_TIMEOUT,
        *,
        session: requests.Session | None = None,
        verify: bool | str = True,
        retries: int | RetryPolicy | None = None,
        pool_size: int | None = None,
        api_class: type[ArgusAPI] = ArgusAPI,
    ) -> None:
        self._connect(
            api_root_url,
            checks.token(token),
            timeout=timeout,
            session=session,
            verify=verify,
            retries=retries,
            pool_size=pool_size,
            api_class=api_class,
        )

    def _connect(
        self,
        api_root_url: str,
        token: str | None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        session: requests.Session | None = None,
        verify: bool | str = True,
        retries: int | RetryPolicy | None = None,
        pool_size: int | None = None,
        api_class: type[ArgusAPI] = ArgusAPI,
    ) -> None:
        root = checks.api_root_url(api_root_url)
        api_class = checks.api_class(api_class)
        transport = Transport(
            root,
            token,
            timeout=timeout,
            retries=retries,
            session=session,
            verify=verify,
            pool_size=pool_size,
        )
        #: The uplink consumer with one method per endpoint: an
        #: :class:`~pyargus.api.ArgusAPI`, or the subclass given as *api_class*.
        self.api = api_class(root, transport)
        #: When the token expires, if known (set by :meth:`login` and
        #: :meth:`refresh_token`).
        self.token_expiry: datetime | None = None
        self._own_source: object = _UNKNOWN  # SourceSystem, None or _UNKNOWN
        if root.startswith("http://") and not checks.is_loopback(root):
            _warn_plain_http(root)

    @classmethod
    def login(cls, api_root_url: str, username: str, password: str, **client_kwargs: Any) -> Client:
        """Log in with a username and password and return a client using the new token.

        ``POST auth/token/login/``. The token is a knox token (by default it
        expires after 10 hours, see :attr:`token_expiry`); renew it with
        :meth:`refresh_token`, revoke it with :meth:`logout`.

        :param client_kwargs: ``timeout``, ``session``, ``verify``, ``retries``,
            ``pool_size`` and ``api_class`` as for :class:`Client`.
        :raises pyargus.exceptions.AuthError: if Argus refuses the credentials.
        """
        body = checks.credentials(username, password)
        client = cls.__new__(cls)
        client._connect(api_root_url, None, **client_kwargs)
        try:
            token = client.api.login(body)
        except BaseException:
            client.close()
            raise
        client._use_token(token)
        return client

    @classmethod
    def from_env(cls, **config: Any) -> Client:
        """A client configured by ``ARGUS_URL``, ``ARGUS_TOKEN`` (or ``ARGUS_TOKEN_FILE``),
        ``ARGUS_TIMEOUT``, ... or a profile of ``~/.config/argus/config.toml``.

        :param config: as for :func:`pyargus.glue.load_config` (e.g. ``profile=``).
        """
        from .glue import load_config

        return load_config(**config).client(client_class=cls)

    @property
    def api_root_url(self) -> str:
        """The normalized API root URL (ends in ``/``)."""
        return self.api.api_root_url

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.api_root_url!r})"

    def close(self) -> None:
        """Close the connections of the session pyargus created."""
        self.api.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Incidents

    def get_incidents(
        self, *, extra_filters: Mapping[str, Any] | None = None, **filters: Any
    ) -> Iterator[Incident]:
        """Iterate over all incidents that match *filters*, newest first.

        ``GET incidents/``, following the cursor pages lazily: a page is
        fetched only when the previous one is used up.

        :param filters: Argus filters by name, e.g. ``open=True``,
            ``acked=False``, ``tags={"host": "a"}``, ``source__name__in=["nav"]``,
            ``start_time__gte=datetime(...)``, ``search="disk"``;
            ``page_size=`` sets the page size. ``None`` values are left out.
            Checked before any request (see :mod:`pyargus.filters`).
        :param extra_filters: filters pyargus does not know (of a newer
            Argus), sent unchecked.
        :raises pyargus.exceptions.InvalidArgumentError: for a filter Argus
            does not have here (it would ignore it and match every incident)
            or a value of the wrong kind, before any request.
        :raises pyargus.exceptions.ArgusError: when a page cannot be fetched.
        """
        query = incident_params(filters, extra=extra_filters)
        return pagination.iterate(self.api.list_incidents, query)

    def get_my_incidents(
        self, *, extra_filters: Mapping[str, Any] | None = None, **filters: Any
    ) -> Iterator[Incident]:
        """Iterate over the incidents of this source system, newest first.

        ``GET incidents/mine/``; takes the *filters* of :meth:`get_incidents`
        except ``search``, ``level__lte``, ``id__in`` and ``source__*``,
        which Argus ignores on this endpoint (so pyargus refuses them).

        :raises pyargus.exceptions.NotSourceSystemError: when the first page
            is empty and the token's user is not a source system (for which
            this listing is always empty). Checked once per client, with
            :meth:`get_my_source_system`.
        """
        query = incident_params(filters, mine=True, extra=extra_filters)
        return pagination.iterate(self._my_incidents_page, query)

    def _my_incidents_page(self, **params: Any) -> Page | pagination.StreamedPage[Incident]:
        page: Page | pagination.StreamedPage[Incident] = pagination.streamed(
            self.api.list_my_incidents
        )(**params)
        if "cursor" not in params and not len(page.results):
            self._require_source_system("incidents/mine/")
        return page

    def get_incident(self, incident: Incident | int) -> Incident:
        """Fetch one incident. ``GET incidents/{pk}/``.

        :raises pyargus.exceptions.NotFoundError: if there is no such incident.
        """
        return self.api.retrieve_incident(checks.incident_pk(incident))

    def post_incident(self, incident: Incident) -> Incident:
        """Create *incident* and return it as stored. ``POST incidents/``.

        ``start_time`` is required. ``end_time`` ``None`` (not set) or
        :data:`~pyargus.models.INFINITY` makes an open incident,
        :data:`~pyargus.models.STATELESS` a stateless one.

        An incident read from Argus can be posted again (e.g. to another
        server): what Argus fills in by itself (``pk``, ``source``, an empty
        ``ticket_url``) is not sent.

        :raises pyargus.exceptions.DuplicateIncidentError: if this source
            already has an incident (open or closed) with that
            ``source_incident_id``.
        :raises pyargus.exceptions.NotSourceSystemError: if the token's user
            is not a source system (only source systems post incidents).
        :raises pyargus.exceptions.InvalidArgumentError: before sending
            anything, if *incident* is not valid.
        """
        return self.api.create_incident(checks.new_incident(incident))

    def update_incident(self, incident: Incident) -> Incident:
        """Change an incident's editable fields and return it as stored.

        ``PATCH incidents/{pk}/`` with only the fields that were set: for an
        incident built by the caller, those that are not ``None``; for one
        read from Argus, those changed since. Other fields, and tags that
        were not set, are left as they are. Setting ``tags`` replaces the
        whole set. Editable: ``tags``, ``details_url``, ``ticket_url``,
        ``level``, ``metadata``, ``description``.
        """
        pk, changes = checks.update_changes(incident)
        updated = self.api.update_incident(pk, changes)
        if incident._loaded is not None:
            incident._mark_loaded()  # sent = stored: not a change next time
        return updated

    @overload
    def resolve_incident(
        self,
        incident: Incident | int,
        description: str | None = None,
        timestamp: datetime | None = None,
        *,
        only_if_open: Literal[False] = False,
    ) -> Event: ...

    @overload
    def resolve_incident(
        self,
        incident: Incident | int,
        description: str | None = None,
        timestamp: datetime | None = None,
        *,
        only_if_open: bool,
    ) -> Event | None: ...

    def resolve_incident(
        self,
        incident: Incident | int,
        description: str | None = None,
        timestamp: datetime | None = None,
        *,
        only_if_open: bool = False,
    ) -> Event | None:
        """End an incident by posting an ``END`` event and return the event.

        ``POST incidents/{pk}/events/``. *timestamp* defaults to now (UTC).
        Only source systems may post ``END`` (end users close incidents
        with ``CLO`` events, or :meth:`bulk_resolve`).

        Argus records an ``END`` from a source system even when the incident
        is already closed: nothing changes but a second ``END`` in its
        history. With *only_if_open*, pyargus first reads the incident
        (``GET incidents/{pk}/``) and posts nothing, returning ``None``,
        unless it is open. (A check, not a lock: an incident closed between
        the two requests still gets the ``END``.)

        :raises pyargus.exceptions.NotSourceSystemError: if the token's user
            is not a source system.
        """
        if only_if_open and not self.get_incident(checks.incident_pk(incident)).open:
            return None
        return self._post_state_event(incident, "END", description, timestamp)

    def restart_incident(
        self,
        incident: Incident | int,
        description: str | None = None,
        timestamp: datetime | None = None,
    ) -> Event:
        """Reopen an ended incident by posting a ``RES`` event; return the event.

        ``POST incidents/{pk}/events/`` (argus-server 2.10 and later).
        *timestamp* defaults to now (UTC). Only source systems may post
        ``RES`` (:class:`~pyargus.exceptions.NotSourceSystemError`).
        """
        return self._post_state_event(incident, "RES", description, timestamp)

    def _post_state_event(
        self,
        incident: Incident | int,
        type_: str,
        description: str | None,
        timestamp: datetime | None,
    ) -> Event:
        event = Event(type=type_, description=description, timestamp=timestamp)
        return self.post_incident_event(incident, event)

    # Events and acknowledgements

    def post_incident_event(self, incident: Incident | int, event: Event) -> Event:
        """Post *event* to an incident and return it as stored.

        ``POST incidents/{pk}/events/``. ``event.type`` is required;
        ``event.timestamp`` defaults to now (UTC).
        """
        pk = checks.incident_pk(incident)
        checks.new_event(event)
        if event.timestamp is None:
            event = Event(type=event.type, description=event.description, timestamp=now())
        return self.api.create_incident_event(pk, event)

    def get_incident_events(self, incident: Incident | int) -> list[Event]:
        """All events of an incident, newest first. ``GET incidents/{pk}/events/``."""
        return self.api.list_incident_events(checks.incident_pk(incident))

    def get_incident_acknowledgements(self, incident: Incident | int) -> list[Acknowledgement]:
        """All acknowledgements of an incident. ``GET incidents/{pk}/acks/``."""
        return self.api.list_incident_acknowledgements(checks.incident_pk(incident))

    def count_incidents(
        self, *, extra_filters: Mapping[str, Any] | None = None, **filters: Any
    ) -> int:
        """How many incidents match *filters*. ``GET incidents/?count``.

        Takes the filters of :meth:`get_incidents` (one request, no listing;
        ``page_size`` is left out).
        """
        return self.api.count_incidents(**incident_params(filters, count=True, extra=extra_filters))

    def count_my_incidents(
        self, *, extra_filters: Mapping[str, Any] | None = None, **filters: Any
    ) -> int:
        """How many of this source system's incidents match *filters*.

        ``GET incidents/mine/?count``; the filters of :meth:`get_my_incidents`.

        :raises pyargus.exceptions.NotSourceSystemError: for a count of 0
            when the token's user is not a source system (as
            :meth:`get_my_incidents`).
        """
        query = incident_params(filters, mine=True, count=True, extra=extra_filters)
        count = self.api.count_my_incidents(**query)
        if count == 0:
            self._require_source_system("incidents/mine/?count")
        return count

    def delete_incident(self, incident: Incident | int) -> None:
        """Delete an incident with its events and acknowledgements. ``DELETE incidents/{pk}/``.

        Argus allows this only when its setting ``INDELIBLE_INCIDENTS`` is
        off (the default is on), and then only to superusers and the
        incident's own source system.

        :raises pyargus.exceptions.NotSupportedError: if the server does not
            allow deleting incidents.
        :raises pyargus.exceptions.AuthError: if this user may not delete it.
        """
        self.api.delete_incident(checks.incident_pk(incident))

    # Events (all incidents)

    def get_incident_event(self, incident: Incident | int, event: Event | int) -> Event:
        """One event of an incident. ``GET incidents/{pk}/events/{event_pk}/``.

        :raises pyargus.exceptions.NotFoundError: if the incident has no such event.
        """
        return self.api.retrieve_incident_event(
            checks.incident_pk(incident), checks.event_pk(event)
        )

    def get_events(
        self, *, extra_filters: Mapping[str, Any] | None = None, **filters: Any
    ) -> Iterator[Event]:
        """Iterate over the events of all incidents, newest first.

        ``GET incidents/events/``, fetching cursor pages lazily as for
        :meth:`get_incidents`. argus-server (up to 2.10 at least) has no
        filters for this listing and silently ignores any it is given, so
        pyargus accepts only ``page_size=`` (and *extra_filters*, sent
        unchecked); for one incident's events use :meth:`get_incident_events`.

        :raises pyargus.exceptions.InvalidArgumentError: for any other filter.
        """
        query = event_params(filters, extra=extra_filters)
        return pagination.iterate(self.api.list_events, query)

    # Acknowledgements

    def acknowledge_incident(
        self,
        incident: Incident | int,
        description: str | None = None,
        timestamp: datetime | None = None,
        expiration: datetime | None = None,
    ) -> Acknowledgement:
        """Acknowledge an incident and return the acknowledgement.

        ``POST incidents/{pk}/acks/``. *timestamp* defaults to now (UTC);
        *expiration* ``None`` means the acknowledgement never expires, else
        it must be later than *timestamp*. Source systems may acknowledge too.
        """
        pk = checks.incident_pk(incident)
        body = _ack_body(description, timestamp, expiration)
        return self.api.create_incident_acknowledgement(pk, body)

    def get_incident_acknowledgement(
        self, incident: Incident | int, ack: Acknowledgement | int
    ) -> Acknowledgement:
        """One acknowledgement of an incident. ``GET incidents/{pk}/acks/{ack_pk}/``.

        :raises pyargus.exceptions.NotFoundError: if the incident has no such
            acknowledgement.
        """
        return self.api.retrieve_incident_acknowledgement(
            checks.incident_pk(incident), checks.acknowledgement_pk(ack)
        )

    def update_acknowledgement_expiration(
        self,
        incident: Incident | int,
        ack: Acknowledgement | int,
        expiration: datetime | None,
    ) -> Acknowledgement:
        """Change when an acknowledgement expires; return it as stored.

        ``PUT incidents/{pk}/acks/{ack_pk}/``. ``None`` makes it never
        expire. Argus wants a time in the future and refuses to change an
        acknowledgement that has already expired
        (:class:`~pyargus.exceptions.BadRequestError`).
        """
        pk = checks.incident_pk(incident)
        ack_pk = checks.acknowledgement_pk(ack)
        body = {"expiration": checks.expiration(expiration)}
        return self.api.update_incident_acknowledgement(pk, ack_pk, body)

    # Tickets

    def set_ticket_url(self, incident: Incident | int, url: str) -> str:
        """Set an incident's ticket URL (``""`` clears it); return it as stored.

        ``PUT incidents/{pk}/ticket_url/``. A change is recorded as a ``CHI``
        event. *url* must be an absolute http(s) URL (Argus checks this on
        other paths only; pyargus checks it everywhere).
        """
        pk = checks.incident_pk(incident)
        return self.api.update_ticket_url(pk, {"ticket_url": checks.ticket_url(url)})

    def create_automatic_ticket(self, incident: Incident | int) -> str:
        """Create a ticket through the server's ticket plugin and return its URL.

        ``PUT incidents/{pk}/automatic-ticket/``. If the incident already has
        a ticket URL, Argus returns that one and creates nothing.

        :raises pyargus.exceptions.NotSupportedError: if the server has no
            ticket plugin configured (see
            :attr:`ServerMetadata.ticket_plugin <pyargus.models.ServerMetadata.ticket_plugin>`).
        :raises pyargus.exceptions.TicketPluginError: if the plugin or the
            ticket system failed (``status_code`` says how).
        """
        return self.api.create_automatic_ticket(checks.incident_pk(incident))

    # Tags

    def get_incident_tags(self, incident: Incident | int) -> Tags:
        """The tags of an incident. ``GET incidents/{pk}/tags/``."""
        return Tags._trusted(self.api.list_incident_tags(checks.incident_pk(incident)))

    def add_incident_tag(self, incident: Incident | int, key: str, value: Any) -> tuple[str, str]:
        """Add one tag to an incident (a no-op if it is there); return ``(key, value)``.

        ``POST incidents/{pk}/tags/``. Unlike :meth:`update_incident`, this
        leaves the other tags alone and records no ``CHI`` event. *value*
        is turned into a string.

        :raises pyargus.exceptions.InvalidTagError: for a bad key or value.
        """
        pk = checks.incident_pk(incident)
        body = {"tag": checks.tag(key, value, addressed=False)}
        return self.api.create_incident_tag(pk, body)

    def has_incident_tag(self, incident: Incident | int, key: str, value: Any) -> bool:
        """Whether an incident has the tag ``key=value``. ``GET incidents/{pk}/tags/{tag}/``.

        :raises pyargus.exceptions.InvalidTagError: if the tag cannot be put
            in a URL (its value contains ``/``).
        """
        pk = checks.incident_pk(incident)
        tag = checks.tag(key, value, addressed=True)
        try:
            self.api.retrieve_incident_tag(pk, tag)
        except NotFoundError as exc:
            if isinstance(exc.body, dict) and "Tag" in exc.detail:
                return False  # the incident exists, the tag is not on it
            raise
        return True

    def remove_incident_tag(self, incident: Incident | int, key: str, value: Any) -> None:
        """Remove one tag from an incident. ``DELETE incidents/{pk}/tags/{tag}/``.

        Any user may remove any tag this way (no ``CHI`` event is recorded).
        The tag goes into the URL, percent-encoded; Argus cannot address a
        tag whose value contains ``/`` (use :meth:`update_incident` for those).

        :raises pyargus.exceptions.InvalidTagError: for such tags, before any request.
        :raises pyargus.exceptions.NotFoundError: if the incident does not
            exist or does not have the tag.
        """
        pk = checks.incident_pk(incident)
        tag = checks.tag(key, value, addressed=True)
        self.api.delete_incident_tag(pk, tag)

    # Bulk operations

    def bulk_acknowledge(
        self,
        incidents: Iterable[Incident | int],
        description: str | None = None,
        timestamp: datetime | None = None,
        expiration: datetime | None = None,
    ) -> BulkResult[Acknowledgement]:
        """Acknowledge many incidents in one request. ``POST incidents/acks/bulk/``.

        Arguments as for :meth:`acknowledge_incident`. Returns the outcome
        per incident: Argus answers with success as soon as one incident
        succeeded, so check :attr:`BulkResult.ok <pyargus.models.BulkResult.ok>`
        (failures are also logged). No incidents: no request, an empty result.
        """
        pks = checks.incident_pks(incidents)
        body = {"ids": pks, "ack": _ack_body(description, timestamp, expiration)}
        return bulk.send(
            "bulk_acknowledge",
            pks,
            self.api.bulk_create_acknowledgements,
            body,
            schemas.bulk_acknowledgement_result,
        )

    def bulk_post_event(
        self, incidents: Iterable[Incident | int], event: Event
    ) -> BulkResult[Event]:
        """Post the same event to many incidents in one request. ``POST incidents/events/bulk/``.

        Argus applies no checks to bulk events and only applies ``CLO``
        (close) and ``REO`` (reopen); any other type is only recorded. So
        pyargus accepts ``CLO``, ``REO``, ``OTH`` and ``CHI`` and refuses
        the rest (``END`` would leave the incidents open: use
        :meth:`bulk_resolve`; ``ACK``: use :meth:`bulk_acknowledge`).
        Argus records a ``CLO``/``REO`` for every incident, also those
        already closed/open. ``event.timestamp`` defaults to now (UTC).
        """
        pks = checks.incident_pks(incidents)
        checks.bulk_event(event)
        event = Event(
            type=event.type,
            description=event.description,
            timestamp=now() if event.timestamp is None else event.timestamp,
        )
        body = {"ids": pks, "event": event}
        return bulk.send(
            "bulk_post_event",
            pks,
            self.api.bulk_create_events,
            body,
            schemas.bulk_event_result,
        )

    def bulk_set_ticket_url(self, incidents: Iterable[Incident | int], url: str) -> BulkResult[str]:
        """Set the same ticket URL on many incidents. ``POST incidents/ticket_url/bulk/``.

        *url* as for :meth:`set_ticket_url`; each change is recorded as a
        ``CHI`` event. Returns the outcome per incident.
        """
        pks = checks.incident_pks(incidents)
        body = {"ids": pks, "ticket_url": checks.ticket_url(url)}
        return bulk.send(
            "bulk_set_ticket_url",
            pks,
            self.api.bulk_update_ticket_urls,
            body,
            schemas.bulk_ticket_url_result,
        )

    def bulk_resolve(
        self,
        incidents: Iterable[Incident | int],
        description: str | None = None,
        timestamp: datetime | None = None,
    ) -> BulkResult[Event]:
        """Close many incidents, for source systems and end users alike.

        Argus' bulk endpoint records ``END`` events without closing
        anything, so pyargus does what each role can do correctly:

        1. it reads the incidents (``GET incidents/?id__in=...``);
        2. it closes the open ones: a source system posts an ``END`` event
           to each (``POST incidents/{pk}/events/``), an end user closes them
           all with one ``CLO`` (``POST incidents/events/bulk/``). The role
           is learnt from the first ``END``: Argus refuses it for end users;
        3. it reads them again and reports any that is still open.

        Incidents that were already closed succeed with ``status`` 200 and
        no new event (so repeating a bulk_resolve is safe); stateless and
        unknown incidents fail. *timestamp* (default now, UTC) becomes the
        incidents' ``end_time``; one in the future leaves them open until then.

        :returns: per incident, the ``END``/``CLO`` event (``None`` when
            nothing had to be done) or why it failed.
        """
        pks = checks.incident_pks(incidents)
        description = checks.optional_str("description", description)
        when = now() if timestamp is None else checks.datetime_arg("timestamp", timestamp)
        return bulk.resolve(
            self.api,
            lambda chunk: self.get_incidents(id__in=chunk, page_size=len(chunk)),
            pks,
            description,
            when,
        )

    # Source systems

    def get_source_systems(self) -> list[SourceSystem]:
        """All source systems. ``GET incidents/sources/``."""
        return self.api.list_source_systems()

    def get_source_system(self, source: SourceSystem | int) -> SourceSystem:
        """One source system. ``GET incidents/sources/{pk}/``."""
        return self.api.retrieve_source_system(checks.source_system_pk(source))

    def create_source_system(
        self,
        name: str,
        type: str,
        *,
        username: str | None = None,
        base_url: str | None = None,
        heartbeat_frequency: int | timedelta | None = None,
    ) -> SourceSystem:
        """Create a source system and its user (superusers only). ``POST incidents/sources/``.

        :param type: the name of an existing source system type (see
            :meth:`create_source_system_type`).
        :param username: the source system's user name (default *name*;
            Argus appends a random suffix if it is taken).
        :param base_url: prefixed to the relative ``details_url`` of its incidents.
        :param heartbeat_frequency: how often the source system promises to
            send a heartbeat, in seconds or as a timedelta (1 minute to 1 day).

        No API token is created: make one in Argus' admin pages.
        """
        body = {
            "name": checks.non_empty_str("name", name),
            "type": checks.non_empty_str("type", type),
            "username": checks.optional_str("username", username),
            "base_url": checks.optional_str("base_url", base_url),
            "heartbeat_frequency": checks.heartbeat_frequency(heartbeat_frequency),
        }
        return self.api.create_source_system(body)  # (the schema leaves out None values)

    def update_source_system(
        self, source: SourceSystem | int, name: str | None = None
    ) -> SourceSystem:
        """Rename a source system (superusers only). ``PUT incidents/sources/{pk}/``.

        Only the name can change. Pass a :class:`~pyargus.models.SourceSystem`
        with the new ``name``, or a pk and *name*.
        """
        pk = checks.source_system_pk(source)
        if name is None and isinstance(source, SourceSystem):
            name = source.name
        body = {"name": checks.non_empty_str("name", name)}
        return self.api.update_source_system(pk, body)

    def get_source_system_types(self) -> list[str]:
        """The names of all source system types. ``GET incidents/source-types/``."""
        return self.api.list_source_system_types()

    def get_source_system_type(self, name: str) -> str:
        """A source system type's name, if it exists. ``GET incidents/source-types/{name}/``.

        :raises pyargus.exceptions.NotFoundError: if there is no such type.
        """
        return self.api.retrieve_source_system_type(checks.source_system_type_name(name))

    def create_source_system_type(self, name: str) -> str:
        """Create a source system type; return its name. ``POST incidents/source-types/``.

        Any user may do this. Names are lowercase (checked before sending).
        """
        body = {"name": checks.source_system_type_name(name)}
        return self.api.create_source_system_type(body)

    # Heartbeat

    def send_heartbeat(self) -> None:
        """Tell Argus that this source system is alive. ``POST incidents/sources/heartbeat/``.

        (Any request by a source system counts as a sign of life too.)

        :raises pyargus.exceptions.AuthError: if the token is invalid (401).
        :raises pyargus.exceptions.NotSourceSystemError: if the token's user
            is not a source system (Argus' empty 403).
        :raises pyargus.exceptions.NotSupportedError: if the server has no
            heartbeat endpoint (argus-server before 2.10); see
            :meth:`supports_heartbeat`.
        """
        self.api.send_heartbeat()

    def supports_heartbeat(self) -> bool:
        """Whether the server has the heartbeat endpoint (argus-server 2.10 and later).

        Probes ``GET incidents/sources/heartbeat/``: 405 means it exists,
        404 that it does not.

        :raises pyargus.exceptions.AuthError: if the token is invalid (the
            answer says nothing about the endpoint then).
        """
        try:
            self.api.probe_heartbeat()
        except MethodNotAllowedError:
            return True
        except NotFoundError:
            return False
        return True

    # Authentication and users

    def refresh_token(self) -> ExpiringToken:
        """Get a new token for the current one and use it from now on.

        ``POST auth/token/login/`` without a body. The new token is a knox
        token (by default it expires after 10 hours, also when the current
        token is a source system's legacy token); the current token stays
        valid until it expires or is revoked. Store the returned token to
        reuse it.
        """
        token = self.api.refresh_token()
        self._use_token(token)
        return token

    def _use_token(self, token: ExpiringToken) -> None:
        self.api.transport.set_token(checks.token(token.token))
        self.token_expiry = token.expiry

    def logout(self) -> None:
        """Revoke the token this client uses. ``POST auth/token/logout/``.

        Only knox tokens (from :meth:`login` or :meth:`refresh_token`) can be
        revoked; Argus answers a legacy token with 401
        (:class:`~pyargus.exceptions.AuthError`). The client is unusable afterwards.
        """
        self.api.logout()

    def logout_all(self) -> None:
        """Revoke all knox tokens of this user. ``POST auth/token/logoutall``."""
        self.api.logout_all()

    def get_current_user(self) -> User:
        """The user the token belongs to. ``GET auth/user/``."""
        return self.api.retrieve_current_user()

    def get_user(self, pk: int) -> User:
        """Any user by pk (e.g. a source system's ``user``). ``GET auth/users/{pk}/``."""
        return self.api.retrieve_user(checks.user_pk(pk))

    def get_my_source_system(self) -> SourceSystem | None:
        """The source system the token's user is, or ``None`` for any other user.

        Argus shows this nowhere directly, so pyargus looks, with GETs only:
        the ``source`` of the newest incident in ``GET incidents/mine/``
        (one request, when there is one); otherwise the source system in
        ``GET incidents/sources/`` whose user (``GET auth/users/{pk}/``) has
        the username of ``GET auth/user/`` (trying the source systems named
        like the user first). Nothing changes on the server (as with any
        request of a source system, Argus notes it as a sign of life).

        A glue service can check its configuration at start-up::

            if client.get_my_source_system() is None:
                sys.exit("ARGUS_TOKEN is not a source system's token")
        """
        source = _flows.run(_flows.my_source_system(self.api))
        self._own_source = source
        return source

    def _require_source_system(self, query: str) -> None:
        """Raise :class:`NotSourceSystemError` if the token's user is not a source system.

        Asked once per client (:meth:`get_my_source_system`), when a ``mine``
        listing or count (*query*, relative to the API root) comes back empty.
        """
        if self._own_source is _UNKNOWN:
            self.get_my_source_system()
        if self._own_source is None:
            raise _flows.not_source_system(self.api_root_url, query)

    # The server

    def get_server_metadata(self) -> ServerMetadata:
        """The server's version, stable API version and plugins. ``GET /api/``.

        >>> if client.get_server_metadata().version_info < (2, 10):  # doctest: +SKIP
        ...     print("this Argus has no heartbeat endpoint")
        """
        return self.api.retrieve_metadata()

    def is_alive(self) -> bool:
        """Whether the server answers. ``GET /.still-alive/`` (204).

        Servers older than 2.10 lack that endpoint; for them the answer of
        ``GET /api/`` counts. Connection failures, timeouts and 5xx answers
        give ``False``, as long as trying again may help.

        :raises pyargus.exceptions.ArgusError: for answers that show the URL
            is not an Argus server's (a redirect, a 404 from both endpoints,
            anything but Argus' empty 204 or its metadata), and for
            connection errors that are configuration errors (not
            ``retryable``: an unknown host, ``https://`` to a plain-http
            server, an untrusted certificate).
        """
        try:
            try:
                answer = self.api.health_check()
            except NotFoundError:
                self.api.retrieve_metadata()  # DecodeError if it is not Argus' JSON
            else:
                if getattr(answer, "status_code", 204) != 204:
                    raise DecodeError(
                        f"GET /.still-alive/: {answer.status_code}: Argus answers 204 and no "
                        f"body; is {self.api_root_url} the API root URL of an Argus server?",
                        ErrorResponse.from_requests(answer),
                    )
        except ClientConnectionError as error:
            if error.retryable:
                return False
            raise
        except ServerError:
            return False
        return True

    # Timeslots

    def get_timeslots(self) -> list[Timeslot]:
        """The user's timeslots, ordered by name. ``GET notificationprofiles/timeslots/``."""
        return self.api.list_timeslots()

    def get_timeslot(self, pk: Timeslot | int) -> Timeslot:
        """One of the user's timeslots. ``GET notificationprofiles/timeslots/{pk}/``.

        :raises pyargus.exceptions.NotFoundError: if the user has no such timeslot.
        """
        return self.api.retrieve_timeslot(checks.timeslot_pk(pk))

    def create_timeslot(
        self, name: str, recurrences: Iterable[TimeRecurrence | Mapping[str, Any]]
    ) -> Timeslot:
        """Create a timeslot and return it as stored. ``POST notificationprofiles/timeslots/``.

        :param name: unique among the user's timeslots (case-sensitive), at
            most 40 characters.
        :param recurrences: :class:`~pyargus.models.TimeRecurrence` objects (or
            dicts of their fields); times are the **server's** wall clock. An
            empty list makes a timeslot that never matches.
        :raises pyargus.exceptions.BadRequestError: if the user has a timeslot of that name.
        """
        body = Timeslot(
            name=checks.name("timeslot name", name, 40),
            time_recurrences=checks.recurrences(recurrences),
        )
        return self.api.create_timeslot(body)

    def update_timeslot(self, timeslot: Timeslot) -> Timeslot:
        """Change a timeslot's name and recurrences; return it as stored.

        ``PATCH notificationprofiles/timeslots/{pk}/`` with the fields of
        *timeslot* that are set. Recurrences have no identity in Argus: the
        given list replaces all of them.
        """
        pk = checks.timeslot_pk(timeslot)
        changes: dict[str, Any] = {}
        if timeslot.name is not None:
            changes["name"] = checks.name("timeslot name", timeslot.name, 40)
        if timeslot.time_recurrences is not None:
            changes["time_recurrences"] = checks.recurrences(timeslot.time_recurrences)
        return self.api.update_timeslot(pk, changes)

    def delete_timeslot(self, pk: Timeslot | int, *, force: bool = False) -> None:
        """Delete a timeslot. ``DELETE notificationprofiles/timeslots/{pk}/``.

        Argus silently deletes every notification profile that uses the
        timeslot with it, so pyargus first lists the user's profiles
        (``GET notificationprofiles/``) and refuses while any uses it,
        unless *force* (then those profiles are deleted too).

        :raises pyargus.exceptions.InUseError: if profiles use it (nothing deleted).
        """
        timeslot_pk = checks.timeslot_pk(pk)
        if not force:
            profiles = self.api.list_notification_profiles()
            checks.not_in_use("timeslot", timeslot_pk, profiles, "notification profiles", force)
        self.api.delete_timeslot(timeslot_pk)

    # Filters

    def get_filters(self) -> list[Filter]:
        """The user's filters and all public ones. ``GET notificationprofiles/filters/``."""
        return self.api.list_filters()

    def get_filter(self, pk: Filter | int) -> Filter:
        """One of the user's filters. ``GET notificationprofiles/filters/{pk}/``.

        :raises pyargus.exceptions.AuthError: for another user's public
            filter (listed by :meth:`get_filters`, readable only by its owner).
        """
        return self.api.retrieve_filter(checks.filter_pk(pk))

    def create_filter(
        self, name: str, filter: Mapping[str, Any], *, public: bool = False
    ) -> Filter:
        """Create a filter and return it as stored. ``POST notificationprofiles/filters/``.

        :param filter: the filter blob, keys of :data:`~pyargus.models.FILTER_KEYS`
            (checked: Argus drops unknown keys and stores tags that break it later).
        :param public: whether other users may see and use it.
        :raises pyargus.exceptions.InvalidArgumentError: if the user has a
            filter of that name already (argus-server would fail with a 500);
            pyargus looks with ``GET notificationprofiles/filters/``.
        """
        name = checks.name("filter name", name, 40)
        body = Filter(
            name=name, filter=checks.filter_blob(filter), public=checks.flag("public", public)
        )
        _flows.run(_flows.refuse_filter_name(self.api, name, None))
        return self.api.create_filter(body)

    def update_filter(self, filter: Filter) -> Filter:
        """Change a filter's name, blob or ``public``; return it as stored.

        ``PATCH notificationprofiles/filters/{pk}/`` with the fields of
        *filter* that are set; a blob replaces the old one whole. A new name
        is checked as for :meth:`create_filter`.
        """
        pk = checks.filter_pk(filter)
        changes: dict[str, Any] = {}
        if filter.filter is not None:
            changes["filter"] = checks.filter_blob(filter.filter)
        if filter.public is not None:
            changes["public"] = checks.flag("public", filter.public)
        if filter.name is not None:
            changes["name"] = checks.name("filter name", filter.name, 40)
            _flows.run(_flows.refuse_filter_name(self.api, changes["name"], pk))
        return self.api.update_filter(pk, changes)

    def delete_filter(self, pk: Filter | int, *, force: bool = False) -> None:
        """Delete a filter. ``DELETE notificationprofiles/filters/{pk}/``.

        Argus refuses while a notification profile uses the filter
        (:class:`~pyargus.exceptions.BadRequestError`) but not while a planned
        maintenance task does: the task then silences more (with no filter
        left, every incident, for everyone). So pyargus first lists the tasks
        (``GET plannedmaintenance/``) and refuses while any uses the filter,
        unless *force*.

        :raises pyargus.exceptions.InUseError: if maintenance tasks use it.
        """
        filter_pk = checks.filter_pk(pk)
        if not force:
            tasks = self.api.list_planned_maintenance()
            checks.not_in_use("filter", filter_pk, tasks, "planned maintenance tasks", force)
        self.api.delete_filter(filter_pk)

    def preview_filter(self, filter: Filter | Mapping[str, Any] | int) -> list[Incident]:
        """Every incident (open, closed and stateless) a filter matches.

        ``POST notificationprofiles/filterpreview/``, not paginated. *filter*
        is a filter blob, a :class:`~pyargus.models.Filter` or a filter pk
        (then read first with :meth:`get_filter`). An empty blob matches nothing.
        """
        return self.api.preview_filter(self._filter_blob(filter))

    def _filter_blob(self, filter: Filter | Mapping[str, Any] | int) -> dict[str, Any]:
        if not isinstance(filter, (Filter, Mapping)):
            filter = self.get_filter(filter)
        return checks.filter_blob(filter)

    # Destinations and media

    def get_destinations(self) -> list[Destination]:
        """The user's destinations. ``GET notificationprofiles/destinations/``.

        :raises pyargus.exceptions.NotSupportedError: if one of them uses a
            medium the server no longer has (Argus then fails the whole list).
        """
        return self.api.list_destinations()

    def get_destination(self, pk: Destination | int) -> Destination:
        """One of the user's destinations. ``GET notificationprofiles/destinations/{pk}/``."""
        return self.api.retrieve_destination(checks.destination_pk(pk))

    def create_destination(
        self, media: Media | str, settings: Mapping[str, Any], label: str | None = None
    ) -> Destination:
        """Create a destination; return it as stored. ``POST notificationprofiles/destinations/``.

        :param media: the medium's slug (``"email"``, ``"sms"``, ...) or a
            :class:`~pyargus.models.Media`.
        :param settings: the medium's settings, e.g. ``{"email_address":
            "a@example.org"}``; keys the medium does not have are refused
            (Argus drops them). Argus normalizes phone numbers to E.164.
        :param label: at most 50 characters (``None`` or ``""``: no label).
        :raises pyargus.exceptions.InvalidArgumentError: if the user has a
            destination with these settings (argus-server fails with a 500
            when it is of another medium); pyargus looks with
            ``GET notificationprofiles/destinations/``.
        """
        slug = checks.medium_slug(media)
        body = {
            "media": slug,
            "settings": checks.destination_settings(slug, settings),
            "label": checks.destination_label(label),
        }
        checks.new_destination(body, self.api.list_destinations())
        return self.api.create_destination(body)

    def update_destination(
        self,
        destination: Destination | int,
        *,
        label: str | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> Destination:
        """Change a destination's label or settings; return it as stored.

        ``PATCH notificationprofiles/destinations/{pk}/`` (Argus has no
        ``PUT`` here; the medium cannot change). Given a
        :class:`~pyargus.models.Destination`, its ``label`` and ``settings``
        are sent, unless *label* or *settings* are given; ``label=""`` clears
        the label. The settings of the managed e-mail destination cannot be
        changed (Argus would turn it into an ordinary one and make a new
        managed one): create another destination instead.
        """
        current = destination
        if not isinstance(current, Destination) or current.settings is None:
            current = self.get_destination(checks.destination_pk(destination))
        pk = checks.destination_pk(current)
        body: dict[str, Any] = {}
        if label is not None or isinstance(destination, Destination):
            body["label"] = label if label is not None else current.label or ""
            body["label"] = checks.destination_label(body["label"]) or ""
        if settings is None and isinstance(destination, Destination):
            settings = destination.settings
        if settings is not None:
            body["settings"] = checks.changed_settings(current, settings)
        return self.api.update_destination(pk, body)

    def delete_destination(self, pk: Destination | int) -> None:
        """Delete a destination. ``DELETE notificationprofiles/destinations/{pk}/``.

        :raises pyargus.exceptions.BadRequestError: for the managed e-mail
            destination, and while a notification profile (anyone's) uses it.
        """
        self.api.delete_destination(checks.destination_pk(pk))

    def is_duplicate_destination(self, pk: Destination | int) -> bool:
        """Whether *another* user has a destination of the same medium and address.

        ``GET notificationprofiles/destinations/{pk}/duplicate/``.

        :raises pyargus.exceptions.NotFoundError: if it is not the user's destination.
        """
        return self.api.retrieve_destination_duplicate(checks.destination_pk(pk))

    def get_media(self) -> list[Media]:
        """Every notification medium the server knows. ``GET notificationprofiles/media/``."""
        return self.api.list_media()

    def get_medium(self, slug: str) -> Media:
        """One medium. ``GET notificationprofiles/media/{slug}/``."""
        return self.api.retrieve_medium(checks.medium_slug(slug))

    def get_medium_json_schema(self, slug: str) -> dict[str, Any]:
        """The JSON schema of a medium's destination settings.

        ``GET notificationprofiles/media/{slug}/json_schema/``. (It only says
        "a string": the server checks more, e.g. that a phone number exists.)

        :raises pyargus.exceptions.NotSupportedError: if the medium is not installed.
        """
        return self.api.retrieve_medium_json_schema(checks.medium_slug(slug))

    # Notification profiles

    def get_notification_profiles(self) -> list[NotificationProfile]:
        """The user's notification profiles. ``GET notificationprofiles/``."""
        return self.api.list_notification_profiles()

    def get_notification_profile(self, pk: NotificationProfile | int) -> NotificationProfile:
        """One of the user's notification profiles. ``GET notificationprofiles/{pk}/``."""
        return self.api.retrieve_notification_profile(checks.notification_profile_pk(pk))

    def create_notification_profile(
        self,
        name: str | None,
        timeslot: Timeslot | int,
        filters: Iterable[Filter | int] = (),
        destinations: Iterable[Destination | int] = (),
        active: bool = True,
    ) -> NotificationProfile:
        """Create a notification profile and return it as stored. ``POST notificationprofiles/``.

        :param name: unique across **all** users of the server (Argus'
            rule), at most 40 characters; ``None`` for an unnamed profile.
        :param timeslot: one of the user's timeslots (or its pk).
        :param filters: at least one filter (Argus requires it); a profile
            notifies about incidents that match all of them.
        :param destinations: where to send the notifications (may be empty).
        :raises pyargus.exceptions.InvalidArgumentError: for a filter that is
            neither the user's nor public, or a destination that is not the
            user's (Argus would attach it and show its settings); pyargus
            looks with ``GET notificationprofiles/filters/`` and
            ``.../destinations/``.
        """
        body = checks.profile_body(name, timeslot, filters, destinations, active)
        _flows.run(_flows.refuse_others_objects(self.api, body))
        return self.api.create_notification_profile(body)

    def update_notification_profile(self, profile: NotificationProfile) -> NotificationProfile:
        """Change a notification profile; return it as stored. ``PATCH notificationprofiles/{pk}/``.

        Sends the fields of *profile* that are set, and always its timeslot
        (argus-server fails on a profile update without one), so *profile*
        needs its ``timeslot``. Filters and destinations are sent as pks and
        replace the old ones; they are checked as for
        :meth:`create_notification_profile`.
        """
        pk = checks.notification_profile_pk(profile)
        changes = checks.profile_changes(profile)
        _flows.run(_flows.refuse_others_objects(self.api, changes))
        return self.api.update_notification_profile(pk, changes)

    def delete_notification_profile(self, pk: NotificationProfile | int) -> None:
        """Delete a notification profile (not its timeslot, filters, destinations).

        ``DELETE notificationprofiles/{pk}/``.
        """
        self.api.delete_notification_profile(checks.notification_profile_pk(pk))

    def get_notification_profile_incidents(self, pk: NotificationProfile | int) -> list[Incident]:
        """The incidents that match *any* of a profile's filters (all, not paginated).

        ``GET notificationprofiles/{pk}/incidents/``. Argus ignores the
        timeslot and ``active`` here, and ORs the filters, while notifying
        ANDs them: this is a preview, not who gets notified.
        ``get_incidents(notificationprofile_pk=...)`` gives the same set in pages.

        :raises pyargus.exceptions.NotFoundError: if it is not one of the user's profiles.
        """
        return self.api.list_notification_profile_incidents(checks.notification_profile_pk(pk))

    def preview_notification_profile(
        self,
        filters: Iterable[Filter | Mapping[str, Any] | int]
        | Filter
        | Mapping[str, Any]
        | NotificationProfile,
    ) -> list[Incident]:
        """The incidents a profile with *filters* would list, before making it (or changing it).

        ``POST notificationprofiles/preview/`` for each filter (blob,
        :class:`~pyargus.models.Filter` or pk, read with :meth:`get_filter`;
        or the filters of a :class:`~pyargus.models.NotificationProfile`),
        merged as :meth:`get_notification_profile_incidents` merges a
        profile's filters (any filter matches), newest first.
        """
        if isinstance(filters, NotificationProfile):
            checks.some_filter_pks(filters.filters or (), "a notification profile")
            filters = list(filters.filters)
        if isinstance(filters, (Filter, Mapping)):
            filters = [filters]
        found: dict[int, Incident] = {}
        blobs = []
        for item in filters:  # (all checked before the first preview)
            blobs.append(self._filter_blob(item))
        for blob in blobs:
            for incident in self.api.preview_notification_profile(blob):
                found.setdefault(incident.pk, incident)
        return sorted(found.values(), key=lambda incident: incident.start_time, reverse=True)

    # Planned maintenance (argus-server 2.10 and later)

    def get_planned_maintenance(self) -> list[PlannedMaintenance]:
        """Every planned maintenance task, of every user, past ones included.

        ``GET plannedmaintenance/`` (not paginated).
        """
        return self.api.list_planned_maintenance()

    def get_planned_maintenance_task(self, pk: PlannedMaintenance | int) -> PlannedMaintenance:
        """One planned maintenance task. ``GET plannedmaintenance/{pk}/``."""
        return self.api.retrieve_planned_maintenance(checks.maintenance_pk(pk))

    def create_planned_maintenance(
        self,
        start_time: datetime,
        end_time: datetime,
        description: str,
        filters: Iterable[Filter | int],
    ) -> PlannedMaintenance:
        """Create a planned maintenance task (staff only). ``POST plannedmaintenance/``.

        From *start_time* to *end_time*, Argus sends no notification about
        incidents that match **all** of *filters* (at least one), to anyone.
        *end_time* is required: pass :data:`~pyargus.models.INFINITY` for a
        task that never ends (it then needs an explicit end; prefer a bound,
        or :meth:`planned_maintenance`).

        :raises pyargus.exceptions.AuthError: if the user is not staff.
        """
        body = checks.maintenance_body(start_time, end_time, description, filters)
        return self.api.create_planned_maintenance(body)

    def update_planned_maintenance(self, task: PlannedMaintenance) -> PlannedMaintenance:
        """Change a planned maintenance task (staff only); return it as stored.

        ``PATCH plannedmaintenance/{pk}/`` with the fields of *task* that are
        set (never ``PUT``, which makes a task without ``end_time``
        open-ended). Argus refuses to move the start of a task that has
        started, and any change to one that ended over 12 hours ago.
        """
        pk = checks.maintenance_pk(task)
        return self.api.update_planned_maintenance(pk, checks.maintenance_changes(task))

    def end_planned_maintenance(
        self, task_or_pk: PlannedMaintenance | int, when: datetime | None = None
    ) -> PlannedMaintenance | None:
        """End a planned maintenance task at *when* (default now); return it as stored.

        Argus has no "end" operation: pyargus reads the task
        (``GET plannedmaintenance/{pk}/``), then moves its ``end_time``
        (``PATCH``). A task that has not started by *when* is deleted
        instead (``DELETE``; then ``None`` is returned); one that has ended
        by then is returned unchanged. *when* may not be more than 12 hours
        back (Argus would freeze the task at once).
        """
        task = self.get_planned_maintenance_task(checks.maintenance_pk(task_or_pk))
        when = checks.maintenance_end(when, task)
        if when <= task.start_time:
            self.api.delete_planned_maintenance(task.pk)
            return None
        if task.end_time <= when:
            return task
        return self.api.update_planned_maintenance(task.pk, {"end_time": when})

    def delete_planned_maintenance(self, pk: PlannedMaintenance | int) -> None:
        """Delete a planned maintenance task that has not started (staff only).

        ``DELETE plannedmaintenance/{pk}/``. End a task that has started
        with :meth:`end_planned_maintenance`.

        :raises pyargus.exceptions.BadRequestError: if it has started.
        """
        self.api.delete_planned_maintenance(checks.maintenance_pk(pk))

    @contextmanager
    def planned_maintenance(
        self,
        description: str,
        filters: Iterable[Filter | int],
        max_duration: timedelta,
    ) -> Iterator[PlannedMaintenance]:
        """A planned maintenance task for the duration of a ``with`` block (staff only).

        Starts now and ends at the latest after *max_duration*, so that a
        process that dies inside the block cannot silence notifications
        for ever; on leaving the block, also by an exception, the task is
        ended (:meth:`end_planned_maintenance`)::

            with client.planned_maintenance("upgrade", [router_filter], timedelta(hours=1)):
                upgrade_the_router()
        """
        start = now()
        end = start + checks.max_duration(max_duration)
        task = self.create_planned_maintenance(start, end, description, filters)
        try:
            yield task
        finally:
            self.end_planned_maintenance(task)


_UNKNOWN = object()


def _ack_body(
    description: str | None, timestamp: datetime | None, expiration: datetime | None
) -> dict[str, Any]:
    when = now() if timestamp is None else checks.datetime_arg("timestamp", timestamp)
    return {
        "timestamp": when,
        "description": checks.optional_str("description", description),
        "expiration": checks.expiration(expiration, when),
    }


def _warn_plain_http(root: str) -> None:
    if root in _warned_hosts:
        return
    _warned_hosts.add(root)
    warnings.warn(
        f"the API token will be sent unencrypted to {root} (plain http)",
        InsecureTokenWarning,
        stacklevel=3,
    )
