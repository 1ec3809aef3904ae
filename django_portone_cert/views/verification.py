"""Verification's HTTP layer: ``prepare/``, ``certifications/``, ``resume/``, ``me/`` and the
verify page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from .. import openapi
from ..conf import app_settings
from ..core.attempts import start_attempt
from ..gates import counts_as_verified, get_identity
from ..openapi import describe
from ..resume import attempt_worth_resuming, resume_verification
from ..serializers import (
    AttemptSerializer,
    CertifyRequestSerializer,
    IdentitySerializer,
    VerificationSerializer,
)
from ..verification import verify_certification
from .base import PortOneCertAPIView, page_config, safe_next_url, submitted_result


class PrepareView(PortOneCertAPIView):
    """``POST prepare/``: a new attempt bound to the requester."""

    @describe(
        request=None,
        responses={201: AttemptSerializer, **openapi.ERRORS},
        summary="Start a verification attempt",
    )
    def post(self, request: Request) -> Response:
        attempt = start_attempt(user=request.user, request=request._request)
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class CertifyView(PortOneCertAPIView):
    """``POST certifications/``: re-read the result from PortOne and store it.

    Not wrapped in ``ATOMIC_REQUESTS``: a refused result must still leave its
    failure recorded on the attempt. A visitor's rotated session is saved by the flow,
    so a store that cannot be written answers 503 as JSON, not Django's error page.
    """

    @describe(
        request=CertifyRequestSerializer,
        responses={201: VerificationSerializer, **openapi.ERRORS},
        summary="Accept a verification result",
    )
    def post(self, request: Request) -> Response:
        verification = verify_certification(**submitted_result(request))
        return Response(VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class ResumeView(PortOneCertAPIView):
    """``POST resume/`` (V2): finish the requester's latest attempt, completed at PortOne
    but never posted back; 404 ``not_found`` when there is none (always on V1)."""

    @describe(
        request=None,
        responses={
            201: VerificationSerializer,
            404: openapi.ErrorSerializer,
            **openapi.ERRORS,
        },
        summary="Finish a verification whose browser never came back (V2)",
    )
    def post(self, request: Request) -> Response:
        verification = resume_verification(user=request.user, request=request._request)
        if verification is None:
            raise exceptions.NotFound()
        return Response(VerificationSerializer(verification).data, status=status.HTTP_201_CREATED)


class MeView(PortOneCertAPIView):
    """``GET me/``: the requester's verification state. Never the CI."""

    permission_classes = [IsAuthenticated]
    throttle_classes: list[Any] = []

    @describe(
        responses={
            200: IdentitySerializer,
            401: openapi.ErrorSerializer,
            403: openapi.ErrorSerializer,
        },
        summary="The requester's verification state",
    )
    def get(self, request: Request) -> Response:
        identity = get_identity(request.user)
        if identity is None or not counts_as_verified(identity):
            # A sandbox identity outside sandbox mode proves nothing, as at the gates.
            return Response({"verified": False})
        return Response(IdentitySerializer(identity).data)


class VerifyPageView(AccessMixin, TemplateView):  # an HTML page: not in the API schema
    """``GET verify/?next=…``: the page with the verification button.

    Logged-in users only, unless ``ANONYMOUS_VERIFICATION`` lets visitors verify
    before they sign up.
    """

    template_name = "portone_cert/verify.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not request.user.is_authenticated and not app_settings.ANONYMOUS_VERIFICATION:
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        next_url = safe_next_url(self.request)
        identity = get_identity(self.request.user)
        config = page_config(
            reverse("portone_cert:prepare"),
            reverse("portone_cert:certify"),
            next_url=next_url,
        )
        resumable = attempt_worth_resuming(self.request.user, self.request)
        if resumable is not None:
            # Decided here, from the requester's own attempts, never from the address. The id
            # lets a tab skip an attempt it prepared ahead and never handed to PortOne.
            config["config"]["resume"] = {
                "url": reverse("portone_cert:resume"),
                "attempt": resumable.merchant_uid,
            }
        context.update(
            {
                "next_url": next_url,
                "reason": self.request.GET.get("reason", ""),
                "child_policy": app_settings.CHILD_POLICY,
                "identity": identity if counts_as_verified(identity) else None,
                **config,
            }
        )
        return context
