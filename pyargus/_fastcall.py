"""Compiled uplink calls: the declarations stay uplink's, the per-call work is done once.

On every call, uplink binds the arguments with ``inspect.signature``, builds
a request builder, a converter registry and converter chains, hook chains,
an execution builder and a small state machine, and wraps each hook with
``functools.wraps``: about 250 µs, as much CPU as sending the request.

:func:`compiled_calls`, a class decorator for a :class:`uplink.Consumer`,
reads each declaration once per consumer instance (with uplink's own
objects: its converters, its hooks, its annotation handlers) and then, for
the declaration features pyargus uses, makes the same request in a few
microseconds:

* ``Path`` arguments (given ``int`` values), ``QueryMap`` arguments and
  ``Body`` arguments, converted by the converters uplink would choose;
* method annotations ``@uplink.json``, ``@uplink.response_handler`` (on the
  class or the method) and a return annotation (a schema);
* a consumer whose uplink session holds only the hooks uplink adds itself
  (the ``__init__`` argument handlers) and no ``auth``.

It sends the same ``(method, url, extras)`` to the same client adapter and
runs the same hooks and converters in the same order. Everything else goes
through uplink: declarations with other annotations (``Query``, ``Header``,
``@retry``, ``@timeout``, ...), calls with other argument values (and calls
whose arguments do not bind, so that uplink raises its own errors), and
consumers whose uplink session was changed after the first call
(``session.headers``, ``params`` or ``context`` used, hooks injected, auth
set).
"""

from __future__ import annotations

import collections
import inspect
import re
from typing import Any, TypeVar

import uplink
import uplink.arguments
import uplink.builder
import uplink.decorators
import uplink.helpers
import uplink.hooks
import uplink.returns
import uplink.utils
from uplink.clients import RequestsClient
from uplink.clients.io import BlockingStrategy
from uplink.converters import keys

__all__ = ["compiled_calls"]

C = TypeVar("C", bound=type)

_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Static URI template text that urljoin() appends to the base URL unchanged.
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_~-]+(/[A-Za-z0-9_~-]+)*/?")
_METHOD_ANNOTATIONS = (
    uplink.decorators.json,
    uplink.decorators.response_handler,
    uplink.returns.schema,
)


class _NotCompilable(Exception):
    """The declaration or the consumer uses something only uplink handles."""


class _Shim:
    """The part of uplink's request builder that the supported hooks use."""

    __slots__ = ("info",)

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info


class _Recorder:
    """A request builder stand-in that fails on any use (to prove a hook does nothing)."""

    def __getattr__(self, name: str) -> Any:
        raise _NotCompilable(f"the hook uses request_builder.{name}")


def compiled_calls(cls: C) -> C:
    """Make every uplink declaration of *cls* a compiled call (see the module docs).

    Apply it above uplink's own class decorators (e.g. response handlers).
    """
    for name, value in list(vars(cls).items()):
        if isinstance(value, uplink.builder.ConsumerMethod):
            setattr(cls, name, _CompiledMethod(name, value))
    return cls


class _CompiledMethod:
    """Class attribute replacing uplink's ``ConsumerMethod``."""

    def __init__(self, name: str, method: uplink.builder.ConsumerMethod) -> None:
        self.name = name
        self.uplink_method = method

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is None:  # class access, e.g. by uplink's class decorators
            return self.uplink_method.__get__(None, owner)
        call = _CompiledCall(self, instance)
        instance.__dict__[self.name] = call  # reused on every later access
        return call


class _CompiledCall:
    """One declaration bound to one consumer; compiled on first use."""

    def __init__(self, method: _CompiledMethod, consumer: Any) -> None:
        self._method = method
        self._consumer = consumer
        self._plan: _Plan | bool | None = False  # False: not compiled yet
        method.uplink_method._request_definition_builder.update_wrapper(self)

    def __repr__(self) -> str:
        return f"<compiled uplink call {self._method.name} of {self._consumer!r}>"

    def via_uplink(self, *args: Any, **kwargs: Any) -> Any:
        """Make the call through uplink's own machinery."""
        consumer = self._consumer
        return self._method.uplink_method.__get__(consumer, type(consumer))(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        plan = self._plan
        if plan is False:
            plan = self._plan = _compile(self._method.uplink_method, self._consumer)
        if plan is None or not plan.session_unchanged():
            return self.via_uplink(*args, **kwargs)
        try:
            request = plan.request(args, kwargs)
        except Exception:
            return self.via_uplink(*args, **kwargs)  # uplink's own result or error
        response = plan.client.send(request)
        consumer = self._consumer
        for handle in plan.response_handlers:
            response = handle(consumer, response)
        return response


class _Plan:
    """What one declaration does, read from uplink once."""

    def __init__(self, consumer: Any, builder: Any, definition: Any) -> None:
        self.consumer = consumer
        self.builder = builder
        self.hooks = builder._hooks  # uplink appends to this list: compare its length
        self.hook_count = len(builder._hooks)
        self.auth = builder._auth
        self.client = builder._client
        self.converters = builder._converters
        self.base_url = builder._base_url
        self.method: str = definition._method
        self.arguments: list[tuple[int, Any, Any]] = []  # (index, annotation, converter)
        self.path: list[str | int] = []  # static text, or the index of a Path argument
        self.auditors: list[Any] = []
        self.response_handlers: list[Any] = []
        self.bind: Any = None

    def session_unchanged(self) -> bool:
        builder = self.builder
        return (
            len(self.hooks) == self.hook_count
            and builder._auth is self.auth
            and builder._client is self.client
            and builder._converters is self.converters
            and builder._base_url is self.base_url
        )

    def request(self, args: tuple, kwargs: dict) -> tuple[str, str, Any]:
        """``(method, url, extras)`` as uplink would build them; raises if it cannot."""
        values = self.bind(*args, **kwargs)
        info: Any = collections.defaultdict(dict)
        expanded = {}
        for index, annotation, converter in self.arguments:
            value = values[index]
            if type(annotation) is uplink.arguments.Path:
                if type(value) is not int:
                    raise _NotCompilable("Path values other than int: uplink expands them")
                expanded[index] = converter(value)
            elif type(annotation) is uplink.arguments.QueryMap:
                uplink.arguments.Query.update_params(info, converter(value), False)
            else:  # Body
                info["data"] = converter(value) if converter else value
        shim = _Shim(info)
        consumer = self.consumer
        for hook in self.auditors:
            hook.audit_request(consumer, shim)
        url = self.base_url
        for part in self.path:
            url += part if type(part) is str else expanded[part]
        return (self.method, url, info)


def _compile(method: uplink.builder.ConsumerMethod, consumer: Any) -> _Plan | None:
    try:
        return _build_plan(method, consumer)
    except Exception:  # _NotCompilable, or uplink internals not as expected: use uplink
        return None


def _build_plan(method: uplink.builder.ConsumerMethod, consumer: Any) -> _Plan:
    builder = consumer.session._Session__builder
    definition = method._request_definition
    plan = _Plan(consumer, builder, definition)
    if plan.auth is not uplink.utils.no_op:
        raise _NotCompilable("uplink auth")
    client = plan.client
    if not isinstance(client, RequestsClient) or not isinstance(client.io(), BlockingStrategy):
        raise _NotCompilable("not a blocking requests client")
    if type(client).apply_callback is not RequestsClient.apply_callback:
        raise _NotCompilable("custom apply_callback")
    if not isinstance(plan.base_url, str) or not plan.base_url.endswith("/"):
        raise _NotCompilable("base URL without a trailing '/'")

    # Session hooks run before every request: only do-nothing ones (uplink's
    # __init__ argument handlers of a consumer without annotated arguments).
    for hook in builder._hooks:
        if hook.handle_response is not None or _handles_exceptions(hook):
            raise _NotCompilable("session response or error hooks")
        hook.audit_request(consumer, _Recorder())

    # Method annotations, applied by uplink's own handler to a probe builder.
    annotations = list(definition.method_annotations)
    if any(type(a) not in _METHOD_ANNOTATIONS for a in annotations):
        raise _NotCompilable("method annotations other than json/response_handler/returns")
    registry = definition.make_converter_registry(builder.converters)
    probe = uplink.helpers.RequestBuilder(client, registry, plan.base_url)
    probe.method = definition._method
    probe.relative_url = definition._uri
    probe.return_type = definition._return_type
    definition._method_handler.handle_builder(probe)
    if probe._request_templates:
        raise _NotCompilable("request templates (retry, rate limits, ...)")
    hooks = list(probe.transaction_hooks)
    return_type = probe.return_type
    if callable(return_type):
        hooks.append(uplink.hooks.ResponseHandler(return_type))
    for hook in hooks:
        if _handles_exceptions(hook):
            raise _NotCompilable("error handlers")
        if hook.handle_response is not None:
            plan.response_handlers.append(hook.handle_response)
        elif _is_json_auditor(hook):
            plan.auditors.append(hook)
        elif type(hook).audit_request is not uplink.hooks.TransactionHook.audit_request:
            raise _NotCompilable("request hooks other than @json")

    _compile_arguments(plan, definition, registry)
    return plan


def _compile_arguments(plan: _Plan, definition: Any, registry: Any) -> None:
    handler = definition._argument_handler
    func = handler._func
    signature = inspect.signature(func)
    params = list(signature.parameters.values())[1:]  # without self
    if any(p.kind in (p.VAR_POSITIONAL, p.POSITIONAL_ONLY) for p in params):
        raise _NotCompilable("*args or positional-only arguments")
    plan.bind = _binder(params)
    names = [p.name for p in params]
    annotations = handler._arguments
    for name, annotation in annotations.items():
        if name not in names:
            raise _NotCompilable(f"annotated argument {name!r} not in the signature")
        index = names.index(name)
        kind = type(annotation)
        if kind is uplink.arguments.Path and annotation.type is None:
            converter = registry[keys.CONVERT_TO_STRING](None)
        elif kind is uplink.arguments.QueryMap and not annotation._encoded:
            converter = registry[annotation.converter_key](annotation.type)
        elif kind is uplink.arguments.Body:
            converter = registry[keys.CONVERT_TO_REQUEST_BODY](annotation.type)
        else:
            raise _NotCompilable(f"argument annotation {kind.__name__}")
        if kind is not uplink.arguments.Body and converter is None:
            raise _NotCompilable("no converter")
        plan.arguments.append((index, annotation, converter))

    # The URI template: plain static text and Path variables, nothing for urljoin to resolve.
    template = definition._uri
    if not isinstance(template, str):
        raise _NotCompilable("URI template object")
    path_args = {
        a.name: index for index, a, _ in plan.arguments if type(a) is uplink.arguments.Path
    }
    position = 0
    for match in _VARIABLE.finditer(template):
        plan.path.append(template[position : match.start()])
        if match.group(1) not in path_args:
            raise _NotCompilable(f"URI variable {match.group(1)!r} without a Path argument")
        plan.path.append(path_args.pop(match.group(1)))
        position = match.end()
    plan.path.append(template[position:])
    if path_args:
        raise _NotCompilable("Path arguments without a URI variable")
    sample = "".join(p if isinstance(p, str) else "123" for p in plan.path)
    if not _PLAIN_PATH.fullmatch(sample) or sample.startswith("/"):
        raise _NotCompilable(f"URI template {template!r} needs uplink's expansion")
    if uplink.helpers.utils.urlparse.urljoin(plan.base_url, sample) != plan.base_url + sample:
        raise _NotCompilable("urljoin does not simply append")
    plan.path = [p for p in plan.path if p != ""]


def _binder(params: list[inspect.Parameter]) -> Any:
    """A function with the declaration's signature that returns the argument values."""
    namespace: dict[str, Any] = {}
    source = []
    for p in params:
        if p.kind is p.VAR_KEYWORD:
            source.append(f"**{p.name}")
        elif p.default is p.empty:
            source.append(p.name)
        else:
            default = f"default_{len(namespace)}"
            namespace[default] = p.default
            source.append(f"{p.name}={default}")
    keyword_only = [i for i, p in enumerate(params) if p.kind is p.KEYWORD_ONLY]
    if keyword_only:
        source.insert(keyword_only[0], "*")
    names = ", ".join(p.name for p in params)
    code = f"def bind({', '.join(source)}):\n    return ({names}{',' if params else ''})\n"
    exec(compile(code, "<compiled uplink call>", "exec"), namespace)  # noqa: S102 - our own code
    return namespace["bind"]


def _handles_exceptions(hook: Any) -> bool:
    return "handle_exception" in vars(hook) or (
        type(hook).handle_exception is not uplink.hooks.TransactionHook.handle_exception
    )


def _is_json_auditor(hook: Any) -> bool:
    audit = vars(hook).get("audit_request")
    return getattr(audit, "__wrapped__", None) == uplink.decorators.json.set_json_body
