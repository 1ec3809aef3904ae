"""Whose attempt a certify may count a lookup for, on both paths of core/lookups.py: the
one statement and the step-by-step fallback refuse alike, count nothing they refuse, and
never take another requester's attempt as the run's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert.core import attempts
from django_portone_cert.models import CertificationAttempt
from django_portone_cert.signals import verification_failed
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure, request_with_session
from tests.versions import certify_body

PREPARE = "/portone-cert/prepare/"
CERTIFY = "/portone-cert/certifications/"
RECOVERY_CERTIFY = "/portone-cert/recovery/certifications/"


@pytest.fixture
def visitors(settings: Any) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True, ACCOUNT_RECOVERY=True)


def session_key(client: APIClient) -> str:
    return str(client.cookies["sessionid"].value)


def visitor() -> tuple[APIClient, str]:
    """A visitor with a session, and the verification attempt it prepared."""
    client = APIClient()
    return client, client.post(PREPARE).json()["merchant_uid"]


def attempt_of(client: APIClient, purpose: str) -> str:
    """An attempt for ``purpose`` bound to ``client``'s session, as its flow would mint it."""
    attempt = CertificationAttempt.objects.create(
        session_key=session_key(client),
        purpose=purpose,
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    return attempt.merchant_uid


def refused(
    client: APIClient, portone: FakePortOne, merchant_uid: str, url: str = CERTIFY
) -> tuple[int, str]:
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    asked = portone.certification_requests
    response = client.post(url, certify_body(imp_uid, merchant_uid), format="json")
    assert portone.certification_requests == asked, "PortOne was asked"
    assert CertificationAttempt.objects.get(merchant_uid=merchant_uid).lookups == 0
    return response.status_code, response.json()["code"]


MISMATCH = (400, "attempt_mismatch")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("purpose", ["recovery", "guardian"])
def test_a_recovery_or_guardian_attempt_at_certifications(
    lookup_path: str, visitors: None, portone: FakePortOne, purpose: str
) -> None:
    client, _ = visitor()
    assert refused(client, portone, attempt_of(client, purpose)) == MISMATCH


@pytest.mark.parametrize("purpose", ["verification", "guardian"])
def test_a_verification_or_guardian_attempt_at_recovery(
    lookup_path: str, visitors: None, portone: FakePortOne, purpose: str
) -> None:
    client, _ = visitor()
    merchant_uid = attempt_of(client, purpose)
    assert refused(client, portone, merchant_uid, RECOVERY_CERTIFY) == MISMATCH


def test_a_logged_in_user_posting_a_visitors_attempt(
    lookup_path: str, visitors: None, portone: FakePortOne, make_user: Any
) -> None:
    _, merchant_uid = visitor()
    assert refused(client_for(make_user()), portone, merchant_uid) == MISMATCH


def test_a_visitor_who_logs_in_leaves_the_visitors_attempt(
    lookup_path: str, visitors: None, portone: FakePortOne, make_user: Any
) -> None:
    """Logged in, a verification binds to the account: the session's attempt is not theirs."""
    client, merchant_uid = visitor()
    client.force_authenticate(make_user())
    assert refused(client, portone, merchant_uid) == MISMATCH


def test_a_visitor_posting_a_users_attempt(
    lookup_path: str, visitors: None, portone: FakePortOne, make_user: Any
) -> None:
    merchant_uid = client_for(make_user()).post(PREPARE).json()["merchant_uid"]
    client, _ = visitor()
    assert refused(client, portone, merchant_uid) == MISMATCH


def test_a_visitor_without_a_session(
    lookup_path: str, visitors: None, portone: FakePortOne
) -> None:
    """No session key: not even an attempt stored with an empty key is theirs."""
    CertificationAttempt.objects.create(expires_at=timezone.now() + timedelta(minutes=10))
    stray = CertificationAttempt.objects.get()
    assert (stray.user_id, stray.session_key) == (None, "")
    assert refused(APIClient(), portone, stray.merchant_uid) == MISMATCH


def test_the_old_key_of_a_rotated_session(
    lookup_path: str, visitors: None, portone: FakePortOne
) -> None:
    """A visitor verifies (the session key rotates); whoever kept the old cookie cannot use
    the other attempt still bound to the old key."""
    client, left = visitor()
    old_key = session_key(client)
    used = client.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=used, **PERSON)
    assert client.post(CERTIFY, certify_body(imp_uid, used), format="json").status_code == 201
    assert session_key(client) != old_key
    kept = APIClient()
    kept.cookies["sessionid"] = old_key
    assert refused(kept, portone, left) == MISMATCH


def test_someone_elses_used_attempt_is_not_taken_as_the_runs(
    lookup_path: str,
    visitors: None,
    portone: FakePortOne,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """A stranger posts a visitor's spent attempt and its result: refused as used, and the
    visitor's attempt (its held result) is neither the refused run's nor in its signal."""
    client, merchant_uid = visitor()
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    assert client.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json").status_code
    seen: list[Any] = []

    def receiver(**kwargs: Any) -> None:
        seen.append(kwargs["attempt"])

    verification_failed.connect(receiver, dispatch_uid="lookup-binding")
    try:
        for stranger in (APIClient(), client_for(make_user())):
            stranger.post(PREPARE)
            body = certify_body(imp_uid, merchant_uid)
            with django_capture_on_commit_callbacks(execute=True):
                response = stranger.post(CERTIFY, body, format="json")
            assert (response.status_code, response.json()["code"]) == (409, "certification_used")
    finally:
        verification_failed.disconnect(dispatch_uid="lookup-binding")
    assert seen == [None, None]


def test_a_stranger_cannot_overwrite_a_refused_visitors_record(
    lookup_path: str, visitors: None, portone: FakePortOne
) -> None:
    """A visitor's result later refused (a child under "refuse") keeps its result id and its
    failure; a stranger replaying that id leaves the record as it was."""
    client, merchant_uid = visitor()
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    assert client.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json").status_code
    CertificationAttempt.objects.filter(merchant_uid=merchant_uid).update(
        status="failed", failure_code="child_not_allowed", result=""
    )
    stranger = APIClient()
    stranger.post(PREPARE)
    response = stranger.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "certification_used")
    record = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert record.failure_code == "child_not_allowed"


def test_the_run_names_only_the_requesters_attempt(visitors: None, make_user: Any) -> None:
    """_requesters_attempt, handed a used result of a visitor's attempt by someone else."""
    owner = CertificationAttempt.objects.create(
        session_key="s" * 32,
        imp_uid="imp_000000000001",
        status="verified",
        expires_at=timezone.now() + timedelta(minutes=10),
    )
    for user, request in (
        (make_user(), None),
        (None, request_with_session(None)),
    ):
        attempt, used = attempts._requesters_attempt(
            user, owner.merchant_uid, "imp_000000000001", request, "verification"
        )
        assert (attempt, used) == (None, True)
