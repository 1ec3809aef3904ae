"""Every answer of the app: never stored by a cache, never framed (headers.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, reverse
from rest_framework.test import APIClient

from django_portone_cert import urls as app_urls
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure, verify
from tests.versions import certify_body


def _names(patterns: list[Any]) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found.extend(_names(pattern.url_patterns))
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((pattern.name, list(pattern.pattern.converters)))
    return found


APP_URLS = _names(app_urls.urlpatterns)


def _assert_guarded(response: Any) -> None:
    assert "no-store" in response.get("Cache-Control", ""), (response.status_code, response)
    assert response.get("X-Frame-Options") == "DENY", (response.status_code, response)


@pytest.fixture
def everything_on(settings: Any) -> None:
    settings.DEBUG = True
    settings.ROOT_URLCONF = "tests.recovery_urls"
    configure(
        settings,
        ACCOUNT_RECOVERY=True,
        SANDBOX=True,
        CHILD_POLICY="guardian",
        SITE_URL="https://www.example.kr",
    )


def test_the_app_has_the_urls_this_test_walks() -> None:
    names = {name for name, _ in APP_URLS}
    assert {"prepare", "certify", "me", "verify", "recover", "recovery_certify"} <= names
    assert {"guardian", "guardian_certify", "guardian_request", "sandbox-certify"} <= names


@pytest.mark.parametrize(("name", "args"), APP_URLS, ids=[name for name, _ in APP_URLS])
@pytest.mark.parametrize("who", ["visitor", "user"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_every_answer_is_no_store_and_never_framed(
    everything_on: None, make_user: Any, name: str, args: list[str], who: str, method: str
) -> None:
    kwargs = {arg: "iamport.js" if arg == "path" else "x" for arg in args}
    url = reverse(f"portone_cert:{name}", kwargs=kwargs)
    client = client_for(make_user()) if who == "user" else APIClient()
    response = getattr(client, method)(url, {}, format="json")
    _assert_guarded(response)


def test_a_verification_is_no_store(api_version: str, api: APIClient, portone: FakePortOne) -> None:
    response = verify(api, portone)
    assert response.status_code == 201
    _assert_guarded(response)
    _assert_guarded(api.get("/portone-cert/me/"))


def test_live_reset_links_are_no_store(
    api_version: str, settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    settings.ROOT_URLCONF = "tests.recovery_urls"
    configure(settings, ACCOUNT_RECOVERY=True)
    owner = make_user()
    assert verify(client_for(owner), portone).status_code == 201
    visitor = APIClient()
    merchant_uid = visitor.post("/portone-cert/recovery/prepare/").json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    response = visitor.post(
        "/portone-cert/recovery/certifications/",
        certify_body(imp_uid, merchant_uid),
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["accounts"][0]["password_reset_url"]
    _assert_guarded(response)


def test_the_projects_clickjacking_middleware_does_not_loosen_it(
    settings: Any, api: APIClient
) -> None:
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    _assert_guarded(api.get("/portone-cert/verify/"))
