"""The glue toolkit: what every glue service writes around the client, done once and safely.

A glue service keeps what only it knows: how to fetch its active alerts,
how to build an incident from one, and what to write back to its own
system. This module does the rest:

* :func:`load_config` (and ``Client.from_env()``): URL, token, timeout from
  arguments, the environment, the glue's own settings or
  ``~/.config/argus/config.toml``;
* :func:`check`: a ``--check`` option (server, version, token, heartbeat);
* :func:`find_my_incident`, :func:`index_my_incidents`: lookups by
  ``source_incident_id``, one request or one listing;
* :func:`ensure_incident`: get-or-create that never makes two incidents;
* :func:`reconcile`: make Argus' open incidents match the active alerts,
  safe by default (it refuses mass closes when the alert source fails);
* :class:`LevelMap`: severity to level;
* :func:`run_heartbeats`, :func:`start_heartbeats`: heartbeat loops;
* :func:`exit_code_for`, :func:`http_status_for`: what a CLI exits with,
  what a webhook answers.

See :doc:`/glue` for a guide; :mod:`pyargus.glue.aio` has the same
functions for an :class:`~pyargus.async_client.AsyncClient`. The
multi-step operations are written once as generators
(:mod:`pyargus.glue._flows`) over pure decisions (:mod:`pyargus.glue._plan`),
run by :func:`pyargus._flows.run` here and :func:`pyargus._flows.arun` there,
so that both share every decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from .._flows import run
from . import _flows
from ._check import CheckReport, check_flow, parse_version, token_is_source_system
from ._classify import LevelMap, exit_code_for, http_status_for
from ._config import ArgusConfig, api_root, default_config_path, load_config
from ._flows import PAGE_SIZE, sync_client
from ._heartbeat import HeartbeatThread, run_heartbeats, start_heartbeats
from ._plan import Desired, Ensured, IncidentIndex, ReconcileRefused, ReconcileReport

if TYPE_CHECKING:
    from ..client import Client
    from ..models import Incident

__all__ = [
    "PAGE_SIZE",
    "ArgusConfig",
    "CheckReport",
    "Ensured",
    "HeartbeatThread",
    "IncidentIndex",
    "LevelMap",
    "ReconcileRefused",
    "ReconcileReport",
    "api_root",
    "check",
    "default_config_path",
    "ensure_incident",
    "exit_code_for",
    "find_my_incident",
    "http_status_for",
    "index_my_incidents",
    "is_source_system",
    "load_config",
    "reconcile",
    "run_heartbeats",
    "start_heartbeats",
]

K = TypeVar("K")


def check(
    client: Client,
    *,
    min_version: tuple[int, ...] | str | None = None,
    need_source_system: bool = False,
    need_heartbeat: bool = False,
) -> CheckReport:
    """Check the server and the token, as a glue's ``--check`` option does.

    ``GET /api/`` (version, and the latency), ``GET auth/user/`` (whose
    token), ``GET incidents/sources/`` and ``GET auth/users/{pk}/`` (is it a
    source system's), ``GET incidents/sources/heartbeat/`` (heartbeat
    support). Expected failures (unreachable, refused token, old server)
    never raise: they become :attr:`~CheckReport.problems` and the
    :attr:`~CheckReport.exit_code` (0 fine, 1 problems, 3 only warnings,
    4 the token, 5 unreachable)::

        report = check(client, min_version="2.10", need_source_system=True)
        print(report)
        sys.exit(report.exit_code)

    :param min_version: the oldest argus-server the glue works with.
    :param need_source_system: a problem if the token is not a source system's.
    :param need_heartbeat: a problem if the server has no heartbeat endpoint.
    """
    wanted = None if min_version is None else parse_version(min_version)
    flow = check_flow(
        sync_client(client).api_root_url,
        min_version=wanted,
        need_source_system=need_source_system,
        need_heartbeat=need_heartbeat,
    )
    return run(flow, sync_client(client))


def is_source_system(client: Client) -> bool:
    """Whether the token's user is a source system's (``GET auth/user/``,
    ``GET incidents/sources/``, ``GET auth/users/{pk}/``; no side effects)."""
    return run(token_is_source_system(), sync_client(client))


def find_my_incident(
    client: Client, source_incident_id: str | int, *, open_only: bool = False
) -> Incident | None:
    """This source system's incident with *source_incident_id*, or ``None``.

    One request, ``GET incidents/mine/?source_incident_id=...``: only this
    source system's incidents, in any state (only open ones with
    *open_only*), and only an exact match of the id.

    :raises pyargus.exceptions.InvalidArgumentError: for an id Argus cannot
        look up (empty, or with leading or trailing white space: Argus strips
        it from the lookup).
    """
    return run(
        _flows.find_my_incident(source_incident_id, open_only=open_only), sync_client(client)
    )


def index_my_incidents(
    client: Client,
    *,
    open: bool | None = True,
    key: Callable[[str], K] = str,  # type: ignore[assignment]
    **filters: Any,
) -> IncidentIndex[K]:
    """This source system's incidents by ``key(source_incident_id)``, from one listing.

    ``GET incidents/mine/`` (pages of :data:`PAGE_SIZE`), open ones by
    default (``open=None``: any state). *key* converts the ids, e.g.
    ``key=int`` for NAV's and Zino's numeric ids. Incidents it cannot key
    (no id, *key* failed, a key already taken) are not dropped silently: they
    are in :attr:`~IncidentIndex.skipped` with the reason.

    :param filters: more filters, as for ``Client.get_my_incidents`` (e.g.
        ``tags={"glue": "zabbix"}``).
    """
    return run(_flows.index_my_incidents(open=open, key=key, filters=filters), sync_client(client))


def ensure_incident(
    client: Client,
    incident: Incident,
    *,
    restart: bool = False,
    description: str | None = None,
) -> Ensured:
    """Get or create: the incident with *incident*'s ``source_incident_id``, posted if absent.

    1. It looks the id up in any state (``GET incidents/mine/``).
    2. If absent, it posts *incident* (``POST incidents/``). If another
       worker posted it in between (:class:`~pyargus.exceptions.DuplicateIncidentError`),
       or the answer to the post was lost, it looks it up again.
    3. If it exists closed, it is returned as it is (``existed_closed``),
       or reopened with a ``RES`` event (``POST incidents/{pk}/events/``,
       argus-server 2.10+) when *restart* is true, with *description*.

    Argus keeps ids unique, so this never makes two incidents, and it is
    safe to call again after any failure.
    """
    return run(
        _flows.ensure_incident(incident, restart=restart, description=description),
        sync_client(client),
    )


def reconcile(
    client: Client,
    desired: Desired,
    *,
    scope: Mapping[str, Any] | None = None,
    create_missing: bool = True,
    resolve_missing: bool = True,
    update_changed: bool | Sequence[str] = False,
    min_age: timedelta | None = None,
    confirm_gone: Callable[[Incident], bool] | None = None,
    allow_empty: bool = False,
    max_resolve: int | float | None = 0.5,
    resolve_description: str | None = "Resolved by reconciliation",
    timestamp: datetime | None = None,
    dry_run: bool = False,
    page_size: int = PAGE_SIZE,
) -> ReconcileReport:
    """Make this source system's open incidents match the alerts that are active.

    :param desired: the active alerts: ``{source_incident_id: incident}``,
        where an incident may be a function without arguments that builds it
        (called only for incidents that must be created, or compared with
        *update_changed*; it may return ``None``: do not sync), or an
        iterable of incidents with their ids. Pass ``None`` when fetching
        the alerts failed: the pass is refused.
    :param scope: filters selecting the open incidents this pass owns, e.g.
        ``{"tags": {"glue": "zabbix"}}`` (default: all of this source system's).
    :param create_missing: post desired incidents that are not open.
    :param resolve_missing: resolve open incidents that are not desired.
    :param update_changed: ``True`` (``description``, ``level``,
        ``details_url``, ``tags``, ``metadata``) or a list of fields to
        compare and PATCH on open desired incidents; tags are only added.
    :param min_age: do not resolve incidents younger than this.
    :param confirm_gone: asked before resolving an incident; ``False`` (or
        an exception) keeps it open.
    :param allow_empty: let an empty *desired* resolve incidents.
    :param max_resolve: refuse a pass that would resolve more than this
        many (int) or this share (float, at least 1) of the open incidents;
        ``None``: no limit.
    :param resolve_description: the description of the ``END`` events.
    :param timestamp: their time (default now, UTC).
    :param dry_run: only read (GET), and report what would be done.
    :param page_size: the listings' page size.

    One pass reads the open incidents once (``GET incidents/mine/?open=true``,
    ``ceil(open / page_size)`` requests), and nothing more when nothing
    changed. For desired ids that are not open it finds out whether they
    exist closed, with one count and, whichever costs the server less, one
    listing of all this source system's incidents or a lookup per id;
    existing closed ones are reported in ``existed_closed``, never posted
    again. It then posts (``POST incidents/``, as :func:`ensure_incident`
    does), PATCHes (``PATCH incidents/{pk}/``) and resolves (``POST
    incidents/{pk}/events/``). An error with one incident is collected in
    ``failed`` and the pass goes on; a second pass over the same input
    changes nothing.

    :raises ReconcileRefused: before any change, when *desired* is
        ``None``, or empty while incidents are open (unless *allow_empty*),
        or more would be resolved than *max_resolve* allows.
    :raises pyargus.exceptions.AuthError: the token was refused; the pass stops.
    :raises pyargus.exceptions.ArgusError: the open incidents could not be
        read (after retries): nothing was changed.
    :raises pyargus.exceptions.InvalidArgumentError: bad arguments, before
        any request.
    """
    flow = _flows.reconcile(
        desired,
        scope=scope,
        create_missing=create_missing,
        resolve_missing=resolve_missing,
        update_changed=update_changed,
        min_age=min_age,
        confirm_gone=confirm_gone,
        allow_empty=allow_empty,
        max_resolve=max_resolve,
        resolve_description=resolve_description,
        timestamp=timestamp,
        dry_run=dry_run,
        page_size=page_size,
    )
    return run(flow, sync_client(client))
