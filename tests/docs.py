"""Run the code examples of README.rst and docs/ in tests."""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent
README = ROOT / "README.rst"
DOCS = ROOT / "docs"


@dataclass
class CodeBlock:
    """A ``.. code-block:: python`` of a reST file, with the headings it is under."""

    path: Path
    line: int
    chapter: str
    section: str
    code: str

    def run(self, namespace: dict[str, Any]) -> dict[str, Any]:
        exec(compile(self.code, f"{self.path}:{self.line}", "exec", dont_inherit=True), namespace)  # noqa: S102
        return namespace


def code_blocks(path: Path) -> list[CodeBlock]:
    """Every python code block of *path*, in order (chapters ``===``, sections ``---``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks = []
    chapter = section = ""
    index = 0
    while index < len(lines):
        underline = lines[index + 1] if index + 1 < len(lines) else ""
        if re.fullmatch(r"={3,}", underline) and lines[index].strip():
            chapter, section = lines[index].strip(), ""
        elif re.fullmatch(r"-{3,}", underline) and lines[index].strip():
            section = lines[index].strip()
        if lines[index].strip() == ".. code-block:: python":
            start = index + 1
            index += 1
            body = []
            while index < len(lines) and (not lines[index] or lines[index].startswith("    ")):
                body.append(lines[index])
                index += 1
            blocks.append(
                CodeBlock(path, start + 1, chapter, section, textwrap.dedent("\n".join(body)))
            )
            continue
        index += 1
    return blocks


def docs_code(name: str) -> dict[str, Any]:
    """Run the code block of docs/errors.rst that defines *name*; its namespace."""
    for block in code_blocks(DOCS / "errors.rst"):
        if f"def {name}(" in block.code:
            return block.run({})
    raise LookupError(name)
