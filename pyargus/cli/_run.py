"""Running one ``argus`` command: configuration, the client, errors and exit codes."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import traceback
import warnings
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from ..exceptions import ArgusError
from ..glue import exit_code_for, load_config
from ._output import Output

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["Context", "UsageError", "run"]


class UsageError(Exception):
    """Bad input the command found itself (exit 2, nothing sent)."""


class Context:
    """What a command works with: its arguments, the output, a client made on first use."""

    def __init__(self, args: argparse.Namespace, out: Output) -> None:
        self.args = args
        self.out = out
        self._client: Client | None = None
        self._token: str | None = None

    @property
    def client(self) -> Client:
        """The client, configured by options > environment > profile > defaults."""
        if self._client is None:
            args = self.args
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                config = load_config(
                    getattr(args, "config", None),
                    profile=getattr(args, "profile", None),
                    url=getattr(args, "url", None),
                    token_file=getattr(args, "token_file", None),
                    timeout=getattr(args, "timeout", None),
                    retries=getattr(args, "retries", None),
                )
                self._token = config.token
                self._client = config.client()
            for warning in caught:
                self.out.note(f"warning: {self.scrub(str(warning.message))}")
        return self._client

    def scrub(self, text: str) -> str:
        """*text* without the token (pyargus never puts it in messages; this makes sure)."""
        if self._token:
            text = text.replace(self._token, "<token>")
        return text

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


@contextlib.contextmanager
def _logging(debug: bool, err: IO[str]) -> Iterator[None]:
    """pyargus' log records to *err* while a command runs; the logger as it was afterwards
    (``main()`` may run in a caller's process: a test, a program embedding the CLI)."""
    logger = logging.getLogger("pyargus")
    saved = (logger.level, logger.propagate)
    handler = logging.StreamHandler(err)
    handler.setFormatter(logging.Formatter("argus: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    # Failures are reported by the command itself; --debug shows every request.
    logger.setLevel(logging.DEBUG if debug else logging.ERROR)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _prog(args: argparse.Namespace) -> str:
    words = ["argus", getattr(args, "noun", None), getattr(args, "verb", None)]
    return " ".join(word for word in words if word)


def run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str]) -> int:
    """Run the command *args* chose; return its exit status."""
    debug = bool(getattr(args, "debug", False))
    with _logging(debug, stderr):
        return _run(args, stdout, stderr, debug)


def _run(args: argparse.Namespace, stdout: IO[str], stderr: IO[str], debug: bool) -> int:
    from ._commands import COMMANDS

    terminal = stdout.isatty()
    fmt = getattr(args, "output", None) or ("table" if terminal else "tsv")
    out = Output(fmt, stdout, stderr, terminal=terminal, progress=stderr.isatty())
    ctx = Context(args, out)
    try:
        code: int = COMMANDS[args.run](ctx, args)
        return code
    except KeyboardInterrupt:
        out.note("interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (| head): stop quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        return 0
    except (UsageError, argparse.ArgumentTypeError) as exc:
        _fail(out, f"{_prog(args)}: error: {ctx.scrub(str(exc))}", debug)
        return 2
    except ArgusError as exc:
        _fail(out, f"{_prog(args)}: error: {ctx.scrub(str(exc))}", debug)
        return exit_code_for(exc)
    finally:
        out.clear_progress()
        ctx.close()


def _fail(out: Output, message: str, debug: bool) -> None:
    out.clear_progress()
    if debug:
        traceback.print_exc(file=out.err)
    out.err.write(message.replace("\n", " ") + "\n")
    out.err.flush()
