"""In-app verification for every purpose an attempt serves (recovery, a guardian's consent),
its checks, its schema, and what an error report inside the flow shows. V1 and V2."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.checks import Error
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from django_portone_cert import otp, services
from django_portone_cert.checks import check_otp
from django_portone_cert.models import CertificationAttempt, GuardianConsent
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure
from tests.test_guardians import CHILD, guardian_policy, token_of, verified_child
from tests.test_otp import PERSON, PHONE, confirm, send

FORM = "application/x-www-form-urlencoded"
GUARDIAN = {**PERSON, "name": "김보호", "phone": "01066602222", "birth_date": "1975-06-07"}


@pytest.fixture(autouse=True)
def _otp_on(api_version: str, settings: Any) -> None:
    configure(settings, OTP_ENABLED=True, OTP_PROVIDER="danal")


def test_recovery_by_code_lists_the_persons_accounts(
    settings: Any, api: APIClient, user: Any, portone: FakePortOne
) -> None:
    configure(settings, ACCOUNT_RECOVERY=True)
    sent = send(api)
    assert confirm(api, sent.json()["attempt_id"], portone.last_code(PHONE)).status_code == 201
    visitor = APIClient()
    started = visitor.post("/portone-cert/recovery/otp/", PERSON, format="json")
    assert started.status_code == 201, started.json()
    attempt_id = started.json()["attempt_id"]
    # A recovery attempt never verifies an account.
    assert confirm(api, attempt_id, portone.last_code(PHONE)).json()["code"] == "attempt_mismatch"
    before = visitor.cookies["sessionid"].value
    found = visitor.post(
        f"/portone-cert/recovery/otp/{attempt_id}/confirm/",
        {"otp": portone.last_code(PHONE)},
        format="json",
    )
    assert found.status_code == 200, found.json()
    assert len(found.json()["accounts"]) == 1
    assert visitor.cookies["sessionid"].value != before
    assert CertificationAttempt.objects.get(merchant_uid=attempt_id).purpose == "recovery"


def test_recovery_by_code_is_not_found_while_recovery_is_off(api: APIClient) -> None:
    answer = APIClient().post("/portone-cert/recovery/otp/", PERSON, format="json")
    assert (answer.status_code, answer.json()["code"]) == (404, "not_found")


def test_a_guardian_consents_by_code(settings: Any, make_user: Any, portone: FakePortOne) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone, **CHILD)
    token = token_of(services.request_guardian_consent(child))
    guardian = APIClient()
    sent = guardian.post(f"/portone-cert/guardian/{token}/otp/", GUARDIAN, format="json")
    assert sent.status_code == 201, sent.json()
    attempt_id = sent.json()["attempt_id"]
    url = f"/portone-cert/guardian/{token}/otp/{attempt_id}/confirm/"
    code = portone.last_code(GUARDIAN["phone"])
    unattested = guardian.post(url, {"otp": code}, format="json")
    assert unattested.json()["code"] == "invalid"
    answer = guardian.post(url, {"otp": code, "attest": True}, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json() == {"consented": True, "child": "김*동"}
    consent = GuardianConsent.objects.get()
    assert consent.guardian_name == "김보호"
    # The same guardian withdraws it by code, on the same link.
    again = APIClient()
    resent = again.post(f"/portone-cert/guardian/{token}/otp/", GUARDIAN, format="json")
    assert resent.status_code == 201, resent.json()
    withdrawn = again.post(
        f"/portone-cert/guardian/{token}/otp/{resent.json()['attempt_id']}/withdrawal/",
        {"otp": portone.last_code(GUARDIAN["phone"])},
        format="json",
    )
    assert (withdrawn.status_code, withdrawn.json()) == (200, {"revoked": True})
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_an_error_inside_the_flow_shows_neither_the_digit_nor_the_code(
    settings: Any, user: Any, portone: FakePortOne, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """Django's error report as AdminEmailHandler mails it (the logged request and traceback),
    on a 500 while the person's data, then the code, are in hand: neither appears."""
    api = client_for(user)
    attempt_id = send(api).json()["attempt_id"]
    code = portone.last_code(PHONE)
    assert code
    failing = APIClient(raise_request_exception=False)
    failing.force_authenticate(user)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the flow broke")

    for target, url, body in (
        ("run_hook", "/portone-cert/otp/", PERSON),  # a form post: the body is in the report
        ("get_client", f"/portone-cert/otp/{attempt_id}/confirm/", {"otp": code}),
    ):
        caplog.clear()
        with monkeypatch.context() as patch:
            patch.setattr(otp, target, broken)
            form = urlencode(body)
            assert failing.post(url, form, content_type=FORM).status_code == 500
        record = next(r for r in caplog.records if r.name == "django.request")
        report = ExceptionReporter(record.request, *record.exc_info, is_email=True)
        text = report.get_traceback_text() + report.get_traceback_html()
        assert "the flow broke" in text and "django_portone_cert/otp.py" in text
        for secret in (code, "910304", "5550-1234", PHONE, "문자인"):
            assert secret not in text, (target, secret)


@pytest.mark.parametrize(
    ("extra", "ids"),
    [
        ({}, set()),
        ({"CHANNEL_KEY": None}, {"portone_cert.E097"}),
        ({"PG": "inicis_unified.MIIiasTest"}, {"portone_cert.E097"}),
        ({"OTP_PROVIDER": None}, {"portone_cert.W090"}),
        ({"OTP_PROVIDER": None, "PG": "kcp_v2.T0000"}, set()),
        ({"OTP_PROVIDER": "kcp", "PG": "danal_tpay.A010002002"}, {"portone_cert.E098"}),
        ({"OTP_PROVIDER": "KCP", "PG": "kcp_v2.T0000"}, set()),
        ({"OTP_PROVIDER": "inicis"}, {"portone_cert.E096"}),
        ({"OTP_MAX_WRONG": 0, "OTP_MAX_SENDS": "3"}, {"portone_cert.E091"}),
        ({"OTP_SITE_DAILY_LIMIT": 0}, {"portone_cert.E092"}),
        ({"OTP_RESEND_COOLDOWN": -1}, {"portone_cert.E093"}),
        ({"OTP_PRE_SEND_HOOK": "no.such.hook"}, {"portone_cert.E094"}),
        ({"OTP_MEDIA_TYPE": "MC03"}, {"portone_cert.E095"}),
        ({"OTP_ENABLED": "yes"}, {"portone_cert.E090"}),
    ],
)
def test_checks(settings: Any, extra: dict[str, Any], ids: set[str]) -> None:
    configure(settings, **extra)
    found = check_otp()
    assert {message.id for message in found} == ids
    assert all(message.hint for message in found)
    assert all(isinstance(message, Error) for message in found if message.id.startswith("E"))


def test_kcp_gets_a_media_type_and_may_push_to_pass(
    settings: Any, api: APIClient, portone: FakePortOne, sent_otp_requests: list[Any]
) -> None:
    configure(settings, OTP_PROVIDER="kcp")
    portone.otp_provider = "kcp_v2"
    seen = sent_otp_requests
    assert send(api).status_code == 201
    assert send(client_for_new(api), phone="01055509999", media_type="MC01").status_code == 201
    assert send(client_for_new(api), phone="01055508888", method="APP").status_code == 201
    assert [request.media_type for request in seen] == ["MC02", "MC01", "MC02"]
    assert seen[2].method == "APP"


def client_for_new(api: APIClient) -> APIClient:
    """Another client of the same user (the cooldown and caps are per attempt and per day)."""
    return api
