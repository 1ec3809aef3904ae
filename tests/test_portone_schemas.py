"""Every answer the fake can give, validated against PortOne's own published schemas.

See ``tests/portone_specs.py`` for where the schemas come from and how they are read.
Skipped where they are absent (a user's checkout); CI has them.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import jsonschema
import pytest

from django_portone_cert.conf import app_settings
from django_portone_cert.testing import FakePortOne
from tests.portone_specs import (
    needs_specs,
    v1_validator,
    v2_error_status,
    v2_validator,
)

pytestmark = needs_specs

TOKEN_PATH = "/users/getToken"
CERT_PATH = "/certifications/{imp_uid}"
IV_PATH = "/identity-verifications/{identityVerificationId}"

#: getToken's 400 is not in V1's schema (only 200 and 401 are); PortOne answers it for a
#: missing imp_key or imp_secret, in the same envelope as its other errors.
UNDOCUMENTED = {(TOKEN_PATH, "post", 400)}

V1_RECORDS: list[dict[str, Any]] = [
    {},
    {"provider": "danal", "carrier": "LGT_MVNO", "birth_date": date(2008, 2, 29)},
    {"provider": "inicis_unified"},
    {"provider": "inicis_unified", "gender": "female", "foreigner": True, "ci": None},
    {"provider": "inicis"},
    {"provider": "kcp_v2", "foreigner": True, "carrier": "KT"},
    {"certified": False},
]


def check_v1(path: str, method: str, status: int, body: Any) -> None:
    if (path, method, status) in UNDOCUMENTED:
        validator = v1_validator(TOKEN_PATH, "post", 401)  # the envelope, response null
    else:
        validator = v1_validator(path, method, status)
    validator.validate(body)
    if status == 200:
        assert body["code"] == 0 and body["response"] is not None
    else:
        assert body["code"] != 0 and isinstance(body["message"], str)
        assert body["response"] is None


@pytest.fixture
def v1() -> FakePortOne:
    return FakePortOne(imp_key="k", imp_secret="s", api_version="v1")


def token(fake: FakePortOne) -> str:
    answer = fake.handle("POST", TOKEN_PATH, {}, json.dumps({"imp_key": "k", "imp_secret": "s"}))
    check_v1(TOKEN_PATH, "post", answer.status, answer.json())
    return str(answer.json()["response"]["access_token"])


@pytest.mark.parametrize("phone_approved", [True, False])
@pytest.mark.parametrize("kwargs", V1_RECORDS)
def test_v1_certifications(kwargs: dict[str, Any], phone_approved: bool) -> None:
    fake = FakePortOne(imp_key="k", imp_secret="s", api_version="v1")
    fake.phone_approved = phone_approved
    bearer = {"Authorization": f"Bearer {token(fake)}"}
    imp_uid = fake.add_certification(**kwargs)
    for method in ("get", "delete"):
        answer = fake.handle(method.upper(), f"/certifications/{imp_uid}", bearer, None)
        assert answer.status == 200
        check_v1(CERT_PATH, method, 200, answer.json())


def test_v1_errors(v1: FakePortOne) -> None:
    bearer = {"Authorization": f"Bearer {token(v1)}"}
    cases = [
        (TOKEN_PATH, "post", v1.handle("POST", TOKEN_PATH, {}, json.dumps({"imp_key": "k"}))),
        (TOKEN_PATH, "post", v1.handle("POST", TOKEN_PATH, {}, "imp_key=k&imp_secret=x")),
        (CERT_PATH, "get", v1.handle("GET", "/certifications/imp_000000000000", bearer, None)),
        (CERT_PATH, "delete", v1.handle("DELETE", "/certifications/imp_0", bearer, None)),
        (CERT_PATH, "get", v1.handle("GET", "/certifications/imp_0", {}, None)),
        (CERT_PATH, "delete", v1.handle("DELETE", "/certifications/imp_0", {}, None)),
    ]
    assert [answer.status for *_, answer in cases] == [400, 401, 404, 404, 401, 401]
    for path, method, answer in cases:
        check_v1(path, method, answer.status, answer.json())


def test_v1_the_schema_catches_what_portone_never_sends() -> None:
    """The translated schema is not toothless: wrong types and invented fields fail."""
    good = {"imp_uid": "imp_1", "pg_provider": "danal", "foreigner": False}
    check_v1(CERT_PATH, "get", 200, {"code": 0, "message": None, "response": good})
    for bad in ({"foreigner": None}, {"certified": "true"}, {"invented": 1}, {"birth": "x"}):
        with pytest.raises(jsonschema.ValidationError):
            check_v1(CERT_PATH, "get", 200, {"code": 0, "message": None, "response": good | bad})


# --- V2 ---

V2_RECORDS: list[dict[str, Any]] = [
    {},
    {"provider": "inicis_unified", "ci": None},
    {"provider": "kcp_v2", "carrier": "LGT_MVNO", "foreigner": True},
    {"channel_type": "TEST"},
    {"certified": False},
    {"certified": False, "failure": "본인인증에 실패하였습니다."},
    {"certified": False, "failure": {"reason": "x", "pgCode": "E1", "pgMessage": "y"}},
    {"v2_status": "FAILED"},
    {"v2_status": "READY", "requested_customer": {"name": "홍길동", "phoneNumber": "010"}},
]


def v2_get(fake: FakePortOne, vid: str, query: str = "", secret: str = "s") -> Any:
    return fake.handle(
        "GET", f"/identity-verifications/{vid}{query}", {"Authorization": f"PortOne {secret}"}, None
    )


@pytest.mark.parametrize("kwargs", V2_RECORDS)
def test_v2_identity_verifications(kwargs: dict[str, Any]) -> None:
    fake = FakePortOne(api_version="v2", api_secret="s", store_id="store-1")
    vid = fake.add_certification(merchant_uid="certABC123", **kwargs)
    answer = v2_get(fake, vid, "?storeId=store-1")
    assert answer.status == 200
    v2_validator(IV_PATH, "get", 200).validate(answer.json())


def test_v2_errors() -> None:
    fake = FakePortOne(api_version="v2", api_secret="s", store_id="store-1")
    vid = fake.add_certification(merchant_uid="certABC123")
    answers = [
        v2_get(fake, vid, "?storeId="),
        v2_get(fake, vid, secret="wrong"),
        v2_get(fake, vid, "?storeId=store-2"),
        v2_get(fake, "nothere"),
    ]
    assert [a.status for a in answers] == [400, 401, 403, 404]
    for answer in answers:
        body = answer.json()
        v2_validator(IV_PATH, "get", answer.status).validate(body)
        assert v2_error_status(body["type"]) == answer.status


def test_v2_the_schema_catches_what_the_fake_used_to_send() -> None:
    """The answers the official SDK refused, before the fake was fixed."""
    fake = FakePortOne(api_version="v2", api_secret="s")
    validator = v2_validator(IV_PATH, "get", 200)
    verified = v2_get(fake, fake.add_certification(merchant_uid="v1")).json()
    failed = v2_get(fake, fake.add_certification(merchant_uid="f1", v2_status="FAILED")).json()
    ready = v2_get(fake, fake.add_certification(merchant_uid="r1", certified=False)).json()
    for body, key in [
        (verified, "pgRawResponse"),
        (failed, "failure"),
        (failed, "requestedCustomer"),
        (ready, "requestedCustomer"),
    ]:
        broken = {k: v for k, v in body.items() if k != key}
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**verified, "verifiedCustomer": {"name": "x", "operator": "LGT"}})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**verified, "status": "DONE"})


# --- API 본인인증 (OTP) ---

OTP_REQUEST = "/certifications/otp/request"
OTP_CONFIRM = "/certifications/otp/confirm/{imp_uid}"
PHONE = "01055551234"
V1_OTP_FIELDS = {
    "name": "김오티피",
    "phone": "010-5555-1234",
    "birth": "000229",
    "gender_digit": "3",
    "carrier": "LGT",
    "is_mvno": True,
    "merchant_uid": "certOTP1",
}


def v1_post(fake: FakePortOne, path: str, bearer: dict[str, str], body: dict[str, Any]) -> Any:
    if path == OTP_REQUEST:
        body = {"channel_key": app_settings.CHANNEL_KEY, **body}
    return fake.handle("POST", path, bearer, json.dumps(body))


def test_v1_otp_answers(v1: FakePortOne) -> None:
    """Request (JSON and form), wrong code, confirm, and every refusal, in V1's envelope."""
    from urllib.parse import urlencode

    bearer = {"Authorization": f"Bearer {token(v1)}"}
    form = {**V1_OTP_FIELDS, "is_mvno": "true", "merchant_uid": "certOTP2"}
    form["channel_key"] = app_settings.CHANNEL_KEY
    sent = v1.handle(
        "POST",
        OTP_REQUEST,
        {**bearer, "Content-Type": "application/x-www-form-urlencoded"},
        urlencode(form),
    )
    check_v1(OTP_REQUEST, "post", 200, sent.json())
    answer = v1_post(v1, OTP_REQUEST, bearer, V1_OTP_FIELDS)
    check_v1(OTP_REQUEST, "post", 200, answer.json())
    imp_uid = answer.json()["response"]["imp_uid"]
    confirm = OTP_CONFIRM.replace("{imp_uid}", imp_uid)
    code = v1.last_code(PHONE) or ""
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    cases = [
        (OTP_REQUEST, v1_post(v1, OTP_REQUEST, bearer, {**V1_OTP_FIELDS, "gender_digit": "9"})),
        (OTP_REQUEST, v1_post(v1, OTP_REQUEST, {}, V1_OTP_FIELDS)),
        (OTP_CONFIRM, v1_post(v1, confirm, bearer, {"otp": wrong})),
        (OTP_CONFIRM, v1_post(v1, confirm, bearer, {})),
        (OTP_CONFIRM, v1_post(v1, OTP_CONFIRM.replace("{imp_uid}", "imp_0"), bearer, {})),
        (OTP_CONFIRM, v1_post(v1, confirm, {}, {"otp": code})),
    ]
    assert [answer.status for _, answer in cases] == [400, 401, 400, 400, 404, 401]
    for path, answer in cases:
        check_v1(path, "post", answer.status, answer.json())
    done = v1_post(v1, confirm, bearer, {"otp": code})
    check_v1(OTP_CONFIRM, "post", 200, done.json())
    assert done.json()["response"]["certified"] is True
    assert done.json()["response"]["carrier"] == "LGT_MVNO"
    again = v1_post(v1, confirm, bearer, {"otp": code})
    check_v1(OTP_CONFIRM, "post", 400, again.json())
    lookup = v1.handle("GET", f"/certifications/{imp_uid}", bearer, None)
    assert lookup.json()["response"] == done.json()["response"]
    v1.add_otp_person(name="다른이", phone=PHONE, birth_date=date(2000, 2, 29), gender_digit="3")
    refused = v1_post(v1, OTP_REQUEST, bearer, V1_OTP_FIELDS)
    check_v1(OTP_REQUEST, "post", 500, refused.json())


V2_SEND = "/identity-verifications/{identityVerificationId}/send"
V2_CONFIRM = "/identity-verifications/{identityVerificationId}/confirm"
V2_RESEND = "/identity-verifications/{identityVerificationId}/resend"
UNIONS = {
    V2_SEND: "SendIdentityVerificationError",
    V2_CONFIRM: "ConfirmIdentityVerificationError",
    V2_RESEND: "ResendIdentityVerificationError",
}


def v2_send_body(**changes: Any) -> dict[str, Any]:
    customer = {
        "name": "김오티피",
        "phoneNumber": PHONE,
        "identityNumber": "0002293",
        "ipAddress": "203.0.113.9",
    }
    body = {
        "storeId": "store-1",
        "channelKey": app_settings.CHANNEL_KEY,
        "customer": customer,
        "operator": "LGU_MVNO",
        "method": "SMS",
    }
    return {**body, **changes}


def v2_post(fake: FakePortOne, path: str, vid: str, body: Any, secret: str = "s") -> Any:
    url = path.replace("{identityVerificationId}", vid)
    if path == V2_RESEND:
        url += "?storeId=store-1"
    encoded = None if body is None else json.dumps(body)
    return fake.handle("POST", url, {"Authorization": f"PortOne {secret}"}, encoded)


def check_v2(path: str, answer: Any) -> None:
    body = answer.json()
    v2_validator(path, "post", answer.status).validate(body)
    if answer.status != 200:
        assert v2_error_status(body["type"], UNIONS[path]) == answer.status


def test_v2_otp_answers() -> None:
    """Send, resend, a wrong code, confirm; every error PortOne documents that the fake gives."""
    fake = FakePortOne(api_version="v2", api_secret="s", store_id="store-1")
    fake.otp_transaction_limit = 2  # the send and the resend
    popup = fake.add_certification(merchant_uid="certPopup", certified=False)
    code = lambda: fake.last_code(PHONE) or ""  # noqa: E731
    flow = [
        (V2_SEND, v2_post(fake, V2_SEND, "certOTP", v2_send_body()), 200),
        (V2_SEND, v2_post(fake, V2_SEND, "certOTP", v2_send_body()), 409),  # ALREADY_SENT
        (V2_RESEND, v2_post(fake, V2_RESEND, "certOTP", None), 200),
        (V2_CONFIRM, v2_post(fake, V2_CONFIRM, "certOTP", {"otp": "x" + code()}), 502),
        (V2_CONFIRM, v2_post(fake, V2_CONFIRM, "certOTP", {"storeId": "store-1"}), 400),
        (V2_CONFIRM, v2_post(fake, V2_CONFIRM, "certOTP", {"otp": code()}), 200),
        (V2_CONFIRM, v2_post(fake, V2_CONFIRM, "certOTP", {"otp": code()}), 409),
        (V2_RESEND, v2_post(fake, V2_RESEND, "certOTP", None), 409),
        (V2_SEND, v2_post(fake, V2_SEND, "certOTP", v2_send_body()), 409),  # ALREADY_VERIFIED
        (V2_CONFIRM, v2_post(fake, V2_CONFIRM, popup, {"otp": "123456"}), 404),  # NOT_SENT
        (V2_RESEND, v2_post(fake, V2_RESEND, popup, None), 404),
        (V2_CONFIRM, v2_post(fake, V2_CONFIRM, "certNobody", {}), 404),
        (V2_SEND, v2_post(fake, V2_SEND, "certBad", v2_send_body(operator="LGT")), 400),
        (V2_SEND, v2_post(fake, V2_SEND, "certBad", v2_send_body(), secret="x"), 401),
        (V2_SEND, v2_post(fake, V2_SEND, "certBad", v2_send_body(storeId="store-2")), 403),
        (V2_SEND, v2_post(fake, V2_SEND, "certLimit", v2_send_body()), 400),  # a third
    ]
    for path, answer, status in flow:
        assert answer.status == status, (path, answer.json())
        check_v2(path, answer)
    types = [answer.json().get("type") for _, answer, _ in flow]
    assert "MAX_TRANSACTION_COUNT_REACHED" in types and "PG_PROVIDER" in types
    assert (
        "IDENTITY_VERIFICATION_NOT_SENT" in types and "IDENTITY_VERIFICATION_ALREADY_SENT" in types
    )
    verified = v2_get(fake, "certOTP", "?storeId=store-1")
    v2_validator(IV_PATH, "get", 200).validate(verified.json())
    confirmed = flow[5][1].json()["identityVerification"]
    assert verified.json() == confirmed
    assert confirmed["verifiedCustomer"]["operator"] == "LGU_MVNO"


def test_v2_otp_refusals_of_the_provider() -> None:
    fake = FakePortOne(api_version="v2", api_secret="s", store_id="store-1")
    fake.add_otp_person(name="다른이", phone=PHONE, birth_date=date(2000, 2, 29), gender_digit="3")
    refused = v2_post(fake, V2_SEND, "certOther", v2_send_body())
    assert refused.status == 502 and refused.json()["type"] == "PG_PROVIDER"
    check_v2(V2_SEND, refused)
    app = v2_post(fake, V2_SEND, "certApp", v2_send_body(method="APP"))
    assert app.status == 400
    check_v2(V2_SEND, app)
    fake.otp_provider = "kcp_v2"
    body = v2_send_body(
        method="APP",
        bypass={"kcpV2": {"media_type": "MC02"}},
        customer={**v2_send_body()["customer"], "name": "다른이"},
    )
    assert v2_post(fake, V2_SEND, "certApp", body).status == 200
    check_v2(V2_CONFIRM, v2_post(fake, V2_CONFIRM, "certApp", {}))
