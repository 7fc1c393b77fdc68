"""The fault table, automated: every row against Client and AsyncClient, compared.

Each row of :data:`tests.fault_table.ROWS` runs against both clients (the
retry waits recorded, not slept). Both must raise the row's exception class
(a pyargus one: no aiohttp, uplink, marshmallow or requests exception
reaches the caller), with the same message, ``retryable`` and attempt
count, and the server must read as many requests from each as the row says.
"""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp
import marshmallow
import pytest
import requests
import uplink

from pyargus import exceptions
from pyargus.exceptions import ArgusError

from .fault_table import ROWS, Outcome, Row, get, measure, rst_table, served
from .faults import Drop, Reset

FOREIGN = (aiohttp.ClientError, requests.RequestException, marshmallow.ValidationError)


def run(row: Row, use_async: bool) -> tuple[Outcome, list[float]]:
    waits: list[float] = []
    return measure(row, use_async, short=0.5, sleep=waits.append), waits


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_both_clients_meet_the_fault_table(row: Row) -> None:
    (sync, sync_waits), (aio, aio_waits) = run(row, False), run(row, True)
    for got in (sync, aio):
        assert got.raises == row.raises, got.message
        assert got.seen == row.seen
        if got.error is not None:
            assert isinstance(got.error, ArgusError)
            assert type(got.error) is getattr(exceptions, row.raises)
            assert not isinstance(got.error, FOREIGN)
            assert type(got.error).__module__ == "pyargus.exceptions"
            assert not isinstance(got.error, uplink.exceptions.Error)
    if row.racy:
        for got in (sync, aio):
            assert re.search(
                r"closed the connection without answering|connection reset", got.message
            )
    else:
        assert aio.message == sync.message
    assert (aio.retryable, aio.attempts, aio.seen, aio.other) == (
        sync.retryable,
        sync.attempts,
        sync.seen,
        sync.other,
    )
    assert len(aio_waits) == len(sync_waits)
    if row.fault.startswith(("302", "307")):
        assert sync.other == 0  # the redirect is not followed: no token to the other port


def test_the_table_covers_the_faults_of_issue_12() -> None:
    names = " ".join(row.fault for row in ROWS)
    for fault in (
        "refused",
        "reset",
        "connect timeout",
        "read timeout",
        "shorter than",
        "HTML",
        "wrong shape",
        "to another port",
        "429, Retry-After",
        "502",
        "503",
        "TLS",
    ):
        assert fault in names, fault
    assert {row.call.__name__ for row in ROWS} >= {"get", "post"}


@pytest.mark.parametrize("action", [Drop(), Reset()], ids=["closed", "reset"])
def test_retries_zero_is_one_request_for_both_clients(action: Drop) -> None:
    """aiohttp's own silent retry of a GET on a dropped connection is off."""
    row = Row("dropped, retries=0", served(action), get, "ClientConnectionError", 1)
    for use_async in (False, True):
        got = measure(row, use_async, retries=0)
        assert (got.raises, got.attempts, got.seen) == ("ClientConnectionError", 1, 1)


def test_the_docs_show_the_table() -> None:
    docs = (Path(__file__).resolve().parent.parent / "docs" / "async.rst").read_text()
    assert rst_table() in docs, "regenerate it: python -m tests.fault_table --rst"
