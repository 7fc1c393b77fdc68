"""Counting and deleting incidents against a real Argus."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from pyargus.client import Client
from pyargus.exceptions import NotSourceSystemError, NotSupportedError
from pyargus.models import STATELESS, Incident

NewIncident = Callable[..., Incident]


def test_counts_match_the_listings_with_the_same_filters(
    argus_client: Client,
    argus_other_source_client: Client,
    argus_admin_client: Client,
    new_incident: NewIncident,
) -> None:
    batch = uuid.uuid4().hex[:10]
    mine = [argus_client.post_incident(new_incident(tags={"batch": batch})) for _ in range(3)]
    argus_client.post_incident(new_incident(tags={"batch": batch}, end_time=STATELESS))
    argus_other_source_client.post_incident(new_incident(tags={"batch": batch}))
    argus_client.resolve_incident(mine[0])

    for filters in ({}, {"open": True}, {"open": False}, {"stateful": False}, {"acked": False}):
        tagged = {"tags": {"batch": batch}, **filters}
        listed = len(list(argus_admin_client.get_incidents(**tagged)))
        assert argus_admin_client.count_incidents(**tagged) == listed, filters
    assert argus_admin_client.count_incidents(tags={"batch": batch}) == 5
    assert argus_admin_client.count_incidents(tags={"batch": batch}, open=True) == 3
    # incidents/mine/ takes the same tags filter; only this source system counts
    assert argus_client.count_my_incidents(tags={"batch": batch}) == 4
    assert argus_client.count_my_incidents(tags={"batch": batch}, open=True) == 2
    # an end user has no incidents of its own: its count of 0 says why
    with pytest.raises(NotSourceSystemError, match="the token's user is not a source system"):
        argus_admin_client.count_my_incidents()


@pytest.mark.parametrize("role", ["source", "admin"])
def test_delete_is_refused_by_a_default_server_and_nothing_is_lost(
    argus_server, argus_client: Client, new_incident: NewIncident, role: str
) -> None:
    incident = argus_client.post_incident(new_incident())
    with (
        argus_server.client(role) as client,
        pytest.raises(NotSupportedError, match="INDELIBLE_INCIDENTS") as info,
    ):
        client.delete_incident(incident)
    assert info.value.status_code == 405
    assert argus_client.get_incident(incident).pk == incident.pk
