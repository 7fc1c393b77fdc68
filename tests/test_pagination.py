import pytest

from pyargus.exceptions import DecodeError
from pyargus.fastschema import ENABLED
from pyargus.models import Page
from pyargus.pagination import iterate, next_params

#: Listings stream items only through direct calls (off with PYARGUS_FAST=0, as on uplink's path).
STREAMING = pytest.mark.skipif(not ENABLED, reason="direct calls are off: whole pages")


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


@STREAMING
def test_a_bad_item_is_a_decode_error_when_reached_and_the_listing_goes_on(client, requests_mock):
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
    assert next(incidents).pk == 1
    with pytest.raises(DecodeError) as info:
        next(incidents)
    message = str(info.value)
    assert message.startswith("GET /api/v2/incidents/: 200: unexpected JSON shape:")
    assert "'results': {1: {'tags'" in message
    assert info.value.response.status_code == 200
    assert info.value.response.url == API + "incidents/"
    # Past the bad item, the listing goes on: nothing else is skipped or fetched again.
    assert [incident.pk for incident in incidents] == [3, 4]
    assert requests_mock.call_count == 2


def test_a_page_declaration_called_directly_loads_every_item(client, requests_mock):
    from .conftest import API
    from .wire import incident_json, page_json

    requests_mock.get(
        API + "incidents/",
        json=page_json([incident_json(pk=1), incident_json(pk=2, tags="nope")]),
    )
    with pytest.raises(DecodeError, match=r"'results': \{1: \{'tags'"):
        client.api.list_incidents()
    requests_mock.get(API + "incidents/", json=page_json([incident_json(pk=1)]))
    page = client.api.list_incidents()
    assert isinstance(page.results, list)
    assert page.results[0].pk == 1


@STREAMING
def test_a_listing_loads_each_item_when_it_hands_it_out(client, requests_mock, monkeypatch):
    from pyargus import schemas

    from .conftest import API
    from .wire import incident_json, page_json

    requests_mock.get(API + "incidents/", json=page_json([incident_json(pk=n) for n in (1, 2, 3)]))
    loaded: list[int] = []
    load = schemas.incident.load

    def counting_load(data, **kwargs):
        loaded.append(data["pk"])
        return load(data, **kwargs)

    monkeypatch.setattr(schemas.incident, "load", counting_load)
    incidents = client.get_incidents()
    assert next(incidents).pk == 1
    assert loaded == [1]
    assert next(incidents).pk == 2
    assert loaded == [1, 2]


@STREAMING
def test_a_streamed_page_has_a_length_and_can_be_read_twice(client, requests_mock):
    from pyargus.pagination import StreamedPage, streamed

    from .conftest import API
    from .wire import incident_json, page_json

    requests_mock.get(API + "incidents/", json=page_json([incident_json(pk=n) for n in (1, 2)]))
    page = streamed(client.api.list_incidents)()
    assert isinstance(page, StreamedPage)
    assert len(page.results) == 2
    assert [i.pk for i in page.results] == [i.pk for i in page.results] == [1, 2]
    assert page.next is None
    assert requests_mock.call_count == 1


def test_streamed_of_a_plain_function_is_the_function():
    from pyargus.pagination import streamed

    def fetch(**params):
        return Page(results=[])

    assert streamed(fetch) is fetch


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
