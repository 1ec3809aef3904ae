"""``@age_required`` and ``@identity_required`` for function views, sync or async.

Options and their meanings are :class:`~django_portone_cert.gates.AgeGate`'s, the same
as the mixins' attributes and the DRF permissions' view attributes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar, overload

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from .ages import AgeRule, AgeThreshold
from .gates import FROM_SETTINGS, AgeGate, FromSettings, agate_identity, gate_identity, response_for

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

        @functools.wraps(view)
        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            user = await request.auser()
            identity = await agate_identity(user)
            denial = deny(request, gate.evaluate(user, identity), gate, identity)
            if denial is not None:
                return denial
            return await view(request, *args, **kwargs)

        async_wrapper.portone_cert_gate = gate  # type: ignore[attr-defined]
        return async_wrapper  # type: ignore[return-value]

    @functools.wraps(view)
    def sync_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        identity = gate_identity(request.user)
        denial = deny(request, gate.evaluate(request.user, identity), gate, identity)
        if denial is not None:
            return denial
        response: HttpResponseBase = view(request, *args, **kwargs)
        return response

    # What check W016 reads to find the gated pages and their rules.
    sync_wrapper.portone_cert_gate = gate  # type: ignore[attr-defined]
    return sync_wrapper  # type: ignore[return-value]


@overload
def age_required(min_age: View) -> View: ...
@overload
def age_required(
    min_age: int | AgeThreshold | FromSettings | None = FROM_SETTINGS,
    *,
    age_rule: AgeRule | None = None,
    max_verification_age: timedelta | FromSettings | None = FROM_SETTINGS,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> Callable[[View], View]: ...
def age_required(
    min_age: Any = FROM_SETTINGS,
    *,
    age_rule: AgeRule | None = None,
    max_verification_age: timedelta | FromSettings | None = FROM_SETTINGS,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> Any:
    """Let the view run only for a verified user old enough by Korean rules.

    ``@age_required`` uses ``MIN_AGE`` and ``AGE_RULE``; ``@age_required(19,
    age_rule="year")`` or ``@age_required(ages.ADULT_CONTENT)`` say it per view.
    ``max_verification_age`` defaults to ``REVERIFY_AFTER``; ``None`` accepts a
    verification of any age, ``timedelta(minutes=5)`` asks for a fresh one (step-up).
    """
    if callable(min_age) and not isinstance(min_age, AgeThreshold):
        return age_required()(min_age)
    return functools.partial(
        _gate_view,
        gate=AgeGate(min_age, age_rule, max_verification_age),
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
    max_verification_age: timedelta | FromSettings | None = FROM_SETTINGS,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> Callable[[View], View]: ...
def identity_required(
    view: Any = None,
    /,
    *,
    max_verification_age: timedelta | FromSettings | None = FROM_SETTINGS,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> Any:
    """Let the view run only for a verified user, whatever their age (``min_age=None``)."""
    decorator = functools.partial(
        _gate_view,
        gate=AgeGate(min_age=None, max_verification_age=max_verification_age),
        login_url=login_url,
        verify_url=verify_url,
        raise_exception=raise_exception,
    )
    return decorator(view) if view is not None else decorator
