from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from django_portone_cert import signup
from django_portone_cert.checks import check_sandbox_identities, check_settings
from django_portone_cert.conf import app_settings
from django_portone_cert.models import VerifiedIdentity
from django_portone_cert.testing import CacheStore, FakePortOne, FakePortOneServer
from tests.versions import certify_body

SANDBOX_URLS = [
    "/portone-cert/sandbox/iamport.js",
    "/portone-cert/sandbox/certify/",
    "/portone-cert/sandbox/api/users/getToken",
]


@pytest.fixture
def sandbox(settings: Any) -> None:
    settings.DEBUG = True
    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "SANDBOX": True,
        "API_BASE_URL": "http://127.0.0.1:1/portone-cert/sandbox/api",
    }


def result_of(response: Any) -> dict[str, Any]:
    match = re.search(
        r'id="sandbox-result" type="application/json">(.*?)</script>', response.content.decode()
    )
    assert match is not None
    return dict(json.loads(match.group(1)))


@pytest.mark.parametrize("url", SANDBOX_URLS)
def test_sandbox_urls_do_not_exist_when_off(db: None, url: str) -> None:
    assert Client().get(url).status_code == 404
    assert Client().post(url).status_code == 404


@pytest.mark.parametrize("url", SANDBOX_URLS)
def test_sandbox_needs_debug(db: None, settings: Any, url: str) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": True}
    settings.DEBUG = False
    assert Client().get(url).status_code == 404


def test_check_refuses_sandbox_without_debug(settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": True, "API_BASE_URL": "http://x/"}
    settings.DEBUG = False
    assert sorted(m.id for m in check_settings()) == ["portone_cert.E014", "portone_cert.W001"]
    settings.DEBUG = True
    assert [m.id for m in check_settings()] == []


def test_check_warns_when_sandbox_talks_to_portone(settings: Any) -> None:
    settings.DEBUG = True
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": True}
    assert [m.id for m in check_settings()] == ["portone_cert.W003"]


def test_sdk_stand_in(db: None, sandbox: None) -> None:
    response = Client().get("/portone-cert/sandbox/iamport.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    text = response.content.decode()
    assert 'POPUP_URL = "/portone\\u002Dcert/sandbox/certify/"' in text
    assert "window.IMP" in text


def test_verify_page_loads_the_stand_in(user: Any, sandbox: None, settings: Any) -> None:
    client = Client()
    client.force_login(user)
    assert (
        "/portone-cert/sandbox/iamport.js" in client.get("/portone-cert/verify/").content.decode()
    )
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": False}
    assert (
        "https://cdn.iamport.kr/v1/iamport.js"
        in client.get("/portone-cert/verify/").content.decode()
    )


def test_popup_complete_cancel_fail(db: None, sandbox: None) -> None:
    client = Client()
    page = client.get(
        "/portone-cert/sandbox/certify/", {"merchant_uid": "cert1", "imp_code": "imp0"}
    )
    assert page.status_code == 200 and 'value="cert1"' in page.content.decode()
    fields = {
        "merchant_uid": "cert1",
        "name": "최유진",
        "birth_date": "2001-09-09",
        "provider": "kcp_v2",
    }

    done = result_of(
        client.post("/portone-cert/sandbox/certify/", {**fields, "action": "complete"})
    )
    assert done["success"] is True and done["merchant_uid"] == "cert1"
    record = FakePortOne(store=CacheStore()).get_record(done["imp_uid"])
    assert record is not None
    assert (record["name"], record["birthday"], record["pg_provider"]) == (
        "최유진",
        "2001-09-09",
        "kcp_v2",
    )
    assert record["certified"] is True

    cancelled = result_of(
        client.post("/portone-cert/sandbox/certify/", {**fields, "action": "cancel"})
    )
    assert cancelled["success"] is False and cancelled["imp_uid"] is None
    assert cancelled["error_msg"]

    failed = result_of(client.post("/portone-cert/sandbox/certify/", {**fields, "action": "fail"}))
    assert failed["success"] is False and failed["imp_uid"]
    assert FakePortOne(store=CacheStore()).get_record(failed["imp_uid"])["certified"] is False  # type: ignore[index]

    bad = client.post(
        "/portone-cert/sandbox/certify/", {**fields, "birth_date": "1.1.2000", "action": "complete"}
    )
    assert bad.status_code == 400


def test_popup_redirect_mode(db: None, sandbox: None) -> None:
    back = "http://testserver/portone-cert/verify/?next=%2Fadult%2F"
    response = Client().post(
        "/portone-cert/sandbox/certify/",
        {
            "merchant_uid": "cert9",
            "birth_date": "1999-01-01",
            "action": "complete",
            "m_redirect_url": back,
        },
    )
    assert response.status_code == 302
    parts = urlsplit(response["Location"])
    query = parse_qs(parts.query)
    assert parts.path == "/portone-cert/verify/"
    assert query["next"] == ["/adult/"] and query["merchant_uid"] == ["cert9"]
    assert query["success"] == ["true"] and query["imp_uid"][0].startswith("imp_")


def test_popup_never_redirects_elsewhere(db: None, sandbox: None) -> None:
    response = Client().post(
        "/portone-cert/sandbox/certify/",
        {
            "merchant_uid": "c",
            "birth_date": "1999-01-01",
            "action": "complete",
            "m_redirect_url": "https://evil.example/",
        },
    )
    assert response.status_code == 200
    assert result_of(response)["success"] is True


def test_sandbox_api_speaks_portone(db: None, sandbox: None) -> None:
    client = Client()
    token = client.post(
        "/portone-cert/sandbox/api/users/getToken",
        {"imp_key": "test_imp_key", "imp_secret": "test_imp_secret"},
        content_type="application/json",
    )
    assert token.status_code == 200
    access = token.json()["response"]["access_token"]
    imp_uid = FakePortOne(store=CacheStore()).add_certification(merchant_uid="m1")
    found = client.get(
        f"/portone-cert/sandbox/api/certifications/{imp_uid}", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    assert found.status_code == 200 and found.json()["response"]["merchant_uid"] == "m1"
    assert client.get("/portone-cert/sandbox/api/certifications/imp_1").status_code == 401


def test_whole_flow_over_http(live_server: Any, user: Any, settings: Any) -> None:
    """The real client calls the site's own sandbox API over loopback HTTP."""
    settings.DEBUG = True
    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "SANDBOX": True,
        "API_BASE_URL": live_server.url + "/portone-cert/sandbox/api",
    }
    api = APIClient()
    api.force_authenticate(user)
    attempt = api.post("/portone-cert/prepare/").json()
    popup = Client().post(
        "/portone-cert/sandbox/certify/",
        {
            "merchant_uid": attempt["merchant_uid"],
            "name": "정하은",
            "birth_date": "2005-05-05",
            "action": "complete",
        },
    )
    imp_uid = result_of(popup)["imp_uid"]
    response = api.post(
        "/portone-cert/certifications/",
        {"imp_uid": imp_uid, "merchant_uid": attempt["merchant_uid"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert VerifiedIdentity.objects.get(user=user).birth_date == date(2005, 5, 5)


def test_fake_server_counts_connections(user: Any, settings: Any) -> None:
    fake = FakePortOne()
    with FakePortOneServer(fake) as server:
        settings.PORTONE_CERT = {**settings.PORTONE_CERT, "API_BASE_URL": server.url}
        api = APIClient()
        api.force_authenticate(user)
        for _ in range(5):
            attempt = api.post("/portone-cert/prepare/").json()
            imp_uid = fake.add_certification(merchant_uid=attempt["merchant_uid"])
            api.post(
                "/portone-cert/certifications/",
                {"imp_uid": imp_uid, "merchant_uid": attempt["merchant_uid"]},
                format="json",
            )
        assert fake.token_requests == 1 and fake.certification_requests == 5
        # One kept-alive connection served all six requests.
        assert server.connections == 1


@pytest.fixture
def sandbox_v2(sandbox: None, settings: Any) -> None:
    from tests.versions import V2_SETTINGS

    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **V2_SETTINGS}


def test_v2_sdk_stand_in_and_verify_page(user: Any, sandbox_v2: None, settings: Any) -> None:
    script = Client().get("/portone-cert/sandbox/browser-sdk.js")
    assert script.status_code == 200 and "requestIdentityVerification" in script.content.decode()
    client = Client()
    client.force_login(user)
    assert (
        "/portone-cert/sandbox/browser-sdk.js"
        in client.get("/portone-cert/verify/").content.decode()
    )
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": False}
    page = client.get("/portone-cert/verify/").content.decode()
    assert "https://cdn.portone.io/v2/browser-sdk.js" in page


def test_v2_popup_answers_like_the_v2_sdk(db: None, sandbox_v2: None) -> None:
    fields = {"api": "v2", "merchant_uid": "certV2abc", "birth_date": "1995-05-05"}
    done = result_of(
        Client().post("/portone-cert/sandbox/certify/", {**fields, "action": "complete"})
    )
    assert done["identityVerificationId"] == "certV2abc" and "code" not in done
    record = FakePortOne(store=CacheStore()).get_record("certV2abc")
    assert record is not None and record["certified"] is True
    cancelled = result_of(
        Client().post("/portone-cert/sandbox/certify/", {**fields, "action": "cancel"})
    )
    assert cancelled["code"] == "IDENTITY_VERIFICATION_CANCELLED" and cancelled["message"]
    failed = result_of(
        Client().post("/portone-cert/sandbox/certify/", {**fields, "action": "fail"})
    )
    assert failed["code"] == "IDENTITY_VERIFICATION_FAILED"


def test_v2_redirect_mode(db: None, sandbox_v2: None) -> None:
    back = "http://testserver/portone-cert/verify/?next=%2Fadult%2F"
    response = Client().post(
        "/portone-cert/sandbox/certify/",
        {
            "api": "v2",
            "merchant_uid": "certV2r",
            "birth_date": "1999-01-01",
            "action": "complete",
            "m_redirect_url": back,
        },
    )
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["identityVerificationId"] == ["certV2r"]
    assert "success" not in query and "code" not in query


@pytest.mark.parametrize(("action", "code"), [("fail", "PGProviderError"), ("", "Cancelled")])
def test_v2_redirect_mode_failures_carry_the_sdks_codes(
    db: None, sandbox_v2: None, action: str, code: str
) -> None:
    """As the V2 SDK's redirect: a code of browser-sdk.yml, which the page maps to its words."""
    back = "http://testserver/portone-cert/recovery/"
    fields = {"api": "v2", "merchant_uid": "certV2f", "birth_date": "1999-01-01"}
    response = Client().post(
        "/portone-cert/sandbox/certify/", {**fields, "action": action, "m_redirect_url": back}
    )
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query["code"] == [code] and query["identityVerificationId"] == ["certV2f"]


# --- what the sandbox stores is marked, and counts only in sandbox mode ---


@pytest.fixture
def live_sandbox(api_version: str, live_server: Any, settings: Any) -> str:
    """Sandbox mode with the client reading the site's own sandbox API over loopback HTTP."""
    settings.DEBUG = True
    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "SANDBOX": True,
        "API_BASE_URL": live_server.url + "/portone-cert/sandbox/api",
    }
    return api_version


def sandbox_verify(client: APIClient, name: str = "정하은", born: str = "1990-05-05") -> Any:
    """prepare → the tester types a person into the popup → certifications/."""
    attempt = client.post("/portone-cert/prepare/").json()
    v2 = app_settings.API_VERSION == "v2"
    popup = Client().post(
        "/portone-cert/sandbox/certify/",
        {
            "merchant_uid": attempt["merchant_uid"],
            "name": name,
            "birth_date": born,
            "action": "complete",
            **({"api": "v2"} if v2 else {}),
        },
    )
    result = result_of(popup)
    result_id = result["identityVerificationId"] if v2 else result["imp_uid"]
    return client.post(
        "/portone-cert/certifications/",
        certify_body(result_id, attempt["merchant_uid"]),
        format="json",
    )


def sandbox_off(settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": False}


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_sandbox_identity_is_marked_and_stops_counting_when_the_sandbox_is_off(
    live_sandbox: str, user: Any, settings: Any
) -> None:
    api = APIClient()
    api.force_authenticate(user)
    assert sandbox_verify(api).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.provider == "sandbox" and identity.is_sandbox
    browser = logged_in(user)
    assert browser.get("/gated/adult/").status_code == 200
    me = api.get("/portone-cert/me/").json()
    assert me["verified"] is True and me["provider"] == "sandbox"

    # The same database, later, without the sandbox.
    sandbox_off(settings)
    assert api.get("/portone-cert/me/").json() == {"verified": False}
    gate = browser.get("/gated/adult/")
    assert gate.status_code == 302 and gate["Location"].startswith("/portone-cert/verify/")
    page = browser.get(gate["Location"]).content.decode()
    assert "You verified your identity on" not in page
    assert [m.id for m in check_sandbox_identities(databases=["default"])] == ["portone_cert.W007"]


def test_a_visitors_sandbox_result_stays_marked_through_the_sign_up(
    live_sandbox: str, settings: Any
) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "ANONYMOUS_VERIFICATION": True}
    visitor = APIClient()
    response = sandbox_verify(visitor, name="신규가입")
    assert response.status_code == 201 and response.json()["pending_signup"] is True
    request = RequestFactory().get("/")
    request.session = SessionStore(visitor.cookies["sessionid"].value)
    pending = signup.pending_verification(request)
    assert pending is not None and pending.provider == "sandbox"

    # Claimed after the sandbox was turned off: still the sandbox's, still refused.
    sandbox_off(settings)
    sign_up = visitor.post("/signup/", {"username": "new@example.com"})
    assert sign_up.status_code == 201, sign_up.content
    identity = VerifiedIdentity.objects.get()
    assert identity.provider == "sandbox"
    assert logged_in(identity.user).get("/gated/members/").status_code == 302


def test_results_read_while_sandbox_is_set_are_marked_even_without_debug(
    api_version: str, user: Any, portone: Any, settings: Any
) -> None:
    """SANDBOX on, DEBUG off (E014): whatever the client reads then is marked, and refused."""
    settings.DEBUG = False
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": True}
    api = APIClient()
    api.force_authenticate(user)
    attempt = api.post("/portone-cert/prepare/").json()
    result_id = portone.add_certification(merchant_uid=attempt["merchant_uid"])
    response = api.post(
        "/portone-cert/certifications/",
        certify_body(result_id, attempt["merchant_uid"]),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["verified"] is False  # as the gates will say
    assert VerifiedIdentity.objects.get(user=user).provider == "sandbox"
    assert logged_in(user).get("/gated/members/").status_code == 302


def test_real_results_are_not_marked(api_version: str, user: Any, portone: Any) -> None:
    api = APIClient()
    api.force_authenticate(user)
    attempt = api.post("/portone-cert/prepare/").json()
    result_id = portone.add_certification(merchant_uid=attempt["merchant_uid"], provider="kcp_v2")
    response = api.post(
        "/portone-cert/certifications/",
        certify_body(result_id, attempt["merchant_uid"]),
        format="json",
    )
    assert response.status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.provider == "kcp_v2" and not identity.is_sandbox
    assert api.get("/portone-cert/me/").json()["verified"] is True
    assert logged_in(user).get("/gated/members/").status_code == 200
    assert check_sandbox_identities(databases=["default"]) == []


def test_a_sandbox_identity_verified_again_for_real_becomes_real(
    live_sandbox: str, user: Any, settings: Any
) -> None:
    api = APIClient()
    api.force_authenticate(user)
    assert sandbox_verify(api, name="가짜사람").status_code == 201
    assert VerifiedIdentity.objects.get(user=user).is_sandbox

    # Later, with real credentials: the person is someone else than the one typed in
    # (another CI), and that must not be refused as identity_mismatch.
    settings.DEBUG = False
    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "SANDBOX": False,
        "API_BASE_URL": None,
    }
    fake = FakePortOne()
    with fake.activate():
        attempt = api.post("/portone-cert/prepare/").json()
        result_id = fake.add_certification(merchant_uid=attempt["merchant_uid"], name="진짜사람")
        response = api.post(
            "/portone-cert/certifications/",
            certify_body(result_id, attempt["merchant_uid"]),
            format="json",
        )
    assert response.status_code == 201, response.content
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.provider == "danal" and not identity.is_sandbox
    assert logged_in(user).get("/gated/members/").status_code == 200
    assert check_sandbox_identities(databases=["default"]) == []


def test_the_fixture_fills_keys_the_settings_leave_empty(
    settings: Any, request: pytest.FixtureRequest
) -> None:
    """``os.environ.get("PORTONE_IMP_KEY")`` without the variable leaves None: the fixture's
    test keys stand in, as for a key not given at all."""
    from django_portone_cert.conf import app_settings

    settings.PORTONE_CERT = {"IMP_KEY": None, "IMP_SECRET": "", "IMP_CODE": None}
    request.getfixturevalue("portone")
    assert app_settings.IMP_KEY == "fake_imp_key"
    assert app_settings.IMP_SECRET == "fake_imp_secret"
    assert app_settings.IMP_CODE == "imp00000000"
