"""The phone that finished in PASS and never came back, in a real browser (Chromium, sandbox).

A person on a phone verifies in redirect mode; the provider's page completes, but the
browser never returns to the site. When the person opens the verify page again, the page
(told by the server that this session's latest V2 attempt is unfinished) asks ``resume/``
and goes on exactly as after a normal verification. V1 has nothing to resume.
"""

# ruff: noqa: F811  (the tests take test_browser's fixtures, imported here, as arguments)
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.test_browser import (  # noqa: F401  (fixtures)
    Site,
    browser,
    demo,
    login,
    open_verify_page,
    pytestmark,
    shot,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
STATUS = "[data-portone-cert-status]"


def requests_to(page: Page, path: str) -> list[Any]:
    seen: list[Any] = []
    page.on("request", lambda r: seen.append(r) if r.url.endswith(path) else None)
    return seen


def never_comes_back(route: Route) -> None:
    """The provider's page completes at PortOne, but its redirect back to the site is never
    followed (the person stays in PASS): the browser gets nothing to go on with."""
    if route.request.method != "POST":
        route.continue_()
        return
    completed = route.fetch(max_redirects=0)
    assert completed.status == 302, completed.status
    route.fulfill(status=204)


def test_the_phone_that_never_came_back_resumes(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "phone", user_agent=IPHONE, viewport={"width": 390, "height": 844})
    page.route("**/portone-cert/sandbox/certify/**", never_comes_back)
    first_certifies = requests_to(page, "/portone-cert/certifications/")
    open_verify_page(page, f"{demo}/adult/", prepared=False)
    page.click("[data-portone-cert-start]")
    page.wait_for_url("**/portone-cert/sandbox/certify/**")
    page.fill("#name", "김돌아옴")
    page.fill("#birth_date", "1988-03-03")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.click("button[value=complete]")
    assert answer.value.status == 204  # PortOne has the result; the landing never happens
    page.wait_for_timeout(500)
    assert first_certifies == []

    # Later the person opens the site again, in a new tab of the same browser.
    later = page.context.new_page()
    later.set_default_timeout(15_000)
    resumes = requests_to(later, "/portone-cert/resume/")
    certifies = requests_to(later, "/portone-cert/certifications/")
    if demo.version == "v1":
        open_verify_page(later, f"{demo}/adult/", prepared=False)
        later.wait_for_load_state("networkidle")
        assert resumes == [] and certifies == []
        assert later.locator(STATUS).is_hidden()
        assert later.locator("[data-portone-cert-start]").is_enabled()
        return
    with later.expect_response(lambda r: r.url.endswith("/portone-cert/resume/")) as resumed:
        later.goto(f"{demo}/adult/")
    assert resumed.value.status == 201
    later.wait_for_url(f"{demo}/adult/")  # as after a normal verification: on to `next`
    assert "19세 이상" in later.locator("h1").inner_text()
    assert len(resumes) == 1 and certifies == []
    shot(later, "resume-01-back-at-the-adult-page")

    # Spent: the verify page has nothing to resume any more.
    seen = len(resumes)
    later.goto(f"{demo}/portone-cert/verify/?next=%2Fadult%2F")
    later.wait_for_load_state("networkidle")
    assert len(resumes) == seen


def test_an_attempt_prepared_ahead_is_not_resumed_by_its_tab(browser: Browser, demo: Site) -> None:
    """On a PC the page prepares an attempt ahead; opening the page again in the same tab
    does not ask PortOne about it. A new tab asks once, is refused, and shows nothing."""
    page = login(browser, demo, "adult")
    resumes = requests_to(page, "/portone-cert/resume/")
    open_verify_page(page, f"{demo}/adult/")
    with page.expect_response(lambda r: r.url.endswith("/portone-cert/prepare/")):
        page.reload()
    assert resumes == []

    other = page.context.new_page()
    other.set_default_timeout(15_000)
    other_resumes = requests_to(other, "/portone-cert/resume/")
    if demo.version == "v1":
        open_verify_page(other, f"{demo}/adult/")
        assert other_resumes == []
        return
    with (
        other.expect_response(lambda r: r.url.endswith("/portone-cert/prepare/")),
        other.expect_response(lambda r: r.url.endswith("/portone-cert/resume/")) as answer,
    ):
        other.goto(f"{demo}/adult/")
    assert answer.value.status == 400  # never handed to PortOne: certification_not_found
    assert other.locator(STATUS).is_hidden()
    assert other.locator("[data-portone-cert-start]").is_enabled()
    assert len(other_resumes) == 1
    shot(other, "resume-02-nothing-to-resume")
