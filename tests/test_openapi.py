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
    assert set(paths) == {"/prepare/", "/certifications/", "/me/"}
    certify = paths["/certifications/"]["post"]
    body = certify["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    assert body.endswith("/CertifyRequest")
    assert {"201", "400", "409", "502", "503", "504"} <= set(certify["responses"])
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code"}
    assert "certification_used" in str(schema["components"]["schemas"])
    request = schema["components"]["schemas"]["CertifyRequest"]["properties"]
    assert request["imp_uid"]["pattern"].startswith("^imps?_")
