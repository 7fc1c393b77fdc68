"""Multi-step operations written once, for the sync and the async client ("flows").

A flow is a generator that yields the calls it needs (:class:`Call`,
:class:`Collect`) and gets each one's result sent back, or its
:class:`~pyargus.exceptions.ArgusError` thrown in: every decision (what to
ask next, which error means what) lives in the flow, free of I/O.
:func:`run` carries a flow out with sync calls, :func:`arun` awaits the
same calls (the async client's declarations are coroutine functions and
its listings :class:`~pyargus.pagination.AsyncListing`).

The flows of the client itself are here: finding the source system a
token belongs to, and the end-user checks that need a listing before a
write. Bulk operations are flows of :mod:`pyargus.bulk`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from . import checks
from .exceptions import (
    ArgusError,
    AuthError,
    ErrorResponse,
    InvalidArgumentError,
    NotFoundError,
    NotSourceSystemError,
    url_path,
)

if TYPE_CHECKING:
    from .models import Filter, Incident, Page, SourceSystem, User

__all__ = [
    "Call",
    "Collect",
    "Flow",
    "arun",
    "my_source_system",
    "not_source_system",
    "refuse_filter_name",
    "refuse_others_objects",
    "run",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Call:
    """Call ``func(*args, **kwargs)``; its result (awaited, for the async client) is sent back."""

    func: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Collect:
    """Read the listing ``func(*args, **kwargs)`` to its end; the list is sent back."""

    func: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


Flow = Generator["Call | Collect", Any, T]


def run(flow: Flow[T]) -> T:
    """Carry out *flow* with sync calls and return its result."""
    try:
        op = next(flow)
        while True:
            try:
                result = op.func(*op.args, **op.kwargs)
                if isinstance(op, Collect):
                    result = list(result)
            except ArgusError as exc:  # the flow decides; what it does not catch comes out
                op = flow.throw(exc)
            else:
                op = flow.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        flow.close()


async def arun(flow: Flow[T]) -> T:
    """Carry out *flow*, awaiting each call (the async client's :func:`run`)."""
    try:
        op = next(flow)
        while True:
            try:
                result = op.func(*op.args, **op.kwargs)
                result = await (result.to_list() if isinstance(op, Collect) else result)
            except ArgusError as exc:
                op = flow.throw(exc)
            else:
                op = flow.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        flow.close()


# Which source system the token belongs to


def my_source_system(api: Any) -> Flow[SourceSystem | None]:
    """The source system the token's user is, or ``None`` (see ``Client.get_my_source_system``).

    *api* is the client's consumer (:class:`~pyargus.api.ArgusAPI`); GETs only.
    """
    page: Page = yield Call(api.list_my_incidents, kwargs={"page_size": "1"})
    incidents: Iterable[Incident] = page.results
    source = next((i.source for i in incidents if i.source is not None), None)
    if source is None:
        source = yield from _source_system_of_user(api)
    return source


def _source_system_of_user(api: Any) -> Flow[SourceSystem | None]:
    """The source system whose user has the current user's name (those named like it first)."""
    me: User = yield Call(api.retrieve_current_user)
    sources: list[SourceSystem] = list((yield Call(api.list_source_systems)))
    sources.sort(key=lambda source: source.name != me.username)
    for source in sources:
        if source.user is None:
            continue
        try:
            user: User = yield Call(api.retrieve_user, (source.user,))
        except NotFoundError:
            continue
        if user.username == me.username:
            return source
    return None


def not_source_system(api_root_url: str, query: str) -> NotSourceSystemError:
    """The error for an empty ``mine`` listing or count (*query*) with a non-source token."""
    url = api_root_url + query
    return NotSourceSystemError(
        ErrorResponse(200, method="GET", url=url, reason="OK"),
        f"GET {url_path(url)}: the token's user is not a source system, so Argus lists no "
        "incidents as its own: use a source system's token (or get_incidents() for all "
        "incidents)",
    )


# End-user checks that need a listing (Argus does not check, or fails with a 500)


def refuse_filter_name(api: Any, name: str, pk: int | None) -> Flow[None]:
    """Raise if the user has a filter named *name* other than *pk* (Argus: a 500).

    ``GET notificationprofiles/filters/`` lists others' public filters too:
    only a filter the user may read (``GET .../filters/{pk}/``) is theirs.
    """
    listed: list[Filter] = yield Call(api.list_filters)
    for other in listed:
        if other.name != name or other.pk == pk:
            continue
        if other.public:
            try:
                yield Call(api.retrieve_filter, (other.pk,))
            except AuthError:
                continue
        raise InvalidArgumentError(
            f"a filter named {name!r} exists already (pk {other.pk}); filter names are "
            "unique per user (argus-server fails with a server error on a second one)"
        )


def refuse_others_objects(api: Any, body: Mapping[str, Any]) -> Flow[None]:
    """Refuse a profile's filters and destinations the user may not use (Argus does not check)."""
    if body.get("filters"):
        listed = yield Call(api.list_filters)
        checks.listed_pks("filter", body["filters"], listed, "yours or public")
    if body.get("destinations"):
        listed = yield Call(api.list_destinations)
        checks.listed_pks("destination", body["destinations"], listed, "yours")
