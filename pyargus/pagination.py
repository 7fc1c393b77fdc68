"""Lazy iteration over Argus' cursor-paginated listings.

Argus answers ``{"next": <absolute URL or null>, "previous": ..., "results": [...]}``.
:func:`iterate` fetches a page only when the caller has consumed the
previous one. It follows ``next`` by re-sending only its *query* (cursor
and filters) through the same declared endpoint: the scheme, host and
path of ``next`` are never used, so a proxy that rewrites them can neither
redirect the listing nor receive the token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from .exceptions import DecodeError
from .models import Page

__all__ = ["iterate", "next_params"]

T = TypeVar("T")


def next_params(next_url: str) -> dict[str, str]:
    """The query parameters of a ``next`` link."""
    return dict(parse_qsl(urlsplit(next_url).query, keep_blank_values=True))


def iterate(fetch: Callable[..., Page], params: dict[str, Any]) -> Iterator[Any]:
    """Yield every item of every page, fetching pages as they are needed.

    :param fetch: a declaration returning one :class:`~pyargus.models.Page`.
    :param params: the query parameters of the first page.
    """
    page = fetch(**params)
    while True:
        yield from page.results
        if not page.next:
            return
        following = next_params(page.next)
        if following == params:
            raise DecodeError(f"pagination loop: 'next' repeats the page {page.next}")
        params = following
        page = fetch(**params)
