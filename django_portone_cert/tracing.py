"""OpenTelemetry spans around a verification's steps and PortOne's calls.

When ``opentelemetry-api`` is importable, spans go to whatever tracer provider the project
set up (none set up: OpenTelemetry's own no-op); otherwise every function here does nothing.
Attributes come only from :mod:`.labels`' fixed sets. A span never carries a person, an id,
a URL or an exception's text: exceptions are not recorded (a database error's text can hold
the values it failed to write), only the app's error code or the exception's class.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from . import __version__
from .exceptions import PortOneCertError
from .labels import code as code_label

TRACER_NAME = "django_portone_cert"

#: The attributes a span of this app may carry: keyword name → OpenTelemetry's name.
ATTRIBUTES = {
    "purpose": "portone_cert.purpose",
    "api_version": "portone_cert.api_version",
    "endpoint": "portone_cert.endpoint",
    "code": "portone_cert.code",
    "method": "http.request.method",
    "status_code": "http.response.status_code",
    "error_type": "error.type",
}

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _load_api() -> Any:
    """``opentelemetry.trace``, or None without ``opentelemetry-api``."""
    try:
        return importlib.import_module("opentelemetry.trace")
    except ImportError:
        return None


_trace: Any = _load_api()


def enabled() -> bool:
    return _trace is not None


class Span:
    """What a ``with span(...)`` block may add to its span (nothing when tracing is off)."""

    def __init__(self, otel_span: Any = None) -> None:
        self._span = otel_span
        self._named: set[str] = set()

    def set(self, name: str, value: str | int) -> None:
        """Set an attribute named in :data:`ATTRIBUTES` (any other name is ignored)."""
        key = ATTRIBUTES.get(name)
        if self._span is not None and key is not None:
            self._span.set_attribute(key, value)
            self._named.add(name)

    def failed(self, error: BaseException) -> None:
        """Mark the span failed: the app's error code, or the exception's class (unless the
        block named the error already, e.g. "timeout"); never the exception's text."""
        if self._span is None:
            return
        if isinstance(error, PortOneCertError):
            self.set("code", code_label(error.code))
            self.set("error_type", code_label(error.code))
        elif "error_type" not in self._named:
            self.set("error_type", type(error).__qualname__)
        self._span.set_status(_trace.Status(_trace.StatusCode.ERROR))


@contextmanager
def span(name: str, *, client: bool = False, **attributes: str | int) -> Iterator[Span]:
    """A span named ``name`` around the block (``client``: a call to PortOne)."""
    if _trace is None:
        yield Span()
        return
    tracer = _trace.get_tracer(TRACER_NAME, __version__)
    kind = _trace.SpanKind.CLIENT if client else _trace.SpanKind.INTERNAL
    with tracer.start_as_current_span(
        name, kind=kind, record_exception=False, set_status_on_exception=False
    ) as otel_span:
        handle = Span(otel_span)
        for key, value in attributes.items():
            handle.set(key, value)
        try:
            yield handle
        except Exception as error:
            handle.failed(error)
            raise


def traced(name: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Run the decorated function inside ``span(name)``.

    Put it under ``@sensitive_variables()``: Django's error reports then hide this
    wrapper's frame (it holds the function's arguments) as they hide the function's own.
    """

    def decorate(func: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(func)
        def traced_call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with span(name):
                return func(*args, **kwargs)

        return traced_call

    return decorate


def annotate(**attributes: str | int) -> None:
    """Add attributes (names from :data:`ATTRIBUTES`) to the current span, if one is recording."""
    if _trace is None:
        return
    handle = Span(_trace.get_current_span())
    for key, value in attributes.items():
        handle.set(key, value)
