"""Verification before sign-up: the visitor's result waits for the claim, bound to their session.

The session key rotates the moment the visitor verifies; only that session may claim.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import login
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert import signup
from django_portone_cert.checks import check_settings
from django_portone_cert.exceptions import IdentityInUse, NoPendingVerification
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import (
    PERSON,
    client_for,
    configure,
    raw_dump,
    request_with_session,
    session_request,
    verify,
)
from tests.versions import certify_body


def test_visitors_cannot_verify_unless_allowed(db: None, portone: FakePortOne) -> None:
    response = APIClient().post("/portone-cert/prepare/")
    assert response.status_code in (401, 403)
    assert not CertificationAttempt.objects.exists()


def test_sign_up_claims_the_verification(
    visitor: APIClient, portone: FakePortOne, make_user: Any
) -> None:
    response = verify(visitor, portone, name="신규가입", birth_date=date(2000, 1, 2))
    assert response.status_code == 201
    body = response.json()
    assert body["pending_signup"] is True and body["name"] == "신규가입"
    assert not VerifiedIdentity.objects.exists()
    attempt = CertificationAttempt.objects.get()
    assert attempt.user is None and attempt.session_key and attempt.result
    assert "신규가입" not in raw_dump()  # the waiting result is encrypted too

    # The sign-up view: ask, then create the account and claim.
    signup = visitor.post("/signup/", {"username": "new@example.com"})
    assert signup.status_code == 201, signup.content
    user = VerifiedIdentity.objects.get().user
    assert user.get_username() == "new@example.com"
    assert user.verified_identity.birth_date == date(2000, 1, 2)
    attempt.refresh_from_db()
    assert attempt.user == user and attempt.claimed_at is not None and attempt.result == ""
    # Claimed once only.
    assert visitor.post("/signup/", {"username": "again@example.com"}).status_code == 400


def test_sign_up_refused_when_the_person_has_an_account(
    visitor: APIClient, portone: FakePortOne, make_user: Any
) -> None:
    assert verify(client_for(make_user()), portone).status_code == 201
    assert verify(visitor, portone).status_code == 201  # verifying is fine...
    signup = visitor.post("/signup/", {"username": "dupe@example.com"})
    assert signup.status_code == 409  # ...the sign-up view refuses kindly
    assert signup.json() == {"error": "already_registered"}
    assert VerifiedIdentity.objects.count() == 1


def test_claim_needs_a_fresh_verification(
    visitor: APIClient, portone: FakePortOne, settings: Any
) -> None:
    assert visitor.post("/signup/", {"username": "x@example.com"}).status_code == 400
    assert verify(visitor, portone).status_code == 201
    CertificationAttempt.objects.update(completed_at=timezone.now() - timedelta(hours=1))
    assert visitor.post("/signup/", {"username": "x@example.com"}).status_code == 400


def test_claim_race_is_decided_by_the_database(
    visitor: APIClient, portone: FakePortOne, make_user: Any
) -> None:
    assert verify(visitor, portone).status_code == 201
    request = session_request(visitor)
    pending = signup.pending_verification(request)
    assert pending is not None and pending.has_account is False
    # Someone else claims the same person first (e.g. between the check and the claim).
    assert verify(client_for(make_user()), portone).status_code == 201
    with pytest.raises(IdentityInUse):
        signup.claim_verification(request, make_user())
    with pytest.raises(NoPendingVerification):
        signup.claim_verification(session_request(APIClient()), make_user())


def test_visitor_requests_need_the_csrf_token(
    settings: Any, db: None, portone: FakePortOne
) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True)
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/portone-cert/prepare/")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    secret = "s3cr3t" * 5 + "ab"
    client.cookies["csrftoken"] = secret
    assert client.post("/portone-cert/prepare/", HTTP_X_CSRFTOKEN=secret).status_code == 201


def test_a_visitor_cannot_use_another_sessions_attempt(
    visitor: APIClient, portone: FakePortOne
) -> None:
    attempt = visitor.post("/portone-cert/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"])
    stranger = APIClient()
    stranger.post("/portone-cert/prepare/")
    response = stranger.post(
        "/portone-cert/certifications/",
        {"imp_uid": imp_uid, "merchant_uid": attempt["merchant_uid"]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "attempt_mismatch"


PREPARE = "/portone-cert/prepare/"


CERTIFY = "/portone-cert/certifications/"


def test_a_fixed_session_cannot_take_the_visitors_verification(
    api_version: str, visitor: APIClient, portone: FakePortOne
) -> None:
    visitor.post(PREPARE)  # the visitor has a session now...
    fixed = visitor.cookies["sessionid"].value  # ...whose key the attacker planted or copied
    attacker = APIClient()
    attacker.cookies["sessionid"] = fixed

    assert verify(visitor, portone).status_code == 201
    rotated = visitor.cookies["sessionid"].value
    assert rotated != fixed  # rotated the moment the visitor gained something
    attempt = CertificationAttempt.objects.get(status="verified")
    assert attempt.session_key == rotated

    # The old key holds nothing: no pending result, no sign-up with the victim's identity.
    assert signup.pending_verification(request_with_session(fixed)) is None
    assert attacker.post("/signup/", {"username": "attacker@example.com"}).status_code == 400
    assert not VerifiedIdentity.objects.exists()
    # The visitor signs up as themself.
    assert visitor.post("/signup/", {"username": "victim@example.com"}).status_code == 201
    assert VerifiedIdentity.objects.get().user.get_username() == "victim@example.com"


def test_a_lost_double_submit_does_not_rotate_the_session_away(
    api_version: str, visitor: APIClient, portone: FakePortOne
) -> None:
    merchant_uid = visitor.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    body = certify_body(imp_uid, merchant_uid)
    assert visitor.post(CERTIFY, body, format="json").status_code == 201
    won = visitor.cookies["sessionid"].value
    again = visitor.post(CERTIFY, body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "certification_used"
    assert visitor.cookies["sessionid"].value == won
    assert signup.pending_verification(request_with_session(won)) is not None


def test_signed_cookie_sessions_cannot_hold_a_visitors_result(settings: Any) -> None:

    configure(settings, ANONYMOUS_VERIFICATION=True)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert "portone_cert.E031" in [m.id for m in check_settings()]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    assert "portone_cert.E031" not in [m.id for m in check_settings()]


def test_a_session_naming_the_attempt_is_not_enough(
    visitor: APIClient, portone: FakePortOne
) -> None:
    """The attempt's bound key must be the current session's, whatever the session says."""
    assert verify(visitor, portone).status_code == 201
    attempt = CertificationAttempt.objects.get(status="verified")
    forged = SessionStore()
    forged[signup.SESSION_KEY] = attempt.merchant_uid
    forged.save()
    assert signup.pending_verification(request_with_session(forged.session_key)) is None
    with pytest.raises(NoPendingVerification):
        signup.claim_verification(request_with_session(forged.session_key), object())


def test_the_result_follows_the_key_login_rotates(
    visitor: APIClient, portone: FakePortOne, make_user: Any
) -> None:
    """A sign-up that logs the new user in before claiming still finds the result."""
    assert verify(visitor, portone).status_code == 201
    before = visitor.cookies["sessionid"].value
    request = request_with_session(before)
    user = make_user()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    assert request.session.session_key != before
    assert CertificationAttempt.objects.get(status="verified").session_key == (
        request.session.session_key
    )
    identity = signup.claim_verification(request, user)
    assert identity.user == user and identity.name == PERSON["name"]


def test_a_visitors_verification_rotates_the_csrf_token_like_login(
    visitor: APIClient, portone: FakePortOne
) -> None:
    fixed = "f" * 32
    visitor.cookies["csrftoken"] = fixed
    response = verify(visitor, portone)
    assert response.status_code == 201
    assert response.json()["pending_signup"] is True
    new = response.cookies.get("csrftoken")
    assert new is not None and new.value != fixed
