"""Findings of the security review (each xfail(strict) until fixed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from django_portone_cert.models import VerifiedIdentity
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePortOne
from tests.helpers import PERSON, client_for, configure, verify
from tests.versions import certify_body

PREPARE = "/portone-cert/prepare/"
CERTIFY = "/portone-cert/certifications/"


def _leaks(text: str) -> list[str]:
    return sorted(value for value in ISSUED_PERSONAL_DATA if value in text)


def _report(request: Any, caught: Any) -> str:
    reporter = ExceptionReporter(request, caught.type, caught.value, caught.tb)
    return reporter.get_traceback_html() + reporter.get_traceback_text()


@pytest.mark.xfail(
    strict=True,
    reason="F1: an out-of-range instant from PortOne (V1 certified_at, V2 verifiedAt) is an "
    "uncaught ValueError/OverflowError: Django's HTML 500 instead of JSON portone_error, "
    "and the attempt is left pending with a lookup spent",
)
def test_f1_out_of_range_instant_from_portone_answers_json(
    api_version: str, portone: FakePortOne, user: Any
) -> None:
    from django_portone_cert.sandbox.fake import _v2_record

    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    merchant_uid = client.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    if api_version == "v1":
        portone.update_certification(imp_uid, certified_at=10**12 * 400)
    else:
        record = _v2_record(portone.get_record(imp_uid) or {})
        record["verifiedAt"] = "9999-12-31T23:59:59-23:59"  # parses; cannot be stored in UTC
        portone.inject_response(200, json=record)
    response = client.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert response["Content-Type"].startswith("application/json")
    assert response.status_code == 502
    assert response.json()["code"] == "portone_error"


@pytest.mark.xfail(
    strict=True,
    reason="F2: a CI-less result with the same name and birth date is taken as the person "
    "stored under a CI and overwrites their phone, carrier, provider (DOMAIN: update the "
    "stored phone only from a new verification of the same CI)",
)
def test_f2_ci_less_result_does_not_overwrite_a_ci_identity(
    settings: Any, portone: FakePortOne, user: Any
) -> None:
    configure(settings, REQUIRE_CI=False, STORE_PHONE=True)
    client = client_for(user)
    first = verify(client, portone, provider="kcp_v2", phone="01011112222", **PERSON)
    assert first.status_code == 201
    before = VerifiedIdentity.objects.get(user=user)
    assert before.phone == "01011112222" and before.ci_hash
    # Another person of the same name and birth date (common in Korea), through a
    # method that gives no CI, verifies on this account (a shared or stolen session).
    response = verify(client, portone, provider="kcp_v2", phone="01099998888", ci=None, **PERSON)
    after = VerifiedIdentity.objects.get(user=user)
    assert response.status_code == 409
    assert after.phone == "01011112222"


@pytest.mark.xfail(
    strict=True,
    reason="F3: the rotate command cannot re-key tombstones (a hash only) and says nothing: "
    "once it succeeds and the old SECRET_KEY leaves SECRET_KEY_FALLBACKS (as the docs and "
    "tests say it may), every live tombstone stops matching and re-sign-up is unblocked",
)
def test_f3_tombstones_survive_a_completed_secret_key_rotation(
    make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    from datetime import timedelta
    from io import StringIO

    from django.core.management import CommandError, call_command

    settings.SECRET_KEY = "first-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=90))
    closed = make_user()
    assert verify(client_for(closed), portone).status_code == 201
    closed.delete()  # the person is blocked from signing up again for 90 days
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "second-secret-key-" + "y" * 40
    out = StringIO()
    try:
        call_command("portone_cert_rotate_keys", stdout=out, stderr=out)
    except CommandError as err:
        out.write(str(err))
    warned = "tombstone" in out.getvalue().lower()
    settings.SECRET_KEY_FALLBACKS = []  # "the old SECRET_KEY can go now"
    response = verify(client_for(make_user()), portone)
    assert warned or response.json().get("code") == "reregistration_blocked"


@pytest.mark.xfail(
    strict=True,
    reason="F4: Verification and PendingVerification (dataclasses the views and the site's "
    "sign-up hold) have the default repr with the full name and birth date: any later error "
    "in CertifyView.post (or the site's sign-up view) puts them in the 500 error report",
)
def test_f4_error_report_after_a_visitor_verification_shows_no_name(
    visitor: APIClient, portone: FakePortOne, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.backends.db import SessionStore as DBStore

    from django_portone_cert import signup

    client = APIClient(raise_request_exception=True)
    merchant_uid = client.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    session_id = client.cookies["sessionid"].value
    real_save = DBStore.save
    calls = []

    def save(self: Any, must_create: bool = False) -> None:
        calls.append(must_create)
        if not must_create:  # the view's explicit save: the session was deleted meanwhile
            raise UpdateError()
        real_save(self, must_create)

    monkeypatch.setattr(DBStore, "save", save)
    request = RequestFactory().post(
        CERTIFY, certify_body(imp_uid, merchant_uid), content_type="application/json"
    )
    request.session = DBStore(session_id)
    request.user = AnonymousUser()
    request._dont_enforce_csrf_checks = True
    from django_portone_cert.views import CertifyView

    with pytest.raises(UpdateError) as caught:
        CertifyView.as_view()(request)
    report = _report(request, caught)
    monkeypatch.undo()
    pending = signup.pending_verification(request)
    assert PERSON["name"] not in report
    assert pending is None or PERSON["name"] not in repr(pending)


@pytest.mark.xfail(
    strict=True,
    reason="F5: a carrier PortOne sends that the app does not know is kept 'as sent' and "
    "written to a 16-character column: PostgreSQL refuses it (DataError), which is answered "
    "as a database outage (503 service_unavailable, logged as an error) on every retry",
)
def test_f5_an_unknown_long_carrier_does_not_fail_the_verification(
    portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, STORE_PHONE=True)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    merchant_uid = client.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, provider="kcp_v2", **PERSON)
    portone.update_certification(imp_uid, carrier="SKT_MVNO_SOMETHING_NEW")
    response = client.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert response.status_code == 201
    carrier = VerifiedIdentity.objects.get(user=user).carrier
    assert len(carrier) <= VerifiedIdentity._meta.get_field("carrier").max_length


@pytest.mark.xfail(
    strict=True,
    reason="F6: the visitor's verification rotates the session key but not the CSRF token, "
    "unlike login() (rotate_token): a CSRF cookie fixed beforehand (cookie tossing from a "
    "sibling subdomain) still lets a same-site page post the sign-up that claims the result",
)
def test_f6_a_visitors_verification_rotates_the_csrf_token_like_login(
    visitor: APIClient, portone: FakePortOne
) -> None:
    fixed = "f" * 32
    visitor.cookies["csrftoken"] = fixed
    response = verify(visitor, portone)
    assert response.status_code == 201
    assert response.json()["pending_signup"] is True
    new = response.cookies.get("csrftoken")
    assert new is not None and new.value != fixed
