"""The clients' API 본인인증 calls (send_otp, confirm_otp, resend_otp) against the fake, V1 and V2.

What is sent (V1's carrier spelling and YYMMDD, V2's identityNumber, KCP's media_type), what
PortOne's answers mean (the OTP errors), that a send is never tried again, and that neither the
code nor the 7th digit reaches an error text, a repr or a log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from django_portone_cert.conf import app_settings
from django_portone_cert.exceptions import (
    CertificationNotFound,
    InvalidRequest,
    OtpAlreadyVerified,
    OtpCodeRejected,
    OtpLimitReached,
    OtpNotSent,
    OtpPersonRejected,
    PortOneAPIError,
    PortOneTimeout,
    PortOneUnavailable,
)
from django_portone_cert.portone import OtpRequest, get_client
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePortOne

ATTEMPT = "cert" + "ab" * 16
PHONE = "01098765432"


def otp_request(**changes: Any) -> OtpRequest:
    base = OtpRequest(
        name="김문자",
        phone=PHONE,
        birth_date=date(2001, 2, 3),
        gender_digit="4",
        carrier="LGU_MVNO",
        method="SMS",
        ip_address="203.0.113.7",
        channel_key=app_settings.CHANNEL_KEY,
    )
    return replace(base, **changes)


def _sent(calls: Sequence[Any], fragment: str) -> list[Any]:
    return [call for call in calls if fragment in call.request.url]


def test_send_and_confirm_give_the_lookups_result(api_version: str, portone: FakePortOne) -> None:
    client = get_client()
    result_id = client.send_otp(ATTEMPT, otp_request())
    assert result_id.startswith("imp_") if api_version == "v1" else result_id == ATTEMPT
    code = portone.last_code(PHONE)
    assert code is not None and len(code) == 6 and code.isdigit()
    assert portone.otp_sends(PHONE) == 1
    # Before the confirm, the lookup knows a pending verification.
    assert client.get_result(result_id).certified is False

    result = client.confirm_otp(result_id, code)

    assert result.certified and result.certified_at is not None
    assert (result.name, result.phone, result.birth_date) == ("김문자", PHONE, date(2001, 2, 3))
    assert (result.gender, result.carrier, result.provider) == ("female", "LGU_MVNO", "danal")
    assert result.merchant_uid == ATTEMPT
    assert result.ci and result.di
    assert result.imp_uid == result_id
    assert client.get_result(result_id) == result
    if api_version == "v2":
        assert result.channel_type == "LIVE" and result.channel_key == "channel-key-test"


def test_one_person_has_one_ci_on_every_attempt(api_version: str, portone: FakePortOne) -> None:
    client = get_client()
    cis = set()
    for attempt in ("cert" + "1" * 32, "cert" + "2" * 32):
        result_id = client.send_otp(attempt, otp_request())
        cis.add(client.confirm_otp(result_id, portone.last_code(PHONE) or "").ci)
    assert len(cis) == 1


def test_wrong_code_then_right_one(api_version: str, portone: FakePortOne) -> None:
    client = get_client()
    result_id = client.send_otp(ATTEMPT, otp_request())
    code = portone.last_code(PHONE) or ""
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    with pytest.raises(OtpCodeRejected) as info:
        client.confirm_otp(result_id, wrong)
    assert info.value.code == "otp_invalid"
    assert info.value.status == (400 if api_version == "v1" else 502)
    assert client.confirm_otp(result_id, code).certified
    with pytest.raises(OtpAlreadyVerified):
        client.confirm_otp(result_id, code)


def test_a_code_expires_by_the_fakes_clock(api_version: str, portone: FakePortOne) -> None:
    client = get_client()
    result_id = client.send_otp(ATTEMPT, otp_request())
    portone.advance(portone.otp_code_lifetime + 1)
    with pytest.raises(OtpCodeRejected):
        client.confirm_otp(result_id, portone.last_code(PHONE) or "")


def test_malformed_requests_send_nothing(api_version: str, portone: FakePortOne) -> None:
    client = get_client()
    for bad in (
        otp_request(gender_digit="9"),
        otp_request(gender_digit=""),
        otp_request(carrier="LGT"),
        otp_request(method="PUSH"),
        otp_request(phone="010-9876-5432"),
        otp_request(name=" "),
        otp_request(media_type="MC03"),
        otp_request(ip_address=""),
    ):
        with pytest.raises(InvalidRequest):
            client.send_otp(ATTEMPT, bad)
    with pytest.raises(InvalidRequest):
        client.confirm_otp(ATTEMPT if api_version == "v2" else "imp_123456789012", "12a456")
    assert portone.count("otp") == 0


def test_only_registered_people_once_one_is(api_version: str, portone: FakePortOne) -> None:
    portone.add_otp_person(
        name="김문자", phone=PHONE, birth_date=date(2001, 2, 3), gender_digit="4"
    )
    client = get_client()
    for stranger in (otp_request(name="박타인"), otp_request(gender_digit="3")):
        with pytest.raises(OtpPersonRejected) as info:
            client.send_otp(ATTEMPT, stranger)
        assert info.value.status == (500 if api_version == "v1" else 502)
    assert portone.last_code(PHONE) is None
    result_id = client.send_otp(ATTEMPT, otp_request())
    assert client.confirm_otp(result_id, portone.last_code(PHONE) or "").certified


def test_transaction_limit(api_version: str, portone: FakePortOne) -> None:
    portone.otp_transaction_limit = 2
    client = get_client()
    client.send_otp("cert" + "1" * 32, otp_request())
    client.send_otp("cert" + "2" * 32, otp_request())
    expected = OtpLimitReached if api_version == "v2" else OtpPersonRejected
    with pytest.raises(expected) as info:
        client.send_otp("cert" + "3" * 32, otp_request())
    if api_version == "v2":
        assert (info.value.code, info.value.http_status) == ("otp_limited", 429)
        assert info.value.portone_code == "MAX_TRANSACTION_COUNT_REACHED"
    assert portone.otp_sends(PHONE) == 3


def test_resend(api_version: str, portone: FakePortOne) -> None:
    client = get_client()
    first = client.send_otp(ATTEMPT, otp_request())
    old = portone.last_code(PHONE)
    if api_version == "v1":
        with pytest.raises(InvalidRequest):
            client.resend_otp(first)  # V1 needs the person's data again
        by_imp_uid = client.resend_otp(first, otp_request())  # a lookup finds the attempt
        assert by_imp_uid != first and by_imp_uid.startswith("imp_")
        again = client.resend_otp(ATTEMPT, otp_request())  # by the attempt's id
        assert again not in (first, by_imp_uid) and again.startswith("imp_")
    else:
        again = client.resend_otp(first)
        assert again == first
    new = portone.last_code(PHONE)
    assert portone.otp_sends(PHONE) == (3 if api_version == "v1" else 2)
    if api_version == "v2" and new != old:
        with pytest.raises(OtpCodeRejected):
            client.confirm_otp(again, old or "")
    assert client.confirm_otp(again, new or "").merchant_uid == ATTEMPT


def test_v2_follow_ups_need_a_send(api_version: str, portone: FakePortOne) -> None:
    if api_version != "v2":
        pytest.skip("V2's errors")
    client = get_client()
    with pytest.raises(CertificationNotFound):
        client.confirm_otp(ATTEMPT, "123456")
    popup = portone.add_certification(merchant_uid=ATTEMPT, certified=False)
    with pytest.raises(OtpNotSent):
        client.confirm_otp(popup, "123456")
    with pytest.raises(OtpNotSent):
        client.resend_otp(popup)


def test_v2_second_send_on_one_id_is_refused(api_version: str, portone: FakePortOne) -> None:
    if api_version != "v2":
        pytest.skip("V2's errors")
    client = get_client()
    client.send_otp(ATTEMPT, otp_request())
    with pytest.raises(PortOneAPIError) as info:
        client.send_otp(ATTEMPT, otp_request())
    assert (info.value.status, info.value.portone_code) == (
        409,
        "IDENTITY_VERIFICATION_ALREADY_SENT",
    )
    client.confirm_otp(ATTEMPT, portone.last_code(PHONE) or "")
    with pytest.raises(OtpAlreadyVerified):
        client.send_otp(ATTEMPT, otp_request())
    with pytest.raises(OtpAlreadyVerified):
        client.resend_otp(ATTEMPT)


def test_v1_confirm_of_an_unknown_imp_uid(api_version: str, portone: FakePortOne) -> None:
    if api_version != "v1":
        pytest.skip("V1's errors")
    with pytest.raises(CertificationNotFound):
        get_client().confirm_otp("imp_000000000001", "123456")


def test_kcp_app_confirms_without_a_code(api_version: str, portone: FakePortOne) -> None:
    portone.otp_provider = "kcp_v2"
    client = get_client()
    result_id = client.send_otp(ATTEMPT, otp_request(method="APP", media_type="MC02"))
    assert portone.last_code(PHONE) is None  # PASS asks the person: no code
    result = client.confirm_otp(result_id, "")
    assert result.certified and result.provider == "kcp_v2"


def test_app_is_kcps_alone(api_version: str, portone: FakePortOne) -> None:
    with pytest.raises(OtpPersonRejected):
        get_client().send_otp(ATTEMPT, otp_request(method="APP"))


# --- what is sent ---


def test_v1_request_fields(settings: Any, portone: FakePortOne, calls: Sequence[Any]) -> None:
    client = get_client()
    client.send_otp(ATTEMPT, otp_request(company="테스트몰", media_type="MC01"))
    (call,) = _sent(calls, "/certifications/otp/request")
    body = json.loads(call.request.body)
    assert body == {
        "name": "김문자",
        "phone": PHONE,
        "birth": "010203",
        "gender_digit": "4",
        "carrier": "LGT",
        "is_mvno": True,
        "merchant_uid": ATTEMPT,
        "channel_key": "channel-key-test",
        "verification_method": "SMS",
        "company": "테스트몰",
        "bypass": '{"kcpV2":{"media_type":"MC01"}}',
    }
    assert call.request.headers["Authorization"].startswith("Bearer ")
    client.send_otp(ATTEMPT, otp_request(carrier="SKT"))
    body = json.loads(_sent(calls, "/certifications/otp/request")[1].request.body)
    assert (body["carrier"], body["is_mvno"]) == ("SKT", False)
    assert "company" not in body and "bypass" not in body


def test_v2_request_fields(api_version: str, portone: FakePortOne, calls: Sequence[Any]) -> None:
    if api_version != "v2":
        pytest.skip("V2's body")
    client = get_client()
    client.send_otp(ATTEMPT, otp_request(media_type="MC02"))
    (call,) = _sent(calls, "/send")
    assert json.loads(call.request.body) == {
        "storeId": "store-test",
        "channelKey": "channel-key-test",
        "customer": {
            "name": "김문자",
            "phoneNumber": PHONE,
            "identityNumber": "0102034",
            "ipAddress": "203.0.113.7",
        },
        "operator": "LGU_MVNO",
        "method": "SMS",
        "bypass": {"kcpV2": {"media_type": "MC02"}},
    }
    assert call.request.headers["Authorization"] == "PortOne test_api_secret"
    client.resend_otp(ATTEMPT)
    client.confirm_otp(ATTEMPT, portone.last_code(PHONE) or "")
    resend, confirm = _sent(calls, "/resend")[0], _sent(calls, "/confirm")[0]
    assert resend.request.url.endswith("/resend?storeId=store-test")
    assert json.loads(confirm.request.body) == {
        "otp": portone.last_code(PHONE),
        "storeId": "store-test",
    }


# --- never tried again ---


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ("http_503", PortOneAPIError),
        ("timeout", PortOneTimeout),
        ("reset", PortOneUnavailable),
    ],
)
def test_no_otp_call_is_ever_retried(
    api_version: str, portone: FakePortOne, fault: str, expected: type[Exception]
) -> None:
    """A send that failed in transit may have texted the person: it is never repeated (the
    lookups are, ``RETRIES`` times)."""
    client = get_client()
    result_id = client.send_otp(ATTEMPT, otp_request())
    code = portone.last_code(PHONE) or ""
    portone.reset_counters()
    steps = [
        lambda: client.send_otp("cert" + "9" * 32, otp_request()),
        lambda: client.confirm_otp(result_id, code),
        lambda: client.resend_otp(result_id, otp_request()),
    ]
    for step in steps:
        portone.inject(fault, endpoint="otp")  # a second try would succeed
        with pytest.raises(expected):
            step()
        assert portone.count("otp") == 1
        portone.reset_counters()
    assert portone.otp_sends(PHONE) == 1


def test_a_500_on_v2_is_portones_error_not_the_persons(
    api_version: str, portone: FakePortOne
) -> None:
    portone.inject("http_500", endpoint="otp")
    expected = PortOneAPIError if api_version == "v2" else OtpPersonRejected
    with pytest.raises(expected) as info:
        get_client().send_otp(ATTEMPT, otp_request())
    assert type(info.value) is expected
    assert portone.count("otp") == 1


def test_v1_token_refused_once_is_sent_again_with_a_new_one(
    portone: FakePortOne, calls: Sequence[Any]
) -> None:
    """A 401 was refused before anything was done: the one repeat a send may have."""
    client = get_client()
    client.get_token()
    portone.expire_tokens()
    client.send_otp(ATTEMPT, otp_request())
    assert [call.response.status_code for call in _sent(calls, "/otp/request")] == [401, 200]
    assert portone.otp_sends(PHONE) == 1


# --- personal data ---


def test_code_and_seventh_digit_stay_out_of_texts(
    api_version: str, portone: FakePortOne, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = get_client()
    request = otp_request()
    assert repr(request) == str(request) == "OtpRequest(<redacted>)"
    result_id = client.send_otp(ATTEMPT, request)
    code = portone.last_code(PHONE) or ""
    # The personal-data check of the whole suite (tests/conftest.py) looks for these.
    assert code in ISSUED_PERSONAL_DATA
    assert "0102034" in ISSUED_PERSONAL_DATA  # YYMMDD and the 7th digit
    errors: list[Exception] = []
    wrongs = [f"{(int(code) + n) % 10**6:06d}" for n in (1, 2)]
    for wrong in wrongs:
        try:
            client.confirm_otp(result_id, wrong)
        except OtpCodeRejected as error:
            errors.append(error)
    portone.add_otp_person(
        name="다른사람", phone="01000000000", birth_date="1990-01-01", gender_digit="1"
    )
    try:
        client.send_otp("cert" + "5" * 32, request)
    except OtpPersonRejected as error:
        errors.append(error)
    assert len(errors) >= 2
    texts = [f"{error!s} {error!r}" for error in errors] + [caplog.text]
    for secret in (code, *wrongs, "0102034", "010203", PHONE, "김문자"):
        assert not any(secret in text for text in texts)
