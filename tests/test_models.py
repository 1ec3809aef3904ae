from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from django_portone_cert.gates import AgeGate, Outcome
from django_portone_cert.masking import mask_ci, mask_name
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.testing import FakePerson

#: The CI the fake gives 홍길동, born 2007-03-01.
CI = FakePerson(name="홍길동", birth_date=date(2007, 3, 1)).ci


@pytest.fixture
def identity(user: Any) -> VerifiedIdentity:
    now = timezone.now()
    return VerifiedIdentity.objects.create(
        user=user,
        name="홍길동",
        birth_date=date(2007, 3, 1),
        ci=CI,
        imp_uid="imp_1",
        certified_at=now,
        verified_at=now,
    )


def test_str_and_repr_carry_no_personal_data(identity: VerifiedIdentity) -> None:
    for text in (str(identity), repr(identity)):
        assert "홍길동" not in text and CI not in text and "2007" not in text


def test_age_uses_the_rule(identity: VerifiedIdentity, settings: Any) -> None:
    on = date(2026, 2, 28)
    assert identity.age(rule="full", on=on) == 18
    assert identity.age(rule="year", on=on) == 19
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "AGE_RULE": "year"}
    assert identity.age(on=on) == 19
    assert identity.meets_age(19, on=on)
    assert not identity.meets_age(19, rule="full", on=on)


def test_verification_currency(identity: VerifiedIdentity, settings: Any) -> None:
    """``REVERIFY_AFTER`` is the gates' rule (one place: ``AgeGate.evaluate``)."""
    gate = AgeGate(min_age=None)
    assert gate.evaluate(identity.user, identity) is Outcome.ALLOWED
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "REVERIFY_AFTER": timedelta(days=365)}
    assert gate.evaluate(identity.user, identity) is Outcome.ALLOWED
    later = timezone.now() + timedelta(days=366)
    assert gate.evaluate(identity.user, identity, now=later) is Outcome.REVERIFICATION_REQUIRED


def test_attempt_defaults(user: Any, settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "ATTEMPT_TTL": 60}
    attempt = CertificationAttempt.objects.create(user=user)
    assert attempt.expires_at - attempt.created_at == timedelta(seconds=60)
    assert not attempt.is_expired()
    assert attempt.is_expired(now=datetime.now(UTC) + timedelta(seconds=61))
    assert str(attempt) == attempt.merchant_uid


def test_masking() -> None:
    assert mask_name("홍길동") == "홍*동"
    assert mask_name("남궁민수") == "남**수"
    assert mask_name("김철") == "김*"
    assert mask_name("이") == "이"
    assert mask_name("") == ""
    assert mask_ci(CI) == CI[:6] + "…"
    assert mask_ci(None) == ""
