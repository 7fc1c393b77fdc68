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

See ``docs/testing.rst`` for the options, environment variables, timings and
cleanup guarantees.
"""

from __future__ import annotations

from .errors import HarnessError, ServerStartError
from .external import external_server_from_env
from .server import (
    ADMIN_USERNAME,
    DEFAULT_TIME_ZONE,
    OTHER_SOURCE_NAME,
    SOURCE_NAME,
    SOURCE_TYPE,
    ArgusServer,
    ServerInfo,
)
from .venv import DEFAULT_ARGUS_VERSION, PINS, default_cache_dir

__all__ = [
    "ADMIN_USERNAME",
    "DEFAULT_ARGUS_VERSION",
    "DEFAULT_TIME_ZONE",
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
