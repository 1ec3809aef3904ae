"""The whole journey in a real browser: Playwright driving Debian's Chromium against the
example project in sandbox mode (its own server process, SQLite, no network).

Screenshots of each step go to ``artefacts/browser/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "artefacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "demo-pass-1234"

try:
    from playwright.sync_api import Browser, Page, sync_playwright
except ImportError:  # pragma: no cover - the browser extra is not installed
    sync_playwright = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
    ),
    pytest.mark.skipif(
        sync_playwright is None, reason="Playwright is not installed (pip install playwright)"
    ),
]


class Site(str):
    """The demo's base URL, knowing which PortOne version it runs."""

    version: str

    def __new__(cls, url: str, version: str) -> Site:
        site = super().__new__(cls, url)
        site.version = version
        return site


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module", params=["v1", "v2"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example project on PortOne V1 or V2, served by its own process on a free port."""
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PORTONE_", "DJANGO_", "DEMO_"))
    }
    env.update(
        DEMO_DB=str(tmp_path_factory.mktemp("demo") / "db.sqlite3"),
        DEMO_API_VERSION=request.param,
        PORT=str(port),
        PYTHONUNBUFFERED="1",
    )
    manage = [sys.executable, str(ROOT / "example_project" / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
    subprocess.run([*manage, "demo_user"], env=env, check=True, capture_output=True)
    for username in ("adult", "minor", "canceller", "phone"):
        subprocess.run(
            [
                *manage,
                "shell",
                "-c",
                "from django.contrib.auth import get_user_model as g; "
                f"g().objects.create_user('{username}', password='{PASSWORD}')",
            ],
            env=env,
            check=True,
        )
    log = open(tmp_path_factory.mktemp("log") / "server.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.2)
    else:
        server.kill()
        pytest.fail("the example project did not start")
    try:
        yield Site(f"http://127.0.0.1:{port}", request.param)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:  # type: ignore[misc]
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)


def login(browser: Browser, base: str, username: str, **context: Any) -> Page:
    page = browser.new_context(locale="ko-KR", **context).new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def complete_popup(page: Page, birth_date: date, name: str, action: str = "complete") -> Any:
    with page.expect_popup() as popup_info:
        page.click("[data-portone-cert-start]")
    popup = popup_info.value
    popup.wait_for_load_state()
    popup.fill("#name", name)
    popup.fill("#birth_date", birth_date.isoformat())
    return popup


def test_adult_reaches_the_19_page_and_a_replay_is_refused(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "adult")
    page.goto(f"{demo}/adult/")
    page.wait_for_url("**/portone-cert/verify/?next=/adult/")
    assert page.locator("h1").inner_text() == "본인인증"
    shot(page, f"01-verify-page-{demo.version}")

    certify_requests: list[Any] = []
    page.on("request", lambda r: certify_requests.append(r) if "certifications" in r.url else None)
    popup = complete_popup(page, date(1990, 5, 17), "김성인")
    shot(popup, f"02-sandbox-popup-{demo.version}")
    popup.click("button[value=complete]")
    page.wait_for_url(f"{demo}/adult/")
    assert "19세 이상" in page.locator("h1").inner_text()
    shot(page, f"03-adult-page-{demo.version}")

    # Replaying the consumed result (as a redirect landing would carry it) is refused.
    sent = certify_requests[0].post_data_json
    if demo.version == "v2":
        landing = f"identityVerificationId={sent['identity_verification_id']}"
    else:
        landing = f"imp_uid={sent['imp_uid']}&merchant_uid={sent['merchant_uid']}&success=true"
    page.goto(f"{demo}/portone-cert/verify/?next=%2Fadult%2F&{landing}")
    status = page.locator("[data-portone-cert-status]")
    status.wait_for(state="visible")
    page.wait_for_function(
        "document.querySelector('[data-portone-cert-status]').textContent.includes('이미 사용된')"
    )
    assert "이미 사용된 본인인증 결과입니다." in status.inner_text()
    assert page.url == f"{demo}/portone-cert/verify/?next=%2Fadult%2F"
    shot(page, f"04-replay-refused-{demo.version}")


def test_minor_is_refused(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "minor")
    page.goto(f"{demo}/adult/")
    page.wait_for_url("**/portone-cert/verify/**")
    today = date.today()
    popup = complete_popup(page, date(today.year - 15, 1, 1), "김청소")
    popup.click("button[value=complete]")
    page.wait_for_url(f"{demo}/adult/")
    assert page.locator("h1").inner_text() == "연령 제한"
    assert "연 나이" in page.content()
    shot(page, f"05-minor-refused-{demo.version}")
    # The 만 14세 page lets the same person in.
    page.goto(f"{demo}/fourteen/")
    assert "만 14세 이상" in page.locator("h1").inner_text()


def test_cancelled_popup_shows_its_message(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "canceller")
    page.goto(f"{demo}/adult/")
    page.wait_for_url("**/portone-cert/verify/**")
    popup = complete_popup(page, date(1990, 1, 1), "취소자")
    popup.click("button[value=cancel]")
    status = page.locator("[data-portone-cert-status]")
    page.wait_for_function(
        "document.querySelector('[data-portone-cert-status]').textContent.includes('취소')"
    )
    assert "본인인증이 취소되었거나 실패했습니다." in status.inner_text()
    assert page.locator("[data-portone-cert-start]").is_enabled()
    shot(page, f"06-cancelled-{demo.version}")
    assert "/portone-cert/verify/" in page.url


def test_phone_uses_redirect_mode(browser: Browser, demo: Site) -> None:
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    page = login(browser, demo, "phone", user_agent=iphone, viewport={"width": 390, "height": 844})
    page.goto(f"{demo}/adult/")
    page.wait_for_url("**/portone-cert/verify/**")
    page.click("[data-portone-cert-start]")
    page.wait_for_url("**/portone-cert/sandbox/certify/**")  # the same tab, no popup
    page.fill("#birth_date", "1985-12-25")
    shot(page, f"07-phone-provider-page-{demo.version}")
    page.click("button[value=complete]")
    page.wait_for_url(f"{demo}/adult/")
    assert "19세 이상" in page.locator("h1").inner_text()


def test_visitor_verifies_then_signs_up(browser: Browser, demo: Site) -> None:
    page = browser.new_context(locale="ko-KR").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{demo}/signup/")
    page.click("text=Verify now")
    page.wait_for_url("**/portone-cert/verify/**")
    popup = complete_popup(page, date(1999, 9, 9), "가입자")
    popup.click("button[value=complete]")
    page.wait_for_url(f"{demo}/signup/")
    assert "가입자" in page.content()
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=password1]", "a-long-pass-9876")
    page.fill("input[name=password2]", "a-long-pass-9876")
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo}/")
    assert "Verified on" in page.content()
    shot(page, f"08-signed-up-{demo.version}")
