"""Where a glue service's Argus URL, token and timeouts come from: :func:`load_config`."""

from __future__ import annotations

import os
import re
import shlex
import stat
import subprocess
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlunsplit

from .. import checks
from ..exceptions import InsecureTokenWarning, InvalidArgumentError

if TYPE_CHECKING:
    from ..async_client import AsyncClient
    from ..client import Client
    from ..transport import Timeout

__all__ = ["ArgusConfig", "api_root", "default_config_path", "load_config"]

DEFAULT_TIMEOUT = 10.0
DEFAULT_RETRIES = 2
#: Seconds a ``token_command`` may take.
TOKEN_COMMAND_TIMEOUT = 30.0

_KEYS = ("url", "token", "token_file", "token_command", "timeout", "retries", "verify")
_TOKEN_KEYS = ("token", "token_file", "token_command")
_VERSION = re.compile(r"v\d+")


@dataclass(frozen=True)
class ArgusConfig:
    """How to reach Argus, as :func:`load_config` found it.

    The token is left out of ``repr()``; :attr:`sources` says where each
    value came from (``"override"``, ``"env:ARGUS_URL"``, ``"section"``,
    ``"file:/path/config.toml[prod]"`` or ``"default"``), never the value.
    """

    #: The API root, always ending in ``/api/v2/``.
    url: str
    token: str = field(repr=False)
    timeout: Timeout = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    verify: bool | str = True
    #: The profile of the config file that was used, if any.
    profile: str | None = None
    sources: Mapping[str, str] = field(default_factory=dict)

    def client(self, *, client_class: type[Client] | None = None, **overrides: Any) -> Client:
        """A :class:`~pyargus.client.Client` with these settings.

        :param overrides: other :class:`~pyargus.client.Client` arguments
            (``session=``, or ``timeout=`` etc. to replace these).
        """
        from ..client import Client

        cls = Client if client_class is None else client_class
        return cls(self.url, self.token, **self._client_arguments(overrides))

    def async_client(
        self, *, client_class: type[AsyncClient] | None = None, **overrides: Any
    ) -> AsyncClient:
        """An :class:`~pyargus.async_client.AsyncClient` with these settings.

        It can be made outside a running event loop; close it with
        ``await client.aclose()`` or use it in ``async with``.

        :param overrides: other :class:`~pyargus.async_client.AsyncClient`
            arguments (an aiohttp ``session=``, or ``timeout=`` etc.).
        """
        from ..async_client import AsyncClient

        cls = AsyncClient if client_class is None else client_class
        return cls(self.url, self.token, **self._client_arguments(overrides))

    def _client_arguments(self, overrides: Mapping[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "timeout": self.timeout,
            "retries": self.retries,
            "verify": self.verify,
        }
        kwargs.update(overrides)
        return kwargs


def api_root(url: Any) -> str:
    """The API v2 root for *url*: an API root, or the server's address.

    ``https://argus.example.org`` and ``https://argus.example.org/api``
    become ``https://argus.example.org/api/v2/``; a path before ``/api``
    (a server under a prefix) is kept.

    :raises pyargus.exceptions.InvalidArgumentError: for anything that is
        not an http(s) URL, for ``/api/v1/`` (argus-server 2.0 removed it:
        it answers 410 Gone) and other API versions, and for URLs below the
        API root.
    """
    url, parts = checks.http_url(url, "the Argus URL", "https://argus.example.org")
    path = parts.path.rstrip("/")
    segments = path.split("/")
    if "api" not in segments:
        path += "/api/v2"
    else:
        rest = segments[len(segments) - segments[::-1].index("api") :]
        if not rest:
            path += "/v2"
        elif len(rest) == 1 and _VERSION.fullmatch(rest[0]):
            if rest[0] == "v1":
                raise InvalidArgumentError(
                    f"{url}: API v1 was removed in argus-server 2.0 (it answers 410 Gone); "
                    "use the API v2 root, .../api/v2/"
                )
            if rest[0] != "v2":
                raise InvalidArgumentError(
                    f"{url}: pyargus speaks Argus API v2, not {rest[0]}; use .../api/v2/"
                )
        else:
            raise InvalidArgumentError(
                f"{url} is not an Argus API root (expected https://host/api/v2/ or just https://host)"
            )
    return str(urlunsplit((parts.scheme, parts.netloc, path + "/", "", "")))


def default_config_path(env: Mapping[str, str] = os.environ) -> Path:
    """``$XDG_CONFIG_HOME/argus/config.toml``, by default ``~/.config/argus/config.toml``."""
    base = env.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "argus" / "config.toml"


@dataclass
class _Layer:
    """The values of one source (overrides, environment, section, file)."""

    name: str
    values: dict[str, Any]
    where: dict[str, str]
    base_dir: Path | None = None  # relative token_file paths of a config file


def load_config(
    path: str | os.PathLike[str] | None = None,
    *,
    profile: str | None = None,
    section: Mapping[str, Any] | None = None,
    env: Mapping[str, str] = os.environ,
    prefix: str = "ARGUS_",
    **overrides: Any,
) -> ArgusConfig:
    """Find the Argus URL, token, timeout, retries and TLS setting of a glue service.

    Each value comes from the first of these that has it:

    1. *overrides* (keyword arguments, e.g. from command-line options;
       ``None`` values are skipped);
    2. the environment: ``ARGUS_URL``, ``ARGUS_TOKEN``, ``ARGUS_TOKEN_FILE``,
       ``ARGUS_TOKEN_COMMAND``, ``ARGUS_TIMEOUT``, ``ARGUS_RETRIES``,
       ``ARGUS_VERIFY`` (another *prefix* changes the names);
    3. *section*: the glue's own settings for Argus (e.g. the ``[argus]``
       table of its own TOML or YAML file), with the same keys (``url``,
       ``token``, ``token_file``, ``token_command``, ``timeout``,
       ``retries``, ``verify``; other keys are ignored);
    4. a profile of the config file: *path*, else ``$ARGUS_CONFIG``, else
       ``~/.config/argus/config.toml`` (``$XDG_CONFIG_HOME``) if it exists.
       The profile is *profile*, else ``$ARGUS_PROFILE``, else the file's
       ``default_profile``;
    5. defaults: timeout 10 s, 2 retries, TLS verified.

    The token is taken from the first source that names one, as ``token``,
    ``token_file`` (a file holding it; relative paths in the config file are
    relative to it) or ``token_command`` (a command that prints it, run
    without a shell). A token file, or a config file holding a token, that
    others may read gives an :class:`~pyargus.exceptions.InsecureTokenWarning`.

    The config file is TOML, read with :mod:`tomllib` (Python 3.11+) or,
    on Python 3.10, the ``tomli`` package if it is installed::

        default_profile = "prod"

        [profile.prod]
        url = "https://argus.example.org"
        token_file = "prod.token"
        timeout = 10

    :raises pyargus.exceptions.InvalidArgumentError: naming the value and
        where it came from, for a missing URL or token, a bad value, an
        unknown profile or an unreadable file.
    """
    unknown = sorted(set(overrides) - set(_KEYS))
    if unknown:
        raise InvalidArgumentError(
            f"load_config() got unknown settings {', '.join(unknown)} (known: {', '.join(_KEYS)})"
        )
    layers = [
        _Layer(
            "override", *_values({k: v for k, v in overrides.items() if v is not None}, "override")
        ),
        _env_layer(env, prefix),
    ]
    if section is not None:
        if not isinstance(section, Mapping):
            raise InvalidArgumentError(f"section must be a mapping, not {type(section).__name__}")
        values = {
            key.replace("-", "_"): value
            for key, value in section.items()
            if isinstance(key, str) and key.replace("-", "_") in _KEYS and value is not None
        }
        layers.append(_Layer("section", *_values(values, "section")))
    file_layer, used_profile = _file_layer(path, profile, env, prefix)
    if file_layer is not None:
        layers.append(file_layer)

    def first(key: str) -> tuple[Any, str, _Layer | None]:
        for layer in layers:
            if key in layer.values:
                return layer.values[key], layer.where[key], layer
        return None, "default", None

    url, url_from, _ = first("url")
    if url is None:
        raise InvalidArgumentError(
            f"no Argus URL: set {prefix}URL, pass url=, or add url to a profile of "
            f"{_shown_path(path, env, prefix)}"
        )
    sources: dict[str, str] = {"url": url_from}
    try:
        root = api_root(url)
    except InvalidArgumentError as exc:
        raise InvalidArgumentError(f"url ({url_from}): {exc}") from None

    token, token_from = _token(layers, prefix, path, env)
    sources["token"] = token_from

    timeout, sources["timeout"], _ = first("timeout")
    timeout = DEFAULT_TIMEOUT if timeout is None else _timeout(timeout, sources["timeout"])
    retries, sources["retries"], _ = first("retries")
    retries = DEFAULT_RETRIES if retries is None else _retries(retries, sources["retries"])
    verify, sources["verify"], verify_layer = first("verify")
    verify = True if verify is None else _verify(verify, sources["verify"], verify_layer)
    return ArgusConfig(
        url=root,
        token=token,
        timeout=timeout,
        retries=retries,
        verify=verify,
        profile=used_profile,
        sources=sources,
    )


def _values(values: Mapping[str, Any], where: str) -> tuple[dict[str, Any], dict[str, str]]:
    return dict(values), {key: where for key in values}


def _env_layer(env: Mapping[str, str], prefix: str) -> _Layer:
    values, where = {}, {}
    for key in _KEYS:
        name = prefix + key.upper()
        value = env.get(name, "")
        if value.strip():
            values[key] = value.strip()
            where[key] = f"env:{name}"
    return _Layer("environment", values, where)


def _shown_path(path: Any, env: Mapping[str, str], prefix: str) -> str:
    if path is not None:
        return str(os.fspath(path))
    return env.get(prefix + "CONFIG") or str(default_config_path(env))


def _file_layer(
    path: str | os.PathLike[str] | None,
    profile: str | None,
    env: Mapping[str, str],
    prefix: str,
) -> tuple[_Layer | None, str | None]:
    explicit = path is not None or bool(env.get(prefix + "CONFIG"))
    file = Path(_shown_path(path, env, prefix)).expanduser()
    wanted = profile or env.get(prefix + "PROFILE") or None
    if not file.is_file():
        if explicit:
            raise InvalidArgumentError(f"no Argus config file at {file}")
        if wanted:
            raise InvalidArgumentError(f"profile {wanted!r} asked for, but there is no {file}")
        return None, None
    data = _read_toml(file)
    profiles = data.get("profile", {})
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        raise InvalidArgumentError(f"{file}: [profile.NAME] entries must be tables")
    unknown = sorted(set(data) - {"default_profile", "profile"})
    if unknown:
        raise InvalidArgumentError(
            f"{file}: unknown top-level keys {', '.join(unknown)} "
            "(expected default_profile and [profile.NAME] tables)"
        )
    if wanted is None:
        wanted = data.get("default_profile")
        if wanted is None:
            return None, None
        if not isinstance(wanted, str) or wanted not in profiles:
            raise InvalidArgumentError(f"{file}: default_profile {wanted!r} is not a profile")
    if wanted not in profiles:
        known = ", ".join(sorted(profiles)) or "none"
        raise InvalidArgumentError(f"{file} has no profile {wanted!r} (profiles: {known})")
    table = {key.replace("-", "_"): value for key, value in profiles[wanted].items()}
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise InvalidArgumentError(
            f"{file} [profile.{wanted}]: unknown keys {', '.join(unknown)} "
            f"(known: {', '.join(_KEYS)})"
        )
    if "token" in table:
        _warn_if_readable(file, "the config file holds a token")
    where = f"file:{file}[{wanted}]"
    return _Layer("file", table, {key: where for key in table}, file.parent), wanted


def _read_toml(file: Path) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        try:
            import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]
        except ImportError:
            raise InvalidArgumentError(
                f"cannot read {file}: TOML needs Python 3.11 or later, or the tomli "
                "package on Python 3.10 (pip install tomli); or set the "
                "ARGUS_URL and ARGUS_TOKEN(_FILE) environment variables instead"
            ) from None
    try:
        with open(file, "rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
    except OSError as exc:
        raise InvalidArgumentError(f"cannot read {file}: {exc.strerror or exc}") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise InvalidArgumentError(f"{file} is not valid TOML: {exc}") from None
    return data


def _token(layers: list[_Layer], prefix: str, path: Any, env: Mapping[str, str]) -> tuple[str, str]:
    for layer in layers:
        given = [key for key in _TOKEN_KEYS if key in layer.values]
        if not given:
            continue
        if len(given) > 1:
            where = ", ".join(f"{key} ({layer.where[key]})" for key in given)
            raise InvalidArgumentError(f"more than one token given: {where}; keep one")
        key = given[0]
        value, where = layer.values[key], layer.where[key]
        if key == "token":
            text = value
        elif key == "token_file":
            text = _read_token_file(value, where, layer.base_dir)
        else:
            text = _run_token_command(value, where)
        if not isinstance(text, str):
            raise InvalidArgumentError(f"token ({where}) must be a string")
        try:
            return checks.token(text.strip()), where
        except InvalidArgumentError as exc:
            raise InvalidArgumentError(f"token ({where}): {exc}") from None
    raise InvalidArgumentError(
        f"no Argus token: set {prefix}TOKEN or {prefix}TOKEN_FILE, pass token=, or add "
        f"token_file to a profile of {_shown_path(path, env, prefix)}"
    )


def _read_token_file(value: Any, where: str, base_dir: Path | None) -> str:
    if not isinstance(value, (str, os.PathLike)) or not os.fspath(value):
        raise InvalidArgumentError(f"token_file ({where}) must be a path, not {value!r}")
    file = Path(value).expanduser()
    if base_dir is not None and not file.is_absolute():
        file = base_dir / file
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidArgumentError(
            f"token_file ({where}): cannot read {file}: {exc.strerror or exc}"
        ) from None
    if not text.strip():
        raise InvalidArgumentError(f"token_file ({where}): {file} is empty")
    _warn_if_readable(file, "the token file")
    return text


def _run_token_command(value: Any, where: str) -> str:
    if isinstance(value, str):
        args = shlex.split(value)
    elif isinstance(value, (list, tuple)) and all(isinstance(a, str) for a in value):
        args = list(value)
    else:
        raise InvalidArgumentError(f"token_command ({where}) must be a string or a list of strings")
    if not args:
        raise InvalidArgumentError(f"token_command ({where}) is empty")
    try:
        done = subprocess.run(  # noqa: S603 - the user's own command, no shell
            args,
            capture_output=True,
            text=True,
            timeout=TOKEN_COMMAND_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InvalidArgumentError(f"token_command ({where}) failed: {exc}") from None
    if done.returncode != 0:
        # Its output is never shown: it may hold the token.
        raise InvalidArgumentError(
            f"token_command ({where}) failed with exit status {done.returncode}"
        )
    if not done.stdout.strip():
        raise InvalidArgumentError(f"token_command ({where}) printed nothing")
    return done.stdout


def _warn_if_readable(file: Path, what: str) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    try:
        mode = file.stat().st_mode
    except OSError:  # pragma: no cover - it was just read
        return
    if mode & (stat.S_IRGRP | stat.S_IROTH):
        warnings.warn(
            f"{what} {file} can be read by other users (chmod 600 {file})",
            InsecureTokenWarning,
            stacklevel=4,
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _timeout(value: Any, where: str) -> Timeout:
    parts: Any = value
    if isinstance(value, str) and "," in value:
        parts = value.split(",")
    if isinstance(parts, (list, tuple)):
        pair = [_number(p) for p in parts]
        if len(pair) == 2 and all(p is not None and 0 < p < float("inf") for p in pair):
            return (pair[0], pair[1])  # type: ignore[return-value]
    else:
        number = _number(parts)
        if number is not None and 0 < number < float("inf"):
            return number
    raise InvalidArgumentError(
        f"timeout ({where}) must be a positive number of seconds or a (connect, read) "
        f"pair, not {value!r}"
    )


def _retries(value: Any, where: str) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise InvalidArgumentError(f"retries ({where}) must be a whole number >= 0, not {value!r}")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _verify(value: Any, where: str, layer: _Layer | None) -> bool | str:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        file = Path(value).expanduser()
        if layer is not None and layer.base_dir is not None and not file.is_absolute():
            file = layer.base_dir / file
        if file.exists():
            return str(file)
        raise InvalidArgumentError(f"verify ({where}): no CA bundle at {file}")
    raise InvalidArgumentError(
        f"verify ({where}) must be true, false or the path of a CA bundle, not {value!r}"
    )
