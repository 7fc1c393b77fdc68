"""``--check`` for glue services: :func:`check` and its :class:`CheckReport`."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from .._flows import Call, Flow
from ..exceptions import (
    ArgusError,
    AuthError,
    ClientConnectionError,
    InvalidArgumentError,
    ServerError,
)
from ..models import ServerMetadata, SourceSystem, User

__all__ = [
    "CheckReport",
    "check_flow",
    "is_source_system_flow",
    "parse_version",
    "token_is_source_system",
]

#: Exit codes of a check: fine, problems, only warnings, the token, unreachable.
OK, FAILED, WARNINGS, AUTH, UNREACHABLE = 0, 1, 3, 4, 5


@dataclass
class CheckReport:
    """What :func:`~pyargus.glue.check` found out about the server and the token."""

    #: The API root that was checked.
    url: str
    #: No problems (warnings allowed).
    ok: bool = False
    #: argus-server's version, e.g. ``"2.10.2"`` (``None`` if unreachable).
    server_version: str | None = None
    #: The server's stable API version, e.g. ``"v2"``.
    api_version: str | None = None
    #: The username the token belongs to (``None`` if the token was refused).
    user: str | None = None
    #: Whether that user is a source system's (``None`` if unknown).
    is_source_system: bool | None = None
    #: Whether the server has the heartbeat endpoint (``None`` if unknown).
    heartbeat: bool | None = None
    #: Seconds the first request (``GET /api/``) took.
    latency: float | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: 0 fine, 1 problems, 3 only warnings, 4 the token (refused, or not a
    #: source system's when one was needed), 5 Argus unreachable or failing.
    exit_code: int = OK

    def __str__(self) -> str:
        if self.server_version is None:
            head = f"Argus at {self.url}"
        else:
            head = f"Argus {self.server_version} (API {self.api_version or '?'}) at {self.url}"
        facts = ["OK" if self.ok else "FAILED"]
        if self.user is not None:
            kind = {True: "a source system", False: "not a source system", None: "kind unknown"}
            facts.append(f"token of {self.user!r} ({kind[self.is_source_system]})")
        if self.heartbeat is not None:
            facts.append("heartbeat supported" if self.heartbeat else "no heartbeat endpoint")
        if self.latency is not None:
            facts.append(f"{self.latency * 1000:.0f} ms")
        lines = [f"{head}: {', '.join(facts)}"]
        lines += [f"  problem: {text}" for text in self.problems]
        lines += [f"  warning: {text}" for text in self.warnings]
        return "\n".join(lines)

    def _fail(self, code: int, text: str) -> None:
        self.problems.append(text)
        self.exit_code = max(self.exit_code, code)


def parse_version(version: Any) -> tuple[int, ...]:
    """``(2, 10)`` from ``"2.10"`` or ``(2, 10)``; refuses anything else."""
    if isinstance(version, str):
        parts = version.strip().split(".")
        if parts and all(part.isdigit() for part in parts):
            return tuple(int(part) for part in parts)
    elif (
        isinstance(version, tuple)
        and version
        and all(
            isinstance(part, int) and not isinstance(part, bool) and part >= 0 for part in version
        )
    ):
        return version
    raise InvalidArgumentError(f"min_version must be like '2.10' or (2, 10), not {version!r}")


def is_source_system_flow(username: str) -> Flow[bool]:
    """Whether *username* is a source system's user, without side effects.

    ``GET incidents/sources/`` gives each source system's user pk; the user
    whose name matches is looked up with ``GET auth/users/{pk}/``, trying the
    source named like the user first (the usual case: one extra request).
    """
    sources: list[SourceSystem] = yield Call("get_source_systems")
    ordered = sorted(sources, key=lambda s: s.name != username)
    for source in ordered:
        if source.user is None:
            continue
        user: User = yield Call("get_user", (source.user,))
        if user.username == username:
            return True
    return False


def token_is_source_system() -> Flow[bool]:
    """Whether the token's user is a source system's (``GET auth/user/``, then as
    :func:`is_source_system_flow`)."""
    user: User = yield Call("get_current_user")
    return (yield from is_source_system_flow(str(user.username)))


def check_flow(
    url: str,
    *,
    min_version: tuple[int, ...] | None,
    need_source_system: bool,
    need_heartbeat: bool,
) -> Flow[CheckReport]:
    report = CheckReport(url=url)
    started = time.monotonic()
    try:
        meta: ServerMetadata = yield Call("get_server_metadata")
    except (ClientConnectionError, ServerError) as exc:
        report._fail(UNREACHABLE, f"Argus does not answer: {exc}")
        return _finish(report)
    except AuthError as exc:  # a proxy in front of Argus wanting credentials
        report._fail(AUTH, f"GET /api/ was refused: {exc}")
        return _finish(report)
    except ArgusError as exc:
        report._fail(FAILED, f"{url} does not look like an Argus API root: {exc}")
        return _finish(report)
    report.latency = time.monotonic() - started
    report.server_version = meta.server_version
    report.api_version = meta.stable_api_version
    if min_version is not None:
        have = meta.version_info
        wanted = ".".join(map(str, min_version))
        if not have:
            report.warnings.append(f"unknown server version {meta.server_version!r}")
        elif have < min_version:
            report._fail(
                FAILED, f"argus-server {meta.server_version} is older than the {wanted} needed"
            )
    if meta.stable_api_version not in (None, "v2"):
        report.warnings.append(
            f"the server's stable API is {meta.stable_api_version}; pyargus speaks v2"
        )
    try:
        user: User = yield Call("get_current_user")
        report.user = user.username
    except AuthError as exc:
        report._fail(AUTH, f"the token was refused: {exc}")
        return _finish(report)
    except (ClientConnectionError, ServerError) as exc:
        report._fail(UNREACHABLE, f"cannot read the token's user: {exc}")
        return _finish(report)
    except ArgusError as exc:
        report._fail(FAILED, f"cannot read the token's user: {exc}")
        return _finish(report)
    report.is_source_system = yield from _or_warn(
        report, is_source_system_flow(str(report.user)), "the token is a source system's"
    )
    if need_source_system and report.is_source_system is False:
        report._fail(
            AUTH,
            f"the token's user {report.user!r} is not a source system (glue services need one)",
        )
    report.heartbeat = yield from _or_warn(
        report, _call("supports_heartbeat"), "the server has heartbeats"
    )
    if need_heartbeat and report.heartbeat is False:
        report._fail(
            FAILED,
            f"argus-server {meta.server_version} has no heartbeat endpoint (it came with 2.10)",
        )
    elif need_heartbeat and report.heartbeat is None:
        report._fail(FAILED, "could not find out whether the server has heartbeats")
    return _finish(report)


def _call(name: str) -> Flow[Any]:
    return (yield Call(name))


def _or_warn(report: CheckReport, flow: Flow[bool], what: str) -> Flow[bool | None]:
    """*flow*'s answer; ``None`` and a warning "cannot tell whether *what*" if it fails."""
    try:
        return (yield from flow)
    except ArgusError as exc:
        report.warnings.append(f"cannot tell whether {what}: {exc}")
        return None


def _finish(report: CheckReport) -> CheckReport:
    report.ok = not report.problems
    if report.ok:
        report.exit_code = WARNINGS if report.warnings else OK
    return report
