"""What every flow's HTTP layer shares: JSON errors with a stable code, the permissions that
compose into each view's, the body of a ``certifications/``, the verify pages' configuration."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework import exceptions, parsers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from .. import exceptions as errors
from ..conf import app_settings
from ..messages import verify_page_messages
from ..sandbox import sandbox_enabled
from ..serializers import CertifyRequestSerializer
from ..throttling import PortOneCertThrottle

logger = logging.getLogger("django_portone_cert")


class PortOneCertAPIException(exceptions.APIException):
    """An app error as DRF sees it: ``{"detail", "code"}`` with the error's status."""

    def __init__(self, error: errors.PortOneCertError) -> None:
        self.status_code = error.http_status
        super().__init__(detail=str(error.message), code=error.code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a stable ``code`` beside ``detail`` in every error body.

    A cache or database that could not be used (see ``errors.is_service_outage``) answers
    503 ``service_unavailable`` as JSON, like every other error.
    """
    if errors.is_service_outage(exc):
        logger.warning(
            "A cache or the database could not be used (%s): answering 503.",
            errors.error_class_name(exc),
        )
        exc = errors.ServiceUnavailable()
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django's limits on a body: a malformed request like any other, in JSON.
        exc = PortOneCertAPIException(errors.InvalidRequest())
    if isinstance(exc, errors.PortOneCertError):
        exc = PortOneCertAPIException(exc)
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError | exceptions.ParseError):
        # A malformed body is "invalid" whatever DRF found wrong with it.
        response.data = {
            "detail": errors.InvalidRequest().message,
            "code": errors.InvalidRequest.code,
        }
        if isinstance(exc, exceptions.ValidationError):
            response.data["errors"] = exc.detail
        return response
    codes = exc.get_codes()
    response.data = {
        "detail": exc.detail,
        "code": codes if isinstance(codes, str) else exc.default_code,
    }
    return response


class VisitorsSendCSRF(BasePermission):
    """A visitor's attempt is bound to their session cookie, so another site must not be able
    to drive it: visitors send the CSRF token (DRF checks it only for logged-in sessions)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            SessionAuthentication().enforce_csrf(request)
        return True


class VisitorsMayVerify(BasePermission):
    """Logged-in users; visitors too when ``ANONYMOUS_VERIFICATION`` is on (sign-up)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        authenticated = bool(request.user and request.user.is_authenticated)
        return authenticated or app_settings.ANONYMOUS_VERIFICATION


class SwitchedOn(BasePermission):
    """A feature that is off is not there: 404 ``not_found`` (``setting`` names the flag)."""

    setting = ""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not self.enabled():
            raise exceptions.NotFound()
        return True

    def enabled(self) -> bool:
        return getattr(app_settings, self.setting) is True


class RecoveryOn(SwitchedOn):
    setting = "ACCOUNT_RECOVERY"


class GuardiansOn(SwitchedOn):
    def enabled(self) -> bool:
        return app_settings.CHILD_POLICY == "guardian"


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, with deeply nested bodies refused as a 400 rather than a 500."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as err:
            raise exceptions.ParseError("JSON nested too deeply") from err


def submitted_result(request: Request) -> dict[str, Any]:
    """What every flow's ``certifications/`` hands its service: the requester, PortOne's result
    id and the attempt's id (from the body, or ``invalid``), the Django request."""
    ids = CertifyRequestSerializer(data=request.data)
    ids.is_valid(raise_exception=True)
    imp_uid, merchant_uid = ids.ids()
    return {
        "user": request.user,
        "imp_uid": imp_uid,
        "merchant_uid": merchant_uid,
        "request": request._request,
    }


class PortOneCertAPIView(APIView):
    permission_classes = [VisitorsMayVerify, VisitorsSendCSRF]
    parser_classes = [JSONParser, parsers.FormParser]
    throttle_classes = [PortOneCertThrottle]
    throttle_scope = "portone_cert"

    def get_exception_handler(self) -> Any:
        return api_exception_handler


V1_SDK_URL = "https://cdn.iamport.kr/v1/iamport.js"
V2_SDK_URL = "https://cdn.portone.io/v2/browser-sdk.js"


def sdk_url() -> str:
    """PortOne's browser SDK for the API version, or the sandbox's stand-in."""
    v2 = app_settings.API_VERSION == "v2"
    if sandbox_enabled():
        return reverse("portone_cert:sandbox-sdk-v2" if v2 else "portone_cert:sandbox-sdk")
    return V2_SDK_URL if v2 else V1_SDK_URL


def safe_next_url(request: HttpRequest, default: str = "/") -> str:
    """``?next=`` if it points at this site, else ``default``."""
    candidate = request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def page_config(
    prepare_url: str,
    certify_url: str,
    *,
    next_url: str = "",
    messages: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What a page with the verification button needs: the SDK and verify.js's configuration."""
    return {
        "sdk_url": sdk_url(),
        "config": {
            "prepareUrl": prepare_url,
            "certifyUrl": certify_url,
            "next": next_url,
            # Shown by the provider (V1 `company`, V2 Danal `CPTITLE`).
            "company": app_settings.COMPANY,
            "messages": {**verify_page_messages(), **(messages or {})},
        },
    }
