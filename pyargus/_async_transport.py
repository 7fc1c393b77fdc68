"""The asyncio HTTP transport of :class:`~pyargus.async_client.AsyncClient` (aiohttp).

An uplink client adapter with uplink's own ``AsyncioStrategy``: uplink
builds each request from the declarations of :mod:`pyargus.api` and this
adapter sends it. It follows the rules of :class:`pyargus.transport.Transport`
and shares every decision that does no I/O with it: the token only for the
API root's origin, redirects never followed, the retry decisions
(:class:`~pyargus.transport.Attempts`), the typed errors
(:func:`~pyargus.exceptions.error_for_response`), the messages of
connection errors, the timeouts and the log records.

What differs is only the I/O, and how it is shaped for the shared code:

* the answer is read whole and handed to uplink as a :class:`requests.Response`
  (status, reason, headers, URL, bytes), so the converters, the error
  mapping and ``on_error`` translations run unchanged, inline, on the
  event loop (no thread, no second event loop);
* every aiohttp exception becomes the :mod:`pyargus.exceptions` error the
  sync transport raises for the same fault;
* the :class:`aiohttp.ClientSession` is created on the first request, inside
  the running event loop (so a client can be built outside one), and the
  client is bound to that loop; a session passed in is the caller's and is
  never closed here;
* proxies come from the environment as requests finds them
  (``HTTP(S)_PROXY``, ``NO_PROXY``), CA bundles as requests finds them
  (``verify=`` path, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``, certifi),
  and ``~/.netrc`` is never read.
"""

from __future__ import annotations

import ast
import asyncio
import json
import os
import re
import ssl
import warnings
from collections.abc import Callable, Coroutine
from typing import Any

import requests
import requests.structures
import requests.utils
from uplink.clients.interfaces import HttpClientAdapter
from uplink.clients.io import AsyncioStrategy

from . import _session
from .exceptions import (
    ArgusError,
    ClientConnectionError,
    ClientTimeoutError,
    DecodeError,
    ErrorResponse,
    InvalidArgumentError,
    after_attempts,
    error_for_response,
    url_path,
)
from .transport import (
    _TLS_RECORD_STARTS,
    _TRANSIENT_DNS_ERRORS,
    DEFAULT_TIMEOUT,
    Attempts,
    RetryPolicy,
    Timeout,
    _check_pool_size,
    _check_verify,
    _dns_failure,
    _find,
    _origin,
    _parse_timeout,
    _reason,
    _server,
    _tls_problem,
    _with_scheme,
    log,
)

try:
    import aiohttp
    import aiohttp.http_exceptions
except ImportError as _missing:  # pragma: no cover - the extra is installed for the tests
    raise ImportError(
        "pyargus.async_client needs aiohttp, which comes with the 'async' extra: "
        "pip install 'argus-api-client[async]'"
    ) from _missing

__all__ = ["AsyncTransport"]

# aiohttp resends an idempotent request by itself when a pooled connection
# drops before the answer; the only switch is ClientSession's private
# ``_retry_connection`` (aiohttp >= 3.11). Checked once, here: without it the
# async client would send a GET up to twice per attempt (see _no_silent_retry).
if "_retry_connection" not in getattr(aiohttp.ClientSession, "ATTRS", ()):  # pragma: no cover
    raise ImportError(
        f"pyargus.async_client needs aiohttp >= 3.11 (ClientSession._retry_connection), "
        f"found aiohttp {aiohttp.__version__}: pip install 'argus-api-client[async]'"
    )

_NOT_BOUND = (
    "this AsyncClient is bound to the event loop it was first used in, which has been closed; "
    "make one AsyncClient per event loop (e.g. inside the coroutine that asyncio.run() runs)"
)
_OTHER_LOOP = (
    "this AsyncClient is bound to the event loop it was first used in, not the running one; "
    "make one AsyncClient per event loop"
)


class _SentRequest:
    """What error messages read of the request an answer belongs to."""

    __slots__ = ("body", "method", "url")

    def __init__(self, method: str, url: str, body: bytes | None) -> None:
        self.method = method
        self.url = url
        self.body = body


class AsyncTransport(HttpClientAdapter):  # type: ignore[misc]  # (uplink is untyped)
    """The uplink adapter of the async client (see the module docs).

    Arguments as for :class:`~pyargus.transport.Transport`; *session* is an
    :class:`aiohttp.ClientSession` the caller owns (then *pool_size* is
    refused: configure its connector yourself), *pool_size* the most
    connections the session pyargus creates opens at once (requests beyond
    it wait for a free connection).
    """

    def __init__(
        self,
        api_root_url: str,
        token: str | None,
        *,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retries: int | RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        verify: bool | str = True,
        pool_size: int | None = None,
    ) -> None:
        self._closed = True  # until the checks pass: nothing to warn about in __del__
        connect, read = self.timeout = _parse_timeout(timeout)
        self.retry = RetryPolicy.from_retries(retries)
        self.verify = _check_verify(verify)
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise InvalidArgumentError(
                f"session must be an aiohttp.ClientSession for an AsyncClient, not {session!r}"
            )
        self.pool_size = _check_pool_size(
            pool_size, session, "give it an aiohttp.TCPConnector(limit=...)"
        )
        self.owns_session = session is None
        self.session = session
        self.api_root_url = api_root_url
        self._origin = _origin(api_root_url)
        self._authorization: str | None = None
        self.set_token(token)
        self._client_timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=connect, sock_read=read
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._proxies: dict[tuple[Any, ...], str | None] = {}
        self._ssl: dict[str, ssl.SSLContext] = {}
        self._sleep: Callable[[float], Coroutine[Any, Any, None]] = asyncio.sleep
        self._closed = False

    def __repr__(self) -> str:
        return f"<AsyncTransport {self.api_root_url}>"

    def __del__(self) -> None:
        if not self._closed:
            warnings.warn(
                f"unclosed AsyncClient for {self.api_root_url}: use 'async with AsyncClient(...)' "
                "or 'await client.aclose()'",
                ResourceWarning,
                source=self,
                stacklevel=2,
            )

    def set_token(self, token: str | None) -> None:
        """Send *token* from now on (``None``: send no ``Authorization``, e.g. to log in)."""
        self._authorization = None if token is None else f"Token {token}"

    async def aclose(self) -> None:
        """Close the session pyargus created (a session passed in stays open)."""
        self._closed = True
        session, self.session = self.session, self.session if not self.owns_session else None
        if self.owns_session and session is not None:
            await session.close()

    @staticmethod
    def io() -> AsyncioStrategy:
        return AsyncioStrategy()

    async def apply_callback(self, callback: Callable[[Any], Any], response: Any) -> Any:
        """Run a response handler or converter inline (pyargus' are all sync)."""
        return callback(response)

    def _session(self) -> aiohttp.ClientSession:
        """The session, created in the running event loop on first use."""
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif loop is not self._loop:
            raise ArgusError(_NOT_BOUND if self._loop.is_closed() else _OTHER_LOOP)
        if self._closed:
            raise ArgusError(f"this AsyncClient for {self.api_root_url} is closed")
        if self.session is None:
            self.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.pool_size, limit_per_host=0),
                cookie_jar=aiohttp.DummyCookieJar(),
                trust_env=False,  # no ~/.netrc; proxies are chosen per request (_proxy)
            )
            _no_silent_retry(self.session)
        return self.session

    async def send(self, request: tuple[str, str, dict[str, Any]]) -> requests.Response:
        method, url, extras = request
        method = method.upper()
        session = self._session()
        # As in the sync transport, the token is set last: no header of a
        # declaration can replace it, or carry one to another origin.
        headers = dict(extras.get("headers") or {})
        headers.pop("Authorization", None)
        if _origin(url) != self._origin:
            log.warning("not sending the API token to %s (outside the API root)", url_path(url))
        elif self._authorization is not None:
            headers["Authorization"] = self._authorization
        attempts = Attempts(self.retry, method, url)
        timeout = extras.get("timeout", self.timeout)
        try:
            options = self._options(url, extras, headers, timeout)
        except (TypeError, ValueError) as exc:
            problem = f"cannot build the request: {_reason(exc)}"
            raise InvalidArgumentError(f"{method} {url_path(url)}: {problem}") from None
        body: bytes | None = options.get("data")
        while True:
            attempts.start()
            try:
                async with session.request(method, url, **options) as answer:
                    content = await answer.read()
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as exc:
                error, problem = _transport_error(exc, method, url, timeout, attempts.number)
                delay = attempts.after_error(error, problem)
                if delay is None:
                    raise error from None
                await self._sleep(delay)
                continue
            response = _response(answer, content, _SentRequest(method, url, body))
            response.pyargus_attempts = attempts.number  # type: ignore[attr-defined]
            status = response.status_code
            delay = attempts.after_answer(status, response.headers, url)
            if delay is not None:
                await self._sleep(delay)
                continue
            if not 200 <= status < 300:
                raise error_for_response(ErrorResponse.from_requests(response))
            return response

    def _options(
        self, url: str, extras: dict[str, Any], headers: dict[str, str], timeout: Any
    ) -> dict[str, Any]:
        """aiohttp's arguments for uplink's request *extras*."""
        unknown = set(extras) - {"headers", "params", "json", "data", "timeout"}
        if unknown:
            raise ValueError(f"the async client cannot send {', '.join(sorted(unknown))}")
        options: dict[str, Any] = {"headers": headers, "allow_redirects": False}
        params = extras.get("params")
        if params:
            options["params"] = [(str(k), _query_value(v)) for k, v in dict(params).items()]
        if "json" in extras:
            options["data"] = json.dumps(extras["json"], allow_nan=False).encode()
            headers.setdefault("Content-Type", "application/json")
        elif extras.get("data") is not None:
            data = extras["data"]
            options["data"] = data.encode() if isinstance(data, str) else bytes(data)
        if timeout is self.timeout:
            options["timeout"] = self._client_timeout
        else:
            connect, read = _parse_timeout(timeout)
            options["timeout"] = aiohttp.ClientTimeout(
                total=None, sock_connect=connect, sock_read=read
            )
        proxy = self._proxy(url)
        if proxy is not None:
            options["proxy"] = proxy
        if url.startswith("https:"):
            tls = self._tls()
            if tls is not None:
                options["ssl"] = tls
        return options

    def _proxy(self, url: str) -> str | None:
        """The proxy requests would use for *url* (environment, ``NO_PROXY``), cached."""
        scheme, _, rest = url.partition("://")
        key = (scheme, rest.split("/", 1)[0], _session.environment_key())
        if key not in self._proxies:
            proxies = requests.utils.get_environ_proxies(url)
            if len(self._proxies) >= 64:
                self._proxies.clear()
            self._proxies[key] = requests.utils.select_proxy(url, proxies)
        return self._proxies[key]

    def _tls(self) -> ssl.SSLContext | bool | None:
        """``ssl=`` for an https request, with requests' rules for ``verify``."""
        if self.verify is False:
            return False
        if self.verify is True:
            if not self.owns_session:
                return None  # the session's own setting, as the sync client does
            bundle = (
                os.environ.get("REQUESTS_CA_BUNDLE")
                or os.environ.get("CURL_CA_BUNDLE")
                or requests.utils.DEFAULT_CA_BUNDLE_PATH
            )
        else:
            bundle = self.verify
        context = self._ssl.get(bundle)
        if context is None:
            if os.path.isdir(bundle):
                context = ssl.create_default_context(capath=bundle)
            else:
                context = ssl.create_default_context(cafile=bundle)
            self._ssl[bundle] = context
        return context


def _no_silent_retry(session: aiohttp.ClientSession) -> None:
    """Turn off aiohttp's own retry of an idempotent request on a dropped connection.

    aiohttp sends a GET (PUT, DELETE, ...) a second time, unseen by the
    caller, when the connection closes or resets before the answer; with
    pyargus' retries on top, a server would read twice the requests the
    sync client sends (6 instead of 3) and ``retries=0`` would still retry.
    The switch is a private attribute of :class:`aiohttp.ClientSession`
    (the one aiohttp's own test client clears), checked at import; only
    sessions pyargus creates are changed.
    """
    session._retry_connection = False


def _query_value(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _response(
    answer: aiohttp.ClientResponse, content: bytes, sent: _SentRequest
) -> requests.Response:
    """The answer as a :class:`requests.Response`, for the code both clients share."""
    response = requests.Response()
    response.status_code = answer.status
    response.reason = answer.reason or ""
    response.headers = requests.structures.CaseInsensitiveDict(answer.headers)
    response.url = str(answer.url)
    response._content = content
    response.encoding = requests.utils.get_encoding_from_headers(response.headers) or "utf-8"
    response.request = sent  # type: ignore[assignment]
    return response


def _transport_error(
    exc: BaseException, method: str, url: str, timeout: Any, attempts: int
) -> tuple[ArgusError, str]:
    """The pyargus error for an aiohttp failure, as the sync transport names the same fault."""
    where = f"{method} {url_path(url)}"
    if isinstance(exc, (aiohttp.InvalidURL, ValueError)) and not isinstance(exc, OSError):
        problem = f"cannot build the request: {_reason(exc)}"
        return InvalidArgumentError(f"{where}: {problem}"), problem
    connect, read = _parse_timeout(timeout)
    server = _server(url)
    cls, sent, retryable = ClientConnectionError, True, True
    if isinstance(exc, aiohttp.ClientPayloadError) and _is_encoding_error(exc):
        problem = f"cannot decode the answer: {_reason(exc)}"
        error: ArgusError = DecodeError(f"{where}: {problem}{after_attempts(attempts)}")
        error.attempts = attempts
        return error, problem
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        cls, sent = ClientTimeoutError, False
        problem = f"no connection to {server} within {connect:g} s (connect timeout)"
    elif isinstance(exc, asyncio.TimeoutError):
        cls = ClientTimeoutError
        problem = f"no answer from {server} within {read:g} s (read timeout)"
    elif _find(exc, ssl.SSLError) is not None or isinstance(exc, aiohttp.ClientSSLError):
        problem, sent, retryable = _tls_problem(exc, url, server)
    elif isinstance(exc, aiohttp.ClientPayloadError):
        problem = f"connection to {server} broken while reading the answer: {_payload_reason(exc)}"
    elif isinstance(exc, aiohttp.ClientProxyConnectionError | aiohttp.ClientHttpProxyError):
        problem = f"proxy error on the way to {server}: {_reason(exc)}"
    elif (dns := _dns_failure(exc)) is not None:
        sent = False
        host = url.partition("://")[2].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
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
    elif isinstance(exc, aiohttp.ClientConnectorError):
        refused = _find(exc, ConnectionRefusedError) is not None
        sent = False
        problem = (
            f"connection refused by {server}"
            if refused
            else f"cannot connect to {server}: {_reason(exc.os_error)}"
        )
    elif isinstance(exc, aiohttp.ServerDisconnectedError):
        problem = f"{server} closed the connection without answering"
    elif _find(exc, ConnectionResetError) is not None:
        problem = f"connection reset by {server}"
    elif isinstance(exc, aiohttp.ClientResponseError):
        line = _status_line(exc)
        if url.startswith("http://") and line[:2] in _TLS_RECORD_STARTS:
            sent = retryable = False
            problem = (
                f"{server} answers in TLS, not plain http: use "
                f"{_with_scheme(url, 'https')} (the server cannot have read the request)"
            )
        else:
            problem = f"not an HTTP answer from {server}: {line[:60]!r}"
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


def _is_encoding_error(exc: aiohttp.ClientPayloadError) -> bool:
    text = str(exc).lower()
    return "encoding" in text or "decompress" in text or "zlib" in text


_BYTES_LITERAL = re.compile(r"""b('[^'\\]*(?:\\.[^'\\]*)*'|"[^"\\]*(?:\\.[^"\\]*)*")""")


def _status_line(exc: aiohttp.ClientResponseError) -> str:
    """The bytes aiohttp could not read as a status line, as text (as http.client shows them).

    aiohttp's pure-Python parser keeps the line; its C parser only quotes
    it, as a bytes literal, in a longer message.
    """
    bad = _find(exc, aiohttp.http_exceptions.BadStatusLine)
    line = getattr(bad, "line", "") if bad is not None else ""
    message = str(getattr(bad, "message", "") or getattr(exc, "message", "") or exc)
    if not line and (quoted := _BYTES_LITERAL.search(message)) is not None:
        line = ast.literal_eval(quoted.group(0)).decode("latin-1")
    return (line or message).strip()


_CONTENT_LENGTH = re.compile(r"received (\d+) of (\d+) bytes")


def _payload_reason(exc: aiohttp.ClientPayloadError) -> str:
    """Why the body broke off, worded as the sync client words it (http.client)."""
    reason = _reason(exc)
    counts = _CONTENT_LENGTH.search(reason)
    if counts is not None:
        read, length = int(counts.group(1)), int(counts.group(2))
        return f"IncompleteRead({read} bytes read, {length - read} more expected)"
    return reason
