"""문자로 인증 in a real browser (Chromium, the example project in sandbox mode, V1 and V2): the
demo's plain form on the in-app API — send, read the code the sandbox "texted", confirm."""

# ruff: noqa: F811  (the tests take test_browser's fixtures, imported here, as arguments)
from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

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


def fill_person(page: Page) -> None:
    page.fill("#sms-name", "김문자")
    page.fill("#sms-phone", PHONE)
    page.fill("#sms-birth", "1991-02-03")
    page.fill("#sms-digit", "1")
    page.select_option("#sms-carrier", "KT")


def sandbox_code(page: Page) -> str | None:
    """The latest code the sandbox "texted" to ``PHONE``, read from its own page."""
    link = page.locator("[data-demo-sms-codes]")
    if link.count() == 0:
        return None
    codes = page.context.new_page()
    codes.goto(str(link.get_attribute("href")))
    text = codes.locator("body").inner_text()
    shot(codes, "sms-02-sandbox-codes")
    codes.close()
    found = re.search(r"(?<!\d)(\d{6})(?!\d)", text)
    return found.group(1) if found else None


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

    code = sandbox_code(page)
    if code is None:
        pytest.skip(
            "the sandbox has no page of the codes it sends yet (otpfake's sandbox page, "
            "reversed as portone_cert:sandbox-otp): the walk stops before the right code"
        )
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
