"""resume/ (V2): the attempt whose browser never came back, finished under certify's rules."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert import ages
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure
from tests.versions import V2_SETTINGS, certify_body

RESUME = "/portone-cert/resume/"


@pytest.fixture
def v2(settings: Any) -> None:
    """PortOne V2 for this test (request it before ``portone``)."""
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **V2_SETTINGS}


def prepare(client: Any) -> str:
    response = client.post("/portone-cert/prepare/")
    assert response.status_code == 201, response.content
    return str(response.json()["merchant_uid"])


def finished_in_pass(portone: FakePortOne, client: Any, **person: Any) -> str:
    """prepare/, then PortOne verifies the person; the browser never posts the result back."""
    merchant_uid = prepare(client)
    portone.add_certification(merchant_uid=merchant_uid, **(person or PERSON))
    return merchant_uid


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json().get("code", "")


# --- V2: the rules of certify, through resume/ ---


@pytest.mark.usefixtures("v2")
def test_resume_finishes_the_users_attempt(api: APIClient, user: Any, portone: FakePortOne) -> None:
    merchant_uid = finished_in_pass(portone, api)
    response = api.post(RESUME)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["verified"] is True and body["name"] == PERSON["name"]
    assert body["pending_signup"] is False
    assert VerifiedIdentity.objects.get().user == user
    attempt = CertificationAttempt.objects.get()
    assert attempt.status == "verified" and attempt.imp_uid == merchant_uid
    assert "no-store" in response["Cache-Control"]


@pytest.mark.usefixtures("v2")
def test_once_a_second_resume_or_certify_is_a_replay(api: APIClient, portone: FakePortOne) -> None:
    merchant_uid = finished_in_pass(portone, api)
    assert api.post(RESUME).status_code == 201
    assert error(api.post(RESUME)) == (409, "certification_used")
    certify = api.post(
        "/portone-cert/certifications/", certify_body(merchant_uid, merchant_uid), format="json"
    )
    assert error(certify) == (409, "certification_used")
    assert VerifiedIdentity.objects.count() == 1


@pytest.mark.usefixtures("v2")
def test_certified_first_then_resume_is_a_replay(api: APIClient, portone: FakePortOne) -> None:
    merchant_uid = finished_in_pass(portone, api)
    certify = api.post(
        "/portone-cert/certifications/", certify_body(merchant_uid, merchant_uid), format="json"
    )
    assert certify.status_code == 201
    assert error(api.post(RESUME)) == (409, "certification_used")


@pytest.mark.usefixtures("v2")
def test_never_another_persons_attempt(make_user: Any, portone: FakePortOne, settings: Any) -> None:
    owner, other = client_for(make_user()), client_for(make_user())
    merchant_uid = finished_in_pass(portone, owner)
    # The other user has no attempt of their own: nothing to resume.
    assert error(other.post(RESUME)) == (404, "not_found")
    # A visitor's session cannot reach a user's attempt either.
    configure(settings, ANONYMOUS_VERIFICATION=True)
    assert error(APIClient().post(RESUME)) == (404, "not_found")
    # The other user's own latest attempt is theirs, never the owner's.
    theirs = prepare(other)
    assert error(other.post(RESUME)) == (400, "certification_not_found")
    owned = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert owned.status == "pending" and owned.lookups == 0
    assert CertificationAttempt.objects.get(merchant_uid=theirs).failure_code == (
        "certification_not_found"
    )
    assert owner.post(RESUME).status_code == 201
    assert VerifiedIdentity.objects.count() == 1


@pytest.mark.usefixtures("v2")
def test_still_ready_is_refused_and_may_be_resumed_later(
    api: APIClient, portone: FakePortOne
) -> None:
    merchant_uid = prepare(api)
    portone.add_certification(merchant_uid=merchant_uid, certified=False)  # READY
    assert error(api.post(RESUME)) == (400, "not_certified")
    attempt = CertificationAttempt.objects.get()
    assert attempt.status == "failed" and attempt.failure_code == "not_certified"
    assert not VerifiedIdentity.objects.exists()
    # The person finishes in PASS afterwards: the same attempt resumes.
    portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    assert api.post(RESUME).status_code == 201


@pytest.mark.usefixtures("v2")
def test_nothing_pending_is_not_found(api: APIClient, portone: FakePortOne) -> None:
    response = api.post(RESUME)
    assert error(response) == (404, "not_found")
    assert set(response.json()) == {"detail", "code"}
    assert portone.count() == 0


@pytest.mark.usefixtures("v2")
def test_an_expired_attempt_is_not_pending(api: APIClient, portone: FakePortOne) -> None:
    finished_in_pass(portone, api)
    CertificationAttempt.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert error(api.post(RESUME)) == (404, "not_found")
    assert portone.count() == 0


@pytest.mark.usefixtures("v2")
def test_only_the_latest_attempt_is_resumed(api: APIClient, portone: FakePortOne) -> None:
    finished_in_pass(portone, api)
    prepare(api)  # a later attempt, never handed to PortOne
    assert error(api.post(RESUME)) == (400, "certification_not_found")
    assert not VerifiedIdentity.objects.exists()


@pytest.mark.usefixtures("v2")
def test_lookups_are_bounded_by_the_attempts_budget(
    api: APIClient, portone: FakePortOne, settings: Any
) -> None:
    configure(settings, THROTTLE_RATE="100/minute")
    merchant_uid = prepare(api)
    portone.add_certification(merchant_uid=merchant_uid, certified=False)
    codes = [error(api.post(RESUME))[1] for _ in range(5)]
    assert codes == ["not_certified"] * 3 + ["attempt_exhausted"] * 2
    assert portone.certification_requests == 3


@pytest.mark.usefixtures("v2")
def test_throttled_like_certify(api: APIClient, portone: FakePortOne, settings: Any) -> None:
    configure(settings, THROTTLE_RATE="3/minute")
    finished_in_pass(portone, api)  # prepare/ counts in the same scope
    assert api.post(RESUME).status_code == 201
    assert error(api.post(RESUME)) == (409, "certification_used")
    assert error(api.post(RESUME)) == (429, "throttled")
    assert portone.certification_requests == 1  # a replay is refused before PortOne


@pytest.mark.usefixtures("v2")
def test_portone_timeout_stores_nothing(api: APIClient, portone: FakePortOne) -> None:
    finished_in_pass(portone, api)
    portone.inject("timeout", times=3, endpoint="certification")
    response = api.post(RESUME)
    assert error(response) == (504, "portone_timeout")
    assert PERSON["name"] not in response.content.decode()
    assert not VerifiedIdentity.objects.exists()
    attempt = CertificationAttempt.objects.get()
    assert attempt.status == "failed" and attempt.failure_code == "portone_timeout"
    assert attempt.imp_uid is None and attempt.result == ""
    # PortOne answers again: the attempt resumes.
    assert api.post(RESUME).status_code == 201


@pytest.mark.usefixtures("v2")
def test_a_child_is_refused_as_at_certify(api: APIClient, portone: FakePortOne) -> None:
    today = ages.today_kst()
    finished_in_pass(portone, api, name="김아동", birth_date=date(today.year - 10, 1, 1))
    assert error(api.post(RESUME)) == (400, "child_not_allowed")
    assert not VerifiedIdentity.objects.exists()


# --- visitors (ANONYMOUS_VERIFICATION) ---


@pytest.mark.usefixtures("v2")
def test_a_visitors_result_waits_for_the_sign_up(visitor: APIClient, portone: FakePortOne) -> None:
    finished_in_pass(portone, visitor)
    before = visitor.cookies["sessionid"].value
    response = visitor.post(RESUME)
    assert response.status_code == 201
    assert response.json()["pending_signup"] is True
    assert visitor.cookies["sessionid"].value != before  # rotated, as certify does
    assert not VerifiedIdentity.objects.exists()
    assert error(visitor.post(RESUME)) == (409, "certification_used")
    # Another visitor's session has nothing to resume.
    assert error(APIClient().post(RESUME)) == (404, "not_found")


@pytest.mark.usefixtures("v2")
def test_visitors_only_with_anonymous_verification(db: None, portone: FakePortOne) -> None:
    response = APIClient().post(RESUME)
    assert response.status_code in (401, 403)
    assert portone.count() == 0


@pytest.mark.usefixtures("v2")
def test_visitors_send_the_csrf_token(visitor: APIClient, portone: FakePortOne) -> None:
    finished_in_pass(portone, visitor)
    strict = APIClient(enforce_csrf_checks=True)
    strict.cookies = visitor.cookies
    response = strict.post(RESUME)
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert portone.certification_requests == 0


@pytest.mark.usefixtures("v2")
def test_recovery_attempts_do_not_resume(
    visitor: APIClient, portone: FakePortOne, settings: Any
) -> None:
    configure(settings, ACCOUNT_RECOVERY=True)
    response = visitor.post("/portone-cert/recovery/prepare/")
    assert response.status_code == 201
    portone.add_certification(merchant_uid=response.json()["merchant_uid"], **PERSON)
    assert error(visitor.post(RESUME)) == (404, "not_found")
    assert portone.certification_requests == 0


# --- V1 ---


def test_v1_has_nothing_to_resume(api_version: str, api: APIClient, portone: FakePortOne) -> None:
    finished_in_pass(portone, api)
    response = api.post(RESUME)
    if api_version == "v1":
        # V1's result id is PortOne's, and PortOne has no lookup by merchant_uid.
        assert error(response) == (404, "not_found")
        assert portone.certification_requests == 0
        assert CertificationAttempt.objects.get().status == "pending"
    else:
        assert response.status_code == 201


# --- the verify page: whether it tries resume/ when it opens ---


def page_config(client: Client) -> dict[str, Any]:
    html = client.get("/portone-cert/verify/").content.decode()
    found = re.search(r'id="portone-cert-config"[^>]*>(.*?)</script>', html, re.DOTALL)
    assert found
    return dict(json.loads(found.group(1)))


def test_the_page_offers_resume_for_an_unfinished_v2_attempt(
    api_version: str, user: Any, portone: FakePortOne
) -> None:
    browser = Client()
    browser.force_login(user)
    assert "resume" not in page_config(browser)
    merchant_uid = prepare(browser)
    config = page_config(browser)
    if api_version == "v1":
        assert "resume" not in config
        return
    assert config["resume"] == {"url": RESUME, "attempt": merchant_uid}
    portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    assert browser.post(RESUME).status_code == 201
    assert "resume" not in page_config(browser)  # spent


@pytest.mark.usefixtures("v2")
def test_the_page_stops_offering_what_cannot_succeed(user: Any, portone: FakePortOne) -> None:
    browser = Client()
    browser.force_login(user)
    prepare(browser)  # never handed to PortOne
    assert browser.post(RESUME).json()["code"] == "certification_not_found"
    assert "resume" not in page_config(browser)
    merchant_uid = prepare(browser)
    portone.add_certification(merchant_uid=merchant_uid, certified=False)
    assert browser.post(RESUME).json()["code"] == "not_certified"
    assert "resume" in page_config(browser)  # PortOne may say VERIFIED later
    CertificationAttempt.objects.filter(merchant_uid=merchant_uid).update(lookups=3)
    assert "resume" not in page_config(browser)  # no lookup left


def test_the_schema_describes_resume() -> None:
    pytest.importorskip("drf_spectacular")
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator(urlconf="django_portone_cert.urls").get_schema(public=True)
    resume = schema["paths"]["/resume/"]["post"]
    assert {"201", "404", "409", "429", "504"} <= set(resume["responses"])
    assert resume["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Verification"
    )
    assert "requestBody" not in resume


@pytest.mark.usefixtures("v2")
def test_an_in_app_confirm_whose_answer_was_lost(
    api: APIClient, portone: FakePortOne, settings: Any
) -> None:
    """PortOne confirmed the code, but its answer never reached the site (the connection
    dropped): resume/ finishes the OTP attempt once, by a lookup, under every rule."""
    configure(settings, OTP_ENABLED=True, OTP_PROVIDER="danal")
    person = {
        "name": "홍길동",
        "phone": "01012345678",
        "birth_date": "1990-05-17",
        "gender_digit": "1",
        "carrier": "SKT",
        "method": "SMS",
    }
    sent = api.post("/portone-cert/otp/", person, format="json")
    assert sent.status_code == 201
    attempt_id = sent.json()["attempt_id"]
    # The site's confirm reached PortOne; its answer did not come back.
    lost = portone.handle(
        "POST",
        f"/identity-verifications/{attempt_id}/confirm",
        {"Authorization": f"PortOne {portone.api_secret}", "Content-Type": "application/json"},
        json.dumps({"storeId": V2_SETTINGS["STORE_ID"], "otp": portone.last_code("01012345678")}),
    )
    assert lost.status == 200
    assert not VerifiedIdentity.objects.exists()
    response = api.post(RESUME)
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "홍길동"
    assert error(api.post(RESUME)) == (409, "certification_used")
    confirm = api.post(f"/portone-cert/otp/{attempt_id}/confirm/", {"otp": "000000"}, format="json")
    assert error(confirm) == (409, "certification_used")
    assert VerifiedIdentity.objects.count() == 1
