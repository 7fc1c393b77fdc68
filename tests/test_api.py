"""The uplink declarations: rules every endpoint follows, and what each one sends."""

import inspect

import pytest
import uplink.helpers
from marshmallow import Schema

from pyargus import schemas
from pyargus.api import ArgusAPI
from pyargus.exceptions import ServerError
from pyargus.models import Event, Incident, Tags
from pyargus.transport import Transport

from .conftest import API, TOKEN
from .wire import ack_json, event_json, incident_json, page_json

DECLARATIONS = uplink.helpers.get_api_definitions(ArgusAPI)
#: Argus' one endpoint without a trailing slash (auth/token/logoutall).
NO_TRAILING_SLASH = {"auth/token/logoutall"}


def test_there_are_declarations():
    assert len(DECLARATIONS) >= 8


@pytest.mark.parametrize(("name", "declaration"), DECLARATIONS, ids=[n for n, _ in DECLARATIONS])
class TestEveryDeclaration:
    def test_path_is_relative_and_ends_in_a_slash(self, name, declaration):
        path = declaration.uri.template
        assert not path.startswith("/"), "a leading '/' drops the /api/v2/ prefix"
        assert "://" not in path
        assert path.endswith("/") or path in NO_TRAILING_SLASH, (
            "Argus redirects (and drops POST bodies) without '/'"
        )

    def test_docstring_names_the_endpoint(self, name, declaration):
        doc = inspect.getdoc(declaration._func) or ""
        assert doc.startswith(f"{declaration.method} {declaration.uri.template}"), doc

    def test_return_type_is_a_schema_instance_or_nothing(self, name, declaration):
        annotation = declaration._func.__annotations__.get("return")
        assert annotation is None or isinstance(annotation, Schema), (
            "use a module-level schema instance: a class is instantiated on every call"
        )
        if annotation is not None:
            assert annotation in vars(schemas).values()

    def test_body_types_are_schema_instances(self, name, declaration):
        for arg, annotation in declaration._func.__annotations__.items():
            body_type = getattr(annotation, "_type", None)
            if arg != "return" and body_type is not None:
                assert isinstance(body_type, Schema)


@pytest.fixture
def api(requests_mock):
    return ArgusAPI(API, Transport(API, TOKEN, retries=0))


def test_list_incidents(api, requests_mock):
    requests_mock.get(API + "incidents/", json=page_json([incident_json()]))
    page = api.list_incidents(open="true", page_size="2")
    assert [i.pk for i in page.results] == [1]
    request = requests_mock.last_request
    assert request.qs == {"open": ["true"], "page_size": ["2"]}
    assert request.headers["Authorization"] == f"Token {TOKEN}"


def test_list_my_incidents(api, requests_mock):
    requests_mock.get(API + "incidents/mine/", json=page_json([]))
    assert api.list_my_incidents().results == []


def test_retrieve_incident(api, requests_mock):
    requests_mock.get(API + "incidents/5/", json=incident_json(pk=5))
    assert api.retrieve_incident(5).pk == 5


def test_create_incident_sends_json(api, requests_mock):
    requests_mock.post(API + "incidents/", status_code=201, json=incident_json())
    from datetime import datetime, timezone

    api.create_incident(
        Incident(start_time=datetime(2026, 1, 1, tzinfo=timezone.utc), tags=Tags(a="1"))
    )
    request = requests_mock.last_request
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"start_time": "2026-01-01T00:00:00+00:00", "tags": [{"tag": "a=1"}]}


def test_update_incident_sends_only_the_changes(api, requests_mock):
    requests_mock.patch(API + "incidents/5/", json=incident_json(pk=5, level=3))
    assert api.update_incident(5, {"level": 3}).level == 3
    assert requests_mock.last_request.json() == {"level": 3}


def test_events(api, requests_mock):
    requests_mock.get(API + "incidents/5/events/", json=[event_json()])
    requests_mock.post(API + "incidents/5/events/", status_code=201, json=event_json())
    assert [e.type for e in api.list_incident_events(5)] == ["END"]
    assert api.create_incident_event(5, Event(type="END")).pk == 12
    assert requests_mock.last_request.json() == {"type": "END"}


def test_acknowledgements(api, requests_mock):
    requests_mock.get(API + "incidents/5/acks/", json=[ack_json()])
    assert [a.pk for a in api.list_incident_acknowledgements(5)] == [13]


def test_repr(api):
    assert repr(api) == f"<ArgusAPI {API}>"
    assert TOKEN not in repr(api)


ROOT = API.rsplit("api/v2/", 1)[0]


@pytest.mark.parametrize(
    ("name", "args", "method", "url"),
    [
        ("count_incidents", {"count": ""}, "GET", API + "incidents/?count="),
        ("count_my_incidents", {"count": ""}, "GET", API + "incidents/mine/?count="),
        ("delete_incident", (5,), "DELETE", API + "incidents/5/"),
        ("update_ticket_url", (5, {"ticket_url": ""}), "PUT", API + "incidents/5/ticket_url/"),
        ("create_automatic_ticket", (5,), "PUT", API + "incidents/5/automatic-ticket/"),
        ("list_events", {"page_size": "2"}, "GET", API + "incidents/events/?page_size=2"),
        ("retrieve_incident_event", (5, 7), "GET", API + "incidents/5/events/7/"),
        ("retrieve_incident_acknowledgement", (5, 7), "GET", API + "incidents/5/acks/7/"),
        ("list_incident_tags", (5,), "GET", API + "incidents/5/tags/"),
        ("retrieve_incident_tag", (5, "k=v"), "GET", API + "incidents/5/tags/k%3Dv/"),
        ("delete_incident_tag", (5, "k=a b"), "DELETE", API + "incidents/5/tags/k%3Da%20b/"),
        ("create_incident_tag", (5, {"tag": "k=v"}), "POST", API + "incidents/5/tags/"),
        ("list_source_systems", (), "GET", API + "incidents/sources/"),
        ("retrieve_source_system", (2,), "GET", API + "incidents/sources/2/"),
        ("update_source_system", (2, {"name": "n"}), "PUT", API + "incidents/sources/2/"),
        ("send_heartbeat", (), "POST", API + "incidents/sources/heartbeat/"),
        ("probe_heartbeat", (), "GET", API + "incidents/sources/heartbeat/"),
        ("list_source_system_types", (), "GET", API + "incidents/source-types/"),
        ("retrieve_source_system_type", ("nav",), "GET", API + "incidents/source-types/nav/"),
        ("refresh_token", (), "POST", API + "auth/token/login/"),
        ("logout", (), "POST", API + "auth/token/logout/"),
        ("logout_all", (), "POST", API + "auth/token/logoutall"),
        ("retrieve_current_user", (), "GET", API + "auth/user/"),
        ("retrieve_user", (3,), "GET", API + "auth/users/3/"),
        ("retrieve_metadata", (), "GET", ROOT + "api/"),
        ("health_check", (), "GET", ROOT + ".still-alive/"),
        (
            "patch_incident_acknowledgement",
            (5, 7, {"expiration": None}),
            "PATCH",
            API + "incidents/5/acks/7/",
        ),
        ("patch_source_system", (2, {"name": "n"}), "PATCH", API + "incidents/sources/2/"),
    ],
)
def test_incident_side_declarations_send_the_right_request(
    api, requests_mock, name, args, method, url
):
    requests_mock.register_uri(method, url.split("?")[0], status_code=599)
    call = getattr(api, name)
    with pytest.raises(ServerError):
        call(**args) if isinstance(args, dict) else call(*args)
    request = requests_mock.last_request
    assert (request.method, request.url) == (method, url)
    assert request.headers["Authorization"] == f"Token {TOKEN}"


NP = API + "notificationprofiles/"
PM = API + "plannedmaintenance/"


@pytest.mark.parametrize(
    ("name", "args", "method", "url"),
    [
        ("list_notification_profiles", (), "GET", NP),
        ("create_notification_profile", ({"timeslot": 1, "filters": [1]},), "POST", NP),
        ("retrieve_notification_profile", (3,), "GET", NP + "3/"),
        ("replace_notification_profile", (3, {"timeslot": 1, "filters": [1]}), "PUT", NP + "3/"),
        ("update_notification_profile", (3, {"timeslot": 1}), "PATCH", NP + "3/"),
        ("delete_notification_profile", (3,), "DELETE", NP + "3/"),
        ("list_notification_profile_incidents", (3,), "GET", NP + "3/incidents/"),
        ("preview_notification_profile", ({"open": True},), "POST", NP + "preview/"),
        ("preview_filter", ({"open": True},), "POST", NP + "filterpreview/"),
        ("list_timeslots", (), "GET", NP + "timeslots/"),
        ("create_timeslot", ({"name": "t", "time_recurrences": []},), "POST", NP + "timeslots/"),
        ("retrieve_timeslot", (4,), "GET", NP + "timeslots/4/"),
        (
            "replace_timeslot",
            (4, {"name": "t", "time_recurrences": []}),
            "PUT",
            NP + "timeslots/4/",
        ),
        ("update_timeslot", (4, {"name": "t"}), "PATCH", NP + "timeslots/4/"),
        ("delete_timeslot", (4,), "DELETE", NP + "timeslots/4/"),
        ("list_filters", (), "GET", NP + "filters/"),
        ("create_filter", ({"name": "f", "filter": {}},), "POST", NP + "filters/"),
        ("retrieve_filter", (5,), "GET", NP + "filters/5/"),
        ("replace_filter", (5, {"name": "f"}), "PUT", NP + "filters/5/"),
        ("update_filter", (5, {"name": "f"}), "PATCH", NP + "filters/5/"),
        ("delete_filter", (5,), "DELETE", NP + "filters/5/"),
        ("list_destinations", (), "GET", NP + "destinations/"),
        ("create_destination", ({"media": "email", "settings": {}},), "POST", NP + "destinations/"),
        ("retrieve_destination", (6,), "GET", NP + "destinations/6/"),
        ("update_destination", (6, {"label": "x"}), "PATCH", NP + "destinations/6/"),
        ("delete_destination", (6,), "DELETE", NP + "destinations/6/"),
        ("retrieve_destination_duplicate", (6,), "GET", NP + "destinations/6/duplicate/"),
        ("list_media", (), "GET", NP + "media/"),
        ("retrieve_medium", ("email",), "GET", NP + "media/email/"),
        ("retrieve_medium_json_schema", ("email",), "GET", NP + "media/email/json_schema/"),
        ("list_planned_maintenance", (), "GET", PM),
        ("create_planned_maintenance", ({"filters": [1], "end_time": None},), "POST", PM),
        ("retrieve_planned_maintenance", (7,), "GET", PM + "7/"),
        ("replace_planned_maintenance", (7, {"filters": [1], "end_time": None}), "PUT", PM + "7/"),
        ("update_planned_maintenance", (7, {"description": "d"}), "PATCH", PM + "7/"),
        ("delete_planned_maintenance", (7,), "DELETE", PM + "7/"),
    ],
)
def test_end_user_declarations_send_the_right_request(api, requests_mock, name, args, method, url):
    requests_mock.register_uri(method, url, status_code=599)
    with pytest.raises(ServerError):
        getattr(api, name)(*args)
    request = requests_mock.last_request
    assert (request.method, request.url) == (method, url)
    if request.body:
        assert request.headers["Content-Type"] == "application/json"
        assert request.json() == args[-1]


def test_all_36_end_user_declarations_are_inherited():
    from pyargus.enduser_api import EndUserAPI

    own = dict(uplink.helpers.get_api_definitions(EndUserAPI))
    assert len(own) == 36
    assert set(own) <= dict(DECLARATIONS).keys()
