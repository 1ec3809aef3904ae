"""The person's rights over HTTP: ``GET me/export/`` and ``DELETE me/identity/``."""

from __future__ import annotations

from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from .. import openapi
from ..openapi import describe
from ..rights import export_identity, withdraw_identity
from .base import PortOneCertAPIView


class RightsView(PortOneCertAPIView):
    """Logged-in people only, throttled (scope ``portone_cert``); each needs a verification
    fresher than ``STEP_UP_MAX_AGE`` (else 403 ``step_up_required``: verify, then retry)."""

    permission_classes = [IsAuthenticated]


class ExportView(RightsView):
    """``GET me/export/``: everything stored about the person (PIPA §35), never the CI."""

    @describe(
        responses={200: openapi.ExportSerializer, **openapi.ERRORS},
        summary="Everything stored about the requester (after a fresh verification)",
    )
    def get(self, request: Request) -> Response:
        return Response(export_identity(request.user, request=request._request))


class IdentityView(RightsView):
    """``DELETE me/identity/``: the person withdraws their verification (PIPA §36)."""

    @describe(
        request=None,
        responses={204: None, **openapi.ERRORS},
        summary="Withdraw the requester's verification (after a fresh verification)",
    )
    def delete(self, request: Request) -> Response:
        withdraw_identity(request.user, request=request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)
