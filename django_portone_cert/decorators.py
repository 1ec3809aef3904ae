"""``@age_required`` and ``@identity_required`` for function views, sync or async."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, overload

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from .ages import AgeRule, AgeThreshold
from .gates import DEFAULT, AgeGate, _Default, agate_identity, gate_identity, response_for

View = TypeVar("View", bound=Callable[..., Any])


def _gate_view(
    view: View,
    gate: AgeGate,
    *,
    login_url: str | None,
    verify_url: str | None,
    raise_exception: bool,
) -> View:
    deny = functools.partial(
        response_for, login_url=login_url, verify_url=verify_url, raise_exception=raise_exception
    )

    if iscoroutinefunction(view):

        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            user = await request.auser()
            identity = await agate_identity(user)
            outcome = gate.evaluate(user, identity)
            denial = deny(request, outcome, gate, identity)
            if denial is not None:
                return denial
            return await view(request, *args, **kwargs)

        wrapper: Callable[..., Any] = functools.wraps(view)(async_wrapper)
        markcoroutinefunction(wrapper)
    else:

        def sync_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            identity = gate_identity(request.user)
            outcome = gate.evaluate(request.user, identity)
            denial = deny(request, outcome, gate, identity)
            if denial is not None:
                return denial
            response: HttpResponseBase = view(request, *args, **kwargs)
            return response

        wrapper = functools.wraps(view)(sync_wrapper)
    return wrapper  # type: ignore[return-value]


@overload
def age_required(min_age: View) -> View: ...
@overload
def age_required(
    min_age: int | AgeThreshold | None = None,
    *,
    rule: AgeRule | None = None,
    max_verification_age: timedelta | _Default | None = DEFAULT,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> Callable[[View], View]: ...
def age_required(
    min_age: Any = None,
    *,
    rule: AgeRule | None = None,
    max_verification_age: timedelta | _Default | None = DEFAULT,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> Any:
    """Let the view run only for a verified user old enough by Korean rules.

    ``@age_required`` uses ``MIN_AGE`` and ``AGE_RULE``; ``@age_required(19,
    rule="year")`` or ``@age_required(ages.ADULT_CONTENT)`` say it per view.
    ``max_verification_age`` defaults to ``REVERIFY_AFTER``; pass ``None`` to
    accept a verification of any age.
    """
    if callable(min_age) and not isinstance(min_age, AgeThreshold):
        return age_required()(min_age)
    gate = AgeGate.build(DEFAULT if min_age is None else min_age, rule, max_verification_age)
    return functools.partial(
        _gate_view,
        gate=gate,
        login_url=login_url,
        verify_url=verify_url,
        raise_exception=raise_exception,
    )


@overload
def identity_required(view: View, /) -> View: ...
@overload
def identity_required(
    view: None = None,
    /,
    *,
    max_verification_age: timedelta | _Default | None = DEFAULT,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> Callable[[View], View]: ...
def identity_required(
    view: Any = None,
    /,
    *,
    max_verification_age: timedelta | _Default | None = DEFAULT,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> Any:
    """Let the view run only for a verified user, whatever their age."""
    decorator = functools.partial(
        _gate_view,
        gate=AgeGate(min_age=None, max_verification_age=max_verification_age),
        login_url=login_url,
        verify_url=verify_url,
        raise_exception=raise_exception,
    )
    return decorator(view) if view is not None else decorator
