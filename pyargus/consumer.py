"""The base of every declaration class, and :func:`on_error`.

:class:`BaseAPI` is the uplink consumer every declaration class builds on:
it connects the declarations to a :class:`~pyargus.transport.Transport`
(token, timeouts, retries, typed errors) and to the schema converter. It
holds no declarations itself. :class:`pyargus.api.ArgusAPI`, which users
subclass and :class:`~pyargus.client.Client` builds, is composed of the
incident-side declarations (:mod:`pyargus.api`) and the end-user ones
(:mod:`pyargus.enduser_api`), which sit on this base so that neither
module imports the other's result.
"""

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import uplink

from . import direct
from .converters import SchemaConverter
from .exceptions import ArgusError
from .transport import Transport

if TYPE_CHECKING:
    from ._async_transport import AsyncTransport

__all__ = ["BaseAPI", "Translation", "on_error"]

#: Translates an error of one declaration: returns the error to raise instead, or ``None``.
Translation = Callable[[ArgusError], "ArgusError | None"]


def on_error(translate: Translation) -> Any:
    """Decorate a declaration with a translation of the errors its calls raise.

    *translate* gets the :class:`~pyargus.exceptions.ArgusError` a call
    raised (the transport's typed error for a non-2xx answer, a connection
    error, ...) and returns the error to raise instead, or ``None`` to keep
    it. Built on uplink's public ``@uplink.error_handler``::

        @on_error(lambda e: NotSupportedError(e.response) if e.status_code == 501 else None)
        @uplink.get("feature/")
        def get_feature(self) -> FeatureSchema(): ...
    """

    def handle(
        exc_type: type[BaseException], exc_val: BaseException, exc_tb: TracebackType | None
    ) -> None:
        if isinstance(exc_val, ArgusError):
            replacement = translate(exc_val)
            if replacement is not None and replacement is not exc_val:
                raise replacement from None

    handler = uplink.error_handler(handle)
    setattr(handler, direct.TRANSLATE, translate)  # (for direct calls: see pyargus.direct)
    return handler


class BaseAPI(uplink.Consumer):  # type: ignore[misc]  # (uplink is untyped)
    """An uplink consumer of the Argus API v2, relative to :attr:`api_root_url`.

    :param api_root_url: the normalized API root (ends in ``/``).
    :param transport: the :class:`~pyargus.transport.Transport` that sends
        every request (token, timeouts, retries, typed errors), or the async
        client's transport (then every declaration is a coroutine function).
    """

    def __init__(self, api_root_url: str, transport: "Transport | AsyncTransport") -> None:
        super().__init__(base_url=api_root_url, client=transport, converters=(SchemaConverter(),))
        self.api_root_url = api_root_url
        #: The :class:`~pyargus.transport.Transport` (or the async one).
        self.transport: Any = transport

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        direct.install(cls)  # every subclass's declarations get direct calls, a user's too

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.api_root_url}>"
