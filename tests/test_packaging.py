"""The distribution: its name and version, who owns ``pyargus/``, editable installs.

pyargus is published as ``argus-api-client``, the name of the old client that
has the same import name, so that installing it upgrades an old client
instead of writing over its files (see docs/migrating.rst).
"""

from __future__ import annotations

import configparser
import importlib.metadata
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

import pyargus

ROOT = Path(__file__).parent.parent
DIST = "argus-api-client"
#: The last release of the old client (argus-api-client 0.x) on PyPI.
LAST_OLD_RELEASE = Version("0.8.0")


def setup_cfg() -> configparser.ConfigParser:
    config = configparser.ConfigParser(interpolation=None)
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    return config


def test_the_distribution_is_named_like_the_old_client():
    assert canonicalize_name(setup_cfg()["metadata"]["name"]) == DIST


def test_the_version_comes_from_the_package_and_is_above_the_old_client():
    assert setup_cfg()["metadata"]["version"].strip() == "attr: pyargus.__version__"
    version = Version(pyargus.__version__)
    assert version > LAST_OLD_RELEASE  # pip installs it as an upgrade
    assert version.major >= 1
    # Glue services require e.g. argus-api-client>=0.5.0; pip checks installed
    # versions with pre-releases allowed, so a .dev version satisfies that.
    assert SpecifierSet(">=0.5.0").contains(version, prereleases=True)


def _owners() -> dict[str, list[str]]:
    """``{distribution name: [where its metadata is]}`` of those that install ``pyargus/``."""
    owners: dict[str, list[str]] = {}
    for dist in importlib.metadata.distributions():
        top_level = (dist.read_text("top_level.txt") or "").split()
        files = [str(f) for f in dist.files or []]
        if "pyargus" in top_level or any(f.startswith("pyargus/") for f in files):
            name = canonicalize_name(dist.metadata["Name"])
            where = str(dist.locate_file(""))
            if where not in owners.setdefault(name, []):
                owners[name].append(where)
    return owners


def test_one_installed_distribution_owns_pyargus():
    # (A checkout's own argus_api_client.egg-info, written by pip while it
    # builds, is on sys.path too when tests run from the top of the checkout.)
    owners = _owners()
    assert set(owners) == {DIST}, (
        f"distributions installing pyargus/: {owners} (left from an install under the "
        "development name pyargus? `pip uninstall pyargus`, remove pyargus.egg-info, "
        "then reinstall this checkout)"
    )
    assert importlib.metadata.version(DIST) == pyargus.__version__


def _direct_url(dist: importlib.metadata.Distribution) -> dict:
    text = dist.read_text("direct_url.json")
    return json.loads(text) if text else {}


def test_an_editable_install_is_a_plain_path_that_type_checkers_follow():
    """setuptools' import-hook finder is invisible to mypy; a path in a .pth file is not."""
    editable = [
        dist
        for dist in importlib.metadata.distributions(name=DIST)
        if _direct_url(dist).get("dir_info", {}).get("editable")
    ]
    if not editable:
        pytest.skip("not an editable install")
    pth_files = [f for dist in editable for f in dist.files or [] if f.name.endswith(".pth")]
    assert pth_files, "the editable install has no .pth file"
    for pth in pth_files:
        lines = [line for line in pth.read_text().splitlines() if line.strip()]
        assert lines
        for line in lines:
            assert not line.startswith("import"), f"{pth.name} runs an import hook: {line}"
            assert (Path(line) / "pyargus" / "__init__.py").is_file(), line


def test_mypy_finds_the_installed_package(tmp_path):
    pytest.importorskip("mypy")
    script = tmp_path / "glue.py"
    script.write_text(
        textwrap.dedent(
            """
            from pyargus.client import Client

            reveal_type(Client.get_incident)
            """
        )
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "MYPYPATH")}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), script.name],
        cwd=tmp_path,  # outside the checkout: only the installed package can be found
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "import-not-found" not in done.stdout, done.stdout
    assert "pyargus.models.Incident" in done.stdout, done.stdout
