from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert.conf import app_settings
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.signals import identity_verified, verification_failed
from django_portone_cert.testing import FakePortOne
from tests.versions import certify_body, token_requests

IMP_UID = "imp_100000000001"
ADULT = date(1990, 5, 17)
PREPARE = reverse("portone_cert:prepare")
CERTIFY = reverse("portone_cert:certify")
ME = reverse("portone_cert:me")


def prepare(api: APIClient) -> str:
    response = api.post(PREPARE)
    assert response.status_code == 201, response.content
    return str(response.json()["merchant_uid"])


def certify(api: APIClient, imp_uid: str, merchant_uid: str) -> Any:
    return api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")


@pytest.fixture(autouse=True)
def _both_versions(api_version: str) -> str:
    """Every scenario here runs on PortOne V1 and on V2."""
    return api_version


def v1_only(reason: str) -> None:
    if app_settings.API_VERSION == "v2":
        pytest.skip(reason)


def test_prepare_mints_an_attempt_bound_to_the_user(api: APIClient, user: Any) -> None:
    response = api.post(PREPARE)
    assert response.status_code == 201
    body = response.json()
    if app_settings.API_VERSION == "v2":
        assert set(body) == {
            "merchant_uid",
            "identity_verification_id",
            "store_id",
            "channel_key",
            "expires_at",
            "api_version",
        }
        assert body["identity_verification_id"] == body["merchant_uid"]
        assert body["store_id"] == "store-test"
    else:
        assert set(body) == {"merchant_uid", "imp_code", "channel_key", "expires_at", "api_version"}
        assert body["imp_code"] == "imp00000000"
    assert body["channel_key"] == "channel-key-test"
    assert body["merchant_uid"].isalnum() and len(body["merchant_uid"]) <= 40
    attempt = CertificationAttempt.objects.get(merchant_uid=body["merchant_uid"])
    assert attempt.user == user
    assert attempt.status == "pending"
    assert attempt.expires_at - attempt.created_at == timedelta(minutes=30)
    assert api.post(PREPARE).json()["merchant_uid"] != body["merchant_uid"]


def test_prepare_with_pg_instead_of_channel_key(api: APIClient, settings: Any) -> None:
    v1_only("V2 has channel keys only")
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "CHANNEL_KEY": None, "PG": "danal"}
    body = api.post(PREPARE).json()
    assert body["pg"] == "danal" and "channel_key" not in body


def test_full_flow_stores_the_identity(
    api: APIClient, user: Any, portone: FakePortOne, django_capture_on_commit_callbacks: Any
) -> None:
    received: list[dict[str, Any]] = []
    identity_verified.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t1")
    try:
        merchant_uid = prepare(api)
        imp_uid = portone.add_certification(
            name="김민수", birth_date=date(2000, 2, 29), merchant_uid=merchant_uid
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = certify(api, imp_uid, merchant_uid)
    finally:
        identity_verified.disconnect(dispatch_uid="t1")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verified"] is True
    assert body["name"] == "김민수"
    assert body["birth_date"] == "2000-02-29"
    assert isinstance(body["age"], int)
    assert set(body) == {"verified", "name", "birth_date", "age", "verified_at", "pending_signup"}
    assert body["pending_signup"] is False

    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.name == "김민수"
    assert identity.birth_date == date(2000, 2, 29)
    assert identity.ci == portone.person_ci("김민수", date(2000, 2, 29))
    assert len(identity.ci) == 88
    assert identity.provider == "danal"
    assert identity.gender == "male"
    assert identity.imp_uid == imp_uid
    assert identity.api_version == app_settings.API_VERSION
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert attempt.status == "verified" and attempt.imp_uid == imp_uid
    assert attempt.failure_code == ""

    assert len(received) == 1
    assert received[0]["identity"] == identity and received[0]["created"] is True
    assert received[0]["user"] == user and received[0]["request"] is not None


def test_me(api: APIClient, portone: FakePortOne) -> None:
    assert api.get(ME).json() == {"verified": False}
    merchant_uid = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)
    assert certify(api, imp_uid, merchant_uid).status_code == 201
    body = api.get(ME).json()
    assert body["verified"] is True and body["name"] == "홍길동"
    assert portone.person_ci("홍길동", ADULT) not in str(body) and "ci" not in body


def test_reverification_by_the_same_person_updates(
    api: APIClient, user: Any, portone: FakePortOne
) -> None:
    first = prepare(api)
    assert certify(api, portone.add_certification(merchant_uid=first), first).status_code == 201
    before = VerifiedIdentity.objects.get(user=user)

    second = prepare(api)
    again = portone.add_certification(name="홍길동", birth_date=ADULT, merchant_uid=second)
    assert certify(api, again, second).status_code == 201
    after = VerifiedIdentity.objects.get(user=user)
    assert after.pk == before.pk
    assert after.imp_uid == again
    # One token served every PortOne call.
    assert portone.token_requests == token_requests(1)
    assert after.verified_at > before.verified_at
    assert VerifiedIdentity.objects.count() == 1


def test_a_different_person_on_a_verified_account_is_refused(
    api: APIClient, user: Any, portone: FakePortOne
) -> None:
    first = prepare(api)
    assert certify(api, portone.add_certification(merchant_uid=first), first).status_code == 201
    second = prepare(api)
    other = portone.add_certification(name="이영희", birth_date=ADULT, merchant_uid=second)
    response = certify(api, other, second)
    assert response.status_code == 409
    assert response.json()["code"] == "identity_mismatch"
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.name == "홍길동" and identity.ci == portone.person_ci("홍길동", ADULT)
    assert CertificationAttempt.objects.get(merchant_uid=second).failure_code == "identity_mismatch"


# --- every error row: status, code, nothing stored, the attempt marked failed ---


def _portone_answers(portone: FakePortOne, merchant_uid: str, case: str) -> str:
    """Set the fake up for ``case``; return the imp_uid the browser would send."""
    if case == "not_found":
        return IMP_UID
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)
    if case in ("401_twice", "500", "html", "code_minus_1", "timeout", "refused", "reset"):
        fault = {
            "401_twice": "unauthorized",
            "500": "http_500",
            "html": "http_503",
            "code_minus_1": "code_-1",
        }.get(case, case)
        # A GET is tried three times (RETRIES = 2) before a 5xx or a transport error counts.
        portone.inject(fault, times=2 if case == "401_twice" else 3, endpoint="certification")
    elif case == "not_certified":
        portone.update_certification(imp_uid, certified=False, certified_at=0)
    elif case == "wrong_merchant_uid":
        portone.update_certification(imp_uid, merchant_uid="cert" + "0" * 32)
    elif case == "stale":
        portone.update_certification(imp_uid, certified_at=int(time.time()) - 3600)
    elif case == "no_birthday":
        portone.update_certification(imp_uid, birthday=None)
    return imp_uid


ERROR_CASES = [
    ("not_found", 400, "certification_not_found"),
    ("401_twice", 502, "portone_error"),
    ("500", 502, "portone_error"),
    ("html", 502, "portone_error"),
    ("code_minus_1", 502, "portone_error"),
    ("timeout", 504, "portone_timeout"),
    ("refused", 503, "portone_unavailable"),
    ("reset", 503, "portone_unavailable"),
    ("not_certified", 400, "not_certified"),
    ("wrong_merchant_uid", 400, "attempt_mismatch"),
    ("stale", 400, "certification_stale"),
    ("no_birthday", 502, "portone_error"),
]


@pytest.mark.parametrize(("case", "status", "code"), ERROR_CASES)
def test_error_rows(
    api: APIClient,
    user: Any,
    portone: FakePortOne,
    django_capture_on_commit_callbacks: Any,
    case: str,
    status: int,
    code: str,
) -> None:
    if case == "wrong_merchant_uid":
        v1_only("on V2 the result's id is the attempt's id: it cannot name another")
    failures: list[dict[str, Any]] = []
    verification_failed.connect(lambda **kw: failures.append(kw), weak=False, dispatch_uid="f")
    try:
        merchant_uid = prepare(api)
        imp_uid = _portone_answers(portone, merchant_uid, case)
        with django_capture_on_commit_callbacks(execute=True):
            response = certify(api, imp_uid, merchant_uid)
    finally:
        verification_failed.disconnect(dispatch_uid="f")
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert set(body) == {"detail", "code"}
    text = response.content.decode()
    assert "홍길동" not in text and portone.person_ci("홍길동", ADULT) not in text
    assert not VerifiedIdentity.objects.exists()
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert attempt.status == "failed"
    assert attempt.failure_code == code
    assert attempt.imp_uid is None
    assert [f["code"] for f in failures] == [code]
    assert failures[0]["attempt"] == attempt and failures[0]["user"] == user


def test_expired_attempt(api: APIClient, portone: FakePortOne) -> None:
    merchant_uid = prepare(api)
    CertificationAttempt.objects.filter(merchant_uid=merchant_uid).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = certify(api, IMP_UID, merchant_uid)
    assert response.status_code == 400
    assert response.json()["code"] == "attempt_expired"
    assert portone.count() == 0  # refused before asking PortOne
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert attempt.status == "failed" and attempt.failure_code == "attempt_expired"
    assert not VerifiedIdentity.objects.exists()


def test_unknown_merchant_uid(api: APIClient, portone: FakePortOne) -> None:
    response = certify(api, IMP_UID, "cert" + "f" * 32)
    assert response.status_code == 400
    assert response.json()["code"] == "attempt_mismatch"
    assert portone.count() == 0
    assert not VerifiedIdentity.objects.exists()


def test_another_users_attempt(api: APIClient, make_user: Any, portone: FakePortOne) -> None:
    other = APIClient()
    other.force_authenticate(make_user())
    foreign = prepare(other)
    response = certify(api, portone.add_certification(merchant_uid=foreign), foreign)
    assert response.status_code == 400
    assert response.json()["code"] == "attempt_mismatch"
    assert portone.count() == 0
    # The other user's attempt is left untouched.
    attempt = CertificationAttempt.objects.get(merchant_uid=foreign)
    assert attempt.status == "pending" and attempt.failure_code == ""
    assert not VerifiedIdentity.objects.exists()


def test_replayed_imp_uid(api: APIClient, user: Any, portone: FakePortOne) -> None:
    first = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=first)
    assert certify(api, imp_uid, first).status_code == 201
    calls = portone.count()

    # The same request again, and the same result with a new attempt.
    replay = certify(api, imp_uid, first)
    assert replay.status_code == 409 and replay.json()["code"] == "certification_used"
    second = prepare(api)
    replay = certify(api, imp_uid, second)
    assert replay.status_code == 409 and replay.json()["code"] == "certification_used"
    assert portone.count() == calls

    assert CertificationAttempt.objects.get(merchant_uid=first).status == "verified"
    attempt = CertificationAttempt.objects.get(merchant_uid=second)
    if app_settings.API_VERSION == "v2":
        # V2's request names only the result's id, which is the first attempt's.
        assert attempt.status == "pending"
    else:
        assert attempt.status == "failed" and attempt.failure_code == "certification_used"
    assert VerifiedIdentity.objects.count() == 1


def test_replay_by_another_user_is_refused(
    api: APIClient, make_user: Any, portone: FakePortOne
) -> None:
    first = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=first)
    assert certify(api, imp_uid, first).status_code == 201
    other = APIClient()
    other_user = make_user()
    other.force_authenticate(other_user)
    response = certify(other, imp_uid, prepare(other))
    assert response.status_code == 409 and response.json()["code"] == "certification_used"
    assert not VerifiedIdentity.objects.filter(user=other_user).exists()


def test_a_failed_attempt_can_be_retried_after_a_transient_error(
    api: APIClient, user: Any, portone: FakePortOne
) -> None:
    merchant_uid = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid)
    portone.inject("timeout", times=3, endpoint="certification")
    assert certify(api, imp_uid, merchant_uid).status_code == 504
    assert certify(api, imp_uid, merchant_uid).status_code == 201
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert attempt.status == "verified" and attempt.failure_code == ""


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"imp_uid": IMP_UID},
        {"merchant_uid": "cert1"},
        {"imp_uid": "../users/getToken", "merchant_uid": "cert1"},
        {"imp_uid": "imp_1%2F..", "merchant_uid": "cert1"},
        {"imp_uid": "imp_1\n", "merchant_uid": "cert1"},
        {"imp_uid": ["imp_1"], "merchant_uid": "cert1"},
        {"imp_uid": IMP_UID, "merchant_uid": "x" * 41},
        {"imp_uid": IMP_UID, "merchant_uid": "cert 1; drop"},
    ],
)
def test_malformed_bodies(api: APIClient, portone: FakePortOne, body: dict[str, Any]) -> None:
    response = api.post(CERTIFY, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert portone.count() == 0


def test_broken_json(api: APIClient, portone: FakePortOne) -> None:
    response = api.post(CERTIFY, data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_anonymous_is_refused(db: None, portone: FakePortOne) -> None:
    client = APIClient()
    for url in (PREPARE, CERTIFY):
        response = client.post(url, {"imp_uid": IMP_UID, "merchant_uid": "c"}, format="json")
        assert response.status_code in (401, 403)
        assert response.json()["code"] == "not_authenticated"
    assert client.get(ME).status_code in (401, 403)
    assert not CertificationAttempt.objects.exists()


def test_csrf_is_enforced_for_session_auth(user: Any, portone: FakePortOne) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(PREPARE)
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    secret = "s3cr3t" * 5 + "ab"  # a 32-character CSRF secret
    client.cookies["csrftoken"] = secret
    response = client.post(PREPARE, HTTP_X_CSRFTOKEN=secret)
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_failure_is_recorded_under_atomic_requests(
    user: Any, portone: FakePortOne, settings: Any
) -> None:
    for alias in settings.DATABASES:
        settings.DATABASES[alias]["ATOMIC_REQUESTS"] = True
    try:
        client = APIClient()
        client.force_authenticate(user)
        merchant_uid = prepare(client)
        imp_uid = portone.add_certification(merchant_uid=merchant_uid, certified=False)
        assert certify(client, imp_uid, merchant_uid).json()["code"] == "not_certified"
        attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
        assert attempt.failure_code == "not_certified"
    finally:
        for alias in settings.DATABASES:
            settings.DATABASES[alias]["ATOMIC_REQUESTS"] = False


def test_service_is_usable_without_a_request(user: Any, portone: FakePortOne) -> None:
    from django_portone_cert import services

    attempt = services.start_attempt(user=user)
    imp_uid = portone.add_certification(merchant_uid=attempt.merchant_uid)
    with transaction.atomic():
        verification = services.verify_certification(
            user=user, imp_uid=imp_uid, merchant_uid=attempt.merchant_uid
        )
    identity = verification.identity
    assert verification.pending_signup is False and identity is not None
    assert identity.user == user and identity.ci == portone.person_ci("홍길동", ADULT)
    assert portone.certification_requests == 1
    assert portone.token_requests == token_requests(1)


def test_many_verifications_share_one_token(make_user: Any, portone: FakePortOne) -> None:
    for n in range(10):
        client = APIClient()
        client.force_authenticate(make_user())
        merchant_uid = prepare(client)
        imp_uid = portone.add_certification(name=f"사람{n}", merchant_uid=merchant_uid)
        assert certify(client, imp_uid, merchant_uid).status_code == 201
    assert portone.token_requests == token_requests(1)
    assert portone.certification_requests == 10


def test_an_expired_token_is_refreshed(api: APIClient, portone: FakePortOne) -> None:
    v1_only("V2 has no token")
    first = prepare(api)
    assert certify(api, portone.add_certification(merchant_uid=first), first).status_code == 201
    portone.expire_tokens()  # PortOne ended it; our cache still holds it
    second = prepare(api)
    assert certify(api, portone.add_certification(merchant_uid=second), second).status_code == 201
    assert portone.token_requests == 2


def test_an_attempt_serves_only_its_purpose(
    api: APIClient, user: Any, portone: FakePortOne
) -> None:
    """An attempt minted for another flow (recovery, guardian) never verifies an account."""
    attempt = CertificationAttempt.objects.create(
        user=user,
        purpose=CertificationAttempt.Purpose.RECOVERY,
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    imp_uid = portone.add_certification(merchant_uid=attempt.merchant_uid)
    response = certify(api, imp_uid, attempt.merchant_uid)
    assert response.status_code == 400 and response.json()["code"] == "attempt_mismatch"
    assert not VerifiedIdentity.objects.exists()


def test_the_identity_says_who_vouches_for_gender_and_foreigner_status(
    api: APIClient, user: Any, portone: FakePortOne
) -> None:
    """Danal verifies them; KG이니시스 통합인증 (Kakao, Naver) may take what the person typed."""
    merchant_uid = prepare(api)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, provider="danal")
    assert certify(api, imp_uid, merchant_uid).status_code == 201
    me = api.get(ME).json()
    assert (me["gender"], me["gender_source"]) == ("male", "provider")
    assert (me["is_foreigner"], me["foreigner_source"]) == (None, "")  # Danal: not contracted

    merchant_uid = prepare(api)
    imp_uid = portone.add_certification(
        merchant_uid=merchant_uid, provider="inicis_unified", gender="female", foreigner=False
    )
    assert certify(api, imp_uid, merchant_uid).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    assert (identity.gender, identity.gender_source) == ("female", "self_declared")
    assert (identity.is_foreigner, identity.foreigner_source) == (False, "self_declared")
