"""Direct calls: uplink declarations sent without uplink's per-call request building.

uplink builds every request from scratch: a converter registry, a request
builder, a hook chain and an execution object per call, and
``inspect.signature`` of the method, about 0.1 ms of CPU per call, as much as
the HTTP exchange with requests itself. For a declaration whose annotations
are all of the kinds below, :class:`ArgusAPI <pyargus.api.ArgusAPI>` plans the
request once, from what uplink's own builder records, and a call only binds
its arguments, converts them with the consumer's converter factories (the
same factories, in the same order, as uplink's registry asks), and hands
``(method, url, info)`` to the same :class:`~pyargus.transport.Transport`
(the async client's calls go through uplink: its transport is async):

* arguments annotated ``Path`` (in a URI template of plain ``{name}``
  expressions), ``QueryMap`` (not ``encoded``) and ``Body``;
* method annotations ``@uplink.json``, the return annotation (uplink's
  ``returns.schema``) and :func:`pyargus.api.on_error`.

Anything else (``Query``, headers, fields, ``@uplink.timeout``, ``@returns.json``,
uplink's own ``error_handler``/``response_handler``, retry or rate-limit
decorators, class decorators, annotated ``__init__`` arguments, a session
with headers, params, auth or hooks) makes the declaration, or the
consumer, take uplink's own path: same results, uplink's speed. Both paths
send byte-identical requests and raise identical errors:
``tests/test_direct.py`` checks it for every declaration.

This reads three non-public details of uplink (the consumer's builder
behind its session, the builder's hook list, and the attributes of the
init auditors that uplink injects). :func:`_check_uplink` checks them when
this module is imported and fails loudly if a release changes them.
``PYARGUS_FAST=0`` turns direct calls off (see :data:`pyargus.fastschema.ENABLED`).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urljoin

import uplink
from uplink import arguments as uplink_arguments
from uplink import decorators as uplink_decorators
from uplink import hooks as uplink_hooks
from uplink import returns as uplink_returns
from uplink import utils as uplink_utils
from uplink.builder import ConsumerMethod

from .exceptions import ArgusError
from .fastschema import ENABLED
from .transport import Transport

__all__ = ["DirectMethod", "Plan", "install", "plan"]

#: The attribute :func:`pyargus.api.on_error` sets on its uplink ``error_handler``.
TRANSLATE = "pyargus_translate"

_TEMPLATE_VAR = re.compile(r"\{(\w+)\}")


def _session_builder(consumer: Any) -> Any:
    return consumer.session._Session__builder


def _check_uplink() -> None:
    """Fail loudly if the uplink internals this module reads are not as expected."""

    class _Probe(uplink.Consumer):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(base_url="http://127.0.0.1/")

    probe = _Probe()
    builder = getattr(probe.session, "_Session__builder", None)
    hooks = getattr(builder, "_hooks", None)
    if not (isinstance(hooks, list) and hooks and all(_is_inert(h) for h in hooks)):
        raise ImportError(
            "pyargus.direct: this uplink release no longer keeps a consumer's hooks as "
            "uplink 0.10 does; pyargus needs an update (or run with PYARGUS_FAST=0)"
        )


def _is_inert(hook: Any) -> bool:
    """Whether *hook* is the auditor uplink injects for an ``__init__`` without annotations."""
    if not isinstance(hook, uplink_hooks.RequestAuditor):
        return False
    audit = getattr(hook.audit_request, "__wrapped__", None)
    if not isinstance(audit, functools.partial):
        return False
    handler = getattr(audit.func, "__self__", None)
    return isinstance(handler, uplink_arguments.ArgumentAnnotationHandler) and not any(
        True for _ in handler.annotations
    )


if ENABLED:
    _check_uplink()


def consumer_is_plain(consumer: Any) -> bool:
    """Whether nothing was added to *consumer*'s uplink session (hooks, headers, auth)."""
    builder = _session_builder(consumer)
    return builder.auth is uplink_utils.no_op and all(_is_inert(h) for h in builder._hooks)


class _Unsupported(Exception):
    """A declaration the direct path does not handle (uplink's own path sends it)."""


class _Request:
    """What ``uplink.json.set_json_body`` reads and writes: the request's ``info``."""

    __slots__ = ("info",)

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info


class Plan:
    """How to send one declaration: what uplink's builder recorded, checked once."""

    def __init__(self, func: Callable[..., Any], definition: Any, builder: Any) -> None:
        self.func = func
        self.definition = definition
        self.method: str = builder.method
        self.template: str = builder.uri.template
        parameters = list(inspect.signature(func).parameters.values())[1:]
        annotations = definition.argument_annotations
        if len(parameters) != len(annotations):
            raise _Unsupported("arguments without annotations")
        self.names = [p.name for p in parameters if p.kind in _POSITIONAL]
        self.defaults = {p.name: p.default for p in parameters if p.default is not p.empty}
        self.keyword_only = {p.name for p in parameters if p.kind is p.KEYWORD_ONLY}
        self.var_keyword: str | None = None
        self.arguments: list[tuple[str, Any]] = []
        for parameter, annotation in zip(parameters, annotations, strict=True):
            if parameter.kind is parameter.VAR_POSITIONAL:
                raise _Unsupported("*args")
            if parameter.kind is parameter.VAR_KEYWORD:
                self.var_keyword = parameter.name
            if type(annotation) not in _ARGUMENT_KINDS:
                raise _Unsupported(f"argument annotation {type(annotation).__name__}")
            if getattr(annotation, "_encoded", False):
                raise _Unsupported("encoded query")
            self.arguments.append((parameter.name, annotation))
        path_names = {a.name for _, a in self.arguments if type(a) is uplink.Path}
        self.uses_template = bool(path_names)
        if set(_TEMPLATE_VAR.findall(self.template)) != path_names or (
            _TEMPLATE_VAR.sub("", self.template).count("{")
        ):
            raise _Unsupported("URI template")
        self.json = False
        self.translations: list[Callable[[ArgusError], ArgusError | None]] = []
        self.return_type: Any = None
        return_type = builder.return_type
        for annotation in definition.method_annotations:
            if type(annotation) is uplink_decorators.json:
                self.json = True
            elif type(annotation) is uplink_decorators.error_handler and hasattr(
                annotation, TRANSLATE
            ):
                self.translations.append(getattr(annotation, TRANSLATE))
            elif type(annotation) is uplink_returns.schema and (
                return_type is not None and return_type.is_applicable(annotation)
            ):
                self.return_type = return_type.type
            else:
                raise _Unsupported(f"method annotation {type(annotation).__name__}")


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
_ARGUMENT_KINDS = (uplink.Path, uplink.QueryMap, uplink.Body)


def plan(attribute: Any, owner: type) -> Plan | None:
    """The plan of the declaration behind uplink's *attribute* of *owner*, or ``None``."""
    builder = attribute.__get__(None, owner)  # uplink's public copy of the definition builder
    holder = _holder()
    builder.update_wrapper(holder)
    func = getattr(holder, "__wrapped__", None)
    if func is None:
        return None
    try:
        return Plan(func, builder.build(), builder)
    except _Unsupported:
        return None


def _holder() -> Callable[[], None]:
    def holder() -> None:
        """(receives the declaration's name, docstring and ``__wrapped__``)"""

    return holder


class BoundCall:
    """One declaration of one consumer, sent directly (or by uplink when it must)."""

    def __init__(self, consumer: Any, plan: Plan, uplink_call: Callable[[], Any]) -> None:
        self._consumer = consumer
        self._plan = plan
        self._uplink_call = uplink_call
        self._hooks_seen = -1
        self._plain = False
        builder = _session_builder(consumer)
        factories = tuple(builder.converters)
        self._converters = [
            (name, annotation, _converter_for(factories, annotation, plan))
            for name, annotation in plan.arguments
        ]
        self._convert_response = None
        if plan.return_type is not None:
            self._convert_response = _first(
                factories, "create_response_body_converter", plan.return_type, plan
            )
        self._transport = builder.client
        if not isinstance(self._transport, Transport):  # the async client's: uplink's path
            raise _Unsupported("not the blocking transport")
        self._base = builder.base_url
        functools.update_wrapper(self, plan.func)

    def _is_plain(self) -> bool:
        hooks = _session_builder(self._consumer)._hooks
        if len(hooks) != self._hooks_seen:
            self._hooks_seen = len(hooks)
            self._plain = consumer_is_plain(self._consumer)
        return self._plain

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._is_plain():
            return self._uplink_call()(*args, **kwargs)
        response = self._send(args, kwargs)
        if self._convert_response is None:
            return response
        return self._convert_response(response)

    def streamed(self, *args: Any, **kwargs: Any) -> Any:
        """This call, but a page comes as a :class:`~pyargus.pagination.StreamedPage`.

        Its items are loaded as they are taken (what
        :func:`pyargus.pagination.streamed` asks for). Any other result is
        that of a plain call.
        """
        convert = getattr(self._convert_response, "convert_streamed", None)
        if convert is None or not self._is_plain():
            return self(*args, **kwargs)
        return convert(self._send(args, kwargs))

    def _send(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        plan = self._plan
        values = self._bind(args, kwargs)
        info: dict[str, Any] = {}
        variables: dict[str, str] = {}
        for name, annotation, convert in self._converters:
            if name not in values:
                continue
            value = values[name]
            kind = type(annotation)
            if kind is uplink.Path:
                variables[annotation.name] = quote(convert(value), safe="")
            elif kind is uplink.QueryMap:
                params = info.setdefault("params", {})
                for key in value:
                    item = value[key]
                    params[key] = (
                        list(map(convert, item))
                        if isinstance(item, list | tuple)
                        else convert(item)
                    )
            else:  # Body
                info["data"] = convert(value) if convert is not None else value
        if plan.json:
            uplink.json.set_json_body(_Request(info))
        path = plan.template
        if plan.uses_template:
            path = _TEMPLATE_VAR.sub(lambda m: variables[m.group(1)], path)
        try:
            response = self._transport.send((plan.method, urljoin(self._base, path), info))
        except ArgusError as error:  # (as uplink: errors of the exchange, not of decoding)
            for translate in plan.translations:
                replacement = translate(error)
                if replacement is not None and replacement is not error:
                    raise replacement from None
            raise
        return response

    def _bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        plan = self._plan
        names = plan.names
        if len(args) > len(names):
            raise TypeError(f"{plan.func.__name__}() takes {len(names)} positional arguments")
        values = dict(zip(names, args, strict=False))
        if kwargs:
            extra: dict[str, Any] = {}
            for key, value in kwargs.items():
                if key in values:
                    raise TypeError(f"{plan.func.__name__}() got multiple values for {key!r}")
                if key in plan.defaults or key in names or key in plan.keyword_only:
                    values[key] = value
                elif plan.var_keyword is not None:
                    extra[key] = value
                else:
                    raise TypeError(f"{plan.func.__name__}() got an unexpected argument {key!r}")
            if plan.var_keyword is not None:
                values[plan.var_keyword] = extra
        for name in (*names, *plan.keyword_only):
            if name not in values:
                if name not in plan.defaults:
                    raise TypeError(f"{plan.func.__name__}() missing argument {name!r}")
                values[name] = plan.defaults[name]
        return values


def _first(factories: tuple[Any, ...], method: str, cls: Any, plan: Plan) -> Any:
    """The converter uplink's registry picks: that of the first factory that gives one."""
    for factory in factories:
        converter = getattr(factory, method)(cls, plan.definition)
        if callable(converter):
            return converter
    return None


def _converter_for(factories: tuple[Any, ...], annotation: Any, plan: Plan) -> Any:
    """The converter of one argument (``None`` for a body that no factory converts)."""
    if type(annotation) is uplink.Body:
        return _first(factories, "create_request_body_converter", annotation.type, plan)
    converter = _first(factories, "create_string_converter", annotation.type, plan)
    if converter is None:  # (uplink's StandardConverter always gives one)
        raise _Unsupported("no string converter")
    return converter


class DirectMethod:
    """Replaces uplink's descriptor of one declaration on an ``ArgusAPI`` class."""

    def __init__(self, name: str, attribute: Any) -> None:
        self.name = name
        self.attribute = attribute  # uplink's descriptor
        self._plans: dict[type, Plan | None] = {}
        functools.update_wrapper(self, attribute)  # type: ignore[arg-type]

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self.attribute.__get__(None, owner)
        cls = type(instance)
        try:
            found = self._plans[cls]
        except KeyError:
            found = self._plans[cls] = plan(self.attribute, cls) if _direct_class(cls) else None
        if found is not None:
            try:
                call = BoundCall(instance, found, lambda: self.attribute.__get__(instance, cls))
            except _Unsupported:  # (this consumer's transport or converters: not the class's)
                pass
            else:
                instance.__dict__[self.name] = call
                return call
        # uplink's own call, made afresh each time: it copies the session's hooks.
        return self.attribute.__get__(instance, cls)


def _direct_class(cls: type) -> bool:
    """Whether no ``__init__`` of *cls* takes uplink-annotated arguments."""
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is uplink.Consumer:
            continue
        func = inspect.unwrap(init)
        for annotation in getattr(func, "__annotations__", {}).values():
            if isinstance(annotation, uplink_arguments.ArgumentAnnotation) or (
                isinstance(annotation, type)
                and issubclass(annotation, uplink_arguments.ArgumentAnnotation)
            ):
                return False
    return True


def install(cls: type) -> None:
    """Give the declarations defined in *cls*'s own namespace direct calls."""
    if not ENABLED:
        return
    for name, attribute in list(vars(cls).items()):
        if isinstance(attribute, ConsumerMethod):
            type.__setattr__(cls, name, DirectMethod(name, attribute))
