"""The processes and temporary directories the harness starts, and their cleanup.

Every process the harness starts (PostgreSQL, gunicorn, and the short-lived
helpers: pip, initdb, the seeding script) and every temporary directory it
makes is recorded in a :class:`RunState`, which mirrors itself in a small
JSON *state file* under ``<cache dir>/run/``. Cleanup happens in three ways:

1. normally, :meth:`RunState.cleanup` stops the processes in reverse order
   (each with its own signal: ``SIGINT`` is PostgreSQL's fast shutdown and
   gunicorn's quick shutdown), waits for them, and removes the directories;
2. if the owning Python process dies without cleaning up (``SIGKILL``, a
   crash), a *watchdog* process notices the end of its pipe from the owner
   and cleans up from the state file;
3. if both died, the next harness start finds the state file of a dead
   owner (:func:`clean_stale`) and cleans up from it.

Processes are identified by PID *and* start time, so a recycled PID is never
signalled.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["RunState", "clean_stale", "clean_state_file", "is_alive", "start_time_of"]

#: Seconds to wait for a process to stop after its stop signal, before SIGKILL.
STOP_TIMEOUT = 15.0
#: Seconds the watchdog waits for its owner to die after the pipe closed.
_OWNER_GRACE = 5.0


def start_time_of(pid: int) -> str | None:
    """The start time of process *pid* (clock ticks since boot), ``None`` if gone.

    A zombie counts as gone. On systems without ``/proc`` the time is ``""``
    for a process that exists.
    """
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            data = stat.read()
    except FileNotFoundError:
        return None
    except OSError:
        return _exists_without_proc(pid)
    # The command name (field 2) is in parentheses and may contain spaces.
    fields = data[data.rfind(b")") + 2 :].split()
    if fields[0] in (b"Z", b"X"):
        return None
    return fields[19].decode()


def _exists_without_proc(pid: int) -> str | None:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return ""
    return ""


def is_alive(pid: int, start: str | None) -> bool:
    """Whether process *pid* exists and is the one that started at *start*."""
    now = start_time_of(pid) if os.path.isdir("/proc") else _exists_without_proc(pid)
    if now is None:
        return False
    return not start or not now or now == start


def _children_of(pid: int) -> list[int]:
    """PIDs whose parent is *pid* (Linux only; ``[]`` elsewhere)."""
    children = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                data = stat.read()
        except OSError:
            continue
        fields = data[data.rfind(b")") + 2 :].split()
        if len(fields) > 1 and fields[1] == str(pid).encode():
            children.append(int(entry))
    return children


def _wait_gone(pid: int, start: str | None, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while is_alive(pid, start):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _signal(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, sig)


def stop_foreign(pid: int, start: str | None, sig: int, timeout: float = STOP_TIMEOUT) -> None:
    """Stop a process that is not our child: *sig*, wait, then SIGKILL it and its children."""
    if not is_alive(pid, start):
        return
    _signal(pid, sig)
    if _wait_gone(pid, start, timeout):
        return
    children = _children_of(pid)
    _signal(pid, signal.SIGKILL)
    for child in children:
        _signal(child, signal.SIGKILL)
    _wait_gone(pid, start, 2.0)


def stop_child(proc: subprocess.Popen[Any], sig: int, timeout: float = STOP_TIMEOUT) -> None:
    """Stop our child *proc*: *sig*, wait, then SIGKILL it and its children; reap it."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout)
        return
    except subprocess.TimeoutExpired:
        pass
    children = _children_of(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    for child in children:
        _signal(child, signal.SIGKILL)
    proc.wait()


@dataclass
class _Entry:
    pid: int
    start: str | None
    name: str
    signal: int


def remove_tree(path: str | Path) -> None:
    """Remove *path* and everything below it, ignoring what is already gone."""
    shutil.rmtree(path, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError, IsADirectoryError, NotADirectoryError):
        os.unlink(path)


class RunState:
    """What one harness instance started, kept in memory and in a state file.

    :param state_dir: where the state file lives (created if needed).
    """

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.owner = os.getpid()
        self.path = state_dir / f"{self.owner}-{secrets.token_hex(4)}.json"
        self._entries: list[_Entry] = []
        self._children: dict[int, subprocess.Popen[Any]] = {}
        self._paths: list[str] = []
        self._watchdog: subprocess.Popen[bytes] | None = None
        self._write()

    # Recording

    def add_process(
        self, proc: subprocess.Popen[Any], name: str, stop_signal: int = signal.SIGTERM
    ) -> None:
        """Record our child *proc*, to be stopped with *stop_signal*."""
        start = start_time_of(proc.pid)
        self._entries.append(_Entry(proc.pid, start, name, int(stop_signal)))
        self._children[proc.pid] = proc
        self._write()

    def forget_process(self, proc: subprocess.Popen[Any]) -> None:
        """Stop tracking *proc* (after it ended)."""
        self._entries = [e for e in self._entries if e.pid != proc.pid]
        self._children.pop(proc.pid, None)
        self._write()

    def add_path(self, path: str | Path) -> None:
        """Record a temporary file or directory, removed at cleanup."""
        self._paths.append(str(path))
        self._write()

    def forget_path(self, path: str | Path) -> None:
        with contextlib.suppress(ValueError):
            self._paths.remove(str(path))
        self._write()

    def _write(self) -> None:
        data = {
            "owner": {"pid": self.owner, "start": start_time_of(self.owner)},
            "processes": [asdict(e) for e in self._entries],
            "paths": self._paths,
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)

    # Running helpers

    def run(
        self, args: Sequence[str], *, name: str, timeout: float | None = None, **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        """Run a short-lived helper to completion, tracked while it runs.

        Output (stdout and stderr together) is captured as text.
        """
        proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            **kwargs,
        )
        self.add_process(proc, name, signal.SIGTERM)
        try:
            output, _ = proc.communicate(timeout=timeout)
        except BaseException:
            stop_child(proc, signal.SIGTERM, timeout=5)
            raise
        finally:
            self.forget_process(proc)
        return subprocess.CompletedProcess(proc.args, proc.returncode, output, None)

    # Watchdog

    def start_watchdog(self) -> None:
        """Start the process that cleans up if this one dies without doing so."""
        if self._watchdog is not None:
            return
        package_root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        self._watchdog = subprocess.Popen(
            [sys.executable, "-m", "pyargus.testing.processes", "watch", str(self.path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            cwd="/",
            env=env,
        )

    def _stop_watchdog(self) -> None:
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is None:
            return
        with contextlib.suppress(OSError):
            watchdog.stdin.close()  # type: ignore[union-attr]
        try:
            watchdog.wait(_OWNER_GRACE + 5)
        except subprocess.TimeoutExpired:
            stop_child(watchdog, signal.SIGKILL)

    # Cleanup

    @property
    def active(self) -> bool:
        return bool(self._entries or self._paths or self._watchdog)

    def stop_process(self, proc: subprocess.Popen[Any], timeout: float = STOP_TIMEOUT) -> None:
        """Stop one recorded child with its stop signal and forget it."""
        entry = next((e for e in self._entries if e.pid == proc.pid), None)
        stop_child(proc, entry.signal if entry else signal.SIGTERM, timeout)
        self.forget_process(proc)

    def cleanup(self) -> None:
        """Stop every recorded process (newest first), remove every path and the state file.

        Safe to call more than once; does nothing in a forked child.
        """
        if os.getpid() != self.owner:
            return
        for entry in reversed(list(self._entries)):
            proc = self._children.get(entry.pid)
            if proc is not None:
                stop_child(proc, entry.signal)
            else:
                stop_foreign(entry.pid, entry.start, entry.signal)
            self._entries.remove(entry)
            self._children.pop(entry.pid, None)
        for path in reversed(self._paths):
            remove_tree(path)
        self._paths = []
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        self._stop_watchdog()


def clean_state_file(path: Path) -> None:
    """Stop the processes and remove the paths recorded in state file *path*, then it."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        data = {}
    for entry in reversed(data.get("processes", [])):
        stop_foreign(entry["pid"], entry.get("start"), entry.get("signal", signal.SIGTERM))
    for tree in reversed(data.get("paths", [])):
        remove_tree(tree)
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def clean_stale(state_dir: Path) -> int:
    """Clean up after every harness instance whose owner died; return how many."""
    cleaned = 0
    try:
        names = os.listdir(state_dir)
    except FileNotFoundError:
        return 0
    for name in names:
        path = state_dir / name
        if name.endswith(".tmp"):
            if time.time() - _mtime(path) > 60:
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
            continue
        if not name.endswith(".json"):
            continue
        try:
            owner = json.loads(path.read_text())["owner"]
        except (OSError, ValueError, KeyError):
            if time.time() - _mtime(path) < 60:
                continue  # being written
            owner = {"pid": 0, "start": None}
        if owner["pid"] and is_alive(owner["pid"], owner.get("start")):
            continue
        claimed = path.with_name(f"{name}.cleaning-{os.getpid()}")
        try:
            os.rename(path, claimed)  # only one cleaner wins
        except FileNotFoundError:
            continue
        clean_state_file(claimed)
        cleaned += 1
    return cleaned


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return time.time()


def _watch(state_file: Path) -> None:
    """Wait until the owner's pipe closes; if the owner died, clean up after it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        owner = json.loads(state_file.read_text())["owner"]
    except (OSError, ValueError, KeyError):
        return
    while sys.stdin.buffer.read(4096):
        pass
    if not state_file.exists():
        return  # the owner cleaned up and then closed the pipe
    deadline = time.monotonic() + _OWNER_GRACE
    while is_alive(owner["pid"], owner.get("start")):
        if time.monotonic() > deadline:
            return  # the owner closed the pipe on purpose and lives on
        time.sleep(0.02)
    if state_file.exists():
        clean_state_file(state_file)


if __name__ == "__main__":  # pragma: no cover - run as the watchdog process
    if len(sys.argv) == 3 and sys.argv[1] == "watch":
        _watch(Path(sys.argv[2]))
    else:
        sys.exit("usage: python -m pyargus.testing.processes watch STATE_FILE")
