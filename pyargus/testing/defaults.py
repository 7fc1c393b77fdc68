"""Defaults of the test harness, kept apart so the pytest plugin imports nothing heavy."""

#: The argus-server release the harness runs unless told otherwise.
DEFAULT_ARGUS_VERSION = "2.10.2"
#: The server's TIME_ZONE: not UTC on purpose, so time zone mistakes show.
DEFAULT_TIME_ZONE = "Europe/Oslo"
#: Names an existing Argus API root to test against instead of starting one.
ENV_API_URL = "PYARGUS_TEST_API_URL"
