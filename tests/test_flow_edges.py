"""Edges of the recovery and guardian flows: an outage mid-way leaves nothing half-stored, a
consent is for the person (not the account), PortOne's copy goes, key rotation, a child's
waiting result after the policy changed."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from django_portone_cert import services
from django_portone_cert.models import GuardianConsent, GuardianConsentRequest, VerifiedIdentity
from django_portone_cert.signals import guardian_consented
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure, verify
from tests.test_guardians import (
    CHILD,
    GUARDIAN,
    consent_body,
    guardian_verify,
    token_of,
    years_ago,
)
from tests.versions import certify_body

GATED = "/gated/api/members/"
HEALTHY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "healthy"}


def _guardian_policy(settings: Any, **extra: Any) -> None:
    configure(settings, CHILD_POLICY="guardian", SITE_URL="https://www.example.kr", **extra)


def _verified_child(make_user: Any, portone: FakePortOne, **person: Any) -> Any:
    child = make_user()
    response = verify(client_for(child), portone, **(person or CHILD))
    assert response.status_code == 201, response.content
    return child


def test_a_session_outage_after_the_guardian_verifies_leaves_nothing_half_stored(
    api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    _guardian_policy(settings)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.CACHES = {
        "default": HEALTHY,
        "sessions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "s"},
    }
    child = _verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    guardian = APIClient(raise_request_exception=False)
    prepared = guardian.post(f"/portone-cert/guardian/{token}/prepare/")
    assert prepared.status_code == 201, prepared.content
    merchant_uid = prepared.json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **GUARDIAN)
    # The session store now reads but cannot write (as in tests/test_outage.py).
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {"BACKEND": "tests.test_outage.WriteFailingCache", "LOCATION": "s"},
    }
    sent: list[Any] = []

    def receive(sender: Any, **kwargs: Any) -> None:
        sent.append(kwargs)

    guardian_consented.connect(receive, weak=False)
    try:
        response = guardian.post(
            f"/portone-cert/guardian/{token}/certifications/",
            consent_body(imp_uid, merchant_uid),
            format="json",
        )
    finally:
        guardian_consented.disconnect(receive)
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "service_unavailable"
    # 503 means "not done": no consent, the link still usable, nothing announced.
    assert not GuardianConsent.objects.exists()
    assert GuardianConsentRequest.objects.get().used_at is None


def test_a_consent_does_not_carry_over_to_another_child_on_the_same_account(
    api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    _guardian_policy(settings)
    account = _verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(account))
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    assert client_for(account).get(GATED).status_code == 200
    # The admin action "Revoke the verification (the user must verify again)" deletes it.
    VerifiedIdentity.objects.filter(user=account).delete()
    other_child = {"name": "이남남", "birth_date": years_ago(9)}
    response = verify(client_for(account), portone, **other_child)
    assert response.status_code == 201, response.content
    # Nobody has consented for this child.
    response = client_for(account).get(GATED)
    assert response.status_code == 403
    assert response.json()["code"] == "guardian_consent_required"


def test_a_guardian_without_a_ci_is_refused(
    api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    _guardian_policy(settings, REQUIRE_CI=False)
    child = _verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    # Only a CI says who consented (and lets that person, alone, withdraw): refused.
    given = guardian_verify(APIClient(), portone, token, ci=None, **GUARDIAN)
    assert given.status_code == 400 and given.json()["code"] == "ci_missing", given.content
    assert not GuardianConsent.objects.exists()


def test_delete_after_verify_deletes_the_guardians_result_at_portone(
    api_version: str,
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    if api_version == "v2":
        pytest.skip("V2 has no delete (W005): DELETE_AFTER_VERIFY does nothing there")
    _guardian_policy(settings, DELETE_AFTER_VERIFY=True)
    child = _verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    with django_capture_on_commit_callbacks(execute=True):
        response = guardian_verify(APIClient(), portone, token, **GUARDIAN)
    assert response.status_code == 201, response.content
    from django_portone_cert.models import CertificationAttempt

    attempt = CertificationAttempt.objects.get(purpose=CertificationAttempt.Purpose.GUARDIAN)
    assert attempt.imp_uid
    assert portone.get_record(attempt.imp_uid) is None


def test_a_database_failure_while_finding_accounts_records_the_failure(
    api_version: str,
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import OperationalError

    from django_portone_cert import recovery
    from django_portone_cert.models import CertificationAttempt

    configure(settings, ACCOUNT_RECOVERY=True)
    settings.ROOT_URLCONF = "tests.recovery_urls"
    assert verify(client_for(make_user()), portone).status_code == 201
    visitor = APIClient(raise_request_exception=False)
    merchant_uid = visitor.post("/portone-cert/recovery/prepare/").json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)

    def find_accounts(ci: str) -> list[Any]:
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(recovery, "find_accounts", find_accounts)
    response = visitor.post(
        "/portone-cert/recovery/certifications/",
        certify_body(imp_uid, merchant_uid),
        format="json",
    )
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "service_unavailable"
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert (attempt.status, attempt.failure_code) == ("failed", "service_unavailable")


def test_allauth_sign_up_of_a_child_waiting_from_before_refuse_erases_it(
    api_version: str, settings: Any, portone: FakePortOne, db: None
) -> None:
    from django.conf import settings as django_settings
    from django.contrib.auth import get_user_model

    from django_portone_cert.models import CertificationAttempt

    if "allauth.account" not in django_settings.INSTALLED_APPS:
        pytest.skip("the allauth lane (--ds=tests.allauth_settings)")
    configure(settings, ANONYMOUS_VERIFICATION=True, CHILD_POLICY="guardian")
    settings.ROOT_URLCONF = "tests.allauth_urls"
    visitor = APIClient(raise_request_exception=False)
    assert verify(visitor, portone, **CHILD).json()["pending_signup"] is True
    configure(settings, CHILD_POLICY="refuse")  # changed while the result waited
    password = "a-long-pass-9876"
    response = visitor.post(
        "/accounts/signup/", {"username": "kid", "password1": password, "password2": password}
    )
    assert not get_user_model().objects.filter(username="kid").exists()
    assert response.status_code in (200, 302), response.status_code
    attempt = CertificationAttempt.objects.get()
    assert attempt.result == "" and attempt.failure_code == "child_not_allowed"


def test_key_rotation_says_to_keep_the_old_key_for_guardians(
    api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    from io import StringIO

    from django.core.management import call_command

    _guardian_policy(settings)
    child = _verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    # docs/personal-data.md, "Derived keys, the Django way": new SECRET_KEY, old one in
    # SECRET_KEY_FALLBACKS; run portone_cert_rotate_keys; then remove the old key.
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "review2-a-brand-new-secret-key-" + "x" * 40
    out = StringIO()
    call_command("portone_cert_rotate_keys", stdout=out)
    # No guardian's CI is kept, so their hash cannot be re-keyed: the command says to keep
    # the old key as a fallback while the consent matters; with it, the guardian withdraws.
    assert "1 live guardian consents" in out.getvalue()
    response = guardian_verify(APIClient(), portone, token, "revoke", **GUARDIAN)
    assert response.status_code == 200, response.content
    assert GuardianConsent.objects.get().revoked_at is not None
