from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("drf_spectacular")


@pytest.fixture
def schema() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return dict(SchemaGenerator(urlconf="django_portone_cert.urls").get_schema(public=True))


def test_endpoints_are_described(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert {"/prepare/", "/certifications/", "/me/"} <= set(paths)
    assert {"/recovery/prepare/", "/recovery/certifications/"} <= set(paths)
    recover = paths["/recovery/certifications/"]["post"]
    assert {"200", "400", "404", "409", "429"} <= set(recover["responses"])
    assert {"/guardian/{token}/prepare/", "/guardian/{token}/certifications/"} <= set(paths)
    certify = paths["/certifications/"]["post"]
    body = certify["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/CertifyRequest")
    assert {"201", "400", "409", "502", "503", "504"} <= set(certify["responses"])
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code"}
    assert "certification_used" in str(schema["components"]["schemas"])
    request = schema["components"]["schemas"]["CertifyRequest"]["properties"]
    assert request["imp_uid"]["pattern"] == "^imp_[0-9]{10,20}$"


def test_the_schema_follows_the_running_version(api_version: str) -> None:
    """Generated from the serializers that make the bodies, for V1 and V2 alike."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="django_portone_cert.urls").get_schema(public=True)
    components = schema["components"]["schemas"]
    request = set(components["CertifyRequest"]["properties"])
    attempt = set(components["Attempt"]["properties"])
    verification = set(components["Verification"]["properties"])
    assert {
        "verified",
        "name",
        "birth_date",
        "age",
        "verified_at",
        "pending_signup",
    } == verification
    assert {"merchant_uid", "expires_at", "api_version"} <= attempt
    if api_version == "v2":
        assert request == {"identity_verification_id"}
        assert {"identity_verification_id", "store_id", "channel_key"} <= attempt
    else:
        assert request == {"imp_uid", "merchant_uid"}
        assert {"imp_code", "channel_key", "pg"} <= attempt


def test_the_guardians_withdrawal_is_its_own_described_endpoint(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    withdraw = paths["/guardian/{token}/withdrawal/"]["post"]
    assert {"200", "400", "409"} <= set(withdraw["responses"])
    consent = paths["/guardian/{token}/certifications/"]["post"]
    assert not [p for p in consent.get("parameters", []) if p.get("name") == "action"]


def test_the_otp_endpoints_are_described(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    for path in (
        "/otp/",
        "/otp/{attempt_id}/confirm/",
        "/otp/{attempt_id}/resend/",
        "/recovery/otp/",
        "/recovery/otp/{attempt_id}/confirm/",
        "/guardian/{token}/otp/",
        "/guardian/{token}/otp/{attempt_id}/confirm/",
    ):
        assert path in paths, path
    assert {"201", "400", "404", "429"} <= set(paths["/otp/"]["post"]["responses"])
    person = schema["components"]["schemas"]["OtpPerson"]["properties"]
    assert {"name", "phone", "birth_date", "gender_digit", "carrier", "method"} <= set(person)
    assert "otp_resend_too_soon" in str(schema["components"]["schemas"])
