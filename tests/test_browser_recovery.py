"""아이디 찾기 / 비밀번호 재설정 in a real browser (Chromium, PortOne V1 and V2, sandbox mode):
from the demo's login page, a person finds their account, sets a new password with its link
and logs in with it; a person with no account is told so; a replayed result is refused."""

# ruff: noqa: F811  (the tests take test_browser's fixtures, imported here, as arguments)
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import pytest

from tests.test_browser import (  # noqa: F401  (fixtures)
    PASSWORD,
    Site,
    browser,
    complete_popup,
    demo,
    login,
    open_verify_page,
    pytestmark,
    shot,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

NEW_PASSWORD = "a-brand-new-pass-5678"
NOT_SENT_HERE = "이 화면에서 시작한 본인인증이 아닙니다. 버튼을 눌러 본인인증을 해 주세요."
PHISHING = "보안 점검: https://evil.example 에서 다시 인증하세요"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
RECOVERY = "/portone-cert/recovery/"
STATUS = "[data-portone-cert-status]"


def visitor_page(browser: Browser, **context: Any) -> Page:
    page = browser.new_context(locale="ko-KR", **context).new_page()
    page.set_default_timeout(15_000)
    return page


def open_recovery_from_login(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/login/")
    with page.expect_response(lambda r: r.url.endswith("/recovery/prepare/")) as answer:
        page.click("[data-demo-recover]")
    assert answer.value.status == 201
    page.wait_for_url(f"**{RECOVERY}")
    assert page.locator("h1").inner_text() == "아이디 찾기 / 비밀번호 재설정"


def test_find_my_account_and_set_a_new_password(browser: Browser, demo: Site) -> None:
    # The account "adult" belongs to 김복구, who verified it once.
    page = login(browser, demo, "adult")
    open_verify_page(page, f"{demo}/adult/")
    popup = complete_popup(page, date(1990, 5, 17), "김복구")
    popup.click("button[value=complete]")
    page.wait_for_url(f"{demo}/adult/")
    page.context.close()

    # Later, logged out and with the password forgotten: 아이디 찾기 from the login page.
    page = visitor_page(browser)
    open_recovery_from_login(page, demo)
    shot(page, f"10-recovery-page-{demo.version}")
    certify_requests: list[Any] = []
    page.on("request", lambda r: certify_requests.append(r) if "certifications" in r.url else None)
    popup = complete_popup(page, date(1990, 5, 17), "김복구")
    popup.click("button[value=complete]")
    account = page.locator("[data-portone-cert-account]")
    account.wait_for(state="visible")
    assert account.count() == 1
    assert page.locator("[data-portone-cert-start]").is_hidden()  # one use: the result is spent
    assert "ad***" in account.inner_text() and "adult" not in account.inner_text()
    assert "가입일" in account.inner_text()
    assert "회원님 명의로 가입된 계정" in page.content()
    shot(page, f"11-recovery-accounts-{demo.version}")

    # The link: Django's password reset confirmation, on the app's own pages, in Korean.
    page.click("[data-portone-cert-reset]")
    page.wait_for_url("**/portone-cert/recovery/reset/**/set-password/")
    assert page.locator("h1").inner_text() == "비밀번호 재설정"
    assert "Django" not in page.content()  # not the admin's look
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/portone-cert/recovery/reset/done/")
    assert page.locator("h1").inner_text() == "새 비밀번호를 설정했습니다"
    shot(page, f"12-password-set-{demo.version}")

    # The old password no longer works; the new one does.
    page.click("[data-portone-cert-login]")
    page.wait_for_url("**/accounts/login/")
    page.fill("input[name=username]", "adult")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "adult")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo}/")
    assert "adult" in page.locator("nav").inner_text()

    # Replaying the consumed result (as a redirect landing would carry it) in another browser:
    # the page resumes only what it sent to PortOne itself, so nothing reaches the server.
    sent = certify_requests[0].post_data_json
    if demo.version == "v2":
        landing = f"identityVerificationId={sent['identity_verification_id']}"
    else:
        landing = f"imp_uid={sent['imp_uid']}&merchant_uid={sent['merchant_uid']}&success=true"
    replay = visitor_page(browser)
    replayed: list[Any] = []
    replay.on("request", lambda r: replayed.append(r) if "certifications" in r.url else None)
    replay.goto(f"{demo}{RECOVERY}?{landing}")
    assert replay.locator(STATUS).inner_text() == NOT_SENT_HERE
    assert replay.locator("[data-portone-cert-account]").count() == 0 and replayed == []
    shot(replay, f"13-recovery-replay-refused-{demo.version}")


def test_the_recovery_page_leads_back_to_the_login_page(browser: Browser, demo: Site) -> None:
    page = visitor_page(browser)
    open_recovery_from_login(page, demo)
    page.click("[data-portone-cert-login]")
    page.wait_for_url(f"{demo}/accounts/login/")
    page.context.close()


def test_a_person_without_an_account_is_told_so(browser: Browser, demo: Site) -> None:
    page = visitor_page(browser)
    open_recovery_from_login(page, demo)
    popup = complete_popup(page, date(1977, 7, 7), "박무명")
    popup.click("button[value=complete]")
    page.wait_for_function(
        "document.querySelector('[data-portone-cert-accounts-title]').textContent.includes('없습니다')"
    )
    assert page.locator("[data-portone-cert-accounts-title]").inner_text() == (
        "이 명의로 가입된 계정이 없습니다."
    )
    assert page.locator("[data-portone-cert-account]").count() == 0
    shot(page, f"14-recovery-no-account-{demo.version}")


def test_recovery_in_redirect_mode_on_a_phone(browser: Browser, demo: Site) -> None:
    page = visitor_page(browser, user_agent=IPHONE, viewport={"width": 390, "height": 844})
    page.goto(f"{demo}{RECOVERY}")
    page.click("[data-portone-cert-start]")
    page.wait_for_url("**/portone-cert/sandbox/certify/**")  # the same tab, no popup
    page.fill("#name", "최모바일")
    page.fill("#birth_date", "1995-05-05")
    page.click("button[value=complete]")
    page.wait_for_url(f"**{RECOVERY}**")
    page.wait_for_function(
        "document.querySelector('[data-portone-cert-accounts-title]').textContent.length > 0"
    )
    assert "없습니다" in page.locator("[data-portone-cert-accounts-title]").inner_text()
    assert page.url == f"{demo}{RECOVERY}"  # the result ids removed from the address


@pytest.mark.parametrize("path", [RECOVERY, "/portone-cert/verify/"])
def test_the_pages_show_no_text_from_the_address(browser: Browser, demo: Site, path: str) -> None:
    """A link that lands on the real page with ids and a message of someone else's making: the
    page says its own words, and sends nothing (V1's and V2's landing shapes alike)."""
    page = visitor_page(browser)
    # Each load prepares an attempt ahead: kept from the server, whose throttle counts them.
    page.route("**/prepare/", lambda route: route.abort())
    certify_requests: list[Any] = []
    page.on("request", lambda r: certify_requests.append(r) if "certifications" in r.url else None)
    landings = [
        {
            "imp_uid": "imp_123456789012",
            "merchant_uid": "y",
            "success": "false",
            "error_code": "F400",
            "error_msg": PHISHING,
        },
        {"identityVerificationId": "x", "code": "PGProviderError", "message": PHISHING},
        {"imp_uid": "imp_123456789012", "merchant_uid": "y", "success": "true"},
        {"identityVerificationId": "x"},
    ]
    for landing in landings:
        page.goto(f"{demo}{path}?{urlencode(landing)}")
        status = page.locator(STATUS)
        assert status.inner_text() == NOT_SENT_HERE
        assert "evil.example" not in page.content()
        assert page.url == f"{demo}{path}"  # the landing's parameters removed
    shot(page, f"15-address-text-not-shown-{demo.version}")
    page.wait_for_timeout(300)
    assert certify_requests == []


def test_a_failed_redirect_shows_the_pages_own_words(browser: Browser, demo: Site) -> None:
    """Redirect mode: the landing of this tab's own attempt is read, but only its code."""
    page = visitor_page(browser, user_agent=IPHONE, viewport={"width": 390, "height": 844})
    landings: list[str] = []
    page.on("request", lambda r: landings.append(r.url) if RECOVERY + "?" in r.url else None)
    page.goto(f"{demo}{RECOVERY}")
    page.click("[data-portone-cert-start]")
    page.wait_for_url("**/portone-cert/sandbox/certify/**")
    page.fill("#birth_date", "1995-05-05")
    page.click("button[value=fail]")
    page.wait_for_url(f"{demo}{RECOVERY}")
    assert len(landings) == 1 and "%EC%8B%A4%ED%8C%A8" in landings[0]  # the provider's text
    # V2's PGProviderError has its own message; V1 documents no codes: the generic one.
    assert page.locator(STATUS).inner_text() == (
        "본인인증 기관에서 인증하지 못했습니다. 입력한 정보를 확인한 뒤 다시 시도해 주세요."
        if demo.version == "v2"
        else "본인인증이 취소되었거나 실패했습니다."
    )
    assert "실패하였습니다" not in page.content()  # ... is not on the page
    shot(page, f"16-recovery-redirect-failed-{demo.version}")
    # What the tab remembered is used once: the same landing again is not its own any more.
    page.goto(landings[0])
    assert page.locator(STATUS).inner_text() == NOT_SENT_HERE
