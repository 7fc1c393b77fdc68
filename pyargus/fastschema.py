"""A marshmallow ``Schema`` whose ``load`` of well-formed input runs generated code.

marshmallow's generic load path costs about 8 µs per field (closures,
error stores, validator and processor lookups), over 100 µs for one
incident. Argus sends the same well-typed shapes millions of times, so
:class:`FastSchema` generates, once per schema instance and on first use,
a Python function that loads one well-formed object in a single pass:

* fields of the plain marshmallow types take a type check (``String``
  accepts a ``str`` as is, ``Integer`` an ``int``, ``Float`` a ``float``,
  ``Boolean`` a ``bool``; ``Raw`` anything);
* fields that define ``fast_deserialize(value)`` (see :mod:`pyargus.fields`)
  call it: it returns the loaded value of a well-formed wire value and
  raises :class:`Fallback` for anything else;
* other fields call their own ``_deserialize`` (or ``deserialize`` when
  they override it, or have validators or processors);
* the loaded object is built as :meth:`FastSchema.make_model` builds it:
  the model's dataclass defaults for absent fields, then its
  ``__post_init__`` (if any), then :meth:`FastSchema.finish_model`.

The generated code gives up on anything unusual (a wrong type, ``null``
where it is not allowed, a missing required field) by raising
:class:`Fallback` or marshmallow's ``ValidationError``, and only those:
marshmallow's own ``load`` then loads the object, so errors and edge cases
behave exactly as marshmallow defines them. Any other exception is a bug
and propagates. Schemas with ``pre_load``/``validates`` processors, other
``post_load`` processors, ``unknown`` other than ``EXCLUDE`` or dotted
attributes are loaded by marshmallow alone, and so are calls with
``partial`` or ``unknown``. Dumping is marshmallow's own.

**Off switch** (for both fast paths, this one and :mod:`pyargus.direct`):
set the environment variable ``PYARGUS_FAST=0`` before importing pyargus to
load everything with marshmallow alone (same results, about 3x the CPU per
listed incident) and send every call through uplink's own request building.

The one private marshmallow attribute read, ``Schema._hooks`` (the
registered processors), is checked when this module is imported: if a
marshmallow release changes it, the import fails with a clear message
instead of loading wrongly.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from typing import Any, Literal

from marshmallow import Schema, ValidationError, fields, missing, post_load
from marshmallow.types import UnknownOption

__all__ = ["ENABLED", "Fallback", "FastSchema"]

#: Whether the fast paths are on: generated loads here, direct calls in
#: :mod:`pyargus.direct` (``PYARGUS_FAST=0`` turns both off).
ENABLED: bool = os.environ.get("PYARGUS_FAST", "1").strip().lower() not in (
    "0",
    "false",
    "no",
    "off",
)


def _check_marshmallow() -> None:
    """Fail loudly if the marshmallow internals this module reads are not as expected."""

    class _Probe(Schema):
        @post_load
        def _probe(self, data: Any, **kwargs: Any) -> Any:
            return data

    hooks = getattr(_Probe, "_hooks", None)
    names = [entry[0] for entry in hooks.get("post_load", ())] if isinstance(hooks, Mapping) else []
    if names != ["_probe"]:
        raise ImportError(
            "pyargus.fastschema: this marshmallow release no longer keeps its processors in "
            "Schema._hooks as marshmallow 4.x does; pyargus needs an update "
            "(or run with PYARGUS_FAST=0)"
        )


if ENABLED:
    _check_marshmallow()

#: What the generated code may raise to hand an object to marshmallow's load.
_GIVE_UP = (ValidationError,)


class Fallback(Exception):
    """Raised by generated code and ``fast_deserialize``: load with marshmallow instead."""


#: Field types whose well-formed wire values are loaded as they are.
_EXACT_TYPES: dict[type, str] = {
    fields.String: "str",
    fields.Integer: "int",
    fields.Boolean: "bool",
    fields.Float: "float",
}


def _overrides_deserialize(field: fields.Field[Any]) -> bool:
    return type(field).deserialize is not fields.Field.deserialize


def _is_plain(field: fields.Field[Any]) -> bool:
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

    def field(self, index: int, attr: str, field: fields.Field[Any]) -> str:
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

    def _missing(self, out: str, field: fields.Field[Any]) -> None:
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

    def _none(self, out: str, field: fields.Field[Any]) -> None:
        """``null``: ``None`` if the field allows it, else marshmallow's error."""
        emit = self.lines.append
        emit("    elif v is None:")
        if field.allow_none:
            emit(f"        {out} = None")
        else:
            emit("        raise Fallback")


class FastSchema(Schema):
    """A schema with a generated ``load`` for well-formed input (see the module docs).

    Subclasses set :attr:`model` (a dataclass, built by :meth:`make_model`)
    and may override :meth:`finish_model`, or override :meth:`make_model`
    to build something else from the loaded field values.
    """

    #: The class of the loaded objects (a dataclass), or ``None`` for dicts.
    model: type[Any] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Per model field: its default value, or a zero-argument factory.
        self._model_defaults: dict[str, tuple[Any, Callable[[], Any] | None]] = {}
        if self.model is not None:
            for f in dataclasses.fields(self.model):
                factory = f.default_factory
                if factory is not dataclasses.MISSING:
                    self._model_defaults[f.name] = (None, factory)
                else:
                    default = None if f.default is dataclasses.MISSING else f.default
                    self._model_defaults[f.name] = (default, None)
        self._post_init = getattr(self.model, "__post_init__", None)
        self._compiled: Callable[[Any], Any] | Literal[False] | None = False  # False: not yet

    @property
    def _plan(self) -> Callable[[Any], Any] | None:
        """The generated ``load_one(data)`` function, or ``None`` if this schema
        is not compiled (marshmallow then loads everything). Generated on
        first use, so that importing schemas stays cheap."""
        compiled = self._compiled
        if compiled is False:
            compiled = self._compiled = self._compile() if ENABLED and self._can_compile() else None
        return compiled

    def _can_compile(self) -> bool:
        hooks = self._hooks
        post_loads = [name for name, *_ in hooks.get("post_load", ())]
        return not (
            hooks.get("pre_load")
            or hooks.get("validates")
            or hooks.get("validates_schema")
            or post_loads != ["_make_model"]
            or self.unknown != "exclude"
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
        load_one: Callable[[Any], Any] = gen.namespace["load_one"]
        load_one.__source__ = source  # type: ignore[attr-defined]  # for debugging and tests
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
        # A model object built as make_model() builds it.
        loaded = dict(values)
        optional_names = {name for name, _ in optional}
        entries: list[str] = []
        for name, (default, factory) in self._model_defaults.items():
            if factory is not None:
                absent = f"{gen.constant(factory, 'factory')}()"
            elif default is None:
                absent = "None"
            else:
                absent = gen.constant(default, "default")
            found = loaded.get(name)
            if found is None:
                entries.append(f"{name!r}: {absent}")
            elif name in optional_names and absent != "None":
                entries.append(f"{name!r}: {absent} if {found} is None else {found}")
            else:
                entries.append(f"{name!r}: {found}")
        entries += [
            f"{name!r}: {local}" for name, local in values if name not in self._model_defaults
        ]
        lines.append(
            f"    obj = {gen.constant(object.__new__, 'new')}({gen.constant(self.model, 'model')})"
        )
        lines.append(f"    obj.__dict__.update({{{', '.join(entries)}}})")
        if self._post_init is not None:
            # _run_post_init, inlined (one call less per loaded object).
            error = gen.constant(ValidationError, "ValidationError")
            lines += [
                "    try:",
                f"        {gen.constant(self._post_init, 'post_init')}(obj)",
                "    except ValueError as exc:",
                f"        raise {error}(str(exc)) from None",
            ]
        if type(self).finish_model is not FastSchema.finish_model:
            lines.append(f"    return {gen.constant(self.finish_model, 'finish')}(obj)")
        else:
            lines.append("    return obj")
        return lines

    def _run_post_init(self, obj: Any) -> None:
        """The model's ``__post_init__``; its complaint about a loaded value is a load error."""
        try:
            self._post_init(obj)  # type: ignore[misc]
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def make_model(self, data: dict[str, Any]) -> Any:
        """Build the loaded object from the field values in *data*.

        Fields that are absent get the dataclass' default (or default
        factory); then the model's ``__post_init__`` runs, then
        :meth:`finish_model`.
        """
        if self.model is None:
            return data
        obj = object.__new__(self.model)  # as the generated code builds it
        values = obj.__dict__
        for name, (default, factory) in self._model_defaults.items():
            value = data.get(name)
            if value is None:
                value = factory() if factory is not None else default
            values[name] = value
        for name, value in data.items():
            if name not in self._model_defaults:
                values[name] = value
        if self._post_init is not None:
            self._run_post_init(obj)
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
        unknown: UnknownOption | None = None,
    ) -> Any:
        many = self.many if many is None else many
        load_one = self._compiled
        if load_one is False:
            load_one = self._plan
        if load_one is not None and partial is None and unknown is None:
            assert callable(load_one)
            if not many:
                try:
                    return load_one(data)
                except (Fallback, *_GIVE_UP):
                    pass  # marshmallow loads it (and reports what is wrong) below
            elif type(data) is list:
                try:
                    return [load_one(item) for item in data]
                except (Fallback, *_GIVE_UP):
                    return self._load_many_slowly(data, load_one)
        return super().load(data, many=many, partial=partial, unknown=unknown)

    def _load_many_slowly(self, data: list[Any], load_one: Callable[[Any], Any]) -> list[Any]:
        """Load a list where some item is unusual: marshmallow loads only those."""
        loaded = []
        for item in data:
            try:
                loaded.append(load_one(item))
            except (Fallback, *_GIVE_UP):
                try:
                    loaded.append(super().load(item, many=False))
                except ValidationError:
                    # Let marshmallow report the error of the whole list (with its index).
                    result: list[Any] = super().load(data, many=True)
                    return result
        return loaded
