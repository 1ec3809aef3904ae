"""What is deleted, and when: PortOne's copy, purges, tombstones."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.management import call_command
from django.utils import timezone

from django_portone_cert import retention
from django_portone_cert.models import CertificationAttempt, IdentityTombstone, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import (
    PERSON,
    client_for,
    configure,
    raw_dump,
    verify,
)


def test_delete_after_verify(
    user: Any, portone: FakePortOne, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    configure(settings, DELETE_AFTER_VERIFY=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = verify(client_for(user), portone)
    assert response.status_code == 201
    assert portone.get_record(VerifiedIdentity.objects.get().imp_uid) is None


def test_a_failed_delete_is_logged_not_fatal(
    user: Any,
    portone: FakePortOne,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: Any,
) -> None:
    configure(settings, DELETE_AFTER_VERIFY=True)
    attempt = client_for(user).post("/portone-cert/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **PERSON)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(user).post(
            "/portone-cert/certifications/",
            {"imp_uid": imp_uid, "merchant_uid": attempt["merchant_uid"]},
            format="json",
        )
    assert response.status_code == 201
    portone.inject("http_500", endpoint="certification")
    with caplog.at_level(logging.WARNING, logger="django_portone_cert"):
        for callback in callbacks:
            callback()
    assert "Could not delete PortOne's copy" in caplog.text
    assert portone.get_record(imp_uid) is not None
    assert VerifiedIdentity.objects.filter(user=user).exists()


def test_purge(make_user: Any, settings: Any) -> None:
    now = timezone.now()
    user = make_user()
    make = CertificationAttempt.objects.create
    make(user=user, expires_at=now - timedelta(minutes=1))  # expired, pending
    make(user=user, expires_at=now + timedelta(minutes=5))  # still open
    make(user=user, status="failed", created_at=now - timedelta(days=31), expires_at=now)
    make(user=user, status="failed", created_at=now - timedelta(days=1), expires_at=now)
    make(
        session_key="s",
        status="verified",
        completed_at=now - timedelta(hours=1),
        result="{}",
        expires_at=now,
    )  # a visitor who never signed up
    make(session_key="s", status="verified", completed_at=now, result="{}", expires_at=now)
    IdentityTombstone.objects.create(ci_hash="a" * 64, expires_at=now - timedelta(days=1))
    IdentityTombstone.objects.create(ci_hash="b" * 64, expires_at=now + timedelta(days=1))
    out = open("/dev/null", "w")  # noqa: SIM115
    call_command("portone_cert_purge", stdout=out)
    report = retention.purge()
    assert report == retention.PurgeReport(0, 0, 0, 0)  # the command did it all
    assert CertificationAttempt.objects.count() == 3
    assert list(IdentityTombstone.objects.values_list("ci_hash", flat=True)) == ["b" * 64]


def test_deleted_account_and_tombstone(make_user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=90))
    user = make_user()
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    user.delete()
    # The identity and the attempts went with the account; a keyed hash stays.
    assert not VerifiedIdentity.objects.exists()
    assert not CertificationAttempt.objects.exists()
    stone = IdentityTombstone.objects.get()
    assert stone.ci_hash == identity.ci_hash
    assert portone.person_ci(**PERSON) not in raw_dump()

    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "reregistration_blocked"
    IdentityTombstone.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    retention.purge()
    assert verify(client_for(make_user()), portone).status_code == 201


def test_no_tombstone_by_default(user: Any, portone: FakePortOne) -> None:
    assert verify(client_for(user), portone).status_code == 201
    user.delete()
    assert not IdentityTombstone.objects.exists()


def test_purge_forgets_spent_recovery_and_guardian_attempts_and_dead_links(make_user: Any) -> None:
    from django_portone_cert.models import GuardianConsentRequest

    now = timezone.now()
    child = make_user()
    make = CertificationAttempt.objects.create
    for purpose in ("recovery", "guardian", "verification"):
        make(
            user=child if purpose == "verification" else None,  # an identity's own history
            session_key="s",
            purpose=purpose,
            status="verified",
            completed_at=now - timedelta(days=31),
            expires_at=now,
        )
    make(session_key="s", purpose="recovery", status="verified", completed_at=now, expires_at=now)
    dead = GuardianConsentRequest.objects.create(
        child=child,
        token_hash="d" * 64,
        created_at=now - timedelta(days=2),
        expires_at=now - timedelta(minutes=1),
    )
    # Retired today by a newer ask: kept until a day has passed (GUARDIAN_DAILY_LINKS counts it).
    retired = GuardianConsentRequest.objects.create(
        child=child, token_hash="r" * 64, expires_at=now - timedelta(minutes=1)
    )
    used = GuardianConsentRequest.objects.create(
        child=child, token_hash="u" * 64, expires_at=now - timedelta(minutes=1), used_at=now
    )
    live = GuardianConsentRequest.objects.create(
        child=child, token_hash="l" * 64, expires_at=now + timedelta(days=1)
    )
    report = retention.purge()
    assert (report.spent_attempts, report.guardian_requests) == (2, 1)
    assert set(CertificationAttempt.objects.values_list("purpose", flat=True)) == {
        "verification",
        "recovery",
    }
    assert set(GuardianConsentRequest.objects.values_list("pk", flat=True)) == {
        used.pk,
        live.pk,
        retired.pk,
    }
    assert dead.pk not in GuardianConsentRequest.objects.values_list("pk", flat=True)
