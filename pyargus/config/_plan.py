"""The plan: what must change in Argus for it to hold what a config declares.

:func:`compute_plan` is a pure function of the config and of what was read
from Argus (:class:`ServerState`); it sends nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import time
from typing import Any

from ..models import FILTER_KEYS
from ._errors import ConfigError
from ._spec import (
    KINDS,
    NotificationConfig,
    ProfileSpec,
    RecurrenceSpec,
    TimeslotSpec,
    check_blob,
    destination_key,
    normalize_settings,
)
from ._times import Recurrence, ZoneMismatch, canonical, zone_shift

__all__ = ["Change", "Kept", "Plan", "ServerState", "compute_plan", "prune_kinds"]

_ACTIONS = ("create", "update", "delete")
_SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class ServerState:
    """What :func:`~pyargus.config.plan` read from Argus (the client's models)."""

    timeslots: Sequence[Any] = ()
    filters: Sequence[Any] = ()
    destinations: Sequence[Any] = ()
    notification_profiles: Sequence[Any] = ()
    #: The server's media (``None``: not read, not checked).
    media: Sequence[Any] | None = None
    #: pks of listed (public) filters that belong to other users.
    foreign_filters: frozenset[int] = frozenset()
    #: filter pk → descriptions of the planned maintenance tasks that use it
    #: (``None``: not read).
    maintenance_filters: Mapping[int, Sequence[str]] | None = None


@dataclass(frozen=True)
class Change:
    """One request :func:`~pyargus.config.apply` makes (or made).

    :ivar action: ``"create"``, ``"update"`` or ``"delete"``.
    :ivar kind: ``"timeslot"``, ``"filter"``, ``"destination"`` or
        ``"notification_profile"``.
    :ivar name: the object's name (a destination's: its name in the file,
        or, for one that is not in the file, its medium and address).
    :ivar pk: the object's pk in Argus (for a create: after ``apply``).
    :ivar before: the values that change, as Argus has them (``None`` for
        a create), or all values of an object to delete.
    :ivar after: the values that change, as the config has them (all values
        for a create; ``None`` for a delete). References are by name.
    """

    action: str
    kind: str
    name: str
    pk: int | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None

    def describe(self) -> str:
        """``update filter "Critical" (pk 3)``."""
        kind = self.kind.replace("_", " ")
        pk = "" if self.pk is None else f" (pk {self.pk})"
        return f'{self.action} {kind} "{self.name}"{pk}'

    def lines(self) -> list[str]:
        """The readable lines of this change."""
        result = [f"{_SYMBOLS[self.action]} {self.describe()}"]
        if self.action == "create":
            result += [f"    {key}: {_show(value)}" for key, value in (self.after or {}).items()]
        elif self.action == "update":
            before, after = self.before or {}, self.after or {}
            result += [
                f"    {key}: {_show(before.get(key))} -> {_show(after[key])}" for key in after
            ]
        return result


@dataclass(frozen=True)
class Kept:
    """An object of Argus the plan leaves alone although the config does not declare it."""

    kind: str
    name: str
    pk: int
    reason: str

    def describe(self) -> str:
        return f'{self.kind.replace("_", " ")} "{self.name}" (pk {self.pk}): {self.reason}'


@dataclass(frozen=True)
class Plan:
    """The changes that make Argus hold what a config declares, in the order they are made.

    ``str(plan)`` is a readable diff; ``changes`` the same for programs;
    ``bool(plan)`` is false when there is nothing to change.

    :ivar changes: the :class:`Change` list, in order.
    :ivar kept: objects in Argus that the config does not declare and that
        are left alone (not pruned, or not deletable, with the reason).
    :ivar source: the config's file, if it came from one.
    :ivar applied: whether :func:`~pyargus.config.apply` made these changes.
    """

    changes: tuple[Change, ...] = ()
    kept: tuple[Kept, ...] = ()
    source: str | None = None
    applied: bool = False
    _payloads: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    def __bool__(self) -> bool:
        return bool(self.changes)

    @property
    def has_changes(self) -> bool:
        """Whether anything needs to change (``False``: "no changes")."""
        return bool(self.changes)

    def count(self, action: str) -> int:
        """How many changes are *action* (``"create"``, ``"update"``, ``"delete"``)."""
        return sum(1 for change in self.changes if change.action == action)

    def summary(self) -> str:
        """``2 to create, 1 to update, 0 to delete`` (``created`` ... after ``apply``), or
        ``no changes``."""
        if not self.changes:
            return "no changes"
        if self.applied:
            return ", ".join(f"{self.count(a)} {a[:-1]}ed" for a in _ACTIONS)
        return ", ".join(f"{self.count(a)} to {a}" for a in _ACTIONS)

    def as_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data."""
        return {
            "source": self.source,
            "applied": self.applied,
            "changes": [_jsonable(vars(change)) for change in self.changes],
            "kept": [vars(kept) for kept in self.kept],
        }

    def __str__(self) -> str:
        head = f"{self.source}: " if self.source else ""
        if not self.changes:
            lines = [f"{head}no changes: Argus has what the config declares"]
        else:
            lines = [f"{head}{self.summary()}"]
            for change in self.changes:
                lines += change.lines()
        if self.kept:
            lines.append("Not changed although not in the config:")
            lines += [f"  {kept.describe()}" for kept in self.kept]
        return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, time):
        return value.isoformat()
    return value


def _show(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=False)


def prune_kinds(prune: bool | Iterable[str]) -> frozenset[str]:
    """The kinds *prune* deletes: ``True`` all, ``False`` none, or the kinds named."""
    if prune is True:
        return frozenset(KINDS)
    if prune is False or prune is None:
        return frozenset()
    if isinstance(prune, str):
        prune = [prune]
    kinds = frozenset(prune)
    unknown = sorted(kinds - set(KINDS))
    if unknown:
        raise ConfigError(f"prune= got unknown kinds {unknown} (known: {', '.join(KINDS)})")
    return kinds


# Reading the client's models


def _slug(media: Any) -> str:
    return media if isinstance(media, str) else str(getattr(media, "slug", media))


def _pk(value: Any) -> int | None:
    return value if isinstance(value, int) or value is None else getattr(value, "pk", None)


def server_recurrences(timeslot: Any) -> tuple[Recurrence, ...]:
    """A timeslot of Argus in canonical form."""
    return canonical(
        RecurrenceSpec(days=tuple(rec.days), start=rec.start, end=rec.end)
        for rec in timeslot.time_recurrences or ()
    )


def _server_blob(filter_: Any) -> dict[str, Any]:
    """A filter blob of Argus in canonical form (without its null defaults)."""
    blob = {k: v for k, v in dict(filter_.filter or {}).items() if k in FILTER_KEYS}
    return check_blob(blob, ("filters", str(filter_.name), "filter"))


def _is_managed(destination: Any) -> bool:
    return bool((destination.settings or {}).get("synced"))


def _destination_name(destination: Any) -> str:
    return str(destination.label or getattr(destination, "suggested_label", None) or destination.pk)


def _recurrence_view(recurrences: Iterable[Recurrence]) -> list[str]:
    return [
        f"{_days(days)} {start.isoformat()}-{end.isoformat()}" for days, start, end in recurrences
    ]


def _days(days: Sequence[int]) -> str:
    if not days:
        return "(no days)"
    runs: list[list[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        _DAY_NAMES[run[0] - 1] + (f"-{_DAY_NAMES[run[-1] - 1]}" if len(run) > 2 else "")
        if len(run) != 2
        else f"{_DAY_NAMES[run[0] - 1]},{_DAY_NAMES[run[1] - 1]}"
        for run in runs
    )


def _destination_view(media: str, settings: Mapping[str, Any], label: str | None) -> dict[str, Any]:
    return {"media": media, "settings": dict(settings), "label": label}


# Payloads: what the executor needs besides the Change


@dataclass(frozen=True)
class TimeslotPayload:
    spec: TimeslotSpec
    recurrences: tuple[Recurrence, ...]


@dataclass(frozen=True)
class ProfilePayload:
    spec: ProfileSpec
    #: pks of the existing objects it refers to (by kind and name).
    known: Mapping[tuple[str, str], int]


def compute_plan(
    config: NotificationConfig,
    state: ServerState,
    *,
    prune: bool | Iterable[str] = False,
    server_timezone: str | None = None,
) -> Plan:
    """The plan that makes *state* what *config* declares (no requests).

    :param prune: delete what the config does not declare: ``True`` for
        every kind, or the kinds to prune (``{"notification_profile"}``).
    :param server_timezone: the server's ``TIME_ZONE`` (instead of the
        file's ``server_timezone``).
    :raises ConfigError: for timeslot zones that cannot be converted and
        for media the server does not have.
    """
    return _Planner(config, state, prune_kinds(prune), server_timezone).plan()


class _Planner:
    def __init__(
        self,
        config: NotificationConfig,
        state: ServerState,
        prune: frozenset[str],
        server_timezone: str | None,
    ) -> None:
        self.config = config
        self.state = state
        self.prune = prune
        self.server_zone = server_timezone or config.server_timezone
        self.changes: list[Change] = []
        self.payloads: list[Any] = []
        self.kept: list[Kept] = []
        # (kind, name) -> pk of the existing object the config's name means
        self.known: dict[tuple[str, str], int] = {}
        self.filters = [f for f in state.filters if f.pk not in state.foreign_filters]

    def add(self, change: Change, payload: Any) -> None:
        self.changes.append(change)
        self.payloads.append(payload)

    def plan(self) -> Plan:
        self.check_media()
        self.timeslots()
        self.filters_()
        self.destinations()
        self.profiles()
        self.deletions()
        return Plan(
            changes=tuple(self.changes),
            kept=tuple(self.kept),
            source=self.config.source,
            _payloads=tuple(self.payloads),
        )

    def check_media(self) -> None:
        if self.state.media is None:
            return
        installed = {
            _slug(m) for m in self.state.media if getattr(m, "installed", None) is not False
        }
        for ref, spec in self.config.destinations.items():
            if spec.media not in installed:
                raise self.config.error(
                    f"the server has no medium {spec.media!r} (installed: "
                    f"{', '.join(sorted(installed)) or 'none'})",
                    ("destinations", ref, "media"),
                )

    # Creates and updates

    def timeslots(self) -> None:
        existing = {t.name: t for t in self.state.timeslots}
        shifts: dict[str, Any] = {}
        for name, spec in self.config.timeslots.items():
            if spec.timezone not in shifts:
                try:
                    shifts[spec.timezone] = zone_shift(spec.timezone, self.server_zone)
                except ZoneMismatch as error:
                    raise self.config.error(str(error), ("timeslots", name)) from None
            wanted = canonical(spec.recurrences, shifts[spec.timezone])
            payload = TimeslotPayload(spec, wanted)
            current = existing.get(name)
            if current is None:
                self.add(
                    Change(
                        "create", "timeslot", name, after={"recurrences": _recurrence_view(wanted)}
                    ),
                    payload,
                )
                continue
            self.known[("timeslot", name)] = current.pk
            have = server_recurrences(current)
            if have != wanted:
                self.add(
                    Change(
                        "update",
                        "timeslot",
                        name,
                        current.pk,
                        before={"recurrences": _recurrence_view(have)},
                        after={"recurrences": _recurrence_view(wanted)},
                    ),
                    payload,
                )

    def filters_(self) -> None:
        existing: dict[str, Any] = {}
        for filter_ in self.filters:
            existing.setdefault(filter_.name, filter_)
        for name, spec in self.config.filters.items():
            current = existing.get(name)
            wanted = {"filter": dict(spec.filter), "public": spec.public}
            if current is None:
                self.add(Change("create", "filter", name, after=wanted), spec)
                continue
            self.known[("filter", name)] = current.pk
            have = {"filter": _server_blob(current), "public": bool(current.public)}
            self.update_if_different("filter", name, current.pk, have, wanted, spec)

    def update_if_different(
        self,
        kind: str,
        name: str,
        pk: int,
        have: Mapping[str, Any],
        wanted: Mapping[str, Any],
        payload: Any,
    ) -> None:
        differ = [key for key in wanted if have.get(key) != wanted[key]]
        if differ:
            self.add(
                Change(
                    "update",
                    kind,
                    name,
                    pk,
                    before={key: have.get(key) for key in differ},
                    after={key: wanted[key] for key in differ},
                ),
                payload,
            )

    def destinations(self) -> None:
        existing = {
            destination_key(_slug(d.media), normalize_settings(_slug(d.media), d.settings or {})): d
            for d in self.state.destinations
        }
        for ref, spec in self.config.destinations.items():
            current = existing.get(destination_key(spec.media, spec.settings))
            if current is None:
                self.add(
                    Change(
                        "create",
                        "destination",
                        ref,
                        after=_destination_view(spec.media, spec.settings, spec.label),
                    ),
                    spec,
                )
                continue
            self.known[("destination", ref)] = current.pk
            self.update_if_different(
                "destination",
                ref,
                current.pk,
                {"label": current.label or None},
                {"label": spec.label},
                spec,
            )

    def profiles(self) -> None:
        existing = {p.name: p for p in self.state.notification_profiles if p.name}
        for name, spec in self.config.notification_profiles.items():
            wanted = {
                "timeslot": spec.timeslot,
                "filters": sorted(spec.filters),
                "destinations": sorted(spec.destinations),
                "active": spec.active,
            }
            payload = ProfilePayload(spec, self.known)
            current = existing.get(name)
            if current is None:
                self.add(Change("create", "notification_profile", name, after=wanted), payload)
                continue
            self.known[("notification_profile", name)] = current.pk
            have = self.profile_as_named(current)
            self.update_if_different(
                "notification_profile", name, current.pk, have, wanted, payload
            )

    def profile_as_named(self, profile: Any) -> dict[str, Any]:
        """An existing profile with its references as the config's names, where
        they are the objects those names mean (else as ``pk <n>``)."""
        names: dict[tuple[str, int | None], str] = {
            (kind, pk): name for (kind, name), pk in self.known.items()
        }

        def named(kind: str, value: Any) -> str:
            pk = _pk(value)
            return (
                names.get((kind, pk)) or f"{getattr(value, 'name', None) or ''} (pk {pk})".strip()
            )

        return {
            "timeslot": named("timeslot", profile.timeslot),
            "filters": sorted(named("filter", f) for f in profile.filters or ()),
            "destinations": sorted(named("destination", d) for d in profile.destinations or ()),
            "active": bool(profile.active),
        }

    # Deletions (only what prune names), profiles first

    def deletions(self) -> None:
        declared = self.config.notification_profiles
        remaining_profiles = []
        for profile in self.state.notification_profiles:
            if profile.name in declared and profile.name:
                continue
            name = profile.name or f"(unnamed, pk {profile.pk})"
            if "notification_profile" in self.prune:
                self.add(
                    Change(
                        "delete",
                        "notification_profile",
                        name,
                        profile.pk,
                        before=self.profile_as_named(profile),
                    ),
                    None,
                )
            else:
                remaining_profiles.append(profile)
                self.kept.append(Kept("notification_profile", name, profile.pk, "not pruned"))
        used: dict[tuple[str, int], str] = {}
        for profile in remaining_profiles:
            label = f'used by notification profile "{profile.name or profile.pk}"'
            used.setdefault(("timeslot", _pk(profile.timeslot) or 0), label)
            for filter_ in profile.filters or ():
                used.setdefault(("filter", _pk(filter_) or 0), label)
            for destination in profile.destinations or ():
                used.setdefault(("destination", _pk(destination) or 0), label)
        maintenance = self.state.maintenance_filters or {}
        for filter_ in self.filters:
            if filter_.name in self.config.filters:
                continue
            reason = used.get(("filter", filter_.pk))
            if reason is None and filter_.pk in maintenance:
                tasks = "; ".join(repr(d) for d in maintenance[filter_.pk])
                reason = (
                    f"used by planned maintenance ({tasks}): deleting it would make the task "
                    "silence every incident"
                )
            self.delete_or_keep(
                "filter",
                filter_.name,
                filter_.pk,
                reason,
                {"filter": _server_blob(filter_), "public": bool(filter_.public)},
            )
        known_destinations = {pk for (kind, _), pk in self.known.items() if kind == "destination"}
        for destination in self.state.destinations:
            if destination.pk in known_destinations:
                continue
            media = _slug(destination.media)
            reason = used.get(("destination", destination.pk))
            if reason is None and _is_managed(destination):
                reason = "the user's own e-mail address, managed by Argus (cannot be deleted)"
            self.delete_or_keep(
                "destination",
                _destination_name(destination),
                destination.pk,
                reason,
                _destination_view(
                    media, normalize_settings(media, destination.settings or {}), destination.label
                ),
            )
        for timeslot in self.state.timeslots:
            if timeslot.name in self.config.timeslots:
                continue
            reason = used.get(("timeslot", timeslot.pk))
            if reason is not None:
                reason += " (deleting the timeslot would delete the profile)"
            self.delete_or_keep(
                "timeslot",
                timeslot.name,
                timeslot.pk,
                reason,
                {"recurrences": _recurrence_view(server_recurrences(timeslot))},
            )

    def delete_or_keep(
        self, kind: str, name: str, pk: int, reason: str | None, before: Mapping[str, Any]
    ) -> None:
        if kind not in self.prune:
            self.kept.append(Kept(kind, name, pk, "not pruned"))
        elif reason is not None:
            self.kept.append(Kept(kind, name, pk, reason))
        else:
            self.add(Change("delete", kind, name, pk, before=before), None)


def with_pk(change: Change, pk: int | None) -> Change:
    return replace(change, pk=pk)


__all__ += ["ProfilePayload", "TimeslotPayload", "server_recurrences", "with_pk"]
