"""Direct calls (pyargus.direct) send what uplink's own path sends, and step aside when they must.

Every declaration of ArgusAPI is planned for a direct call; one scenario
through the facade reaches all of them, once on a client whose calls are
direct and once on a client forced onto uplink's own path, and both record
the same requests (method, URL, query, body, headers) and give the same
results and errors. Declarations and consumers the direct path does not
handle (other annotations, session headers/hooks/auth, annotated
``__init__``) go through uplink and keep uplink's behaviour.
"""

# No "from __future__ import annotations": uplink reads the annotations at class creation.
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests_mock as requests_mock_module
import uplink
from uplink import Header, Path, Query, QueryMap, returns

from pyargus import direct, schemas
from pyargus.api import ArgusAPI, on_error
from pyargus.client import Client
from pyargus.exceptions import ArgusError, NotFoundError, NotSupportedError
from pyargus.models import Event, Incident

from . import wire
from .conftest import API, TOKEN

UTC = timezone.utc
ROOT = API[: -len("api/v2/")]


def declarations(cls: type) -> dict[str, Any]:
    found = {}
    for klass in reversed(cls.__mro__):
        for name, attribute in vars(klass).items():
            if isinstance(attribute, direct.DirectMethod):
                found[name] = attribute
    return found


def test_every_built_in_declaration_is_planned_for_a_direct_call() -> None:
    found = declarations(ArgusAPI)
    assert len(found) >= 40
    unplanned = [name for name, d in found.items() if direct.plan(d.attribute, ArgusAPI) is None]
    assert unplanned == []


def fake_argus(mock: requests_mock_module.Mocker) -> None:
    """Answers for every endpoint the scenario reaches (recorded shapes)."""
    incident = wire.incident_json()
    source = wire.SOURCE_SYSTEMS[2]
    answers: list[tuple[str, str, int, Any]] = [
        ("GET", "incidents/?", 200, wire.page_json([incident])),
        ("GET", "incidents/mine/?", 200, wire.page_json([incident])),
        ("GET", "incidents/1/", 200, incident),
        ("POST", "incidents/", 201, incident),
        ("PATCH", "incidents/1/", 200, incident),
        ("DELETE", "incidents/1/", 405, {"detail": 'Method "DELETE" not allowed.'}),
        ("GET", "incidents/1/events/", 200, [wire.EVENT]),
        ("GET", "incidents/1/events/12/", 200, wire.EVENT),
        ("POST", "incidents/1/events/", 201, wire.EVENT),
        ("GET", "incidents/events/", 200, wire.page_json([wire.EVENT])),
        ("GET", "incidents/1/acks/", 200, [wire.ACK]),
        ("GET", "incidents/1/acks/13/", 200, wire.ACK),
        ("POST", "incidents/1/acks/", 201, wire.ACK),
        ("PUT", "incidents/1/acks/13/", 200, wire.ACK),
        ("PUT", "incidents/1/ticket_url/", 200, {"ticket_url": "https://t.example.org/1"}),
        ("PUT", "incidents/1/automatic-ticket/", 400, wire.NO_TICKET_PLUGIN),
        ("GET", "incidents/1/tags/", 200, incident["tags"]),
        ("GET", "incidents/999/tags/", 400, ["An incident with pk=999 does not exist."]),
        ("POST", "incidents/1/tags/", 201, incident["tags"][0]),
        ("GET", "incidents/1/tags/host%3Da%20b%20%C3%A4%3F/", 404, {"detail": "Not found."}),
        ("DELETE", "incidents/1/tags/org%3Duni/", 204, None),
        ("POST", "incidents/acks/bulk/", 201, wire.bulk_json("ack", {1: wire.ACK}, (999,))),
        ("POST", "incidents/events/bulk/", 201, wire.bulk_json("event", {1: wire.EVENT})),
        (
            "POST",
            "incidents/ticket_url/bulk/",
            201,
            wire.bulk_json("ticket_url", {1: "https://t.example.org/1"}),
        ),
        ("GET", "incidents/sources/", 200, wire.SOURCE_SYSTEMS),
        ("GET", "incidents/sources/2/", 200, source),
        ("POST", "incidents/sources/", 201, source),
        ("PUT", "incidents/sources/2/", 200, source),
        ("GET", "incidents/source-types/", 200, [{"name": "argus"}, {"name": "nav"}]),
        ("GET", "incidents/source-types/nav/", 200, {"name": "nav"}),
        ("POST", "incidents/source-types/", 201, {"name": "zabbix"}),
        ("GET", "incidents/sources/heartbeat/", 405, {"detail": 'Method "GET" not allowed.'}),
        ("POST", "incidents/sources/heartbeat/", 204, None),
        ("GET", "auth/user/", 200, wire.SOURCE_USER),
        ("GET", "auth/users/3/", 200, wire.SOURCE_USER),
        ("POST", "auth/token/login/", 200, wire.TOKEN),
        ("POST", "auth/token/logout/", 200, None),
        ("POST", "auth/token/logoutall", 200, None),
    ]
    for method, path, status, body in answers:
        url = API + path.rstrip("?")
        kwargs: dict[str, Any] = {"status_code": status}
        if body is not None:
            kwargs["text"] = json.dumps(body)
            kwargs["headers"] = {"Content-Type": "application/json"}
        mock.register_uri(method, url, complete_qs=False, **kwargs)
    mock.get(API[: -len("v2/")], text=json.dumps(wire.METADATA))
    mock.get(ROOT, text=json.dumps(wire.METADATA))
    mock.get(ROOT + ".still-alive/", status_code=204)


def changed(incident: Incident) -> Incident:
    incident.description = "changed"
    return incident


def scenario(client: Client) -> list[Any]:
    """Facade calls that reach every declaration; the result or error of each."""
    when = datetime(2026, 11, 27, 9, 45, tzinfo=UTC)
    new = Incident(
        start_time=when,
        source_incident_id="lab-1",
        description="Lab incident 1",
        level=2,
        tags={"host": "a.example.org", "org": ["uni", "dept"]},
    )
    steps: list[Any] = [
        lambda: next(iter(client.get_incidents(open=True, tags={"host": "a"}))),
        lambda: list(client.get_my_incidents(open=True)),
        lambda: client.get_incident(1),
        lambda: client.post_incident(new),
        lambda: client.update_incident(changed(client.get_incident(1))),
        lambda: client.delete_incident(1),
        lambda: client.count_incidents(open=True),
        lambda: client.count_my_incidents(open=True),
        lambda: client.get_incident_events(1),
        lambda: client.get_incident_event(1, 12),
        lambda: client.post_incident_event(1, Event(type="OTH", description="x")),
        lambda: client.resolve_incident(1, "fixed", timestamp=when),
        lambda: next(iter(client.get_events())),
        lambda: client.get_incident_acknowledgements(1),
        lambda: client.get_incident_acknowledgement(1, 13),
        lambda: client.acknowledge_incident(1, "on it", expiration=when + timedelta(hours=1)),
        lambda: client.update_acknowledgement_expiration(1, 13, None),
        lambda: client.set_ticket_url(1, "https://t.example.org/1"),
        lambda: client.create_automatic_ticket(1),
        lambda: client.get_incident_tags(1),
        lambda: client.get_incident_tags(999),
        lambda: client.add_incident_tag(1, "host", "a.example.org"),
        lambda: client.has_incident_tag(1, "host", "a b ä?"),
        lambda: client.remove_incident_tag(1, "org", "uni"),
        lambda: client.bulk_acknowledge([1, 999], "on it"),
        lambda: client.bulk_post_event([1], Event(type="OTH", description="x")),
        lambda: client.bulk_set_ticket_url([1], "https://t.example.org/1"),
        lambda: client.get_source_systems(),
        lambda: client.get_source_system(2),
        lambda: client.create_source_system("testsource", "pyargus"),
        lambda: client.update_source_system(2, name="testsource"),
        lambda: client.get_source_system_types(),
        lambda: client.get_source_system_type("nav"),
        lambda: client.create_source_system_type("zabbix"),
        lambda: client.supports_heartbeat(),
        lambda: client.send_heartbeat(),
        lambda: client.get_current_user(),
        lambda: client.get_user(3),
        lambda: client.get_server_metadata(),
        lambda: client.is_alive(),
        lambda: client.refresh_token(),
        lambda: client.logout_all(),
        lambda: client.logout(),
        lambda: Client.login(API, "admin", "secret", retries=0).close(),
    ]
    outcomes = []
    for step in steps:
        try:
            outcomes.append(("ok", repr(step())))
        except ArgusError as error:
            outcomes.append((type(error).__name__, str(error)))
    return outcomes


def recorded(mock: requests_mock_module.Mocker) -> list[tuple[Any, ...]]:
    return [(r.method, r.url, r.body, sorted(r.headers.items())) for r in mock.request_history]


FROZEN = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


def run(
    force_uplink: bool, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[Any], list[tuple[Any, ...]], set[str]]:
    import pyargus.bulk
    import pyargus.client

    for module in (pyargus.client, pyargus.bulk):
        if hasattr(module, "now"):
            monkeypatch.setattr(module, "now", lambda: FROZEN)
    with requests_mock_module.Mocker() as mock:
        fake_argus(mock)
        client = Client(API, TOKEN, retries=0)
        if force_uplink:
            client.api.session.headers  # noqa: B018 -- adds uplink's (empty) header hook
        outcomes = scenario(client)
        direct_calls = {
            name for name, value in vars(client.api).items() if isinstance(value, direct.BoundCall)
        }
        return outcomes, recorded(mock), direct_calls


def test_direct_calls_and_uplinks_path_send_and_return_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fast_outcomes, fast_requests, fast_calls = run(False, monkeypatch)
    slow_outcomes, slow_requests, _ = run(True, monkeypatch)
    assert fast_outcomes == slow_outcomes
    assert fast_requests == slow_requests
    # The scenario reached every incident-side declaration that Client uses (login on
    # its own client), directly. (The end-user side's unit tests pass both ways: CI runs
    # the unit tests with PYARGUS_FAST=0 too.)
    other_forms = {
        "create_my_incident",
        "replace_incident",
        "patch_incident_acknowledgement",
        "patch_source_system",
    }
    incident_side = {n for n, v in vars(ArgusAPI).items() if isinstance(v, direct.DirectMethod)}
    assert fast_calls | {"login"} == incident_side - other_forms
    # ... and met the quirks: translations ran on both paths.
    kinds = [kind for kind, _ in fast_outcomes]
    assert "NotFoundError" in kinds and "NotSupportedError" in kinds
    assert "ok" in kinds


class UserAPI(ArgusAPI):
    @uplink.get("incidents/{pk}/")
    def get_plain(self, pk: Path) -> schemas.incident: ...

    @uplink.headers({"X-Extra": "1"})
    @uplink.get("incidents/{pk}/")
    def get_with_header(self, pk: Path) -> schemas.incident: ...

    @uplink.get("incidents/")
    def search(self, q: Query("q")) -> schemas.incident_page: ...

    @uplink.get("incidents/{pk}/")
    def get_with_header_arg(self, pk: Path, extra: Header("X-Extra")) -> schemas.incident: ...

    @returns.json
    @uplink.get("incidents/{pk}/")
    def get_json(self, pk: Path): ...

    @on_error(lambda e: NotSupportedError(e.response) if isinstance(e, NotFoundError) else None)
    @uplink.get("features/{name}/")
    def get_feature(self, name: Path): ...

    @uplink.get("incidents/")
    def find(self, **params: QueryMap) -> schemas.incident_page: ...


@pytest.fixture
def user_client(requests_mock: Any) -> Client:
    requests_mock.get(API + "incidents/1/", json=wire.incident_json())
    requests_mock.get(API + "incidents/", json=wire.page_json([wire.incident_json()]))
    requests_mock.get(API + "features/x/", status_code=404, json={"detail": "Not found."})
    with Client(API, TOKEN, retries=0, api_class=UserAPI) as client:
        yield client


def test_a_users_plain_declarations_are_direct_and_others_go_through_uplink(
    user_client: Client, requests_mock: Any
) -> None:
    api = user_client.api
    planned = {n for n, d in declarations(UserAPI).items() if direct.plan(d.attribute, UserAPI)}
    assert {"get_plain", "get_feature", "find"} <= planned
    assert not {"get_with_header", "search", "get_with_header_arg", "get_json"} & planned
    assert api.get_plain(1).pk == 1
    assert isinstance(vars(api)["get_plain"], direct.BoundCall)
    assert api.get_with_header(1).pk == 1
    assert requests_mock.last_request.headers["X-Extra"] == "1"
    assert api.get_with_header_arg(1, "2").pk == 1
    assert requests_mock.last_request.headers["X-Extra"] == "2"
    assert api.search("a b").results[0].pk == 1
    assert requests_mock.last_request.qs == {"q": ["a b"]}
    assert api.get_json(1)["pk"] == 1
    assert api.find(open="true", tags=["a=b", "c=d"]).results[0].pk == 1
    assert requests_mock.last_request.qs == {"open": ["true"], "tags": ["a=b", "c=d"]}
    with pytest.raises(NotSupportedError):
        api.get_feature("x")
    assert api.get_plain.__doc__ is None and api.get_plain.__name__ == "get_plain"


def test_session_headers_set_after_construction_are_sent(
    user_client: Client, requests_mock: Any
) -> None:
    api = user_client.api
    assert api.get_plain(1).pk == 1  # direct
    api.session.headers["X-Team"] = "noc"
    assert api.get_plain(1).pk == 1
    assert requests_mock.last_request.headers["X-Team"] == "noc"
    assert requests_mock.last_request.headers["Authorization"] == f"Token {TOKEN}"


class KeyedAPI(ArgusAPI):
    def __init__(self, api_root_url: str, transport: Any, key: Header("X-Key") = "k1") -> None:
        super().__init__(api_root_url, transport)

    @uplink.get("incidents/{pk}/")
    def get_plain(self, pk: Path) -> schemas.incident: ...


def test_annotated_init_arguments_keep_uplinks_path(requests_mock: Any) -> None:
    requests_mock.get(API + "incidents/1/", json=wire.incident_json())
    with Client(API, TOKEN, retries=0, api_class=KeyedAPI) as client:
        assert client.api.get_plain(1).pk == 1
        assert requests_mock.last_request.headers["X-Key"] == "k1"
        assert client.get_incident(1).pk == 1  # inherited declarations too
        assert requests_mock.last_request.headers["X-Key"] == "k1"


def test_arguments_are_bound_like_a_function_call(user_client: Client) -> None:
    api = user_client.api
    assert api.get_plain(pk=1).pk == 1
    with pytest.raises(TypeError):
        api.get_plain()
    with pytest.raises(TypeError):
        api.get_plain(1, 2)
    with pytest.raises(TypeError):
        api.get_plain(1, pk=1)
    with pytest.raises(TypeError):
        api.get_plain(1, other=2)


def test_the_off_switch_leaves_uplinks_descriptors_in_place() -> None:
    code = (
        "import uplink.builder\n"
        "from pyargus import direct, fastschema\n"
        "from pyargus.api import ArgusAPI\n"
        "assert fastschema.ENABLED is False\n"
        "assert isinstance(vars(ArgusAPI)['retrieve_incident'], uplink.builder.ConsumerMethod)\n"
    )
    env = {**os.environ, "PYARGUS_FAST": "0"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_async_clients_go_through_uplink_and_leave_sync_clients_direct() -> None:
    import asyncio

    from pyargus.async_client import AsyncClient

    async def touch() -> Any:
        async with AsyncClient(API, TOKEN, retries=0) as async_client:
            return async_client.api.retrieve_incident

    assert not isinstance(asyncio.run(touch()), direct.BoundCall)
    with Client(API, TOKEN, retries=0) as client:
        assert isinstance(client.api.retrieve_incident, direct.BoundCall)
