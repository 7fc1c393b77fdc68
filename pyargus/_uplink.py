"""uplink glue: the status check and the marshmallow converter of :mod:`pyargus.api`.

* :func:`check_status` runs on every response before its body is decoded:
  anything but 2xx becomes a :mod:`pyargus.exceptions` error.
* :class:`SchemaConverter` decodes bodies with the schema *instance* given
  as a declaration's return annotation (see :mod:`pyargus.schemas`) and
  dumps ``Body(type=schema)`` arguments. Undecodable bodies raise
  :class:`~pyargus.exceptions.DecodeError` (uplink's error handlers never
  see converter errors, hence this converter).
"""

from __future__ import annotations

import json
from typing import Any

import requests
import uplink
from marshmallow import Schema, ValidationError
from uplink.converters.interfaces import Converter, Factory

from .exceptions import DecodeError, ErrorResponse, error_for_response
from .fastschema import deferred_errors, deferring

__all__ = ["SchemaConverter", "check_status"]


@uplink.response_handler
def check_status(response: requests.Response) -> requests.Response:
    """Raise the matching :mod:`pyargus.exceptions` error unless *response* is 2xx."""
    if 200 <= response.status_code < 300:
        return response
    raise error_for_response(ErrorResponse.from_requests(response))


def _where(response: requests.Response) -> str:
    request = response.request
    method = getattr(request, "method", "") or ""
    url = response.url or ""
    path = url[url.find("/", url.find("://") + 3) :] if "://" in url else url
    return f"{method} {path}: {response.status_code}"


def decode_json(response: requests.Response) -> Any:
    """The JSON body of *response*, or :class:`DecodeError`."""
    content = response.content
    try:
        return json.loads(content)
    except ValueError as exc:
        content_type = response.headers.get("Content-Type", "unknown type")
        if not content:
            problem = "empty body"
        elif "html" in content_type:
            problem = "an HTML page instead of JSON"
        else:
            problem = f"invalid JSON ({exc})"
        raise DecodeError(
            f"{_where(response)}: {problem} ({content_type}, {len(content)} bytes)",
            ErrorResponse.from_requests(response),
        ) from None


class _ResponseBody(Converter):
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def convert(self, response: requests.Response) -> Any:
        data = decode_json(response)
        try:
            if deferring():  # a streamed page: its bad items are found later
                with deferred_errors(_item_error(response)):
                    return self.schema.load(data)
            return self.schema.load(data)
        except ValidationError as exc:
            raise DecodeError(
                f"{_where(response)}: unexpected JSON shape: {exc.messages}",
                ErrorResponse.from_requests(response),
            ) from None


def _item_error(response: requests.Response) -> Any:
    """Makes the DecodeError of a bad item of *response*'s list (without keeping its body)."""
    where = _where(response)
    request = response.request
    origin = ErrorResponse(
        response.status_code,
        method=getattr(request, "method", "") or "",
        url=response.url or "",
        headers=response.headers,
        reason=response.reason or "",
    )

    def make_error(index: int, error: ValidationError) -> DecodeError:
        return DecodeError(
            f"{where}: unexpected JSON shape of item {index}: {error.messages}", origin
        )

    return make_error


class _RequestBody(Converter):
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def convert(self, value: Any) -> Any:
        return self.schema.dump(value)


class SchemaConverter(Factory):
    """Converts with marshmallow schema instances (never builds a schema per call)."""

    def create_response_body_converter(self, cls: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(cls, Schema):
            return _ResponseBody(cls)
        return None

    def create_request_body_converter(self, cls: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(cls, Schema):
            return _RequestBody(cls)
        return None
