"""docs/coverage.rst stays true: its tables against the declarations in pyargus/api.py."""

import csv
import re
from pathlib import Path

import pytest
import uplink.helpers

from pyargus.api import ArgusAPI
from pyargus.client import Client

DOC = Path(__file__).parent.parent / "docs" / "coverage.rst"
NONE = "—"
#: Sections whose rows are not API v2 operations.
NOT_V2 = {"Unversioned endpoints", "Probes"}
#: Operations of API v2 in argus-server 2.10.2 (its OpenAPI schema, without GET schema/).
V2_OPERATIONS = 78


def parse_tables(text: str) -> list[tuple[str, list[str]]]:
    """Every csv-table row as ``(section title, [method, path, declaration, client, notes])``."""
    rows = []
    lines = text.splitlines()
    section = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        if index + 1 < len(lines) and re.fullmatch(r"-{3,}", lines[index + 1]):
            section = line.strip()
        if line.startswith(".. csv-table::"):
            index += 1
            while index < len(lines) and (lines[index].startswith("   ") or not lines[index]):
                body = lines[index].strip()
                if body and not body.startswith(":"):
                    (cells,) = csv.reader([body], skipinitialspace=True)
                    rows.append((section, cells))
                index += 1
            continue
        index += 1
    return rows


def names(cell: str) -> list[str]:
    return [] if cell == NONE else [name.strip() for name in cell.split(",")]


ROWS = parse_tables(DOC.read_text(encoding="utf-8"))
V2_ROWS = [cells for section, cells in ROWS if section not in NOT_V2]
DECLARATIONS = dict(uplink.helpers.get_api_definitions(ArgusAPI))


def test_every_row_has_five_cells():
    assert ROWS
    for _, cells in ROWS:
        assert len(cells) == 5, cells
        assert cells[0] in {"GET", "POST", "PUT", "PATCH", "DELETE"}, cells


def test_all_v2_operations_are_listed_once():
    operations = [(method, path) for method, path, *_ in V2_ROWS]
    assert len(operations) == V2_OPERATIONS
    assert len(set(operations)) == V2_OPERATIONS


def test_the_stated_count_is_the_number_of_reached_operations():
    stated = re.search(r"\*\*(\d+) of (\d+)\*\* v2 operations", DOC.read_text(encoding="utf-8"))
    assert stated, "the summary sentence is missing"
    reached = [cells for cells in V2_ROWS if cells[2] != NONE]
    unreached = [cells for cells in V2_ROWS if cells[2] == NONE]
    # Covered: reached, or left unreached on purpose (and said so, with the reason).
    intentional = [c for c in unreached if c[4].startswith("intentionally unreached: ")]
    assert intentional == unreached, [c[:2] for c in unreached if c not in intentional]
    assert (int(stated[1]), int(stated[2])) == (len(reached) + len(intentional), V2_OPERATIONS)
    assert f"reaches {len(reached)} of them" in " ".join(DOC.read_text(encoding="utf-8").split())


def test_every_declaration_is_in_exactly_one_row_with_its_method_and_path():
    seen: dict[str, list[str]] = {}
    for _, (method, path, declared, _client, _notes) in ROWS:
        for name in names(declared):
            assert name in DECLARATIONS, f"{name} is not declared in pyargus/api.py"
            declaration = DECLARATIONS[name]
            assert (declaration.method, declaration.uri.template) == (method, path), name
            seen.setdefault(name, []).append(path)
    missing = sorted(set(DECLARATIONS) - set(seen))
    assert not missing, f"declarations missing from docs/coverage.rst: {missing}"
    assert all(len(paths) == 1 for paths in seen.values()), seen


@pytest.mark.parametrize(
    "cells", [cells for _, cells in ROWS], ids=[f"{c[0]} {c[1]}" for _, c in ROWS]
)
def test_client_methods_exist_and_only_where_a_request_is_declared(cells):
    _method, _path, declared, client, _notes = cells
    if declared == NONE:
        assert client == NONE
        return
    if client == NONE:  # declared, reached through client.api only (the notes say why)
        assert "``client.api``" in _notes, cells
        return
    assert names(client), f"no client method for {declared}"
    for name in names(client):
        attribute = name.removeprefix("Client.")
        assert callable(getattr(Client, attribute, None)), f"Client.{attribute} does not exist"
