"""A marshmallow ``Schema`` whose ``load`` is compiled into generated code.

marshmallow's generic load path costs about 8 µs per field (closures,
error stores, validator and processor lookups), over 100 µs for one
incident. Argus sends the same well-typed shapes millions of times, so
:class:`FastSchema` generates, once per schema instance, a Python function
that loads one well-formed object in a single pass with no per-field
reflection:

* fields of the plain marshmallow types take a type check (``String``
  accepts a ``str`` as is, ``Integer`` an ``int``, ``Float`` a ``float``,
  ``Boolean`` a ``bool``; ``Raw`` anything);
* fields that define ``fast_deserialize(value)`` (see :mod:`pyargus.fields`)
  call it: it returns the loaded value of a well-formed wire value and
  raises anything for the rest;
* other fields call their own ``_deserialize`` (or ``deserialize`` when
  they override it, or have validators or processors);
* the loaded object is built directly: ``model.__new__`` and one update of
  its ``__dict__``, then :meth:`FastSchema.finish_model`.

Anything unusual (a wrong type, ``null`` where it is not allowed, a missing
required field, ``partial``, ``unknown`` overrides, schema-level
validators or processors) is loaded by marshmallow's own ``load``, so
errors and edge cases behave exactly as marshmallow defines them. With
``many=True`` only the unusual items take that path.

Dumping is marshmallow's ``dump`` (with its pre- and post-dump processors);
only its per-field loop is generated the same way: for each field, the
value is read as marshmallow reads it (``obj[key]`` for objects with
``__getitem__``, else the attribute), ``dump_default`` applied, and the
field's own ``_serialize`` called. Schemas or fields that change how values
are read (``get_attribute``, ``get_value``, ``serialize`` overrides, dotted
``attribute`` paths, ``Method``/``Function`` fields) dump with marshmallow's
own loop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load
from marshmallow.utils import _get_value_for_key, missing

__all__ = ["DeferredList", "Fallback", "FastSchema", "deferred_errors", "deferred_lists"]

#: Inside deferred_lists(): list loads return a DeferredList.
_deferring: ContextVar[bool] = ContextVar("pyargus_deferring", default=False)
#: Turns the ValidationError of a deferred item into the error to raise.
_on_error: ContextVar[Callable[[int, ValidationError], Exception] | None] = ContextVar(
    "pyargus_deferred_errors", default=None
)


@contextmanager
def deferred_lists() -> Iterator[None]:
    """Inside, ``load(list, many=True)`` of a compiled schema returns a :class:`DeferredList`.

    For a consumer that streams the items once (pagination): each item is
    loaded just before it is used, while the wire data is still in cache,
    and its wire data is released right after.
    """
    token = _deferring.set(True)
    try:
        yield
    finally:
        _deferring.reset(token)


def deferring() -> bool:
    """Whether list loads are deferred here (see :func:`deferred_lists`)."""
    return _deferring.get()


@contextmanager
def deferred_errors(make_error: Callable[[int, ValidationError], Exception]) -> Iterator[None]:
    """Deferred lists created inside raise ``make_error(index, error)`` for a bad item."""
    token = _on_error.set(make_error)
    try:
        yield
    finally:
        _on_error.reset(token)


class DeferredList:
    """Loaded items of a list, loaded one at a time as they are iterated (once).

    A bad item raises marshmallow's ``ValidationError`` for that item (its
    messages under the item's index), or the error that the
    :func:`deferred_errors` in force when the list was made gives for it;
    the iteration can go on with the next item.
    """

    __slots__ = ("_data", "_make_error", "_schema")

    def __init__(self, schema: FastSchema, data: list) -> None:
        self._schema = schema
        self._data = data
        self._make_error = _on_error.get()

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[Any]:
        data, self._data = self._data, []
        return _DeferredIterator(self._schema, data, self._make_error)

    def __repr__(self) -> str:
        return f"<DeferredList of {len(self._data)} {type(self._schema).__name__} items>"


class _DeferredIterator:
    __slots__ = ("_data", "_index", "_load_one", "_make_error", "_schema")

    def __init__(self, schema: FastSchema, data: list, make_error: Any) -> None:
        self._schema = schema
        self._load_one = schema._plan
        self._data = data
        self._index = 0
        self._make_error = make_error

    def __iter__(self) -> _DeferredIterator:
        return self

    def __next__(self) -> Any:
        index = self._index
        data = self._data
        if index >= len(data):
            raise StopIteration
        item = data[index]
        data[index] = None  # the wire item is not needed any more
        self._index = index + 1
        try:
            return self._load_one(item)  # type: ignore[misc]
        except Exception:  # noqa: S110 - marshmallow's own path decides below
            pass
        try:
            return Schema.load(self._schema, item, many=False)
        except ValidationError as exc:
            error = ValidationError({index: exc.messages})
            make_error = self._make_error
            raise (make_error(index, error) if make_error else error) from None


#: Field types whose well-formed wire values are loaded as they are.
_EXACT_TYPES: dict[type, str] = {
    fields.String: "str",
    fields.Integer: "int",
    fields.Boolean: "bool",
    fields.Float: "float",
}


class Fallback(Exception):
    """Raised inside the fast path: use marshmallow's load instead."""


def _overrides_deserialize(field: fields.Field) -> bool:
    return type(field).deserialize is not fields.Field.deserialize


def _is_plain(field: fields.Field) -> bool:
    """Whether marshmallow's ``deserialize`` adds nothing to ``_deserialize``."""
    return not (field.validators or field.pre_load or field.post_load)


class _Generator:
    """Builds the source of one schema's ``load_one`` function."""

    def __init__(self, absent: str) -> None:
        #: What an absent optional field without a default loads as:
        #: ``"missing"`` (left out of a dict) or ``"None"`` (a model attribute).
        self.absent = absent
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {"missing": missing, "Fallback": Fallback}

    def constant(self, value: Any, prefix: str) -> str:
        """A name in the generated code's namespace for *value*."""
        name = f"{prefix}{len(self.namespace)}"
        self.namespace[name] = value
        return name

    def field(self, index: int, attr: str, field: fields.Field) -> str:
        """Code that loads one field into the local ``f<index>``; returns its name."""
        out = f"f{index}"
        key = field.data_key if field.data_key is not None else attr
        emit = self.lines.append
        emit(f"    v = get({key!r}, missing)")

        # The common case first: a well-formed value.
        exact = _EXACT_TYPES.get(type(field)) if _is_plain(field) else None
        fast = getattr(field, "fast_deserialize", None) if _is_plain(field) else None
        if exact is not None:
            slow = self.constant(field._deserialize, "slow")
            emit(f"    if type(v) is {exact}:")
            emit(f"        {out} = v")
            emit("    elif v is missing:")
            self._missing(out, field)
            self._none(out, field)
            emit("    else:")
            emit(f"        {out} = {slow}(v, {attr!r}, data)")
            return out

        emit("    if v is missing:")
        self._missing(out, field)
        if type(field) is fields.Raw and _is_plain(field):
            self._none(out, field)
            emit("    else:")
            emit(f"        {out} = v")
        elif fast is not None:
            loader = self.constant(fast, "fast")
            if not _overrides_deserialize(field):
                self._none(out, field)
            emit("    else:")
            emit(f"        {out} = {loader}(v)")
        elif _is_plain(field) and not _overrides_deserialize(field):
            slow = self.constant(field._deserialize, "slow")
            self._none(out, field)
            emit("    else:")
            emit(f"        {out} = {slow}(v, {attr!r}, data)")
        else:  # validators, processors or its own deserialize: all of marshmallow's field logic
            slow = self.constant(field.deserialize, "slow")
            emit("    else:")
            emit(f"        {out} = {slow}(v, {attr!r}, data)")
        return out

    def _missing(self, out: str, field: fields.Field) -> None:
        emit = self.lines.append
        default = field.load_default
        if field.required:
            emit("        raise Fallback")
        elif default is missing:
            emit(f"        {out} = {self.absent}")
        elif callable(default):
            emit(f"        {out} = {self.constant(default, 'default')}()")
        else:
            emit(f"        {out} = {self.constant(default, 'default')}")

    def _none(self, out: str, field: fields.Field) -> None:
        """``null``: ``None`` if the field allows it, else marshmallow's error."""
        emit = self.lines.append
        emit("    elif v is None:")
        if field.allow_none:
            emit(f"        {out} = None")
        else:
            emit("        raise Fallback")


class FastSchema(Schema):
    """A schema with a compiled ``load`` for well-formed input.

    Subclasses set :attr:`model` (a class built by :meth:`make_model`) and
    may override :meth:`finish_model`, or override :meth:`make_model`.
    """

    #: The class of the loaded objects (a dataclass), or ``None`` for dicts.
    model: type | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = [f.name for f in dataclasses.fields(self.model)] if self.model else []
        self._model_defaults = dict.fromkeys(names)
        self._compiled: Callable[[Any], Any] | bool | None = False  # False: not yet

    @property
    def _plan(self) -> Callable[[Any], Any] | None:
        """The generated ``load_one(data)`` function, or ``None`` if this schema
        cannot be compiled (marshmallow then loads everything). Generated on
        first use, so that importing schemas stays cheap."""
        compiled = self._compiled
        if compiled is False:
            compiled = self._compiled = self._compile() if self._can_compile() else None
        return compiled

    def _can_compile(self) -> bool:
        hooks = self._hooks
        post_loads = [name for name, *_ in hooks.get("post_load", ())]
        return not (
            hooks.get("pre_load")
            or hooks.get("validates")
            or hooks.get("validates_schema")
            or post_loads != ["_make_model"]
            or self.opts.unknown != "exclude"
            or any("." in (field.attribute or "") for field in self.load_fields.values())
        )

    def _compile(self) -> Callable[[Any], Any]:
        to_dict = self.model is None or type(self).make_model is not FastSchema.make_model
        gen = _Generator("missing" if to_dict else "None")
        gen.lines += [
            "def load_one(data):",
            "    if type(data) is not dict:",
            "        raise Fallback",
        ]
        gen.lines.append("    get = data.get")
        values = []  # (output name, local)
        for index, (attr, field) in enumerate(self.load_fields.items()):
            values.append((field.attribute or attr, gen.field(index, attr, field)))
        gen.lines.extend(self._build_source(gen, values))
        source = "\n".join(gen.lines) + "\n"
        code = compile(source, f"<FastSchema {type(self).__name__}.load_one>", "exec")
        exec(code, gen.namespace)  # noqa: S102 - our own generated code, no outside input
        load_one = gen.namespace["load_one"]
        load_one.__source__ = source  # for debugging and tests
        return load_one

    def _build_source(self, gen: _Generator, values: list[tuple[str, str]]) -> list[str]:
        """The generated code that builds the loaded object from the field locals."""
        lines = []
        optional = [
            (name, local)
            for (name, local), field in zip(values, self.load_fields.values(), strict=True)
            if not field.required and field.load_default is missing
        ]
        custom_make = type(self).make_model is not FastSchema.make_model
        if self.model is None or custom_make:
            # A dict of the values that were present, as marshmallow gives it.
            present = [(n, v) for n, v in values if (n, v) not in optional]
            items = ", ".join(f"{name!r}: {local}" for name, local in present)
            lines.append(f"    out = {{{items}}}")
            for name, local in optional:
                lines.append(f"    if {local} is not missing:")
                lines.append(f"        out[{name!r}] = {local}")
            if custom_make:
                lines.append(f"    return {gen.constant(self.make_model, 'make')}(out)")
            else:
                lines.append("    return out")
            return lines
        # A model object; absent fields are None, as make_model() sets them.
        loaded = dict(values)
        items = [f"{name!r}: {loaded.get(name, 'None')}" for name in self._model_defaults]
        items += [
            f"{name!r}: {local}" for name, local in values if name not in self._model_defaults
        ]
        lines.append(
            f"    obj = {gen.constant(object.__new__, 'new')}({gen.constant(self.model, 'model')})"
        )
        lines.append(f"    obj.__dict__.update({{{', '.join(items)}}})")
        if type(self).finish_model is not FastSchema.finish_model:
            lines.append(f"    return {gen.constant(self.finish_model, 'finish')}(obj)")
        else:
            lines.append("    return obj")
        return lines

    # Dumping: marshmallow's dump() (pre/post-dump processors and all), with
    # its per-field loop (_serialize) generated once per schema as well.

    @property
    def _dump_plan(self) -> Callable[[Any], dict] | None:
        """The generated ``dump_one(obj)`` function, or ``None`` (marshmallow dumps)."""
        compiled = self.__dict__.get("_dump_compiled", False)
        if compiled is False:
            compiled = self._compile_dump() if self._can_compile_dump() else None
            self.__dict__["_dump_compiled"] = compiled
        return compiled

    def _can_compile_dump(self) -> bool:
        if type(self).get_attribute is not Schema.get_attribute or self.dict_class is not dict:
            return False
        for attr, field in self.dump_fields.items():
            key = attr if field.attribute is None else field.attribute
            if (
                "." in key
                or not field._CHECK_ATTRIBUTE
                or type(field).serialize is not fields.Field.serialize
                or type(field).get_value is not fields.Field.get_value
            ):
                return False
        return True

    def _compile_dump(self) -> Callable[[Any], dict]:
        gen = _Generator("missing")
        gen.namespace.update(get_key=_get_value_for_key, has=hasattr)
        lines = gen.lines
        lines += ["def dump_one(obj):", "    item = has(obj, '__getitem__')", "    out = {}"]
        for attr, field in self.dump_fields.items():
            key = attr if field.attribute is None else field.attribute
            data_key = field.data_key if field.data_key is not None else attr
            lines.append(f"    v = get_key(obj, {key!r}, missing) if item else \\")
            lines.append(f"        getattr(obj, {key!r}, missing)")
            default = field.dump_default
            if default is not missing:
                name = gen.constant(default, "default")
                lines.append("    if v is missing:")
                lines.append(
                    f"        v = {name}()" if callable(default) else f"        v = {name}"
                )
            serialize = gen.constant(field._serialize, "ser")
            lines.append("    if v is not missing:")
            lines.append(f"        out[{data_key!r}] = {serialize}(v, {attr!r}, obj)")
        lines.append("    return out")
        source = "\n".join(lines) + "\n"
        code = compile(source, f"<FastSchema {type(self).__name__}.dump_one>", "exec")
        exec(code, gen.namespace)  # noqa: S102 - our own generated code, no outside input
        dump_one = gen.namespace["dump_one"]
        dump_one.__source__ = source
        return dump_one

    def _serialize(self, obj: Any, *, many: bool = False) -> Any:
        dump_one = self._dump_plan
        if dump_one is None:
            return super()._serialize(obj, many=many)
        if many and obj is not None:
            return [dump_one(item) for item in obj]
        return dump_one(obj)

    def make_model(self, data: dict[str, Any]) -> Any:
        """Build the loaded object from the field values in *data*."""
        if self.model is None:
            return data
        obj = self.model.__new__(self.model)
        values = obj.__dict__
        values.update(self._model_defaults)
        values.update(data)
        return self.finish_model(obj)

    def finish_model(self, obj: Any) -> Any:
        """Complete a freshly loaded model object (a hook for subclasses)."""
        return obj

    @post_load
    def _make_model(self, data: dict[str, Any], **kwargs: Any) -> Any:
        return self.make_model(data)

    def load(
        self,
        data: Any,
        *,
        many: bool | None = None,
        partial: Any = None,
        unknown: str | None = None,
    ) -> Any:
        many = self.many if many is None else many
        load_one = self._compiled
        if load_one is False:
            load_one = self._plan
        if load_one is not None and partial is None and unknown is None:
            if not many:
                try:
                    return load_one(data)
                except Exception:  # noqa: S110 - marshmallow reports it properly below
                    pass
            elif type(data) is list:
                if _deferring.get():
                    return DeferredList(self, data)
                try:
                    return [load_one(item) for item in data]
                except Exception:
                    return self._load_many_slowly(data, load_one)
        return super().load(data, many=many, partial=partial, unknown=unknown)

    def _load_many_slowly(self, data: list, load_one: Callable[[Any], Any]) -> list:
        """Load a list where some item is unusual: marshmallow loads only those."""
        loaded = []
        for item in data:
            try:
                loaded.append(load_one(item))
            except Exception:
                try:
                    loaded.append(super().load(item, many=False))
                except Exception:
                    # Let marshmallow report the error of the whole list (with its index).
                    return super().load(data, many=True)
        return loaded
