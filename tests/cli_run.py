"""Running the real ``argus`` console script as a subprocess, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The console script ``pip install`` made next to this interpreter.
SCRIPT = Path(sys.executable).with_name("argus")


def script() -> list[str]:
    """The command line of the installed ``argus`` script."""
    assert SCRIPT.exists(), (
        f"no {SCRIPT}: reinstall this checkout (pip install -e .) to get the argus console script"
    )
    return [str(SCRIPT)]


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment without the caller's Argus settings or config file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ARGUS_", "PYARGUS_")) and key != "XDG_CONFIG_HOME"
    }
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), NO_PROXY="*")
    env.update(extra)
    return env


def run(
    args: list[str], env: dict[str, str], *, input: str | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    """Run ``argus ARGS`` with *env*; its output is captured (a pipe, not a terminal)."""
    return subprocess.run(
        [*script(), *args],
        env=env,
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        **kwargs,
    )
