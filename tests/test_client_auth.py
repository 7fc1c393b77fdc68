"""Client: logging in, tokens, users, and what the server says about itself."""

import logging
from datetime import datetime, timedelta, timezone

import pytest
import requests

from pyargus.client import Client
from pyargus.exceptions import (
    AuthError,
    ClientConnectionError,
    InvalidArgumentError,
    NotFoundError,
    UnexpectedRedirectError,
)
from pyargus.models import ExpiringToken, ServerMetadata, User
from pyargus.transport import Transport

from .conftest import API, TOKEN
from .wire import METADATA, SOURCE_USER, load_fixture, user_json
from .wire import TOKEN as TOKEN_JSON

OSLO = timezone(timedelta(hours=1))
NEW_TOKEN = TOKEN_JSON["token"]
LOGIN = API + "auth/token/login/"
LOGIN_FAILED = {
    "detail": "{'non_field_errors': [ErrorDetail(string='Unable to log in with provided "
    "credentials.', code='authorization')]}"
}


class TestLogin:
    def test_login_returns_a_client_using_the_new_token(self, requests_mock, caplog):
        login = requests_mock.post(LOGIN, json=TOKEN_JSON)
        requests_mock.get(API + "auth/user/", json=user_json())
        with caplog.at_level(logging.DEBUG, logger="pyargus"):
            client = Client.login(
                "http://127.0.0.1:8000/api/v2", "admin", "s3cret pass", timeout=4, retries=0
            )
        request = login.last_request
        assert request.json() == {"username": "admin", "password": "s3cret pass"}
        assert request.headers["Content-Type"] == "application/json"
        assert "Authorization" not in request.headers
        assert client.token_expiry == datetime(2026, 11, 27, 22, 19, 10, 456037, tzinfo=OSLO)
        assert client.api.transport.timeout == (4, 4)
        client.get_current_user()
        assert requests_mock.last_request.headers["Authorization"] == f"Token {NEW_TOKEN}"
        assert "s3cret" not in caplog.text and NEW_TOKEN not in caplog.text
        assert NEW_TOKEN not in repr(client)

    def test_refused_credentials_give_a_readable_auth_error(self, requests_mock):
        requests_mock.post(LOGIN, status_code=403, json=LOGIN_FAILED, reason="Forbidden")
        with pytest.raises(AuthError) as info:
            Client.login(API, "admin", "wrong")
        assert str(info.value) == (
            "POST /api/v2/auth/token/login/: 403 Forbidden: login failed: "
            "Unable to log in with provided credentials."
        )
        assert "wrong" not in str(info.value)
        assert info.value.status_code == 403

    def test_an_unparsable_detail_is_kept(self, requests_mock):
        requests_mock.post(
            LOGIN, status_code=403, json={"detail": "Expecting value: line 1 column 1 (char 0)"}
        )
        with pytest.raises(AuthError, match="failed: Expecting value"):
            Client.login(API, "admin", "x")

    def test_a_login_that_fails_otherwise_closes_its_session(self, requests_mock, monkeypatch):
        closed = []
        original = Transport.close
        monkeypatch.setattr(
            Transport, "close", lambda self: (closed.append(self.owns_session), original(self))
        )
        requests_mock.post(LOGIN, exc=requests.ConnectionError("refused"))
        with pytest.raises(ClientConnectionError):
            Client.login(API, "admin", "x", retries=0)
        requests_mock.post(LOGIN, status_code=403, json=LOGIN_FAILED)
        with pytest.raises(AuthError):
            Client.login(API, "admin", "x")
        assert closed == [True, True]

    def test_the_callers_session_is_used_and_not_closed(self, requests_mock):
        session = requests.Session()
        session.close = lambda: pytest.fail("the caller's session was closed")
        requests_mock.post(LOGIN, status_code=403, json=LOGIN_FAILED)
        with pytest.raises(AuthError):
            Client.login(API, "admin", "x", session=session)

    @pytest.mark.parametrize(("username", "password"), [("", "x"), ("admin", ""), (None, "x")])
    def test_bad_credentials_fail_before_any_request(self, requests_mock, username, password):
        with pytest.raises(InvalidArgumentError):
            Client.login(API, username, password)
        assert requests_mock.call_count == 0

    def test_unknown_client_arguments_fail(self, requests_mock):
        with pytest.raises(TypeError):
            Client.login(API, "admin", "x", token="t")
        assert requests_mock.call_count == 0


class TestTokens:
    def test_refresh_token_posts_no_body_and_switches_to_the_new_token(self, client, requests_mock):
        login = requests_mock.post(LOGIN, json=TOKEN_JSON)
        token = client.refresh_token()
        assert isinstance(token, ExpiringToken)
        assert token.token == NEW_TOKEN
        assert token.expiry == datetime(2026, 11, 27, 22, 19, 10, 456037, tzinfo=OSLO)
        assert login.last_request.body is None
        assert login.last_request.headers["Authorization"] == f"Token {TOKEN}"
        assert client.token_expiry == token.expiry
        requests_mock.get(API + "auth/user/", json=SOURCE_USER)
        client.get_current_user()
        assert requests_mock.last_request.headers["Authorization"] == f"Token {NEW_TOKEN}"

    def test_token_is_not_in_repr(self):
        token = ExpiringToken(NEW_TOKEN, datetime(2026, 1, 1, tzinfo=OSLO))
        assert NEW_TOKEN not in repr(token) and NEW_TOKEN not in str(token)

    def test_a_token_without_expiry(self, client, requests_mock):
        requests_mock.post(LOGIN, json={"expiry": None, "token": NEW_TOKEN})
        assert client.refresh_token().expiry is None

    def test_logout(self, client, requests_mock):
        logout = requests_mock.post(API + "auth/token/logout/", status_code=204)
        assert client.logout() is None
        assert logout.called_once

    def test_logout_of_a_legacy_token(self, client, requests_mock):
        requests_mock.post(
            API + "auth/token/logout/", status_code=401, json={"detail": "Invalid token."}
        )
        with pytest.raises(AuthError):
            client.logout()

    def test_logout_all_has_no_trailing_slash(self, client, requests_mock):
        logout = requests_mock.post(API + "auth/token/logoutall", status_code=204)
        assert client.logout_all() is None
        assert logout.last_request.path == "/api/v2/auth/token/logoutall"


class TestUsers:
    def test_current_user(self, client, requests_mock):
        requests_mock.get(API + "auth/user/", json=user_json())
        assert client.get_current_user() == User(
            username="admin",
            first_name="Admin",
            last_name="",
            email="",
            admin_url="http://127.0.0.1:8000/admin/",
        )

    def test_user_by_pk(self, client, requests_mock):
        requests_mock.get(API + "auth/users/3/", json={"username": "testsource", "email": ""})
        user = client.get_user(3)
        assert user.username == "testsource" and user.admin_url is None

    @pytest.mark.parametrize("bad", [0, "3", None, True])
    def test_bad_user_pk(self, client, requests_mock, bad):
        with pytest.raises(InvalidArgumentError):
            client.get_user(bad)
        assert requests_mock.call_count == 0


class TestServer:
    def test_metadata_from_the_unversioned_api_root(self, client, requests_mock):
        recorded = load_fixture("metadata")
        assert recorded["request"] == {"method": "GET", "path": "/api/", "as": "anonymous"}
        meta = requests_mock.get("http://127.0.0.1:8000/api/", json=recorded["body"])
        info = client.get_server_metadata()
        assert meta.called_once
        assert info == ServerMetadata(
            server_version="2.10.2",
            stable_api_version="v2",
            ticket_plugin=None,
            destination_plugins=["argus.notificationprofile.media.email.EmailNotification"],
            schema_urls={
                "stable": "/api/schema/",
                "v2": "/api/v2/schema/",
                "v3": "/api/v3/schema/",
            },
        )
        assert info.version_info == (2, 10, 2)

    def test_metadata_of_a_server_behind_a_path_prefix(self, requests_mock):
        requests_mock.get("https://h.example.org/argus/api/", json=dict(METADATA))
        with Client("https://h.example.org/argus/api/v2", TOKEN) as client:
            assert client.get_server_metadata().server_version == "2.10.2"

    def test_is_alive(self, client, requests_mock):
        alive = requests_mock.get("http://127.0.0.1:8000/.still-alive/", status_code=204)
        assert client.is_alive() is True
        assert alive.called_once

    def test_an_older_server_without_still_alive_answers_with_metadata(self, client, requests_mock):
        requests_mock.get(
            "http://127.0.0.1:8000/.still-alive/", status_code=404, text="<h1>Not Found</h1>"
        )
        requests_mock.get(
            "http://127.0.0.1:8000/api/", json=dict(METADATA, **{"server-version": "2.9.1"})
        )
        assert client.is_alive() is True

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"status_code": 503},
            {"status_code": 502, "text": "<title>Bad Gateway</title>"},
            {"exc": requests.ConnectionError("refused")},
            {"exc": requests.ReadTimeout("slow")},
        ],
    )
    def test_not_alive(self, client, requests_mock, kwargs):
        requests_mock.get("http://127.0.0.1:8000/.still-alive/", **kwargs)
        assert client.is_alive() is False

    def test_a_wrong_root_url_raises(self, client, requests_mock):
        requests_mock.get("http://127.0.0.1:8000/.still-alive/", status_code=404, text="")
        requests_mock.get("http://127.0.0.1:8000/api/", status_code=404, text="")
        with pytest.raises(NotFoundError):
            client.is_alive()
        requests_mock.get(
            "http://127.0.0.1:8000/.still-alive/",
            status_code=302,
            headers={"Location": "/accounts/login/"},
        )
        with pytest.raises(UnexpectedRedirectError):
            client.is_alive()

    @pytest.mark.parametrize(
        ("version", "info"),
        [
            ("2.10.2", (2, 10, 2)),
            ("2.11.0.dev3+g1a2b", (2, 11, 0)),
            ("2.10rc1", (2, 10)),
            ("v3", ()),
            (None, ()),
        ],
    )
    def test_version_info(self, version, info):
        assert ServerMetadata(server_version=version).version_info == info
