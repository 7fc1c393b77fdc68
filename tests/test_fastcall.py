"""Compiled uplink calls send exactly what uplink sends, or leave the call to uplink."""

import contextlib
from datetime import datetime, timezone

import pytest
import requests
import uplink
from uplink import Body, Path, Query, QueryMap

from pyargus import _fastcall, schemas
from pyargus._uplink import SchemaConverter, check_status
from pyargus.api import ArgusAPI
from pyargus.exceptions import NotFoundError
from pyargus.models import Event, Incident, Tags
from pyargus.transport import Transport

from .conftest import API, TOKEN
from .wire import event_json, incident_json, page_json

WHEN = datetime(2026, 1, 1, tzinfo=timezone.utc)


class Recorder(Transport):
    """A transport that records what it is asked to send and answers from a queue."""

    def __init__(self):
        super().__init__(API, TOKEN, retries=0)
        self.sent = []
        self.bodies = []

    def send(self, request):
        method, url, extras = request
        self.sent.append((method, url, dict(extras)))
        response = requests.Response()
        response.status_code, body = self.bodies.pop(0) if self.bodies else (200, b"{}")
        response._content = body
        response.url = url
        response.request = requests.Request(method, url).prepare()
        return response


def both_ways(api, name, *args, **kwargs):
    """(compiled request, uplink's request) of one call."""
    transport = api.transport
    transport.bodies = [(200, b"{}"), (200, b"{}")]
    call = getattr(api, name)
    compiled = call._plan if call._plan is not False else None
    for attempt in (call, call.via_uplink):
        with contextlib.suppress(Exception):  # decoding the dummy body may fail: no matter
            attempt(*args, **kwargs)
    assert call._plan, f"{name} was not compiled"
    assert compiled in (None, call._plan)
    return transport.sent[-2], transport.sent[-1]


@pytest.fixture
def api():
    return ArgusAPI(API, Recorder())


INCIDENT = Incident(start_time=WHEN, tags=Tags(a="1"), description="d", level=2)

CALLS = [
    ("list_incidents", (), {}),
    ("list_incidents", (), {"open": "true", "page_size": "2", "cursor": "cD0yMDI2"}),
    ("list_incidents", (), {"tags": ["a=1", "b=2"], "n": 5}),
    ("list_my_incidents", (), {"acked": "false"}),
    ("retrieve_incident", (5,), {}),
    ("retrieve_incident", (), {"pk": 12345678901}),
    ("create_incident", (INCIDENT,), {}),
    ("create_incident", (), {"incident": INCIDENT}),
    ("update_incident", (5, {"level": 3, "tags": Tags(b="2")}), {}),
    ("list_incident_events", (7,), {}),
    ("create_incident_event", (7, Event(type="END", timestamp=WHEN)), {}),
    ("list_incident_acknowledgements", (7,), {}),
]


@pytest.mark.parametrize(("name", "args", "kwargs"), CALLS)
def test_compiled_requests_are_uplinks(api, name, args, kwargs):
    compiled, by_uplink = both_ways(api, name, *args, **kwargs)
    assert compiled == by_uplink


def test_every_declaration_is_compiled(api):
    for name in ("list_incidents", "retrieve_incident", "create_incident", "update_incident"):
        getattr(api, name).__call__  # noqa: B018
    for name, declaration in uplink.helpers.get_api_definitions(ArgusAPI):
        call = getattr(api, name)
        assert isinstance(call, _fastcall._CompiledCall)
        plan = _fastcall._compile(type(api).__dict__[name].uplink_method, api)
        # Paths such as "../" (outside the API root) need urljoin: uplink's own path.
        assert (plan is None) == ("../" in declaration.uri.template), name
        assert call.__doc__ == declaration._func.__doc__
        assert call.__name__ == name


def test_bound_calls_are_reused(api):
    assert api.retrieve_incident is api.retrieve_incident
    assert "retrieve_incident" in repr(api.retrieve_incident)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [(("5",), {}), ((True,), {}), ((5.0,), {})],
)
def test_unusual_path_values_are_left_to_uplink(api, args, kwargs):
    api.transport.bodies = [(200, b"{}")]
    api.retrieve_incident(*args, **kwargs)
    assert api.transport.sent[-1][1] == API + f"incidents/{args[0]}/"


def test_bad_arguments_raise_uplinks_errors(api):
    with pytest.raises(TypeError) as compiled:
        api.retrieve_incident(1, 2)
    with pytest.raises(TypeError) as by_uplink:
        api.retrieve_incident.via_uplink(1, 2)
    assert str(compiled.value) == str(by_uplink.value)
    assert api.transport.sent == []


def test_response_handlers_run_in_uplinks_order(requests_mock):
    api = ArgusAPI(API, Transport(API, TOKEN, retries=0))
    requests_mock.get(API + "incidents/5/", status_code=404, json={"detail": "Not found."})
    with pytest.raises(NotFoundError):  # the status check runs before the schema
        api.retrieve_incident(5)
    requests_mock.get(API + "incidents/5/", json=incident_json(pk=5))
    assert api.retrieve_incident(5).pk == 5
    requests_mock.get(API + "incidents/", json=page_json([incident_json()]))
    assert [i.pk for i in api.list_incidents(page_size="1").results] == [1]
    requests_mock.post(API + "incidents/5/events/", status_code=201, json=event_json())
    assert api.create_incident_event(5, Event(type="END")).type == "END"


def test_session_headers_and_params_set_later_go_through_uplink(requests_mock):
    api = ArgusAPI(API, Transport(API, TOKEN, retries=0))
    requests_mock.get(API + "incidents/5/", json=incident_json(pk=5))
    api.retrieve_incident(5)
    assert api.retrieve_incident._plan
    api.session.headers["X-Extra"] = "yes"
    api.session.params["format"] = "json"
    api.retrieve_incident(5)
    request = requests_mock.last_request
    assert request.headers["X-Extra"] == "yes"
    assert request.qs == {"format": ["json"]}
    assert not api.retrieve_incident._plan.session_unchanged()


def test_injected_hooks_and_auth_go_through_uplink(requests_mock):
    seen = []

    @uplink.response_handler
    def spy(response):
        seen.append(response.status_code)
        return response

    api = ArgusAPI(API, Transport(API, TOKEN, retries=0))
    requests_mock.get(API + "incidents/5/", json=incident_json(pk=5))
    api.retrieve_incident(5)
    api.session.inject(spy)
    api.retrieve_incident(5)
    assert seen == [200]

    api = ArgusAPI(API, Transport(API, TOKEN, retries=0))
    api.session.auth = lambda request_builder: request_builder.info["headers"].update(
        {"X-Auth": "a"}
    )
    api.retrieve_incident(5)
    assert api.retrieve_incident._plan is None
    assert requests_mock.last_request.headers["X-Auth"] == "a"


@uplink.response_handler
def add_marker(response):
    response.marker = True
    return response


@_fastcall.compiled_calls
@check_status
class Other(uplink.Consumer):
    """Declarations with features that only uplink handles."""

    def __init__(self, base_url, transport):
        super().__init__(base_url=base_url, client=transport, converters=(SchemaConverter(),))

    @uplink.get("incidents/")
    def with_query(self, page_size: Query) -> schemas.incident_page:
        """GET incidents/"""

    @uplink.headers({"X-Static": "1"})
    @uplink.get("incidents/{pk}/")
    def with_headers(self, pk: Path) -> schemas.incident:
        """GET incidents/{pk}/"""

    @uplink.get("incidents/{pk}/")
    def with_default(self, pk: Path = 7) -> schemas.incident:
        """GET incidents/{pk}/"""

    @uplink.get("incidents/{pk}/")
    def with_keyword_only(self, *, pk: Path) -> schemas.incident:
        """GET incidents/{pk}/"""

    @add_marker
    @uplink.get("incidents/{pk}/")
    def with_marker(self, pk: Path):
        """GET incidents/{pk}/"""

    @uplink.json
    @uplink.post("incidents/")
    def with_plain_body(self, **body: Body):
        """POST incidents/"""

    @uplink.get("{path}")
    def with_dynamic_path(self, path: Path, **params: QueryMap):
        """GET {path}"""

    @uplink.get("/incidents/{pk}/")
    def with_absolute_path(self, pk: Path):
        """GET /incidents/{pk}/"""


def test_unsupported_features_go_through_uplink(requests_mock):
    api = Other(API, Transport(API, TOKEN, retries=0))
    requests_mock.get(API + "incidents/", json=page_json([]))
    requests_mock.get(API + "incidents/7/", json=incident_json(pk=7))
    requests_mock.post(API + "incidents/", status_code=201, json={})
    requests_mock.get(API + "7", json={})
    requests_mock.get(API + "a%2Fb", json={})
    requests_mock.get("http://127.0.0.1:8000/incidents/7/", json={})

    assert api.with_query(3).results == []
    assert requests_mock.last_request.qs == {"page_size": ["3"]}
    assert api.with_query._plan is None

    assert api.with_headers(7).pk == 7
    assert requests_mock.last_request.headers["X-Static"] == "1"
    assert api.with_headers._plan is None

    assert api.with_default().pk == 7  # defaults and keyword-only arguments are bound
    assert api.with_default._plan
    assert api.with_keyword_only(pk=7).pk == 7
    assert api.with_keyword_only._plan
    with pytest.raises(TypeError):
        api.with_keyword_only(7)

    assert api.with_marker(7).marker is True  # a method-level response handler
    assert api.with_marker._plan

    api.with_plain_body(a=1)
    assert requests_mock.last_request.json() == {"a": 1}
    assert api.with_plain_body._plan

    api.with_dynamic_path(7)
    assert api.with_dynamic_path._plan
    api.with_dynamic_path("a/b")  # a string: left to uplink's expansion
    assert requests_mock.last_request.url == API + "a%2Fb"

    api.with_absolute_path(7)  # urljoin() drops the API root's path: left to uplink
    assert requests_mock.last_request.url == "http://127.0.0.1:8000/incidents/7/"
    assert api.with_absolute_path._plan is None


def test_broken_uplink_internals_mean_no_compilation(monkeypatch):
    api = ArgusAPI(API, Recorder())
    monkeypatch.setattr(_fastcall, "_build_plan", lambda *args: 1 / 0)
    api.transport.bodies = [(200, b"{}")]
    api.retrieve_incident(5)
    assert api.retrieve_incident._plan is None
    assert api.transport.sent[-1][1] == API + "incidents/5/"


class CallbackTransport(Transport):
    def apply_callback(self, callback, response):
        return callback(response)


def test_consumers_only_uplink_can_serve_are_not_compiled(requests_mock):
    requests_mock.get(API + "incidents/5/", json=incident_json(pk=5))
    requests_mock.get("http://127.0.0.1:8000/api/incidents/5/", json=incident_json(pk=5))

    custom = ArgusAPI(API, CallbackTransport(API, TOKEN, retries=0))
    no_slash = ArgusAPI(API.rstrip("/"), Transport(API, TOKEN, retries=0))
    hooked = ArgusAPI(API, Transport(API, TOKEN, retries=0))
    hooked.session.inject(add_marker)
    with_headers = ArgusAPI(API, Transport(API, TOKEN, retries=0))
    with_headers.session.headers["X-Extra"] = "1"

    for api in (custom, no_slash, hooked, with_headers):
        assert api.retrieve_incident(5).pk == 5
        assert api.retrieve_incident._plan is None
    assert requests_mock.last_request.headers["X-Extra"] == "1"
