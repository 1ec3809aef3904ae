"""What only PortOne V2 has: its client, its answers, its settings."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import responses
from rest_framework.test import APIClient

from django_portone_cert.checks import check_settings
from django_portone_cert.exceptions import (
    CertificationNotFound,
    InvalidRequest,
    PortOneAPIError,
    PortOneAuthError,
)
from django_portone_cert.models import VerifiedIdentity
from django_portone_cert.portone import PortOneV2Client, get_client
from django_portone_cert.testing import FakePortOne
from tests.helpers import (
    client_for,
    configure,
)
from tests.versions import V2_SETTINGS

BASE = "https://api.portone.io"
VID = "cert0123456789abcdef0123456789abcdef"


@pytest.fixture
def v2(settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **V2_SETTINGS}


def verified(**customer: Any) -> dict[str, Any]:
    return {
        "status": "VERIFIED",
        "id": VID,
        "channel": {
            "type": "LIVE",
            "id": "c",
            "key": "k",
            "name": "n",
            "pgProvider": "KCP_V2",
            "pgMerchantId": "m",
        },
        "requestedAt": "2026-11-28T10:00:00Z",
        "updatedAt": "2026-11-28T10:01:00Z",
        "statusChangedAt": "2026-11-28T10:01:00Z",
        "verifiedAt": "2026-11-28T10:01:00.123Z",
        "pgTxId": "tx-1",
        "version": "V2",
        "requestedCustomer": {"name": "가짜이름", "birthDate": "2000-01-01"},
        "verifiedCustomer": {
            "name": "진짜이름",
            "birthDate": "1991-03-04",
            "gender": "FEMALE",
            "isForeigner": False,
            "ci": "C" * 86 + "==",
            "di": "D" * 64,
            "phoneNumber": "01055556666",
            "operator": "LGU_MVNO",
            **customer,
        },
    }


@responses.activate
def test_reads_only_the_verified_customer(v2: None) -> None:
    responses.get(f"{BASE}/identity-verifications/{VID}", json=verified())
    cert = get_client().get_result(VID)
    call = responses.calls[0]
    assert call.request.headers["Authorization"] == "PortOne test_api_secret"
    assert call.request.url.endswith(f"/identity-verifications/{VID}?storeId=store-test")
    # The V2 read timeout is PortOne's 60 s, cut to what DEADLINE leaves.
    connect, read = call.request.req_kwargs["timeout"]
    assert connect == 3.05 and 19 < read <= 20
    assert (cert.name, cert.birth_date, cert.gender) == ("진짜이름", date(1991, 3, 4), "female")
    assert cert.certified and cert.provider == "kcp_v2" and cert.api_version == "v2"
    assert cert.certified_at == datetime(2026, 11, 28, 10, 1, 0, 123000, tzinfo=UTC)
    assert cert.merchant_uid == VID and cert.channel_type == "LIVE"
    assert cert.carrier == "LGU_MVNO" and cert.is_foreigner is False


@pytest.mark.parametrize("status", ["READY", "FAILED"])
@responses.activate
def test_only_verified_counts(v2: None, status: str) -> None:
    body = {**verified(), "status": status}
    responses.get(f"{BASE}/identity-verifications/{VID}", json=body)
    cert = get_client().get_result(VID)
    assert not cert.certified and cert.name is None and cert.birth_date is None


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, {"type": "IDENTITY_VERIFICATION_NOT_FOUND", "message": "x"}, CertificationNotFound),
        (401, {"type": "UNAUTHORIZED", "message": "x"}, PortOneAuthError),
        (403, {"type": "FORBIDDEN", "message": "x"}, PortOneAuthError),
        (400, {"type": "INVALID_REQUEST", "message": "x"}, PortOneAPIError),
        (404, {"type": "SOMETHING_ELSE"}, PortOneAPIError),
    ],
)
@responses.activate
def test_error_types(v2: None, status: int, body: dict[str, Any], error: type[Exception]) -> None:
    responses.get(f"{BASE}/identity-verifications/{VID}", json=body, status=status)
    with pytest.raises(error) as info:
        get_client().get_result(VID)
    assert "x" not in str(info.value)


@pytest.mark.parametrize(
    "bad", ["../login/api-secret", "a/b", "id with space", "", "한글", "x" * 65]
)
@responses.activate
def test_hostile_ids_send_nothing(v2: None, bad: str) -> None:
    with pytest.raises(InvalidRequest):
        PortOneV2Client().get_result(bad)
    assert len(responses.calls) == 0


def test_test_channel_refused_unless_allowed(
    v2: None, user: Any, portone: FakePortOne, settings: Any
) -> None:
    api = APIClient()
    api.force_authenticate(user)
    attempt = api.post("/portone-cert/prepare/").json()
    portone.add_certification(merchant_uid=attempt["merchant_uid"], channel_type="TEST")
    body = {"identity_verification_id": attempt["identity_verification_id"]}
    response = api.post("/portone-cert/certifications/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "test_channel"
    assert not VerifiedIdentity.objects.exists()

    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "ALLOW_TEST_CHANNEL": True}
    response = api.post("/portone-cert/certifications/", body, format="json")
    assert response.status_code == 201
    assert VerifiedIdentity.objects.get().api_version == "v2"


def test_fake_speaks_v2(v2: None) -> None:
    fake = FakePortOne()
    assert fake.api_version == "v2"
    vid = fake.add_certification(merchant_uid=VID, name="김이공", birth_date=date(2001, 2, 3))
    assert vid == VID
    ok = fake.handle(
        "GET", f"/identity-verifications/{VID}", {"Authorization": "PortOne test_api_secret"}, None
    )
    body = ok.json()
    assert body["status"] == "VERIFIED" and body["verifiedCustomer"]["birthDate"] == "2001-02-03"
    assert body["verifiedCustomer"]["ci"] == fake.person_ci("김이공", date(2001, 2, 3))
    denied = fake.handle(
        "GET", f"/identity-verifications/{VID}", {"Authorization": "PortOne nope"}, None
    )
    assert denied.status == 401 and denied.json()["type"] == "UNAUTHORIZED"
    missing = fake.handle(
        "GET", "/identity-verifications/nope", {"Authorization": "PortOne test_api_secret"}, None
    )
    assert missing.status == 404 and missing.json()["type"] == "IDENTITY_VERIFICATION_NOT_FOUND"


def test_checks_per_version(settings: Any) -> None:
    settings.PORTONE_CERT = {"API_VERSION": "v2"}
    assert [m.id for m in check_settings()] == [
        "portone_cert.E019",
        "portone_cert.E020",
        "portone_cert.E021",
    ]
    settings.PORTONE_CERT = {**V2_SETTINGS, "CHANNEL_KEY": "channel-key"}
    assert check_settings() == []
    settings.PORTONE_CERT = {**V2_SETTINGS, "CHANNEL_KEY": "k", "API_VERSION": "v3"}
    assert "portone_cert.E018" in [m.id for m in check_settings()]


def test_switching_is_a_settings_change(settings: Any) -> None:
    assert type(get_client()).__name__ == "PortOneClient"
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **V2_SETTINGS}
    assert type(get_client()).__name__ == "PortOneV2Client"
    assert get_client().base_url == BASE


def test_delete_after_verify_warns_on_v2(settings: Any) -> None:
    settings.PORTONE_CERT = {**V2_SETTINGS, "DELETE_AFTER_VERIFY": True}
    assert [m.id for m in check_settings()] == ["portone_cert.W005"]


PREPARE = "/portone-cert/prepare/"


CERTIFY = "/portone-cert/certifications/"


def _v2_answer(verification_id: str, channel: dict[str, Any] | None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "status": "VERIFIED",
        "id": verification_id,
        "verifiedAt": FakePortOne().now() and _now_iso(),
        "pgTxId": "tx",
        "verifiedCustomer": {
            "name": "채널확인",
            "birthDate": "1990-01-01",
            "ci": "Q" * 86 + "==",
        },
    }
    if channel is not None:
        answer["channel"] = channel
    return answer


def _now_iso() -> str:
    from django.utils import timezone

    return timezone.now().isoformat().replace("+00:00", "Z")


LIVE = {"type": "LIVE", "key": V2_SETTINGS["CHANNEL_KEY"], "pgProvider": "DANAL"}


@pytest.mark.parametrize(
    ("channel", "allow_test", "code"),
    [
        (None, False, "test_channel"),  # no channel: cannot be shown to be ours
        ({**LIVE, "type": "TEST"}, False, "test_channel"),
        ({**LIVE, "type": "test"}, False, "test_channel"),
        ({k: v for k, v in LIVE.items() if k != "type"}, False, "test_channel"),
        ({**LIVE, "key": "channel-key-of-another-site"}, False, "test_channel"),
        ({k: v for k, v in LIVE.items() if k != "key"}, False, "test_channel"),
        ({**LIVE, "key": "channel-key-of-another-site"}, True, "test_channel"),
        ({**LIVE, "type": "TEST"}, True, None),  # allowed for a test site, same channel
        (LIVE, False, None),
    ],
)
def test_v2_accepts_only_the_sites_live_channel(
    settings: Any,
    user: Any,
    monkeypatch: pytest.MonkeyPatch,
    channel: dict[str, Any] | None,
    allow_test: bool,
    code: str | None,
) -> None:
    configure(settings, **V2_SETTINGS, ALLOW_TEST_CHANNEL=allow_test)
    monkeypatch.setattr(
        PortOneV2Client,
        "get_identity_verification",
        lambda self, vid, deadline=None: _v2_answer(vid, channel),
    )
    api = client_for(user)
    vid = api.post(PREPARE).json()["identity_verification_id"]
    response = api.post(CERTIFY, {"identity_verification_id": vid}, format="json")
    if code is None:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400 and response.json()["code"] == code
        assert not VerifiedIdentity.objects.exists()
