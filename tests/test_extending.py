"""A user's subclass of ArgusAPI gets exactly what the built-in declarations get.

The table of docs/extending.rst, for declarations a user adds without any
pyargus-private import or decorator: decoding (schema instances and
classes), typed errors for every status, methods without a return
annotation, retries only when safe, timeouts, token scoping, and that the
inherited declarations keep their behaviour (quirks included).
"""

# No "from __future__ import annotations": uplink reads the annotations at class creation.
from dataclasses import dataclass

import pytest
import requests
import uplink
from marshmallow import fields
from uplink import Body, Path, QueryMap

from pyargus.api import ArgusAPI, on_error
from pyargus.client import Client
from pyargus.exceptions import (
    ArgusError,
    AuthError,
    BadRequestError,
    ClientError,
    DecodeError,
    InvalidArgumentError,
    NotFoundError,
    NotSupportedError,
    ServerError,
)
from pyargus.fastschema import ENABLED
from pyargus.fields import DateTime, TagList
from pyargus.schemas import ArgusSchema, page_schema

from .conftest import API, TOKEN

PROFILE = {"pk": 7, "name": "night", "active": True, "created": "2026-01-01T10:00:00+01:00"}

#: Listings stream items only through direct calls (off with PYARGUS_FAST=0, as on uplink's path).
STREAMING = pytest.mark.skipif(not ENABLED, reason="direct calls are off: whole pages")


@dataclass
class Profile:
    pk: int | None = None
    name: str | None = None
    active: bool | None = None
    created: object = None
    tags: object = None


class ProfileSchema(ArgusSchema):
    model = Profile

    pk = fields.Integer(required=True)
    name = fields.String()
    active = fields.Boolean()
    created = DateTime()
    tags = TagList()


class MyAPI(ArgusAPI):
    @uplink.get("notificationprofiles/{pk}/")
    def get_profile(self, pk: Path) -> ProfileSchema():  # an instance
        """GET notificationprofiles/{pk}/"""

    @uplink.get("notificationprofiles/{pk}/")
    def get_profile_by_class(self, pk: Path) -> ProfileSchema:  # a class
        """GET notificationprofiles/{pk}/"""

    @uplink.get("notificationprofiles/")
    def list_profiles(self, **params: QueryMap) -> page_schema(ProfileSchema()):
        """GET notificationprofiles/"""

    @uplink.json
    @uplink.post("notificationprofiles/")
    def create_profile(self, profile: Body(type=ProfileSchema)) -> ProfileSchema:
        """POST notificationprofiles/"""

    @uplink.delete("notificationprofiles/{pk}/")
    def delete_profile(self, pk: Path):
        """DELETE notificationprofiles/{pk}/ (no return annotation)"""

    @on_error(lambda e: NotSupportedError(e.response) if e.status_code == 501 else None)
    @uplink.get("feature/")
    def get_feature(self):
        """GET feature/ (with a quirk of its own)"""

    @uplink.get("http://elsewhere.example:9/steal/")
    def elsewhere(self):
        """GET an absolute URL on another host"""


@pytest.fixture
def client(requests_mock):
    with Client(API, TOKEN, retries=2, api_class=MyAPI) as client:
        client.api.transport._sleep = lambda seconds: None
        yield client


def test_client_builds_the_given_api_class(client):
    assert type(client.api) is MyAPI
    assert repr(client.api) == f"<MyAPI {API}>"


def test_an_api_class_that_is_not_an_argus_api_is_refused_before_any_request(requests_mock):
    with pytest.raises(InvalidArgumentError, match=r"api_class must be pyargus\.api\.ArgusAPI"):
        Client(API, TOKEN, api_class=uplink.Consumer)
    assert requests_mock.call_count == 0


def test_login_accepts_an_api_class(requests_mock):
    requests_mock.post(
        API + "auth/token/login/", json={"token": "new-token", "expiry": "2026-01-01T10:00:00Z"}
    )
    requests_mock.get(API + "notificationprofiles/7/", json=PROFILE)
    with Client.login(API, "user", "secret", api_class=MyAPI) as client:
        assert client.api.get_profile(7).name == "night"
    assert requests_mock.last_request.headers["Authorization"] == "Token new-token"


@pytest.mark.parametrize("name", ["get_profile", "get_profile_by_class"])
def test_2xx_is_decoded_with_a_schema_instance_or_class(client, requests_mock, name):
    requests_mock.get(API + "notificationprofiles/7/", json=PROFILE)
    profile = getattr(client.api, name)(7)
    assert profile == Profile(pk=7, name="night", active=True, created=profile.created, tags=None)
    assert profile.created.utcoffset().total_seconds() == 3600


def test_a_schema_class_is_instantiated_once(requests_mock, monkeypatch):
    made = []
    original = ProfileSchema.__init__

    def counting_init(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(ProfileSchema, "__init__", counting_init)
    requests_mock.get(API + "notificationprofiles/7/", json=PROFILE)
    with Client(API, TOKEN, api_class=MyAPI) as client:
        for _ in range(3):
            assert client.api.get_profile_by_class(7).pk == 7
    assert len(made) == 1


def test_pages_of_a_users_schema(client, requests_mock):
    requests_mock.get(
        API + "notificationprofiles/", json={"next": None, "previous": None, "results": [PROFILE]}
    )
    page = client.api.list_profiles()
    assert [p.pk for p in page.results] == [7]
    assert page.results[0].name == "night"  # a real list


@STREAMING
def test_a_listing_of_a_users_declaration_loads_each_item_when_reached(client, requests_mock):
    from pyargus.pagination import StreamedPage, iterate, streamed

    requests_mock.get(
        API + "notificationprofiles/",
        json={"next": None, "previous": None, "results": [PROFILE, {"name": "no pk"}, PROFILE]},
    )
    assert isinstance(streamed(client.api.list_profiles)(), StreamedPage)
    profiles = iterate(client.api.list_profiles, {})
    assert next(profiles).pk == 7
    with pytest.raises(DecodeError, match=r"missing required field results\.1\.pk"):
        next(profiles)
    assert [p.pk for p in profiles] == [7]


@pytest.mark.parametrize(
    ("body", "missing"),
    [({}, "pk"), ({"detail": "nothing here"}, "pk")],
)
def test_a_2xx_without_identity_fields_is_a_decode_error(client, requests_mock, body, missing):
    requests_mock.get(API + "notificationprofiles/7/", json=body)
    for name in ("get_profile", "get_profile_by_class"):
        with pytest.raises(DecodeError) as info:
            getattr(client.api, name)(7)
        assert str(info.value) == (
            f"GET /api/v2/notificationprofiles/7/: 200: missing required field {missing}"
        )


def test_a_wrong_type_from_a_schema_class_is_a_decode_error_not_a_marshmallow_error(
    client, requests_mock
):
    requests_mock.get(API + "notificationprofiles/7/", json={**PROFILE, "active": "perhaps"})
    with pytest.raises(DecodeError, match=r"unexpected JSON shape: \{'active'"):
        client.api.get_profile_by_class(7)


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, BadRequestError),
        (401, AuthError),
        (403, AuthError),
        (404, NotFoundError),
        (409, ClientError),
        (500, ServerError),
    ],
)
@pytest.mark.parametrize("name", ["get_profile", "get_profile_by_class", "delete_profile"])
def test_every_error_status_has_its_class(client, requests_mock, status, error, name):
    for method in ("GET", "DELETE"):
        requests_mock.register_uri(
            method, API + "notificationprofiles/7/", status_code=status, json={"detail": "no"}
        )
    with pytest.raises(error) as info:
        getattr(client.api, name)(7)
    assert info.value.status_code == status
    assert str(info.value).endswith(f"{status}: no")


def test_a_method_without_return_annotation_returns_the_response_on_2xx(client, requests_mock):
    requests_mock.delete(API + "notificationprofiles/7/", status_code=204)
    response = client.api.delete_profile(7)
    assert isinstance(response, requests.Response)
    assert response.status_code == 204


def test_a_403_on_a_method_without_return_annotation_raises(client, requests_mock):
    requests_mock.delete(API + "notificationprofiles/7/", status_code=403, json={"detail": "No."})
    with pytest.raises(AuthError, match="DELETE /api/v2/notificationprofiles/7/: 403"):
        client.api.delete_profile(7)


def test_get_is_retried_and_post_is_not(client, requests_mock):
    requests_mock.get(API + "notificationprofiles/7/", [{"status_code": 503}, {"json": PROFILE}])
    assert client.api.get_profile(7).pk == 7
    assert requests_mock.call_count == 2
    requests_mock.post(API + "notificationprofiles/", status_code=503)
    with pytest.raises(ServerError) as info:
        client.api.create_profile(Profile(name="n"))
    assert info.value.retryable
    assert requests_mock.call_count == 3  # one POST: it may have reached the server


def test_bodies_are_dumped_with_a_schema_class(client, requests_mock):
    requests_mock.post(API + "notificationprofiles/", status_code=201, json=PROFILE)
    assert client.api.create_profile(Profile(name="n", active=False)).pk == 7
    assert requests_mock.last_request.json() == {"name": "n", "active": False}


def test_timeouts_and_token_apply_to_a_users_declaration(requests_mock):
    with Client(API, TOKEN, timeout=(2, 9), api_class=MyAPI) as client:
        requests_mock.get(API + "notificationprofiles/7/", json=PROFILE)
        client.api.get_profile(7)
    request = requests_mock.last_request
    assert request.timeout == (2, 9)
    assert request.headers["Authorization"] == f"Token {TOKEN}"


def test_the_token_is_never_sent_to_another_host(client, requests_mock):
    requests_mock.get("http://elsewhere.example:9/steal/", text="ok")
    client.api.elsewhere()
    assert "Authorization" not in requests_mock.last_request.headers


def test_a_users_quirk_translates_errors(client, requests_mock):
    requests_mock.get(API + "feature/", status_code=501, json={"detail": "later"})
    with pytest.raises(NotSupportedError):
        client.api.get_feature()
    requests_mock.get(API + "feature/", status_code=404, json={"detail": "gone"})
    with pytest.raises(NotFoundError):  # not translated: kept
        client.api.get_feature()


def test_inherited_declarations_keep_their_behaviour(client, requests_mock):
    from .wire import incident_json

    requests_mock.get(API + "incidents/5/", json=incident_json(pk=5))
    assert client.api.retrieve_incident(5).pk == 5
    requests_mock.get(API + "incidents/6/", status_code=404, json={"detail": "Not found."})
    with pytest.raises(NotFoundError):
        client.api.retrieve_incident(6)
    # Argus' quirk on tags (400 "An incident with pk=...") is translated on the api too.
    requests_mock.get(
        API + "incidents/6/tags/",
        status_code=400,
        json=["An incident with pk=6 does not exist."],
    )
    with pytest.raises(NotFoundError):
        client.api.list_incident_tags(6)
    with pytest.raises(NotFoundError):
        client.get_incident_tags(6)


def test_no_dependency_exception_reaches_the_caller(client, requests_mock):
    requests_mock.get(API + "notificationprofiles/7/", text="<html>proxy</html>")
    with pytest.raises(ArgusError):
        client.api.get_profile_by_class(7)
