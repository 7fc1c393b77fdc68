"""A marshmallow ``Schema`` whose ``load`` is compiled into a tight loop.

marshmallow's generic load path costs about 8 µs per field (closures,
error stores, validator and processor lookups), over 100 µs for one
incident. Argus sends the same well-typed shapes millions of times, so
:class:`FastSchema` compiles its declared fields once into a plan and
loads well-formed input in a single pass:

* fields of the plain marshmallow types take a type check (``String``
  accepts a ``str`` as is, ``Integer`` an ``int``, ...);
* other fields call their own ``_deserialize`` (or ``deserialize`` when
  they override it, or have validators or field-level processors);
* the schema's :meth:`make_model` builds the result.

Anything unusual (a wrong type, a missing required field, ``partial``,
``unknown`` overrides, schema-level validators) falls back to marshmallow's
own ``load``, so errors and edge cases behave exactly as marshmallow
defines them. Dumping is marshmallow's, unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from marshmallow import Schema, fields, post_load
from marshmallow.utils import missing

__all__ = ["FastSchema"]

_EXACT_TYPES: dict[type, tuple[type, ...]] = {
    fields.String: (str,),
    fields.Integer: (int,),
    fields.Boolean: (bool,),
    fields.Float: (float, int),
}

_UNSET = object()


class _Fallback(Exception):
    """Raised inside the fast path: use marshmallow's load instead."""


def _field_loader(field: fields.Field) -> Callable[[Any, str, Mapping], Any]:
    """A function ``(value, attr, data) -> loaded value`` for *field*."""
    if field.validators or field.pre_load or field.post_load:
        return field.deserialize
    if type(field) is fields.Raw:
        return lambda value, attr, data: value
    exact = _EXACT_TYPES.get(type(field))
    if exact is not None:
        slow = field._deserialize

        def load_exact(value: Any, attr: str, data: Mapping) -> Any:
            if type(value) in exact:
                return value
            return slow(value, attr, data)

        return load_exact
    if type(field).deserialize is not fields.Field.deserialize:
        return field.deserialize
    return field._deserialize


class FastSchema(Schema):
    """A schema with a compiled ``load`` for well-formed input.

    Subclasses set :attr:`model` (a class built by :meth:`make_model`) or
    override :meth:`make_model`.
    """

    #: The class of the loaded objects (a dataclass), or ``None`` for dicts.
    model: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plan = self._compile() if self._can_compile() else None
        names = [f.name for f in dataclasses.fields(self.model)] if self.model else []
        self._model_defaults = dict.fromkeys(names)

    def _can_compile(self) -> bool:
        hooks = self._hooks
        return not (
            hooks.get("pre_load")
            or hooks.get("validates")
            or hooks.get("validates_schema")
            or self.opts.unknown != "exclude"
        )

    def _compile(self) -> tuple:
        plan = []
        for attr, field in self.load_fields.items():
            key = field.data_key if field.data_key is not None else attr
            default = field.load_default
            if field.required:
                default = _UNSET
            elif callable(default):
                default = _Fallback  # computed defaults: leave to marshmallow
            plan.append((attr, key, _field_loader(field), field.allow_none, default))
        return tuple(plan)

    def make_model(self, data: dict[str, Any]) -> Any:
        """Build the loaded object from the field values in *data*."""
        if self.model is None:
            return data
        obj = self.model.__new__(self.model)
        values = obj.__dict__
        values.update(self._model_defaults)
        values.update(data)
        return obj

    @post_load
    def _make_model(self, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.make_model(data)

    def _load_one(self, data: Any) -> Any:
        if type(data) is not dict:
            raise _Fallback
        out = {}
        for attr, key, load, allow_none, default in self._plan:
            value = data.get(key, missing)
            if value is missing:
                if default is _UNSET or default is _Fallback:
                    raise _Fallback
                if default is not missing:
                    out[attr] = default
            elif value is None and allow_none:
                out[attr] = None
            else:
                out[attr] = load(value, attr, data)
        return self.make_model(out)

    def load(
        self,
        data: Any,
        *,
        many: bool | None = None,
        partial: Any = None,
        unknown: str | None = None,
    ) -> Any:
        many = self.many if many is None else many
        if self._plan is not None and partial is None and unknown is None:
            try:
                if many:
                    if type(data) is not list:
                        raise _Fallback
                    load_one = self._load_one
                    return [load_one(item) for item in data]
                return self._load_one(data)
            except Exception:  # noqa: S110 - marshmallow reports it properly below
                pass
        return super().load(data, many=many, partial=partial, unknown=unknown)
