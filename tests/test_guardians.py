"""Children under 14 (개인정보 보호법 §22-2): CHILD_POLICY and the guardian's consent flow,
through the public API, on both API versions."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client, RequestFactory
from django.utils import timezone
from rest_framework.test import APIClient, force_authenticate

from django_portone_cert import ages, guardians, services, signup
from django_portone_cert.checks import check_children, check_children_deploy
from django_portone_cert.exceptions import ChildNotAllowed
from django_portone_cert.gates import gate_identity
from django_portone_cert.models import (
    CertificationAttempt,
    GuardianConsent,
    GuardianConsentRequest,
    VerifiedIdentity,
)
from django_portone_cert.signals import (
    guardian_consent_requested,
    guardian_consent_revoked,
    guardian_consented,
)
from django_portone_cert.testing import FakePortOne
from tests import gated_views
from tests.helpers import client_for, configure, raw_dump, session_request, verify
from tests.versions import certify_body

TODAY = ages.today_kst()


def years_ago(years: int, days: int = 0) -> date:
    """The date ``years`` before today in Seoul (1 March for a 29 February), ``days`` earlier."""
    try:
        born = TODAY.replace(year=TODAY.year - years)
    except ValueError:
        born = date(TODAY.year - years, 3, 1)
    return born - timedelta(days=days)


CHILD = {"name": "김아동", "birth_date": years_ago(10)}
GUARDIAN = {"name": "김부모", "birth_date": date(1980, 3, 3)}
TEEN = {"name": "김형", "birth_date": years_ago(17)}


@pytest.fixture
def caught() -> Any:
    """Every guardian signal sent during the test, by name."""
    seen: dict[str, list[dict[str, Any]]] = {}
    receivers = []
    for name, signal in (
        ("requested", guardian_consent_requested),
        ("consented", guardian_consented),
        ("revoked", guardian_consent_revoked),
    ):

        def receive(sender: Any, _name: str = name, **kwargs: Any) -> None:
            seen.setdefault(_name, []).append(kwargs)

        signal.connect(receive, weak=False)
        receivers.append((signal, receive))
    yield seen
    for signal, receive in receivers:
        signal.disconnect(receive)


SITE = "https://www.example.kr"


def guardian_policy(settings: Any, **extra: Any) -> None:
    configure(settings, **{"CHILD_POLICY": "guardian", "SITE_URL": SITE, **extra})


def verified_child(make_user: Any, portone: FakePortOne, **person: Any) -> Any:
    child = make_user()
    response = verify(client_for(child), portone, **(person or CHILD))
    assert response.status_code == 201, response.content
    return child


def token_of(consent_request: GuardianConsentRequest) -> str:
    return consent_request.url.rstrip("/").rsplit("/", 1)[-1]


def consent_body(imp_uid: str, merchant_uid: str) -> dict[str, Any]:
    """A guardian's certifications/ body: the ids and their yes to the page's sentence."""
    return {**certify_body(imp_uid, merchant_uid), "attest": True}


def guardian_verify(
    client: APIClient, portone: FakePortOne, token: str, action: str = "", **person: Any
) -> Any:
    """prepare → a result at the fake PortOne → certifications/ (or, with ``action="revoke"``,
    withdrawal/), on the guardian's link."""
    prepared = client.post(f"/portone-cert/guardian/{token}/prepare/")
    assert prepared.status_code == 201, prepared.content
    attempt = prepared.json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **person)
    if action == "revoke":
        body = certify_body(imp_uid, attempt["merchant_uid"])
        return client.post(f"/portone-cert/guardian/{token}/withdrawal/", body, format="json")
    body = consent_body(imp_uid, attempt["merchant_uid"])
    return client.post(f"/portone-cert/guardian/{token}/certifications/", body, format="json")


# --- CHILD_POLICY "refuse" (the default) ---


def test_a_child_is_refused_and_nothing_is_stored(
    api_version: str, portone: FakePortOne, user: Any
) -> None:
    response = verify(client_for(user), portone, **CHILD)
    assert response.status_code == 400
    assert response.json()["code"] == "child_not_allowed"
    assert "14" in response.json()["detail"]
    assert not VerifiedIdentity.objects.exists()
    attempt = CertificationAttempt.objects.get()
    assert attempt.status == "failed" and attempt.failure_code == "child_not_allowed"
    assert attempt.result == "" and attempt.imp_uid is None
    assert CHILD["name"] not in raw_dump()


def test_a_visitors_child_result_does_not_wait_for_the_sign_up(
    api_version: str, portone: FakePortOne, visitor: APIClient
) -> None:
    response = verify(visitor, portone, **CHILD)
    assert response.json()["code"] == "child_not_allowed"
    attempt = CertificationAttempt.objects.get()
    assert attempt.result == "" and attempt.failure_code == "child_not_allowed"
    assert CHILD["name"] not in raw_dump()
    assert signup.pending_verification(session_request(visitor)) is None
    assert visitor.post("/signup/", {"username": "kid@example.com"}).status_code == 400
    user_model = get_user_model()
    assert not user_model.objects.filter(**{user_model.USERNAME_FIELD: "kid@example.com"}).exists()


def test_refusal_follows_full_age_in_seoul(portone: FakePortOne, make_user: Any) -> None:
    fourteen_today = verify(
        client_for(make_user()), portone, name="김가영", birth_date=years_ago(14)
    )
    assert fourteen_today.status_code == 201
    tomorrow = verify(
        client_for(make_user()), portone, name="이나래", birth_date=years_ago(14, days=-1)
    )
    assert tomorrow.json()["code"] == "child_not_allowed"


def test_child_age_is_a_setting(settings: Any, portone: FakePortOne, make_user: Any) -> None:
    configure(settings, CHILD_AGE=16)
    response = verify(client_for(make_user()), portone, name="박다은", birth_date=years_ago(15))
    assert response.json()["code"] == "child_not_allowed"


def test_the_claim_refuses_a_child_as_a_second_line(
    settings: Any, portone: FakePortOne, visitor: APIClient, make_user: Any
) -> None:
    guardian_policy(settings)
    assert verify(visitor, portone, **CHILD).json()["pending_signup"] is True
    configure(settings, CHILD_POLICY="refuse")  # changed while the result waited
    with pytest.raises(ChildNotAllowed):
        signup.claim_verification(session_request(visitor), make_user())
    attempt = CertificationAttempt.objects.get()
    assert attempt.result == "" and attempt.failure_code == "child_not_allowed"
    assert not VerifiedIdentity.objects.exists()


def test_refused_child_page_explains_in_korean(
    settings: Any, portone: FakePortOne, user: Any
) -> None:
    settings.LANGUAGE_CODE = "ko"
    response = verify(client_for(user), portone, **CHILD)
    assert "만 14세 미만" in response.json()["detail"]
    page = Client(HTTP_ACCEPT_LANGUAGE="ko")
    page.force_login(user)
    body = page.get("/portone-cert/verify/").content.decode()
    assert "이 사이트는 만 14세 미만 아동의 가입을 받지 않습니다" in body


# --- CHILD_POLICY "guardian": every gate waits for the consent ---


@pytest.mark.parametrize(
    "url",
    [
        "/gated/members/",
        "/gated/async/members/",
        "/gated/adult/",
        "/gated/async/adult/",
        "/gated/cbv/adult/",
        "/gated/cbv/async-adult/",
    ],
)
def test_every_gate_shape_asks_for_consent(
    settings: Any, portone: FakePortOne, make_user: Any, url: str
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    assert VerifiedIdentity.objects.get(user=child).name == CHILD["name"]
    page = Client()
    page.force_login(child)
    response = page.get(url)
    assert response.status_code == 403
    assert b"data-portone-cert-guardian-required" in response.content
    assert b"data-portone-cert-ask-guardian" in response.content


def test_raise_exception_gates_refuse_a_child_without_consent(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    page = Client()
    page.force_login(verified_child(make_user, portone))
    assert page.get("/gated/cbv/members/").status_code == 403


def test_the_drf_permission_answers_guardian_consent_required(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    response = client_for(child).get("/gated/api/members/")
    assert response.status_code == 403
    assert response.json()["code"] == "guardian_consent_required"
    me = client_for(child).get("/portone-cert/me/").json()
    assert me["guardian_consent"] == "required"


def test_the_gate_stays_at_one_query(
    settings: Any, portone: FakePortOne, make_user: Any, django_assert_num_queries: Any
) -> None:
    guardian_policy(settings)
    child = get_user_model().objects.get(pk=verified_child(make_user, portone).pk)
    request = RequestFactory().get("/gated/members/")
    request.user = child
    with django_assert_num_queries(1):
        assert gated_views.members(request).status_code == 403
    GuardianConsent.objects.create(
        child=child, guardian_name="김부모", guardian_birth_date=date(1980, 3, 3)
    )
    child = get_user_model().objects.get(pk=child.pk)
    request = RequestFactory().get("/gated/api/members/")
    force_authenticate(request, child)
    with django_assert_num_queries(1):
        assert gated_views.MembersAPI.as_view()(request).status_code == 200
    assert gate_identity(child).has_guardian_consent is True  # type: ignore[union-attr]


def test_no_consent_is_needed_from_the_14th_birthday(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    VerifiedIdentity.objects.filter(user=child).update(birth_date=years_ago(14))
    child = get_user_model().objects.get(pk=child.pk)
    assert client_for(child).get("/gated/api/members/").status_code == 200
    assert client_for(child).get("/portone-cert/me/").json()["guardian_consent"] == "not_needed"


def test_allow_lets_children_through(settings: Any, portone: FakePortOne, make_user: Any) -> None:
    configure(settings, CHILD_POLICY="allow")
    child = verified_child(make_user, portone)
    assert client_for(child).get("/gated/api/members/").status_code == 200
    assert client_for(child).get("/portone-cert/me/").json()["guardian_consent"] == "not_needed"


def test_an_adults_me_says_not_needed(portone: FakePortOne, user: Any) -> None:
    verify(client_for(user), portone)
    assert client_for(user).get("/portone-cert/me/").json()["guardian_consent"] == "not_needed"


# --- the guardian's flow ---


def test_services_reach_the_guardian_flow() -> None:
    assert services.request_guardian_consent is guardians.request_guardian_consent
    assert services.revoke_guardian_consent is guardians.revoke_guardian_consent


def test_guardian_consents_and_the_child_passes(
    api_version: str,
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    caught: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    with django_capture_on_commit_callbacks(execute=True):
        consent_request = services.request_guardian_consent(child)
    assert consent_request.url.startswith(f"{SITE}/portone-cert/guardian/")
    assert consent_request.expires_at > timezone.now() + timedelta(days=6)
    assert caught["requested"][0]["url"] == consent_request.url
    assert caught["requested"][0]["child"] == child
    token = token_of(consent_request)
    assert token not in raw_dump()  # only its hash is kept

    guardian = APIClient()  # no account
    page = guardian.get(f"/portone-cert/guardian/{token}/")
    assert page.status_code == 200
    assert "김*동" in page.content.decode() and "김아동" not in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = guardian_verify(guardian, portone, token, **GUARDIAN)
    assert response.status_code == 201, response.content
    assert response.json() == {"consented": True, "child": "김*동"}
    consent = GuardianConsent.objects.get()
    assert consent.child == child and consent.revoked_at is None
    assert consent.guardian_name == "김부모"
    assert consent.guardian_birth_date == date(1980, 3, 3)
    assert consent.guardian_ci_hash and consent.guardian_ci_hash in raw_dump()
    assert caught["consented"][0]["consent"] == consent
    # Nothing else of the guardian: no identity, no waiting result, no phone.
    assert VerifiedIdentity.objects.count() == 1
    assert not CertificationAttempt.objects.exclude(result="").exists()
    assert "01012345678" not in raw_dump()

    assert client_for(child).get("/gated/api/members/").status_code == 200
    assert client_for(child).get("/portone-cert/me/").json()["guardian_consent"] == "given"
    # One use.
    again = guardian_verify(APIClient(), portone, token, **GUARDIAN)
    assert again.status_code == 400 and again.json()["code"] == "consent_request_expired"
    assert GuardianConsent.objects.count() == 1


def test_the_guardians_session_rotates(settings: Any, portone: FakePortOne, make_user: Any) -> None:
    guardian_policy(settings)
    token = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    guardian = APIClient()
    guardian.get(f"/portone-cert/guardian/{token}/")
    prepared = guardian.post(f"/portone-cert/guardian/{token}/prepare/").json()
    before = guardian.cookies["sessionid"].value
    imp_uid = portone.add_certification(merchant_uid=prepared["merchant_uid"], **GUARDIAN)
    body = consent_body(imp_uid, prepared["merchant_uid"])
    url = f"/portone-cert/guardian/{token}/certifications/"
    # Another session cannot use this guardian's attempt.
    stranger = APIClient()
    stranger.post(f"/portone-cert/guardian/{token}/prepare/")
    assert stranger.post(url, body, format="json").json()["code"] == "attempt_mismatch"
    assert guardian.post(url, body, format="json").status_code == 201
    assert guardian.cookies["sessionid"].value != before


def test_a_17_year_old_guardian_is_refused(
    api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    consent_request = services.request_guardian_consent(verified_child(make_user, portone))
    response = guardian_verify(APIClient(), portone, token_of(consent_request), **TEEN)
    assert response.status_code == 400
    assert response.json()["code"] == "guardian_not_adult"
    assert not GuardianConsent.objects.exists()
    consent_request.refresh_from_db()
    assert consent_request.is_live()  # a real guardian may still use the link
    assert TEEN["name"] not in raw_dump()


def test_the_child_cannot_consent_for_themself(
    api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    # The child's own 본인인증 on the guardian's link: the same CI.
    response = guardian_verify(client_for(child), portone, token, **CHILD)
    assert response.status_code == 400 and response.json()["code"] == "guardian_is_child"
    assert not GuardianConsent.objects.exists()


def test_an_adult_child_record_with_the_same_ci_is_refused(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    """The CI decides, not the birth date: an adult result with the child's CI is the child."""
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    client = APIClient()
    attempt = client.post(f"/portone-cert/guardian/{token}/prepare/").json()
    imp_uid = portone.add_certification(
        merchant_uid=attempt["merchant_uid"],
        name="김어른",
        birth_date=date(1980, 1, 1),
        ci=portone.person_ci(CHILD["name"], CHILD["birth_date"]),
    )
    response = client.post(
        f"/portone-cert/guardian/{token}/certifications/",
        consent_body(imp_uid, attempt["merchant_uid"]),
        format="json",
    )
    assert response.json()["code"] == "guardian_is_child"


@pytest.mark.parametrize("state", ["expired", "used", "unknown"])
def test_an_expired_or_used_link_is_refused(
    settings: Any, portone: FakePortOne, make_user: Any, state: str
) -> None:
    guardian_policy(settings)
    consent_request = services.request_guardian_consent(verified_child(make_user, portone))
    token = token_of(consent_request)
    if state == "expired":
        GuardianConsentRequest.objects.update(expires_at=timezone.now())
    elif state == "used":
        GuardianConsentRequest.objects.update(used_at=timezone.now())
    else:
        token = "x" * 43
    page = APIClient().get(f"/portone-cert/guardian/{token}/")
    assert page.status_code == 200 and b"data-portone-cert-expired" in page.content
    response = APIClient().post(f"/portone-cert/guardian/{token}/prepare/")
    assert response.status_code == 400 and response.json()["code"] == "consent_request_expired"


def test_a_link_that_expires_between_prepare_and_certify_is_refused(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    token = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    client = APIClient()
    attempt = client.post(f"/portone-cert/guardian/{token}/prepare/").json()
    GuardianConsentRequest.objects.update(expires_at=timezone.now())
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **GUARDIAN)
    response = client.post(
        f"/portone-cert/guardian/{token}/certifications/",
        consent_body(imp_uid, attempt["merchant_uid"]),
        format="json",
    )
    assert response.json()["code"] == "consent_request_expired"
    assert not GuardianConsent.objects.exists()


def test_guardian_request_ttl_is_a_setting(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings, GUARDIAN_REQUEST_TTL=3600)
    consent_request = services.request_guardian_consent(verified_child(make_user, portone))
    assert consent_request.expires_at <= timezone.now() + timedelta(hours=1)


def test_a_guardian_attempt_cannot_verify_an_account(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    token = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    client = APIClient()
    attempt = client.post(f"/portone-cert/guardian/{token}/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **GUARDIAN)
    configure(settings, ANONYMOUS_VERIFICATION=True)
    response = client.post(
        "/portone-cert/certifications/",
        certify_body(imp_uid, attempt["merchant_uid"]),
        format="json",
    )
    assert response.json()["code"] == "attempt_mismatch"


def test_visitors_need_the_csrf_token(settings: Any, portone: FakePortOne, make_user: Any) -> None:
    guardian_policy(settings)
    token = token_of(services.request_guardian_consent(verified_child(make_user, portone)))
    response = APIClient(enforce_csrf_checks=True).post(f"/portone-cert/guardian/{token}/prepare/")
    assert response.status_code == 403


def test_the_child_asks_from_the_gate_page(
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    caught: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    page = Client()
    page.force_login(child)
    with django_capture_on_commit_callbacks(execute=True):
        response = page.post("/portone-cert/guardian/request/?next=/gated/members/")
    assert response.status_code == 200
    assert b"data-portone-cert-guardian-asked" in response.content
    url = caught["requested"][0]["url"]
    assert url.startswith(f"{SITE}/portone-cert/guardian/")
    # Asking again at once sends nothing new: each link costs the site a message.
    with django_capture_on_commit_callbacks(execute=True):
        assert page.post("/portone-cert/guardian/request/").status_code == 200
    assert len(caught["requested"]) == 1 and GuardianConsentRequest.objects.count() == 1
    configure(settings, CHILD_POLICY="refuse")
    assert page.post("/portone-cert/guardian/request/").status_code == 404


# --- withdrawal, deletion, admin ---


def test_the_guardian_withdraws_by_verifying_again(
    api_version: str,
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    caught: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    page = APIClient().get(f"/portone-cert/guardian/{token}/revoke/")
    assert page.status_code == 200 and b"data-portone-cert-start" in page.content
    # Another adult cannot withdraw it.
    other = guardian_verify(
        APIClient(), portone, token, "revoke", name="남남", birth_date=date(1970, 1, 1)
    )
    assert other.status_code == 409 and other.json()["code"] == "identity_mismatch"
    assert GuardianConsent.objects.get().revoked_at is None
    with django_capture_on_commit_callbacks(execute=True):
        response = guardian_verify(APIClient(), portone, token, "revoke", **GUARDIAN)
    assert response.status_code == 200 and response.json() == {"revoked": True}
    assert GuardianConsent.objects.get().revoked_at is not None
    assert caught["revoked"][0]["by"] == "guardian"
    assert client_for(child).get("/gated/api/members/").json()["code"] == (
        "guardian_consent_required"
    )


def test_the_site_revokes_through_the_service(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    consent = GuardianConsent.objects.create(
        child=child, guardian_name="김부모", guardian_birth_date=date(1980, 3, 3)
    )
    assert client_for(child).get("/gated/api/members/").status_code == 200
    assert services.revoke_guardian_consent(consent) is True
    assert services.revoke_guardian_consent(consent) is False
    assert client_for(child).get("/gated/api/members/").status_code == 403


def test_consents_go_with_the_childs_account(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    guardian_policy(settings)
    child = verified_child(make_user, portone)
    token = token_of(services.request_guardian_consent(child))
    guardian_verify(APIClient(), portone, token, **GUARDIAN)
    assert GuardianConsent.objects.exists()
    child.delete()
    assert not GuardianConsent.objects.exists()
    assert not GuardianConsentRequest.objects.exists()
    assert "김부모" not in raw_dump()


def test_the_admin_masks_and_logs_revocation(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    from django.test import Client

    guardian_policy(settings)
    admin_client = Client()
    admin_client.force_login(make_user(is_staff=True, is_superuser=True))
    child = verified_child(make_user, portone)
    consent = GuardianConsent.objects.create(
        child=child,
        guardian_name="김부모",
        guardian_birth_date=date(1980, 3, 3),
        guardian_ci_hash="f" * 64,
    )
    listing = admin_client.get("/admin/portone_cert/guardianconsent/").content.decode()
    assert "김*모" in listing and "김부모" not in listing
    detail = admin_client.get(f"/admin/portone_cert/guardianconsent/{consent.pk}/change/")
    assert "김부모" not in detail.content.decode() and "f" * 64 not in detail.content.decode()
    response = admin_client.post(
        "/admin/portone_cert/guardianconsent/",
        {"action": "revoke_consent", "_selected_action": [consent.pk]},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    log = LogEntry.objects.get()
    assert log.object_id == str(consent.pk) and "김부모" not in log.change_message


# --- settings and checks ---


def test_checks(settings: Any) -> None:
    assert check_children() == []
    configure(settings, CHILD_POLICY="sometimes", CHILD_AGE=True, GUARDIAN_REQUEST_TTL=0)
    assert {m.id for m in check_children()} == {
        "portone_cert.E050",
        "portone_cert.E051",
        "portone_cert.E052",
    }
    configure(settings, CHILD_POLICY="refuse", CHILD_AGE=12, GUARDIAN_REQUEST_TTL=60)
    assert [m.id for m in check_children()] == ["portone_cert.W051"]
    assert check_children_deploy() == []
    configure(settings, CHILD_POLICY="allow", CHILD_AGE=14)
    (warning,) = check_children_deploy()
    assert warning.id == "portone_cert.W050" and "개인정보 보호법 §22-2" in warning.hint


def test_checks_through_the_command(settings: Any) -> None:
    configure(settings, CHILD_POLICY="sometimes")
    with pytest.raises(SystemCheckError, match="E050"):
        call_command("check")


def test_an_unknown_policy_refuses(settings: Any, portone: FakePortOne, user: Any) -> None:
    configure(settings, CHILD_POLICY="Allow")
    assert verify(client_for(user), portone, **CHILD).json()["code"] == "child_not_allowed"


def test_check_deploy_names_the_law(settings: Any) -> None:
    from io import StringIO

    configure(settings, CHILD_POLICY="allow")
    out = StringIO()
    call_command("check", deploy=True, stdout=out, stderr=out)
    assert "portone_cert.W050" in out.getvalue() and "§22-2" in out.getvalue()


def test_a_withdrawal_is_not_hidden_behind_a_query_on_the_consent_url(
    api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    """``?action=revoke`` on ``certifications/`` is no second endpoint: withdrawal has its own."""
    configure(settings, CHILD_POLICY="guardian", SITE_URL="https://www.example.kr")
    child = make_user()
    assert verify(client_for(child), portone, **CHILD).status_code == 201
    token = token_of(services.request_guardian_consent(child))
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    guardian = APIClient()
    attempt = guardian.post(f"/portone-cert/guardian/{token}/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **GUARDIAN)
    body = certify_body(imp_uid, attempt["merchant_uid"])
    response = guardian.post(
        f"/portone-cert/guardian/{token}/certifications/?action=revoke", body, format="json"
    )
    assert response.status_code == 400  # a consent without the guardian's yes: invalid
    assert GuardianConsent.objects.get(child=child).revoked_at is None
