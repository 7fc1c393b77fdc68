"""Lazy iteration over Argus' cursor-paginated listings.

Argus answers ``{"next": <absolute URL or null>, "previous": ..., "results": [...]}``.
:func:`iterate` (:func:`aiterate` for the async client) fetches a page only
when the caller has consumed the previous one, and drops each page before
fetching the next, so memory stays flat however long the listing. It follows ``next`` by
re-sending only its *query* (cursor and filters) through the same declared
endpoint: the scheme, host and path of ``next`` are never used, so a
proxy that rewrites them can neither redirect the listing nor receive the
token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

from .exceptions import DecodeError
from .models import Page

__all__ = ["AsyncListing", "Listing", "aiterate", "iterate", "next_params"]

T = TypeVar("T")


def next_params(next_url: str) -> dict[str, str]:
    """The query parameters of a ``next`` link."""
    return dict(parse_qsl(urlsplit(next_url).query, keep_blank_values=True))


class _Pages(Generic[T]):
    """The state of a listing between pages, shared by :class:`Listing` and :class:`AsyncListing`.

    :meth:`_take` decides, without I/O, what the next request is: ``next``'s
    query (cursor and filters), or none at the end. A ``next`` that repeats
    the current page is a :class:`~pyargus.exceptions.DecodeError`.
    """

    def __init__(self, fetch: Callable[..., Any], params: dict[str, Any]) -> None:
        self._fetch = fetch
        self._params: dict[str, Any] | None = params
        self._items: Iterator[T] = iter(())

    def _take(self, page: Page) -> None:
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

    A page whose items cannot be loaded (a required field missing, a wrong
    type) raises :class:`~pyargus.exceptions.DecodeError` naming the page's
    request and the bad item; as for any error, :func:`next` then asks for
    that page again.
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


def iterate(fetch: Callable[..., Page], params: dict[str, Any]) -> Listing[Any]:
    """A lazy :class:`Listing` of the pages that *fetch* returns.

    :param fetch: a declaration returning one :class:`~pyargus.models.Page`.
    :param params: the query parameters of the first page.
    """
    return Listing(fetch, params)


def aiterate(fetch: Callable[..., Awaitable[Page]], params: dict[str, Any]) -> AsyncListing[Any]:
    """A lazy :class:`AsyncListing` of the pages that the coroutine function *fetch* returns."""
    return AsyncListing(fetch, params)
