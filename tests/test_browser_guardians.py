"""Children and guardians in a real browser (Chromium), on PortOne V1 and V2: the example
project with ``CHILD_POLICY`` "refuse" and "guardian" (see tests/test_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from tests.test_browser import (
    PASSWORD,
    Site,
    browser,
    complete_popup,
    pytestmark,
    serve_demo,
    shot,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

__all__ = ["browser", "pytestmark"]

TODAY = date.today()
CHILD_BORN = date(TODAY.year - 10, 1, 1)
TEEN_BORN = date(TODAY.year - 17, 1, 1)
GUARDIAN_BORN = date(1980, 3, 3)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def serve(version: str, policy: str, tmp: pytest.TempPathFactory) -> Iterator[Site]:
    # Children and guardians are visitors here: one client address, one throttle bucket.
    yield from serve_demo(version, tmp, DEMO_CHILD_POLICY=policy, DEMO_THROTTLE_RATE="1000/minute")


@pytest.fixture(scope="module", params=["v1", "v2"])
def refusing(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Site]:
    """The demo with CHILD_POLICY "refuse" (the app's default)."""
    yield from serve(request.param, "refuse", tmp_path_factory)


@pytest.fixture(scope="module", params=["v1", "v2"])
def guarding(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[Site]:
    """The demo with CHILD_POLICY "guardian"."""
    yield from serve(request.param, "guardian", tmp_path_factory)


def new_page(browser: Browser, **context: Any) -> Page:
    page = browser.new_context(locale="ko-KR", **context).new_page()
    page.set_default_timeout(15_000)
    return page


def goto_prepared(page: Page, url: str) -> None:
    """Open ``url`` and wait for the attempt the page prepares ahead (popup mode)."""
    with page.expect_response(lambda r: r.url.endswith("/prepare/")) as answer:
        page.goto(url)
    assert answer.value.status == 201


def attest(page: Page) -> None:
    """The guardian confirms the page's sentence (법정대리인) before verifying."""
    assert "법정대리인" in page.inner_text("label:has([data-portone-cert-attest])")
    page.check("[data-portone-cert-attest]")


def wait_for_status(page: Page, text: str) -> None:
    page.wait_for_function(
        "t => (document.querySelector('[data-portone-cert-status]') || {}).textContent"
        "?.includes(t)",
        arg=text,
    )


def sign_up_child(browser: Browser, site: Site, name: str) -> Page:
    """A visitor verifies as a child of 10 on the sign-up page."""
    page = new_page(browser)
    page.goto(f"{site}/signup/")
    with page.expect_response(lambda r: r.url.endswith("/portone-cert/prepare/")):
        page.click("[data-demo-verify]")
    page.wait_for_url("**/portone-cert/verify/**")
    complete_popup(page, CHILD_BORN, name).click("button[value=complete]")
    return page


def test_a_child_is_refused_at_sign_up(browser: Browser, refusing: Site) -> None:
    page = new_page(browser)
    page.goto(f"{refusing}/signup/")
    assert "만 14세 미만은 가입할 수 없습니다" in page.inner_text("[data-demo-no-children]")
    page.close()
    page = sign_up_child(browser, refusing, "김거절")
    wait_for_status(page, "만 14세 미만 아동은 이 서비스를 이용할 수 없습니다")
    assert "/portone-cert/verify/" in page.url
    assert "이 사이트는 만 14세 미만 아동의 가입을 받지 않습니다" in page.content()
    shot(page, f"g1-child-refused-{refusing.version}")
    # Nothing waits for the sign-up.
    page.goto(f"{refusing}/signup/")
    assert page.locator("[data-demo-verify]").count() == 1


def guardian_link(browser: Browser, site: Site, name: str) -> tuple[Page, str]:
    """A child signs up, is blocked at a gate, asks; the demo shows the guardian's link."""
    page = sign_up_child(browser, site, name)
    page.wait_for_url(f"{site}/signup/")
    assert page.locator("[data-demo-guardian-note]").count() == 1
    page.fill("input[name=username]", f"child-{name}")
    page.fill("input[name=password1]", PASSWORD + "x")
    page.fill("input[name=password2]", PASSWORD + "x")
    page.click("button[type=submit]")
    page.wait_for_url(f"{site}/")
    assert page.locator("[data-demo-guardian-consent=required]").count() == 1
    response = page.goto(f"{site}/members/")
    assert response is not None and response.status == 403
    assert "법정대리인 동의가 필요합니다" in page.locator("h1").inner_text()
    shot(page, f"g2-child-blocked-{site.version}")
    page.click("[data-portone-cert-ask-guardian]")
    page.wait_for_selector("[data-portone-cert-guardian-asked]")
    page.goto(f"{site}/")
    link = page.get_attribute("[data-demo-guardian-link]", "href")
    assert link and "/portone-cert/guardian/" in link
    return page, link


def test_guardian_consents_and_the_child_passes(browser: Browser, guarding: Site) -> None:
    child, link = guardian_link(browser, guarding, "김아동")
    guardian = new_page(browser)  # another browser, no account
    goto_prepared(guardian, link)
    assert "김*동" in guardian.content() and "김아동" not in guardian.content()
    # Without the guardian's yes to the sentence, no 본인인증 starts.
    guardian.click("[data-portone-cert-start]")
    wait_for_status(guardian, "먼저 위 문구를 확인하고 체크해 주세요")
    assert len(guardian.context.pages) == 1
    attest(guardian)
    shot(guardian, f"g3-guardian-page-{guarding.version}")
    # A 17-year-old is refused; the link still works for an adult.
    complete_popup(guardian, TEEN_BORN, "김형").click("button[value=complete]")
    wait_for_status(guardian, "법정대리인은 성인(만 19세 이상)이어야 합니다")
    shot(guardian, f"g4-teen-refused-{guarding.version}")
    guardian.wait_for_function(
        "performance.getEntriesByType('resource').filter("
        "e => e.name.endsWith('/prepare/')).length === 2"
    )
    complete_popup(guardian, GUARDIAN_BORN, "김부모").click("button[value=complete]")
    guardian.wait_for_selector("[data-portone-cert-guardian-done]:not([hidden])")
    assert "동의가 기록되었습니다" in guardian.content()
    # The page stays, and says nothing of going back.
    assert guardian.inner_text("[data-portone-cert-status]") == "본인인증이 완료되었습니다."
    shot(guardian, f"g5-consented-{guarding.version}")
    # The child passes the gate now.
    response = child.goto(f"{guarding}/members/")
    assert response is not None and response.status == 200
    assert "본인인증 회원 전용" in child.locator("h1").inner_text()
    child.goto(f"{guarding}/")
    assert child.locator("[data-demo-guardian-consent=given]").count() == 1


def test_the_child_cannot_consent_for_themself(browser: Browser, guarding: Site) -> None:
    child, link = guardian_link(browser, guarding, "이아동")
    goto_prepared(child, link)
    attest(child)
    complete_popup(child, CHILD_BORN, "이아동").click("button[value=complete]")
    wait_for_status(child, "아동 본인은 스스로 동의할 수 없습니다")
    shot(child, f"g6-child-refused-as-guardian-{guarding.version}")
    response = child.goto(f"{guarding}/members/")
    assert response is not None and response.status == 403


def test_guardian_consents_in_redirect_mode(browser: Browser, guarding: Site) -> None:
    child, link = guardian_link(browser, guarding, "박아동")
    phone = new_page(browser, user_agent=IPHONE, viewport={"width": 390, "height": 844})
    phone.goto(link)
    attest(phone)  # kept in this tab across the redirect
    phone.click("[data-portone-cert-start]")
    # The same tab, no popup.
    phone.wait_for_url("**/portone-cert/sandbox/certify/**", wait_until="commit")
    phone.wait_for_selector("#birth_date")
    phone.fill("#name", "박부모")
    phone.fill("#birth_date", GUARDIAN_BORN.isoformat())
    phone.click("button[value=complete]")
    phone.wait_for_url("**/portone-cert/guardian/**")
    phone.wait_for_selector("[data-portone-cert-guardian-done]:not([hidden])")
    shot(phone, f"g7-consented-redirect-{guarding.version}")
    response = child.goto(f"{guarding}/members/")
    assert response is not None and response.status == 200
