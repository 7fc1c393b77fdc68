"""The marshmallow converter of :mod:`pyargus.api`'s declarations (an uplink converter factory).

:class:`SchemaConverter` decodes the body of a 2xx answer with the schema
given as a declaration's return annotation, and dumps ``Body(type=schema)``
arguments with theirs. A schema may be given as an instance or as a class
(a class is instantiated once per converter, never per call). A body that
is not JSON, or JSON of the wrong shape (a required field missing, a wrong
type), raises :class:`~pyargus.exceptions.DecodeError` naming the method,
the path and the problem: no marshmallow error reaches the caller.

Error answers never get here: the transport raises them first (see
:mod:`pyargus.transport`).
"""

from __future__ import annotations

import json
from typing import Any

import requests
from marshmallow import Schema, ValidationError
from uplink.converters.interfaces import Converter, Factory

from .exceptions import DecodeError, ErrorResponse, url_path
from .pagination import StreamedPage
from .schemas import PageSchema

__all__ = ["SchemaConverter", "decode_json", "describe_load_error"]


def _where(response: requests.Response) -> str:
    method = getattr(response.request, "method", "") or ""
    return f"{method} {url_path(response.url or '')}: {response.status_code}"


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


_MISSING = "Missing data for required field."


def describe_load_error(error: ValidationError) -> str:
    """What is wrong with a loaded body, in one line: missing fields named first."""
    messages = error.messages
    missing: list[str] = []

    def collect(where: str, value: Any) -> Any:
        if isinstance(value, dict):
            rest = {}
            for key, inner in value.items():
                if inner == [_MISSING]:
                    missing.append(f"{where}{key}")
                else:
                    kept = collect(f"{where}{key}.", inner)
                    if kept:
                        rest[key] = kept
            return rest
        return value

    rest = collect("", messages)
    parts = []
    if missing:
        plural = "s" if len(missing) > 1 else ""
        parts.append(f"missing required field{plural} {', '.join(missing)}")
    if rest:
        parts.append(f"unexpected JSON shape: {rest}")
    return "; ".join(parts)


class _ResponseBody(Converter):  # type: ignore[misc]  # (uplink is untyped)
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def convert(self, response: requests.Response) -> Any:
        data = decode_json(response)
        try:
            return self.schema.load(data)
        except ValidationError as exc:
            raise _load_error(response, exc) from None

    def convert_streamed(self, response: requests.Response) -> Any:
        """A :class:`~pyargus.pagination.StreamedPage` for a page schema, else :meth:`convert`.

        The page itself is checked now; each item is loaded (and a bad one
        is a :class:`DecodeError` naming ``results.<index>``) when it is taken.
        """
        schema = self.schema
        if not isinstance(schema, PageSchema):
            return self.convert(response)
        data = decode_json(response)
        try:
            page = schema.envelope.load(data)
        except ValidationError as exc:
            raise _load_error(response, exc) from None
        load = schema.item.load

        def load_item(raw: Any, index: int) -> Any:
            try:
                return load(raw)
            except ValidationError as exc:
                nested = ValidationError({"results": {index: exc.messages}})
                raise _load_error(response, nested) from None

        return StreamedPage(page.next, page.previous, page.results, load_item)


def _load_error(response: requests.Response, error: ValidationError) -> DecodeError:
    return DecodeError(
        f"{_where(response)}: {describe_load_error(error)}", ErrorResponse.from_requests(response)
    )


class _RequestBody(Converter):  # type: ignore[misc]  # (uplink is untyped)
    def __init__(self, schema: Schema) -> None:
        self.schema = schema

    def convert(self, value: Any) -> Any:
        return self.schema.dump(value)


class SchemaConverter(Factory):  # type: ignore[misc]  # (uplink is untyped)
    """Converts with marshmallow schemas: instances as given, classes instantiated once."""

    def __init__(self) -> None:
        self._instances: dict[type[Schema], Schema] = {}

    def _schema(self, cls: Any) -> Schema | None:
        if isinstance(cls, Schema):
            return cls
        if isinstance(cls, type) and issubclass(cls, Schema):
            schema = self._instances.get(cls)
            if schema is None:
                schema = self._instances[cls] = cls()
            return schema
        return None

    def create_response_body_converter(self, cls: Any, *args: Any, **kwargs: Any) -> Any:
        """A converter of 2xx bodies for the return annotation *cls*, if it is a schema."""
        schema = self._schema(cls)
        return None if schema is None else _ResponseBody(schema)

    def create_request_body_converter(self, cls: Any, *args: Any, **kwargs: Any) -> Any:
        """A converter of ``Body(type=cls)`` arguments, if *cls* is a schema."""
        schema = self._schema(cls)
        return None if schema is None else _RequestBody(schema)
