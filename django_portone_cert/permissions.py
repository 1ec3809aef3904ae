"""``HasMinimumAge``: the age gate as a DRF permission."""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from .gates import DEFAULT, AgeGate, Outcome, gate_identity
from .messages import GATE_MESSAGES


class AgeGateDenied(exceptions.APIException):
    """403 with ``{"detail", "code"}``, whatever the project's exception handler."""

    status_code = status.HTTP_403_FORBIDDEN
    default_code = "permission_denied"

    def __init__(self, code: str) -> None:
        detail = str(GATE_MESSAGES[code])
        super().__init__(detail={"detail": detail, "code": code}, code=code)


class HasMinimumAge(BasePermission):
    """The view's ``min_age`` / ``age_rule`` / ``max_verification_age`` or the settings.

    Anonymous requests get DRF's 401/403 ``not_authenticated``; then
    ``identity_required``, ``reverification_required`` or ``age_too_low``.
    """

    def get_gate(self, view: APIView) -> AgeGate:
        min_age = getattr(view, "min_age", None)
        return AgeGate.build(
            DEFAULT if min_age is None else min_age,
            getattr(view, "age_rule", None),
            getattr(view, "max_verification_age", DEFAULT),
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
    """Verified, any age."""

    def get_gate(self, view: APIView) -> AgeGate:
        return AgeGate(
            min_age=None, max_verification_age=getattr(view, "max_verification_age", DEFAULT)
        )


__all__ = ["AgeGateDenied", "HasMinimumAge", "HasVerifiedIdentity"]
