"""docs/migrating.rst: every name in the "new" column exists, and its code runs."""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import inspect
import re
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

import pyargus
from pyargus import exceptions
from pyargus.api import ArgusAPI
from pyargus.client import Client
from pyargus.models import Acknowledgement, Event, ExpiringToken, Incident, SourceSystem, Tags
from pyargus.testing import plugin
from pyargus.testing.server import ServerInfo

from .conftest import API
from .docs import DOCS, code_blocks
from .wire import event_json, incident_json

GUIDE = DOCS / "migrating.rst"


@dataclasses.dataclass
class Row:
    section: str
    line: int
    old: str
    new: str


def table_rows(text: str) -> list[Row]:
    """The body rows of the guide's two-column ``list-table`` directives."""
    rows: list[Row] = []
    section = ""
    lines = text.splitlines()
    cells: list[list[str]] = []
    start = 0

    def flush() -> None:
        if cells:
            assert len(cells) == 2, f"line {start}: a row needs 2 cells, not {len(cells)}"
            rows.append(Row(section, start, " ".join(cells[0]), " ".join(cells[1])))
            cells.clear()

    in_table = False
    for number, line in enumerate(lines, 1):
        if number < len(lines) and re.fullmatch(r"-{3,}", lines[number]) and line.strip():
            section = line.strip()
        if line.startswith(".. list-table::"):
            in_table = True
            continue
        if not in_table:
            continue
        if line and not line.startswith(" "):
            flush()
            in_table = False
        elif line.startswith("   * - "):
            flush()
            start = number
            cells.append([line[7:].strip()])
        elif line.startswith("     - "):
            cells.append([line[7:].strip()])
        elif line.startswith("       ") and cells:
            cells[-1].append(line.strip())
    flush()
    # The header row of each table ("argus-api-client 0.x" | "pyargus ...").
    return [row for row in rows if not row.old.startswith("argus-api-client 0.x")]


ROWS = table_rows(GUIDE.read_text(encoding="utf-8"))


def literals(text: str) -> list[str]:
    return re.findall(r"``(.+?)``", text)


def _error_examples() -> list[exceptions.ArgusError]:
    response = exceptions.ErrorResponse(400, method="GET", url="http://127.0.0.1/api/v2/")
    with_response = [
        cls(response)
        for cls in vars(exceptions).values()
        if isinstance(cls, type)
        and issubclass(cls, exceptions.ErrorWithResponse)
        and cls is not exceptions.UnexpectedRedirectError
    ]
    return [*with_response, exceptions.ClientConnectionError("refused")]


def roots() -> dict[str, list[Any]]:
    """What the guide's variable names stand for (any of the objects may have the name)."""
    client = Client("http://127.0.0.1:1/api/v2/", "a-token", retries=0)
    return {
        "client": [client],
        "Client": [Client],
        "incident": [Incident(source=SourceSystem(), tags=Tags())],
        "Incident": [Incident],
        "event": [Event()],
        "ack": [Acknowledgement(event=Event())],
        "tags": [Tags()],
        "Tags": [Tags],
        "token": [ExpiringToken("a-token")],
        "error": _error_examples(),
        "argus_server": [ServerInfo],
        "pyargus": [pyargus],
    }


ROOTS = roots()
NAMES = "|".join(ROOTS)
REFERENCE = re.compile(rf"(?<![\w.])({NAMES})((?:\.\w+)+)?(\()?")


def _attribute(owner: Any, name: str) -> Any:
    """*owner*.*name*, also for dataclass fields without a class default and submodules."""
    if hasattr(owner, name):
        return getattr(owner, name)
    if dataclasses.is_dataclass(owner) and name in {f.name for f in dataclasses.fields(owner)}:
        return None
    if inspect.ismodule(owner):
        try:
            return importlib.import_module(f"{owner.__name__}.{name}")
        except ModuleNotFoundError:
            pass
    raise AttributeError(name)


def resolve(root: str, dotted: str) -> Any:
    """The object *root* + *dotted* names, or raise AttributeError."""
    failures = []
    for value in ROOTS[root]:
        try:
            for name in dotted.split(".")[1:] if dotted else []:
                value = _attribute(value, name)
        except AttributeError as error:
            failures.append(error)
            continue
        return value
    raise AttributeError(f"{root}{dotted}: no {failures[0]}")


def call_keywords(text: str, open_paren: int) -> list[str]:
    """The ``name=`` keywords at the top level of the call starting at *open_paren*."""
    depth, keywords, index = 0, [], open_paren
    for index in range(open_paren, len(text)):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1 and char == "=" and text[index + 1 : index + 2] != "=":
            match = re.search(r"(\w+)\s*$", text[open_paren + 1 : index])
            if match:
                keywords.append(match.group(1))
    return keywords


def references(text: str) -> Iterator[tuple[str, Any, list[str]]]:
    """``(reference, object, keywords used in a call of it)`` for each name in *text*."""
    for literal in literals(text):
        for match in REFERENCE.finditer(literal):
            root, dotted, paren = match.group(1), match.group(2) or "", match.group(3)
            if not dotted and not paren:
                continue  # a bare variable name
            value = resolve(root, dotted)
            keywords = call_keywords(literal, match.end() - 1) if paren else []
            yield root + dotted, value, keywords


def test_the_guide_has_its_tables():
    sections = {row.section for row in ROWS}
    assert {
        "Installing",
        "The client",
        "The low-level API: ``client.api``",
        "Models",
        "Times",
        "Tags",
        "Exceptions",
        "Retries, timeouts and logging",
        "Tests of glue services",
    } <= sections
    for row in ROWS:
        assert row.old and row.new, row


@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"line {row.line}")
def test_every_new_name_exists(row):
    for reference, value, keywords in references(row.new):
        if not keywords:
            continue
        parameters = inspect.signature(value).parameters
        takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        for keyword in keywords:
            assert takes_any or keyword in parameters, f"{reference}() has no {keyword}="


def test_the_new_column_names_the_api():
    """The check above cannot pass by finding nothing: each table names real objects."""
    found: dict[str, set[str]] = {}
    for row in ROWS:
        found.setdefault(row.section, set()).update(ref for ref, _, _ in references(row.new))
    assert all(found.values()), {section: names for section, names in found.items() if not names}
    low_level = {
        name
        for name in found["The low-level API: ``client.api``"]
        if name.startswith("client.api.")
    }
    declared = {name for name, _ in inspect.getmembers(ArgusAPI) if not name.startswith("_")}
    assert {name.rsplit(".", 1)[1] for name in low_level} <= declared
    assert len(low_level) >= 10


def test_a_misspelt_name_is_found():
    with pytest.raises(AttributeError, match="get_incidnet"):
        list(references("``client.get_incidnet(1)``"))
    with pytest.raises(AttributeError):
        list(references("``pyargus.models.MultiValueDict``"))
    ((_, value, keywords),) = references("``Client(url, token, timeot=1.0)``")
    assert "timeot" not in inspect.signature(value).parameters and keywords == ["timeot"]


def test_the_fixtures_it_names_exist():
    new = " ".join(row.new for row in ROWS if row.section == "Tests of glue services")
    fixtures = set(re.findall(r"``(argus_[a-z_]+)", new))
    assert {"argus_server", "argus_client"} <= fixtures
    for name in fixtures:
        assert callable(getattr(plugin, name, None)), name


# The code blocks.

BLOCKS = {block.section: block for block in code_blocks(GUIDE)}


def test_every_code_block_compiles():
    assert len(code_blocks(GUIDE)) == len(BLOCKS) >= 5
    for block in BLOCKS.values():
        compile(block.code, f"{block.path}:{block.line}", "exec")


@pytest.mark.parametrize("section", ["Times", "Tags"])
def test_the_self_checking_examples_hold(section):
    namespace = BLOCKS[section].run({})
    assert any(isinstance(value, Incident) for value in namespace.values())


def test_the_low_level_example_against_a_mocked_argus(client, requests_mock, capsys):
    sta = {"value": "STA", "display": "Incident start"}
    requests_mock.get(API + "incidents/42/", json=incident_json(pk=42))
    requests_mock.get(API + "incidents/42/events/", json=[event_json(incident=42, type=sta)])
    namespace = BLOCKS["The low-level API: ``client.api``"].run({"client": client})
    assert namespace["incident"].pk == 42
    assert [event.type for event in namespace["events"]] == ["STA"]
    assert capsys.readouterr().out.strip().endswith("['STA']")


def test_translate_api_error():
    namespace = BLOCKS["Exceptions"].run({})
    translate = namespace["translate_api_error"]
    response = exceptions.ErrorResponse(
        503,
        method="GET",
        url="https://argus.example.org/api/v2/incidents/",
        reason="Service Unavailable",
        body={"detail": "down for maintenance"},
    )
    with pytest.raises(SystemExit) as exited, translate():
        raise exceptions.ServerError(response)
    assert str(exited.value.code) == (
        "503 Service Unavailable from https://argus.example.org/api/v2/incidents/: "
        "down for maintenance"
    )
    with pytest.raises(SystemExit) as exited, translate():
        raise exceptions.ClientTimeoutError("GET /api/v2/incidents/: read timed out")
    assert str(exited.value.code) == "Argus: GET /api/v2/incidents/: read timed out"
    with translate():
        pass  # no error: nothing happens


def test_the_glue_test_example_runs():
    resolved = []

    def reconcile(client, active_alerts):
        for incident in client.get_my_incidents(open=True):
            if incident.source_incident_id not in active_alerts:
                resolved.append(client.resolve_incident(incident, "gone"))

    namespace = BLOCKS["Tests of glue services"].run({"reconcile": reconcile})
    namespace["test_reconcile_resolves_what_is_gone"]()
    assert len(resolved) == 1


def test_the_async_example_runs_the_client_in_threads():
    namespace = BLOCKS["Async code"].run({})
    client = mock.create_autospec(Client, instance=True)
    client.get_my_incidents.return_value = iter([Incident(pk=1), Incident(pk=2)])
    client.post_incident.side_effect = lambda incident: Incident(pk=3, description="x")

    async def main():
        found = await namespace["open_incidents"](client)
        posted = await namespace["post"](client, Incident(description="x"))
        return found, posted

    found, posted = asyncio.run(main())
    assert [incident.pk for incident in found] == [1, 2]
    assert posted.pk == 3
    client.get_my_incidents.assert_called_once_with(open=True)
