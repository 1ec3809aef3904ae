"""Whatever the browser sends: a clear 4xx, nothing stored, nothing asked of PortOne."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from django_portone_cert import services
from django_portone_cert.exceptions import PortOneCertError
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.versions import V2_SETTINGS

CERTIFY = "/portone-cert/certifications/"
FIXTURES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

HOSTILE_IMP_UIDS = [
    "../users/getToken",
    "imp_1/../../users/getToken",
    "imp_1%2F..%2F",
    "imp_1?token=x",
    "imp_1#x",
    "imp_1\n",
    "imp_1\r\nX-Injected: 1",
    "imp_１２３",  # full-width digits
    "imp_\u0000",
    "IMP_123",
    "imp_" + "9" * 65,
    "imp_123 ",
    " imp_123",
    "imp_１",
    "imp_٣",  # Arabic-Indic digit
]


@pytest.fixture
def state(user: Any, portone: FakePortOne) -> dict[str, Any]:
    api = APIClient()
    api.force_authenticate(user)
    attempt = api.post("/portone-cert/prepare/").json()
    return {"api": api, "merchant_uid": attempt["merchant_uid"], "portone": portone, "user": user}


def _assert_untouched(state: dict[str, Any], response: Any) -> None:
    assert 400 <= response.status_code < 500, response.content
    body = response.json()
    assert set(body) >= {"detail", "code"}
    assert not VerifiedIdentity.objects.exists()
    assert (
        not CertificationAttempt.objects.exclude(status="pending")
        .filter(status="verified")
        .exists()
    )
    assert state["portone"].count() == 0


@FIXTURES
@given(body=json_values)
def test_arbitrary_json(state: dict[str, Any], body: Any) -> None:
    response = state["api"].post(CERTIFY, json.dumps(body), content_type="application/json")
    _assert_untouched(state, response)


@FIXTURES
@given(imp_uid=st.text(max_size=100), merchant_uid=st.text(max_size=60))
def test_arbitrary_ids(state: dict[str, Any], imp_uid: str, merchant_uid: str) -> None:
    response = state["api"].post(
        CERTIFY, {"imp_uid": imp_uid, "merchant_uid": merchant_uid}, format="json"
    )
    _assert_untouched(state, response)


@pytest.mark.parametrize("imp_uid", HOSTILE_IMP_UIDS)
def test_hostile_imp_uids(state: dict[str, Any], imp_uid: str) -> None:
    response = state["api"].post(
        CERTIFY, {"imp_uid": imp_uid, "merchant_uid": state["merchant_uid"]}, format="json"
    )
    _assert_untouched(state, response)
    assert response.json()["code"] == "invalid"


@FIXTURES
@given(imp_uid=st.text(max_size=80), merchant_uid=st.text(max_size=60))
def test_the_service_refuses_cleanly(
    user: Any, portone: FakePortOne, imp_uid: str, merchant_uid: str
) -> None:
    with pytest.raises(PortOneCertError) as info:
        services.verify_certification(user=user, imp_uid=imp_uid, merchant_uid=merchant_uid)
    assert 400 <= info.value.http_status < 500
    assert portone.count() == 0
    assert not VerifiedIdentity.objects.exists()


@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        ("text/plain", "imp_uid=imp_1"),
        ("application/xml", "<imp_uid>imp_1</imp_uid>"),
        ("application/json", "{"),
        ("application/json", "\u0000"),
        ("application/json", '"just a string"'),
        ("application/json", "[1, 2, 3]"),
        ("application/json", b"\xff\xfe\x00garbage"),
        ("application/x-www-form-urlencoded", "imp_uid=..%2F&merchant_uid=x"),
    ],
)
def test_wrong_content(state: dict[str, Any], content_type: str, payload: Any) -> None:
    response = state["api"].post(CERTIFY, payload, content_type=content_type)
    _assert_untouched(state, response)


def test_deeply_nested_json(state: dict[str, Any]) -> None:
    payload = "[" * 100_000 + "]" * 100_000
    response = state["api"].post(CERTIFY, payload, content_type="application/json")
    _assert_untouched(state, response)


def test_huge_body(state: dict[str, Any]) -> None:
    payload = json.dumps({"imp_uid": "imp_1", "merchant_uid": "x" * 5_000_000})
    response = state["api"].post(CERTIFY, payload, content_type="application/json")
    assert response.status_code in (400, 413)
    assert not VerifiedIdentity.objects.exists()
    assert state["portone"].count() == 0


CERTIFY = "/portone-cert/certifications/"


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_too_large_is_a_json_invalid(
    api: APIClient, settings: Any, content_type: str
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"imp_uid": "' + "x" * 5000 + '"}'
    if content_type != "application/json":
        body = "imp_uid=" + "x" * 5000
    response = api.generic("POST", CERTIFY, body, content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "invalid"


V1_JUNK_IDS = ["imps_123", "imps_123456789012", "imp_abc", "imp_12", "imp_12345678901a", "imp_"]
V2_JUNK_IDS = [
    "abc",
    "identityverification0193a1b2c3d4",
    "CERT0123456789ABCDEF0123456789ABCDEF",
    "cert0123456789abcdef0123456789abcde",
    "cert0123456789abcdef0123456789abcdefg",
    "x" * 40,
]


@pytest.mark.parametrize("junk", V1_JUNK_IDS)
def test_v1_ids_not_shaped_like_portones_cost_no_lookup(state: dict[str, Any], junk: str) -> None:
    response = state["api"].post(
        CERTIFY, {"imp_uid": junk, "merchant_uid": state["merchant_uid"]}, format="json"
    )
    _assert_untouched(state, response)
    assert response.json()["code"] == "invalid"
    with pytest.raises(PortOneCertError) as info:
        services.verify_certification(
            user=state["user"], imp_uid=junk, merchant_uid=state["merchant_uid"]
        )
    assert info.value.code == "invalid"
    assert state["portone"].count() == 0


@pytest.fixture
def v2(settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **V2_SETTINGS}


@pytest.mark.parametrize("junk", V2_JUNK_IDS)
def test_v2_ids_not_minted_here_cost_no_lookup(
    v2: None, user: Any, portone: FakePortOne, junk: str
) -> None:
    api = APIClient()
    api.force_authenticate(user)
    assert api.post("/portone-cert/prepare/").status_code == 201
    response = api.post(CERTIFY, {"identity_verification_id": junk}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    with pytest.raises(PortOneCertError) as info:
        services.verify_certification(user=user, imp_uid=junk, merchant_uid=junk)
    assert info.value.code == "invalid"
    assert portone.count() == 0
    assert not VerifiedIdentity.objects.exists()


def test_the_ids_this_app_mints_have_the_accepted_shape() -> None:
    from django_portone_cert.models import new_merchant_uid
    from django_portone_cert.portone.v2 import MINTED_ID_RE

    assert all(MINTED_ID_RE.fullmatch(new_merchant_uid()) for _ in range(100))
