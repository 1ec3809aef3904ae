"""What one client can make PortOne do: the throttle, its client address, lookups per attempt."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework.test import APIClient

from django_portone_cert.models import CertificationAttempt
from django_portone_cert.testing import FakePortOne
from tests.helpers import (
    PERSON,
    client_for,
    configure,
)
from tests.versions import certify_body

PREPARE = reverse("portone_cert:prepare")


def test_throttled(api: APIClient, settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "THROTTLE_RATE": "2/minute"}
    assert api.post(PREPARE).status_code == 201
    assert api.post(PREPARE).status_code == 201
    response = api.post(PREPARE)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_project_throttle_rate_wins(api: APIClient, settings: Any) -> None:
    """Read on each request: a rate set after import (as override_settings does) applies."""
    settings.REST_FRAMEWORK = {
        **getattr(settings, "REST_FRAMEWORK", {}),
        "DEFAULT_THROTTLE_RATES": {"portone_cert": "1/minute"},
    }
    assert api.post(PREPARE).status_code == 201
    assert api.post(PREPARE).status_code == 429


CERTIFY = "/portone-cert/certifications/"


def test_a_forged_forwarded_for_does_not_escape_the_throttle(
    visitor: APIClient, settings: Any
) -> None:
    configure(settings, THROTTLE_RATE="3/minute")
    statuses = [
        visitor.post(PREPARE, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(20)
    ]
    assert statuses.count(201) == 3 and statuses.count(429) == 17


def test_behind_a_proxy_num_proxies_names_the_client(visitor: APIClient, settings: Any) -> None:
    from rest_framework.settings import api_settings

    configure(settings, THROTTLE_RATE="1/minute")
    settings.REST_FRAMEWORK = {**getattr(settings, "REST_FRAMEWORK", {}), "NUM_PROXIES": 1}
    api_settings.reload()
    try:
        first = visitor.post(PREPARE, HTTP_X_FORWARDED_FOR="198.51.100.1")
        again = visitor.post(PREPARE, HTTP_X_FORWARDED_FOR="198.51.100.1")
        other = visitor.post(PREPARE, HTTP_X_FORWARDED_FOR="198.51.100.2")
    finally:
        del settings.REST_FRAMEWORK
        api_settings.reload()
    assert (first.status_code, again.status_code, other.status_code) == (201, 429, 201)


def test_one_attempt_drives_at_most_three_lookups(
    api_version: str, portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, THROTTLE_RATE="1000/minute")  # the cap holds whatever the rate
    api = client_for(user)
    merchant_uid = api.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, certified=False, **PERSON)
    codes = [
        api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json").json()["code"]
        for _ in range(150)
    ]
    assert codes[:3] == ["not_certified"] * 3
    assert set(codes[3:]) == {"attempt_exhausted"}
    assert portone.count("certification") == 3
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert attempt.lookups == 3 and attempt.failure_code == "attempt_exhausted"
