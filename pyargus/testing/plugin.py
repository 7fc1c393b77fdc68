"""pytest plugin: fixtures that run a real Argus server (see :mod:`pyargus.testing`)."""
