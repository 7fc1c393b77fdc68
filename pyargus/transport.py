"""HTTP transport: the one place where requests are sent.

An uplink client adapter around a :class:`requests.Session` that

* adds the ``Authorization`` header only for URLs under the configured API
  root (scheme, host and port), so the token never goes anywhere else;
* never follows redirects (a 3xx becomes
  :class:`~pyargus.exceptions.UnexpectedRedirectError`);
* turns every answer that is not 2xx into the matching
  :mod:`pyargus.exceptions` error (:func:`~pyargus.exceptions.error_for_response`),
  after the retries: so every declaration, also one in a user's subclass of
  :class:`~pyargus.api.ArgusAPI`, raises the same typed errors, and no
  response handler or converter ever sees an error body;
* applies connect and read timeouts to every request;
* retries what is safe to retry (see :class:`RetryPolicy`), with state kept
  per call, so one client can be shared by many threads;
* turns every ``requests`` exception into a :mod:`pyargus.exceptions`
  error that names the method, the path and the problem: a
  :class:`~pyargus.exceptions.ClientConnectionError` (or
  :class:`~pyargus.exceptions.ClientTimeoutError`) for network faults, an
  :class:`~pyargus.exceptions.InvalidArgumentError` for a request that
  cannot be built, a :class:`~pyargus.exceptions.DecodeError` for an
  undecodable content encoding;
* logs to the ``pyargus`` logger (never headers, never tracebacks).

See :doc:`/errors` for what is retried and why.
"""

from __future__ import annotations

import http.client
import logging
import math
import os
import random
import re
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.auth
import urllib3.exceptions
from uplink.clients import RequestsClient
from uplink.clients.io import BlockingStrategy

from . import _session
from .exceptions import (
    RETRYABLE_STATUSES,
    ArgusError,
    ClientConnectionError,
    ClientTimeoutError,
    DecodeError,
    ErrorResponse,
    InvalidArgumentError,
    after_attempts,
    error_for_response,
    parse_retry_after,
    url_path,
)

__all__ = ["DEFAULT_TIMEOUT", "RetryPolicy", "Timeout", "Transport"]

log = logging.getLogger("pyargus")
# A library leaves output to the application: nothing reaches stderr unless logging is set up.
log.addHandler(logging.NullHandler())

#: Default connect and read timeout in seconds. A 100-incident page takes
#: about 0.3 s on a small server; pages of 1000 take seconds. The read
#: timeout bounds each wait for data, not the whole answer.
DEFAULT_TIMEOUT = 10.0

#: Seconds, or a ``(connect, read)`` pair.
Timeout = float | tuple[float, float]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})

# requests errors that mean the request could not even be built: bad input.
_BUILD_ERRORS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidHeader,
    requests.exceptions.InvalidJSONError,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.URLRequired,
)


@dataclass(frozen=True)
class RetryPolicy:
    """When and how often to repeat a failed request.

    Idempotent requests (GET, HEAD, OPTIONS, PUT, DELETE) are retried on
    connection errors, timeouts and the statuses in :attr:`statuses`
    (``Retry-After`` is honoured). POST and PATCH are retried only when the
    request cannot have reached the server (connection refused, DNS
    failure, connect timeout): a repeated POST could create a duplicate.
    Errors that are not :attr:`~pyargus.exceptions.ArgusError.retryable`
    (such as an untrusted TLS certificate) are never retried.

    The wait before retry *n* is drawn at random between half and all of
    ``min(max_backoff, backoff * 2 ** (n - 1))``.

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
    statuses: frozenset[int] = field(default=RETRYABLE_STATUSES)

    def __post_init__(self) -> None:
        if (
            isinstance(self.attempts, bool)
            or not isinstance(self.attempts, int)
            or self.attempts < 1
        ):
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
        ceiling = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter only


def _parse_timeout(timeout: Any) -> tuple[float, float]:
    pair = tuple(timeout) if isinstance(timeout, (tuple, list)) else (timeout, timeout)
    if len(pair) != 2 or not all(_positive(value) for value in pair):
        raise InvalidArgumentError(
            "timeout must be a positive number of seconds or a (connect, read) pair, "
            f"not {timeout!r}"
        )
    return (float(pair[0]), float(pair[1]))


def _positive(value: Any) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


def _check_verify(verify: Any) -> bool | str:
    if isinstance(verify, bool):
        return verify
    if isinstance(verify, (str, os.PathLike)):
        path = os.fspath(verify)
        if os.path.exists(path):
            return path
        raise InvalidArgumentError(f"verify: no CA bundle at {path!r}")
    raise InvalidArgumentError(f"verify must be True, False or a CA bundle path, not {verify!r}")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:  # not a port: not the API root's origin either
        port = -1
    return (parts.scheme, (parts.hostname or "").lower(), port)


class _HeaderAuth(requests.auth.AuthBase):
    """requests auth that sets (or, with ``None``, removes) the ``Authorization`` header."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        if self._value is None:
            request.headers.pop("Authorization", None)
        else:
            request.headers["Authorization"] = self._value
        return request

    def __repr__(self) -> str:
        return "<Authorization: Token ***>" if self._value else "<no Authorization>"


_NO_AUTH = _HeaderAuth(None)


class Transport(RequestsClient):  # type: ignore[misc]  # (uplink is untyped)
    """The uplink HTTP client adapter pyargus uses (see the module docs).

    :param verify: ``False`` or a CA bundle path applies to every request;
        ``True`` (the default) means the session's own ``verify`` (which is
        ``True`` for the session pyargus creates: the system's or certifi's
        CAs, or ``REQUESTS_CA_BUNDLE`` when set).
    """

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
        self.timeout = _parse_timeout(timeout)
        self.retry = RetryPolicy.from_retries(retries)
        self.verify = _check_verify(verify)
        self.owns_session = session is None
        self.session = _session.Session() if session is None else session
        super().__init__(self.session)
        self.api_root_url = api_root_url
        self._origin = _origin(api_root_url)
        self._auth: _HeaderAuth = _NO_AUTH
        self.set_token(token)
        self._sleep = time.sleep

    def __repr__(self) -> str:
        return f"<Transport {self.api_root_url}>"

    def __del__(self) -> None:
        """Nothing to release here (uplink's ``__del__`` needs its ``__init__`` to have run)."""

    def set_token(self, token: str | None) -> None:
        """Send *token* from now on (``None``: send no ``Authorization``, e.g. to log in)."""
        self._auth = _NO_AUTH if token is None else _HeaderAuth(f"Token {token}")

    def close(self) -> None:
        if self.owns_session:
            self.session.close()

    @staticmethod
    def io() -> BlockingStrategy:
        return BlockingStrategy()

    def send(self, request: tuple[str, str, dict[str, Any]]) -> requests.Response:
        method, url, extras = request
        # The token goes in as requests "auth", applied last: neither a header on
        # the session nor ~/.netrc (which requests consults when no auth is given)
        # can replace it, or add credentials where there is no token.
        if _origin(url) == self._origin:
            extras["auth"] = self._auth
        else:
            log.warning("not sending the API token to %s (outside the API root)", url_path(url))
            extras["auth"] = _NO_AUTH
        extras["allow_redirects"] = False
        extras.setdefault("timeout", self.timeout)
        # Explicit, so that REQUESTS_CA_BUNDLE cannot override a given session's verify.
        extras.setdefault("verify", self.verify if self.verify is not True else self.session.verify)
        return self._send_with_retries(method.upper(), url, extras)

    def _send_with_retries(
        self, method: str, url: str, extras: dict[str, Any]
    ) -> requests.Response:
        policy = self.retry
        idempotent = method in IDEMPOTENT_METHODS
        where = f"{method} {url_path(url)}"
        first = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self.session.request(method, url, **extras)
            except (requests.RequestException, TypeError, ValueError) as exc:
                error, problem = _transport_error(exc, method, url, extras["timeout"], attempt)
                if log.isEnabledFor(logging.DEBUG):
                    elapsed = time.monotonic() - started
                    log.debug("%s -> %s in %.3f s (attempt %d)", where, problem, elapsed, attempt)
                if (
                    error.retryable
                    and (idempotent or not getattr(error, "sent", True))
                    and self._backoff(policy, attempt, first, None, where, problem)
                ):
                    continue
                raise error from exc
            status = response.status_code
            if log.isEnabledFor(logging.DEBUG):
                elapsed = time.monotonic() - started
                path = url_path(response.url or url)
                log.debug(
                    "%s %s -> %d in %.3f s (attempt %d)", method, path, status, elapsed, attempt
                )
            response.pyargus_attempts = attempt  # type: ignore[attr-defined]
            if (
                idempotent
                and status in policy.statuses
                and self._backoff(policy, attempt, first, response, where, f"status {status}")
            ):
                response.close()
                continue
            if not 200 <= status < 300:
                raise error_for_response(ErrorResponse.from_requests(response))
            return response

    def _backoff(
        self,
        policy: RetryPolicy,
        attempt: int,
        first: float,
        response: requests.Response | None,
        where: str,
        problem: str,
    ) -> bool:
        """Wait before attempt *attempt* + 1 and return true, or return false
        if the policy's attempts or time are used up."""
        if attempt >= policy.attempts:
            return False
        delay = None
        if response is not None and response.status_code in (429, 503):
            delay = parse_retry_after(response.headers.get("Retry-After"))
        if delay is None:
            delay = policy.delay(attempt)
        if time.monotonic() + delay - first > policy.max_time:
            return False
        log.warning(
            "%s: %s; retry %d of %d in %.1f s",
            where,
            problem,
            attempt,
            policy.attempts - 1,
            delay,
        )
        self._sleep(delay)
        return True


def _transport_error(
    exc: BaseException, method: str, url: str, timeout: tuple[float, float], attempts: int
) -> tuple[ArgusError, str]:
    """The pyargus error for an exception raised while sending a request,
    and the problem it names (its message without method and path)."""
    where = f"{method} {url_path(url)}"
    if isinstance(exc, _BUILD_ERRORS) or not isinstance(exc, requests.RequestException):
        problem = f"cannot build the request: {_reason(exc)}"
        return InvalidArgumentError(f"{where}: {problem}"), problem
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        problem = f"cannot decode the answer: {_reason(exc)}"
        error: ArgusError = DecodeError(f"{where}: {problem}{after_attempts(attempts)}")
        error.attempts = attempts
        return error, problem
    cls, sent, retryable = ClientConnectionError, True, True
    if isinstance(exc, requests.ConnectTimeout):
        cls, sent = ClientTimeoutError, False
        problem = f"no connection within {timeout[0]:g} s (connect timeout)"
    elif isinstance(exc, requests.Timeout):
        cls = ClientTimeoutError
        problem = f"no answer within {timeout[1]:g} s (read timeout)"
    elif isinstance(exc, requests.exceptions.SSLError):
        if _find(exc, ssl.SSLCertVerificationError) is not None:
            sent = retryable = False
            problem = f"TLS certificate verification failed: {_reason(exc)}"
        else:
            problem = f"TLS error: {_reason(exc)}"
    elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
        problem = f"connection broken while reading the answer: {_reason(exc)}"
    elif _find(exc, urllib3.exceptions.NameResolutionError) is not None:
        sent, problem = False, f"cannot resolve host {urlsplit(url).hostname}"
    elif _find(exc, urllib3.exceptions.NewConnectionError) is not None:
        refused = _find(exc, ConnectionRefusedError) is not None
        sent, problem = (
            False,
            "connection refused" if refused else f"cannot connect: {_reason(exc)}",
        )
    elif _find(exc, http.client.RemoteDisconnected) is not None:  # a ConnectionResetError
        problem = "server closed the connection without answering"
    elif _find(exc, ConnectionResetError) is not None:
        problem = "connection reset by the server"
    elif (bad := _find(exc, http.client.BadStatusLine)) is not None:
        problem = f"not an HTTP answer: {str(bad).strip()[:60]!r}"
    elif isinstance(exc, requests.exceptions.ProxyError):
        problem = f"proxy error: {_reason(exc)}"
    else:
        problem = f"connection failed: {_reason(exc)}"
    error = cls(
        f"{where}: {problem}{after_attempts(attempts)}",
        method=method,
        url=url,
        sent=sent,
        retryable=retryable,
        attempts=attempts,
    )
    return error, problem


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """*exc* and the errors it wraps (``reason``, exception ``args``, causes)."""
    todo, seen = [exc], set()
    while todo:
        error = todo.pop(0)
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        inner = [getattr(error, "reason", None), error.__cause__, error.__context__, *error.args]
        todo += [e for e in inner if isinstance(e, BaseException)]


def _find(exc: BaseException, kind: type[BaseException]) -> Any:
    return next((e for e in _causes(exc) if isinstance(e, kind)), None)


# urllib3 prefixes "<urllib3.connection.HTTPConnection object at 0x...>: "
# or "HTTPConnection(host='...', port=...): " to its messages.
_URLLIB3_PREFIX = re.compile(r"^(<[^>]*>|\w+\(host=[^)]*\)): ")


def _reason(exc: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, briefly."""
    reason: Any = exc
    while True:
        inner = getattr(reason, "reason", None)
        if inner is None:
            inner = next((a for a in reason.args if isinstance(a, BaseException)), None)
        if not isinstance(inner, BaseException) or inner is reason:
            break
        reason = inner
    text = " ".join(_URLLIB3_PREFIX.sub("", str(reason)).split())
    return text or type(reason).__name__
