"""``AgeRequiredMixin`` / ``IdentityRequiredMixin``: the gates for class-based views.

Attributes and their meanings are :class:`~django_portone_cert.gates.AgeGate`'s, the
same as the decorators' options and the DRF permissions' view attributes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.http import HttpRequest, HttpResponseBase

from .ages import AgeRule, AgeThreshold
from .gates import (
    FROM_SETTINGS,
    AgeGate,
    FromSettings,
    Outcome,
    agate_identity,
    gate_identity,
    response_for,
)


class AgeRequiredMixin(AccessMixin):
    """Put it first among the bases: ``class Page(AgeRequiredMixin, TemplateView)``.

    ``login_url`` and ``raise_exception`` are AccessMixin's.
    """

    min_age: int | AgeThreshold | FromSettings | None = FROM_SETTINGS
    age_rule: AgeRule | None = None
    max_verification_age: timedelta | FromSettings | None = FROM_SETTINGS
    verify_url: str | None = None
    view_is_async: bool

    def get_age_gate(self) -> AgeGate:
        return AgeGate(self.min_age, self.age_rule, self.max_verification_age)

    def _deny(self, request: HttpRequest, user: Any, identity: Any) -> HttpResponseBase | None:
        gate = self.get_age_gate()
        outcome = gate.evaluate(user, identity)
        if outcome is Outcome.LOGIN_REQUIRED:
            return self.handle_no_permission()
        return response_for(
            request,
            outcome,
            gate,
            identity,
            verify_url=self.verify_url,
            raise_exception=self.raise_exception,
        )

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "view_is_async", False):
            return self._adispatch(request, *args, **kwargs)
        denial = self._deny(request, request.user, gate_identity(request.user))
        if denial is not None:
            return denial
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    async def _adispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        user = await request.auser()
        denial = self._deny(request, user, await agate_identity(user))
        if denial is not None:
            return denial
        return await super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class IdentityRequiredMixin(AgeRequiredMixin):
    """Verified, any age."""

    min_age = None
