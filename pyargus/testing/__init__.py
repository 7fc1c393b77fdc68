"""Test a glue service against a real Argus server.

pyargus ships a pytest plugin (entry point ``pyargus``, module
:mod:`pyargus.testing.plugin`) and a small Python API that run a real
Argus API server on 127.0.0.1 without Docker: argus-server from PyPI in a
cached virtualenv, a throwaway PostgreSQL, and gunicorn.

With pytest, use the fixtures::

    def test_posts_incident(argus_client, argus_empty_db):
        ...

Without pytest::

    from pyargus.testing import ArgusServer

    with ArgusServer() as server:
        with server.info.client() as client:  # a source system's Client
            ...
        server.reset()  # an empty database again

The documentation chapter "Testing your glue service against a real Argus"
(``docs/testing.rst``) has the options, environment variables, timings and
cleanup guarantees.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers; at run time, __getattr__ below imports them
    from .defaults import DEFAULT_ARGUS_VERSION, DEFAULT_TIME_ZONE
    from .errors import HarnessError, ServerStartError
    from .external import external_server_from_env
    from .server import (
        ADMIN_USERNAME,
        END_USERS,
        OTHER_SOURCE_NAME,
        SOURCE_NAME,
        SOURCE_TYPE,
        ArgusServer,
        ServerInfo,
    )
    from .venv import PINS, default_cache_dir

# Loaded on first use: the pytest plugin imports this package in every pytest
# session of every project that has pyargus installed.
_LAZY = {
    "ADMIN_USERNAME": "server",
    "DEFAULT_ARGUS_VERSION": "defaults",
    "DEFAULT_TIME_ZONE": "defaults",
    "END_USERS": "server",
    "OTHER_SOURCE_NAME": "server",
    "PINS": "venv",
    "SOURCE_NAME": "server",
    "SOURCE_TYPE": "server",
    "ArgusServer": "server",
    "HarnessError": "errors",
    "ServerInfo": "server",
    "ServerStartError": "errors",
    "default_cache_dir": "venv",
    "external_server_from_env": "external",
}

__all__ = [
    "ADMIN_USERNAME",
    "DEFAULT_ARGUS_VERSION",
    "DEFAULT_TIME_ZONE",
    "END_USERS",
    "OTHER_SOURCE_NAME",
    "PINS",
    "SOURCE_NAME",
    "SOURCE_TYPE",
    "ArgusServer",
    "HarnessError",
    "ServerInfo",
    "ServerStartError",
    "default_cache_dir",
    "external_server_from_env",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pyargus.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
