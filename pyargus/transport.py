"""HTTP transport: the one place where requests are sent.

An uplink client adapter around a :class:`requests.Session` that

* adds the ``Authorization`` header only for URLs under the configured API
  root (scheme, host and port), so the token never goes anywhere else;
* never follows redirects (a 3xx becomes
  :class:`~pyargus.exceptions.UnexpectedRedirectError`);
* applies connect and read timeouts to every request;
* retries what is safe to retry (see :class:`RetryPolicy`), with state kept
  per call, so one client can be shared by many threads;
* turns every ``requests`` exception into a
  :class:`~pyargus.exceptions.ClientConnectionError`;
* logs to the ``pyargus`` logger without credentials.
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from uplink.clients import RequestsClient
from uplink.clients.io import BlockingStrategy

from .exceptions import (
    ClientConnectionError,
    ClientTimeoutError,
    InvalidArgumentError,
)

__all__ = ["DEFAULT_TIMEOUT", "RetryPolicy", "Timeout", "Transport"]

log = logging.getLogger("pyargus")

#: Default connect and read timeout in seconds. A 100-incident page takes
#: about 0.3 s on a small server; pages of 1000 take seconds.
DEFAULT_TIMEOUT = 10.0

Timeout = float | tuple[float, float] | None

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True)
class RetryPolicy:
    """When and how often to repeat a failed request.

    Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE) are retried on
    connection errors, timeouts and the statuses in :attr:`statuses`
    (``Retry-After`` is honoured). POST and PATCH are retried only when the
    request cannot have reached the server (connection refused, DNS
    failure, connect timeout): a repeated POST could create a duplicate.

    :param attempts: total attempts per request (1 = no retries).
    :param backoff: base delay in seconds; doubles on each retry, jittered.
    :param max_backoff: the longest delay between two attempts.
    :param max_time: give up retrying once this many seconds have passed
        since the first attempt.
    :param statuses: HTTP statuses worth retrying.
    """

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_time: float = 60.0
    statuses: frozenset[int] = field(default=frozenset({429, 502, 503, 504}))

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise InvalidArgumentError("RetryPolicy.attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0 or self.max_time < 0:
            raise InvalidArgumentError("RetryPolicy delays must not be negative")

    @classmethod
    def from_retries(cls, retries: int | RetryPolicy | None) -> RetryPolicy:
        """A policy from the ``retries=`` argument of the client."""
        if isinstance(retries, RetryPolicy):
            return retries
        if retries is None:
            return cls()
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise InvalidArgumentError(
                f"retries must be a number >= 0 or a RetryPolicy, not {retries!r}"
            )
        return cls(attempts=retries + 1)

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number *attempt* (1-based)."""
        ceiling = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter only


def _parse_timeout(timeout: Timeout) -> tuple[float | None, float | None]:
    if timeout is None:
        return (None, None)
    if isinstance(timeout, tuple):
        connect, read = timeout
    else:
        connect = read = timeout
    for value in (connect, read):
        if value is not None and (isinstance(value, bool) or not value > 0):
            raise InvalidArgumentError(f"timeouts must be positive numbers, not {timeout!r}")
    return (connect, read)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return (parts.scheme, (parts.hostname or "").lower(), port)


def _not_sent(exc: requests.RequestException) -> bool:
    """Whether *exc* means the request cannot have reached the server."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)  # MaxRetryError wraps the cause
    return isinstance(reason, urllib3.exceptions.NewConnectionError)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Transport(RequestsClient):
    """The uplink HTTP client adapter pyargus uses (see the module docs)."""

    def __init__(
        self,
        api_root_url: str,
        token: str | None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retries: int | RetryPolicy | None = None,
        session: requests.Session | None = None,
        verify: bool | str = True,
    ) -> None:
        self.owns_session = session is None
        self.session = requests.Session() if session is None else session
        super().__init__(self.session)
        self.api_root_url = api_root_url
        self._origin = _origin(api_root_url)
        self._auth: str | None = None
        self.set_token(token)
        self.timeout = _parse_timeout(timeout)
        self.retry = RetryPolicy.from_retries(retries)
        self.verify = verify
        self._sleep = time.sleep

    def __repr__(self) -> str:
        return f"<Transport {self.api_root_url}>"

    def set_token(self, token: str | None) -> None:
        """Send *token* from now on (``None``: send no ``Authorization``, e.g. to log in)."""
        self._auth = None if token is None else f"Token {token}"

    def close(self) -> None:
        if self.owns_session:
            self.session.close()

    @staticmethod
    def io() -> BlockingStrategy:
        return BlockingStrategy()

    def send(self, request: tuple[str, str, dict[str, Any]]) -> requests.Response:
        method, url, extras = request
        headers = extras.get("headers")
        headers = dict(headers) if headers else {}
        if _origin(url) == self._origin:
            if self._auth is not None:
                headers["Authorization"] = self._auth
        else:
            log.warning("not sending the API token to %s (outside the API root)", url)
            headers.pop("Authorization", None)
        extras["headers"] = headers
        extras["allow_redirects"] = False
        extras.setdefault("timeout", self.timeout)
        extras.setdefault("verify", self.verify)
        return self._send_with_retries(method.upper(), url, extras)

    def _send_with_retries(
        self, method: str, url: str, extras: dict[str, Any]
    ) -> requests.Response:
        policy = self.retry
        idempotent = method in IDEMPOTENT_METHODS
        first = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self.session.request(method, url, **extras)
            except requests.RequestException as exc:
                error = _connection_error(exc, method, url)
                if attempt < policy.attempts and (idempotent or not error.sent):
                    delay = policy.delay(attempt)
                    if started + delay - first <= policy.max_time:
                        log.warning(
                            "%s %s: %s; retry %d of %d in %.1f s",
                            method,
                            _path(url),
                            error,
                            attempt,
                            policy.attempts - 1,
                            delay,
                        )
                        self._sleep(delay)
                        continue
                raise error from exc
            elapsed = time.monotonic() - started
            status = response.status_code
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "%s %s -> %d in %.3f s (attempt %d)",
                    method,
                    _path(response.url or url),
                    status,
                    elapsed,
                    attempt,
                )
            if status in policy.statuses and idempotent and attempt < policy.attempts:
                delay = _retry_after(response) if status in (429, 503) else None
                if delay is None:
                    delay = policy.delay(attempt)
                if time.monotonic() + delay - first <= policy.max_time:
                    log.warning(
                        "%s %s: status %d; retry %d of %d in %.1f s",
                        method,
                        _path(url),
                        status,
                        attempt,
                        policy.attempts - 1,
                        delay,
                    )
                    response.close()
                    self._sleep(delay)
                    continue
            return response


def _connection_error(
    exc: requests.RequestException, method: str, url: str
) -> ClientConnectionError:
    where = f"{method} {_path(url)}"
    sent = not _not_sent(exc)
    if isinstance(exc, requests.Timeout):
        phase = "connecting" if isinstance(exc, requests.ConnectTimeout) else "reading"
        return ClientTimeoutError(
            f"{where}: timed out while {phase}", method=method, url=url, sent=sent
        )
    if isinstance(exc, requests.exceptions.SSLError):
        kind = "TLS error"
    elif isinstance(exc, requests.ConnectionError):
        kind = "connection failed"
    else:
        kind = type(exc).__name__
    return ClientConnectionError(
        f"{where}: {kind}: {_reason(exc)}", method=method, url=url, sent=sent
    )


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, briefly."""
    reason: Any = exc
    while True:
        inner = getattr(reason, "reason", None)
        if inner is None and reason.args and isinstance(reason.args[0], BaseException):
            inner = reason.args[0]
        if inner is None or inner is reason:
            break
        reason = inner
    text = str(reason)
    # urllib3 prefixes "<urllib3.connection.HTTPConnection object at 0x...>: "
    if text.startswith("<") and ">: " in text:
        text = text.split(">: ", 1)[1]
    return text or type(reason).__name__
