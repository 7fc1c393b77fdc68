"""Reading Argus' side of a plan, and carrying a plan out."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..exceptions import ArgusError, AuthError, BadRequestError
from ..models import Destination, Filter, NotificationProfile, TimeRecurrence, Timeslot
from ._errors import ApplyError
from ._plan import Change, Plan, ProfilePayload, ServerState, TimeslotPayload, with_pk
from ._spec import DestinationSpec, FilterSpec, NotificationConfig

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["execute", "read_state"]


def read_state(client: Client, config: NotificationConfig, prune: frozenset[str]) -> ServerState:
    """Read what the plan compares with (GET requests only).

    Always ``GET`` timeslots, filters, destinations and notification
    profiles; media when the config declares destinations; each listed
    *public* filter that may be the user's (its name is declared, or
    filters are pruned), because the list holds every user's public filters
    and only the owner may read one (``GET .../filters/{pk}/``: 403 for
    others); planned maintenance tasks when filters are pruned.
    """
    timeslots = client.get_timeslots()
    filters = client.get_filters()
    destinations = client.get_destinations()
    profiles = client.get_notification_profiles()
    media = client.get_media() if config.destinations else None
    private_names = {f.name for f in filters if not f.public}
    foreign = set()
    for filter_ in filters:
        if not filter_.public:
            continue
        if "filter" in prune or (
            filter_.name in config.filters and filter_.name not in private_names
        ):
            try:
                client.get_filter(filter_.pk)
            except AuthError:
                foreign.add(filter_.pk)
    maintenance: dict[int, list[str]] | None = None
    if "filter" in prune:
        maintenance = {}
        for task in client.get_planned_maintenance():
            for filter_ in task.filters or ():
                maintenance.setdefault(filter_.pk, []).append(task.description or f"pk {task.pk}")
    return ServerState(
        timeslots=timeslots,
        filters=filters,
        destinations=destinations,
        notification_profiles=profiles,
        media=media,
        foreign_filters=frozenset(foreign),
        maintenance_filters=maintenance,
    )


def execute(client: Client, plan: Plan) -> Plan:
    """Make the changes of *plan* in order; return them with the pks of what was created.

    :raises ApplyError: at the first change that fails (the ones before it are made).
    """
    created: dict[tuple[str, str], int] = {}
    done: list[Change] = []
    for change, payload in zip(plan.changes, plan._payloads, strict=True):
        try:
            pk = _run(client, change, payload, created)
        except ArgusError as error:
            raise ApplyError(plan, done, change, _explained(change, error)) from error
        done.append(with_pk(change, pk))
        if change.action == "create":
            created[(change.kind, change.name)] = pk
    return Plan(changes=tuple(done), kept=plan.kept, source=plan.source, applied=True)


def _explained(change: Change, error: ArgusError) -> Any:
    if (
        isinstance(error, BadRequestError)
        and change.kind == "notification_profile"
        and "already has a profile with that name" in str(error)
    ):
        return (
            f"{error} (profile names are unique across all users of the server: another "
            f"user has a profile named {change.name!r}; choose another name)"
        )
    return error


def _run(client: Client, change: Change, payload: Any, created: dict[tuple[str, str], int]) -> int:
    kind, action = change.kind, change.action
    if action == "delete":
        assert change.pk is not None
        getattr(client, f"delete_{kind}")(change.pk)
        return change.pk
    if kind == "timeslot":
        return _timeslot(client, change, payload)
    if kind == "filter":
        return _filter(client, change, payload)
    if kind == "destination":
        return _destination(client, change, payload)
    return _profile(client, change, payload, created)


def _recurrences(payload: TimeslotPayload) -> list[TimeRecurrence]:
    return [
        TimeRecurrence(days=list(days), start=start, end=end)
        for days, start, end in payload.recurrences
    ]


def _timeslot(client: Client, change: Change, payload: TimeslotPayload) -> int:
    if change.action == "create":
        return client.create_timeslot(payload.spec.name, _recurrences(payload)).pk
    client.update_timeslot(
        Timeslot(pk=change.pk, name=payload.spec.name, time_recurrences=_recurrences(payload))
    )
    assert change.pk is not None
    return change.pk


def _filter(client: Client, change: Change, spec: FilterSpec) -> int:
    if change.action == "create":
        return client.create_filter(spec.name, dict(spec.filter), public=spec.public).pk
    client.update_filter(Filter(pk=change.pk, filter=dict(spec.filter), public=spec.public))
    assert change.pk is not None
    return change.pk


def _destination(client: Client, change: Change, spec: DestinationSpec) -> int:
    if change.action == "create":
        return client.create_destination(spec.media, dict(spec.settings), spec.label).pk
    assert change.pk is not None
    client.update_destination(change.pk, label=spec.label or "")  # only the label
    return change.pk


def _profile(
    client: Client, change: Change, payload: ProfilePayload, created: dict[tuple[str, str], int]
) -> int:
    spec = payload.spec

    def pk(kind: str, name: str) -> int:
        return created.get((kind, name)) or payload.known[(kind, name)]

    def pks(kind: str, names: Iterable[str]) -> list[int]:
        return [pk(kind, name) for name in names]

    timeslot = pk("timeslot", spec.timeslot)
    filters = pks("filter", spec.filters)
    destinations = pks("destination", spec.destinations)
    if change.action == "create":
        return client.create_notification_profile(
            spec.name, timeslot, filters, destinations, spec.active
        ).pk
    client.update_notification_profile(
        NotificationProfile(
            pk=change.pk,
            name=spec.name,
            timeslot=Timeslot(pk=timeslot),
            filters=[Filter(pk=pk) for pk in filters],
            destinations=[Destination(pk=pk) for pk in destinations],
            active=spec.active,
        )
    )
    assert change.pk is not None
    return change.pk
