from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from . import services
from .exceptions import InvalidRequest, PortOneCertError
from .messages import verify_page_messages
from .serializers import AttemptSerializer, CertifyRequestSerializer, IdentitySerializer
from .testing.sandbox import sandbox_enabled
from .throttling import PortOneCertThrottle


class PortOneCertAPIException(exceptions.APIException):
    """An app error as DRF sees it: ``{"detail", "code"}`` with the error's status."""

    def __init__(self, error: PortOneCertError) -> None:
        self.status_code = error.http_status
        super().__init__(detail=str(error.message), code=error.code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a stable ``code`` beside ``detail`` in every error body."""
    if isinstance(exc, PortOneCertError):
        exc = PortOneCertAPIException(exc)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        # A malformed body is "invalid" whatever DRF found wrong with it.
        response.data = {"detail": InvalidRequest().message, "code": InvalidRequest.code}
        if isinstance(exc, exceptions.ValidationError):
            response.data["errors"] = exc.detail
        return response
    codes = exc.get_codes()
    response.data = {
        "detail": exc.detail,
        "code": codes if isinstance(codes, str) else exc.default_code,
    }
    return response


class PortOneCertAPIView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [PortOneCertThrottle]
    throttle_scope = "portone_cert"

    def get_exception_handler(self) -> Any:
        return api_exception_handler


class PrepareView(PortOneCertAPIView):
    """``POST prepare/``: a new attempt bound to the requester."""

    def post(self, request: Request) -> Response:
        attempt = services.start_attempt(user=request.user, request=request._request)
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class CertifyView(PortOneCertAPIView):
    """``POST certifications/``: re-read the result from PortOne and store it.

    Not wrapped in ``ATOMIC_REQUESTS``: a refused result must still leave its
    failure recorded on the attempt.
    """

    def post(self, request: Request) -> Response:
        serializer = CertifyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        identity = services.verify_certification(
            user=request.user,
            imp_uid=serializer.validated_data["imp_uid"],
            merchant_uid=serializer.validated_data["merchant_uid"],
            request=request._request,
        )
        data = IdentitySerializer(identity).data
        return Response(
            {key: data[key] for key in ("verified", "name", "birth_date", "age", "verified_at")},
            status=status.HTTP_201_CREATED,
        )


class MeView(PortOneCertAPIView):
    """``GET me/``: the requester's verification state. Never the CI."""

    throttle_classes: list[Any] = []

    def get(self, request: Request) -> Response:
        identity = services.get_identity(request.user)
        if identity is None:
            return Response({"verified": False})
        return Response(IdentitySerializer(identity).data)


V1_SDK_URL = "https://cdn.iamport.kr/v1/iamport.js"


def safe_next_url(request: HttpRequest, default: str = "/") -> str:
    """``?next=`` if it points at this site, else ``default``."""
    candidate = request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


class VerifyPageView(LoginRequiredMixin, TemplateView):
    """``GET verify/?next=…``: the page with the verification button."""

    template_name = "portone_cert/verify.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        next_url = safe_next_url(self.request)
        context.update(
            {
                "next_url": next_url,
                "reason": self.request.GET.get("reason", ""),
                "identity": services.get_identity(self.request.user),
                "sdk_url": reverse("portone_cert:sandbox-sdk") if sandbox_enabled() else V1_SDK_URL,
                "config": {
                    "prepareUrl": reverse("portone_cert:prepare"),
                    "certifyUrl": reverse("portone_cert:certify"),
                    "next": next_url,
                    "messages": verify_page_messages(),
                },
            }
        )
        return context
