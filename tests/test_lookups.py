"""A certify finds, checks and counts its attempt in one statement before PortOne is asked
(core/lookups.py), and refuses exactly as the step-by-step path does where that statement
is not available or finds nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert.core import attempts
from django_portone_cert.models import CertificationAttempt
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure
from tests.versions import certify_body

PREPARE = "/portone-cert/prepare/"
CERTIFY = "/portone-cert/certifications/"


def started(api: APIClient, portone: FakePortOne) -> tuple[str, str]:
    merchant_uid = api.post(PREPARE).json()["merchant_uid"]
    return merchant_uid, portone.add_certification(merchant_uid=merchant_uid, **PERSON)


def certify(api: APIClient, imp_uid: str, merchant_uid: str) -> Any:
    return api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")


@pytest.mark.django_db(transaction=True)
def test_the_lookup_is_counted_and_committed_before_portone_is_asked(
    api_version: str, portone: FakePortOne, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = client_for(make_user())
    merchant_uid, imp_uid = started(api, portone)
    seen: dict[str, Any] = {}
    real = attempts.get_client

    class Watching:
        def __getattr__(self, name: str) -> Any:
            return getattr(real(), name)

        def get_result(self, result_id: str, **kwargs: Any) -> Any:
            seen["statements"] = len(queries.captured_queries)
            seen["lookups"] = CertificationAttempt.objects.get(merchant_uid=merchant_uid).lookups
            seen["committed"] = connection.get_autocommit() and not connection.in_atomic_block
            return real().get_result(result_id, **kwargs)

    monkeypatch.setattr(attempts, "get_client", Watching)
    with CaptureQueriesContext(connection) as queries:
        assert certify(api, imp_uid, merchant_uid).status_code == 201
    assert seen == {"statements": 1, "lookups": 1, "committed": True}
    assert queries.captured_queries[0]["sql"].startswith("UPDATE")


def test_a_success_counts_one_lookup(
    lookup_path: str, portone: FakePortOne, make_user: Any
) -> None:
    api = client_for(make_user())
    merchant_uid, imp_uid = started(api, portone)
    assert certify(api, imp_uid, merchant_uid).status_code == 201
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert (attempt.lookups, attempt.status) == (1, "verified")


def test_another_users_attempt(lookup_path: str, portone: FakePortOne, make_user: Any) -> None:
    merchant_uid, imp_uid = started(client_for(make_user()), portone)
    response = certify(client_for(make_user()), imp_uid, merchant_uid)
    assert (response.status_code, response.json()["code"]) == (400, "attempt_mismatch")
    assert CertificationAttempt.objects.get(merchant_uid=merchant_uid).lookups == 0


def test_an_expired_attempt(lookup_path: str, portone: FakePortOne, make_user: Any) -> None:
    api = client_for(make_user())
    merchant_uid, imp_uid = started(api, portone)
    CertificationAttempt.objects.filter(merchant_uid=merchant_uid).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = certify(api, imp_uid, merchant_uid)
    assert (response.status_code, response.json()["code"]) == (400, "attempt_expired")
    assert CertificationAttempt.objects.get(merchant_uid=merchant_uid).lookups == 0


def test_an_exhausted_attempt(
    lookup_path: str, portone: FakePortOne, make_user: Any, settings: Any
) -> None:
    configure(settings, ATTEMPT_MAX_LOOKUPS=2)
    api = client_for(make_user())
    merchant_uid = api.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, certified=False, **PERSON)
    codes = [certify(api, imp_uid, merchant_uid).json()["code"] for _ in range(4)]
    assert codes == ["not_certified", "not_certified", "attempt_exhausted", "attempt_exhausted"]
    assert CertificationAttempt.objects.get(merchant_uid=merchant_uid).lookups == 2


def test_a_used_result_and_a_spent_attempt(
    lookup_path: str, portone: FakePortOne, make_user: Any
) -> None:
    api = client_for(make_user())
    merchant_uid, imp_uid = started(api, portone)
    assert certify(api, imp_uid, merchant_uid).status_code == 201
    again = certify(api, imp_uid, merchant_uid)
    assert (again.status_code, again.json()["code"]) == (409, "certification_used")
    other = client_for(make_user())
    fresh = other.post(PREPARE).json()["merchant_uid"]
    replay = certify(other, imp_uid, fresh)
    assert replay.json()["code"] in {"certification_used", "attempt_mismatch"}
    assert CertificationAttempt.objects.get(merchant_uid=fresh).lookups == 0


@pytest.mark.django_db
def test_a_visitors_attempt_follows_the_session(
    lookup_path: str, portone: FakePortOne, settings: Any
) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True)
    visitor, stranger = APIClient(), APIClient()
    merchant_uid, imp_uid = started(visitor, portone)
    stranger.post(PREPARE)  # a session of its own
    refused = certify(stranger, imp_uid, merchant_uid)
    assert (refused.status_code, refused.json()["code"]) == (400, "attempt_mismatch")
    assert certify(visitor, imp_uid, merchant_uid).status_code == 201
    assert CertificationAttempt.objects.get(merchant_uid=merchant_uid).lookups == 1
