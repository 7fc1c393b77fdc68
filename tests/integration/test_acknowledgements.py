"""Acknowledgements against a real Argus, with the token of each role."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from pyargus.client import Client
from pyargus.exceptions import BadRequestError, NotFoundError
from pyargus.models import Incident

NewIncident = Callable[..., Incident]


def test_end_user_acknowledges_with_expiration_and_the_incident_is_acked(
    argus_client: Client, argus_admin_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    incident = argus_client.post_incident(new_incident())
    ack = argus_admin_client.acknowledge_incident(
        incident, "looking into it", now, now + timedelta(hours=1)
    )

    stored = argus_client.get_incident_acknowledgement(incident, ack.pk)
    assert stored.pk == ack.pk
    assert stored.actor == "admin" == argus_admin_client.get_current_user().username
    assert stored.description == "looking into it"
    assert stored.timestamp == now
    assert stored.expiration == now + timedelta(hours=1)
    assert [a.pk for a in argus_client.get_incident_acknowledgements(incident)] == [ack.pk]
    assert argus_client.get_incident(incident).acked is True
    # the ack is an event of the incident too
    event = argus_client.get_incident_event(incident, ack.pk)
    assert (event.type, event.actor) == ("ACK", "admin")


def test_source_systems_may_acknowledge_too(
    argus_client: Client, argus_server, new_incident: NewIncident
) -> None:
    incident = argus_client.post_incident(new_incident())
    ack = argus_client.acknowledge_incident(incident)  # default timestamp, never expires
    stored = argus_client.get_incident_acknowledgements(incident)
    assert [(a.pk, a.actor, a.expiration) for a in stored] == [
        (ack.pk, argus_server.source_name, None)
    ]
    assert argus_client.get_incident(incident).acked is True


def test_an_expired_acknowledgement_does_not_count(
    argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    incident = argus_client.post_incident(new_incident())
    argus_client.acknowledge_incident(
        incident, "old", now - timedelta(hours=2), now - timedelta(hours=1)
    )
    assert argus_client.get_incident(incident).acked is False


def test_anyone_may_change_the_expiration_of_anyones_ack(
    argus_client: Client,
    argus_other_source_client: Client,
    argus_admin_client: Client,
    new_incident: NewIncident,
    now: datetime,
) -> None:
    incident = argus_client.post_incident(new_incident())
    ack = argus_admin_client.acknowledge_incident(incident, expiration=now + timedelta(hours=1))

    # another source system, not the one who acknowledged
    argus_other_source_client.update_acknowledgement_expiration(
        incident, ack, now + timedelta(days=2)
    )
    assert argus_client.get_incident_acknowledgement(incident, ack).expiration == now + timedelta(
        days=2
    )

    argus_client.update_acknowledgement_expiration(incident.pk, ack.pk, None)
    assert argus_admin_client.get_incident_acknowledgement(incident, ack).expiration is None


def test_expiration_in_the_past_is_refused_and_nothing_changes(
    argus_client: Client, new_incident: NewIncident, now: datetime
) -> None:
    incident = argus_client.post_incident(new_incident())
    ack = argus_client.acknowledge_incident(incident, expiration=now + timedelta(hours=1))
    with pytest.raises(BadRequestError, match="later than current moment") as info:
        argus_client.update_acknowledgement_expiration(incident, ack, now - timedelta(hours=1))
    assert "expiration" in info.value.field_errors
    assert argus_client.get_incident_acknowledgement(incident, ack).expiration == now + timedelta(
        hours=1
    )


def test_an_ack_of_another_incident_is_not_found(
    argus_client: Client, new_incident: NewIncident
) -> None:
    first = argus_client.post_incident(new_incident())
    second = argus_client.post_incident(new_incident())
    ack = argus_client.acknowledge_incident(first)
    with pytest.raises(NotFoundError):
        argus_client.get_incident_acknowledgement(second, ack)
    with pytest.raises(NotFoundError):
        argus_client.get_incident_event(second, ack.pk)
