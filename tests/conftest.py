"""Shared unit-test fixtures: a client against a mocked Argus."""

from __future__ import annotations

from typing import Any

import pytest

from pyargus.client import Client

API = "http://127.0.0.1:8000/api/v2/"
TOKEN = "0123456789abcdef-test-token"


@pytest.fixture
def client(requests_mock: Any) -> Client:
    """A client of a mocked Argus at :data:`API`, without retries."""
    with Client(API, TOKEN, retries=0) as client:
        yield client
