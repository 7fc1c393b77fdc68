"""The ``argus`` command: Argus from the shell (see :doc:`/cli`).

Installed as the console script ``argus`` and runnable as ``python -m pyargus``.
It is built on :mod:`argparse` (the standard library) so that installing
pyargus pulls in nothing new for the glue services that only need the
library. This module imports only the standard library: ``argus --version``
and ``argus --help`` never load the HTTP stack (requests, uplink,
marshmallow); the commands import it when they run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from .. import __version__
from . import _values as values

__all__ = ["EXIT_CODES", "build_parser", "main"]

#: The exit codes of ``argus`` (stable; see :doc:`/cli`).
EXIT_CODES = {
    0: "success (an empty listing included)",
    1: "the command failed: an API error, or some items of a bulk operation failed",
    2: "usage or configuration error (nothing was sent)",
    3: "drift: sync --dry-run --detailed-exitcode found changes to make "
    "(check --detailed-exitcode: warnings)",
    4: "authentication or permission: the token was refused, or lacks a right",
    5: "transient: Argus unreachable, timing out, failing (5xx) or rate-limiting",
    130: "interrupted (Ctrl-C)",
}

FORMATS = ("table", "json", "jsonl", "tsv")

_EPILOG = """\
configuration: options > environment (ARGUS_URL, ARGUS_TOKEN, ARGUS_TOKEN_FILE,
ARGUS_TIMEOUT, ARGUS_RETRIES, ARGUS_PROFILE, ARGUS_CONFIG) > a profile of
~/.config/argus/config.toml > defaults. There is no --token option: it would
end up in the shell history and in ps.

exit codes: 0 ok, 1 error, 2 usage, 3 drift (sync --dry-run --detailed-exitcode),
4 auth, 5 transient/unreachable, 130 interrupted."""


class _Parser(argparse.ArgumentParser):
    """One clear line on stderr for a usage error, then exit 2."""

    def error(self, message: str) -> Any:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


class _NoToken(argparse.Action):
    """``--token`` is refused: a token on the command line ends up in the history and ps."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> None:
        parser.error(
            "argument --token: there is no --token option (the token would end up in the "
            "shell history and in ps); use ARGUS_TOKEN, ARGUS_TOKEN_FILE, --token-file or "
            "a profile"
        )


def _common(parser: argparse.ArgumentParser) -> None:
    """The options every command takes, before or after its name."""
    add = parser.add_argument
    s = argparse.SUPPRESS
    add(
        "-o",
        "--output",
        choices=FORMATS,
        default=s,
        help="output format (default: table on a terminal, tsv through a pipe)",
    )
    add("--url", default=s, help="the Argus server or API root URL (else ARGUS_URL, the profile)")
    add("--profile", default=s, help="the profile of the config file to use (else ARGUS_PROFILE)")
    add(
        "--config",
        metavar="FILE",
        default=s,
        help="the config file (else ARGUS_CONFIG, ~/.config/argus/config.toml)",
    )
    add(
        "--token-file",
        metavar="FILE",
        default=s,
        help="a file holding the token (else ARGUS_TOKEN, ARGUS_TOKEN_FILE, the profile)",
    )
    add(
        "--timeout",
        type=values.seconds,
        metavar="SECONDS",
        default=s,
        help="seconds to wait for Argus (default 10)",
    )
    add(
        "--retries",
        type=values.count,
        metavar="N",
        default=s,
        help="retries of failed requests when safe (default 2)",
    )
    add("--token", action=_NoToken, nargs="?", default=s, help=s)
    add("--debug", action="store_true", default=s, help="log the HTTP requests and show tracebacks")


def _filters(parser: argparse.ArgumentParser) -> None:
    """The incident filters of ``incidents list`` and ``incidents count``."""
    group = parser.add_argument_group("filters (those of get_incidents)")
    add = group.add_argument
    add("--mine", action="store_true", help="only this source system's incidents (incidents/mine/)")
    _pair(group, "open", "closed", "open (stateful, not ended) or closed incidents")
    _pair(group, "acked", "unacked", "acknowledged or unacknowledged incidents")
    _pair(group, "stateful", "stateless", "stateful or stateless incidents")
    _pair(group, "ticket", "no-ticket", "incidents with or without a ticket URL")
    _tags(group, "--tag", "has this tag (repeatable: values of one key OR, keys AND)")
    add("--source", action="append", metavar="NAME", help="of this source system (repeatable)")
    add("--source-type", action="append", metavar="TYPE", help="of this source system type")
    add("--source-id", action="append", type=values.pk, metavar="PK", help="of this source system")
    add("--id", dest="ids", action="append", type=values.pk, metavar="PK", help="this incident")
    add("--sid", metavar="ID", help="with this source_incident_id")
    add("--level-max", type=values.level, metavar="N", help="level N or more severe (1-5)")
    add(
        "--since",
        type=values.since,
        metavar="TIME",
        help="started at or after TIME (2h, 30m, 1d ago, or ISO 8601, e.g. 2026-12-01T10:00)",
    )
    add("--until", type=values.since, metavar="TIME", help="started at or before TIME")
    add("--ended-since", type=values.since, metavar="TIME", help="ended at or after TIME")
    add("--ended-until", type=values.since, metavar="TIME", help="ended at or before TIME")
    add(
        "--min-duration",
        type=values.duration,
        metavar="DURATION",
        help="lasting at least DURATION (e.g. 1h)",
    )
    add("--search", metavar="TEXT", help="TEXT in the description or tags")
    add(
        "--hide-closed-acked",
        action="store_true",
        default=None,
        help="leave out closed incidents that were acknowledged",
    )
    add("--filter-pk", type=values.pk, metavar="PK", help="the incidents of this saved filter")
    add(
        "--notification-profile",
        type=values.pk,
        metavar="PK",
        help="the incidents of this notification profile",
    )


def _tags(parser: Any, flag: str, help: str) -> None:
    dest = "tags" if flag == "--tag" else flag[2:].replace("-", "_")
    parser.add_argument(
        flag, dest=dest, action="append", type=values.tag, metavar="KEY=VALUE", help=help
    )


def _pair(group: Any, yes: str, no: str, what: str) -> None:
    dest = yes.replace("-", "_")
    both = group.add_mutually_exclusive_group()
    both.add_argument(f"--{yes}", dest=dest, action="store_const", const=True, help=what)
    both.add_argument(f"--{no}", dest=dest, action="store_const", const=False)


def _limit(parser: argparse.ArgumentParser, default: int = 50) -> None:
    both = parser.add_mutually_exclusive_group()
    both.add_argument(
        "--limit",
        type=values.count,
        metavar="N",
        default=default,
        help=f"show at most N (default {default}; a note says when there is more)",
    )
    both.add_argument("--all", action="store_true", help="show everything")


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``argus`` command (standard library only)."""
    common = _Parser(add_help=False)
    _common(common)
    parser = _Parser(
        prog="argus",
        description="Argus from the shell: incidents, events, acknowledgements, tickets, "
        "tags, source systems, heartbeats, check and sync.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"argus (pyargus) {__version__}")
    nouns = parser.add_subparsers(dest="noun", metavar="COMMAND", required=True)

    def leaf(parent: Any, name: str, run: str, help: str, **kwargs: Any) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = parent.add_parser(
            name, help=help, description=help, parents=[common], allow_abbrev=False, **kwargs
        )
        sub.set_defaults(run=run)
        return sub

    def group(name: str, help: str) -> Any:
        sub = nouns.add_parser(name, help=help, description=help, allow_abbrev=False)
        return sub.add_subparsers(dest="verb", metavar="VERB", required=True)

    p = leaf(
        nouns,
        "check",
        "check",
        "check the server and the token: version, user, "
        "source system or not, heartbeat support, latency",
    )
    p.add_argument(
        "--min-version",
        type=values.version,
        metavar="X.Y",
        help="a problem if argus-server is older",
    )
    p.add_argument(
        "--need-source-system",
        action="store_true",
        help="a problem (exit 4) if the token is not a source system's",
    )
    p.add_argument(
        "--need-heartbeat",
        action="store_true",
        help="a problem if the server has no heartbeat endpoint",
    )
    p.add_argument("--detailed-exitcode", action="store_true", help="exit 3 on warnings")

    inc = group("incidents", "list, show, post, update, resolve, acknowledge incidents")
    p = leaf(inc, "list", "incidents_list", "list incidents, newest first")
    _filters(p)
    _limit(p)
    p = leaf(inc, "count", "incidents_count", "count the incidents that match the filters")
    _filters(p)
    p = leaf(inc, "show", "incidents_show", "show one incident")
    p.add_argument("pk", type=values.pk, metavar="PK")
    p = leaf(inc, "post", "incidents_post", "post a new incident (source systems only)")
    p.add_argument("--description", "-d", required=True)
    p.add_argument("--level", type=values.level, metavar="N", help="1 (critical) to 5 (default 5)")
    p.add_argument("--sid", metavar="ID", help="its source_incident_id")
    _tags(p, "--tag", "a tag (repeatable)")
    p.add_argument("--start", type=values.since, metavar="TIME", help="its start (default now)")
    p.add_argument("--stateless", action="store_true", help="a stateless incident (no end)")
    p.add_argument("--details-url", metavar="URL")
    p = leaf(inc, "update", "incidents_update", "change an incident; only what is given changes")
    p.add_argument("pk", type=values.pk, metavar="PK")
    p.add_argument("--description", "-d")
    p.add_argument("--level", type=values.level, metavar="N")
    p.add_argument("--details-url", metavar="URL")
    p.add_argument("--ticket-url", metavar="URL")
    _tags(p, "--tag", "add this tag (the others stay; repeatable)")
    _tags(p, "--remove-tag", "remove this tag (repeatable)")
    p = leaf(
        inc,
        "resolve",
        "incidents_resolve",
        "close incidents (an END event, or CLO for end users); - reads PKs from stdin",
    )
    p.add_argument("pks", nargs="+", type=values.pk_or_stdin, metavar="PK")
    p.add_argument("--message", "-m", metavar="TEXT", help="the event's description")
    p.add_argument("--at", type=values.since, metavar="TIME", help="the end time (default now)")
    p = leaf(inc, "restart", "incidents_restart", "reopen a closed incident (a RES event)")
    p.add_argument("pk", type=values.pk, metavar="PK")
    p.add_argument("--message", "-m", metavar="TEXT")
    p = leaf(inc, "ack", "incidents_ack", "acknowledge incidents; - reads PKs from stdin")
    p.add_argument("pks", nargs="+", type=values.pk_or_stdin, metavar="PK")
    p.add_argument("--message", "-m", metavar="TEXT")
    p.add_argument(
        "--expires",
        type=values.until,
        metavar="TIME",
        help="when it stops counting: 4h, 1d (from now) or ISO 8601 (default never)",
    )
    p = leaf(inc, "ticket", "incidents_ticket", "set, create or clear an incident's ticket URL")
    p.add_argument("pk", type=values.pk, metavar="PK")
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("ticket_url", nargs="?", metavar="URL", help="the ticket's URL")
    how.add_argument("--auto", action="store_true", help="let the server's ticket plugin make one")
    how.add_argument("--clear", action="store_true", help="remove the ticket URL")
    p = leaf(inc, "events", "incidents_events", "an incident's events, newest first")
    p.add_argument("pk", type=values.pk, metavar="PK")
    p = leaf(
        inc,
        "tags",
        "incidents_tags",
        "an incident's tags; tags PK add|remove KEY=VALUE... changes them",
    )
    p.add_argument("pk", type=values.pk, metavar="PK")
    p.add_argument("action", nargs="?", choices=("add", "remove"))
    p.add_argument("tag_args", nargs="*", type=values.tag, metavar="KEY=VALUE")

    ev = group("events", "the events of all incidents")
    p = leaf(ev, "list", "events_list", "list events, newest first")
    _limit(p)
    p.add_argument(
        "--follow",
        "-f",
        action="store_true",
        help="keep printing new events as they come (oldest first; Ctrl-C ends)",
    )
    p.add_argument(
        "--interval",
        type=values.seconds,
        default=10.0,
        metavar="SECONDS",
        help="how often --follow asks (default 10)",
    )

    src = group("sources", "source systems")
    leaf(src, "list", "sources_list", "list source systems")
    p = leaf(src, "show", "sources_show", "show one source system")
    p.add_argument("pk", type=values.pk, metavar="PK")
    p = leaf(src, "create", "sources_create", "create a source system and its user (superusers)")
    p.add_argument("name")
    p.add_argument("--type", required=True, help="an existing source system type, e.g. nav")
    p.add_argument("--username", help="its user's name (default NAME)")
    p.add_argument("--base-url", metavar="URL")
    p.add_argument("--heartbeat-frequency", type=values.count, metavar="SECONDS")
    leaf(src, "types", "sources_types", "list source system types")

    p = leaf(
        nouns,
        "heartbeat",
        "heartbeat",
        "tell Argus this source system is alive (argus-server 2.10+)",
    )
    p.add_argument(
        "--every",
        type=values.seconds,
        metavar="SECONDS",
        help="keep sending one every SECONDS until interrupted",
    )

    notes = group("notifications", "notification config as code (pyargus.config)")
    for verb, help in (
        ("plan", "show what apply would change in your notification profiles (only reads)"),
        ("apply", "make your timeslots, filters, destinations and profiles what FILE says"),
    ):
        p = leaf(notes, verb, f"notifications_{verb}", help)
        p.add_argument("file", metavar="FILE", help="a YAML (needs PyYAML) or JSON config")
        p.add_argument(
            "--prune",
            nargs="?",
            const="all",
            metavar="KIND,...",
            help="also delete what FILE does not declare: all kinds, or some of "
            "notification_profile, filter, destination, timeslot",
        )
        p.add_argument(
            "--server-timezone",
            metavar="ZONE",
            help="the Argus server's TIME_ZONE (else the file's server_timezone)",
        )
        if verb == "plan":
            p.add_argument(
                "--detailed-exitcode", action="store_true", help="exit 3 if there are changes"
            )

    p = leaf(
        nouns,
        "sync",
        "sync",
        "make this source system's open incidents match a file "
        "of desired incidents (JSON array or JSONL; - is stdin)",
    )
    p.add_argument("file", metavar="FILE|-")
    p.add_argument("--dry-run", action="store_true", help="only read; show what would be done")
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="with --dry-run: exit 3 if there are changes to make",
    )
    _tags(
        p,
        "--scope-tag",
        "the open incidents this sync owns have this tag (repeatable; added to the "
        "desired incidents)",
    )
    p.add_argument("--no-create", action="store_true", help="do not post missing incidents")
    p.add_argument("--no-resolve", action="store_true", help="do not resolve incidents not desired")
    p.add_argument(
        "--update",
        action="store_true",
        help="also update description, level, details URL, tags of open ones",
    )
    p.add_argument(
        "--allow-empty",
        action="store_true",
        help="let an empty file resolve every open incident of the scope",
    )
    p.add_argument(
        "--max-resolve",
        type=values.max_resolve,
        default=0.5,
        metavar="N|FRACTION",
        help="refuse to resolve more than N (or this share, default 0.5) of the "
        "open incidents; none: no limit",
    )
    p.add_argument(
        "--min-age",
        type=values.duration,
        metavar="DURATION",
        help="do not resolve incidents younger than this",
    )
    p.add_argument(
        "--message",
        "-m",
        default="Resolved by argus sync",
        metavar="TEXT",
        help="the description of the END events",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``argus`` command with *argv* (default ``sys.argv[1:]``); return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from ._run import run  # the commands, and with them the HTTP stack

    return run(args, sys.stdout, sys.stderr)
