"""In-app verification under concurrent requests on PostgreSQL (and Redis when REDIS_URL is
set): the database's conditional updates and the cache's atomic counts, not luck, decide."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import RequestFactory
from django.utils import timezone

from django_portone_cert import otp, services
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.portone import OtpRequest
from django_portone_cert.testing import FakePortOne
from django_portone_cert.verification import verify_certification
from tests.helpers import configure
from tests.test_races import _postgres_only, race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("api_version"),  # each race on V1 and on V2
]

__all__ = ["_postgres_only"]  # the file's autouse fixture: PostgreSQL only

PHONE = "01077703333"


@pytest.fixture(autouse=True)
def _otp_on(api_version: str, settings: Any) -> None:
    configure(settings, OTP_ENABLED=True, OTP_PROVIDER="danal")


def person(phone: str = PHONE) -> OtpRequest:
    return OtpRequest(
        name="경쟁자",
        phone=phone,
        birth_date=date(1988, 8, 8),
        gender_digit="1",
        carrier="SKT",
        method="SMS",
        ip_address="192.0.2.1",
        channel_key="channel-key-test",
    )


def request_from(address: str = "192.0.2.1") -> Any:
    return RequestFactory().post("/portone-cert/otp/", REMOTE_ADDR=address)


def send_for(user: Any, phone: str = PHONE, address: str = "192.0.2.1") -> otp.CodeSent:
    return otp.send_code(
        person(phone),
        user=user,
        request=request_from(address),
        start=lambda: services.start_attempt(user=user),
    )


def confirm_as(user: Any, attempt_id: str, code: str) -> Any:
    return otp.confirm_code(
        verify_certification,
        otp.CodeConfirmation(code),
        attempt_id=attempt_id,
        user=user,
        request=request_from(),
    )


def test_otp_twenty_wrong_codes_at_once_reach_portone_at_most_max_wrong_times(
    make_user: Any,
) -> None:
    fake = FakePortOne()
    user = make_user()
    with fake.activate():
        sent = send_for(user)
        right = fake.last_code(PHONE)
        before = fake.count("otp")
        wrong = "000000" if right != "000000" else "111111"
        outcomes = race([lambda: confirm_as(user, sent.attempt_id, wrong)] * 20)
    assert sum(outcomes.values()) == 20 and outcomes["ok"] == 0
    assert set(outcomes) <= {"otp_invalid", "otp_exhausted"}
    assert fake.count("otp") - before <= 5  # OTP_MAX_WRONG guesses, whatever the timing
    assert CertificationAttempt.objects.get().otp_confirms == 5


def test_otp_the_right_code_confirmed_ten_times_at_once(make_user: Any) -> None:
    fake = FakePortOne()
    user = make_user()
    with fake.activate():
        sent = send_for(user)
        code = fake.last_code(PHONE) or ""
        outcomes = race([lambda: confirm_as(user, sent.attempt_id, code)] * 10)
    assert outcomes["ok"] == 1 and sum(outcomes.values()) == 10
    assert VerifiedIdentity.objects.count() == 1
    assert CertificationAttempt.objects.get().status == "verified"


def test_otp_one_phone_asked_by_twenty_users_at_once(make_user: Any) -> None:
    fake = FakePortOne()
    users = [make_user() for _ in range(20)]
    with fake.activate():
        outcomes = race(
            [
                lambda user=user, n=n: send_for(user, address=f"198.51.100.{n}")
                for n, user in enumerate(users)
            ]
        )
        reached = fake.otp_sends(PHONE)
    print(f"\nOTP race figure: 20 concurrent sends to one phone -> {reached} reached PortOne")
    assert outcomes == {"ok": 5, "otp_limited": 15}
    assert reached == 5


def test_otp_five_resends_at_once_send_one_code(make_user: Any) -> None:
    fake = FakePortOne()
    user = make_user()
    with fake.activate():
        sent = send_for(user)
        CertificationAttempt.objects.update(otp_sent_at=timezone.now() - timedelta(minutes=2))
        outcomes = race(
            [
                lambda: otp.resend_code(
                    sent.attempt_id, user=user, request=request_from(), person=person()
                )
            ]
            * 5
        )
        reached = fake.otp_sends(PHONE)
    assert outcomes == {"ok": 1, "otp_resend_too_soon": 4}
    assert reached == 2
    assert CertificationAttempt.objects.get().otp_sends == 2
