"""The test URLconf plus ``django.contrib.auth.urls`` (so recovered accounts get a password reset
link) and a view behind each shape of a step-up gate ("verified within the last 5 minutes")."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import View
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_portone_cert.decorators import identity_required
from django_portone_cert.mixins import IdentityRequiredMixin
from django_portone_cert.permissions import HasVerifiedIdentity
from tests.urls import urlpatterns as base_urlpatterns

STEP_UP = timedelta(minutes=5)


@identity_required(max_verification_age=STEP_UP)
def change_phone(request: HttpRequest) -> HttpResponse:
    return HttpResponse("step-up ok")


class ChangePhoneView(IdentityRequiredMixin, View):
    max_verification_age = STEP_UP

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("cbv step-up ok")


class ChangePhoneAPI(APIView):
    permission_classes = [HasVerifiedIdentity]
    max_verification_age = STEP_UP

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    *base_urlpatterns,
    path("accounts/", include("django.contrib.auth.urls")),
    path("step-up/fbv/", change_phone),
    path("step-up/cbv/", ChangePhoneView.as_view()),
    path("step-up/api/", ChangePhoneAPI.as_view()),
]
