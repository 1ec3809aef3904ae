"""``HasMinimumAge``: the age gate as a DRF permission."""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from .gates import FROM_SETTINGS, AgeGate, Outcome, gate_identity
from .messages import GATE_MESSAGES


class AgeGateDenied(exceptions.APIException):
    """403 with ``{"detail", "code"}``, whatever the project's exception handler."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"

    def __init__(self, code: str) -> None:
        detail = str(GATE_MESSAGES[code])
        super().__init__(detail={"detail": detail, "code": code}, code=code)


class HasMinimumAge(BasePermission):
    """The view's ``min_age`` / ``age_rule`` / ``max_verification_age``, as the mixins read them.

    Anonymous requests get DRF's 401/403 ``not_authenticated``; then
    ``identity_required``, ``reverification_required`` or ``age_too_low``.
    """

    def get_gate(self, view: APIView) -> AgeGate:
        return AgeGate(
            getattr(view, "min_age", FROM_SETTINGS),
            getattr(view, "age_rule", None),
            getattr(view, "max_verification_age", FROM_SETTINGS),
        )

    def has_permission(self, request: Request, view: APIView) -> bool:
        identity = gate_identity(request.user)
        outcome = self.get_gate(view).evaluate(request.user, identity)
        if outcome is Outcome.ALLOWED:
            return True
        if outcome is Outcome.LOGIN_REQUIRED:
            return False
        raise AgeGateDenied(outcome.value)


class HasVerifiedIdentity(HasMinimumAge):
    """Verified, any age (``min_age`` is ignored)."""

    def get_gate(self, view: APIView) -> AgeGate:
        return AgeGate(
            min_age=None,
            max_verification_age=getattr(view, "max_verification_age", FROM_SETTINGS),
        )


__all__ = ["AgeGateDenied", "HasMinimumAge", "HasVerifiedIdentity"]
