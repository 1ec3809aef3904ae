from __future__ import annotations

from typing import Any

from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from django_portone_cert.exceptions import ERROR_CLASSES
from django_portone_cert.messages import verify_page_messages


def test_every_page_message_is_translated() -> None:
    with translation.override("en"):
        english = verify_page_messages()
    with translation.override("ko"):
        korean = verify_page_messages()
    assert set(english) == set(korean)
    assert set(ERROR_CLASSES) <= set(korean)
    untranslated = [code for code in english if english[code] == korean[code]]
    assert untranslated == []


def test_api_errors_follow_the_request_language(api: APIClient) -> None:
    body = {"imp_uid": "imp_123456789012", "merchant_uid": "cert" + "0" * 32}
    english = api.post("/portone-cert/certifications/", body, format="json")
    korean = api.post(
        "/portone-cert/certifications/", body, format="json", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert english.json()["code"] == korean.json()["code"] == "attempt_mismatch"
    assert english.json()["detail"].startswith("This verification result")
    assert korean.json()["detail"] == "이 본인인증 결과는 요청하신 인증 시도와 일치하지 않습니다."


def test_verify_page_in_korean(user: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="ko")
    client.force_login(user)
    response = client.get("/portone-cert/verify/")
    html = response.content.decode()
    assert "본인인증하기" in html
    assert '<html lang="ko">' in html
    # The script's messages too.
    assert (
        response.context["config"]["messages"]["checking"] == "본인인증 결과를 확인하는 중입니다…"
    )
