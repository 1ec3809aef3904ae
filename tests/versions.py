"""Running the same scenarios against PortOne V1 and V2."""

from __future__ import annotations

from typing import Any

import pytest

from django_portone_cert.conf import app_settings

V2_SETTINGS = {
    "API_VERSION": "v2",
    "API_SECRET": "test_api_secret",
    "STORE_ID": "store-test",
    "CHANNEL_KEY": "channel-key-test",
}


@pytest.fixture(params=["v1", "v2"])
def api_version(request: pytest.FixtureRequest, settings: Any) -> str:
    """Parametrises a test over both API versions (request it before ``portone``)."""
    if request.param == "v2":
        settings.PORTONE_CERT = {**settings.PORTONE_CERT, **V2_SETTINGS}
    return str(request.param)


def certify_body(result_id: str, merchant_uid: str) -> dict[str, str]:
    """What the browser posts to ``certifications/`` after the popup, for the active version.

    On V2 the server-minted id names both the attempt and PortOne's result, so an
    ``imp_``-style id (a V1 notion) stands for the attempt's own id.
    """
    if app_settings.API_VERSION == "v2":
        return {
            "identity_verification_id": merchant_uid if result_id.startswith("imp_") else result_id
        }
    return {"imp_uid": result_id, "merchant_uid": merchant_uid}


def token_requests(count: int) -> int:
    """getToken calls expected after ``count`` > 0 verifications: V2 has no token."""
    return 0 if app_settings.API_VERSION == "v2" else count
