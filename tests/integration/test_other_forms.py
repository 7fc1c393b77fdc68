"""The other forms of incident-side operations (``client.api`` only), against a real Argus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from pyargus.client import Client
from pyargus.models import Incident
from pyargus.testing import ServerInfo

from .conftest import RawAPI


def test_other_forms(
    argus_empty_db: ServerInfo,
    argus_client: Client,
    argus_admin_client: Client,
    raw_api: RawAPI,
    new_incident: Callable[..., Incident],
) -> None:
    mine = argus_client.api.create_my_incident(new_incident(source_incident_id="mine-1"))
    assert raw_api("GET", f"incidents/{mine.pk}/").json()["source_incident_id"] == "mine-1"

    mine.description = "replaced"
    editable = ("tags", "details_url", "ticket_url", "level", "metadata", "description")
    body = {name: getattr(mine, name) for name in editable}
    body["ticket_url"] = body["details_url"] = "https://example.org/mine-1"  # "" is refused
    replaced = argus_client.api.replace_incident(mine.pk, body)
    stored = raw_api("GET", f"incidents/{mine.pk}/").json()
    assert replaced.description == stored["description"] == "replaced"
    assert [t["tag"] for t in stored["tags"]] == ["test=integration"]

    ack = argus_admin_client.acknowledge_incident(mine, "ack")
    later = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=2)
    argus_admin_client.api.patch_incident_acknowledgement(mine.pk, ack.pk, {"expiration": later})
    stored = raw_api("GET", f"incidents/{mine.pk}/acks/{ack.pk}/").json()
    assert datetime.fromisoformat(stored["expiration"]) == later

    source = argus_admin_client.get_source_system(argus_empty_db.other_source_pk or 0)
    renamed = argus_admin_client.api.patch_source_system(source.pk, {"name": "renamed"})
    assert renamed.name == "renamed"
    assert raw_api("GET", f"incidents/sources/{source.pk}/").json()["name"] == "renamed"
