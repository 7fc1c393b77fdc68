"""The example of docs/extending.rst, run against a real Argus server.

A user's subclass of ArgusAPI declares notification profile endpoints that
pyargus itself does not declare in this example; the test creates a profile
with plain requests, runs the documented code, and checks what it read and
which errors a real answer gives.
"""

from typing import Any

import pytest

from pyargus.exceptions import AuthError, DecodeError, NotFoundError
from pyargus.testing import ServerInfo
from tests.docs import DOCS, code_blocks


@pytest.fixture
def profile(argus_empty_db: ServerInfo, raw_api: Any) -> dict[str, Any]:
    timeslot = raw_api(
        "POST",
        "notificationprofiles/timeslots/",
        role="admin",
        json={
            "name": "always",
            "time_recurrences": [{"days": [1, 2, 3, 4, 5, 6, 7], "all_day": True}],
        },
    )
    assert timeslot.status_code == 201, timeslot.text
    blob = {"open": True}
    filter_ = raw_api(
        "POST", "notificationprofiles/filters/", role="admin", json={"name": "open", "filter": blob}
    )
    assert filter_.status_code == 201, filter_.text
    created = raw_api(
        "POST",
        "notificationprofiles/",
        role="admin",
        json={
            "timeslot": timeslot.json()["pk"],
            "filters": [filter_.json()["pk"]],
            "destinations": [],
            "active": True,
        },
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_the_documented_extension_runs_against_argus(
    argus_empty_db: ServerInfo, profile: Any
) -> None:
    (block,) = [b for b in code_blocks(DOCS / "extending.rst") if "class MyAPI" in b.code]
    namespace = block.run({"url": argus_empty_db.api_url, "token": argus_empty_db.token("admin")})
    client = namespace["client"]
    try:
        read = namespace["profile"]
        assert read.pk == profile["pk"]
        assert read.active is True
        assert [p.pk for p in namespace["profiles"]] == [profile["pk"]]
        # Typed errors for the user's declaration, from real answers:
        with pytest.raises(NotFoundError):
            client.api.get_profile(profile["pk"] + 1000)
    finally:
        client.close()
    MyAPI, Client = namespace["MyAPI"], namespace["Client"]
    with Client(argus_empty_db.api_url, "not-a-valid-token", api_class=MyAPI) as stranger:
        with pytest.raises(AuthError) as info:
            stranger.api.get_profile(profile["pk"])
        assert info.value.status_code == 401
    other = Client(argus_empty_db.api_url, argus_empty_db.token("source"), api_class=MyAPI)
    # Another user's profile: Argus answers 404 (profiles are private).
    with other, pytest.raises(NotFoundError):
        other.api.get_profile(profile["pk"])


def test_a_users_schema_without_the_required_field_is_a_decode_error(
    argus_empty_db: ServerInfo, profile: Any
) -> None:
    import uplink
    from marshmallow import fields
    from uplink import Path

    from pyargus.api import ArgusAPI
    from pyargus.client import Client
    from pyargus.schemas import ArgusSchema

    class NeedsOwner(ArgusSchema):
        owner = fields.String(required=True)  # Argus sends no such field

    class OwnerAPI(ArgusAPI):
        @uplink.get("notificationprofiles/{pk}/")
        def get_profile(self, pk: Path) -> NeedsOwner:
            """GET notificationprofiles/{pk}/"""

    client = Client(argus_empty_db.api_url, argus_empty_db.token("admin"), api_class=OwnerAPI)
    missing = r"/notificationprofiles/\d+/: 200: missing required field owner"
    with client, pytest.raises(DecodeError, match=missing):
        client.api.get_profile(profile["pk"])
