"""The guardian flow under attack (issue 17: items 1, 2, 7, 9, 14): where links point, what
a child's ask may cost the site, which link an attempt serves, what a page shows, what a
guardian attests, and which consents count."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import set_script_prefix
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from django_portone_cert import retention, services
from django_portone_cert.checks import check_children
from django_portone_cert.exceptions import ConfigurationError
from django_portone_cert.models import GuardianConsent, GuardianConsentRequest, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure, verify
from tests.test_guardians import (
    CHILD,
    GUARDIAN,
    SITE,
    caught,
    consent_body,
    guardian_policy,
    guardian_verify,
    token_of,
    verified_child,
    years_ago,
)

__all__ = ["caught"]

ASK = "/portone-cert/guardian/request/"


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(client: Client, **extra: Any) -> Any:
    """The child's ask, as an app would send it (JSON)."""
    return client.post(ASK, "{}", content_type="application/json", **extra)


def age_links(minutes: int) -> None:
    """Every link made ``minutes`` earlier than it was."""
    for link in GuardianConsentRequest.objects.all():
        GuardianConsentRequest.objects.filter(pk=link.pk).update(
            created_at=link.created_at - timedelta(minutes=minutes)
        )


# --- 1. links sent out of band are built from SITE_URL ---


@pytest.mark.parametrize(
    "headers",
    [{"HTTP_HOST": "evil.example"}, {"HTTP_X_FORWARDED_HOST": "evil.example"}],
    ids=["host", "x-forwarded-host"],
)
def test_the_guardians_link_never_follows_the_host_header(
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    caught: Any,
    django_capture_on_commit_callbacks: Any,
    headers: dict[str, str],
) -> None:
    guardian_policy(settings)
    settings.ALLOWED_HOSTS = ["*"]
    settings.USE_X_FORWARDED_HOST = True
    child = logged_in(verified_child(make_user, portone))
    with django_capture_on_commit_callbacks(execute=True):
        ask(child, **headers)
    url = caught["requested"][0]["url"]
    assert url.startswith(f"{SITE}/portone-cert/guardian/") and "evil.example" not in url


def test_the_same_absolute_link_with_or_without_a_request(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings, SITE_URL="https://www.example.kr/app/")
    child = verified_child(make_user, portone)
    assert services.request_guardian_consent(child).url.startswith(
        "https://www.example.kr/app/portone-cert/guardian/"
    )
    set_script_prefix("/app/")  # as while serving a request below /app
    try:
        url = services.request_guardian_consent(child).url
    finally:
        set_script_prefix("/")
    assert url.startswith("https://www.example.kr/app/portone-cert/guardian/")


def test_no_link_without_site_url(settings: Any, portone: FakePortOne, make_user: Any) -> None:
    guardian_policy(settings, SITE_URL=None)
    child = verified_child(make_user, portone)
    with pytest.raises(ConfigurationError, match="SITE_URL"):
        services.request_guardian_consent(child)
    assert not GuardianConsentRequest.objects.exists()


def test_site_url_checks(settings: Any) -> None:
    configure(settings, CHILD_POLICY="guardian")
    assert [m.id for m in check_children()] == ["portone_cert.E053"]
    configure(settings, CHILD_POLICY="refuse")
    assert check_children() == []
    for bad in ("www.example.kr", "ftp://example.kr", "https://example.kr/?a=1", 3):
        configure(settings, SITE_URL=bad)
        assert [m.id for m in check_children()] == ["portone_cert.E054"], bad
    configure(settings, SITE_URL="http://www.example.kr")
    settings.DEBUG = False
    assert [m.id for m in check_children()] == ["portone_cert.W052"]
    settings.DEBUG = True
    assert check_children() == []
    configure(settings, SITE_URL=SITE, CHILD_POLICY="guardian")
    assert check_children() == []


# --- 2. the child's ask costs the site a message: bounded ---


def test_an_adult_cannot_make_the_site_send_links(
    portone: FakePortOne, settings: Any, user: Any, caught: Any
) -> None:
    guardian_policy(settings)
    adult = logged_in(user)
    nobody = ask(adult)  # not verified yet
    assert nobody.status_code == 400 and nobody.json()["code"] == "consent_not_needed"
    assert verify(client_for(user), portone).status_code == 201
    for _ in range(3):
        response = ask(adult)
        assert response.status_code == 400 and response.json()["code"] == "consent_not_needed"
    assert not GuardianConsentRequest.objects.exists() and "requested" not in caught


def test_no_ask_once_the_guardian_consented(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    assert (
        guardian_verify(
            APIClient(), portone, token_of(services.request_guardian_consent(child)), **GUARDIAN
        ).status_code
        == 201
    )
    page = logged_in(child)
    response = ask(page)
    assert response.status_code == 400 and response.json()["code"] == "consent_not_needed"
    # The gate's form gets the page, saying why.
    refused = page.post(ASK)
    assert refused.status_code == 400 and b"data-portone-cert-ask-refused" in refused.content


def test_a_new_ask_retires_the_old_link(
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    caught: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    guardian_policy(settings)
    child = logged_in(verified_child(make_user, portone))
    with django_capture_on_commit_callbacks(execute=True):
        first = ask(child)
    assert first.status_code == 201 and first.json()["requested"] is True
    # At once: the same link stands, nothing is sent again.
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(child).status_code == 200
    assert len(caught["requested"]) == 1
    age_links(2)
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(child).status_code == 201
    old, new = (
        url.rstrip("/").rsplit("/", 1)[-1] for url in [r["url"] for r in caught["requested"]]
    )
    refused = APIClient().post(f"/portone-cert/guardian/{old}/prepare/")
    assert refused.status_code == 400 and refused.json()["code"] == "consent_request_expired"
    assert APIClient().post(f"/portone-cert/guardian/{new}/prepare/").status_code == 201
    live = [link for link in GuardianConsentRequest.objects.all() if link.is_live()]
    assert len(live) == 1


def test_a_daily_cap_on_links_holds_across_retired_links_and_the_purge(
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    caught: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    guardian_policy(settings, GUARDIAN_DAILY_LINKS=2, THROTTLE_RATE="1000/minute")
    child = logged_in(verified_child(make_user, portone))
    with django_capture_on_commit_callbacks(execute=True):
        assert ask(child).status_code == 201
        age_links(2)
        assert ask(child).status_code == 201  # retires the first
        age_links(2)
    retention.purge()  # the retired link is kept: it still counts
    limited = ask(child)
    assert limited.status_code == 429 and limited.json()["code"] == "consent_request_limited"
    assert len(caught["requested"]) == 2
    age_links(24 * 60)  # a day later
    assert ask(child).status_code == 201


def test_the_ask_is_throttled(settings: Any, portone: FakePortOne, make_user: Any) -> None:
    guardian_policy(settings, THROTTLE_RATE="2/minute")
    child = logged_in(verified_child(make_user, portone))
    answers = [ask(child) for _ in range(3)]
    assert answers[-1].status_code == 429 and answers[-1].json()["code"] == "throttled"


def test_a_sandbox_childs_ask_outside_sandbox_mode(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    VerifiedIdentity.objects.filter(user=child).update(provider="sandbox")
    response = ask(logged_in(child))
    assert response.status_code == 400 and response.json()["code"] == "consent_not_needed"


# --- 7. consents end with their person; sandbox consents count only in sandbox mode ---


def sandbox_mode(settings: Any, on: bool) -> None:
    settings.DEBUG = on
    configure(settings, SANDBOX=on)


def test_a_sandbox_consent_ends_when_a_real_child_verifies(
    settings: Any, portone: FakePortOne, make_user: Any, caught: Any
) -> None:
    guardian_policy(settings)
    sandbox_mode(settings, True)
    child = verified_child(make_user, portone, name="가짜아동", birth_date=years_ago(9))
    token = token_of(services.request_guardian_consent(child))
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    assert client_for(child).get("/gated/api/members/").status_code == 200
    sandbox_mode(settings, False)
    # Another child, for real, on the same account.
    assert verify(client_for(child), portone, **CHILD).status_code == 201
    assert VerifiedIdentity.objects.get(user=child).name == CHILD["name"]
    sandbox_mode(settings, True)  # even back in sandbox mode: that consent was for another
    response = client_for(child).get("/gated/api/members/")
    assert response.status_code == 403 and response.json()["code"] == "guardian_consent_required"
    assert GuardianConsent.objects.get().revoked_at is not None


def test_a_sandbox_consent_counts_only_in_sandbox_mode(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)  # a real child
    token = token_of(services.request_guardian_consent(child))
    sandbox_mode(settings, True)
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    assert client_for(child).get("/gated/api/members/").status_code == 200
    sandbox_mode(settings, False)
    response = client_for(child).get("/gated/api/members/")
    assert response.status_code == 403 and response.json()["code"] == "guardian_consent_required"
    assert client_for(child).get("/portone-cert/me/").json()["guardian_consent"] == "required"
    assert GuardianConsent.objects.get().sandbox is True


# --- 9. an attempt serves its own link; a dead link's page names no one ---


def test_an_attempt_prepared_on_one_link_cannot_consent_on_another(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    link_a = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    other = verified_child(make_user, portone, name="이아동", birth_date=years_ago(8))
    link_b = token_of(services.request_guardian_consent(other))
    guardian = APIClient()
    attempt = guardian.post(f"/portone-cert/guardian/{link_a}/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **GUARDIAN)
    response = guardian.post(
        f"/portone-cert/guardian/{link_b}/certifications/",
        consent_body(imp_uid, attempt["merchant_uid"]),
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "attempt_mismatch"
    assert not GuardianConsent.objects.exists()
    # On its own link the same attempt still consents.
    response = guardian.post(
        f"/portone-cert/guardian/{link_a}/certifications/",
        consent_body(imp_uid, attempt["merchant_uid"]),
        format="json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("state", ["expired", "used", "retired"])
def test_a_dead_links_page_names_no_child(
    settings: Any, portone: FakePortOne, make_user: Any, state: str
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    page = APIClient().get(f"/portone-cert/guardian/{token}/")
    assert "김*동" in page.content.decode()
    if state == "expired":
        GuardianConsentRequest.objects.update(expires_at=timezone.now())
    elif state == "used":
        assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    else:
        services.request_guardian_consent(child)
    page = APIClient().get(f"/portone-cert/guardian/{token}/")
    assert b"data-portone-cert-expired" in page.content
    # Not in the context either, where an overriding template would find it.
    assert page.context["child_name"] == ""
    assert "김*동" not in page.content.decode()
    if state == "used":  # its withdrawal page is usable: there the child is named
        assert (
            "김*동" in APIClient().get(f"/portone-cert/guardian/{token}/revoke/").content.decode()
        )


# --- 14. the guardian attests; one guardian, a bounded number of children ---


@pytest.mark.parametrize("attest", [None, False, "false", "yes"])
def test_no_consent_without_the_guardians_yes(
    settings: Any, portone: FakePortOne, make_user: Any, attest: Any
) -> None:
    guardian_policy(settings)
    token = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    guardian = APIClient()
    attempt = guardian.post(f"/portone-cert/guardian/{token}/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **GUARDIAN)
    body = {**consent_body(imp_uid, attempt["merchant_uid"]), "attest": attest}
    if attest is None:
        del body["attest"]
    lookups = portone.certification_requests
    response = guardian.post(f"/portone-cert/guardian/{token}/certifications/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "invalid"
    assert portone.certification_requests == lookups  # nothing was asked of PortOne
    assert not GuardianConsent.objects.exists()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_consent_keeps_the_sentence_the_guardian_confirmed(
    settings: Any, portone: FakePortOne, make_user: Any, language: str
) -> None:
    guardian_policy(settings, COMPANY="아이놀이터")
    token = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    guardian = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    page = guardian.get(f"/portone-cert/guardian/{token}/")
    shown = page.context["attestation"]
    assert escape(shown) in page.content.decode() and b"data-portone-cert-attest" in page.content
    assert "김*동" in shown and "아이놀이터" in shown
    assert ("법정대리인" in shown) and (("본인은" in shown) == (language == "ko"))
    assert guardian_verify(guardian, portone, token, **GUARDIAN).status_code == 201
    consent = GuardianConsent.objects.get()
    assert consent.attestation == shown and consent.attested is True
    assert CHILD["name"] not in consent.attestation  # the child as the page showed them


def test_a_guardian_consents_for_a_bounded_number_of_children(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings, GUARDIAN_MAX_CHILDREN=2)
    children = [
        verified_child(make_user, portone, name=name, birth_date=years_ago(age))
        for name, age in (("가아동", 7), ("나아동", 8), ("다아동", 9))
    ]
    tokens = [token_of(services.request_guardian_consent(child)) for child in children]
    assert guardian_verify(APIClient(), portone, tokens[0], **GUARDIAN).status_code == 201
    assert guardian_verify(APIClient(), portone, tokens[1], **GUARDIAN).status_code == 201
    third = guardian_verify(APIClient(), portone, tokens[2], **GUARDIAN)
    assert third.status_code == 400 and third.json()["code"] == "guardian_limit_reached"
    assert GuardianConsent.objects.count() == 2
    # Another guardian is not held back; nor is this one, once a consent is withdrawn.
    services.revoke_guardian_consent(GuardianConsent.objects.filter(child=children[0]).get())
    assert guardian_verify(APIClient(), portone, tokens[2], **GUARDIAN).status_code == 201


def test_guardian_limits_are_checked(settings: Any) -> None:
    for bad in (0, -1, True, "3", 2.5, 101):
        configure(settings, GUARDIAN_DAILY_LINKS=bad, GUARDIAN_MAX_CHILDREN=bad)
        assert {m.id for m in check_children()} == {
            "portone_cert.E055",
            "portone_cert.E056",
        }, bad
    configure(settings, GUARDIAN_DAILY_LINKS=1, GUARDIAN_MAX_CHILDREN=100)
    assert check_children() == []


def test_the_guardians_data_stays_minimal(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    """The attestation names the child masked and the guardian not at all."""
    guardian_policy(settings)
    token = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    consent = GuardianConsent.objects.get()
    assert GUARDIAN["name"] not in consent.attestation
    assert consent.guardian_birth_date == date(1980, 3, 3)


def test_the_admin_shows_the_attestation(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    token = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    consent = GuardianConsent.objects.get()
    admin = Client()
    admin.force_login(make_user(is_staff=True, is_superuser=True))
    page = admin.get(f"/admin/portone_cert/guardianconsent/{consent.pk}/change/").content.decode()
    assert escape(consent.attestation) in page and GUARDIAN["name"] not in page


def test_a_link_token_has_one_shape() -> None:
    """What the link maker mints is exactly what the finder accepts (no magic bounds)."""
    import secrets

    from django_portone_cert.guardian_links import TOKEN_BYTES, TOKEN_RE, find_request

    assert all(TOKEN_RE.fullmatch(secrets.token_urlsafe(TOKEN_BYTES)) for _ in range(200))
    assert find_request("x" * 42) is None
    assert find_request("x" * 44) is None
    assert find_request("x" * 42 + "!") is None
