"""Run the code examples of the documentation in tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

DOCS = Path(__file__).parent.parent / "docs"


def docs_code(name: str) -> dict[str, Any]:
    """Run the code block of docs/errors.rst that defines *name*; its namespace."""
    text = (DOCS / "errors.rst").read_text()
    for block in text.split(".. code-block:: python\n")[1:]:
        lines = []
        for line in block.splitlines()[1:]:
            if line and not line.startswith("    "):
                break
            lines.append(line[4:])
        code = "\n".join(lines)
        if f"def {name}(" in code:
            namespace: dict[str, Any] = {}
            exec(code, namespace)  # noqa: S102 - our own documentation
            return namespace
    raise LookupError(name)
