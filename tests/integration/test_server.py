"""What the server says about itself, against a real Argus."""

from __future__ import annotations

import socket

from pyargus.client import Client
from pyargus.testing import ServerInfo


def test_metadata(argus_server: ServerInfo, argus_client: Client) -> None:
    meta = argus_client.get_server_metadata()
    assert meta.server_version == (argus_server.argus_version or meta.server_version)
    assert meta.version_info >= (2, 10)
    assert meta.stable_api_version == "v2"
    assert meta.ticket_plugin is None
    assert meta.destination_plugins  # at least e-mail
    assert meta.schema_urls["v2"] == "/api/v2/schema/"


def test_metadata_needs_no_valid_token(argus_server: ServerInfo) -> None:
    with Client(argus_server.api_url, "0" * 64) as client:
        assert client.get_server_metadata().stable_api_version == "v2"
        assert client.is_alive() is True


def test_is_alive(argus_client: Client) -> None:
    assert argus_client.is_alive() is True


def test_nothing_listening_is_not_alive() -> None:
    with socket.socket() as sock:  # a free port on 127.0.0.1, closed again
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Client(f"http://127.0.0.1:{port}/api/v2/", "token", retries=0, timeout=2) as client:
        assert client.is_alive() is False
