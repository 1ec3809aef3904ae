from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import TemplateView
from rest_framework import exceptions, parsers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView, exception_handler

from . import guardian_links, guardians, openapi, services
from .conf import app_settings
from .exceptions import (
    InvalidRequest,
    PortOneCertError,
    ServiceUnavailable,
    error_class_name,
    is_service_outage,
)
from .gates import counts_as_verified, get_identity
from .messages import RECOVERY_PAGE_MESSAGES, verify_page_messages
from .models import CertificationAttempt
from .openapi import describe
from .sandbox import sandbox_enabled
from .serializers import (
    AttemptSerializer,
    CertifyRequestSerializer,
    GuardianAskSerializer,
    GuardianCertifyRequestSerializer,
    GuardianConsentResultSerializer,
    IdentitySerializer,
    RecoverySerializer,
    VerificationSerializer,
)
from .throttling import PortOneCertThrottle

logger = logging.getLogger("django_portone_cert")


class PortOneCertAPIException(exceptions.APIException):
    """An app error as DRF sees it: ``{"detail", "code"}`` with the error's status."""

    def __init__(self, error: PortOneCertError) -> None:
        self.status_code = error.http_status
        super().__init__(detail=str(error.message), code=error.code)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, with a stable ``code`` beside ``detail`` in every error body.

    A cache or database that could not be used (see ``is_service_outage``) answers
    503 ``service_unavailable`` as JSON, like every other error.
    """
    if is_service_outage(exc):
        logger.warning(
            "A cache or the database could not be used (%s): answering 503.",
            error_class_name(exc),
        )
        exc = ServiceUnavailable()
    if isinstance(exc, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        # Django's limits on a body: a malformed request like any other, in JSON.
        exc = PortOneCertAPIException(InvalidRequest())
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


class CanVerify(BasePermission):
    """Logged-in users; visitors too when ``ANONYMOUS_VERIFICATION`` is on (sign-up)."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.user and request.user.is_authenticated:
            return True
        if not app_settings.ANONYMOUS_VERIFICATION:
            return False
        # DRF checks CSRF only for authenticated sessions; a visitor's attempt is bound
        # to their session cookie, so another site must not be able to drive it.
        SessionAuthentication().enforce_csrf(request)
        return True


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
    permission_classes = [CanVerify]
    parser_classes = [JSONParser, parsers.FormParser]
    throttle_classes = [PortOneCertThrottle]
    throttle_scope = "portone_cert"

    def get_exception_handler(self) -> Any:
        return api_exception_handler


class PrepareView(PortOneCertAPIView):
    """``POST prepare/``: a new attempt bound to the requester."""

    @describe(
        request=None,
        responses={201: AttemptSerializer, **openapi.ERRORS},
        summary="Start a verification attempt",
    )
    def post(self, request: Request) -> Response:
        attempt = services.start_attempt(user=request.user, request=request._request)
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class CertifyView(PortOneCertAPIView):
    """``POST certifications/``: re-read the result from PortOne and store it.

    Not wrapped in ``ATOMIC_REQUESTS``: a refused result must still leave its
    failure recorded on the attempt.
    """

    @describe(
        request=CertifyRequestSerializer,
        responses={201: VerificationSerializer, **openapi.ERRORS},
        summary="Accept a verification result",
    )
    def post(self, request: Request) -> Response:
        submitted = submitted_result(request)
        verification = services.verify_certification(**submitted)
        if verification.pending_signup:
            # Saved here, not by the middleware after the response: a session store that
            # cannot be written then answers 503 as JSON rather than Django's error page.
            request._request.session.save()
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
        context.update(
            {
                "next_url": next_url,
                "reason": self.request.GET.get("reason", ""),
                "child_policy": app_settings.CHILD_POLICY,
                "identity": identity if counts_as_verified(identity) else None,
                "sdk_url": sdk_url(),
                "config": {
                    "prepareUrl": reverse("portone_cert:prepare"),
                    "certifyUrl": reverse("portone_cert:certify"),
                    "next": next_url,
                    # Shown by the provider (V1 `company`, V2 Danal `CPTITLE`).
                    "company": app_settings.COMPANY,
                    "messages": verify_page_messages(),
                },
            }
        )
        return context


# --- account recovery (아이디 찾기 / 비밀번호 재설정), while ACCOUNT_RECOVERY is on ---


class CanRecover(BasePermission):
    """Anyone while ``ACCOUNT_RECOVERY`` is on (a 404 while it is off); visitors must send the
    CSRF token, since their attempt is bound to their session cookie."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not app_settings.ACCOUNT_RECOVERY:
            raise exceptions.NotFound()
        if not (request.user and request.user.is_authenticated):
            SessionAuthentication().enforce_csrf(request)
        return True


RECOVERY_ERRORS = {**openapi.ERRORS, 404: openapi.ErrorSerializer}


class RecoveryPrepareView(PortOneCertAPIView):
    """``POST recovery/prepare/``: a new recovery attempt bound to the requester's session."""

    permission_classes = [CanRecover]

    @describe(
        request=None,
        responses={201: AttemptSerializer, **RECOVERY_ERRORS},
        summary="Start an account recovery attempt",
    )
    def post(self, request: Request) -> Response:
        attempt = services.start_attempt(
            user=request.user,
            request=request._request,
            purpose=CertificationAttempt.Purpose.RECOVERY,
        )
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class RecoveryCertifyView(PortOneCertAPIView):
    """``POST recovery/certifications/``: the verified person's accounts, masked, each with a
    one-time password reset link. The session key rotates on success."""

    permission_classes = [CanRecover]

    @describe(
        request=CertifyRequestSerializer,
        responses={200: RecoverySerializer, **RECOVERY_ERRORS},
        summary="Find the verified person's accounts",
    )
    def post(self, request: Request) -> Response:
        from . import recovery

        submitted = submitted_result(request)
        found = recovery.recover(**submitted)
        # recover() saved the rotated session itself: an unwritable store answered 503.
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
        messages = verify_page_messages()
        messages.update({code: str(text) for code, text in RECOVERY_PAGE_MESSAGES.items()})
        context.update(
            {
                "sdk_url": sdk_url(),
                "config": {
                    "prepareUrl": reverse("portone_cert:recovery_prepare"),
                    "certifyUrl": reverse("portone_cert:recovery_certify"),
                    # No `next`: the page shows the accounts itself (portone-cert:done).
                    "next": "",
                    "company": app_settings.COMPANY,
                    "messages": messages,
                },
            }
        )
        return context


# --- guardians ---


class GuardianPermission(BasePermission):
    """Anyone holding the link (no account is needed to consent); CSRF-checked like a visitor."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if not (request.user and request.user.is_authenticated):
            SessionAuthentication().enforce_csrf(request)
        return True


class GuardianPrepareView(PortOneCertAPIView):
    """``POST guardian/<token>/prepare/``: a guardian attempt, bound to the session."""

    permission_classes = [GuardianPermission]

    @describe(
        request=None,
        responses={201: AttemptSerializer, **openapi.ERRORS},
        summary="Start a guardian's verification",
    )
    def post(self, request: Request, token: str) -> Response:
        attempt = guardians.start_guardian_attempt(
            token, user=request.user, request=request._request
        )
        return Response(AttemptSerializer(attempt).data, status=status.HTTP_201_CREATED)


def attested(request: Request) -> bool:
    """The guardian's yes to the page's sentence: ``"attest": true`` (a form's "true"/"on")."""
    data = request.data
    value = data.get("attest") if hasattr(data, "get") else None
    return value is True or value in ("true", "on")


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class GuardianCertifyView(PortOneCertAPIView):
    """``POST guardian/<token>/certifications/``: the guardian's result and their yes to the
    page's sentence (``"attest": true``); consent (or, with ``?action=revoke``, its withdrawal
    by the same guardian)."""

    permission_classes = [GuardianPermission]

    @describe(
        request=GuardianCertifyRequestSerializer,
        responses={201: GuardianConsentResultSerializer, **openapi.ERRORS},
        summary="Record a guardian's consent",
    )
    def post(self, request: Request, token: str) -> Response:
        submitted = submitted_result(request)
        if request.query_params.get("action") == "revoke":
            guardians.revoke_by_guardian(token, **submitted)
            return Response({"revoked": True}, status=status.HTTP_200_OK)
        result = guardians.certify_guardian(token, attested=attested(request), **submitted)
        return Response(
            GuardianConsentResultSerializer(result).data, status=status.HTTP_201_CREATED
        )


class GuardianPageView(TemplateView):  # an HTML page: not in the API schema
    """``GET guardian/<token>/``: who asks, for what; the guardian confirms the sentence and
    verifies to consent. The child is named (masked) only while the link is usable.

    ``guardian/<token>/revoke/`` is the same page for withdrawing the consent.
    """

    template_name = "portone_cert/guardian.html"
    revoke = False

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        token = kwargs["token"]
        state = guardian_links.page_state(token, revoke=self.revoke, request=self.request)
        certify_url = reverse("portone_cert:guardian_certify", kwargs={"token": token})
        if self.revoke:
            certify_url += "?action=revoke"
        context.update(
            {
                "usable": state.usable,
                "revoke": self.revoke,
                "consent": state.consent,
                "revoke_url": reverse("portone_cert:guardian_revoke", kwargs={"token": token}),
                "child_name": state.child_name,
                "attestation": state.attestation,
                "company": guardian_links.site_name(self.request),
                "sdk_url": sdk_url(),
                "config": {
                    "prepareUrl": reverse("portone_cert:guardian_prepare", kwargs={"token": token}),
                    "certifyUrl": certify_url,
                    "next": "",
                    "company": app_settings.COMPANY,
                    "messages": verify_page_messages(),
                },
            }
        )
        return context


class GuardianAskView(PortOneCertAPIView):
    """``POST guardian/request/``: a child asks for their guardian's consent (404 unless
    ``CHILD_POLICY`` is "guardian"); 400 ``consent_not_needed`` unless a consent is required.

    The link goes out by ``guardian_consent_requested`` (the site's channel). A form post
    (the gate's page) gets the page that says it was asked, or why not; JSON gets
    ``{"requested": true, "expires_at"}`` (201 for a new link, 200 for the one just made).
    """

    permission_classes = [IsAuthenticated]

    @describe(
        request=None,
        responses={
            200: GuardianAskSerializer,
            201: GuardianAskSerializer,
            **openapi.ERRORS,
            404: openapi.ErrorSerializer,
        },
        summary="Ask for a guardian's consent",
    )
    def post(self, request: Request) -> Response:
        if app_settings.CHILD_POLICY != "guardian":
            raise exceptions.NotFound()
        consent_request = guardian_links.ask_guardian_consent(
            request.user, request=request._request
        )
        made = bool(consent_request.url)
        if self._wants_page():
            return self._page({"consent_request": consent_request})
        return Response(
            GuardianAskSerializer(consent_request).data,
            status=status.HTTP_201_CREATED if made else status.HTTP_200_OK,
        )

    def _wants_page(self) -> bool:
        content_type = self.request.content_type or ""
        return content_type.startswith(("application/x-www-form-urlencoded", "multipart/"))

    def _page(self, context: dict[str, Any], status_code: int = 200) -> Response:
        context["next_url"] = safe_next_url(self.request._request)
        return Response(
            context,
            status=status_code,
            template_name="portone_cert/guardian_asked.html",
        )

    def get_renderers(self) -> list[Any]:
        if self._wants_page():
            return [TemplateHTMLRenderer()]
        return super().get_renderers()

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if not self._wants_page() or not isinstance(response.data, dict):
            return response
        return self._page({"error": response.data.get("detail", "")}, response.status_code)
