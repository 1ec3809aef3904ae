"""문자로 인증 in a real browser (Chromium, the example project in sandbox mode, V1 and V2): the
demo's plain form on the in-app API — send, read the code the sandbox "texted", confirm."""

# ruff: noqa: F811  (the tests take test_browser's fixtures, imported here, as arguments)
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.test_browser import (  # noqa: F401  (fixtures)
    Site,
    browser,
    demo,
    login,
    pytestmark,
    shot,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

STATUS = "[data-demo-sms-status]"
PHONE = "01098765432"


def fill_person(page: Page, name: str = "김문자", phone: str = PHONE) -> None:
    page.fill("#sms-name", name)
    page.fill("#sms-phone", phone)
    page.fill("#sms-birth", "1991-02-03")
    page.fill("#sms-digit", "1")
    page.select_option("#sms-carrier", "KT")


def sandbox_code(page: Page, base: str) -> str:
    """The latest code the sandbox "texted" (newest first on its page, sandbox/otp/), read
    as a person trying the demo reads it: from the link on the form."""
    link = page.locator("[data-demo-sms-codes]")
    assert link.count() == 1
    codes = page.context.new_page()
    codes.goto(base + str(link.get_attribute("href")))
    code = codes.locator("[data-portone-cert-otp-code]").first.inner_text().strip()
    shot(codes, "sms-02-sandbox-codes")
    codes.close()
    assert re.fullmatch(r"[0-9]{6}", code), code
    return code


def test_a_code_by_text_message_in_the_demo(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "adult")
    page.click("[data-demo-sms]")
    page.wait_for_url(f"{demo}/sms/")
    assert page.locator("h1").inner_text() == "문자로 인증"
    assert page.locator("[data-demo-sms-sandbox]").is_visible()
    fill_person(page)
    with page.expect_response(lambda r: r.url.endswith("/portone-cert/otp/")) as sent:
        page.click("[data-demo-sms-send]")
    assert sent.value.status == 201
    page.wait_for_selector("[data-demo-sms-code]", state="visible")
    assert "인증번호를 보냈습니다" in page.locator(STATUS).inner_text()
    assert page.locator("[data-demo-sms-resend]").is_disabled()  # OTP_RESEND_COOLDOWN
    shot(page, f"sms-01-code-sent-{demo.version}")

    # A wrong code: the server's own words, and the form stays for another try.
    page.fill("#sms-otp", "000000")
    with page.expect_response(lambda r: r.url.endswith("/confirm/")) as wrong:
        page.click("[data-demo-sms-confirm]")
    if wrong.value.status == 201:  # one chance in a million: the sandbox drew 000000
        return
    assert wrong.value.json()["code"] == "otp_invalid"
    page.wait_for_function(
        "document.querySelector('[data-demo-sms-status]').textContent.includes('올바르지')"
    )
    assert page.locator("[data-demo-sms-code]").is_visible()

    code = sandbox_code(page, demo)
    page.fill("#sms-otp", code)
    with page.expect_response(lambda r: r.url.endswith("/confirm/")) as confirmed:
        page.click("[data-demo-sms-confirm]")
    assert confirmed.value.status == 201
    page.wait_for_function(
        "document.querySelector('[data-demo-sms-status]').textContent.includes('본인인증되었습니다')"
    )
    assert "김문자님(만" in page.locator(STATUS).inner_text()
    assert page.locator("[data-demo-sms-person]").is_hidden()
    shot(page, f"sms-03-verified-{demo.version}")
    page.click("[data-demo-sms-home]")
    page.wait_for_url(f"{demo}/")
    assert "본인인증했습니다" in page.inner_text("[data-demo-verified]")


def test_a_visitor_verifies_by_code_then_signs_up(browser: Browser, demo: Site) -> None:
    """Before the account exists (ANONYMOUS_VERIFICATION): the result waits for the sign-up."""
    page = browser.new_context(locale="ko-KR").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{demo}/")
    page.click("[data-demo-sms]")
    fill_person(page, name="이방문", phone="01055556666")
    with page.expect_response(lambda r: r.url.endswith("/portone-cert/otp/")) as sent:
        page.click("[data-demo-sms-send]")
    assert sent.value.status == 201
    page.fill("#sms-otp", sandbox_code(page, demo))
    with page.expect_response(lambda r: r.url.endswith("/confirm/")) as confirmed:
        page.click("[data-demo-sms-confirm]")
    assert confirmed.value.status == 201 and confirmed.value.json()["pending_signup"] is True
    page.click("[data-demo-sms-signup-link]")
    page.wait_for_url(f"{demo}/signup/")
    assert "이방문님(만" in page.content()
    page.fill("input[name=username]", f"sms-visitor-{demo.version}")
    page.fill("input[name=password1]", "a-long-pass-9876")
    page.fill("input[name=password2]", "a-long-pass-9876")
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo}/")
    assert "본인인증했습니다" in page.inner_text("[data-demo-verified]")
    shot(page, f"sms-04-visitor-signed-up-{demo.version}")
