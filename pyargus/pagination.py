"""Lazy iteration over Argus' cursor-paginated listings.

Argus answers ``{"next": <absolute URL or null>, "previous": ..., "results": [...]}``.
:func:`iterate` fetches a page only when the caller has consumed the
previous one, and drops each page before fetching the next, so memory stays
flat however long the listing. It follows ``next`` by
re-sending only its *query* (cursor and filters) through the same declared
endpoint: the scheme, host and path of ``next`` are never used, so a
proxy that rewrites them can neither redirect the listing nor receive the
token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

from .exceptions import DecodeError
from .models import Page

__all__ = ["Listing", "iterate", "next_params"]

T = TypeVar("T")


def next_params(next_url: str) -> dict[str, str]:
    """The query parameters of a ``next`` link."""
    return dict(parse_qsl(urlsplit(next_url).query, keep_blank_values=True))


class Listing(Iterator[T], Generic[T]):
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

    def __init__(self, fetch: Callable[..., Page], params: dict[str, Any]) -> None:
        self._fetch = fetch
        self._params: dict[str, Any] | None = params
        self._items: Iterator[T] = iter(())

    def __iter__(self) -> Listing[T]:
        return self

    def __next__(self) -> T:
        while True:
            for item in self._items:
                return item  # the next item of the current page
            if self._params is None:
                raise StopIteration
            page = self._fetch(**self._params)
            following = next_params(page.next) if page.next else None
            if following == self._params:
                raise DecodeError(f"pagination loop: 'next' repeats the page {page.next}")
            self._items = iter(page.results)
            self._params = following


def iterate(fetch: Callable[..., Page], params: dict[str, Any]) -> Listing[Any]:
    """A lazy :class:`Listing` of the pages that *fetch* returns.

    :param fetch: a declaration returning one :class:`~pyargus.models.Page`.
    :param params: the query parameters of the first page.
    """
    return Listing(fetch, params)
