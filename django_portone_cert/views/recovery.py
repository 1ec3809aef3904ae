"""Account recovery's HTTP layer (아이디 찾기 / 비밀번호 재설정), 404 while ``ACCOUNT_RECOVERY``
is off."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from .. import openapi
from ..conf import app_settings
from ..core.attempts import start_attempt
from ..messages import RECOVERY_PAGE_MESSAGES
from ..models import CertificationAttempt
from ..openapi import describe
from ..recovery import offers_reset, recover
from ..serializers import AttemptSerializer, CertifyRequestSerializer, RecoverySerializer
from .base import PortOneCertAPIView, RecoveryOn, VisitorsSendCSRF, page_config, submitted_result

RECOVERY_ERRORS = {**openapi.ERRORS, 404: openapi.ErrorSerializer}


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class RecoveryAPIView(PortOneCertAPIView):
    """Anyone while ``ACCOUNT_RECOVERY`` is on; a visitor sends the CSRF token.

    Not wrapped in ``ATOMIC_REQUESTS``: a refused result must still leave its failure
    recorded on the attempt."""

    permission_classes = [RecoveryOn, VisitorsSendCSRF]


class RecoveryPrepareView(RecoveryAPIView):
    """``POST recovery/prepare/``: a new recovery attempt bound to the requester's session."""

    @describe(
        request=None,
        responses={201: AttemptSerializer, **RECOVERY_ERRORS},
        summary="Start an account recovery attempt",
    )
    def post(self, request: Request) -> Response:
        attempt = start_attempt(
            user=request.user,
            request=request._request,
            purpose=CertificationAttempt.Purpose.RECOVERY,
        )
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


class RecoveryCertifyView(RecoveryAPIView):
    """``POST recovery/certifications/``: the verified person's accounts, masked, each with a
    one-time password reset link. The session key rotates on success (saved by the flow: an
    unwritable store answers 503)."""

    @describe(
        request=CertifyRequestSerializer,
        responses={200: RecoverySerializer, **RECOVERY_ERRORS},
        summary="Find the verified person's accounts",
    )
    def post(self, request: Request) -> Response:
        found = recover(**submitted_result(request))
        return Response(RecoverySerializer(found).data, status=status.HTTP_200_OK)


class RecoveryPageView(TemplateView):  # an HTML page: not in the API schema
    """``GET recovery/``: verify, then see the person's accounts (404 while recovery is off)."""

    template_name = "portone_cert/recover.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not app_settings.ACCOUNT_RECOVERY:
            raise Http404()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        # No `next`: the page shows the accounts itself (portone-cert:done).
        messages = {code: str(text) for code, text in RECOVERY_PAGE_MESSAGES.items()}
        context.update(
            page_config(
                reverse("portone_cert:recovery_prepare"),
                reverse("portone_cert:recovery_certify"),
                messages=messages,
            )
        )
        context["login_url"] = resolve_url(settings.LOGIN_URL)  # the way back
        return context


class RecoveryOnly:
    """An HTML page of the recovery journey: 404 while ``ACCOUNT_RECOVERY`` is off."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not app_settings.ACCOUNT_RECOVERY:
            raise Http404()
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class PasswordResetConfirmView(RecoveryOnly, auth_views.PasswordResetConfirmView):
    """``GET recovery/reset/<uidb64>/<token>/``: where recovery's links lead, in the app's look.

    Django's own view: its token check, and its move of the token from the URL into the
    session (``…/set-password/``) so the token never leaks in a Referer. Only the page and
    the end of the journey are the app's; and an account recovery offers no link to
    (:func:`~django_portone_cert.recovery.offers_reset`) gets none here either.
    """

    template_name = "portone_cert/password_reset_confirm.html"
    success_url = reverse_lazy("portone_cert:password_reset_complete")

    def get_user(self, uidb64: str) -> Any:
        user = super().get_user(uidb64)
        return user if user is not None and offers_reset(user) else None


class PasswordResetCompleteView(RecoveryOnly, auth_views.PasswordResetCompleteView):
    """``GET recovery/reset/done/``: the new password is set; on to the login page."""

    template_name = "portone_cert/password_reset_complete.html"
