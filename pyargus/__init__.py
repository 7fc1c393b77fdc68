"""pyargus: a Python client for the Argus alert aggregator and incident registry.

The public API lives in :mod:`pyargus.client` (:class:`~pyargus.client.Client`),
:mod:`pyargus.models` and :mod:`pyargus.exceptions`. The names below are
also importable from :mod:`pyargus` itself (loaded on first use, so that
``import pyargus`` stays cheap).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "1.0.0.dev0"

_LAZY = {
    "Client": "pyargus.client",
    "AsyncClient": "pyargus.async_client",
    "Incident": "pyargus.models",
    "Event": "pyargus.models",
    "Acknowledgement": "pyargus.models",
    "SourceSystem": "pyargus.models",
    "Tags": "pyargus.models",
    "INFINITY": "pyargus.models",
    "STATELESS": "pyargus.models",
    "ArgusError": "pyargus.exceptions",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pyargus' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
