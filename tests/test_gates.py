from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from asgiref.sync import async_to_sync
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import AsyncRequestFactory, Client, RequestFactory
from rest_framework.test import APIClient, force_authenticate

from django_portone_cert import ages
from django_portone_cert.gates import AgeGate, Outcome
from django_portone_cert.models import VerifiedIdentity
from tests import gated_views

# 2026-06-15 12:00 in Seoul.
NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)
ADULT = date(1990, 5, 17)  # 36 by both rules
YEAR_ONLY = date(2007, 12, 31)  # full age 18, year age 19
MINOR = date(2012, 3, 3)  # 14 by both rules
CHILD = date(2016, 1, 1)  # 10

SHAPES = {
    "sync": "/gated/adult/",
    "async": "/gated/async/adult/",
    "cbv": "/gated/cbv/adult/",
    "async_cbv": "/gated/cbv/async-adult/",
    "drf": "/gated/api/adult/",
}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def verify(
    user: Any, birth_date: date, verified_at: datetime = NOW, provider: str = "danal"
) -> VerifiedIdentity:
    return VerifiedIdentity.objects.create(
        user=user,
        name="홍길동",
        birth_date=birth_date,
        provider=provider,
        imp_uid=f"imp_{user.pk:012d}",
        certified_at=verified_at,
        verified_at=verified_at,
    )


@pytest.fixture
def client_for(make_user: Any) -> Any:
    def make(
        birth_date: date | None, verified_at: datetime = NOW, provider: str = "danal"
    ) -> Client:
        user = make_user()
        if birth_date is not None:
            verify(user, birth_date, verified_at, provider)
        client = Client()
        client.force_login(user)
        return client

    return make


def location(response: Any) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(response["Location"])
    return parts.path, parse_qs(parts.query)


# --- each outcome in each shape ---


@pytest.mark.parametrize("shape", SHAPES)
def test_anonymous_goes_to_login(db: None, shape: str) -> None:
    url = SHAPES[shape]
    response = Client().get(url)
    if shape == "drf":
        # 401 or 403 depending on the first authentication class (DRF's rule).
        assert response.status_code in (401, 403)
        assert response.json()["detail"]
        return
    assert response.status_code == 302
    assert location(response) == ("/accounts/login/", {"next": [url]})


@pytest.mark.parametrize("shape", SHAPES)
def test_unverified_goes_to_the_verify_page(client_for: Any, shape: str) -> None:
    url = SHAPES[shape]
    response = client_for(None).get(url)
    if shape == "drf":
        assert response.status_code == 403
        assert response.json() == {
            "detail": "Identity verification is required.",
            "code": "identity_required",
        }
        return
    assert response.status_code == 302
    assert location(response) == ("/portone-cert/verify/", {"next": [url]})


@pytest.mark.parametrize("shape", SHAPES)
def test_old_verification_asks_again(client_for: Any, settings: Any, shape: str) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "REVERIFY_AFTER": timedelta(days=365)}
    url = SHAPES[shape]
    client = client_for(ADULT, verified_at=NOW - timedelta(days=366))
    response = client.get(url)
    if shape == "drf":
        assert response.status_code == 403
        assert response.json()["code"] == "reverification_required"
        return
    assert response.status_code == 302
    assert location(response) == (
        "/portone-cert/verify/",
        {"next": [url], "reason": ["reverify"]},
    )
    # A verification within the period is fine.
    fresh = client_for(ADULT, verified_at=NOW - timedelta(days=364))
    assert fresh.get(url).status_code == 200


@pytest.mark.parametrize("shape", SHAPES)
def test_too_young_is_refused(client_for: Any, shape: str) -> None:
    response = client_for(MINOR).get(SHAPES[shape])
    assert response.status_code == 403
    if shape == "drf":
        assert response.json() == {
            "detail": "You are not old enough to use this page.",
            "code": "age_too_low",
        }
        return
    assert "portone_cert/age_denied.html" in [t.name for t in response.templates]
    html = response.content.decode()
    assert "19" in html and "연 나이" in html
    assert "홍길동" not in html


@pytest.mark.parametrize("shape", SHAPES)
def test_old_enough_by_year_age(client_for: Any, shape: str) -> None:
    for birth in (ADULT, YEAR_ONLY):
        response = client_for(birth).get(SHAPES[shape])
        assert response.status_code == 200, (shape, birth)


# --- identities typed into the sandbox ---

#: Every gate, age and identity-only, in each shape.
ALL_GATES = {
    **SHAPES,
    "members": "/gated/members/",
    "async_members": "/gated/async/members/",
    "cbv_members": "/gated/cbv/members/",
    "drf_members": "/gated/api/members/",
}


def sandbox_mode(settings: Any, *, sandbox: bool, debug: bool) -> None:
    settings.DEBUG = debug
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "SANDBOX": sandbox}


def assert_identity_required(response: Any, shape: str, url: str) -> None:
    if shape.startswith("drf"):
        assert response.status_code == 403
        assert response.json()["code"] == "identity_required"
    elif shape == "cbv_members":  # raise_exception
        assert response.status_code == 403
    else:
        assert response.status_code == 302
        assert location(response) == ("/portone-cert/verify/", {"next": [url]})


@pytest.mark.parametrize("shape", ALL_GATES)
def test_a_sandbox_identity_passes_only_in_sandbox_mode(
    client_for: Any, settings: Any, shape: str
) -> None:
    url = ALL_GATES[shape]
    client = client_for(ADULT, provider="sandbox")
    sandbox_mode(settings, sandbox=True, debug=True)
    assert client.get(url).status_code == 200
    # Sandbox off (a staging database later used with real credentials), or DEBUG off.
    for sandbox, debug in ((False, True), (False, False), (True, False)):
        sandbox_mode(settings, sandbox=sandbox, debug=debug)
        assert_identity_required(client.get(url), shape, url)


@pytest.mark.parametrize("shape", ALL_GATES)
def test_a_real_identity_passes_in_and_out_of_sandbox_mode(
    client_for: Any, settings: Any, shape: str
) -> None:
    client = client_for(ADULT)
    for sandbox, debug in ((True, True), (False, False), (True, False)):
        sandbox_mode(settings, sandbox=sandbox, debug=debug)
        assert client.get(ALL_GATES[shape]).status_code == 200


def test_evaluate_a_sandbox_identity(user: Any, settings: Any) -> None:
    identity = verify(user, ADULT, provider="sandbox")
    gate = AgeGate(19, "year")
    assert gate.evaluate(user, identity, now=NOW) is Outcome.IDENTITY_REQUIRED
    sandbox_mode(settings, sandbox=True, debug=True)
    assert gate.evaluate(user, identity, now=NOW) is Outcome.ALLOWED


# --- options ---


def test_full_age_gate_refuses_the_year_only_adult(client_for: Any, settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "MIN_AGE": 19, "AGE_RULE": "full"}
    assert client_for(YEAR_ONLY).get("/gated/default/").status_code == 403
    assert client_for(ADULT).get("/gated/default/").status_code == 200


def test_bare_decorator_reads_settings_per_request(client_for: Any, settings: Any) -> None:
    client = client_for(MINOR)
    assert client.get("/gated/default/").status_code == 403
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "MIN_AGE": 14, "AGE_RULE": "full"}
    assert client.get("/gated/default/").status_code == 200


def test_threshold_constant(client_for: Any) -> None:
    assert client_for(MINOR).get("/gated/fourteen/").status_code == 200
    assert client_for(CHILD).get("/gated/fourteen/").status_code == 403


def test_raise_exception(client_for: Any, db: None) -> None:
    assert Client().get("/gated/strict/").status_code == 403
    assert client_for(None).get("/gated/strict/").status_code == 403
    assert client_for(YEAR_ONLY).get("/gated/strict/").status_code == 403
    assert client_for(ADULT).get("/gated/strict/").status_code == 200


def test_custom_login_url_and_no_reverification(client_for: Any, settings: Any, db: None) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "REVERIFY_AFTER": timedelta(days=1)}
    assert location(Client().get("/gated/no-reverify/"))[0] == "/custom-login/"
    old = client_for(ADULT, verified_at=NOW - timedelta(days=1000))
    assert old.get("/gated/no-reverify/").status_code == 200
    assert old.get("/gated/adult/").status_code == 302


def test_identity_required_any_age(client_for: Any, settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "CHILD_POLICY": "allow"}
    for url in ("/gated/members/", "/gated/async/members/"):
        assert client_for(CHILD).get(url).status_code == 200
        assert location(client_for(None).get(url))[0] == "/portone-cert/verify/"
    assert client_for(None).get("/gated/cbv/members/").status_code == 403
    assert client_for(CHILD).get("/gated/cbv/members/").status_code == 200
    api = APIClient()
    assert api.get("/gated/api/members/").status_code in (401, 403)
    api.force_login(VerifiedIdentity.objects.filter(birth_date=CHILD).first().user)  # type: ignore[union-attr]
    assert api.get("/gated/api/members/").status_code == 200


def test_decorator_keeps_the_view_metadata() -> None:
    assert gated_views.adult.__name__ == "adult"
    assert gated_views.adult.__doc__ == "The 19+ page."
    from asgiref.sync import iscoroutinefunction

    assert iscoroutinefunction(gated_views.async_adult)
    assert not iscoroutinefunction(gated_views.adult)


def test_bad_arguments() -> None:
    from django_portone_cert.decorators import age_required

    with pytest.raises(ValueError, match="rule"):
        age_required(19, age_rule="korean")  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        age_required("19")  # type: ignore[call-overload]


def test_evaluate_directly(user: Any) -> None:
    gate = AgeGate(19, "year")
    assert gate.evaluate(AnonymousUser(), None) is Outcome.LOGIN_REQUIRED
    assert gate.evaluate(user, None) is Outcome.IDENTITY_REQUIRED
    identity = verify(user, YEAR_ONLY)
    assert gate.evaluate(user, identity, now=NOW) is Outcome.ALLOWED
    assert AgeGate(19, "full").evaluate(user, identity, now=NOW) is Outcome.AGE_TOO_LOW
    # On 31 December in Seoul (15:00Z on the 30th is already the 31st there) full age is 19.
    new_years_eve = datetime(2026, 12, 30, 15, 0, tzinfo=UTC)
    assert AgeGate(19, "full").evaluate(user, identity, now=new_years_eve) is Outcome.ALLOWED


# --- the next round trip ---


def test_next_round_trip(client_for: Any) -> None:
    client = client_for(None)
    target = "/gated/adult/some-slug/?a=1&b=%ED%95%9C"
    response = client.get(target)
    _, query = location(response)
    assert query["next"] == [target]
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["config"]["next"] == target
    html = page.content.decode()
    match = re.search(r'id="portone-cert-config" type="application/json">(.*?)</script>', html)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["next"] == target
    assert config["prepareUrl"] == "/portone-cert/prepare/"
    assert config["certifyUrl"] == "/portone-cert/certifications/"
    assert config["company"] is None


def test_company_reaches_the_verify_page(client_for: Any, settings: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "COMPANY": "www.example.kr"}
    page = client_for(None).get("/portone-cert/verify/")
    assert page.context["config"]["company"] == "www.example.kr"


@pytest.mark.parametrize(
    "unsafe",
    [
        "https://evil.example/",
        "//evil.example/path",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
        "\\\\evil.example",
        "https:///evil.example",
    ],
)
def test_unsafe_next_is_refused(client_for: Any, unsafe: str) -> None:
    page = client_for(None).get("/portone-cert/verify/", {"next": unsafe})
    assert page.context["config"]["next"] == "/"
    assert "evil" not in page.content.decode()


def test_verify_page_needs_login(db: None) -> None:
    response = Client().get("/portone-cert/verify/", {"next": "/gated/adult/"})
    path, query = location(response)
    assert path == "/accounts/login/"
    assert query["next"] == ["/portone-cert/verify/?next=%2Fgated%2Fadult%2F"]


# --- at most one query per gated request, none for anonymous ---


@pytest.fixture
def adult_user(make_user: Any) -> Any:
    user = make_user()
    verify(user, ADULT)
    return user


def _sync_request(user: Any, path: str = "/gated/adult/") -> Any:
    request = RequestFactory().get(path)
    request.user = user
    return request


def test_one_query_sync(adult_user: Any, django_assert_num_queries: Any, make_user: Any) -> None:
    from django.contrib.auth import get_user_model

    fresh = get_user_model().objects.get(pk=adult_user.pk)
    with django_assert_num_queries(1):
        assert gated_views.adult(_sync_request(fresh)).status_code == 200
    unverified = get_user_model().objects.get(pk=make_user().pk)
    with django_assert_num_queries(1):
        assert gated_views.adult(_sync_request(unverified)).status_code == 302
    with django_assert_num_queries(0):
        assert gated_views.adult(_sync_request(AnonymousUser())).status_code == 302


def test_one_query_cbv_and_drf(adult_user: Any, django_assert_num_queries: Any) -> None:
    from django.contrib.auth import get_user_model

    fresh = get_user_model().objects.get(pk=adult_user.pk)
    with django_assert_num_queries(1):
        assert gated_views.AdultView.as_view()(_sync_request(fresh)).status_code == 200
    fresh = get_user_model().objects.get(pk=adult_user.pk)
    request = RequestFactory().get("/gated/api/adult/")
    force_authenticate(request, fresh)
    with django_assert_num_queries(1):
        assert gated_views.AdultAPI.as_view()(request).status_code == 200
    with django_assert_num_queries(0):
        assert gated_views.AdultView.as_view()(_sync_request(AnonymousUser())).status_code == 302


def _async_request(user: Any) -> Any:
    request = AsyncRequestFactory().get("/gated/async/adult/")

    async def auser() -> Any:
        return user

    request.auser = auser
    request.user = user
    return request


def test_one_query_async(adult_user: Any, django_assert_num_queries: Any) -> None:
    async_request = _async_request
    with django_assert_num_queries(1):
        response = async_to_sync(gated_views.async_adult)(async_request(adult_user))
        assert response.status_code == 200
    with django_assert_num_queries(1):
        response = async_to_sync(gated_views.AsyncAdultView.as_view())(async_request(adult_user))
        assert response.status_code == 200
    with django_assert_num_queries(0):
        response = async_to_sync(gated_views.async_adult)(async_request(AnonymousUser()))
        assert response.status_code == 302


def test_one_query_for_a_sandbox_identity(make_user: Any, django_assert_num_queries: Any) -> None:
    """The gate reads the provider in its one narrow query, and refuses outside the sandbox."""
    from django.contrib.auth import get_user_model

    user = make_user()
    verify(user, ADULT, provider="sandbox")
    fresh = get_user_model().objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert gated_views.adult(_sync_request(fresh)).status_code == 302
    fresh = get_user_model().objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert gated_views.AdultView.as_view()(_sync_request(fresh)).status_code == 302
    fresh = get_user_model().objects.get(pk=user.pk)
    request = RequestFactory().get("/gated/api/adult/")
    force_authenticate(request, fresh)
    with django_assert_num_queries(1):
        assert gated_views.AdultAPI.as_view()(request).status_code == 403
    for view in (gated_views.async_adult, gated_views.AsyncAdultView.as_view()):
        with django_assert_num_queries(1):
            assert async_to_sync(view)(_async_request(user)).status_code == 302


def test_permission_denied_is_raised_not_rendered(adult_user: Any) -> None:
    with pytest.raises(PermissionDenied):
        gated_views.strict(_sync_request(AnonymousUser()))


def test_one_vocabulary_for_every_shape(settings: Any) -> None:
    """``min_age=None`` is "no age check" and the default is the setting, in every shape."""
    from django_portone_cert.gates import FROM_SETTINGS
    from django_portone_cert.mixins import AgeRequiredMixin, IdentityRequiredMixin
    from django_portone_cert.permissions import HasMinimumAge, HasVerifiedIdentity

    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "MIN_AGE": 15, "AGE_RULE": "year"}
    default = AgeGate()
    assert (default.resolved_min_age(), default.resolved_age_rule()) == (15, "year")
    assert AgeGate(None).resolved_min_age() is None
    assert AgeRequiredMixin().get_age_gate() == default
    assert IdentityRequiredMixin().get_age_gate() == AgeGate(min_age=None)

    class View:
        min_age = None

    assert HasMinimumAge().get_gate(View()) == AgeGate(min_age=None)  # type: ignore[arg-type]
    assert HasVerifiedIdentity().get_gate(View()) == AgeGate(min_age=None)  # type: ignore[arg-type]
    assert HasMinimumAge().get_gate(object()) == AgeGate(FROM_SETTINGS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="age_rule"):
        AgeGate(19, "korean")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="max_verification_age"):
        AgeGate(19, max_verification_age=300)  # type: ignore[arg-type]
    assert AgeGate(ages.ADULT_CONTENT) == AgeGate(19, "year")
