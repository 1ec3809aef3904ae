"""Views the benchmarks compare the app against."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template import Context, Template
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from django_portone_cert.decorators import age_required
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity


class NaiveCertifyView(APIView):
    """PortOne's seed flow, as users copy it: a token per request, a new connection per call,
    no check beyond reading the record, the result stored as it comes."""

    def post(self, request: Request) -> Response:
        base = settings.PORTONE_CERT["API_BASE_URL"]
        token = requests.post(
            f"{base}/users/getToken",
            json={"imp_key": "bench-key", "imp_secret": "bench-secret"},
            timeout=10,
        ).json()["response"]["access_token"]
        record = requests.get(
            f"{base}/certifications/{request.data['imp_uid']}",
            headers={"Authorization": token},
            timeout=10,
        ).json()["response"]
        VerifiedIdentity.objects.update_or_create(
            user=request.user,
            defaults={
                "name": record["name"],
                "birth_date": date.fromisoformat(record["birthday"]),
                "ci": record["unique_key"],
                "imp_uid": record["imp_uid"],
                "certified_at": datetime.fromtimestamp(record["certified_at"], UTC),
                "verified_at": timezone.now(),
            },
        )
        return Response({"verified": True}, status=201)


class BareWriteView(APIView):
    """A DRF view that writes one row: the floor for a verification's throughput."""

    def post(self, request: Request) -> Response:
        CertificationAttempt.objects.create(
            user=request.user, expires_at=timezone.now() + timedelta(minutes=1)
        )
        return Response({"ok": True}, status=201)


def ungated(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"hello {request.user.pk}")


@age_required(19, age_rule="year")
def gated(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"hello {request.user.pk}")


PAGE = Template(
    "<html><body><h1>Hello {{ user.username }}</h1><ul>{% for a in attempts %}"
    "<li>{{ a.merchant_uid }} {{ a.status }}</li>{% endfor %}</ul></body></html>"
)


def _page(request: HttpRequest) -> HttpResponse:
    attempts = CertificationAttempt.objects.filter(user_id=request.user.pk)[:10]
    return HttpResponse(PAGE.render(Context({"user": request.user, "attempts": attempts})))


ungated_page = _page
gated_page = age_required(19, age_rule="year")(_page)
