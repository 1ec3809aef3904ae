"""``AgeRequiredMixin``: the age gate for class-based views (sync or async handlers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.http import HttpRequest, HttpResponseBase

from .ages import AgeRule, AgeThreshold
from .gates import DEFAULT, AgeGate, Outcome, _Default, agate_identity, gate_identity, response_for


class AgeRequiredMixin(AccessMixin):
    """Put it first among the bases: ``class Page(AgeRequiredMixin, TemplateView)``.

    ``min_age`` and ``age_rule`` default to ``MIN_AGE`` / ``AGE_RULE``;
    ``max_verification_age`` to ``REVERIFY_AFTER`` (``None``: any age of
    verification). ``login_url`` and ``raise_exception`` are AccessMixin's.
    """

    min_age: int | AgeThreshold | None = None
    age_rule: AgeRule | None = None
    max_verification_age: timedelta | _Default | None = DEFAULT
    verify_url: str | None = None
    view_is_async: bool

    def get_age_gate(self) -> AgeGate:
        return AgeGate.build(
            DEFAULT if self.min_age is None else self.min_age,
            self.age_rule,
            self.max_verification_age,
        )

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

    def get_age_gate(self) -> AgeGate:
        return AgeGate(min_age=None, max_verification_age=self.max_verification_age)
