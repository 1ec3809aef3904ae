from __future__ import annotations

import json
import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from rest_framework.test import APIClient

from django_portone_cert.checks import check_settings
from django_portone_cert.models import VerifiedIdentity
from django_portone_cert.testing.fake import CacheStore, FakePortOne
from django_portone_cert.testing.server import FakePortOneServer

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
