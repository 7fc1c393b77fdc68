"""``argus sync``: reconcile a file of desired incidents with this source system's open ones."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ..exceptions import InvalidArgumentError
from ..glue import ReconcileRefused, reconcile
from ..models import Incident, Tags
from ..time import now
from ._run import Context, UsageError
from ._values import parse_time

__all__ = ["FIELDS", "read_desired", "sync"]

#: The fields a desired incident may have (``source_incident_id`` is required).
FIELDS = ("source_incident_id", "description", "level", "tags", "start_time", "details_url")


def read_desired(text: str, *, default_start: datetime) -> list[Incident]:
    """The incidents of *text*: a JSON array of objects, or one object per line (JSONL).

    Each object has the :class:`~pyargus.models.Incident` field names of
    :data:`FIELDS`; ``start_time`` (ISO 8601) defaults to *default_start*.

    :raises UsageError: naming the item or line, for anything else.
    """
    return [_incident(data, where, default_start) for where, data in _objects(text)]


def _objects(text: str) -> Iterator[tuple[str, Any]]:
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except ValueError as exc:
            raise UsageError(f"not valid JSON: {exc}") from None
        for number, item in enumerate(items, 1):
            yield f"item {number}", item
        return
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except ValueError as exc:
            raise UsageError(f"line {number}: not valid JSON: {exc}") from None


def _incident(data: Any, where: str, default_start: datetime) -> Incident:
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected an object, not {type(data).__name__}")
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise UsageError(
            f"{where}: unknown field {', '.join(map(repr, unknown))} (known: {', '.join(FIELDS)})"
        )
    sid = data.get("source_incident_id")
    if isinstance(sid, bool) or not isinstance(sid, (str, int)) or not str(sid).strip():
        raise UsageError(f"{where}: source_incident_id is required (a string)")
    for name in ("description", "details_url", "start_time"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise UsageError(f"{where}: {name} must be a string, not {data[name]!r}")
    start = default_start
    if data.get("start_time") is not None:
        try:
            start = parse_time(data["start_time"])
        except ValueError:
            raise UsageError(
                f"{where}: start_time {data['start_time']!r} is not ISO 8601"
            ) from None
    try:
        return Incident(
            source_incident_id=str(sid),
            description=data.get("description"),
            level=data.get("level"),
            tags=Tags(data.get("tags") or ()),
            start_time=start,
            details_url=data.get("details_url"),
        )
    except InvalidArgumentError as exc:
        raise UsageError(f"{where} ({sid}): {exc}") from None


def sync(ctx: Context, args: argparse.Namespace) -> int:
    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8") as handle:
                text = handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    desired = read_desired(text, default_start=now())
    scope_tags = Tags(args.scope_tag or ())
    for incident in desired:  # what this sync creates stays in its scope
        for key, value in scope_tags.allitems():
            if value not in incident.tags.getlist(key):
                incident.tags.add(key, value)
    out = ctx.out
    client = ctx.client
    out.progress(f"syncing {len(desired)} desired incidents…")
    try:
        report = reconcile(
            client,
            desired,
            scope={"tags": scope_tags} if scope_tags else None,
            create_missing=not args.no_create,
            resolve_missing=not args.no_resolve,
            update_changed=args.update,
            min_age=args.min_age,
            allow_empty=args.allow_empty,
            max_resolve=args.max_resolve,
            resolve_description=args.message,
            dry_run=args.dry_run,
        )
    except ReconcileRefused:
        out.clear_progress()
        out.note(
            "nothing was changed; --allow-empty, --max-resolve N or --max-resolve none "
            "lift the guards"
        )
        raise
    rows = _rows(report)
    if out.fmt in ("json", "jsonl"):
        out.data(report.as_dict(), "")
    else:
        out.items("sync", rows)
        if out.fmt == "table":
            out.stream.write(report.summary() + "\n")
            out.stream.flush()
        else:
            out.note(report.summary())
    code = report.exit_code
    if code == 3 and not args.detailed_exitcode:
        return 0
    return code


def _rows(report: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(action: str, incident: Incident | None, sid: Any, detail: Any = None) -> None:
        pk = getattr(incident, "pk", None) if incident is not None else None
        rows.append({"action": action, "pk": pk, "sid": sid, "detail": detail})

    verb = "would " if report.dry_run else ""
    for incident in report.created:
        add(f"{verb}create", incident, incident.source_incident_id, incident.description)
    for incident, change in report.updated:
        add(f"{verb}update", incident, incident.source_incident_id, ", ".join(sorted(change)))
    for incident in report.resolved:
        add(f"{verb}resolve", incident, incident.source_incident_id, incident.description)
    for incident in report.existed_closed:
        add("existed closed", incident, incident.source_incident_id, "not posted again")
    for incident, why in report.kept_open:
        add("kept open", incident, incident.source_incident_id, why)
    for incident, why in report.ignored:
        add("ignored", incident, incident.source_incident_id, why)
    for sid in report.not_created:
        add("not created", None, sid)
    for sid, error in report.failed:
        add("failed", None, sid, str(error))
    return rows
