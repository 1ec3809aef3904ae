"""In-app verification's HTTP layer (``OTP_ENABLED``; 404 ``not_found`` while off): a code is
sent, resent and confirmed for each purpose an attempt serves.

- verification (users; visitors with ``ANONYMOUS_VERIFICATION``, for the sign-up):
  ``otp/``, then ``otp/<attempt_id>/confirm/``;
- account recovery (``ACCOUNT_RECOVERY``): ``recovery/otp/``, then
  ``recovery/otp/<attempt_id>/confirm/``;
- a guardian's consent: ``guardian/<token>/otp/``, then
  ``guardian/<token>/otp/<attempt_id>/confirm/`` (with ``"attest": true``), or, to withdraw
  the consent it gave, ``guardian/<token>/otp/<attempt_id>/withdrawal/``.

``otp/<attempt_id>/resend/`` serves every purpose. Each confirm answers what the purpose's
``certifications/`` answers. The person's data and the code are hidden from error reports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.db import transaction
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from .. import guardians, openapi, otp
from ..core.attempts import start_attempt
from ..models import CertificationAttempt
from ..openapi import describe
from ..recovery import recover
from ..serializers import (
    GuardianConsentResultSerializer,
    GuardianOtpConfirmRequestSerializer,
    GuardianWithdrawalSerializer,
    OtpConfirmRequestSerializer,
    OtpPersonSerializer,
    OtpResendRequestSerializer,
    OtpResentSerializer,
    OtpSentSerializer,
    RecoverySerializer,
    VerificationSerializer,
)
from ..verification import verify_certification
from .base import (
    PortOneCertAPIView,
    RecoveryOn,
    SwitchedOn,
    VisitorsMayVerify,
    VisitorsSendCSRF,
)

ERRORS = {**openapi.ERRORS, 404: openapi.ErrorSerializer}
SECRETS = ("name", "phone", "birth_date", "gender_digit", "otp")


class OtpOn(SwitchedOn):
    setting = "OTP_ENABLED"


@method_decorator(sensitive_post_parameters(*SECRETS), name="dispatch")
@method_decorator(transaction.non_atomic_requests, name="dispatch")
class OtpAPIView(PortOneCertAPIView):
    """Not wrapped in ``ATOMIC_REQUESTS``: a refusal is recorded on the attempt, a send
    counted even when the answer is an error."""

    permission_classes = [OtpOn, VisitorsMayVerify, VisitorsSendCSRF]


@sensitive_variables()
def person(request: Request, serializer: type[OtpPersonSerializer] = OtpPersonSerializer) -> Any:
    """The body as an ``OtpRequest`` (its ``repr`` hides it), or ``invalid``."""
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    return otp.otp_request(data.validated_data, request._request)


@sensitive_variables()
def code(request: Request, serializer: type[OtpConfirmRequestSerializer]) -> Any:
    """``(the code as a CodeConfirmation, the rest of the body)``, or ``invalid``."""
    data = serializer(data=request.data)
    data.is_valid(raise_exception=True)
    return otp.CodeConfirmation(data.validated_data.pop("otp", "")), dict(data.validated_data)


@sensitive_variables()
def sent(request: Request, start: Callable[[], CertificationAttempt]) -> Response:
    """Text the body's person a code on the attempt ``start()`` mints: 201 ``OtpSent``."""
    code_sent = otp.send_code(
        person(request), user=request.user, request=request._request, start=start
    )
    return Response(OtpSentSerializer(code_sent).data, status=status.HTTP_201_CREATED)


@sensitive_variables()
def confirmed(
    request: Request,
    attempt_id: str,
    flow: Callable[..., Any],
    serializer: type[OtpConfirmRequestSerializer] = OtpConfirmRequestSerializer,
) -> Any:
    """What the purpose's ``flow`` answers with the body's code in place of PortOne's lookup;
    ``flow`` also gets the rest of the body (e.g. ``attest``)."""
    confirmation, rest = code(request, serializer)
    return otp.confirm_code(
        lambda **ids: flow(**rest, **ids),
        confirmation,
        attempt_id=attempt_id,
        user=request.user,
        request=request._request,
    )


SEND = describe(
    request=OtpPersonSerializer, responses={201: OtpSentSerializer, **ERRORS}, summary="Send a code"
)


class OtpSendView(OtpAPIView):
    """``POST otp/``: a verification attempt and a code texted to the person."""

    @SEND
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        return sent(request, lambda: start_attempt(user=request.user, request=request._request))


class OtpConfirmView(OtpAPIView):
    """``POST otp/<attempt_id>/confirm/``: as ``certifications/``, the code for the lookup."""

    @describe(
        request=OtpConfirmRequestSerializer,
        responses={201: VerificationSerializer, **ERRORS},
        summary="Confirm a code",
    )
    @sensitive_variables()
    def post(self, request: Request, attempt_id: str) -> Response:
        verification = confirmed(request, attempt_id, verify_certification)
        return Response(VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)


class OtpResendView(OtpAPIView):
    """``POST otp/<attempt_id>/resend/``: another code, for an attempt of any purpose (V1:
    the same body as the send, since nothing of the person is kept; V2: none)."""

    permission_classes = [OtpOn, VisitorsSendCSRF]

    @describe(
        request=OtpResendRequestSerializer,
        responses={200: OtpResentSerializer, **ERRORS},
        summary="Send another code",
    )
    @sensitive_variables()
    def post(self, request: Request, attempt_id: str) -> Response:
        if not isinstance(request.data, Mapping):  # a JSON number, list or string
            raise ValidationError("Expected an object.")
        given = any(key in request.data for key in ("phone", "name"))
        resend_after = otp.resend_code(
            attempt_id,
            user=request.user,
            request=request._request,
            person=person(request, OtpResendRequestSerializer) if given else None,
        )
        return Response({"resend_after": resend_after}, status=status.HTTP_200_OK)


class RecoveryOtpSendView(OtpAPIView):
    """``POST recovery/otp/``: a recovery attempt (the session's) and a code."""

    permission_classes = [OtpOn, RecoveryOn, VisitorsSendCSRF]

    @SEND
    @sensitive_variables()
    def post(self, request: Request) -> Response:
        return sent(
            request,
            lambda: start_attempt(
                user=request.user,
                request=request._request,
                purpose=CertificationAttempt.Purpose.RECOVERY,
            ),
        )


class RecoveryOtpConfirmView(OtpAPIView):
    """``POST recovery/otp/<attempt_id>/confirm/``: as ``recovery/certifications/``."""

    permission_classes = [OtpOn, RecoveryOn, VisitorsSendCSRF]

    @describe(
        request=OtpConfirmRequestSerializer,
        responses={200: RecoverySerializer, **ERRORS},
        summary="Confirm a recovery code",
    )
    @sensitive_variables()
    def post(self, request: Request, attempt_id: str) -> Response:
        found = confirmed(request, attempt_id, recover)
        return Response(RecoverySerializer(found).data, status=status.HTTP_200_OK)


class GuardianOtpSendView(OtpAPIView):
    """``POST guardian/<token>/otp/``: a guardian attempt on the link, and a code."""

    permission_classes = [OtpOn, VisitorsSendCSRF]

    @SEND
    @sensitive_variables()
    def post(self, request: Request, token: str) -> Response:
        return sent(
            request,
            lambda: guardians.start_guardian_attempt(
                token, user=request.user, request=request._request
            ),
        )


class GuardianOtpConfirmView(OtpAPIView):
    """``POST guardian/<token>/otp/<attempt_id>/confirm/`` ``{"otp", "attest": true}``: as
    ``guardian/<token>/certifications/``."""

    permission_classes = [OtpOn, VisitorsSendCSRF]

    @describe(
        request=GuardianOtpConfirmRequestSerializer,
        responses={201: GuardianConsentResultSerializer, **ERRORS},
        summary="Confirm a guardian's code",
    )
    @sensitive_variables()
    def post(self, request: Request, token: str, attempt_id: str) -> Response:
        result = confirmed(
            request,
            attempt_id,
            lambda attest, **ids: guardians.certify_guardian(token, attested=attest, **ids),
            GuardianOtpConfirmRequestSerializer,
        )
        return Response(
            GuardianConsentResultSerializer(result).data, status=status.HTTP_201_CREATED
        )


class GuardianOtpWithdrawView(OtpAPIView):
    """``POST guardian/<token>/otp/<attempt_id>/withdrawal/``: as
    ``guardian/<token>/withdrawal/``."""

    permission_classes = [OtpOn, VisitorsSendCSRF]

    @describe(
        request=OtpConfirmRequestSerializer,
        responses={200: GuardianWithdrawalSerializer, **ERRORS},
        summary="Withdraw a guardian's consent by code",
    )
    @sensitive_variables()
    def post(self, request: Request, token: str, attempt_id: str) -> Response:
        confirmed(request, attempt_id, lambda **ids: guardians.revoke_by_guardian(token, **ids))
        return Response({"revoked": True}, status=status.HTTP_200_OK)
