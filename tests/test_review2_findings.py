"""Review 2 (account recovery, children and guardians): defects found by an attacker's read.

Each test states what the contract (DESIGN.md / DOMAIN.md) demands and fails today; it is
marked ``xfail(strict=True)`` so the suite stays green until the defect is fixed.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rest_framework.test import APIClient

from django_portone_cert import services
from django_portone_cert.models import GuardianConsent, GuardianConsentRequest, VerifiedIdentity
from django_portone_cert.signals import guardian_consented
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure, verify
from tests.test_guardians import CHILD, GUARDIAN, guardian_verify, token_of, years_ago
from tests.versions import certify_body

GATED = "/gated/api/members/"
HEALTHY = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "healthy"}


def _guardian_policy(settings: Any, **extra: Any) -> None:
    configure(settings, CHILD_POLICY="guardian", **extra)


def _verified_child(make_user: Any, portone: FakePortOne, **person: Any) -> Any:
    child = make_user()
    response = verify(client_for(child), portone, **(person or CHILD))
    assert response.status_code == 201, response.content
    return child


@pytest.mark.xfail(
    strict=True,
    reason="guardian consent is committed before the session rotates: a session store that "
    "cannot be written answers 503 while the consent stays stored, the link is spent and "
    "guardian_consented is never sent",
)
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
            certify_body(imp_uid, merchant_uid),
            format="json",
        )
    finally:
        guardian_consented.disconnect(receive)
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "service_unavailable"
    # 503 means "not done": no consent, the link still usable, nothing announced.
    assert not GuardianConsent.objects.exists()
    assert GuardianConsentRequest.objects.get().used_at is None


@pytest.mark.xfail(
    strict=True,
    reason="GuardianConsent is keyed on the child's user account, not on the child's "
    "identity: after the admin's 'Revoke the verification' another child verifies on the "
    "account and passes every gate on the first child's guardian's consent",
)
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


@pytest.mark.xfail(
    strict=True,
    reason="a consent given by a CI-less guardian result (REQUIRE_CI off) stores no CI hash, "
    "so that guardian can never withdraw it by verifying again (identity_mismatch)",
)
def test_a_guardian_verified_without_ci_can_withdraw(
    api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    _guardian_policy(settings, REQUIRE_CI=False)
    child = _verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    given = guardian_verify(APIClient(), portone, token, ci=None, **GUARDIAN)
    assert given.status_code == 201, given.content
    again = guardian_verify(APIClient(), portone, token, "revoke", ci=None, **GUARDIAN)
    assert again.status_code == 200, again.content
    assert GuardianConsent.objects.get().revoked_at is not None


@pytest.mark.xfail(
    strict=True,
    reason="certify_guardian (and revoke_by_guardian) never call delete_at_portone_after_commit: "
    "with DELETE_AFTER_VERIFY the guardian's full result (phone, CI, DI) stays at PortOne, "
    "reachable through the imp_uid kept on the consumed attempt",
)
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


@pytest.mark.xfail(
    strict=True,
    reason="recover() looks the accounts up after the AttemptRun: a database failure there "
    "answers 503 but leaves the attempt recorded as a success (status verified, no failure "
    "code) and consumed, contrary to 'nothing is stored but the attempt's failure'",
)
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


@pytest.mark.xfail(
    strict=True,
    reason="contrib.allauth: claim_verification's ChildNotAllowed is not caught by the "
    "adapter (Django's HTML 500) and its erasure of the child's waiting result runs inside "
    "the adapter's transaction.atomic, so it is rolled back: the child's result stays stored "
    "under 'refuse'",
)
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


@pytest.mark.xfail(
    strict=True,
    reason="GuardianConsent.guardian_ci_hash is neither re-keyed by portone_cert_rotate_keys "
    "nor named by its note: after the documented key rotation (run the command, then drop the "
    "old key) the guardian can never withdraw their consent (identity_mismatch)",
)
def test_a_guardian_can_withdraw_after_the_documented_key_rotation(
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
    settings.SECRET_KEY_FALLBACKS = []
    # The child is still recognised (re-keyed), so only the guardian's hash is left behind.
    response = guardian_verify(APIClient(), portone, token, "revoke", **GUARDIAN)
    assert response.status_code == 200, response.content
    assert GuardianConsent.objects.get().revoked_at is not None
