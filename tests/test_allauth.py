"""The django-allauth recipe with real allauth: sign-up requires a 본인인증 (the form checks
``pending_verification``, the adapter's ``save_user`` claims it), and allauth's password reset
page links to the recovery page. Runs when allauth is installed (``make test-allauth``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory
from rest_framework.test import APIClient

from django_portone_cert.models import VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure, verify
from tests.versions import certify_body

pytest.importorskip("allauth")
pytestmark = pytest.mark.skipif(
    "allauth.account" not in django_settings.INSTALLED_APPS,
    reason="allauth is installed but not configured (tests.settings enables it with auth.User)",
)

SIGNUP = "/accounts/signup/"
PASSWORD = "a-long-pass-9876"


@pytest.fixture(autouse=True)
def _allauth_site(api_version: str, settings: Any) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True, ACCOUNT_RECOVERY=True)
    settings.ROOT_URLCONF = "tests.allauth_urls"


def sign_up(client: APIClient, username: str) -> Any:
    return client.post(SIGNUP, {"username": username, "password1": PASSWORD, "password2": PASSWORD})


def test_sign_up_without_a_verification_is_refused(db: None) -> None:
    client = APIClient()
    page = client.get(SIGNUP)
    assert page.status_code == 200
    response = sign_up(client, "newcomer")
    assert response.status_code == 200  # the form again, with the reason
    assert "Please verify first" in response.content.decode()
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_sign_up_after_verifying_claims_the_verification(db: None, portone: FakePortOne) -> None:
    client = APIClient()
    assert verify(client, portone, name="가입자", birth_date=date(1999, 9, 9)).status_code == 201
    response = sign_up(client, "newcomer")
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="newcomer")
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.name == "가입자" and identity.birth_date == date(1999, 9, 9)
    assert user.check_password(PASSWORD)
    assert client.get("/portone-cert/me/").json()["verified"] is True  # logged in by allauth


def test_a_person_with_an_account_cannot_sign_up_again(
    make_user: Any, portone: FakePortOne
) -> None:
    assert verify(client_for(make_user()), portone).status_code == 201
    client = APIClient()
    assert verify(client, portone).status_code == 201
    response = sign_up(client, "second")
    assert response.status_code == 200
    assert "already verified on another account" in response.content.decode()
    assert not get_user_model().objects.filter(username="second").exists()


def test_a_claim_that_fails_creates_no_user(db: None) -> None:
    """Between the form's check and the save (the verification expired, or the person got an
    account meanwhile), the adapter creates nothing and sends the visitor back."""
    from allauth.core.exceptions import ImmediateHttpResponse

    from django_portone_cert.contrib.allauth import VerifiedSignupAdapter

    request = RequestFactory().post(SIGNUP)
    request.session = SessionStore()

    class Form:
        cleaned_data = {"username": "raced", "password1": PASSWORD}

    with pytest.raises(ImmediateHttpResponse) as refused:
        VerifiedSignupAdapter(request).save_user(request, get_user_model()(), Form())
    assert refused.value.response.status_code == 302
    assert refused.value.response["Location"] == SIGNUP
    assert not get_user_model().objects.filter(username="raced").exists()


def test_the_password_reset_page_links_to_recovery(db: None) -> None:
    page = APIClient().get("/accounts/password/reset/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'href="/portone-cert/recovery/"' in html
    assert "Find my account or reset my password by identity verification" in html
    korean = APIClient().get("/accounts/password/reset/", HTTP_ACCEPT_LANGUAGE="ko")
    assert "본인인증으로 아이디 찾기 / 비밀번호 재설정" in korean.content.decode()


def test_recovered_accounts_made_through_allauth(db: None, portone: FakePortOne) -> None:
    client = APIClient()
    assert verify(client, portone, **PERSON).status_code == 201
    assert sign_up(client, "hong1234").status_code == 302
    visitor = APIClient()
    attempt = visitor.post("/portone-cert/recovery/prepare/").json()
    result = portone.add_certification(merchant_uid=attempt["merchant_uid"], **PERSON)
    response = visitor.post(
        "/portone-cert/recovery/certifications/",
        certify_body(result, attempt["merchant_uid"]),
        format="json",
    )
    assert response.status_code == 200
    assert [a["username"] for a in response.json()["accounts"]] == ["hong***"]


# --- social sign-ups (allauth.socialaccount, with allauth's own dummy provider) ---

social = pytest.mark.skipif(
    "allauth.socialaccount" not in django_settings.INSTALLED_APPS,
    reason="the allauth lane (tests.allauth_settings) installs allauth.socialaccount",
)


def social_login(client: APIClient, uid: int, username: str) -> Any:
    """Log in with allauth's dummy provider as its account ``uid``: allauth's whole flow."""
    started = client.post("/accounts/dummy/login/", {"process": "login"})
    assert started.status_code == 302, started.content.decode()[:500]
    return client.post(started["Location"], {"id": uid, "username": username})


def social_accounts() -> Any:
    from allauth.socialaccount.models import SocialAccount

    return SocialAccount.objects.all()


@social
def test_a_social_sign_up_without_a_verification_is_refused(db: None) -> None:
    client = APIClient()
    response = social_login(client, 1, "kakao_newcomer")
    assert response.status_code == 302
    assert response["Location"] == "/portone-cert/verify/?next=%2Faccounts%2Flogin%2F"
    assert not get_user_model().objects.exists() and not social_accounts().exists()
    assert client.get("/portone-cert/me/").status_code in (401, 403)  # nobody logged in


@social
@pytest.mark.parametrize("auto_signup", [True, False])
def test_a_social_sign_up_after_verifying_claims_the_verification(
    auto_signup: bool, settings: Any, db: None, portone: FakePortOne
) -> None:
    settings.SOCIALACCOUNT_AUTO_SIGNUP = auto_signup
    # allauth's social form always asks for an e-mail address (optional here).
    settings.ACCOUNT_SIGNUP_FIELDS = ["email", "username*", "password1*", "password2*"]
    client = APIClient()
    assert verify(client, portone, name="가입자", birth_date=date(1999, 9, 9)).status_code == 201
    response = social_login(client, 2, "kakao_newcomer")
    if not auto_signup:  # allauth's social sign-up form first
        assert response["Location"] == "/accounts/3rdparty/signup/"
        response = client.post(response["Location"], {"username": "kakao_newcomer"})
    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(username="kakao_newcomer")
    assert social_accounts().get().user == user
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.name == "가입자" and identity.birth_date == date(1999, 9, 9)
    assert client.get("/portone-cert/me/").json()["verified"] is True  # logged in by allauth
    # The verification was used once: the next social sign-up in this session needs another.
    client.logout()
    again = social_login(client, 3, "kakao_second")
    assert again["Location"].startswith("/portone-cert/verify/")
    assert get_user_model().objects.count() == 1


@social
def test_a_person_with_an_account_cannot_sign_up_again_socially(
    make_user: Any, portone: FakePortOne
) -> None:
    assert verify(client_for(make_user()), portone).status_code == 201
    client = APIClient()
    assert verify(client, portone).status_code == 201
    response = social_login(client, 4, "kakao_second")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert get_user_model().objects.count() == 1 and not social_accounts().exists()
    assert "already verified on another account" in client.get("/accounts/login/").content.decode()


@social
def test_a_social_claim_that_fails_creates_no_user(db: None) -> None:
    """Between the check and the save (the verification expired meanwhile), nothing is made."""
    from allauth.core.exceptions import ImmediateHttpResponse
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    from django_portone_cert.contrib.allauth import VerifiedSocialSignupAdapter

    request = RequestFactory().post("/accounts/dummy/authenticate/")
    request.session = SessionStore()
    user = get_user_model()(username="raced")
    sociallogin = SocialLogin(user=user, account=SocialAccount(provider="dummy", uid="5"))
    with pytest.raises(ImmediateHttpResponse) as refused:
        VerifiedSocialSignupAdapter(request).save_user(request, sociallogin)
    assert refused.value.response["Location"].startswith("/portone-cert/verify/")
    assert not get_user_model().objects.exists() and not social_accounts().exists()


@social
def test_check_w013_warns_about_a_social_adapter_without_the_mixin(settings: Any) -> None:
    from django_portone_cert.checks import check_allauth_social

    assert check_allauth_social() == []
    settings.SOCIALACCOUNT_ADAPTER = "allauth.socialaccount.adapter.DefaultSocialAccountAdapter"
    [warning] = check_allauth_social()
    assert warning.id == "portone_cert.W013" and "SOCIALACCOUNT_ADAPTER" in warning.msg
    del settings.SOCIALACCOUNT_ADAPTER  # allauth's default adapter
    assert [m.id for m in check_allauth_social()] == ["portone_cert.W013"]


@social
def test_a_headless_social_sign_up_without_a_verification_is_closed(db: None) -> None:
    """allauth.headless: an app gets allauth's own ``signup_closed``, not a redirect."""
    from allauth.socialaccount.models import SocialAccount, SocialLogin

    from django_portone_cert.contrib.allauth import VerifiedSocialSignupAdapter

    request = RequestFactory().post("/_allauth/app/v1/auth/provider/token")
    request.session = SessionStore()
    account = SocialAccount(provider="dummy", uid="6")
    sociallogin = SocialLogin(user=get_user_model()(), account=account)
    sociallogin.state = {"headless": True}
    assert VerifiedSocialSignupAdapter(request).is_open_for_signup(request, sociallogin) is False
