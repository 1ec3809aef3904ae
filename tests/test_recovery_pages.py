"""Issue 19, item 4: recovery's journey ends on the app's own pages, in its look and language,
with or without the project's templates for Django's reset views; Django's token check kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import include, path
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from django_portone_cert.recovery import password_reset_url
from tests.helpers import configure

NEW_PASSWORD = "a-new-long-pass-4321"
DONE = "/portone-cert/recovery/reset/done/"

# This module is also a URLconf: a project that routes its own password_reset_confirm.
urlpatterns = [
    path(
        "my/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(template_name="my/reset.html"),
        name="password_reset_confirm",
    ),
    path("portone-cert/", include("django_portone_cert.urls")),
]


@pytest.fixture(autouse=True)
def _recovery_on(settings: Any) -> None:
    configure(settings, ACCOUNT_RECOVERY=True)
    # Django's auth views included (the README's URLconf), without templates of the project.
    settings.ROOT_URLCONF = "tests.recovery_urls"


def walk_the_link(client: Client, url: str, language: str = "ko") -> Any:
    """The link → the token-less form → a new password; answers the form page."""
    first = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert first.status_code == 302
    form_url = first["Location"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert form_url.endswith("/set-password/") and token not in form_url
    return client.get(form_url, HTTP_ACCEPT_LANGUAGE=language)


def assert_the_apps_look(response: Any) -> None:
    html = response.content.decode()
    assert "portone_cert/portone_cert.css" in html
    assert "Django" not in html and "/admin/" not in html  # not the admin's look


@pytest.mark.parametrize(
    ("language", "words"),
    [("ko", ["새 비밀번호", "로그인"]), ("en", ["Set a new password", "Log in"])],
)
def test_the_journey_ends_on_the_apps_pages(
    make_user: Any, language: str, words: list[str]
) -> None:
    user = make_user()
    url = password_reset_url(user)
    assert url.startswith("/portone-cert/recovery/reset/")
    client = Client()
    form = walk_the_link(client, url, language)
    assert form.status_code == 200 and form.context["validlink"] is True
    assert "portone_cert/password_reset_confirm.html" in [t.name for t in form.templates]
    assert_the_apps_look(form)
    assert words[0] in form.content.decode()
    done = client.post(
        form.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert done.status_code == 302 and done["Location"] == DONE
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    page = client.get(DONE, HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert_the_apps_look(page)
    assert words[1] in page.content.decode()
    assert 'href="/accounts/login/"' in page.content.decode()  # on to LOGIN_URL
    # One-time: the link no longer works once the password changed.
    again = Client().get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert again.status_code == 200 and again.context["validlink"] is False
    assert_the_apps_look(again)


def test_the_apps_look_despite_the_projects_registration_template(
    make_user: Any, settings: Any, tmp_path: Path
) -> None:
    (tmp_path / "registration").mkdir()
    (tmp_path / "registration" / "password_reset_confirm.html").write_text("PROJECT TEMPLATE")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    form = walk_the_link(Client(), password_reset_url(make_user()))
    assert "PROJECT TEMPLATE" not in form.content.decode()
    assert_the_apps_look(form)


def test_without_django_auth_urls(make_user: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.urls"
    form = walk_the_link(Client(), password_reset_url(make_user()))
    assert form.status_code == 200 and form.context["validlink"] is True


def test_the_projects_own_view_is_used(make_user: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    assert password_reset_url(make_user()).startswith("/my/reset/")


def token_link(user: Any) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"/portone-cert/recovery/reset/{uidb64}/{token}/"


def test_a_forged_token_is_refused(make_user: Any) -> None:
    user = make_user()
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    page = Client().get(
        f"/portone-cert/recovery/reset/{uidb64}/abc-0123456789abcdef/", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert page.status_code == 200 and page.context["validlink"] is False
    assert "아이디 찾기" in page.content.decode() or "다시" in page.content.decode()


def test_no_link_here_for_accounts_recovery_offers_none(make_user: Any, settings: Any) -> None:
    # A valid token (Django's own e-mail reset could have made it) for an admin: recovery's
    # page does not serve it unless RECOVERY_INCLUDE_STAFF.
    admin = make_user(is_staff=True)
    response = Client().get(token_link(admin))
    assert response.status_code == 200 and response.context["validlink"] is False
    configure(settings, RECOVERY_INCLUDE_STAFF=True)
    assert Client().get(token_link(admin)).status_code == 302


def test_off_is_a_404(make_user: Any, settings: Any) -> None:
    link = token_link(make_user())
    configure(settings, ACCOUNT_RECOVERY=False)
    assert Client().get(link).status_code == 404
    assert Client().get(DONE).status_code == 404
