"""Views behind each shape of the age gate, for the tests."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views import View
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_portone_cert import ages
from django_portone_cert.decorators import age_required, identity_required
from django_portone_cert.mixins import AgeRequiredMixin, IdentityRequiredMixin
from django_portone_cert.permissions import HasMinimumAge, HasVerifiedIdentity


@age_required
def default_gate(request: HttpRequest) -> HttpResponse:
    return HttpResponse("default ok")


@age_required(19, age_rule="year")
def adult(request: HttpRequest, slug: str = "") -> HttpResponse:
    """The 19+ page."""
    return HttpResponse(f"adult ok {slug}")


@age_required(ages.PERSONAL_DATA_CONSENT)
def fourteen(request: HttpRequest) -> HttpResponse:
    return HttpResponse("14 ok")


@age_required(min_age=19, age_rule="full", raise_exception=True)
def strict(request: HttpRequest) -> HttpResponse:
    return HttpResponse("strict ok")


@age_required(19, age_rule="year", max_verification_age=None, login_url="/custom-login/")
def no_reverify(request: HttpRequest) -> HttpResponse:
    return HttpResponse("no reverify ok")


@identity_required
def members(request: HttpRequest) -> HttpResponse:
    return HttpResponse("members ok")


@age_required(19, age_rule="year")
async def async_adult(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async adult ok")


@identity_required()
async def async_members(request: HttpRequest) -> HttpResponse:
    return HttpResponse("async members ok")


class AdultView(AgeRequiredMixin, View):
    min_age = 19
    age_rule = "year"

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("cbv adult ok")


class AsyncAdultView(AgeRequiredMixin, View):
    min_age = 19
    age_rule = "year"

    async def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("async cbv adult ok")


class MembersView(IdentityRequiredMixin, View):
    raise_exception = True

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("cbv members ok")


class AdultAPI(APIView):
    permission_classes = [IsAuthenticated, HasMinimumAge]
    min_age = 19
    age_rule = "year"

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class MembersAPI(APIView):
    permission_classes = [HasVerifiedIdentity]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("default/", default_gate),
    path("adult/", adult, name="adult"),
    path("adult/<slug:slug>/", adult),
    path("fourteen/", fourteen),
    path("strict/", strict),
    path("no-reverify/", no_reverify),
    path("members/", members),
    path("async/adult/", async_adult),
    path("async/members/", async_members),
    path("cbv/adult/", AdultView.as_view()),
    path("cbv/async-adult/", AsyncAdultView.as_view()),
    path("cbv/members/", MembersView.as_view()),
    path("api/adult/", AdultAPI.as_view()),
    path("api/members/", MembersAPI.as_view()),
]


# A sign-up view as the README shows it: verify first, then create the account and claim.
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402
from django.http import JsonResponse  # noqa: E402

from django_portone_cert import signup as signup_service  # noqa: E402
from django_portone_cert.exceptions import IdentityInUse, NoPendingVerification  # noqa: E402


def signup(request: HttpRequest) -> JsonResponse:
    pending = signup_service.pending_verification(request)
    if pending is None:
        return JsonResponse({"error": "verify_first"}, status=400)
    if pending.has_account:
        return JsonResponse({"error": "already_registered"}, status=409)
    try:
        with transaction.atomic():
            username_field = get_user_model().USERNAME_FIELD
            user = get_user_model().objects.create_user(
                **{username_field: request.POST["username"]}, password=None
            )
            signup_service.claim_verification(request, user)
    except NoPendingVerification:
        return JsonResponse({"error": "verify_first"}, status=400)
    except IdentityInUse:
        return JsonResponse({"error": "already_registered"}, status=409)
    return JsonResponse({"user": user.pk}, status=201)
