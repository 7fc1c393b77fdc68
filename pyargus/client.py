"""The pyargus client: the documented, typed API over :mod:`pyargus.api`.

>>> from pyargus.client import Client
>>> client = Client("https://argus.example.org/api/v2", token="...")  # doctest: +SKIP
>>> for incident in client.get_my_incidents(open=True):  # doctest: +SKIP
...     print(incident.pk, incident.description)
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import requests

from . import checks, pagination, params
from .api import ArgusAPI
from .exceptions import InsecureTokenWarning, InvalidArgumentError
from .models import Acknowledgement, Event, Incident
from .time import now
from .transport import DEFAULT_TIMEOUT, RetryPolicy, Timeout, Transport

__all__ = ["Client"]

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
    ) -> None:
        root = checks.api_root_url(api_root_url)
        transport = Transport(
            root,
            checks.token(token),
            timeout=timeout,
            retries=retries,
            session=session,
            verify=verify,
        )
        #: The low-level uplink consumer with one method per endpoint.
        self.api = ArgusAPI(root, transport)
        if root.startswith("http://") and not checks.is_loopback(root):
            _warn_plain_http(root)

    @property
    def api_root_url(self) -> str:
        """The normalized API root URL (ends in ``/``)."""
        return self.api.api_root_url

    def __repr__(self) -> str:
        return f"Client({self.api_root_url!r})"

    def close(self) -> None:
        """Close the connections of the session pyargus created."""
        self.api.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Incidents

    def get_incidents(self, **filters: Any) -> Iterator[Incident]:
        """Iterate over all incidents that match *filters*, newest first.

        ``GET incidents/``, following the cursor pages lazily: a page is
        fetched only when the previous one is used up.

        :param filters: Argus filters by name, e.g. ``open=True``,
            ``acked=False``, ``tags={"host": "a"}``, ``source__name__in=["nav"]``,
            ``start_time__gte=datetime(...)``; ``page_size=`` sets the page size.
            ``None`` values are left out.
        :raises pyargus.exceptions.ArgusError: when a page cannot be fetched.
        """
        return pagination.iterate(self.api.list_incidents, _list_params(filters))

    def get_my_incidents(self, **filters: Any) -> Iterator[Incident]:
        """Iterate over the incidents of this source system, newest first.

        ``GET incidents/mine/``; takes the same *filters* as
        :meth:`get_incidents` except the ``source__*``, ``level__lte``,
        ``id__in`` and ``search`` ones.
        """
        return pagination.iterate(self.api.list_my_incidents, _list_params(filters))

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

        :raises pyargus.exceptions.DuplicateIncidentError: if this source
            already has an incident (open or closed) with that
            ``source_incident_id``.
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

    def resolve_incident(
        self,
        incident: Incident | int,
        description: str | None = None,
        timestamp: datetime | None = None,
    ) -> Event:
        """End an incident by posting an ``END`` event and return the event.

        ``POST incidents/{pk}/events/``. *timestamp* defaults to now (UTC).
        """
        return self._post_state_event(incident, "END", description, timestamp)

    def restart_incident(
        self,
        incident: Incident | int,
        description: str | None = None,
        timestamp: datetime | None = None,
    ) -> Event:
        """Reopen an ended incident by posting a ``RES`` event; return the event.

        ``POST incidents/{pk}/events/`` (argus-server 2.10 and later).
        *timestamp* defaults to now (UTC).
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


def _list_params(filters: dict[str, Any]) -> dict[str, str]:
    if "count" in filters:
        raise InvalidArgumentError("count is not a filter; use count_incidents()")
    return params.encode_filters(filters)


def _warn_plain_http(root: str) -> None:
    if root in _warned_hosts:
        return
    _warned_hosts.add(root)
    warnings.warn(
        f"the API token will be sent unencrypted to {root} (plain http)",
        InsecureTokenWarning,
        stacklevel=3,
    )
