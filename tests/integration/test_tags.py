"""Incident tags one at a time against a real Argus (the tags/ sub-resource)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pyargus.client import Client
from pyargus.exceptions import BadRequestError, InvalidTagError, NotFoundError
from pyargus.models import Incident, Tags

NewIncident = Callable[..., Incident]


def test_add_list_check_and_remove_leave_the_other_tags_alone(
    argus_client: Client, new_incident: NewIncident
) -> None:
    incident = argus_client.post_incident(new_incident(tags={"host": "a", "org": ["x", "y"]}))
    assert argus_client.add_incident_tag(incident, "svc", "web") == ("svc", "web")
    assert argus_client.add_incident_tag(incident, "svc", "web") == ("svc", "web")  # idempotent
    assert argus_client.get_incident_tags(incident) == Tags(
        [("host", "a"), ("org", "x"), ("org", "y"), ("svc", "web")]
    )
    assert argus_client.has_incident_tag(incident, "org", "y") is True
    assert argus_client.has_incident_tag(incident, "org", "z") is False

    argus_client.remove_incident_tag(incident, "org", "x")
    stored = argus_client.get_incident(incident).tags
    assert stored.getlist("org") == ["y"]
    assert stored == Tags([("host", "a"), ("org", "y"), ("svc", "web")])
    with pytest.raises(NotFoundError, match="No Tag"):
        argus_client.remove_incident_tag(incident, "org", "x")


@pytest.mark.parametrize(
    "value",
    ["a b", "k=v=w", "50%", "what?", "#1", "ø æ å", "x.y", "..", "", "a+b&c;d", "'\""],
)
def test_values_that_need_percent_encoding_round_trip(
    argus_client: Client, new_incident: NewIncident, value: str
) -> None:
    incident = argus_client.post_incident(new_incident(tags={}))
    argus_client.add_incident_tag(incident, "odd", value)
    assert argus_client.get_incident_tags(incident).allitems() == [("odd", value)]
    assert argus_client.has_incident_tag(incident, "odd", value) is True
    argus_client.remove_incident_tag(incident, "odd", value)
    assert argus_client.get_incident(incident).tags == Tags()


def test_a_value_with_a_slash_can_be_added_but_not_addressed(
    argus_client: Client, new_incident: NewIncident
) -> None:
    incident = argus_client.post_incident(new_incident(tags={}))
    argus_client.add_incident_tag(incident, "port", "ge-0/0/1")
    with pytest.raises(InvalidTagError, match="update_incident"):
        argus_client.remove_incident_tag(incident, "port", "ge-0/0/1")
    with pytest.raises(InvalidTagError):
        argus_client.has_incident_tag(incident, "port", "ge-0/0/1")
    assert argus_client.get_incident_tags(incident).allitems() == [("port", "ge-0/0/1")]
    # the way out that the error names
    fetched = argus_client.get_incident(incident)
    fetched.tags = Tags()
    argus_client.update_incident(fetched)
    assert argus_client.get_incident_tags(incident) == Tags()


def test_any_user_may_remove_a_tag_another_one_added(
    argus_client: Client,
    argus_other_source_client: Client,
    argus_admin_client: Client,
    new_incident: NewIncident,
) -> None:
    incident = argus_client.post_incident(new_incident(tags={"a": "1", "b": "2"}))
    # PATCHing the tag set would refuse this ("not the one who added it") ...
    fetched = argus_other_source_client.get_incident(incident)
    del fetched.tags["a"]
    with pytest.raises(BadRequestError, match="Cannot remove this tag"):
        argus_other_source_client.update_incident(fetched)
    # ... the tag endpoint does not check who added it
    argus_other_source_client.remove_incident_tag(incident, "a", "1")
    argus_admin_client.remove_incident_tag(incident, "b", "2")
    assert argus_client.get_incident_tags(incident) == Tags()


@pytest.mark.parametrize("method", ["get", "add", "remove", "has"])
def test_unknown_incident_is_not_found(argus_client: Client, method: str) -> None:
    calls = {
        "get": lambda: argus_client.get_incident_tags(2**31),
        "add": lambda: argus_client.add_incident_tag(2**31, "k", "v"),
        "remove": lambda: argus_client.remove_incident_tag(2**31, "k", "v"),
        "has": lambda: argus_client.has_incident_tag(2**31, "k", "v"),
    }
    with pytest.raises(NotFoundError, match="does not exist"):
        calls[method]()
