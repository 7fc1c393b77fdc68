"""Source systems, their types and the heartbeat against a real Argus, per role."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from pyargus.client import Client
from pyargus.exceptions import AuthError, BadRequestError, InvalidArgumentError, NotFoundError
from pyargus.models import SourceSystem
from pyargus.testing import ServerInfo

from .helpers import last_seen


def _name() -> str:
    return f"it{uuid.uuid4().hex[:10]}"


def test_list_and_get_the_seeded_source_systems(
    argus_server: ServerInfo, argus_client: Client
) -> None:
    sources = {source.name: source for source in argus_client.get_source_systems()}
    mine = sources[argus_server.source_name]
    assert mine.pk == argus_server.source_pk
    assert mine.type == argus_server.source_type
    assert argus_client.get_source_system(mine.pk) == mine
    # the source's user is the one the token belongs to
    user = argus_client.get_user(mine.user)
    assert user.username == argus_client.get_current_user().username
    with pytest.raises(NotFoundError):
        argus_client.get_source_system(2**31)


def test_any_user_may_create_a_type(argus_client: Client) -> None:
    name = _name()
    assert argus_client.create_source_system_type(name) == name
    assert name in argus_client.get_source_system_types()
    assert argus_client.get_source_system_type(name) == name
    with pytest.raises(BadRequestError, match="already exists"):
        argus_client.create_source_system_type(name)
    with pytest.raises(InvalidArgumentError):
        argus_client.create_source_system_type(name.upper())
    with pytest.raises(NotFoundError):
        argus_client.get_source_system_type(_name())


def test_a_superuser_creates_and_renames_a_source_system(argus_admin_client: Client) -> None:
    kind = argus_admin_client.create_source_system_type(_name())
    name = _name()
    created = argus_admin_client.create_source_system(
        name,
        kind,
        base_url="https://nav.example.org/",
        heartbeat_frequency=300,
    )
    assert created == SourceSystem(
        pk=created.pk, name=name, type=kind, user=created.user, base_url="https://nav.example.org/"
    )
    assert argus_admin_client.get_source_system(created.pk) == created
    assert argus_admin_client.get_user(created.user).username == name

    renamed = argus_admin_client.update_source_system(created.pk, name + "x")
    assert renamed.name == name + "x"
    assert argus_admin_client.get_source_system(created.pk).name == name + "x"


def test_a_taken_username_gets_a_suffix(argus_server: ServerInfo, argus_admin_client: Client):
    kind = argus_admin_client.create_source_system_type(_name())
    created = argus_admin_client.create_source_system(
        _name(), kind, username=argus_server.source_name
    )
    username = argus_admin_client.get_user(created.user).username
    assert username.startswith(argus_server.source_name + "_")
    assert username != argus_server.source_name


def test_duplicates_and_unknown_types_are_refused(argus_admin_client: Client) -> None:
    kind = argus_admin_client.create_source_system_type(_name())
    name = _name()
    argus_admin_client.create_source_system(name, kind)
    with pytest.raises(BadRequestError, match="already exists") as info:
        argus_admin_client.create_source_system(name, kind)
    assert "non_field_errors" in info.value.field_errors
    with pytest.raises(BadRequestError, match="valid choice") as info:
        argus_admin_client.create_source_system(_name(), _name())
    assert "type" in info.value.field_errors


def test_source_systems_may_not_create_or_rename_sources(
    argus_server: ServerInfo, argus_client: Client
) -> None:
    with pytest.raises(AuthError, match="permission") as info:
        argus_client.create_source_system(_name(), argus_server.source_type)
    assert info.value.status_code == 403
    with pytest.raises(AuthError):
        argus_client.update_source_system(argus_server.source_pk, "renamed")
    assert argus_client.get_source_system(argus_server.source_pk).name == argus_server.source_name


def test_heartbeat_of_a_source_system_is_stored(
    argus_server: ServerInfo, argus_client: Client
) -> None:
    assert argus_client.supports_heartbeat() is True
    before = datetime.now(timezone.utc)
    argus_client.send_heartbeat()
    seen = last_seen(argus_server, argus_server.source_name)
    assert seen is not None and seen >= before.replace(microsecond=0)


def test_heartbeat_of_an_end_user_is_an_auth_error(argus_admin_client: Client) -> None:
    assert argus_admin_client.supports_heartbeat() is True
    with pytest.raises(AuthError, match="only source systems") as info:
        argus_admin_client.send_heartbeat()
    assert (info.value.status_code, info.value.body) == (403, "")


def test_heartbeat_with_a_bad_token_raises_rather_than_guessing(argus_server: ServerInfo):
    with Client(argus_server.api_url, "0" * 64) as client:
        with pytest.raises(AuthError, match="Invalid token"):
            client.supports_heartbeat()
        with pytest.raises(AuthError, match="Invalid token"):
            client.send_heartbeat()
