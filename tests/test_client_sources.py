"""Client: source systems, their types, and the heartbeat."""

from datetime import timedelta

import pytest

from pyargus.exceptions import (
    AuthError,
    BadRequestError,
    InvalidArgumentError,
    NotFoundError,
    NotSourceSystemError,
    NotSupportedError,
    ServerError,
)
from pyargus.models import SourceSystem

from .conftest import API
from .wire import SOURCE_SYSTEMS


class TestSourceSystems:
    def test_list(self, client, requests_mock):
        requests_mock.get(API + "incidents/sources/", json=SOURCE_SYSTEMS)
        sources = client.get_source_systems()
        assert sources[2] == SourceSystem(
            pk=2, name="testsource", type="pyargus", user=3, base_url=""
        )
        assert [s.name for s in sources] == ["argus", "othersource", "testsource"]

    def test_get_one_by_pk_or_object(self, client, requests_mock):
        requests_mock.get(API + "incidents/sources/3/", json=SOURCE_SYSTEMS[1])
        assert client.get_source_system(3).name == "othersource"
        assert client.get_source_system(SourceSystem(pk=3)).type == "pyargus"

    def test_create_with_every_option(self, client, requests_mock):
        post = requests_mock.post(
            API + "incidents/sources/",
            status_code=201,
            json={
                "pk": 4,
                "name": "nav",
                "type": {"name": "nav"},
                "user": 5,
                "base_url": "https://nav.example.org/",
            },
        )
        source = client.create_source_system(
            "nav",
            "nav",
            username="nav_glue",
            base_url="https://nav.example.org/",
            heartbeat_frequency=timedelta(minutes=5),
        )
        assert (source.pk, source.type, source.user) == (4, "nav", 5)
        assert post.last_request.json() == {
            "name": "nav",
            "type": "nav",
            "username": "nav_glue",
            "base_url": "https://nav.example.org/",
            "heartbeat_frequency": 300,
        }

    def test_create_sends_only_what_is_given(self, client, requests_mock):
        post = requests_mock.post(
            API + "incidents/sources/", status_code=201, json=SOURCE_SYSTEMS[2]
        )
        client.create_source_system("testsource", "pyargus", heartbeat_frequency=60)
        assert post.last_request.json() == {
            "name": "testsource",
            "type": "pyargus",
            "heartbeat_frequency": 60,
        }

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"name": "", "type": "nav"},
            {"name": "x", "type": None},
            {"name": "x", "type": "nav", "username": 3},
            {"name": "x", "type": "nav", "heartbeat_frequency": 59},
            {"name": "x", "type": "nav", "heartbeat_frequency": timedelta(days=1, seconds=1)},
            {"name": "x", "type": "nav", "heartbeat_frequency": 60.5},
            {"name": "x", "type": "nav", "heartbeat_frequency": "P1D"},
            {"name": "x", "type": "nav", "heartbeat_frequency": True},
        ],
    )
    def test_bad_arguments_fail_before_any_request(self, client, requests_mock, kwargs):
        with pytest.raises(InvalidArgumentError):
            client.create_source_system(**kwargs)
        assert requests_mock.call_count == 0

    def test_form_errors_are_bad_requests(self, client, requests_mock):
        requests_mock.post(
            API + "incidents/sources/",
            status_code=400,
            json={"__all__": ["Source system with this Name and Type already exists."]},
        )
        with pytest.raises(BadRequestError) as info:
            client.create_source_system("nav", "nav")
        assert info.value.field_errors == {
            "non_field_errors": ["Source system with this Name and Type already exists."]
        }

    def test_only_superusers_may_create(self, client, requests_mock):
        requests_mock.post(
            API + "incidents/sources/",
            status_code=403,
            json={"detail": "You do not have permission to perform this action."},
        )
        with pytest.raises(AuthError, match="permission"):
            client.create_source_system("nav", "nav")

    def test_rename(self, client, requests_mock):
        put = requests_mock.put(
            API + "incidents/sources/2/", json=dict(SOURCE_SYSTEMS[2], name="renamed")
        )
        assert client.update_source_system(2, "renamed").name == "renamed"
        assert put.last_request.json() == {"name": "renamed"}
        client.update_source_system(SourceSystem(pk=2, name="from object"))
        assert put.last_request.json() == {"name": "from object"}

    def test_rename_needs_a_name(self, client, requests_mock):
        with pytest.raises(InvalidArgumentError):
            client.update_source_system(2)
        with pytest.raises(InvalidArgumentError):
            client.update_source_system(SourceSystem(name="x"))
        assert requests_mock.call_count == 0


class TestSourceSystemTypes:
    def test_list(self, client, requests_mock):
        requests_mock.get(
            API + "incidents/source-types/", json=[{"name": "argus"}, {"name": "pyargus"}]
        )
        assert client.get_source_system_types() == ["argus", "pyargus"]

    def test_get_one(self, client, requests_mock):
        requests_mock.get(API + "incidents/source-types/nav/", json={"name": "nav"})
        requests_mock.get(
            API + "incidents/source-types/zabbix/",
            status_code=404,
            json={"detail": "No SourceSystemType matches the given query."},
        )
        assert client.get_source_system_type("nav") == "nav"
        with pytest.raises(NotFoundError):
            client.get_source_system_type("zabbix")

    def test_create(self, client, requests_mock):
        post = requests_mock.post(
            API + "incidents/source-types/", status_code=201, json={"name": "nav2"}
        )
        assert client.create_source_system_type("nav2") == "nav2"
        assert post.last_request.json() == {"name": "nav2"}

    @pytest.mark.parametrize("bad", ["NAV", "Nav", "123", "", " nav", None, 5])
    def test_names_argus_refuses_fail_before_any_request(self, client, requests_mock, bad):
        with pytest.raises(InvalidArgumentError, match="lowercase"):
            client.create_source_system_type(bad)
        assert requests_mock.call_count == 0


HEARTBEAT = API + "incidents/sources/heartbeat/"


class TestHeartbeat:
    def test_send(self, client, requests_mock):
        post = requests_mock.post(HEARTBEAT, status_code=204)
        assert client.send_heartbeat() is None
        assert post.called_once and post.last_request.body is None

    def test_end_user_gets_a_clear_auth_error(self, client, requests_mock):
        # argus-server 2.10: a user without a source system gets 403 with an empty body
        requests_mock.post(HEARTBEAT, status_code=403, text="", reason="Forbidden")
        with pytest.raises(NotSourceSystemError) as info:
            client.send_heartbeat()
        assert isinstance(info.value, AuthError)
        assert info.value.status_code == 403
        assert str(info.value) == (
            "POST /api/v2/incidents/sources/heartbeat/: 403 Forbidden: the token's user is not "
            "a source system, and only source systems may send heartbeats: use a source "
            "system's token"
        )

    def test_bad_token_is_an_auth_error(self, client, requests_mock):
        requests_mock.post(HEARTBEAT, status_code=401, json={"detail": "Invalid token."})
        with pytest.raises(AuthError, match="Invalid token"):
            client.send_heartbeat()

    @pytest.mark.parametrize(
        ("status", "body"),
        [
            # <= 2.9, not a superuser: the path is sources/{pk}/, only superusers may write
            (403, {"detail": "You do not have permission to perform this action."}),
            # <= 2.9, superuser: POST is not allowed on sources/{pk}/
            (405, {"detail": 'Method "POST" not allowed.'}),
            (404, "<h1>Not Found</h1>"),
        ],
    )
    def test_servers_without_the_endpoint(self, client, requests_mock, status, body):
        kwargs = {"json": body} if isinstance(body, dict) else {"text": body}
        requests_mock.post(HEARTBEAT, status_code=status, **kwargs)
        with pytest.raises(NotSupportedError, match="no heartbeat endpoint") as info:
            client.send_heartbeat()
        assert info.value.status_code == status

    def test_server_errors_pass_through(self, client, requests_mock):
        requests_mock.post(HEARTBEAT, status_code=500, text="<h1>Server Error (500)</h1>")
        with pytest.raises(ServerError):
            client.send_heartbeat()

    @pytest.mark.parametrize(
        ("status", "body", "supported"),
        [
            (405, {"detail": 'Method "GET" not allowed.'}, True),  # 2.10
            (404, {"detail": "No SourceSystem matches the given query."}, False),  # <= 2.9
        ],
    )
    def test_supports_heartbeat(self, client, requests_mock, status, body, supported):
        probe = requests_mock.get(HEARTBEAT, status_code=status, json=body)
        assert client.supports_heartbeat() is supported
        assert probe.called_once

    def test_supports_heartbeat_raises_on_a_bad_token(self, client, requests_mock):
        requests_mock.get(HEARTBEAT, status_code=401, json={"detail": "Invalid token."})
        with pytest.raises(AuthError):
            client.supports_heartbeat()

    def test_a_server_that_allows_get_has_the_endpoint(self, client, requests_mock):
        requests_mock.get(HEARTBEAT, status_code=200, json={})
        assert client.supports_heartbeat() is True
