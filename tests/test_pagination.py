import pytest

from pyargus.exceptions import DecodeError
from pyargus.models import Page
from pyargus.pagination import iterate, next_params


def test_next_params_keeps_only_the_query():
    assert next_params("http://elsewhere:9/x/?cursor=cD0y&open=true&page_size=3&empty=") == {
        "cursor": "cD0y",
        "open": "true",
        "page_size": "3",
        "empty": "",
    }


class FakeEndpoint:
    def __init__(self, pages):
        self.pages = pages
        self.calls = []

    def __call__(self, **params):
        self.calls.append(params)
        return self.pages[len(self.calls) - 1]


def test_pages_are_fetched_lazily():
    fetch = FakeEndpoint(
        [
            Page(results=[1, 2], next="http://h/api/v2/incidents/?cursor=b&open=true"),
            Page(results=[3], next="http://h/api/v2/incidents/?cursor=c&open=true"),
            Page(results=[], next=None),
        ]
    )
    items = iterate(fetch, {"open": "true"})
    assert fetch.calls == []
    assert next(items) == 1
    assert len(fetch.calls) == 1
    assert next(items) == 2
    assert len(fetch.calls) == 1
    assert list(items) == [3]
    assert fetch.calls == [
        {"open": "true"},
        {"cursor": "b", "open": "true"},
        {"cursor": "c", "open": "true"},
    ]


def test_a_next_link_that_repeats_the_page_is_an_error():
    fetch = FakeEndpoint(
        [Page(results=[1], next="http://h/?cursor=a"), Page(results=[1], next="http://h/?cursor=a")]
    )
    with pytest.raises(DecodeError, match="pagination loop"):
        list(iterate(fetch, {}))


def test_a_page_is_released_before_the_next_is_fetched():
    import gc
    import weakref

    pages = [Page(results=[object(), object()], next="http://h/api/v2/incidents/?cursor=b")]
    first = weakref.ref(pages[0])
    alive_when_fetching = []

    def fetch(**params):
        if not params:
            return pages.pop()
        gc.collect()
        alive_when_fetching.append(first() is not None)
        return Page(results=[3])

    items = iterate(fetch, {})
    assert next(items) is not None
    assert next(items) is not None
    assert list(items) == [3]
    assert alive_when_fetching == [False]


def test_a_bad_item_makes_its_page_a_decode_error_and_nothing_is_skipped(client, requests_mock):
    from .conftest import API
    from .wire import incident_json, page_json

    requests_mock.get(
        API + "incidents/",
        json=page_json(
            [incident_json(pk=1), incident_json(pk=2, tags="nope"), incident_json(pk=3)],
            next_url="http://127.0.0.1:8000/api/v2/incidents/?cursor=b",
        ),
    )
    requests_mock.get(API + "incidents/?cursor=b", json=page_json([incident_json(pk=4)]))
    incidents = client.get_incidents()
    with pytest.raises(DecodeError) as info:
        next(incidents)
    message = str(info.value)
    assert message.startswith("GET /api/v2/incidents/: 200: unexpected JSON shape:")
    assert "'results': {1: {'tags'" in message
    assert info.value.response.status_code == 200
    assert info.value.response.url == API + "incidents/"
    # The listing stays at the bad page: asking again fetches it again (no item is skipped).
    with pytest.raises(DecodeError):
        next(incidents)
    assert requests_mock.call_count == 2
    assert requests_mock.last_request.qs == {}


def test_a_page_item_without_its_identity_is_a_decode_error(client, requests_mock):
    from .conftest import API
    from .wire import incident_json, page_json

    broken = incident_json(pk=2)
    del broken["pk"], broken["start_time"]
    requests_mock.get(API + "incidents/", json=page_json([incident_json(pk=1), broken]))
    with pytest.raises(
        DecodeError, match=r"missing required fields results\.1\.pk, results\.1\.start_time"
    ):
        list(client.get_incidents())
