"""The screenshots in docs/images/, taken from the example project in sandbox mode.

``python -m tests.docs_screenshots`` (from the repository's root, with Debian's Chromium and
Playwright, as the browser tests) serves the demo, walks the journeys the README shows and
saves one PNG per page: the verify page, the sandbox's popup, a minor refused, the accounts
account recovery finds, and a guardian's consent page.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from tests.test_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, serve_demo
from tests.test_browser_guardians import GUARDIAN_BORN, attest, goto_prepared, guardian_link

IMAGES = Path(__file__).resolve().parent.parent / "docs" / "images"
VIEWPORT = {"width": 1024, "height": 640}
ADULT_BORN = date(1990, 5, 17)
MINOR_BORN = date(date.today().year - 16, 3, 1)


class _Temp:
    """What serve_demo needs of pytest's tmp_path_factory."""

    def mktemp(self, name: str) -> Path:
        return Path(tempfile.mkdtemp(prefix=f"{name}-"))


@contextmanager
def _site(**environ: str) -> Iterator[Any]:
    users = (
        "from django.contrib.auth import get_user_model as g\n"
        f"for name in ('adult', 'minor'): g().objects.create_user(name, password={PASSWORD!r})"
    )
    setup = (("demo_user",), ("shell", "-c", users))
    sites = serve_demo("v1", _Temp(), setup=setup, **environ)  # type: ignore[arg-type]
    try:
        yield next(sites)
    finally:
        sites.close()


def _page(browser: Any, base: str, username: str | None = None) -> Any:
    page = browser.new_context(locale="ko-KR", viewport=VIEWPORT).new_page()
    page.set_default_timeout(15_000)
    if username:
        page.goto(f"{base}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
    return page


def _popup(page: Any, name: str, born: date) -> Any:
    with page.expect_popup() as info:
        page.click("[data-portone-cert-start]")
    popup = info.value
    popup.wait_for_load_state()
    popup.fill("#name", name)
    popup.fill("#birth_date", born.isoformat())
    return popup


def _save(page: Any, name: str) -> None:
    page.screenshot(path=str(IMAGES / f"{name}.png"))
    print(f"docs/images/{name}.png")


def _gates_and_recovery(browser: Any) -> None:
    with _site(DEMO_CHILD_POLICY="refuse") as base:
        page = _page(browser, base, "adult")
        goto_prepared(page, f"{base}/adult/")
        page.wait_for_url("**/portone-cert/verify/**")
        _save(page, "verify-page")
        popup = _popup(page, "김복구", ADULT_BORN)
        popup.set_viewport_size({"width": 480, "height": 640})
        _save(popup, "sandbox-popup")
        popup.click("button[value=complete]")
        page.wait_for_url(f"{base}/adult/")
        page.context.close()

        page = _page(browser, base, "minor")
        goto_prepared(page, f"{base}/adult/")
        _popup(page, "이미성", MINOR_BORN).click("button[value=complete]")
        page.wait_for_selector("text=연령 제한")
        _save(page, "age-denied")
        page.context.close()

        page = _page(browser, base)
        goto_prepared(page, f"{base}/portone-cert/recovery/")
        _popup(page, "김복구", ADULT_BORN).click("button[value=complete]")
        page.locator("[data-portone-cert-account]").wait_for(state="visible")
        _save(page, "recovery")
        page.context.close()


def _guardian(browser: Any) -> None:
    with _site(DEMO_CHILD_POLICY="guardian", DEMO_THROTTLE_RATE="1000/minute") as base:
        child, link = guardian_link(browser, base, "김아동")
        child.context.close()
        page = _page(browser, base)
        goto_prepared(page, link)
        attest(page)
        _save(page, "guardian")
        _popup(page, "김부모", GUARDIAN_BORN).click("button[value=complete]")
        page.wait_for_selector("[data-portone-cert-guardian-done]:not([hidden])")
        page.context.close()


def main() -> None:
    if not CHROMIUM:
        sys.exit("Debian's chromium is needed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        _gates_and_recovery(browser)
        _guardian(browser)
        browser.close()


if __name__ == "__main__":
    main()
