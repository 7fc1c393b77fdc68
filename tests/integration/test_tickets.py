"""Ticket URLs against a real Argus: manual, cleared, and the automatic ticket."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pyargus.client import Client
from pyargus.exceptions import InvalidArgumentError, NotSupportedError
from pyargus.models import Incident

NewIncident = Callable[..., Incident]


def test_set_and_clear_a_ticket_url(
    argus_client: Client, argus_admin_client: Client, new_incident: NewIncident
) -> None:
    incident = argus_client.post_incident(new_incident())
    url = "https://tickets.example.org/browse/OPS-1"
    assert argus_admin_client.set_ticket_url(incident, url) == url
    assert argus_client.get_incident(incident).ticket_url == url
    assert argus_client.count_incidents(id__in=[incident.pk], ticket=True) == 1
    # the change is recorded as a CHI event by whoever made it
    change = argus_client.get_incident_events(incident)[0]
    assert (change.type, change.actor) == ("CHI", "admin")
    assert url in change.description

    assert argus_client.set_ticket_url(incident.pk, "") == ""
    assert argus_client.get_incident(incident).ticket_url == ""


def test_a_non_url_is_refused_before_argus_stores_it(
    argus_client: Client, new_incident: NewIncident
) -> None:
    incident = argus_client.post_incident(new_incident())
    with pytest.raises(InvalidArgumentError):
        argus_client.set_ticket_url(incident, "not a url")  # Argus itself would store it
    assert argus_client.get_incident(incident).ticket_url == ""


def test_automatic_ticket_without_a_plugin_is_not_supported(
    argus_client: Client, argus_admin_client: Client, new_incident: NewIncident
) -> None:
    assert argus_client.get_server_metadata().ticket_plugin is None
    incident = argus_client.post_incident(new_incident())
    for client in (argus_client, argus_admin_client):
        with pytest.raises(NotSupportedError, match="TICKET_PLUGIN") as info:
            client.create_automatic_ticket(incident)
        assert info.value.status_code == 400
    assert argus_client.get_incident(incident).ticket_url == ""


def test_automatic_ticket_returns_an_existing_url_without_a_plugin(
    argus_client: Client, new_incident: NewIncident
) -> None:
    incident = argus_client.post_incident(new_incident())
    argus_client.set_ticket_url(incident, "https://tickets.example.org/7")
    assert argus_client.create_automatic_ticket(incident) == "https://tickets.example.org/7"
