"""What every answer of the app carries, whatever the project's middleware: never stored by a
cache (answers hold live reset links, guardian tokens and who a person is) and never framed
(the app's pages ask a person to verify, so another site must not dress them up)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.utils.cache import add_never_cache_headers


def guarded(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """``view`` with ``Cache-Control: no-store`` (and its kin) and ``X-Frame-Options: DENY``.

    ``wraps`` keeps what the view's own decorators and DRF set on it (``csrf_exempt``,
    ``cls``), so the CSRF rules and the OpenAPI schema see the same view.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        add_never_cache_headers(response)
        # Ours, not the project's: Django's clickjacking middleware keeps a header already set.
        response["X-Frame-Options"] = "DENY"
        return response

    return wrapper


def guard_all(patterns: Iterable[object]) -> None:
    """Wrap every view of ``patterns`` (includes too) with :func:`guarded`, in place."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            guard_all(pattern.url_patterns)
        elif isinstance(pattern, URLPattern) and not hasattr(pattern.callback, "guarded_view"):
            wrapper = guarded(pattern.callback)
            wrapper.guarded_view = pattern.callback  # type: ignore[attr-defined]
            pattern.callback = wrapper
