"""The README's examples type-check with ``mypy --strict``, as a user's code would.

One mypy run over the README's python blocks, joined in order (later blocks
use what earlier ones define), in a fresh directory without pyargus' own
mypy settings: pyargus is found where the user's code finds it, installed.
"""

import importlib.util
import subprocess
import sys

import pytest

from .docs import README, code_blocks

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None, reason="mypy is not installed (the test extra has it)"
)

#: The module the README's pytest example imports ("your code, given a pyargus Client").
GLUE_SERVICE = """\
from typing import Any

from pyargus.client import Client


def reconcile(client: Client, active_alerts: list[Any]) -> None: ...
"""

NOT_FOUND_HINT = """
mypy cannot find pyargus. An editable install by setuptools' default mode
(`pip install -e .`) is an import hook that type checkers do not follow:
install with `pip install -e . --config-settings editable_mode=strict`
(see docs/typing.rst).
"""


def test_readme_examples_type_check_strictly(tmp_path):
    blocks = code_blocks(README)
    assert len(blocks) > 10
    (tmp_path / "readme_examples.py").write_text("\n\n".join(block.code for block in blocks))
    (tmp_path / "my_glue_service.py").write_text(GLUE_SERVICE)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "readme_examples.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    hint = NOT_FOUND_HINT if 'module named "pyargus' in output else ""
    assert result.returncode == 0, output + hint
    assert "Success: no issues found in 1 source file" in result.stdout
