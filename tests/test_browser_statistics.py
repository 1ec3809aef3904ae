"""The admin's statistics page in Debian's Chromium (Playwright): it draws without a request
leaving the site. Its screenshot goes to ``artefacts/browser/`` (``UPDATE_DOCS_IMAGES=1``
writes ``docs/images/admin-statistics.png`` too)."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from django_portone_cert.models import CertificationAttempt, VerifiedIdentity

ROOT = Path(__file__).resolve().parent.parent
ARTEFACTS = ROOT / "artefacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the browser extra is not installed
    sync_playwright = None

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.skipif(sync_playwright is None, reason="Playwright is not installed"),
]

#: (days ago, verified, failed by code, pending): a month that looks like a site's.
MONTH = [
    (n, 20 + (n * 7) % 13, {"ci_missing": n % 4, "portone_timeout": n % 3 // 2}, n % 2)
    for n in range(30)
]


def fill_a_month(make_user: Any) -> None:
    now = timezone.now()
    rows = []
    for days_ago, verified, failures, pending in MONTH:
        at = now - timedelta(days=days_ago, hours=1)
        rows += [
            CertificationAttempt(status="verified", created_at=at, expires_at=at, session_key="s")
            for _ in range(verified)
        ]
        rows += [
            CertificationAttempt(
                status="failed", failure_code=code, created_at=at, expires_at=at, session_key="s"
            )
            for code, count in failures.items()
            for _ in range(count)
        ]
        rows += [
            CertificationAttempt(status="pending", created_at=at, expires_at=at, session_key="s")
            for _ in range(pending)
        ]
    CertificationAttempt.objects.bulk_create(rows)
    for n, (provider, version) in enumerate(
        [("danal", "v1")] * 6 + [("inicis_unified", "v1")] * 3 + [("kcp_v2", "v2")] * 2
    ):
        VerifiedIdentity.objects.create(
            user=make_user(),
            name="-",
            birth_date=timezone.localdate() - timedelta(days=365 * 30),
            provider=provider,
            api_version=version,
            imp_uid=f"imp_{n:012d}",
            certified_at=now,
            verified_at=now - timedelta(days=n),
        )


@pytest.mark.django_db(transaction=True)
def test_the_statistics_page_in_a_browser(live_server: Any, make_user: Any) -> None:
    fill_a_month(make_user)
    boss = make_user(is_staff=True, is_superuser=True)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    outside: list[str] = []
    with sync_playwright() as playwright:  # type: ignore[misc]
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="ko-KR")
        page.on(
            "request",
            lambda request: (
                outside.append(request.url) if not request.url.startswith(live_server.url) else None
            ),
        )
        page.goto(live_server.url + "/admin/login/?next=/admin/portone_cert/")
        page.fill("#id_username", boss.get_username())
        page.fill("#id_password", "pw-12345-secret")
        page.click("input[type=submit]")
        page.click("#portone-cert-statistics-link a")
        page.wait_for_selector(".pc-chart")
        assert page.locator("rect.pc-verified").count() == 30 + 3
        shot = ARTEFACTS / "admin-statistics.png"
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    assert outside == []
    if os.environ.get("UPDATE_DOCS_IMAGES"):
        shutil.copy(shot, ROOT / "docs" / "images" / "admin-statistics.png")
