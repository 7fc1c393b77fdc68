"""Severity to level (:class:`LevelMap`) and errors to exit codes and HTTP statuses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..exceptions import (
    ArgusError,
    AuthError,
    ClientConnectionError,
    ClientError,
    DuplicateIncidentError,
    InvalidArgumentError,
    ServerError,
)
from ..models import LEVELS

__all__ = ["LevelMap", "exit_code_for", "http_status_for"]


def _level(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
        raise InvalidArgumentError(
            f"{what} must be an Argus level 1 (critical) to 5, or None (do not sync), not {value!r}"
        )
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise InvalidArgumentError(f"{what} must be a number, not {value!r}")


class LevelMap:
    """Turn a monitoring system's severity into an Argus level (1-5), or ``None``: do not sync.

    :param mapping: exact values to levels, e.g. Zabbix' ``{5: 1, 4: 2, 3: 3}``
        or Nagios' ``{"CRITICAL": 1, "WARNING": 3}``; a value missing there
        is also tried as a string (config files have string keys).
    :param bands: ``(min_value, level)`` pairs for numeric severities: the
        band with the highest ``min_value`` that the value reaches wins
        (Zino's priority bands).
    :param default: the level of any other value (``None``: do not sync it).
    :param minimum: numeric severities below this are not synced (``None``).

    >>> levels = LevelMap({"disaster": 1}, bands=[(500, 2), (100, 4)], default=5, minimum=10)
    >>> levels("disaster"), levels(700), levels(150), levels(50), levels(5)
    (1, 2, 4, 5, None)

    Every level is checked when the map is made.
    """

    def __init__(
        self,
        mapping: Mapping[Any, int | None] | None = None,
        *,
        bands: Sequence[tuple[float, int | None]] | None = None,
        default: int | None = 3,
        minimum: float | None = None,
    ) -> None:
        self.mapping: dict[Any, int | None] = {}
        for key, level in (mapping or {}).items():
            self.mapping[key] = _level(level, f"the level of {key!r}")
        self._by_text = {str(key): level for key, level in self.mapping.items()}
        self.bands: list[tuple[float, int | None]] = []
        for band in bands or ():
            try:
                low, level = band
            except (TypeError, ValueError):
                raise InvalidArgumentError(
                    f"a band must be (min_value, level), not {band!r}"
                ) from None
            self.bands.append(
                (_number(low, "a band's min_value"), _level(level, f"the level of band {low!r}"))
            )
        self.bands.sort(key=lambda band: -band[0])
        self.default = _level(default, "default")
        self.minimum = None if minimum is None else _number(minimum, "minimum")

    def __call__(self, value: Any) -> int | None:
        """The level for severity *value* (``None``: do not sync)."""
        if self.minimum is not None and _number(value, "the severity") < self.minimum:
            return None
        try:
            return self.mapping[value]
        except (KeyError, TypeError):
            pass
        if str(value) in self._by_text:
            return self._by_text[str(value)]
        if self.bands:
            number = _number(value, "the severity")
            for low, level in self.bands:
                if number >= low:
                    return level
        return self.default

    def __repr__(self) -> str:
        return (
            f"LevelMap({self.mapping!r}, bands={self.bands!r}, default={self.default!r}, "
            f"minimum={self.minimum!r})"
        )

    @classmethod
    def from_config(cls, section: Mapping[str, Any]) -> LevelMap:
        """A map from config data: ``map`` (a table), ``bands`` (a list of
        ``[min_value, level]`` pairs or ``{min_value, level}`` tables),
        ``default`` and ``minimum``; ``level = "none"`` (or ``false``) means
        do not sync.

        .. code-block:: toml

            [severity]
            map = { disaster = 1, high = 2 }
            bands = [[500, 2], [100, 4]]
            default = 5
        """
        if not isinstance(section, Mapping):
            raise InvalidArgumentError(f"a severity section must be a table, not {section!r}")
        unknown = sorted(set(section) - {"map", "mapping", "bands", "default", "minimum"})
        if unknown:
            raise InvalidArgumentError(
                f"unknown severity settings {', '.join(unknown)} "
                "(known: map, bands, default, minimum)"
            )
        mapping = section.get("map", section.get("mapping"))
        if mapping is not None and not isinstance(mapping, Mapping):
            raise InvalidArgumentError(f"map must be a table, not {mapping!r}")
        bands = []
        for band in section.get("bands") or ():
            if isinstance(band, Mapping):
                band = (band.get("min_value", band.get("min")), band.get("level"))
            if isinstance(band, (list, tuple)) and len(band) == 2:
                band = (band[0], _config_level(band[1]))
            bands.append(band)
        return cls(
            {key: _config_level(level) for key, level in (mapping or {}).items()},
            bands=bands,
            default=_config_level(section.get("default", 3)),
            minimum=section.get("minimum"),
        )


def _config_level(value: Any) -> Any:
    if value is False or (isinstance(value, str) and value.strip().lower() == "none"):
        return None
    return value


#: What a command-line glue exits with (see :func:`exit_code_for`).
EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH, EXIT_TRANSIENT, EXIT_INTERRUPTED = 0, 1, 2, 4, 5, 130


def _transient(error: BaseException) -> bool:
    return isinstance(error, (ClientConnectionError, ServerError)) or (
        isinstance(error, ArgusError) and error.retryable
    )


def exit_code_for(error: BaseException | None) -> int:
    """The exit status of a command-line glue that ended with *error*.

    ``0`` no error; ``1`` other errors (:class:`~pyargus.glue.ReconcileRefused`
    included: a person should look); ``2`` bad input or configuration
    (:class:`~pyargus.exceptions.InvalidArgumentError`); ``4`` the token
    (:class:`~pyargus.exceptions.AuthError`: running again will not help, so
    e.g. systemd's ``RestartPreventExitStatus=4``); ``5`` transient: Argus
    unreachable, failing or rate-limiting (running again later may work);
    ``130`` interrupted (Ctrl-C). The same codes as the ``argus`` command.
    """
    if error is None:
        return EXIT_OK
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, AuthError):
        return EXIT_AUTH
    if isinstance(error, InvalidArgumentError):
        return EXIT_USAGE
    if _transient(error):
        return EXIT_TRANSIENT
    return EXIT_ERROR


def http_status_for(error: BaseException | None) -> int:
    """What a webhook glue answers its sender (Alertmanager, Zabbix, ...) after *error*.

    ``200`` no error, or :class:`~pyargus.exceptions.DuplicateIncidentError`
    (the incident is there: the sender must not retry); ``503`` transient
    (Argus unreachable or failing: the sender retries later); ``500`` an
    :class:`~pyargus.exceptions.AuthError` (the glue's token is wrong: a 401
    would tell the sender that *its* credentials are) and anything
    unexpected; ``422`` Argus refused the data (another 4xx, bad input), so
    retrying the same alert will not help.
    """
    if error is None or isinstance(error, DuplicateIncidentError):
        return 200
    if isinstance(error, AuthError):
        return 500
    if _transient(error):
        return 503
    if isinstance(error, (ClientError, InvalidArgumentError)):
        return 422
    return 500
