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
import socket
import ssl
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.adapters
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

__all__ = [
    "DEFAULT_POOL_SIZE",
    "DEFAULT_TIMEOUT",
    "Attempts",
    "RetryPolicy",
    "Timeout",
    "Transport",
]

log = logging.getLogger("pyargus")
# A library leaves output to the application: nothing reaches stderr unless logging is set up.
log.addHandler(logging.NullHandler())

#: Default connect and read timeout in seconds. A 100-incident page takes
#: about 0.3 s on a small server; pages of 1000 take seconds. The read
#: timeout bounds each wait for data, not the whole answer.
DEFAULT_TIMEOUT = 10.0

#: Seconds, or a ``(connect, read)`` pair.
Timeout = float | tuple[float, float]

#: Keep-alive connections kept per host by the session pyargus creates: up to
#: this many threads share one client without opening and discarding extra
#: connections (requests' own default is 10).
DEFAULT_POOL_SIZE = 32

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


def _check_pool_size(pool_size: Any, session: object = None, own_pool: str = "") -> int:
    """*pool_size* checked (default :data:`DEFAULT_POOL_SIZE`); refused with the
    caller's own *session*, whose pool the caller configures as *own_pool* says."""
    if session is not None and pool_size is not None:
        raise InvalidArgumentError(
            f"pool_size applies to the session pyargus creates; for your own session, {own_pool}"
        )
    if pool_size is None:
        return DEFAULT_POOL_SIZE
    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
        raise InvalidArgumentError(f"pool_size must be a whole number >= 1, not {pool_size!r}")
    return pool_size


def _pooled_session(pool_size: int) -> requests.Session:
    """pyargus' session, with room for *pool_size* keep-alive connections per host."""
    session = _session.Session()
    for prefix in ("https://", "http://"):
        session.mount(prefix, requests.adapters.HTTPAdapter(pool_maxsize=pool_size))
    return session


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
    :param pool_size: how many connections the session pyargus creates
        keeps open per host (default :data:`DEFAULT_POOL_SIZE`); set it to
        at least the number of threads that share the client. A *session*
        passed in keeps its own adapters (then *pool_size* is refused).
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
        pool_size: int | None = None,
    ) -> None:
        self.timeout = _parse_timeout(timeout)
        self.retry = RetryPolicy.from_retries(retries)
        self.verify = _check_verify(verify)
        pool_size = _check_pool_size(
            pool_size, session, "mount a requests.adapters.HTTPAdapter(pool_maxsize=...) on it"
        )
        self.owns_session = session is None
        self.session = _pooled_session(pool_size) if session is None else session
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
        attempts = Attempts(self.retry, method, url)
        while True:
            attempts.start()
            try:
                response = self.session.request(method, url, **extras)
            except (requests.RequestException, TypeError, ValueError) as exc:
                error, problem = _transport_error(
                    exc, method, url, extras["timeout"], attempts.number
                )
                delay = attempts.after_error(error, problem)
                if delay is None:
                    raise error from exc
                self._sleep(delay)
                continue
            status = response.status_code
            delay = attempts.after_answer(status, response.headers, response.url or url)
            response.pyargus_attempts = attempts.number  # type: ignore[attr-defined]
            if delay is not None:
                response.close()
                self._sleep(delay)
                continue
            if not 200 <= status < 300:
                raise error_for_response(ErrorResponse.from_requests(response))
            return response


class Attempts:
    """The retry decisions for one request, free of I/O.

    Both transports (:class:`Transport`, and the async one of
    :mod:`pyargus.async_client`) run the same loop around it: :meth:`start`
    before each attempt, then :meth:`after_error` or :meth:`after_answer`,
    which log the attempt and return the seconds to wait before the next
    one, or ``None`` to stop (raise the error, return the answer). The
    waiting itself (``time.sleep`` or ``asyncio.sleep``) is the caller's.
    """

    __slots__ = ("first", "idempotent", "method", "number", "policy", "started", "where")

    def __init__(self, policy: RetryPolicy, method: str, url: str) -> None:
        self.policy = policy
        self.method = method
        self.idempotent = method in IDEMPOTENT_METHODS
        self.where = f"{method} {url_path(url)}"
        self.first = time.monotonic()
        self.started = self.first
        self.number = 0

    def start(self) -> None:
        """An attempt begins."""
        self.number += 1
        self.started = time.monotonic()

    def after_error(self, error: ArgusError, problem: str) -> float | None:
        """The attempt failed with *error* (no answer): the delay before a retry, or ``None``.

        A request that may have reached the server (``sent``) is retried
        only if it is idempotent.
        """
        if log.isEnabledFor(logging.DEBUG):
            elapsed = time.monotonic() - self.started
            log.debug("%s -> %s in %.3f s (attempt %d)", self.where, problem, elapsed, self.number)
        if error.retryable and (self.idempotent or not getattr(error, "sent", True)):
            return self._delay(None, problem)
        return None

    def after_answer(self, status: int, headers: Mapping[str, str], url: str) -> float | None:
        """The server answered *status*: the delay before a retry, or ``None``."""
        if log.isEnabledFor(logging.DEBUG):
            elapsed = time.monotonic() - self.started
            log.debug(
                "%s %s -> %d in %.3f s (attempt %d)",
                self.method,
                url_path(url),
                status,
                elapsed,
                self.number,
            )
        if self.idempotent and status in self.policy.statuses:
            retry_after = headers.get("Retry-After") if status in (429, 503) else None
            return self._delay(parse_retry_after(retry_after), f"status {status}")
        return None

    def _delay(self, retry_after: float | None, problem: str) -> float | None:
        policy = self.policy
        if self.number >= policy.attempts:
            return None
        delay = policy.delay(self.number) if retry_after is None else retry_after
        if time.monotonic() + delay - self.first > policy.max_time:
            return None
        log.warning(
            "%s: %s; retry %d of %d in %.1f s",
            self.where,
            problem,
            self.number,
            policy.attempts - 1,
            delay,
        )
        return delay


def _transport_error(
    exc: BaseException, method: str, url: str, timeout: tuple[float, float], attempts: int
) -> tuple[ArgusError, str]:
    """The pyargus error for an exception raised while sending a request,
    and the problem it names (its message without method and path).

    Problems name the server as ``scheme://host:port``. Configuration errors
    (an unknown host, TLS that cannot work) are not retryable; ``sent`` is
    false when no byte of the request can have been read by the server.
    """
    where = f"{method} {url_path(url)}"
    if isinstance(exc, _BUILD_ERRORS) or not isinstance(exc, requests.RequestException):
        problem = f"cannot build the request: {_reason(exc)}"
        return InvalidArgumentError(f"{where}: {problem}"), problem
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        problem = f"cannot decode the answer: {_reason(exc)}"
        error: ArgusError = DecodeError(f"{where}: {problem}{after_attempts(attempts)}")
        error.attempts = attempts
        return error, problem
    server = _server(url)
    cls, sent, retryable = ClientConnectionError, True, True
    if isinstance(exc, requests.ConnectTimeout):
        cls, sent = ClientTimeoutError, False
        problem = f"no connection to {server} within {timeout[0]:g} s (connect timeout)"
    elif isinstance(exc, requests.Timeout):
        cls = ClientTimeoutError
        problem = f"no answer from {server} within {timeout[1]:g} s (read timeout)"
    elif isinstance(exc, requests.exceptions.SSLError):
        problem, sent, retryable = _tls_problem(exc, url, server)
    elif isinstance(exc, requests.exceptions.ChunkedEncodingError):
        problem = f"connection to {server} broken while reading the answer: {_reason(exc)}"
    elif (dns := _dns_failure(exc)) is not None:
        sent = False
        host = urlsplit(url).hostname
        code, why = dns
        if code in _TRANSIENT_DNS_ERRORS:
            problem = f"cannot resolve host {host} now ({why}), for {server}"
        else:
            retryable = False
            shown = f" ({why})" if why else ""
            problem = (
                f"cannot resolve host {host}{shown}: check the host name of the API root URL "
                f"{server}"
            )
    elif _find(exc, urllib3.exceptions.NewConnectionError) is not None:
        refused = _find(exc, ConnectionRefusedError) is not None
        sent, problem = (
            False,
            f"connection refused by {server}"
            if refused
            else f"cannot connect to {server}: {_reason(exc)}",
        )
    elif _find(exc, http.client.RemoteDisconnected) is not None:  # a ConnectionResetError
        problem = f"{server} closed the connection without answering"
    elif _find(exc, ConnectionResetError) is not None:
        problem = f"connection reset by {server}"
    elif (bad := _find(exc, http.client.BadStatusLine)) is not None:
        line = str(bad).strip()
        if url.startswith("http://") and line[:2] in _TLS_RECORD_STARTS:
            # A TLS alert instead of an HTTP status line: the port speaks https.
            sent = retryable = False
            problem = (
                f"{server} answers in TLS, not plain http: use "
                f"{_with_scheme(url, 'https')} (the server cannot have read the request)"
            )
        else:
            problem = f"not an HTTP answer from {server}: {line[:60]!r}"
    elif isinstance(exc, requests.exceptions.ProxyError):
        problem = f"proxy error on the way to {server}: {_reason(exc)}"
    else:
        problem = f"connection to {server} failed: {_reason(exc)}"
    error = cls(
        f"{where}: {problem}{after_attempts(attempts)}",
        method=method,
        url=url,
        sent=sent,
        retryable=retryable,
        attempts=attempts,
    )
    return error, problem


_ERRNO = re.compile(r"\[Errno (-?\d+)\] ([^)'\"]*)")


def _dns_failure(exc: BaseException) -> tuple[int | None, str] | None:
    """The resolver's error code and text, if *exc* is a failed name lookup."""
    gai = _find(exc, socket.gaierror)
    if gai is not None:
        return gai.errno, gai.strerror or ""
    failed = _find(exc, urllib3.exceptions.NameResolutionError)
    if failed is None:
        return None
    match = _ERRNO.search(str(failed))
    return (int(match.group(1)), match.group(2).strip()) if match else (None, "")


# EAI_AGAIN: "Temporary failure in name resolution" (the resolver may answer later).
_TRANSIENT_DNS_ERRORS = frozenset(
    code for code in (getattr(socket, "EAI_AGAIN", None),) if code is not None
)
# The first bytes of a TLS record (alert or handshake, TLS 1.0-1.3) as http.client shows them.
_TLS_RECORD_STARTS = ("\x15\x03", "\x16\x03")

# OpenSSL's reasons when an https:// client gets plain http instead of a TLS record.
_PLAIN_HTTP_REASONS = frozenset(
    {"WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG", "UNKNOWN_PROTOCOL"}
)
_PLAIN_HTTP_TEXTS = ("wrong version number", "record layer failure", "packet length too long")
# Handshakes that cannot succeed until the client or the server is configured differently.
_HANDSHAKE_REASONS = frozenset(
    {
        "TLSV1_ALERT_PROTOCOL_VERSION",
        "UNSUPPORTED_PROTOCOL",
        "SSLV3_ALERT_HANDSHAKE_FAILURE",
        "NO_PROTOCOLS_AVAILABLE",
        "NO_SHARED_CIPHER",
        "NO_CIPHERS_AVAILABLE",
        "TLSV1_ALERT_INSUFFICIENT_SECURITY",
        "TLSV13_ALERT_CERTIFICATE_REQUIRED",
        "SSLV3_ALERT_BAD_CERTIFICATE",
        "TLSV1_ALERT_UNKNOWN_CA",
    }
)


def _tls_problem(exc: BaseException, url: str, server: str) -> tuple[str, bool, bool]:
    """The problem, ``sent`` and ``retryable`` of a TLS error."""
    reason = _reason(exc)
    # (the innermost: aiohttp's wrapper is an SSLCertVerificationError too, without the details)
    verifications = [e for e in _causes(exc) if isinstance(e, ssl.SSLCertVerificationError)]
    if verifications:
        cert = next(
            (e for e in verifications if getattr(e, "verify_message", "")), verifications[0]
        )
        detail = (getattr(cert, "verify_message", "") or reason).rstrip(".")
        fix = (
            "check the host name in the API root URL"
            if "mismatch" in detail.lower()
            else "give verify= the CA bundle that signed it, e.g. verify='/etc/ssl/my-ca.pem'"
        )
        return (f"TLS certificate verification failed for {server}: {detail}: {fix}", False, False)
    codes = {getattr(e, "reason", None) for e in _causes(exc) if isinstance(e, ssl.SSLError)}
    lower = reason.lower()
    if codes & _PLAIN_HTTP_REASONS or any(text in lower for text in _PLAIN_HTTP_TEXTS):
        return (
            f"{server} speaks plain http, not TLS: use {_with_scheme(url, 'http')} if that is "
            f"right (the token then travels unencrypted), or the server's https port ({reason})",
            False,
            False,
        )
    if codes & _HANDSHAKE_REASONS:
        return (
            f"TLS handshake with {server} failed: {reason}: the client and the server have no "
            "TLS version, cipher or certificate in common",
            False,
            False,
        )
    return (f"TLS error with {server}: {reason}", True, True)


def _server(url: str) -> str:
    """``scheme://host:port`` of *url*, for messages (the port always shown)."""
    scheme, host, port = _origin(url)
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{port}" if port else f"{scheme}://{host}"


def _with_scheme(url: str, scheme: str) -> str:
    """*url*'s API root with another scheme (and the same host and port)."""
    parts = urlsplit(url)
    path = parts.path
    marker = path.find("/api/v2/")
    root = path[: marker + len("/api/v2/")] if marker != -1 else "/"
    return f"{scheme}://{parts.netloc}{root}"


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
