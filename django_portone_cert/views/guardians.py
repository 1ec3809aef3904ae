"""The guardian flow's HTTP layer: the child's ask, the guardian's page, their consent and its
withdrawal (each its own URL)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .. import guardian_links, guardians, openapi
from ..messages import GUARDIAN_PAGE_MESSAGES
from ..openapi import describe
from ..serializers import (
    AttemptSerializer,
    CertifyRequestSerializer,
    GuardianAskSerializer,
    GuardianCertifyRequestSerializer,
    GuardianConsentResultSerializer,
    GuardianWithdrawalSerializer,
)
from .base import GuardiansOn, PortOneCertAPIView, VisitorsSendCSRF, page_config, safe_next_url
from .base import submitted_result as submitted_ids


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class GuardianLinkAPIView(PortOneCertAPIView):
    """Anyone holding the link (no account is needed to consent); a visitor sends the CSRF
    token. Not wrapped in ``ATOMIC_REQUESTS``: a refusal is recorded on the attempt."""

    permission_classes = [VisitorsSendCSRF]


class GuardianPrepareView(GuardianLinkAPIView):
    """``POST guardian/<token>/prepare/``: a guardian attempt, bound to the session and the link."""

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


class GuardianCertifyView(GuardianLinkAPIView):
    """``POST guardian/<token>/certifications/``: the guardian's result and their yes to the
    page's sentence (``"attest": true``): the consent."""

    @describe(
        request=GuardianCertifyRequestSerializer,
        responses={201: GuardianConsentResultSerializer, **openapi.ERRORS},
        summary="Record a guardian's consent",
    )
    def post(self, request: Request, token: str) -> Response:
        result = guardians.certify_guardian(
            token, attested=attested(request), **submitted_ids(request)
        )
        return Response(
            GuardianConsentResultSerializer(result).data, status=status.HTTP_201_CREATED
        )


class GuardianWithdrawView(GuardianLinkAPIView):
    """``POST guardian/<token>/withdrawal/``: the guardian who consented verifies again and
    withdraws the consent (``identity_mismatch`` for anyone else)."""

    @describe(
        request=CertifyRequestSerializer,
        responses={200: GuardianWithdrawalSerializer, **openapi.ERRORS},
        summary="Withdraw a guardian's consent",
    )
    def post(self, request: Request, token: str) -> Response:
        guardians.revoke_by_guardian(token, **submitted_ids(request))
        return Response({"revoked": True}, status=status.HTTP_200_OK)


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
        certify = (
            "portone_cert:guardian_withdraw" if self.revoke else "portone_cert:guardian_certify"
        )
        context.update(
            {
                "usable": state.usable,
                "revoke": self.revoke,
                "consent": state.consent,
                "revoke_url": reverse("portone_cert:guardian_revoke", kwargs={"token": token}),
                "child_name": state.child_name,
                "attestation": state.attestation,
                "company": guardian_links.site_name(self.request),
                **page_config(
                    reverse("portone_cert:guardian_prepare", kwargs={"token": token}),
                    reverse(certify, kwargs={"token": token}),
                    messages={code: str(text) for code, text in GUARDIAN_PAGE_MESSAGES.items()},
                ),
            }
        )
        return context


class GuardianAskView(PortOneCertAPIView):
    """``POST guardian/request/``: a child asks for their guardian's consent (404 unless
    ``CHILD_POLICY`` is "guardian"); the rules are the flow's
    (:func:`guardian_links.ask_guardian_consent`).

    The link goes out by ``guardian_consent_requested`` (the site's channel). A form post
    (the gate's page) gets the page that says it was asked, or why not; JSON gets
    ``{"requested": true, "expires_at"}`` (201 for a new link, 200 for the one just made).
    """

    permission_classes = [IsAuthenticated, GuardiansOn]

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
        consent_request = guardian_links.ask_guardian_consent(
            request.user, request=request._request
        )
        if self._wants_page():
            return self._page({"consent_request": consent_request})
        return Response(
            GuardianAskSerializer(consent_request).data,
            status=status.HTTP_201_CREATED if consent_request.url else status.HTTP_200_OK,
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
