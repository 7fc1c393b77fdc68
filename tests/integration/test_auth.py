"""Logging in, token refresh and revocation, users: against a real Argus.

Revoking tokens changes what the shared fixtures can do, so these tests
restore the server's database (and with it the seeded tokens) afterwards.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pyargus.client import Client
from pyargus.exceptions import AuthError, InvalidArgumentError
from pyargus.testing import ArgusServer, ServerInfo


@pytest.fixture
def passwords(argus_server: ServerInfo) -> ServerInfo:
    if not argus_server.admin_password:
        pytest.skip("the passwords of an existing server are unknown")
    return argus_server


@pytest.fixture
def restore_tokens(_argus_server_process: ArgusServer | None) -> Iterator[None]:
    """Reset the database after the test: the seeded tokens come back."""
    if _argus_server_process is None:
        pytest.skip("an existing server cannot be restored after revoking tokens")
    yield
    _argus_server_process.reset()


def test_login_with_username_and_password(passwords: ServerInfo) -> None:
    with Client.login(passwords.api_url, passwords.admin_username, passwords.admin_password) as c:
        assert c.get_current_user().username == passwords.admin_username
        assert c.token_expiry is not None
    with Client.login(passwords.api_url, passwords.source_name, passwords.source_password) as c:
        user = c.get_current_user()
        assert (user.username, user.admin_url) == (passwords.source_name, None)
        assert c.count_my_incidents() >= 0


def test_wrong_password(passwords: ServerInfo) -> None:
    with pytest.raises(AuthError, match="Unable to log in with provided credentials") as info:
        Client.login(passwords.api_url, passwords.admin_username, "not the password")
    assert info.value.status_code == 403
    assert "not the password" not in str(info.value)
    with pytest.raises(InvalidArgumentError):
        Client.login(passwords.api_url, passwords.admin_username, "")


def test_current_user_per_role(
    argus_server: ServerInfo, argus_client: Client, argus_admin_client: Client
) -> None:
    admin = argus_admin_client.get_current_user()
    assert admin.username == argus_server.admin_username
    assert admin.admin_url is not None and admin.admin_url.endswith("/admin/")  # staff
    source = argus_client.get_current_user()
    assert (source.username, source.admin_url) == (argus_server.source_name, None)


def test_refresh_token_gives_a_working_token_and_the_old_one_keeps_working(
    argus_server: ServerInfo, restore_tokens: None
) -> None:
    with argus_server.client("source") as client:
        token = client.refresh_token()
        assert token.token != argus_server.source_token
        assert client.token_expiry == token.expiry
        assert client.get_current_user().username == argus_server.source_name  # new token
        with Client(argus_server.api_url, token.token) as fresh:
            assert fresh.get_current_user().username == argus_server.source_name
        with argus_server.client("source") as old:
            assert old.get_current_user().username == argus_server.source_name


def test_logout_revokes_only_the_token_in_use(
    passwords: ServerInfo, argus_admin_client: Client, restore_tokens: None
) -> None:
    client = Client.login(passwords.api_url, passwords.admin_username, passwords.admin_password)
    client.logout()
    with pytest.raises(AuthError, match="Invalid token"):
        client.get_current_user()
    assert argus_admin_client.get_current_user().username == passwords.admin_username


def test_logout_all_revokes_every_token_of_the_user(
    passwords: ServerInfo, argus_client: Client, restore_tokens: None
) -> None:
    first = Client.login(passwords.api_url, passwords.admin_username, passwords.admin_password)
    second = Client.login(passwords.api_url, passwords.admin_username, passwords.admin_password)
    first.logout_all()
    for client in (first, second, passwords.client("admin")):
        with pytest.raises(AuthError, match="Invalid token"):
            client.get_current_user()
    # other users keep theirs
    assert argus_client.get_current_user().username == passwords.source_name


def test_a_legacy_token_cannot_log_out(passwords: ServerInfo, raw_api, restore_tokens) -> None:
    # POST token-auth/ (deprecated) makes a legacy DRF token, the kind source systems get
    response = raw_api(
        "POST",
        "token-auth/",
        role=None,
        json={"username": passwords.admin_username, "password": passwords.admin_password},
    )
    response.raise_for_status()
    legacy = response.json()["token"]
    assert len(legacy) == 40
    with Client(passwords.api_url, legacy) as client:
        assert client.get_current_user().username == passwords.admin_username
        with pytest.raises(AuthError, match="Invalid token") as info:
            client.logout()
        assert info.value.status_code == 401
        assert client.get_current_user().username == passwords.admin_username
        # but it can be exchanged for a (knox) token
        assert len(client.refresh_token().token) == 64
