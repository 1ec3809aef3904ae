"""The fake's answers against a schema of PortOne, written here from PortOne's documented facts.

Kept in the tests on purpose: it is this project's reading of the API
(envelope, getToken, CertificationAnnotation, IdentityVerification), not a copy of
PortOne's files, so it runs in every checkout. Where PortOne's own schemas are at
hand, ``test_portone_schemas.py`` checks the same answers against them, and
``make contract`` against PortOne's official clients.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import jsonschema
import pytest

from django_portone_cert.testing import FakePortOne

NULLABLE_STRING = {"type": ["string", "null"]}

ENVELOPE = {
    "type": "object",
    "required": ["code", "message", "response"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": ["string", "null"]},
    },
}

ERROR = {
    "allOf": [ENVELOPE],
    "properties": {
        "code": {"const": -1},
        "message": {"type": "string"},
        "response": {"type": "null"},
    },
}

TOKEN = {
    "allOf": [ENVELOPE],
    "properties": {
        "code": {"const": 0},
        "response": {
            "type": "object",
            "required": ["access_token", "now", "expired_at"],
            "properties": {
                "access_token": {"type": "string", "minLength": 1},
                "now": {"type": "integer"},
                "expired_at": {"type": "integer"},
            },
            "additionalProperties": False,
        },
    },
}

CERTIFICATION = {
    "type": "object",
    # Only these three are required by PortOne; everything else may be missing or null.
    "required": ["imp_uid", "pg_provider", "foreigner"],
    "properties": {
        "imp_uid": {"type": "string", "pattern": r"^imp_[0-9]{12}$"},
        "merchant_uid": NULLABLE_STRING,
        "pg_tid": NULLABLE_STRING,
        "pg_provider": {"enum": ["danal", "inicis_unified", "inicis", "kcp_v2"]},
        "name": NULLABLE_STRING,
        "gender": {"enum": ["male", "female", None]},
        "birthday": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "birth": {"type": "integer"},
        "foreigner": {"type": "boolean"},
        "foreigner_v2": {"type": ["boolean", "null"]},
        "phone": {"type": ["string", "null"], "pattern": r"^[0-9]+$"},
        "carrier": {"enum": ["SKT", "KT", "LGT", "SKT_MVNO", "KT_MVNO", "LGT_MVNO", None]},
        "certified": {"type": "boolean"},
        "certified_at": {"type": "integer", "minimum": 0},
        "unique_key": {"type": ["string", "null"], "pattern": r"^[A-Za-z0-9+/]{86}==$"},
        "unique_in_site": {"type": ["string", "null"], "minLength": 64, "maxLength": 64},
        "origin": NULLABLE_STRING,
    },
    "additionalProperties": False,
}

CERTIFICATION_ANSWER = {
    "allOf": [ENVELOPE],
    "properties": {"code": {"const": 0}, "response": CERTIFICATION},
}


@pytest.fixture
def fake() -> FakePortOne:
    return FakePortOne(imp_key="k", imp_secret="s")


def _token(fake: FakePortOne) -> Any:
    answer = fake.handle(
        "POST", "/users/getToken", {}, json.dumps({"imp_key": "k", "imp_secret": "s"})
    )
    jsonschema.validate(answer.json(), TOKEN)
    return answer.json()["response"]["access_token"]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"provider": "inicis_unified", "gender": None},
        {"provider": "kcp_v2", "foreigner": True},
        {"certified": False},
        {"ci": None, "provider": "inicis_unified"},
        {"birth_date": date(2008, 2, 29), "carrier": "LGT_MVNO"},
    ],
)
def test_certification_answers_match_the_schema(fake: FakePortOne, kwargs: dict[str, Any]) -> None:
    token = _token(fake)
    imp_uid = fake.add_certification(merchant_uid="cert1", **kwargs)
    for method in ("GET", "DELETE"):
        answer = fake.handle(
            method, f"/certifications/{imp_uid}", {"Authorization": f"Bearer {token}"}, None
        )
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("application/json")
        jsonschema.validate(answer.json(), CERTIFICATION_ANSWER)


def test_error_answers_match_the_schema(fake: FakePortOne) -> None:
    token = _token(fake)
    answers = [
        fake.handle(
            "GET", "/certifications/imp_000000000000", {"Authorization": f"Bearer {token}"}, None
        ),
        fake.handle(
            "GET", "/certifications/imp_000000000000", {"Authorization": "Bearer nope"}, None
        ),
        fake.handle("POST", "/users/getToken", {}, json.dumps({"imp_key": "k"})),
        fake.handle("POST", "/users/getToken", {}, json.dumps({"imp_key": "k", "imp_secret": "x"})),
    ]
    assert [a.status for a in answers] == [404, 401, 400, 401]
    for answer in answers:
        jsonschema.validate(answer.json(), ERROR)


def test_the_schema_rejects_what_portone_never_sends() -> None:
    bad = {
        "imp_uid": "imp_1",
        "pg_provider": "danal",
        "foreigner": False,
        "birthday": "19900517",
        "gender": "M",
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, CERTIFICATION)


# --- V2 (api.portone.io): GET /identity-verifications/{identityVerificationId} ---

INSTANT = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"}
V2_VERIFICATION = {
    "type": "object",
    "required": ["status", "id", "requestedAt", "updatedAt", "statusChangedAt", "version"],
    "properties": {
        "status": {"enum": ["READY", "VERIFIED", "FAILED"]},
        "id": {"type": "string", "minLength": 1},
        "channel": {
            "type": "object",
            "required": ["type", "id", "key", "name", "pgProvider", "pgMerchantId"],
            "properties": {"type": {"enum": ["LIVE", "TEST"]}, "pgProvider": {"type": "string"}},
        },
        "requestedAt": INSTANT,
        "updatedAt": INSTANT,
        "statusChangedAt": INSTANT,
        "verifiedAt": INSTANT,
        "pgTxId": {"type": "string"},
        "pgRawResponse": {"type": "string"},
        "version": {"enum": ["V1", "V2"]},
        "requestedCustomer": {"type": "object"},
        "failure": {
            "type": "object",
            "properties": {
                "reason": {"type": "string"},
                "pgCode": {"type": "string"},
                "pgMessage": {"type": "string"},
            },
            "additionalProperties": False,
        },
        "verifiedCustomer": {
            "type": "object",
            "required": ["name", "birthDate"],
            "properties": {
                "name": {"type": "string"},
                "birthDate": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                "gender": {"enum": ["MALE", "FEMALE", "OTHER"]},
                "isForeigner": {"type": "boolean"},
                "ci": {"type": "string"},
                "di": {"type": "string"},
                "phoneNumber": {"type": "string", "pattern": r"^[0-9]+$"},
                "operator": {"enum": ["SKT", "KT", "LGU", "SKT_MVNO", "KT_MVNO", "LGU_MVNO"]},
            },
            "additionalProperties": False,
        },
    },
    # What each status requires (PortOne's schema, and its SDK, refuse an answer without it).
    "allOf": [
        {
            "if": {"properties": {"status": {"const": "VERIFIED"}}},
            "then": {"required": ["verifiedCustomer", "verifiedAt", "pgTxId", "pgRawResponse"]},
            "else": {
                "required": ["requestedCustomer"],
                "not": {
                    "anyOf": [{"required": ["verifiedCustomer"]}, {"required": ["verifiedAt"]}]
                },
            },
        },
        {
            "if": {"properties": {"status": {"const": "FAILED"}}},
            "then": {"required": ["failure"]},
        },
    ],
}
V2_ERROR = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {
            "enum": [
                "INVALID_REQUEST",
                "UNAUTHORIZED",
                "FORBIDDEN",
                "IDENTITY_VERIFICATION_NOT_FOUND",
            ]
        },
        "message": {"type": "string"},
    },
}


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"certified": False},
        {"certified": False, "failure": "본인인증에 실패하였습니다."},
        {"v2_status": "READY", "certified": False},
        {"v2_status": "FAILED"},
        {"provider": "inicis_unified", "gender": None, "ci": None},
        {"channel_type": "TEST", "carrier": "LGT"},
    ],
)
def test_v2_answers_match_the_schema(kwargs: dict[str, Any]) -> None:
    fake = FakePortOne(api_version="v2", api_secret="secret")
    vid = fake.add_certification(merchant_uid="certABC123", **kwargs)
    answer = fake.handle(
        "GET", f"/identity-verifications/{vid}", {"Authorization": "PortOne secret"}, None
    )
    assert answer.status == 200
    jsonschema.validate(answer.json(), V2_VERIFICATION)


def test_v2_errors_match_the_schema() -> None:
    fake = FakePortOne(api_version="v2", api_secret="secret")
    for headers in ({"Authorization": "PortOne secret"}, {"Authorization": "Bearer x"}):
        answer = fake.handle("GET", "/identity-verifications/nope", headers, None)
        assert answer.status in (401, 404)
        jsonschema.validate(answer.json(), V2_ERROR)
