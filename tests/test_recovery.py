"""Account recovery (아이디 찾기 / 비밀번호 재설정) through the public HTTP API, V1 and V2.

A visitor verifies with an attempt minted for recovery and sees the person's accounts, masked,
each with a one-time link to Django's password_reset_confirm. Nothing about the person is stored.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert import recovery, services, signup
from django_portone_cert.checks import check_recovery
from django_portone_cert.masking import mask_username
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.signals import accounts_found, verification_failed
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure, raw_dump, session_request, verify
from tests.versions import certify_body

PAGE = "/portone-cert/recovery/"
PREPARE = "/portone-cert/recovery/prepare/"
CERTIFY = "/portone-cert/recovery/certifications/"
NEW_PASSWORD = "a-new-long-pass-4321"


@pytest.fixture(autouse=True)
def _recovery_on(api_version: str, settings: Any) -> None:
    """Every scenario on V1 and V2, recovery on, Django's auth views in the URLconf."""
    configure(settings, ACCOUNT_RECOVERY=True)
    settings.ROOT_URLCONF = "tests.recovery_urls"


def start(client: APIClient) -> str:
    response = client.post(PREPARE)
    assert response.status_code == 201, response.content
    return str(response.json()["merchant_uid"])


def recover(client: APIClient, portone: FakePortOne, **person: Any) -> Any:
    """recovery/prepare/ → a result at the fake PortOne → recovery/certifications/."""
    merchant_uid = start(client)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **(person or PERSON))
    return client.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")


def account_of(make_user: Any, portone: FakePortOne, **person: Any) -> Any:
    """A user verified as ``person``."""
    user = make_user()
    assert verify(client_for(user), portone, **(person or PERSON)).status_code == 201
    return user


def test_off_by_default_everything_is_a_404(settings: Any, db: None) -> None:
    configure(settings, ACCOUNT_RECOVERY=False)
    assert Client().get(PAGE).status_code == 404
    for url in (PREPARE, CERTIFY):
        response = APIClient().post(url, {}, format="json")
        assert response.status_code == 404
        assert set(response.json()) == {"detail", "code"}
        assert response.json()["code"] == "not_found"
    assert not CertificationAttempt.objects.exists()


def test_a_visitor_finds_their_account_and_sets_a_new_password(
    make_user: Any, portone: FakePortOne, django_capture_on_commit_callbacks: Any
) -> None:
    owner = account_of(make_user, portone)
    visitor = APIClient()
    received: list[dict[str, Any]] = []
    accounts_found.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-rec")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = recover(visitor, portone)
    finally:
        accounts_found.disconnect(dispatch_uid="t-rec")

    assert response.status_code == 200, response.content
    accounts = response.json()["accounts"]
    assert len(accounts) == 1
    account = accounts[0]
    assert set(account) == {"username", "date_joined", "password_reset_url"}
    assert account["username"] == mask_username(owner.get_username())
    assert owner.get_username() not in response.content.decode()
    if hasattr(owner, "date_joined"):
        assert account["date_joined"].startswith(owner.date_joined.date().isoformat())
    else:  # the swapped user model has none
        assert account["date_joined"] is None
    # The CI never leaves the server.
    ci = portone.person_ci(**PERSON)
    assert ci not in response.content.decode() and "ci" not in str(set(account))
    assert len(received) == 1 and received[0]["users"] == [owner]
    assert received[0]["attempt"].purpose == "recovery"

    # Django's own password_reset_confirm, followed in a browser-like client.
    browser = Client()
    page = browser.get(account["password_reset_url"], follow=True)
    assert page.status_code == 200 and page.context["validlink"] is True
    done = browser.post(
        page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)
    # One-time: the link no longer works once the password changed.
    again = Client().get(account["password_reset_url"], follow=True)
    assert again.context["validlink"] is False


def test_a_person_without_an_account_is_told_so(make_user: Any, portone: FakePortOne) -> None:
    account_of(make_user, portone, name="다른이", birth_date=date(1980, 1, 1))
    response = recover(APIClient(), portone)
    assert response.status_code == 200 and response.json() == {"accounts": []}


def test_one_person_with_several_accounts_sees_all(
    settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    configure(settings, ONE_ACCOUNT_PER_PERSON=False)
    first, second = account_of(make_user, portone), account_of(make_user, portone)
    account_of(make_user, portone, name="남남", birth_date=date(1970, 7, 7))
    inactive = account_of(make_user, portone)
    if any(f.name == "is_active" for f in get_user_model()._meta.get_fields()):
        get_user_model()._default_manager.filter(pk=inactive.pk).update(is_active=False)
    else:  # the swapped user model: every account is active
        VerifiedIdentity.objects.filter(user=inactive).delete()
    response = recover(APIClient(), portone)
    names = [a["username"] for a in response.json()["accounts"]]
    assert names == [mask_username(u.get_username()) for u in (first, second)]
    assert services.find_accounts(portone.person_ci(**PERSON)) == [first, second]


def test_accounts_under_a_fallback_hash_key_are_found(
    settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    configure(settings, HASH_KEY="a" * 40)
    owner = account_of(make_user, portone)
    configure(settings, HASH_KEY="b" * 40, HASH_KEY_FALLBACKS=["a" * 40])
    response = recover(APIClient(), portone)
    assert [a["username"] for a in response.json()["accounts"]] == [
        mask_username(owner.get_username())
    ]
    configure(settings, HASH_KEY_FALLBACKS=None)  # the old key dropped before re-keying
    assert recover(APIClient(), portone).json() == {"accounts": []}


def test_nothing_about_the_person_is_stored(make_user: Any, portone: FakePortOne) -> None:
    account_of(make_user, portone)
    before = raw_dump()
    identities = list(VerifiedIdentity.objects.values())
    response = recover(APIClient(), portone, name="김복구", birth_date=date(1985, 3, 3))
    assert response.status_code == 200
    attempt = CertificationAttempt.objects.get(purpose="recovery")
    assert attempt.status == "verified" and attempt.result == "" and attempt.user is None
    assert list(VerifiedIdentity.objects.values()) == identities
    dump = raw_dump()
    assert "김복구" not in dump and portone.person_ci("김복구", date(1985, 3, 3)) not in dump
    assert len(dump) > len(before)  # only the consumed attempt was added


def test_recovery_is_logged_without_personal_data(
    make_user: Any, portone: FakePortOne, caplog: Any
) -> None:
    owner = account_of(make_user, portone)
    with caplog.at_level(logging.INFO, logger="django_portone_cert"):
        assert recover(APIClient(), portone).status_code == 200
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Account recovery: 1 account(s) found" in logged
    for value in (owner.get_username(), PERSON["name"], portone.person_ci(**PERSON)):
        assert value not in logged


def test_one_use_per_result(make_user: Any, portone: FakePortOne) -> None:
    account_of(make_user, portone)
    visitor = APIClient()
    merchant_uid = start(visitor)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    body = certify_body(imp_uid, merchant_uid)
    assert visitor.post(CERTIFY, body, format="json").status_code == 200
    replay = visitor.post(CERTIFY, body, format="json")
    assert replay.status_code == 409 and replay.json()["code"] == "certification_used"
    assert "accounts" not in replay.json()


def test_the_session_key_rotates_and_binds_the_attempt(
    make_user: Any, portone: FakePortOne
) -> None:
    account_of(make_user, portone)
    visitor = APIClient()
    merchant_uid = start(visitor)
    before = visitor.cookies["sessionid"].value
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    # Another session (a stranger who learned the ids) learns nothing.
    stranger = APIClient()
    start(stranger)
    refused = stranger.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "attempt_mismatch"
    # A session fixed before the recovery (the old key) holds nothing after it.
    fixed = APIClient()
    fixed.cookies["sessionid"] = before
    ok = visitor.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert ok.status_code == 200
    after = visitor.cookies["sessionid"].value
    assert after != before
    assert CertificationAttempt.objects.get(merchant_uid=merchant_uid).session_key == after
    again = fixed.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert again.status_code in (400, 409) and "accounts" not in again.json()


def test_a_recovery_attempt_cannot_verify_or_sign_up_and_the_other_way_round(
    settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True)
    visitor = APIClient()
    # A recovery attempt on certifications/: refused, nothing stored, nothing to claim.
    merchant_uid = start(visitor)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    response = visitor.post(
        reverse("portone_cert:certify"), certify_body(imp_uid, merchant_uid), format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "attempt_mismatch"
    assert not VerifiedIdentity.objects.exists()
    # A recovery that succeeds leaves nothing for a sign-up either.
    merchant_uid = start(visitor)
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    ok = visitor.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert ok.status_code == 200
    assert signup.pending_verification(session_request(visitor)) is None
    assert visitor.post("/signup/", {"username": "x@example.com"}).status_code == 400
    # A user's verification attempt on recovery/certifications/: refused.
    user = make_user()
    api = client_for(user)
    merchant_uid = api.post(reverse("portone_cert:prepare")).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    response = api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert response.status_code == 400 and response.json()["code"] == "attempt_mismatch"
    # A visitor's sign-up attempt on recovery/certifications/: refused too.
    merchant_uid = visitor.post(reverse("portone_cert:prepare")).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    response = visitor.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert response.status_code == 400 and response.json()["code"] == "attempt_mismatch"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ("stale", "certification_stale"),
        ("expired", "attempt_expired"),
        ("not_certified", "not_certified"),
        ("no_ci", "ci_missing"),
    ],
)
def test_freshness_and_the_other_rules_hold(
    settings: Any,
    make_user: Any,
    portone: FakePortOne,
    change: str,
    code: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    configure(settings, REQUIRE_CI=False)  # recovery needs a CI whatever REQUIRE_CI says
    account_of(make_user, portone)
    visitor = APIClient()
    merchant_uid = start(visitor)
    extra: dict[str, Any] = {}
    if change == "stale":
        extra["certified_at"] = timezone.now() - timedelta(hours=2)
    elif change == "not_certified":
        extra["certified"] = False
    elif change == "no_ci":
        extra["ci"] = None
    else:
        CertificationAttempt.objects.filter(purpose="recovery").update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON, **extra)
    failed: list[dict[str, Any]] = []
    verification_failed.connect(lambda **kw: failed.append(kw), weak=False, dispatch_uid="t-rf")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = visitor.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    finally:
        verification_failed.disconnect(dispatch_uid="t-rf")
    assert response.status_code == 400, response.content
    assert [kw["code"] for kw in failed] == [code]
    assert failed[0]["attempt"].purpose == "recovery"
    assert response.json()["code"] == code and set(response.json()) == {"detail", "code"}
    assert CertificationAttempt.objects.get(purpose="recovery").failure_code == code


def test_visitors_must_send_the_csrf_token(db: None) -> None:
    client = APIClient(enforce_csrf_checks=True)
    response = client.post(PREPARE)
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert set(response.json()) == {"detail", "code"}
    secret = "s3cr3t" * 5 + "ab"
    client.cookies["csrftoken"] = secret
    assert client.post(PREPARE, HTTP_X_CSRFTOKEN=secret).status_code == 201


def test_throttled_per_client(settings: Any, db: None) -> None:
    configure(settings, THROTTLE_RATE="2/minute")
    visitor = APIClient()
    assert visitor.post(PREPARE).status_code == 201
    assert visitor.post(PREPARE).status_code == 201
    response = visitor.post(PREPARE)
    assert response.status_code == 429 and response.json()["code"] == "throttled"
    assert APIClient(REMOTE_ADDR="10.0.0.2").post(PREPARE).status_code == 201


def test_malformed_bodies_are_json_errors(db: None) -> None:
    visitor = APIClient()
    response = visitor.post(CERTIFY, {"imp_uid": "<script>"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_a_logged_in_user_may_recover_too(make_user: Any, portone: FakePortOne) -> None:
    owner = account_of(make_user, portone)
    response = recover(client_for(make_user()), portone)
    assert response.json()["accounts"][0]["username"] == mask_username(owner.get_username())


def test_a_reset_link_without_django_auth_urls(
    settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    # The app's own password_reset_confirm: no project URL or template needed.
    settings.ROOT_URLCONF = "tests.urls"
    account_of(make_user, portone)
    response = recover(APIClient(), portone)
    url = response.json()["accounts"][0]["password_reset_url"]
    assert url.startswith("/portone-cert/recovery/reset/")


def test_the_page(settings: Any, db: None) -> None:
    response = Client().get(PAGE)
    assert response.status_code == 200
    config = response.context["config"]
    assert config["prepareUrl"] == PREPARE and config["certifyUrl"] == CERTIFY
    assert config["next"] == ""
    assert {"no_accounts", "accounts_found", "reset_password"} <= set(config["messages"])
    html = response.content.decode()
    assert "data-portone-cert-start" in html and "portone_cert/recover.js" in html
    assert html.index("recover.js") < html.index("verify.js")  # listening before it runs


def test_the_page_speaks_korean(settings: Any, db: None) -> None:
    response = Client().get(PAGE, HTTP_ACCEPT_LANGUAGE="ko")
    html = response.content.decode()
    assert "아이디 찾기" in html
    messages = response.context["config"]["messages"]
    assert messages["no_accounts"] == "이 명의로 가입된 계정이 없습니다."


def test_find_accounts_is_the_services_contract(make_user: Any, portone: FakePortOne) -> None:
    owner = account_of(make_user, portone)
    assert services.find_accounts is recovery.find_accounts
    assert recovery.find_accounts(portone.person_ci(**PERSON)) == [owner]
    assert recovery.find_accounts("") == []


@pytest.mark.parametrize(
    ("username", "masked"),
    [
        ("abcdef@naver.com", "ab***@n***.com"),
        ("hong1234", "hong***"),
        ("honggildong", "hong***"),
        ("kim", "k***"),
        ("a@b.co.kr", "a***@b***.kr"),
        ("", ""),
    ],
)
def test_mask_username(username: str, masked: str) -> None:
    assert mask_username(username) == masked


def test_checks(settings: Any) -> None:
    configure(settings, ACCOUNT_RECOVERY="yes")
    assert [m.id for m in check_recovery()] == ["portone_cert.E040"]
    configure(settings, ACCOUNT_RECOVERY=True, REQUIRE_CI=False)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert [m.id for m in check_recovery()] == ["portone_cert.E041", "portone_cert.W040"]
    configure(settings, REQUIRE_CI=True)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    assert check_recovery() == []
    configure(settings, ACCOUNT_RECOVERY=False)
    assert check_recovery() == []


def test_checks_through_the_command(settings: Any) -> None:
    configure(settings, ACCOUNT_RECOVERY=True, REQUIRE_CI=False)
    from io import StringIO

    out = StringIO()
    call_command("check", stdout=out, stderr=out)
    assert "portone_cert.W040" in out.getvalue()
