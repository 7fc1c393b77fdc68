"""Lazy iteration over Argus' cursor-paginated listings.

Argus answers ``{"next": <absolute URL or null>, "previous": ..., "results": [...]}``.
:func:`iterate` (:func:`aiterate` for the async client) fetches a page only
when the caller has consumed the previous one, and drops each page before
fetching the next, so memory stays flat however long the listing. It follows ``next`` by
re-sending only its *query* (cursor and filters) through the same declared
endpoint: the scheme, host and path of ``next`` are never used, so a
proxy that rewrites them can neither redirect the listing nor receive the
token.

A listing loads each item when it hands it out, not a whole page when the
page arrives: with 1000 items per page, building them all at once costs
about 30 % more CPU time (``bench/README.md``), as 1000 fresh objects
outgrow the CPU cache before the first is used. It asks for that explicitly, with
:func:`streamed`: a declaration called directly (see :mod:`pyargus.direct`)
then returns a :class:`StreamedPage`. Called as a plain declaration, a
page declaration still returns a :class:`~pyargus.models.Page` whose items
are all loaded, so that a bad item is an error of that call. Calls that go
through uplink's own path (the async client's) return such pages too,
which listings take as they are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

from .exceptions import DecodeError
from .models import Page

__all__ = [
    "AsyncListing",
    "Listing",
    "StreamedPage",
    "aiterate",
    "iterate",
    "next_params",
    "streamed",
]

T = TypeVar("T")


def next_params(next_url: str) -> dict[str, str]:
    """The query parameters of a ``next`` link."""
    return dict(parse_qsl(urlsplit(next_url).query, keep_blank_values=True))


class StreamedPage(Generic[T]):
    """A page whose items are loaded one at a time, as they are taken.

    :attr:`results` can be iterated over (more than once; each pass loads
    the items again) and has a length. An item that cannot be loaded raises
    :class:`~pyargus.exceptions.DecodeError` when it is reached, naming the
    page's request and the item; the iteration then goes on with the next
    item.
    """

    def __init__(
        self,
        next: str | None,
        previous: str | None,
        raw: list[Any],
        load_item: Callable[[Any, int], T],
    ) -> None:
        self.next = next
        self.previous = previous
        self.results = _LoadedOnUse(raw, load_item)

    def __repr__(self) -> str:
        return f"<StreamedPage of {len(self.results)} items, next={self.next!r}>"


class _LoadedOnUse(Generic[T]):
    """The items of a :class:`StreamedPage`: each one loaded when an iterator reaches it."""

    __slots__ = ("_load", "_raw")

    def __init__(self, raw: list[Any], load_item: Callable[[Any, int], T]) -> None:
        self._raw = raw
        self._load = load_item

    def __len__(self) -> int:
        return len(self._raw)

    def __iter__(self) -> Iterator[T]:
        return _Loading(self._raw, self._load)


class _Loading(Iterator[T]):
    """Loads the next raw item; past a bad item even when it raised (unlike a generator)."""

    __slots__ = ("_index", "_load", "_raw")

    def __init__(self, raw: list[Any], load_item: Callable[[Any, int], T]) -> None:
        self._raw = raw
        self._load = load_item
        self._index = 0

    def __next__(self) -> T:
        index = self._index
        if index >= len(self._raw):
            raise StopIteration
        self._index = index + 1
        return self._load(self._raw[index], index)


def streamed(fetch: Callable[..., Any]) -> Callable[..., Any]:
    """The call of *fetch* that returns a :class:`StreamedPage`, if it has one.

    Declarations called directly have one (their ``streamed`` attribute);
    for anything else (a function, a call through uplink's own path), it is
    *fetch* itself, and its :class:`~pyargus.models.Page` is used as it is.
    """
    return getattr(fetch, "streamed", fetch)


class _Pages(Generic[T]):
    """The state of a listing between pages, shared by :class:`Listing` and :class:`AsyncListing`.

    :meth:`_take` decides, without I/O, what the next request is: ``next``'s
    query (cursor and filters), or none at the end. A ``next`` that repeats
    the current page is a :class:`~pyargus.exceptions.DecodeError`.
    """

    def __init__(self, fetch: Callable[..., Any], params: dict[str, Any]) -> None:
        self._fetch = streamed(fetch)
        self._params: dict[str, Any] | None = params
        self._items: Iterator[T] = iter(())

    def _take(self, page: Page | StreamedPage[T]) -> None:
        following = next_params(page.next) if page.next else None
        if following == self._params:
            raise DecodeError(f"pagination loop: 'next' repeats the page {page.next}")
        self._items = iter(page.results)
        self._params = following


class Listing(_Pages[T], Iterator[T]):
    """Every item of every page, fetching a page when the previous one is used up.

    Each page is one request, retried by the transport like any GET. If a
    page still cannot be fetched, the error is raised and the listing stays
    where it was: calling :func:`next` again asks for that same page, so
    nothing is repeated or skipped. (A generator would be finished by the
    error and then look like the end of the listing.)

    An item that cannot be loaded (a required field missing, a wrong type)
    raises :class:`~pyargus.exceptions.DecodeError` naming the page's
    request and the bad item, when the listing reaches it; :func:`next`
    then goes on with the following item. (Where a page arrives with its
    items loaded, as through uplink's own path, a bad item fails the whole
    page, and :func:`next` asks for that page again.)
    """

    def __iter__(self) -> Listing[T]:
        return self

    def __next__(self) -> T:
        while True:
            for item in self._items:
                return item  # the next item of the current page
            if self._params is None:
                raise StopIteration
            self._take(self._fetch(**self._params))

    def first(self) -> T | None:
        """The next item (one request at most, for the first page), or ``None`` at the end."""
        return next(self, None)

    def to_list(self) -> list[T]:
        """All remaining items, every page read."""
        return list(self)


class AsyncListing(_Pages[T], AsyncIterator[T]):
    """:class:`Listing` for the async client: use it in ``async for`` (no ``await`` before it).

    *fetch* is a coroutine function returning a page; pages are fetched as
    lazily as by :class:`Listing`, and an error leaves the listing where it
    was in the same way.
    """

    def __aiter__(self) -> AsyncListing[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            for item in self._items:
                return item
            if self._params is None:
                raise StopAsyncIteration
            self._take(await self._fetch(**self._params))

    async def first(self) -> T | None:
        """The next item (one request at most, for the first page), or ``None`` at the end."""
        async for item in self:
            return item
        return None

    async def to_list(self) -> list[T]:
        """All remaining items, every page read."""
        return [item async for item in self]


def iterate(fetch: Callable[..., Page | StreamedPage[Any]], params: dict[str, Any]) -> Listing[Any]:
    """A lazy :class:`Listing` of the pages that *fetch* returns.

    :param fetch: a declaration returning one :class:`~pyargus.models.Page`
        (its :func:`streamed` call is used when it has one).
    :param params: the query parameters of the first page.
    """
    return Listing(fetch, params)


def aiterate(
    fetch: Callable[..., Awaitable[Page | StreamedPage[Any]]], params: dict[str, Any]
) -> AsyncListing[Any]:
    """A lazy :class:`AsyncListing` of the pages that the coroutine function *fetch* returns."""
    return AsyncListing(fetch, params)
