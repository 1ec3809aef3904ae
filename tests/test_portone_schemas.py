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
