"""A URLconf that forgot the app's URLs (check W014), with 19 gates that name no rule, one in each
shape (check W016), and gates that do."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views import View
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_portone_cert import ages
from django_portone_cert.decorators import age_required, identity_required
from django_portone_cert.mixins import AgeRequiredMixin
from django_portone_cert.permissions import HasMinimumAge


@age_required(19)
def bare_nineteen(request: HttpRequest) -> HttpResponse:
    return HttpResponse("19")


@age_required
def from_settings(request: HttpRequest) -> HttpResponse:
    return HttpResponse("MIN_AGE")


@age_required(ages.ADULT_CONTENT)
def adult_content(request: HttpRequest) -> HttpResponse:
    return HttpResponse("연 나이")


@age_required(19, age_rule="full")
def civil(request: HttpRequest) -> HttpResponse:
    return HttpResponse("만 나이")


@age_required(14)
def fourteen(request: HttpRequest) -> HttpResponse:
    return HttpResponse("14")


@identity_required
def members(request: HttpRequest) -> HttpResponse:
    return HttpResponse("members")


class BareView(AgeRequiredMixin, View):
    min_age = 19

    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("cbv")


class BareAPI(APIView):
    permission_classes = [HasMinimumAge]

    def get(self, request: Request) -> Response:
        return Response({})


class YearAPI(APIView):
    permission_classes = [HasMinimumAge]
    min_age = ages.ADULT_CONTENT

    def get(self, request: Request) -> Response:
        return Response({})


urlpatterns = [
    path("bare/", bare_nineteen),
    path("default/", from_settings),
    path("adult/", adult_content),
    path("civil/", civil),
    path("fourteen/", fourteen),
    path("members/", members),
    path("cbv/", BareView.as_view()),
    path("api/", BareAPI.as_view()),
    path("api/year/", YearAPI.as_view()),
]
