"""The whole journey in a real browser: Playwright driving Debian's Chromium against the
example project in sandbox mode (its own server process, SQLite, no network).

Playwright starts Chromium with ``--disable-popup-blocking``; these tests take that flag away,
so every popup here opens the way it would for a visitor, under the popup blocker.
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
USERS = ("adult", "minor", "canceller", "phone", "clicker", "slow", "blocked", "ipad", "kakao")
USERS += ("stub", "forced")
COMPANY = "django-portone-cert demo"
IPAD_DESKTOP = (  # iPadOS Safari asking for the desktop site: only the touch screen tells
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Safari/605.1.15"
)
KAKAOTALK_MAC = (  # KakaoTalk's in-app browser on a Mac: a desktop UA, but a WebView
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) KAKAOTALK 3.5.5"
)
# Records each window.open: inside which event it ran, with user activation or not.
RECORD_OPENS = """
(() => {
  const open = window.open;
  window.__opens = [];
  window.open = function () {
    // Read before opening: a popup consumes the click's activation.
    const record = {
      event: window.event ? window.event.type : null,
      active: navigator.userActivation ? navigator.userActivation.isActive : null,
    };
    const opened = open.apply(window, arguments);
    window.__opens.push({...record, opened: !!opened});
    return opened;
  };
})();
"""
# A popup blocker that says no to everything.
BLOCK_POPUPS = "window.open = function () { return null; };"
# An instrumented stand-in for PortOne's SDKs: records each call and answers a failure the way
# a WebView bridge may (V1 success as the string "false"; V2 a code).
STUB_SDK = """
window.__calls = [];
function record(params) {
  window.__calls.push({params: params, event: window.event ? window.event.type : null});
}
window.IMP = {
  init: function () {},
  certification: function (params, callback) {
    record(params);
    setTimeout(function () {
      callback({success: "false", imp_uid: "imp_123456789012", merchant_uid: params.merchant_uid,
                error_code: "F400", error_msg: "bridge"});
    }, 50);
  }
};
window.PortOne = {
  requestIdentityVerification: function (request) {
    record(request);
    return Promise.resolve({identityVerificationId: request.identityVerificationId,
                            code: "IDENTITY_VERIFICATION_FAILED", message: "bridge"});
  }
};
"""
# PortOne documents V1's popup as forced on PCs: a stand-in that opens one whatever it is told.
FORCED_POPUP_SDK = """
window.__calls = [];
function run(params, answer) {
  window.__calls.push(params);
  if (!window.open("about:blank", "provider")) setTimeout(answer, 0);
}
window.IMP = {
  init: function () {},
  certification: function (params, callback) {
    run(params, function () { callback({success: false, error_msg: "blocked"}); });
  }
};
window.PortOne = {
  requestIdentityVerification: function (request) {
    return new Promise(function (resolve) {
      run(request, function () { resolve({code: "BLOCKED", message: "blocked"}); });
    });
  }
};
"""

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


def serve_demo(
    version: str,
    tmp_path_factory: pytest.TempPathFactory,
    *,
    setup: tuple[tuple[str, ...], ...] = (),
    **environ: str,
) -> Iterator[Site]:
    """The example project on PortOne ``version``, migrated, each ``setup`` manage.py command
    run, served by its own process on a free port (``environ``: more DEMO_… variables)."""
    port = _free_port()
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PORTONE_", "DJANGO_", "DEMO_"))
    }
    env.update(
        DEMO_DB=str(tmp_path_factory.mktemp("demo") / "db.sqlite3"),
        DEMO_API_VERSION=version,
        PORT=str(port),
        PYTHONUNBUFFERED="1",
        DEMO_FAST_PASSWORD_HASHER="1",
        **environ,
    )
    manage = [sys.executable, str(ROOT / "example_project" / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)
    for command in setup:
        subprocess.run([*manage, *command], env=env, check=True, capture_output=True)
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
        yield Site(f"http://127.0.0.1:{port}", version)
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module", params=["v1", "v2"])
def demo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The example project on PortOne V1 or V2, with its demo users and a few more."""
    create_users = (
        "from django.contrib.auth import get_user_model as g\n"
        f"for name in {USERS!r}: g().objects.create_user(name, password={PASSWORD!r})"
    )
    yield from serve_demo(
        request.param,
        tmp_path_factory,
        setup=(("demo_user",), ("shell", "-c", create_users)),
    )


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:  # type: ignore[misc]
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            ignore_default_args=["--disable-popup-blocking"],  # keep Chromium's popup blocker
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


def open_verify_page(page: Page, url: str, *, prepared: bool = True) -> None:
    """Go to a gated ``url``; with ``prepared``, wait for the attempt prepared ahead."""
    if not prepared:
        page.goto(url)
        page.wait_for_url("**/portone-cert/verify/**")
        return
    with page.expect_response(lambda r: r.url.endswith("/portone-cert/prepare/")) as answer:
        page.goto(url)
    assert answer.value.status == 201
    page.wait_for_url("**/portone-cert/verify/**")


def count_prepares(page: Page) -> list[Any]:
    prepares: list[Any] = []
    page.on("request", lambda r: prepares.append(r) if r.url.endswith("/prepare/") else None)
    return prepares


def no_popup_then_complete(page: Page, birth_date: str, name: str) -> None:
    """Redirect mode: the provider's page in the same tab, then back to ``/adult/``.

    Each test verifies its own person: one account per person.
    """
    page.wait_for_url("**/portone-cert/sandbox/certify/**")
    assert len(page.context.pages) == 1
    assert "m_redirect_url=" in page.url
    page.fill("#name", name)
    page.fill("#birth_date", birth_date)
    page.click("button[value=complete]")
    page.wait_for_url("**/adult/")
    assert "19세 이상" in page.locator("h1").inner_text()


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
    open_verify_page(page, f"{demo}/adult/")
    assert page.url.endswith("/portone-cert/verify/?next=/adult/")
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

    # Replaying the consumed result (as a redirect landing would carry it): the page resumes
    # only an attempt it sent to PortOne itself, so nothing is sent (the server would refuse
    # it too: certification_used).
    sent = certify_requests[0].post_data_json
    if demo.version == "v2":
        landing = f"identityVerificationId={sent['identity_verification_id']}"
    else:
        landing = f"imp_uid={sent['imp_uid']}&merchant_uid={sent['merchant_uid']}&success=true"
    page.goto(f"{demo}/portone-cert/verify/?next=%2Fadult%2F&{landing}")
    status = page.locator("[data-portone-cert-status]")
    status.wait_for(state="visible")
    assert "이 화면에서 시작한 본인인증이 아닙니다." in status.inner_text()
    assert len(certify_requests) == 1
    assert page.url == f"{demo}/portone-cert/verify/?next=%2Fadult%2F"
    shot(page, f"04-replay-refused-{demo.version}")


def test_minor_is_refused(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "minor")
    open_verify_page(page, f"{demo}/adult/")
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
    prepares = count_prepares(page)
    open_verify_page(page, f"{demo}/adult/")
    popup = complete_popup(page, date(1990, 1, 1), "취소자")
    popup.click("button[value=cancel]")
    status = page.locator("[data-portone-cert-status]")
    page.wait_for_function(
        "document.querySelector('[data-portone-cert-status]').textContent.includes('취소')"
    )
    # The page's own words: V2's code Cancelled has its message, V1 the generic one; never
    # the text the SDK carried.
    assert status.inner_text() == (
        "본인인증이 취소되었습니다."
        if demo.version == "v2"
        else "본인인증이 취소되었거나 실패했습니다."
    )
    assert page.locator("[data-portone-cert-start]").is_enabled()
    shot(page, f"06-cancelled-{demo.version}")
    assert "/portone-cert/verify/" in page.url
    # The used attempt is replaced by one new attempt, ready for the next click.
    page.wait_for_function(
        "performance.getEntriesByType('resource').filter("
        "e => e.name.endsWith('/prepare/')).length === 2"
    )
    assert len(prepares) == 2


def test_phone_uses_redirect_mode(browser: Browser, demo: Site) -> None:
    iphone = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
    )
    page = login(browser, demo, "phone", user_agent=iphone, viewport={"width": 390, "height": 844})
    prepares = count_prepares(page)
    open_verify_page(page, f"{demo}/adult/", prepared=False)
    assert prepares == []  # nothing prepared ahead where the click will not open a popup
    page.click("[data-portone-cert-start]")
    page.wait_for_url("**/portone-cert/sandbox/certify/**")  # the same tab, no popup
    page.fill("#birth_date", "1985-12-25")
    shot(page, f"07-phone-provider-page-{demo.version}")
    page.click("button[value=complete]")
    page.wait_for_url(f"{demo}/adult/")
    assert "19세 이상" in page.locator("h1").inner_text()


def verify_at_sign_up(browser: Browser, demo: Site) -> Page:
    """A new visitor verifies as 가입자 from the sign-up page and lands back on it."""
    page = browser.new_context(locale="ko-KR").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{demo}/signup/")
    with page.expect_response(lambda r: r.url.endswith("/portone-cert/prepare/")):
        page.click("[data-demo-verify]")
    page.wait_for_url("**/portone-cert/verify/**")
    complete_popup(page, date(1999, 9, 9), "가입자").click("button[value=complete]")
    page.wait_for_url(f"{demo}/signup/")
    return page


def test_visitor_verifies_then_signs_up(browser: Browser, demo: Site) -> None:
    page = verify_at_sign_up(browser, demo)
    assert "가입자" in page.content()
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=password1]", "a-long-pass-9876")
    page.fill("input[name=password2]", "a-long-pass-9876")
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo}/")
    assert "본인인증했습니다" in page.inner_text("[data-demo-verified]")
    shot(page, f"08-signed-up-{demo.version}")
    page.context.close()

    # The same person again, as a visitor: already registered, with 아이디 찾기 at hand.
    page = verify_at_sign_up(browser, demo)
    assert page.locator("[data-demo-already-registered]").count() == 1
    page.click("[data-demo-recover]")
    page.wait_for_url("**/portone-cert/recovery/")


def test_the_demo_speaks_korean_and_explains_itself(browser: Browser, demo: Site) -> None:
    page = browser.new_context(locale="ko-KR").new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{demo}/")
    assert "portone_cert.css" in page.content()  # the app's look
    nav = page.locator("nav").inner_text()
    assert "로그인" in nav and "회원가입" in nav and "Log in" not in nav
    assert "법정대리인" in page.inner_text("[data-demo-child-path]")  # the child's path, told
    page.goto(f"{demo}/accounts/login/")
    accounts = page.inner_text("[data-demo-accounts]")
    assert "demo" in accounts and "demo-pass-1234" in accounts  # logins on the login page
    shot(page, f"00-login-{demo.version}")


def test_popup_opens_from_the_click_itself(browser: Browser, demo: Site) -> None:
    """The SDK runs inside the click, so the popup opens under the blocker on any network."""
    page = login(browser, demo, "clicker")
    page.context.add_init_script(RECORD_OPENS)
    prepares = count_prepares(page)
    open_verify_page(page, f"{demo}/adult/")
    popup = complete_popup(page, date(1991, 1, 1), "김클릭")
    assert page.evaluate("window.__opens") == [{"event": "click", "active": True, "opened": True}]
    assert len(prepares) == 1  # the attempt prepared on load, and no other
    popup.click("button[value=complete]")
    page.wait_for_url(f"{demo}/adult/")
    assert "19세 이상" in page.locator("h1").inner_text()


def test_no_attempt_ready_at_the_click_uses_redirect_mode(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "slow")
    held: list[Any] = []
    # prepare/ answers only when let go.
    page.route("**/portone-cert/prepare/", lambda route: held.append(route))
    prepares = count_prepares(page)
    open_verify_page(page, f"{demo}/adult/", prepared=False)
    page.wait_for_function("document.readyState === 'complete'")
    page.click("[data-portone-cert-start]")
    assert page.locator("[data-portone-cert-start]").is_disabled()
    assert len(held) == 1
    held[0].continue_()
    no_popup_then_complete(page, "1988-08-08", "김느림")
    assert len(prepares) == 1  # the click waited for the attempt already asked for


def test_blocked_popup_falls_back_to_redirect_mode(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "blocked")
    page.context.add_init_script(BLOCK_POPUPS)
    open_verify_page(page, f"{demo}/adult/")
    page.click("[data-portone-cert-start]")
    no_popup_then_complete(page, "1987-07-07", "김차단")


@pytest.mark.parametrize("device", ["ipad-desktop", "kakaotalk-mac"])
def test_ipad_and_in_app_browsers_use_redirect_mode(
    browser: Browser, demo: Site, device: str
) -> None:
    if device == "ipad-desktop":
        page = login(browser, demo, "ipad", user_agent=IPAD_DESKTOP, has_touch=True)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    else:
        page = login(browser, demo, "kakao", user_agent=KAKAOTALK_MAC)
    prepares = count_prepares(page)
    open_verify_page(page, f"{demo}/adult/", prepared=False)
    assert prepares == []
    page.click("[data-portone-cert-start]")
    page.wait_for_url("**/portone-cert/sandbox/certify/**")
    assert len(page.context.pages) == 1 and len(prepares) == 1
    shot(page, f"09-{device}-provider-page-{demo.version}")


def test_what_the_sdk_is_given_and_a_bridge_false(browser: Browser, demo: Site) -> None:
    page = login(browser, demo, "stub")
    page.route(
        "**/portone-cert/sandbox/*.js",
        lambda route: route.fulfill(content_type="application/javascript", body=STUB_SDK),
    )
    certify_requests: list[Any] = []
    page.on("request", lambda r: certify_requests.append(r) if "certifications" in r.url else None)
    prepares = count_prepares(page)
    open_verify_page(page, f"{demo}/adult/")
    page.click("[data-portone-cert-start]")
    page.wait_for_function(
        "document.querySelector('[data-portone-cert-status]').textContent.includes('실패')"
    )
    # An unknown code: the generic message, never the SDK's text ("bridge").
    assert page.locator("[data-portone-cert-status]").inner_text() == (
        "본인인증이 취소되었거나 실패했습니다."
    )
    calls = page.evaluate("window.__calls")
    assert len(calls) == 1 and calls[0]["event"] == "click"
    params = calls[0]["params"]
    if demo.version == "v2":
        assert params["bypass"] == {"danal": {"CPTITLE": COMPANY}}
        assert params["redirectUrl"].endswith("/portone-cert/verify/?next=%2Fadult%2F")
        assert "windowType" not in params  # the provider's own PC window: a popup
    else:
        assert params["company"] == COMPANY and params["popup"] is True
        assert params["channelKey"] == "channel-key-sandbox"
    assert certify_requests == []  # "false" is a failure: nothing sent to the server
    # The used attempt is replaced once.
    page.wait_for_function(
        "performance.getEntriesByType('resource').filter("
        "e => e.name.endsWith('/prepare/')).length === 2"
    )
    assert len(prepares) == 2


def test_a_popup_blocked_even_in_redirect_mode_waits_for_the_next_click(
    browser: Browser, demo: Site
) -> None:
    page = login(browser, demo, "forced")
    page.context.add_init_script(BLOCK_POPUPS)
    page.route(
        "**/portone-cert/sandbox/*.js",
        lambda route: route.fulfill(content_type="application/javascript", body=FORCED_POPUP_SDK),
    )
    prepares = count_prepares(page)
    open_verify_page(page, f"{demo}/adult/")
    status = page.locator("[data-portone-cert-status]")
    for clicks in (1, 2):
        page.click("[data-portone-cert-start]")
        page.wait_for_function(
            "document.querySelector('[data-portone-cert-status]').textContent.includes('팝업')"
        )
        assert "브라우저가 본인인증 창을 차단했습니다." in status.inner_text()
        assert page.locator("[data-portone-cert-start]").is_enabled()
        calls = page.evaluate("window.__calls")
        # Each click: the popup from the click, then redirect mode; never the SDK's failure.
        assert len(calls) == 2 * clicks
    ids = {call.get("merchant_uid") or call.get("identityVerificationId") for call in calls}
    assert len(ids) == 1 and len(prepares) == 1  # the one attempt, kept for the next click
    assert [call.get("popup") for call in calls] == (
        [None] * 4 if demo.version == "v2" else [True, False, True, False]
    )
