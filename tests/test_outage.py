"""A cache or the database down: the JSON contract holds, and what can go on goes on."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.urls import reverse
from rest_framework.test import APIClient

from django_portone_cert.conf import app_settings
from django_portone_cert.exceptions import ServiceUnavailable, is_service_outage
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.portone import v1
from django_portone_cert.testing import FakePortOne
from tests.versions import certify_body, token_requests

PREPARE = reverse("portone_cert:prepare")
CERTIFY = reverse("portone_cert:certify")

#: A Redis nobody listens on: every command fails with redis.exceptions.ConnectionError.
DEAD_REDIS = {
    "BACKEND": "django.core.cache.backends.redis.RedisCache",
    "LOCATION": "redis://127.0.0.1:1/0",
}
HEALTHY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "healthy"}


class WriteFailingCache(LocMemCache):
    """Half up: reads answer, every write fails as a dead server's socket does."""

    def add(self, *args: Any, **kwargs: Any) -> bool:
        raise ConnectionResetError(104, "Connection reset by peer")

    def set(self, *args: Any, **kwargs: Any) -> None:
        raise ConnectionResetError(104, "Connection reset by peer")

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        raise ConnectionResetError(104, "Connection reset by peer")


@pytest.fixture(autouse=True)
def _both_versions(api_version: str) -> str:
    return api_version


@pytest.fixture
def api(user: Any) -> APIClient:
    """Errors the view lets escape become Django's own 500 page, as in production."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _warn_again() -> Iterator[None]:
    """The token cache's warning is once per process: once per test here."""
    v1._cache_warning_given = False
    yield
    v1._cache_warning_given = False


def assert_service_unavailable(response: Any) -> None:
    assert response.status_code == 503, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": str(ServiceUnavailable.default_message),
        "code": "service_unavailable",
    }


def prepare(api: APIClient) -> str:
    response = api.post(PREPARE)
    assert response.status_code == 201, response.content
    return str(response.json()["merchant_uid"])


def test_prepare_is_refused_with_503_json_when_the_throttles_cache_is_down(
    api: APIClient, settings: Any, portone: FakePortOne, caplog: Any
) -> None:
    """Fail closed: the throttle cannot count, so nothing is let through, as JSON."""
    settings.CACHES = {"default": DEAD_REDIS}
    with caplog.at_level(logging.WARNING, "django_portone_cert"):
        response = api.post(PREPARE)
    assert_service_unavailable(response)
    assert CertificationAttempt.objects.count() == 0
    assert "throttle" in caplog.text and "redis.exceptions.ConnectionError" in caplog.text


def test_certify_is_refused_with_503_json_when_the_throttles_cache_is_down(
    api: APIClient, settings: Any, portone: FakePortOne
) -> None:
    merchant_uid = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)
    settings.CACHES = {"default": DEAD_REDIS}
    response = api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert_service_unavailable(response)
    assert portone.certification_requests == 0  # refused before any PortOne lookup


def test_a_throttle_that_can_read_but_not_count_refuses(
    api: APIClient, settings: Any, portone: FakePortOne
) -> None:
    """Half up: the throttle reads its history but cannot record the request: refused."""
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.WriteFailingCache", "LOCATION": "d"}}
    assert_service_unavailable(api.post(PREPARE))
    assert CertificationAttempt.objects.count() == 0


def test_a_verification_goes_on_with_the_token_cache_down(
    api: APIClient, settings: Any, portone: FakePortOne, caplog: Any, make_user: Any
) -> None:
    """``PORTONE_CERT["CACHE"]`` unreachable: the V1 token comes from PortOne directly
    (one getToken for two verifications in this process), one warning, no secret in it."""
    settings.CACHES = {"default": HEALTHY, "tokens": DEAD_REDIS}
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "CACHE": "tokens"}
    with caplog.at_level(logging.WARNING, "django_portone_cert"):
        for user_number in range(2):
            if user_number:
                api.force_authenticate(make_user())
            merchant_uid = prepare(api)
            imp_uid = portone.add_certification(
                merchant_uid=merchant_uid, name=f"사람{user_number}"
            )
            response = api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
            assert response.status_code == 201, response.content
    assert CertificationAttempt.objects.filter(status="verified").count() == 2
    assert portone.token_requests == token_requests(1)
    warnings = [r for r in caplog.records if "token cache" in r.getMessage()]
    assert len(warnings) == token_requests(1)
    for secret in (app_settings.IMP_SECRET, app_settings.IMP_KEY):
        assert secret not in caplog.text


def test_a_half_up_token_cache_still_verifies(
    api: APIClient, settings: Any, portone: FakePortOne
) -> None:
    """Reads answer but writes fail (a read-only replica, a full server)."""
    settings.CACHES = {
        "default": HEALTHY,
        "tokens": {"BACKEND": f"{__name__}.WriteFailingCache", "LOCATION": "tokens"},
    }
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "CACHE": "tokens"}
    merchant_uid = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)
    response = api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert response.status_code == 201, response.content
    assert portone.token_requests == token_requests(1)


def test_the_database_failing_during_certify_answers_503_and_records_the_failure(
    api: APIClient, portone: FakePortOne, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writing the identity fails (the server closed the connection): 503 as JSON, and
    the attempt, which can still be written, records the failure instead of staying pending."""
    merchant_uid = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)

    def save(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(VerifiedIdentity, "save", save)
    response = api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert_service_unavailable(response)
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert (attempt.status, attempt.failure_code) == ("failed", "service_unavailable")
    assert not VerifiedIdentity.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_down_during_certify_answers_503_json(
    api: APIClient, portone: FakePortOne, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database goes away while PortOne is asked: every later query fails, the
    failure cannot be recorded either, and the answer is still 503 as JSON."""
    merchant_uid = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)
    original = portone.handle

    def handle(*args: Any, **kwargs: Any) -> Any:
        def execute(*args: Any, **kwargs: Any) -> Any:
            raise OperationalError("could not connect to server: Connection refused")

        monkeypatch.setattr(CursorWrapper, "execute", execute)
        monkeypatch.setattr(CursorWrapper, "executemany", execute)
        return original(*args, **kwargs)

    monkeypatch.setattr(portone, "handle", handle)
    response = api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert_service_unavailable(response)
    monkeypatch.undo()
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert attempt.status == "pending"  # nothing could be written


def test_prepare_answers_503_json_when_the_database_is_down(
    api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def create(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr(CertificationAttempt.objects, "create", create)
    assert_service_unavailable(api.post(PREPARE))


@pytest.fixture
def visitor(settings: Any, db: None) -> APIClient:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "ANONYMOUS_VERIFICATION": True}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.CACHES = {
        "default": HEALTHY,
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"},
    }
    return APIClient(raise_request_exception=False)


def test_a_visitors_prepare_answers_503_json_when_sessions_are_down(
    visitor: APIClient, settings: Any, portone: FakePortOne
) -> None:
    settings.CACHES = {**settings.CACHES, "sessions": DEAD_REDIS}
    assert_service_unavailable(visitor.post(PREPARE))
    assert CertificationAttempt.objects.count() == 0


def test_a_visitors_certify_answers_503_json_when_the_session_cannot_be_written(
    visitor: APIClient, settings: Any, portone: FakePortOne
) -> None:
    """The session store reads but cannot write: the result cannot wait for the sign-up,
    and the visitor is told so as JSON (not by the middleware's error page)."""
    merchant_uid = prepare(visitor)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": f"{__name__}.WriteFailingCache", "LOCATION": "s"},
    }
    response = visitor.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert_service_unavailable(response)


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (OperationalError("gone"), True),
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError("timed out"), True),
        (ServiceUnavailable(), False),
        (ValueError("a bug"), False),
        (KeyError("a bug"), False),
    ],
)
def test_what_counts_as_an_outage(error: Exception, outage: bool) -> None:
    assert is_service_outage(error) is outage


def test_a_redis_error_counts_as_an_outage() -> None:
    import redis.exceptions

    assert is_service_outage(redis.exceptions.ConnectionError("refused"))
    assert is_service_outage(redis.exceptions.TimeoutError("slow"))
