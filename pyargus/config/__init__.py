"""Notification config as code: declare timeslots, filters, destinations and
notification profiles in a file, see what would change, and apply it.

::

    from pyargus.config import apply, load_config_file, plan

    config = load_config_file("notifications.yaml")
    print(plan(client, config))          # a readable diff, or "no changes"
    result = apply(client, config)       # creates, updates (and, with prune=, deletes)

Objects are matched by name (destinations by medium and settings), and
both sides are normalised before they are compared, so that applying the
same file twice changes nothing the second time. Only what the file
declares is created or changed; objects it does not declare are left
alone unless ``prune=`` says which kinds to delete. The file format, the
time zones of timeslots and what is deleted when: ``docs/config.rst``
("Notification config as code").

The names of this module (:func:`load_config_file`, :func:`parse_config`,
:func:`plan`, :func:`apply`, :class:`Plan`, :class:`Change`,
:class:`ConfigError`, :class:`ApplyError`) are stable: the command line
(``argus notifications plan|apply FILE``) is built on them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._apply import execute, read_state
from ._errors import ApplyError, ConfigError
from ._plan import Change, Kept, Plan, ServerState, compute_plan, prune_kinds
from ._read import read_file
from ._spec import (
    KINDS,
    SERVER,
    DestinationSpec,
    FilterSpec,
    NotificationConfig,
    ProfileSpec,
    RecurrenceSpec,
    TimeslotSpec,
    parse,
)

if TYPE_CHECKING:
    from ..client import Client

__all__ = [
    "KINDS",
    "SERVER",
    "ApplyError",
    "Change",
    "ConfigError",
    "DestinationSpec",
    "FilterSpec",
    "Kept",
    "NotificationConfig",
    "Plan",
    "ProfileSpec",
    "RecurrenceSpec",
    "ServerState",
    "TimeslotSpec",
    "apply",
    "compute_plan",
    "load_config_file",
    "parse_config",
    "plan",
]

ConfigLike = NotificationConfig | Mapping[str, Any] | str | os.PathLike[str]


def load_config_file(path: str | os.PathLike[str]) -> NotificationConfig:
    """Read and check a notification config file: YAML (``.yaml``, ``.yml``;
    needs PyYAML, the ``config`` extra) or JSON (any other name).

    :raises ConfigError: naming the file, the line, the path in the file and
        the key, for syntax errors, unknown or missing keys, bad values and
        references to names the file does not declare.
    :raises ImportError: for a YAML file without PyYAML installed.
    """
    data, lines, source = read_file(path)
    return parse(data, source, lines)


def parse_config(data: Mapping[str, Any], *, source: str | None = None) -> NotificationConfig:
    """Check a notification config given as a dict (the file's structure).

    :raises ConfigError: as :func:`load_config_file` (with the path in the
        dict, and no line).
    """
    return parse(data, source)


def _config(config: ConfigLike) -> NotificationConfig:
    if isinstance(config, NotificationConfig):
        return config
    if isinstance(config, Mapping):
        return parse_config(config)
    if isinstance(config, (str, os.PathLike)):
        return load_config_file(config)
    raise ConfigError(
        f"config must be a NotificationConfig, a dict or a file path, not {type(config).__name__}"
    )


def plan(
    client: Client,
    config: ConfigLike,
    *,
    prune: bool | Iterable[str] = False,
    server_timezone: str | None = None,
) -> Plan:
    """What :func:`apply` would change, without changing anything.

    Sends only ``GET`` requests: the user's timeslots, filters,
    destinations and notification profiles, the media (if the config has
    destinations), and some more for public filters and pruning (see
    ``docs/config.rst``).

    :param client: a client with the token of the user whose notifications
        these are (each user has their own; a superuser cannot manage
        another user's).
    :param config: a :class:`NotificationConfig`, a dict, or a file path.
    :param prune: which kinds of objects that the config does not declare
        to delete: ``False`` (the default) none, ``True`` all, or some of
        ``"notification_profile"``, ``"filter"``, ``"destination"``,
        ``"timeslot"``.
    :param server_timezone: the Argus server's ``TIME_ZONE`` (overrides the
        file's ``server_timezone``), needed to convert timeslot times that
        are stated in another zone.
    :raises ConfigError: before any request for a bad config; after the
        ``GET`` requests for what only the server can tell (a medium it does
        not have, settings another of the user's destinations has).
    """
    checked = _config(config)
    kinds = prune_kinds(prune)
    state = read_state(client, checked, kinds)
    return compute_plan(checked, state, prune=kinds, server_timezone=server_timezone)


def apply(
    client: Client,
    config: ConfigLike,
    *,
    prune: bool | Iterable[str] = False,
    server_timezone: str | None = None,
) -> Plan:
    """Make Argus hold what *config* declares; return what was done.

    Makes the changes of :func:`plan` (same arguments) in dependency order:
    timeslots, filters and destinations are created and updated before the
    notification profiles that use them; deletions (only with *prune*)
    come last, profiles first. A second ``apply`` of the same config sends
    only the ``GET`` requests of :func:`plan` and returns a plan without
    changes.

    :returns: the :class:`Plan` with ``applied=True`` and the pks of
        created objects in its changes.
    :raises ApplyError: if Argus refuses a change; the changes before it
        were made (``error.done``), and applying again continues.
    """
    return execute(client, plan(client, config, prune=prune, server_timezone=server_timezone))
