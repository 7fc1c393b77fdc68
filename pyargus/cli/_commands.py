"""The commands of ``argus``: each takes the context and the arguments, returns the exit status."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

from .. import glue
from ..exceptions import ArgusError
from ..filters import incident_params
from ..models import STATELESS, BulkResult, Event, Incident, Tags
from ..time import now
from ._run import Context, UsageError
from ._sync import sync
from ._values import read_pks

__all__ = ["COMMANDS"]

Command = Callable[[Context, argparse.Namespace], int]

#: The most items one page asks for.
MAX_PAGE = 500

#: Filters Argus does not apply on incidents/mine/, by option.
_NOT_MINE = {
    "search": "--search",
    "level__lte": "--level-max",
    "id__in": "--id",
    "source__name__in": "--source",
    "source__type__in": "--source-type",
    "source__id__in": "--source-id",
}


def incident_filters(args: argparse.Namespace) -> dict[str, Any]:
    """The ``get_incidents`` filters the options ask for, checked (nothing is sent).

    :raises UsageError: for a filter Argus ignores on ``incidents/mine/``.
    :raises pyargus.exceptions.InvalidArgumentError: for a bad value.
    """
    filters = {
        "open": args.open,
        "acked": args.acked,
        "stateful": args.stateful,
        "ticket": args.ticket,
        "hide_closed_acked": args.hide_closed_acked,
        "tags": Tags(args.tags) if args.tags else None,
        "source__name__in": args.source,
        "source__type__in": args.source_type,
        "source__id__in": args.source_id,
        "id__in": args.ids,
        "source_incident_id": args.sid,
        "level__lte": args.level_max,
        "start_time__gte": args.since,
        "start_time__lte": args.until,
        "end_time__gte": args.ended_since,
        "end_time__lte": args.ended_until,
        "duration__gte": args.min_duration,
        "search": args.search,
        "filter_pk": args.filter_pk,
        "notificationprofile_pk": args.notification_profile,
    }
    filters = {name: value for name, value in filters.items() if value is not None}
    if args.mine:
        for name, option in _NOT_MINE.items():
            if name in filters:
                raise UsageError(
                    f"argument {option}: not with --mine (Argus does not apply it to "
                    "incidents/mine/ and would list all of this source system's incidents)"
                )
    incident_params(filters, mine=args.mine)  # every value checked before any request
    return filters


def _listing(
    ctx: Context,
    kind: str,
    fetch: Callable[[int], Iterator[Any]],
    total: Callable[[], int] | None,
    noun: str,
) -> int:
    """Stream a listing, up to ``--limit`` items unless ``--all``; say when it was cut."""
    args = ctx.args
    limit = None if args.all else args.limit
    page_size = MAX_PAGE if limit is None else max(1, min(limit + 1, MAX_PAGE))
    items = fetch(page_size)
    shown = ctx.out.items(kind, items if limit is None else islice(items, limit), batch=page_size)
    if limit is not None and next(items, None) is not None:
        of = f" of {total()}" if total is not None else ""
        ctx.out.note(
            f"showing {shown}{of} {noun} (--limit N for more, --all for every one)"
            if of
            else f"showing the first {shown} {noun}; there are more (--limit N, --all)"
        )
    return 0


# check


def check(ctx: Context, args: argparse.Namespace) -> int:
    report = glue.check(
        ctx.client,
        min_version=args.min_version,
        need_source_system=args.need_source_system,
        need_heartbeat=args.need_heartbeat,
    )
    ctx.out.data(report, str(report))
    if report.exit_code == 3 and not args.detailed_exitcode:
        return 0
    return report.exit_code


# incidents


def incidents_list(ctx: Context, args: argparse.Namespace) -> int:
    filters = incident_filters(args)
    client = ctx.client
    if args.mine:
        return _listing(
            ctx,
            "incident",
            lambda size: client.get_my_incidents(**filters, page_size=size),
            lambda: client.count_my_incidents(**filters),
            "incidents",
        )
    return _listing(
        ctx,
        "incident",
        lambda size: client.get_incidents(**filters, page_size=size),
        lambda: client.count_incidents(**filters),
        "incidents",
    )


def incidents_count(ctx: Context, args: argparse.Namespace) -> int:
    filters = incident_filters(args)
    client = ctx.client
    count = client.count_my_incidents(**filters) if args.mine else client.count_incidents(**filters)
    ctx.out.value(count, "count")
    return 0


def incidents_show(ctx: Context, args: argparse.Namespace) -> int:
    ctx.out.item("incident", ctx.client.get_incident(args.pk))
    return 0


def incidents_post(ctx: Context, args: argparse.Namespace) -> int:
    incident = Incident(
        description=args.description,
        level=args.level,
        source_incident_id=args.sid,
        tags=Tags(args.tags or ()),
        start_time=args.start or now(),
        end_time=STATELESS if args.stateless else None,
        details_url=args.details_url,
    )
    ctx.out.item("incident", ctx.client.post_incident(incident))
    return 0


def incidents_update(ctx: Context, args: argparse.Namespace) -> int:
    given = {
        "description": args.description,
        "level": args.level,
        "details_url": args.details_url,
        "ticket_url": args.ticket_url,
    }
    given = {name: value for name, value in given.items() if value is not None}
    if not given and not args.tags and not args.remove_tag:
        raise UsageError(
            "nothing to change: give --description, --level, --details-url, --ticket-url, "
            "--tag or --remove-tag"
        )
    incident = ctx.client.get_incident(args.pk)  # then only what changed is sent
    for name, value in given.items():
        setattr(incident, name, value)
    tags = incident.tags
    for key, value in args.tags or ():
        if value not in tags.getlist(key):
            tags.add(key, value)
    for key, value in args.remove_tag or ():
        if value not in tags.getlist(key):
            raise UsageError(f"argument --remove-tag: incident #{args.pk} has no tag {key}={value}")
        tags.setlist(key, [v for v in tags.getlist(key) if v != value])
    if not incident.changed_fields():
        ctx.out.note(f"incident #{args.pk} already is as asked: nothing sent")
        ctx.out.item("incident", incident)
        return 0
    ctx.out.item("incident", ctx.client.update_incident(incident))
    return 0


def _bulk(
    ctx: Context, result: BulkResult[Any], done: str, detail: Callable[[Any], str | None]
) -> int:
    rows = []
    for pk, item in result.items():
        if not item.ok:
            rows.append({"incident": pk, "result": "failed", "detail": item.error})
        elif item.value is None:
            rows.append({"incident": pk, "result": "unchanged", "detail": "nothing to do"})
        else:
            rows.append({"incident": pk, "result": done, "detail": detail(item.value)})
    ctx.out.items("result", rows)
    failed = len(result.failed)
    if failed:
        ctx.out.note(f"{failed} of {len(result)} incidents failed")
        return 1
    return 0


def incidents_resolve(ctx: Context, args: argparse.Namespace) -> int:
    pks = read_pks(args.pks)
    if not pks:
        raise UsageError("no incidents to resolve (standard input was empty)")
    client = ctx.client
    ctx.out.progress(f"resolving {len(pks)} incidents…")
    result = client.bulk_resolve(pks, args.message, args.at)
    return _bulk(ctx, result, "resolved", lambda event: f"{event.type} event #{event.pk}")


def incidents_restart(ctx: Context, args: argparse.Namespace) -> int:
    ctx.out.item("event", ctx.client.restart_incident(args.pk, args.message))
    return 0


def incidents_ack(ctx: Context, args: argparse.Namespace) -> int:
    pks = read_pks(args.pks)
    if not pks:
        raise UsageError("no incidents to acknowledge (standard input was empty)")
    client = ctx.client
    ctx.out.progress(f"acknowledging {len(pks)} incidents…")
    result = client.bulk_acknowledge(pks, args.message, expiration=args.expires)

    def until(ack: Any) -> str:
        if ack.expiration is None:
            return "never expires"
        return f"expires {ack.expiration.isoformat()}"

    return _bulk(ctx, result, "acknowledged", until)


def incidents_ticket(ctx: Context, args: argparse.Namespace) -> int:
    client = ctx.client
    if args.auto:
        url = client.create_automatic_ticket(args.pk)
    else:
        url = client.set_ticket_url(args.pk, "" if args.clear else args.ticket_url)
    ctx.out.value(url, "ticket_url")
    return 0


def incidents_events(ctx: Context, args: argparse.Namespace) -> int:
    ctx.out.items("event", ctx.client.get_incident_events(args.pk))
    return 0


def incidents_tags(ctx: Context, args: argparse.Namespace) -> int:
    if args.action is None and args.tag_args:
        raise UsageError("argument KEY=VALUE: say add or remove first (tags PK add host=a)")
    if args.action is not None and not args.tag_args:
        raise UsageError(f"argument KEY=VALUE: which tags to {args.action}?")
    client = ctx.client
    for key, value in args.tag_args:
        if args.action == "add":
            client.add_incident_tag(args.pk, key, value)
        else:
            client.remove_incident_tag(args.pk, key, value)
    ctx.out.items("tag", client.get_incident_tags(args.pk).allitems())
    return 0


# events


def events_list(ctx: Context, args: argparse.Namespace) -> int:
    client = ctx.client
    if args.follow:
        return _follow(ctx, args)
    return _listing(ctx, "event", lambda size: client.get_events(page_size=size), None, "events")


def _follow(ctx: Context, args: argparse.Namespace) -> int:
    """The newest events (oldest first), then new ones as they come, until interrupted."""
    client = ctx.client
    out = ctx.out
    limit = None if args.all else args.limit
    size = MAX_PAGE if limit is None else max(1, min(limit, MAX_PAGE))
    newest = client.get_events(page_size=size)
    first = list(newest if limit is None else islice(newest, limit))
    last = max((event.pk for event in first), default=0)

    def events() -> Iterator[Event]:
        nonlocal last
        yield from reversed(first)
        while True:
            out.progress(f"following events (every {args.interval:g} s); Ctrl-C ends")
            time.sleep(args.interval)
            try:
                fresh = []
                for event in client.get_events(page_size=50):
                    if event.pk <= last:
                        break
                    fresh.append(event)
            except ArgusError as exc:
                if glue.exit_code_for(exc) != 5:
                    raise
                out.note(f"warning: {ctx.scrub(str(exc))}; trying again")
                continue
            if fresh:
                out.clear_progress()
                last = fresh[0].pk
                yield from reversed(fresh)

    out.items("event", events(), batch=max(1, len(first)), flush_each=True)
    return 0  # pragma: no cover - only an interrupt or an error ends it


# sources


def sources_list(ctx: Context, args: argparse.Namespace) -> int:
    ctx.out.items("source", ctx.client.get_source_systems())
    return 0


def sources_show(ctx: Context, args: argparse.Namespace) -> int:
    ctx.out.item("source", ctx.client.get_source_system(args.pk))
    return 0


def sources_create(ctx: Context, args: argparse.Namespace) -> int:
    source = ctx.client.create_source_system(
        args.name,
        args.type,
        username=args.username,
        base_url=args.base_url,
        heartbeat_frequency=args.heartbeat_frequency,
    )
    ctx.out.item("source", source)
    return 0


def sources_types(ctx: Context, args: argparse.Namespace) -> int:
    ctx.out.items("type", ctx.client.get_source_system_types())
    return 0


# heartbeat


def heartbeat(ctx: Context, args: argparse.Namespace) -> int:
    client = ctx.client
    out = ctx.out
    if args.every is None:
        client.send_heartbeat()
        sent = now()
        out.data({"heartbeat": "sent", "time": sent}, f"heartbeat sent at {_local(sent)}")
        return 0

    def failed(error: ArgusError) -> None:
        out.note(f"warning: heartbeat failed, trying again: {ctx.scrub(str(error))}")

    def arrived() -> None:
        out.progress(f"last heartbeat at {_local(now())}; every {args.every:g} s, Ctrl-C ends")

    glue.run_heartbeats(client, every=args.every, on_error=failed, on_success=arrived)
    return 0  # pragma: no cover - only an interrupt or an error ends it


# notifications


def _notification_config(ctx: Context, args: argparse.Namespace) -> tuple[Any, Any]:
    """The checked config of FILE and the ``prune=`` argument (nothing sent yet)."""
    from .. import config

    prune: bool | list[str] = False
    if args.prune == "all":
        prune = True
    elif args.prune is not None:
        prune = [kind.strip() for kind in args.prune.split(",")]
    try:
        checked = config.load_config_file(args.file)
    except ImportError as exc:  # a YAML file without PyYAML
        raise UsageError(f"{args.file}: {exc}") from None
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    return checked, prune


def notifications_plan(ctx: Context, args: argparse.Namespace) -> int:
    from .. import config

    checked, prune = _notification_config(ctx, args)
    plan = config.plan(ctx.client, checked, prune=prune, server_timezone=args.server_timezone)
    ctx.out.data(plan.as_dict(), str(plan))
    return 3 if plan.has_changes and args.detailed_exitcode else 0


def notifications_apply(ctx: Context, args: argparse.Namespace) -> int:
    from .. import config

    checked, prune = _notification_config(ctx, args)
    ctx.out.progress(f"applying {args.file}…")
    try:
        done = config.apply(ctx.client, checked, prune=prune, server_timezone=args.server_timezone)
    except config.ApplyError as exc:
        for change in exc.done:
            ctx.out.note(f"done before the error: {change.describe()}")
        raise
    ctx.out.data(done.as_dict(), str(done))
    return 0


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")


COMMANDS: dict[str, Command] = {
    "check": check,
    "incidents_list": incidents_list,
    "incidents_count": incidents_count,
    "incidents_show": incidents_show,
    "incidents_post": incidents_post,
    "incidents_update": incidents_update,
    "incidents_resolve": incidents_resolve,
    "incidents_restart": incidents_restart,
    "incidents_ack": incidents_ack,
    "incidents_ticket": incidents_ticket,
    "incidents_events": incidents_events,
    "incidents_tags": incidents_tags,
    "events_list": events_list,
    "sources_list": sources_list,
    "sources_show": sources_show,
    "sources_create": sources_create,
    "sources_types": sources_types,
    "heartbeat": heartbeat,
    "sync": sync,
    "notifications_plan": notifications_plan,
    "notifications_apply": notifications_apply,
}
