"""The sandbox's page of the codes its fake PortOne "texted" (API 본인인증), for demos only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from django_portone_cert.sandbox.views import get_fake
from tests.versions import V2_SETTINGS

PAGE = "/portone-cert/sandbox/otp/"


@pytest.fixture
def sandbox(settings: Any) -> None:
    settings.DEBUG = True
    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        **V2_SETTINGS,
        "SANDBOX": True,
        "API_BASE_URL": "http://127.0.0.1:1/portone-cert/sandbox/api",
    }


def send(client: Client, verification_id: str, phone: str, step: str = "send") -> Any:
    body = {
        "channelKey": V2_SETTINGS["CHANNEL_KEY"],
        "customer": {
            "name": "샌드박스",
            "phoneNumber": phone,
            "identityNumber": "9001011",
            "ipAddress": "127.0.0.1",
        },
        "operator": "KT",
        "method": "SMS",
    }
    return client.post(
        f"/portone-cert/sandbox/api/identity-verifications/{verification_id}/{step}",
        json.dumps(body) if step == "send" else "",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"PortOne {V2_SETTINGS['API_SECRET']}",
    )


def test_the_page_exists_only_in_sandbox_mode(db: None, settings: Any) -> None:
    assert Client().get(PAGE).status_code == 404
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": True}
    settings.DEBUG = False
    assert Client().get(PAGE).status_code == 404


def test_the_latest_code_per_phone_newest_first(db: None, sandbox: None) -> None:
    client = Client()
    empty = client.get(PAGE)
    assert empty.status_code == 200
    assert "data-portone-cert-otp-none" in empty.content.decode()
    assert send(client, "sandboxA", "01011112222").status_code == 200
    assert send(client, "sandboxB", "01033334444").status_code == 200
    assert send(client, "sandboxA", "01011112222", step="resend").status_code == 200
    fake = get_fake()
    first, second = fake.last_code("01011112222"), fake.last_code("01033334444")

    html = client.get(PAGE).content.decode()

    assert html.count("data-portone-cert-otp-row") == 2  # one per phone: the resent code
    assert html.index("010****2222") < html.index("010****4444")  # newest first
    assert f">{first}<" in html and f">{second}<" in html
    assert "01011112222" not in html and "01033334444" not in html
    assert "no-store" in client.get(PAGE)["Cache-Control"]


def test_an_expired_code_is_marked(db: None, sandbox: None, settings: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    send(client, "sandboxC", "01055556666")
    # The fake's clock decides: move it past the code's life for the page's fake too.
    fake = get_fake()
    stale = [dict(item, at=item["at"] - fake.otp_code_lifetime - 1) for item in fake.recent_codes()]
    fake.store.set("otp:recent", stale)
    html = client.get(PAGE).content.decode()
    assert "is-expired" in html and "만료됨" in html
    assert "보낸 인증번호 (샌드박스)" in html
