"""Exceptions raised by pyargus.

Every error pyargus raises is an :class:`ArgusError`. No exception from
``requests``, ``uplink`` or ``marshmallow`` reaches the caller unwrapped::

    ArgusError
    ├── InvalidArgumentError (also a ValueError)  bad input, raised before any request
    │   ├── InvalidTagError
    │   └── InUseError                            deleting it would break what uses it
    ├── ErrorWithResponse                         the server answered with an error
    │   ├── ClientError                           4xx
    │   │   ├── BadRequestError                   400 (field_errors)
    │   │   │   └── DuplicateIncidentError        400, source_incident_id already used
    │   │   ├── AuthError                         401 and 403
    │   │   │   └── NotSourceSystemError          the token's user is not a source system
    │   │   ├── NotFoundError                     404
    │   │   ├── MethodNotAllowedError             405
    │   │   ├── RateLimitError                    429
    │   │   └── NotSupportedError                 the server lacks or turned off a feature
    │   ├── ServerError                           5xx
    │   ├── TicketPluginError                     the server's ticket plugin failed
    │   └── UnexpectedRedirectError               3xx (never followed)
    ├── ClientConnectionError                     no usable answer from the network
    │   └── ClientTimeoutError                    connect or read timeout
    ├── DecodeError                               an answer pyargus cannot understand
    └── BulkError                                 a bulk operation failed for some incidents

The class names of the old client (``ClientError``, ``AuthError``,
``NotFoundError``, ``ServerError``, ``ClientConnectionError``,
``ErrorWithResponse``) are kept, so that migrating is a change of import.
Each error has ``retryable``: whether the same request may succeed later,
and ``attempts``: how many times pyargus sent it (see :doc:`/errors`).
No error's message, ``str`` or ``repr`` ever contains the API token.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Mapping
from datetime import timezone
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import BulkResult

__all__ = [
    "RETRYABLE_STATUSES",
    "ArgusError",
    "AuthError",
    "BadRequestError",
    "BulkError",
    "ClientConnectionError",
    "ClientError",
    "ClientTimeoutError",
    "DecodeError",
    "DuplicateIncidentError",
    "ErrorResponse",
    "ErrorWithResponse",
    "InUseError",
    "InsecureTokenWarning",
    "InvalidArgumentError",
    "InvalidTagError",
    "MethodNotAllowedError",
    "NotFoundError",
    "NotSourceSystemError",
    "NotSupportedError",
    "RateLimitError",
    "ServerError",
    "TicketPluginError",
    "UnexpectedRedirectError",
    "error_for_response",
    "parse_retry_after",
    "url_path",
]

#: HTTP statuses after which the same request may succeed (retried when safe).
RETRYABLE_STATUSES: frozenset[int] = frozenset({429, 502, 503, 504})
_DUPLICATE_CONSTRAINT = "incident_unique_source_incident_id_per_source"
_MAX_TEXT = 300
#: Django's default ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (Argus does not change it).
DJANGO_BODY_LIMIT = 2_621_440


class ArgusError(Exception):
    """Base class of every error raised by pyargus."""

    #: Whether repeating the same call later may succeed.
    retryable: bool = False
    #: How many times the request was sent (1 = not retried; 0 = never sent).
    attempts: int = 1


class InvalidArgumentError(ArgusError, ValueError):
    """Input that Argus would reject, found before any request was sent."""

    attempts = 0


class InvalidTagError(InvalidArgumentError):
    """A tag key or value that Argus cannot store or address."""


class InUseError(InvalidArgumentError):
    """Deleting this object would silently break what uses it; nothing was sent.

    For example a timeslot that notification profiles use (Argus would delete
    those profiles with it) or a filter that planned maintenance tasks use
    (they would then silence more, or everything). The methods that raise it
    take ``force=True`` to delete anyway.

    :ivar users: what uses the object (profiles or maintenance tasks).
    """

    def __init__(self, message: str, users: list[Any]) -> None:
        super().__init__(message)
        self.users = users


class ErrorResponse:
    """What pyargus keeps of an HTTP response that was an error.

    :ivar status_code: HTTP status code.
    :ivar method: HTTP method of the request.
    :ivar url: URL of the request (never holds credentials).
    :ivar headers: response headers.
    :ivar body: the parsed JSON body, or the text when it is not JSON.
    :ivar reason: the HTTP reason phrase.
    :ivar attempts: how many times the request was sent before this answer.
    :ivar request_size: the size in bytes of the request's body (``None``
        if there was none or it is unknown).
    """

    __slots__ = (
        "attempts",
        "body",
        "headers",
        "method",
        "reason",
        "request_size",
        "status_code",
        "url",
    )

    def __init__(
        self,
        status_code: int,
        *,
        method: str = "",
        url: str = "",
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        reason: str = "",
        attempts: int = 1,
        request_size: int | None = None,
    ) -> None:
        self.status_code = status_code
        self.method = method
        self.url = url
        self.headers = dict(headers or {})
        self.body = body
        self.reason = reason
        self.attempts = attempts
        self.request_size = request_size

    @classmethod
    def from_requests(cls, response: Any) -> ErrorResponse:
        """Build from a :class:`requests.Response` (its request headers are not kept)."""
        content_type = response.headers.get("Content-Type", "")
        text = response.text
        body: Any = text
        if "json" in content_type or text[:1] in ("{", "[", '"'):
            try:
                body = json.loads(text)
            except ValueError:
                body = text
        request = response.request
        sent_body = getattr(request, "body", None)
        if isinstance(sent_body, str):
            sent_body = sent_body.encode()
        return cls(
            response.status_code,
            method=getattr(request, "method", "") or "",
            url=response.url or getattr(request, "url", "") or "",
            headers=response.headers,
            body=body,
            reason=response.reason or "",
            attempts=getattr(response, "pyargus_attempts", 1),
            request_size=len(sent_body) if isinstance(sent_body, bytes) and sent_body else None,
        )

    # Names used by code written for the old client (simple_rest_client/httpx).
    @property
    def reason_phrase(self) -> str:
        return self.reason

    @property
    def client_response(self) -> ErrorResponse:
        return self

    def __repr__(self) -> str:
        return f"<ErrorResponse {self.status_code} {self.method} {self.url}>"


def describe_body(body: Any) -> str:
    """Turn any of Argus' error body shapes into one readable line."""
    if body is None or body == "":
        return ""
    if isinstance(body, str):
        return _describe_text(body)
    if isinstance(body, list):
        return "; ".join(describe_body(item) for item in body)
    if isinstance(body, Mapping):
        if set(body) == {"detail"}:
            return describe_body(body["detail"])
        parts = []
        for key, value in body.items():
            text = describe_body(value)
            parts.append(text if key in ("non_field_errors", "__all__") else f"{key}: {text}")
        return "; ".join(parts)
    return str(body)


def _describe_text(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith("<"):
        # An HTML page (404 by URL, 500, a proxy): its title says enough.
        lower = stripped.lower()
        for tag in ("title", "h1"):
            start = lower.find(f"<{tag}")
            if start != -1:
                start = lower.find(">", start) + 1
                end = lower.find(f"</{tag}>", start)
                if 0 < start < end:
                    return " ".join(stripped[start:end].split())
        return "HTML page"
    text = " ".join(stripped.split())
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT] + "…"


class ErrorWithResponse(ArgusError):
    """The server answered, with an error status.

    :ivar response: an :class:`ErrorResponse`.
    :ivar status_code: the HTTP status.
    :ivar body: the parsed error body (dict, list, str).
    :ivar detail: the readable message built from the body.
    """

    def __init__(
        self, response: ErrorResponse, message: str | None = None, *, hint: str = ""
    ) -> None:
        self.response = response
        self.status_code = response.status_code
        self.body = response.body
        self.detail = describe_body(response.body)
        self.attempts = response.attempts
        if message is None:
            reason = f" {response.reason}" if response.reason else ""
            where = f"{response.method} {url_path(response.url)}".strip()
            message = f"{where}: {response.status_code}{reason}"
            if self.detail:
                message += f": {self.detail}"
        if hint:
            message += f" ({hint})"
        super().__init__(message + after_attempts(self.attempts))

    @property
    def retryable(self) -> bool:  # type: ignore[override]
        return self.status_code in RETRYABLE_STATUSES


class ClientError(ErrorWithResponse):
    """4xx: the request was wrong (not worth retrying unchanged)."""


class BadRequestError(ClientError):
    """400: Argus rejected the data.

    :ivar field_errors: ``{field: [messages]}`` when Argus named fields,
        ``{"non_field_errors": [...]}`` for the rest.
    """

    @property
    def field_errors(self) -> dict[str, list[str]]:
        body = self.body
        if isinstance(body, Mapping):
            result = {}
            for key, value in body.items():
                key = "non_field_errors" if key == "__all__" else str(key)
                if isinstance(value, list):
                    result[key] = [describe_body(v) for v in value]
                else:
                    result[key] = [describe_body(value)]
            return result
        if isinstance(body, list):
            return {"non_field_errors": [describe_body(v) for v in body]}
        return {"non_field_errors": [describe_body(body)]} if body else {}


class DuplicateIncidentError(BadRequestError):
    """400: this source system already has an incident with that ``source_incident_id``.

    Argus keeps ``source_incident_id`` unique per source, for open *and*
    closed incidents. Look the existing one up with
    ``client.get_my_incidents(source_incident_id=...)``.

    :ivar source_incident_id: the id that was posted, when known.
    """

    source_incident_id: str | None = None


class AuthError(ClientError):
    """401 or 403: the token is missing, invalid, expired or lacks permission.

    Retrying will not help; fix the credentials or the role. (Also the
    400s of :class:`NotSourceSystemError`.)
    """


class NotSourceSystemError(AuthError):
    """Only a source system may do this, and the token's user is not one.

    Argus lets only source systems post incidents, send heartbeats and post
    ``STA``, ``END``, ``RES``, ``CHI`` and ``LES`` events. With any other
    user's token it answers 400 ("The requesting user must have a connected
    source system.", "An end user cannot post events of type 'END'.") or,
    for heartbeats, an empty 403; pyargus recognizes those answers (no
    extra request). ``status_code`` is what Argus answered. For a glue
    service this is fatal: it has been given an end user's token. Ask
    beforehand with :meth:`pyargus.client.Client.get_my_source_system`.
    """


class NotFoundError(ClientError):
    """404: no such object (or no such endpoint on this server)."""


class MethodNotAllowedError(ClientError):
    """405: the server does not allow this operation (e.g. deleting incidents)."""


class RateLimitError(ClientError):
    """429: too many requests; retry after ``retry_after`` seconds."""

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait, from the ``Retry-After`` header (seconds or date)."""
        return parse_retry_after(self.response.headers.get("Retry-After"))


class NotSupportedError(ClientError):
    """The server lacks this feature or has turned it off.

    For example: no heartbeat endpoint (argus-server before 2.10), no ticket
    plugin configured, deletion of incidents turned off
    (``INDELIBLE_INCIDENTS``). ``status_code`` is what Argus answered.
    """


class TicketPluginError(ErrorWithResponse):
    """The server's ticket plugin could not create a ticket.

    ``status_code`` tells why: 403 the ticket system refused, 503 it could
    not be reached (``retryable``), 400 no URL came back, 500 the plugin
    failed.
    """


class ServerError(ErrorWithResponse):
    """5xx: the server (or a proxy in front of it) failed.

    ``retryable`` is true for 502, 503 and 504.
    """


class UnexpectedRedirectError(ErrorWithResponse):
    """3xx: Argus redirected; pyargus never follows redirects with credentials."""

    def __init__(self, response: ErrorResponse) -> None:
        location = response.headers.get("Location", "?")
        where = f"{response.method} {url_path(response.url)}".strip()
        super().__init__(
            response,
            f"{where}: unexpected redirect {response.status_code} to {location} "
            "(not followed; check the API root URL)",
        )


class ClientConnectionError(ArgusError):
    """No (complete) answer from the server.

    The connection was refused, reset or closed, timed out (see
    :class:`ClientTimeoutError`), DNS or TLS failed, or the body was cut short.

    :ivar method: the HTTP method.
    :ivar url: the URL (without credentials).
    :ivar sent: whether the request may have reached the server. When it
        is true for a POST, the server may have acted on it (look before
        posting again).
    :ivar retryable: false for configuration errors, which trying again
        cannot fix: an unknown host name, an untrusted TLS certificate, a
        TLS handshake the server cannot do, ``https://`` to a plain-http
        server; true otherwise.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        sent: bool = True,
        retryable: bool = True,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.method = method
        self.url = url
        self.sent = sent
        self.retryable = retryable
        self.attempts = attempts

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r}, retryable={self.retryable}, sent={self.sent})"


class ClientTimeoutError(ClientConnectionError):
    """The server did not connect or answer within the timeout."""


class DecodeError(ArgusError):
    """The server answered 2xx, but with a body pyargus cannot understand.

    (Invalid or truncated JSON, an HTML page, JSON of the wrong shape.)

    :ivar response: an :class:`ErrorResponse` with what was received.
    """

    def __init__(self, message: str, response: ErrorResponse | None = None) -> None:
        if response is not None:
            self.attempts = response.attempts
            message += after_attempts(response.attempts)
        super().__init__(message)
        self.response = response


class BulkError(ArgusError):
    """A bulk operation failed for some (or all) of its incidents.

    Raised by :meth:`pyargus.models.BulkResult.raise_for_failures`.

    :ivar result: the :class:`~pyargus.models.BulkResult`, with what
        succeeded and what failed.
    """

    def __init__(self, result: BulkResult[Any]) -> None:
        failed = result.failed
        super().__init__(
            f"{result.operation}: {len(failed)} of {len(result)} incidents failed: "
            f"{result.describe_failures()}"
        )
        self.result = result


_STATUS_CLASSES: dict[int, type[ErrorWithResponse]] = {
    400: BadRequestError,
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    429: RateLimitError,
}


def error_for_response(response: ErrorResponse) -> ErrorWithResponse:
    """Return the exception matching *response*'s status and body.

    A pure function of *response*: besides the status, it reads Argus'
    answers that mean something more specific (a duplicate
    ``source_incident_id``, a token whose user is not a source system) and
    adds a hint to answers that are not Argus' own (an HTML 404 for a wrong
    URL, Django's bare 400 for a body over its size limit or a host name it
    does not serve, a proxy's complaint about plain http to an https port).
    """
    status = response.status_code
    if 300 <= status < 400:
        return UnexpectedRedirectError(response)
    text = describe_body(response.body)
    if status == 400 and _DUPLICATE_CONSTRAINT in text:
        return DuplicateIncidentError(response)
    if status in (400, 403):
        operation = _source_system_operation(response, text)
        if operation is not None:
            return NotSourceSystemError(response, _not_source_system_message(response, operation))
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else ClientError
    return cls(response, hint=_hint(response))


_END_USER_EVENT = re.compile(r"An end user cannot post events of type '(\w+)'")
#: Event types only source systems may post (argus ``Event.ALLOWED_TYPES_FOR_SOURCE_SYSTEMS``
#: less those end users may post too).
SOURCE_SYSTEM_EVENT_TYPES = frozenset({"STA", "END", "RES", "CHI", "LES"})


def _source_system_operation(response: ErrorResponse, text: str) -> str | None:
    """What only a source system may do, if *response* is Argus refusing it to another user."""
    if response.status_code == 400:
        if "must have a connected source system" in text:
            return "post incidents"
        match = _END_USER_EVENT.search(text)
        if match and match.group(1) in SOURCE_SYSTEM_EVENT_TYPES:
            return f"post {match.group(1)} events"
        return None
    if (
        response.body in (None, "")
        and response.method == "POST"
        and url_path(response.url).endswith("/incidents/sources/heartbeat/")
    ):
        return "send heartbeats"  # argus-server 2.10 answers a non-source user with an empty 403
    return None


def _not_source_system_message(response: ErrorResponse, operation: str) -> str:
    reason = f" {response.reason}" if response.reason else ""
    where = f"{response.method} {url_path(response.url)}".strip()
    advice = "use a source system's token"
    if operation in ("post END events", "post RES events"):
        advice += " (end users close and reopen incidents with CLO and REO events)"
    text = describe_body(response.body)
    said = f" (Argus: {text})" if text else ""
    return (
        f"{where}: {response.status_code}{reason}: the token's user is not a source system, "
        f"and only source systems may {operation}: {advice}{said}"
    )


_PLAIN_HTTP_TO_HTTPS = (
    "plain HTTP request was sent to HTTPS port",  # nginx
    "speaking plain HTTP to an SSL-enabled server port",  # Apache
    "Client sent an HTTP request to an HTTPS server",  # Go
)


def _hint(response: ErrorResponse) -> str:
    """What an answer that does not come from Argus' API code probably means."""
    body, status = response.body, response.status_code
    if not isinstance(body, str) or _is_json(response):
        return ""  # JSON: Argus' own message says it
    if any(text in body for text in _PLAIN_HTTP_TO_HTTPS):
        return "the server speaks https: use https:// in the API root URL"
    size = response.request_size
    if status == 413:
        shown = f" ({_megabytes(size)})" if size else ""
        return f"the request body{shown} is more than the server or a proxy in front of it accepts"
    if status == 400 and size is not None and size > DJANGO_BODY_LIMIT:
        return (
            f"the request body is {_megabytes(size)}: Django, under Argus, refuses bodies over "
            f"{_megabytes(DJANGO_BODY_LIMIT)} (DATA_UPLOAD_MAX_MEMORY_SIZE) with this bare 400; "
            "send a shorter description or less metadata"
        )
    if status == 400:
        return (
            "not an answer of Argus' API: Django refused the request before Argus saw it, "
            "e.g. for a host name missing from the server's ALLOWED_HOSTS or a body over its "
            "size limit"
        )
    if status == 404:
        return (
            "the server has no such URL: is the API root URL right? It ends in /api/v2/; "
            "older Argus versions lack newer endpoints"
        )
    return ""


def _is_json(response: ErrorResponse) -> bool:
    return any(
        key.lower() == "content-type" and "json" in value.lower()
        for key, value in response.headers.items()
    )


def _megabytes(size: int) -> str:
    return f"{size / 1_048_576:.1f} MB"


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP-date.

    ``None`` if *value* is missing or unreadable; never negative.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000": UTC, as HTTP-dates always are
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def after_attempts(attempts: int) -> str:
    """`` (after N attempts)`` for messages, when the request was retried."""
    return f" (after {attempts} attempts)" if attempts > 1 else ""


def url_path(url: str) -> str:
    """The path and query of *url* (for messages and logs: never the host or credentials)."""
    scheme_end = url.find("://")
    if scheme_end == -1:
        return url
    slash = url.find("/", scheme_end + 3)
    return url[slash:] if slash != -1 else "/"


class InsecureTokenWarning(UserWarning):
    """The API token is about to be sent over plain http to a non-loopback host."""
