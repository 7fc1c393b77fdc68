"""Pointing the fixtures at an existing Argus server instead of starting one.

Set ``PYARGUS_TEST_API_URL`` and ``PYARGUS_TEST_SOURCE_TOKEN`` (and, for the
tests that need them, ``PYARGUS_TEST_OTHER_SOURCE_TOKEN`` and
``PYARGUS_TEST_ADMIN_TOKEN``; ``PYARGUS_TEST_ENDUSER_TOKEN``,
``PYARGUS_TEST_SECOND_ENDUSER_TOKEN`` and ``PYARGUS_TEST_STAFF_TOKEN`` for
the end-user tests). The names and primary keys of the source
systems are looked up through the API when the tokens allow it.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from .defaults import ENV_API_URL
from .errors import HarnessError
from .server import ServerInfo

__all__ = ["ENV_API_URL", "ENV_TOKENS", "external_server_from_env"]

#: The token variable of each role.
ENV_TOKENS: Mapping[str, str] = {
    "source": "PYARGUS_TEST_SOURCE_TOKEN",
    "other_source": "PYARGUS_TEST_OTHER_SOURCE_TOKEN",
    "admin": "PYARGUS_TEST_ADMIN_TOKEN",
    "enduser": "PYARGUS_TEST_ENDUSER_TOKEN",
    "second_enduser": "PYARGUS_TEST_SECOND_ENDUSER_TOKEN",
    "staff": "PYARGUS_TEST_STAFF_TOKEN",
}


def _api_url(url: str) -> str:
    url = url.strip()
    if not url.endswith("/"):
        url += "/"
    if "/api/v" not in url:
        url += "api/v2/"
    return url


def _get(url: str, token: str | None, timeout: float = 10.0) -> Any:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - http(s) only
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.load(response)


def _lookup(api_url: str, tokens: Mapping[str, str | None]) -> dict[str, Any]:
    """Best effort: usernames, source system names and pks, the server version."""
    found: dict[str, Any] = {}
    try:
        metadata = _get(api_url[: api_url.rfind("v2/")], None)
        found["argus_version"] = metadata.get("server-version")
    except (OSError, ValueError, AttributeError):
        pass
    usernames = {}
    for role, token in tokens.items():
        if token:
            try:
                usernames[role] = _get(api_url + "auth/user/", token)["username"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
    for role in ("admin", "enduser", "second_enduser", "staff"):
        if role in usernames:
            found[f"{role}_username"] = usernames[role]
    try:
        sources = _get(api_url + "incidents/sources/", tokens["source"])
    except (OSError, ValueError):
        return found
    for role in ("source", "other_source"):
        username = usernames.get(role)
        if username is None:
            continue
        for source in sources if isinstance(sources, list) else []:
            try:
                owner = _get(api_url + f"auth/users/{source['user']}/", tokens["source"])
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if owner.get("username") == username:
                found[f"{role}_name"] = source.get("name")
                found[f"{role}_pk"] = source.get("pk")
                found.setdefault("source_type", (source.get("type") or {}).get("name"))
                break
    return found


def external_server_from_env(environ: Mapping[str, str] | None = None) -> ServerInfo | None:
    """The existing server named by the ``PYARGUS_TEST_*`` variables, or ``None``.

    :raises HarnessError: if the URL is set but the source token is not.
    """
    environ = os.environ if environ is None else environ
    url = environ.get(ENV_API_URL, "").strip()
    if not url:
        return None
    tokens = {role: environ.get(variable) or None for role, variable in ENV_TOKENS.items()}
    if not tokens["source"]:
        raise HarnessError(f"{ENV_API_URL} is set, but {ENV_TOKENS['source']} is not")
    api_url = _api_url(url)
    found = _lookup(api_url, tokens)
    return ServerInfo(
        api_url=api_url,
        source_token=str(tokens["source"]),
        other_source_token=tokens["other_source"],
        admin_token=tokens["admin"],
        enduser_token=tokens["enduser"],
        second_enduser_token=tokens["second_enduser"],
        staff_token=tokens["staff"],
        external=True,
        **found,
    )
