"""The person's rights: ``GET me/export/`` (PIPA §35) and ``DELETE me/identity/`` (§36), each
after a fresh 본인인증 (``STEP_UP_MAX_AGE``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.dispatch import Signal
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert import crypto
from django_portone_cert.models import (
    GuardianConsent,
    IdentityTombstone,
    PersonalDataAccess,
    VerifiedIdentity,
)
from django_portone_cert.signals import identity_exported, identity_withdrawn
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePerson, FakePortOne
from tests.helpers import client_for, configure, verify

EXPORT = "/portone-cert/me/export/"
IDENTITY = "/portone-cert/me/identity/"
CI = FakePerson(name="홍길동", birth_date=date(1990, 5, 17)).ci


def received(signal: Signal) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []
    signal.connect(lambda **kw: calls.append(kw), weak=False, dispatch_uid="test_rights")
    try:
        yield calls
    finally:
        signal.disconnect(dispatch_uid="test_rights")


@pytest.fixture
def exported() -> Iterator[list[dict[str, Any]]]:
    yield from received(identity_exported)


@pytest.fixture
def withdrawn() -> Iterator[list[dict[str, Any]]]:
    yield from received(identity_withdrawn)


@pytest.fixture
def verified(api_version: str, portone: FakePortOne, user: Any) -> APIClient:
    client = client_for(user)
    assert verify(client, portone, name="홍길동", birth_date=date(1990, 5, 17)).status_code == 201
    return client


def age_verification(minutes: int) -> None:
    earlier = timezone.now() - timedelta(minutes=minutes)
    VerifiedIdentity.objects.update(verified_at=earlier)


def test_export_after_a_fresh_verification(
    verified: APIClient,
    user: Any,
    exported: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = verified.get(EXPORT, REMOTE_ADDR="198.51.100.20")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    identity = body["identity"]
    assert identity["name"] == {"value": "홍길동", "source": "provider"}
    assert identity["birth_date"] == {"value": "1990-05-17", "source": "provider"}
    assert identity["ci"] == {"stored": True, "source": "provider"}
    assert identity["provider"] == "danal" and identity["verified_at"]
    assert identity["gender"]["source"] in ("provider", "self_declared")
    assert body["tombstone"] is False
    assert body["guardian_consents_received"] == body["guardian_consents_given"] == []
    assert [a["status"] for a in body["attempts"]] == ["verified"]
    assert CI not in response.content.decode() and CI[:16] not in response.content.decode()
    assert [call["user"] for call in exported] == [user]
    [row] = PersonalDataAccess.objects.all()
    assert (row.action, row.staff_id, row.subject_id) == ("export", str(user.pk), str(user.pk))
    assert row.address == "198.51.100.20" and "§35" in row.reason


def test_export_names_consents_and_a_tombstone(verified: APIClient, user: Any) -> None:
    GuardianConsent.objects.create(
        child=user, guardian_name="홍아빠", guardian_birth_date=date(1960, 1, 1)
    )
    child = type(user).objects.create_user(username="child-of-hong", password="pw-12345-x")
    GuardianConsent.objects.create(
        child=child,
        guardian_name="홍길동",
        guardian_birth_date=date(1990, 5, 17),
        guardian_ci_hash=crypto.keyed_hash(CI),
    )
    IdentityTombstone.objects.create(
        ci_hash=crypto.keyed_hash(CI), expires_at=timezone.now() + timedelta(days=1)
    )
    body = verified.get(EXPORT).json()
    [given] = body["guardian_consents_given"]
    assert (given["name"], given["birth_date"]) == ("홍길동", "1990-05-17")
    [got] = body["guardian_consents_received"]
    assert got["guardian_name"] == "홍*빠"  # another person's name, masked
    assert body["tombstone"] is True


def test_the_phone_when_stored(
    api_version: str, portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, STORE_PHONE=True)
    client = client_for(user)
    assert verify(client, portone).status_code == 201
    identity = client.get(EXPORT).json()["identity"]
    assert identity["phone"]["value"] == VerifiedIdentity.objects.get().phone
    assert identity["phone"]["source"] == "provider"


def test_a_stale_verification_must_step_up(
    verified: APIClient, exported: list[dict[str, Any]]
) -> None:
    age_verification(11)
    response = verified.get(EXPORT)
    assert response.status_code == 403
    assert response.json()["code"] == "step_up_required"
    assert exported == [] and not PersonalDataAccess.objects.exists()
    assert verified.delete(IDENTITY).json()["code"] == "step_up_required"
    assert VerifiedIdentity.objects.exists()


def test_step_up_max_age_is_a_setting(verified: APIClient, settings: Any) -> None:
    age_verification(11)
    configure(settings, STEP_UP_MAX_AGE=timedelta(minutes=15))
    assert verified.get(EXPORT).status_code == 200


def test_never_verified_must_verify(api: APIClient) -> None:
    for response in (api.get(EXPORT), api.delete(IDENTITY)):
        assert response.status_code == 403
        assert response.json()["code"] == "step_up_required"


def test_visitors_are_refused(db: None) -> None:
    assert APIClient().get(EXPORT).status_code in (401, 403)
    assert APIClient().delete(IDENTITY).status_code in (401, 403)


def test_export_is_throttled(verified: APIClient, settings: Any) -> None:
    configure(settings, THROTTLE_RATE="1/minute")
    cache.clear()  # the verification's own requests counted too
    assert verified.get(EXPORT).status_code == 200
    response = verified.get(EXPORT)
    assert response.status_code == 429 and response.json()["code"] == "throttled"


def test_withdrawal_after_a_fresh_verification(
    verified: APIClient,
    user: Any,
    portone: FakePortOne,
    api_version: str,
    withdrawn: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    imp_uid = VerifiedIdentity.objects.get().imp_uid
    with django_capture_on_commit_callbacks(execute=True):
        response = verified.delete(IDENTITY)
    assert response.status_code == 204
    assert not VerifiedIdentity.objects.exists()
    assert [call["user"] for call in withdrawn] == [user]
    # The gates now treat the person as unverified.
    assert verified.get("/portone-cert/me/").json() == {"verified": False}
    assert verified.get("/gated/api/members/").status_code == 403
    # PortOne's copy: deleted on V1; V2 has no delete.
    assert (portone.get_record(imp_uid) is None) == (api_version == "v1")
    [row] = PersonalDataAccess.objects.all()
    assert (row.action, row.subject_id) == ("delete", str(user.pk))
    assert not IdentityTombstone.objects.exists()  # TOMBSTONE_RETENTION is off


def test_withdrawal_keeps_a_tombstone_and_ends_consents(
    verified: APIClient, user: Any, settings: Any, portone: FakePortOne
) -> None:
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=30), DELETE_AFTER_VERIFY=True)
    consent = GuardianConsent.objects.create(
        child=user, guardian_name="홍아빠", guardian_birth_date=date(1960, 1, 1)
    )
    assert verified.delete(IDENTITY).status_code == 204
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert IdentityTombstone.objects.filter(ci_hash=crypto.keyed_hash(CI)).exists()
    again = verify(verified, portone, name="홍길동", birth_date=date(1990, 5, 17))
    assert again.json()["code"] == "reregistration_blocked"


def test_withdrawal_needs_the_csrf_token(verified: APIClient, user: Any) -> None:
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(user)
    assert browser.delete(IDENTITY).status_code == 403
    assert VerifiedIdentity.objects.exists()


def test_staff_see_the_requests_in_the_log(verified: APIClient, user: Any, make_user: Any) -> None:
    verified.get(EXPORT)
    auditor = make_user(is_staff=True)
    auditor.user_permissions.add(Permission.objects.get(codename="view_personaldataaccess"))
    client = APIClient()
    client.force_login(auditor)
    html = client.get("/admin/portone_cert/personaldataaccess/").content.decode()
    assert "export" in html and str(user.pk) in html
    assert not [value for value in ISSUED_PERSONAL_DATA if value and value in html]
