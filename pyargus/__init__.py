"""pyargus: a Python client for the Argus alert aggregator and incident registry."""

__version__ = "1.0.0.dev0"
