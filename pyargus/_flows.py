"""Multi-step operations written once, for the sync and the async client ("flows").

A flow is a generator that yields the operations it needs (:class:`Call`,
:class:`Collect`, :class:`Find`, :class:`Invoke`, :class:`Wait`) and gets
each one's result sent back, or its :class:`~pyargus.exceptions.ArgusError`
thrown in: every decision (what to ask next, which error means what) lives
in the flow, free of I/O.
:func:`run` carries a flow out with sync calls, :func:`arun` awaits the
same calls (the async client's declarations are coroutine functions and
its listings :class:`~pyargus.pagination.AsyncListing`).

The flows of the client itself are here: finding the source system a
token belongs to, and the end-user checks that need a listing before a
write. Bulk operations are flows of :mod:`pyargus.bulk`, the glue
toolkit's are in :mod:`pyargus.glue._flows`.
"""

from __future__ import annotations

import contextlib
import inspect
import time
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
    "Find",
    "Flow",
    "Invoke",
    "Op",
    "Wait",
    "arun",
    "my_source_system",
    "not_source_system",
    "refuse_filter_name",
    "refuse_others_objects",
    "run",
]

T = TypeVar("T")


#: A client method: the function itself, or its name, looked up on the
#: runner's *bind* object (the glue toolkit's flows name methods, so that the
#: same flow runs with a :class:`~pyargus.client.Client` and an
#: :class:`~pyargus.async_client.AsyncClient`).
Method = Callable[..., Any] | str


@dataclass(frozen=True)
class Call:
    """Call ``func(*args, **kwargs)``; its result (awaited, for the async client) is sent back."""

    func: Method
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Collect:
    """Read the listing ``func(*args, **kwargs)`` to its end; the list is sent back."""

    func: Method
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Find:
    """Read the listing ``func(*args, **kwargs)`` until ``match(item)`` is true.

    That item is sent back (``None`` at the end); the rest is not read.
    """

    func: Method
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    match: Callable[[Any], bool] = bool


@dataclass(frozen=True)
class Invoke:
    """Call the caller's own code (a builder, a callback); its result is sent back.

    :func:`arun` awaits a result that is awaitable (so async code may
    return a coroutine); :func:`run` refuses one with an
    :class:`~pyargus.exceptions.InvalidArgumentError`. The code's
    exceptions come out of the runner unchanged, except an
    :class:`~pyargus.exceptions.ArgusError` or one of *catch*: those are
    thrown into the flow.
    """

    func: Callable[..., Any]
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    catch: tuple[type[Exception], ...] = ()


@dataclass(frozen=True)
class Wait:
    """Wait *seconds*, less if *stop* is set; whether *stop* is set is sent back.

    *stop* is a :class:`threading.Event` for :func:`run` and an
    :class:`asyncio.Event` for :func:`arun` (``None``: just sleep).
    """

    seconds: float
    stop: Any = None


Op = Call | Collect | Find | Invoke | Wait
Flow = Generator[Op, Any, T]


def _thrown(op: Op) -> tuple[type[Exception], ...]:
    """The exceptions of *op* that are thrown into the flow (the others come out)."""
    return (ArgusError, *op.catch) if isinstance(op, Invoke) else (ArgusError,)


def _method(func: Method, bind: Any) -> Callable[..., Any]:
    if not isinstance(func, str):
        return func
    if bind is None:
        raise TypeError(f"the flow names the method {func!r}: run it with bind=")
    return getattr(bind, func)  # type: ignore[no-any-return]


def _refuse_awaitable(op: Invoke, result: Any) -> None:
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()  # never awaited: no "was never awaited" warning
        name = getattr(op.func, "__qualname__", repr(op.func))
        raise InvalidArgumentError(
            f"{name} returned an awaitable: async code needs the async client "
            "(pyargus.glue.aio), a sync function here"
        )


def _perform(op: Op, bind: Any) -> Any:
    """Carry out one operation with sync calls."""
    if isinstance(op, Wait):
        if op.stop is None:
            time.sleep(op.seconds)
            return False
        return bool(op.stop.wait(op.seconds))
    result = _method(op.func, bind)(*op.args, **op.kwargs)
    if isinstance(op, Collect):
        return list(result)
    if isinstance(op, Find):
        return next((item for item in result if op.match(item)), None)
    if isinstance(op, Invoke):
        _refuse_awaitable(op, result)
    return result


def run(flow: Flow[T], bind: Any = None) -> T:
    """Carry out *flow* with sync calls and return its result.

    :param bind: the object whose methods the flow names by name (a client).
    """
    try:
        op = next(flow)
        while True:
            try:
                result = _perform(op, bind)
            except _thrown(op) as exc:  # the flow decides; what it does not catch comes out
                op = flow.throw(exc)
            else:
                op = flow.send(result)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    finally:
        flow.close()


async def _aperform(op: Op, bind: Any) -> Any:
    """Carry out one operation, awaiting it."""
    if isinstance(op, Wait):
        import asyncio

        if op.stop is None:
            await asyncio.sleep(op.seconds)
            return False
        with contextlib.suppress(asyncio.TimeoutError):  # the time is up
            await asyncio.wait_for(op.stop.wait(), op.seconds)
        return bool(op.stop.is_set())
    result = _method(op.func, bind)(*op.args, **op.kwargs)
    if isinstance(op, Collect):
        return await result.to_list()
    if isinstance(op, Find):
        async for item in result:
            if op.match(item):
                return item
        return None
    if isinstance(op, Invoke):
        return (await result) if inspect.isawaitable(result) else result
    return await result


async def arun(flow: Flow[T], bind: Any = None) -> T:
    """Carry out *flow*, awaiting each call (the async client's :func:`run`)."""
    try:
        op = next(flow)
        while True:
            try:
                result = await _aperform(op, bind)
            except _thrown(op) as exc:
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
