"""Errors raised by :mod:`pyargus.testing`."""

from __future__ import annotations

__all__ = ["HarnessError", "ServerStartError"]


class HarnessError(Exception):
    """Something in the test harness went wrong."""


class ServerStartError(HarnessError):
    """The Argus server (or its PostgreSQL, or its virtualenv) could not be started.

    The message says which step failed and ends with the tail of the
    relevant log.
    """
