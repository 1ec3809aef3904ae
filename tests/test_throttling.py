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


def test_an_ipv6_client_counts_by_its_64(visitor: APIClient, settings: Any) -> None:
    """After a 429 at one address, the rest of its /64 is refused too; another /64 is not."""
    configure(settings, THROTTLE_RATE="1/minute")
    assert visitor.post(PREPARE, REMOTE_ADDR="2001:db8::1").status_code == 201
    assert visitor.post(PREPARE, REMOTE_ADDR="2001:db8::1").status_code == 429
    same_64 = [
        visitor.post(PREPARE, REMOTE_ADDR=f"2001:db8::{n:x}:{n:x}").status_code
        for n in range(2, 60)
    ]
    assert same_64 == [429] * 58
    assert visitor.post(PREPARE, REMOTE_ADDR="2001:db8:0:1::1").status_code == 201


def test_client_keys() -> None:
    from django_portone_cert.throttling import client_key

    assert client_key("2001:db8::1") == client_key("2001:db8::ffff:1:2") == "2001:db8::/64"
    assert client_key("2001:0DB8:0000:0000:0000:0000:0000:0001") == "2001:db8::/64"
    assert client_key("::ffff:203.0.113.9") == "203.0.113.9"
    assert client_key("203.0.113.9") == "203.0.113.9"
    assert client_key("") == ""


def test_visitors_together_are_capped_per_hour(visitor: APIClient, settings: Any) -> None:
    """Many addresses (each under its own rate) cannot start more than the site-wide cap."""
    configure(settings, THROTTLE_RATE="100/minute", VISITOR_ATTEMPTS_PER_HOUR=5)
    statuses = [
        APIClient().post(PREPARE, REMOTE_ADDR=f"198.51.100.{n}").status_code for n in range(1, 9)
    ]
    assert statuses == [201] * 5 + [429] * 3
    response = APIClient().post(PREPARE, REMOTE_ADDR="198.51.100.50")
    assert response.json()["code"] == "throttled"
    assert CertificationAttempt.objects.count() == 5


def test_the_cap_counts_every_visitor_flow_but_not_users(settings: Any, make_user: Any) -> None:
    settings.ROOT_URLCONF = "tests.recovery_urls"
    configure(
        settings, VISITOR_ATTEMPTS_PER_HOUR=2, ACCOUNT_RECOVERY=True, ANONYMOUS_VERIFICATION=True
    )
    visitor = APIClient()
    assert visitor.post(PREPARE).status_code == 201
    assert visitor.post(reverse("portone_cert:recovery_prepare")).status_code == 201
    assert visitor.post(reverse("portone_cert:recovery_prepare")).status_code == 429
    assert visitor.post(PREPARE).status_code == 429
    # A logged-in user's own verification is counted by the per-user throttle alone.
    assert client_for(make_user()).post(PREPARE).status_code == 201


def test_no_cap_when_none(visitor: APIClient, settings: Any) -> None:
    configure(settings, THROTTLE_RATE="100/minute", VISITOR_ATTEMPTS_PER_HOUR=None)
    assert all(
        APIClient().post(PREPARE, REMOTE_ADDR=f"198.51.100.{n}").status_code == 201
        for n in range(1, 30)
    )


def test_the_cap_fails_closed_when_its_cache_is_down(
    visitor: APIClient, settings: Any, monkeypatch: Any
) -> None:
    from django.core.cache import caches

    configure(settings, VISITOR_ATTEMPTS_PER_HOUR=5)
    cache = caches["default"]

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(type(cache), "incr", down)
    response = visitor.post(PREPARE)
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert not CertificationAttempt.objects.exists()
