"""Answers PortOne really gave, read by the project's parsers.

The V1 results are transcribed from captures published in public code, field for
field, with one change: the person's name, phone number, CI and DI are replaced by
made-up values of the same shape (they identified a real person). Neither PortOne's
documentation (developers.portone.io) nor its SDKs' tests (portone-io/server-sdk,
iamport/iamport-rest-client-python) show a captured 본인인증 result, so these come
from merchants' code. No captured V2 result was found anywhere: the V2 fixture is
written from PortOne's schema (``VerifiedIdentityVerification``, required fields) and
the field list of its guide (developers.portone.io ``opi/ko/extra/identity-verification/
readme-v2.mdx``), and says so.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from django_portone_cert.portone.base import Certification
from django_portone_cert.portone.v2 import certification_from_v2
from tests.portone_specs import needs_specs, v1_validator, v2_validator

#: Made-up stand-ins for the real person's data, in the real shapes.
CI = "HCuw1rQU05BeW/MvHPWnVCsV/7xJSh+WQRuZT1NwiYOmkWdBNlFiP0+gPJOj0osrr/pkHdOl5pL23PXMIMtF2Q=="
DI = "MC0GCCqGSIb3DQIJAyEA1cVtJ9rioieWEv0TtHi4Ha/Fg1qCQdgHvTPagriTu2I="

#: V1 Danal 휴대폰 본인인증, a merchant without the phone/carrier approval or the
#: foreigner contract: no ``phone``/``carrier`` keys at all, ``foreigner`` false and
#: ``foreigner_v2`` null. Source: a Flutter app's API notes in public GitHub code
#: (code-search index file ids 46326495162 and 46624437295, the same capture twice);
#: ``origin`` (a long ``data:text/html`` URL of a WebView) is shortened.
DANAL = {
    "birth": 216140400,
    "birthday": "1976-11-07",
    "certified": True,
    "certified_at": 1685719311,
    "foreigner": False,
    "foreigner_v2": None,
    "gender": "male",
    "imp_uid": "imp_045262694732",
    "merchant_uid": "mid_1685719260995",
    "name": "홍길동",
    "origin": "data:text/html,%20%20%20%20%3Chtml%3E",
    "pg_provider": "danal",
    "pg_tid": "202306030021027306905010",
    "unique_in_site": DI,
    "unique_key": CI,
}

#: V1 KG이니시스 통합인증 through Naver: ``gender`` and ``foreigner_v2`` null, no DI,
#: a phone but no ``carrier`` key. Source: a React Native app's notes ("아임포트 네이버로
#: 본인인증시") in public GitHub code (code-search index file id 33524036396); its
#: ``imp_uid`` is the one PORTONE.md quotes.
INICIS_NAVER = {
    "birth": 325695600,
    "birthday": "1980-04-28",
    "certified": True,
    "certified_at": 1658363757,
    "foreigner": False,
    "foreigner_v2": None,
    "gender": None,
    "imp_uid": "imp_429704826404",
    "merchant_uid": "mid_1658363703131",
    "name": "홍길동",
    "origin": "about:blank",
    "pg_provider": "inicis_unified",
    "pg_tid": "INISA_MIIiasTest202207210935050850019688",
    "phone": "01012345678",
    "unique_in_site": None,
    "unique_key": CI,
}

#: V2 VERIFIED, written from the schema and the guide (no capture found; see above).
V2_VERIFIED: dict[str, Any] = {
    "status": "VERIFIED",
    "id": "identityverification0193a1b2c3d4",
    "channel": {
        "type": "LIVE",
        "id": "channel-id-0193a1b2",
        "key": "channel-key-0193a1b2",
        "name": "다날 본인인증",
        "pgProvider": "DANAL",
        "pgMerchantId": "A010002002",
    },
    "verifiedCustomer": {
        "name": "홍길동",
        "operator": "LGU_MVNO",
        "phoneNumber": "01012345678",
        "birthDate": "1990-05-17",
        "gender": "MALE",
        "isForeigner": False,
        "ci": CI,
        "di": DI,
    },
    "requestedAt": "2024-11-28T10:00:00.123Z",
    "updatedAt": "2024-11-28T10:01:00.123Z",
    "statusChangedAt": "2024-11-28T10:01:00.123Z",
    "verifiedAt": "2024-11-28T10:01:00.123Z",
    "pgTxId": "202411281901001234567890",
    "pgRawResponse": json.dumps({"RETURNCODE": "0000", "RETURNMSG": "No information"}),
    "version": "V2",
}


def test_v1_danal() -> None:
    assert Certification.from_v1(DANAL) == Certification(
        imp_uid="imp_045262694732",
        merchant_uid="mid_1685719260995",
        provider="danal",
        certified=True,
        certified_at=datetime(2023, 6, 2, 15, 21, 51, tzinfo=UTC),
        birth_date=date(1976, 11, 7),
        name="홍길동",
        gender="male",
        # Danal's false ``foreigner`` without the contract says nothing.
        is_foreigner=None,
        ci=CI,
        di=DI,
        phone=None,
        carrier=None,
        pg_tid="202306030021027306905010",
        origin="data:text/html,%20%20%20%20%3Chtml%3E",
    )


def test_v1_inicis_unified_through_naver() -> None:
    assert Certification.from_v1(INICIS_NAVER) == Certification(
        imp_uid="imp_429704826404",
        merchant_uid="mid_1658363703131",
        provider="inicis_unified",
        certified=True,
        certified_at=datetime(2022, 7, 21, 0, 35, 57, tzinfo=UTC),
        birth_date=date(1980, 4, 28),
        name="홍길동",
        gender=None,
        is_foreigner=None,
        ci=CI,
        di=None,
        phone="01012345678",
        carrier=None,
        pg_tid="INISA_MIIiasTest202207210935050850019688",
        origin="about:blank",
    )


def test_v2_verified() -> None:
    assert certification_from_v2(V2_VERIFIED) == Certification(
        imp_uid="identityverification0193a1b2c3d4",
        merchant_uid="identityverification0193a1b2c3d4",
        provider="danal",
        certified=True,
        certified_at=datetime(2024, 11, 28, 10, 1, 0, 123000, tzinfo=UTC),
        birth_date=date(1990, 5, 17),
        name="홍길동",
        gender="male",
        is_foreigner=False,
        ci=CI,
        di=DI,
        phone="01012345678",
        carrier="LGU_MVNO",
        pg_tid="202411281901001234567890",
        api_version="v2",
        channel_type="LIVE",
        channel_key="channel-key-0193a1b2",
    )


def test_v1_and_v2_spell_a_carrier_alike() -> None:
    v1 = Certification.from_v1({**DANAL, "phone": "01012345678", "carrier": "LGT_MVNO"})
    assert v1.carrier == certification_from_v2(V2_VERIFIED).carrier == "LGU_MVNO"


@needs_specs
@pytest.mark.parametrize("record", [DANAL, INICIS_NAVER], ids=["danal", "inicis_unified"])
def test_v1_captures_fit_portones_schema(record: dict[str, Any]) -> None:
    """Which is why the schema reading accepts null outside ``required``."""
    envelope = {"code": 0, "message": None, "response": record}
    v1_validator("/certifications/{imp_uid}", "get", 200).validate(envelope)


@needs_specs
def test_v2_fixture_fits_portones_schema() -> None:
    validator = v2_validator("/identity-verifications/{identityVerificationId}", "get", 200)
    validator.validate(V2_VERIFIED)
