"""Re-verification: the same person verifying again keeps the identity current ("change my phone
number", 개명); another person is refused. And step-up gates ("verified within the last 5
minutes"), in each of the three shapes: refused as stale, the verify page with ``next``, the
same person verifies, back and allowed; another person is ``identity_mismatch``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert.models import VerifiedIdentity
from django_portone_cert.signals import identity_reverified, identity_verified
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure, verify
from tests.versions import certify_body

NEW_NAME = "홍길순"  # after a 개명: a new name, the same CI


@pytest.fixture(autouse=True)
def _both_versions(api_version: str) -> str:
    return api_version


@pytest.fixture
def reverified() -> Any:
    received: list[dict[str, Any]] = []
    identity_reverified.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t-rv")
    yield received
    identity_reverified.disconnect(dispatch_uid="t-rv")


def test_the_same_person_again_updates_name_phone_and_carrier(
    settings: Any,
    user: Any,
    portone: FakePortOne,
    reverified: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    configure(settings, STORE_PHONE=True)
    api = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        assert verify(api, portone, **PERSON).status_code == 201
    assert reverified == []  # a first verification is not a re-verification
    first = VerifiedIdentity.objects.get(user=user)
    assert first.phone == "01012345678" and first.carrier == "SKT"
    VerifiedIdentity.objects.filter(pk=first.pk).update(
        verified_at=timezone.now() - timedelta(days=400)
    )

    # 번호 이동 and 개명: a new phone, carrier and name; the CI stays.
    verified: list[dict[str, Any]] = []
    identity_verified.connect(lambda **kw: verified.append(kw), weak=False, dispatch_uid="t-v")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            attempt = api.post("/portone-cert/prepare/").json()
            imp_uid = portone.add_certification(
                merchant_uid=attempt["merchant_uid"],
                name=NEW_NAME,
                birth_date=PERSON["birth_date"],
                ci=portone.person_ci(**PERSON),
                phone="01098765432",
                carrier="KTF",
            )
            response = api.post(
                "/portone-cert/certifications/",
                certify_body(imp_uid, attempt["merchant_uid"]),
                format="json",
            )
    finally:
        identity_verified.disconnect(dispatch_uid="t-v")
    assert response.status_code == 201, response.content
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.pk == first.pk
    assert identity.name == NEW_NAME
    assert identity.phone == "01098765432" and identity.carrier == "KT"
    assert timezone.now() - identity.verified_at < timedelta(minutes=1)
    assert verified[0]["created"] is False
    assert len(reverified) == 1
    assert reverified[0]["identity"] == identity and reverified[0]["user"] == user
    assert sorted(reverified[0]["changed"]) == ["carrier", "name", "phone"]
    assert reverified[0]["attempt"].imp_uid == imp_uid


def test_the_same_person_again_without_changes_still_says_so(
    user: Any,
    portone: FakePortOne,
    reverified: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = client_for(user)
    assert verify(api, portone).status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        assert verify(api, portone).status_code == 201
    assert len(reverified) == 1 and reverified[0]["changed"] == []


def test_another_person_stays_identity_mismatch(
    user: Any,
    portone: FakePortOne,
    reverified: list[dict[str, Any]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    api = client_for(user)
    assert verify(api, portone).status_code == 201
    before = VerifiedIdentity.objects.values().get(user=user)
    with django_capture_on_commit_callbacks(execute=True):
        response = verify(api, portone, name="김타인", birth_date=date(1970, 1, 1))
    assert response.status_code == 409 and response.json()["code"] == "identity_mismatch"
    assert VerifiedIdentity.objects.values().get(user=user) == before
    assert reverified == []


# --- step-up: "verified within the last 5 minutes", the round trip in each shape ---


SHAPES = ["/step-up/fbv/", "/step-up/cbv/", "/step-up/api/"]


@pytest.fixture
def site(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.recovery_urls"


def stale(user: Any) -> None:
    VerifiedIdentity.objects.filter(user=user).update(
        verified_at=timezone.now() - timedelta(minutes=6)
    )


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize("url", SHAPES)
def test_step_up_round_trip(url: str, user: Any, portone: FakePortOne) -> None:
    browser = Client()
    browser.force_login(user)
    api = APIClient()
    api.force_login(user)
    assert verify(api, portone).status_code == 201
    assert browser.get(url).status_code == 200  # just verified: allowed
    stale(user)

    refused = browser.get(url)
    if url == "/step-up/api/":
        assert refused.status_code == 403
        assert refused.json()["code"] == "reverification_required"
        verify_page = f"/portone-cert/verify/?next={url}"
    else:
        assert refused.status_code == 302
        location = urlsplit(refused["Location"])
        assert location.path == "/portone-cert/verify/"
        query = parse_qs(location.query)
        assert query["next"] == [url] and query["reason"] == ["reverify"]
        verify_page = refused["Location"]
    page = browser.get(verify_page)
    assert page.status_code == 200 and page.context["config"]["next"] == url

    # The same person verifies (as the page's script does), and is let back in.
    assert verify(api, portone).status_code == 201
    assert browser.get(url).status_code == 200


@pytest.mark.usefixtures("site")
@pytest.mark.parametrize("url", SHAPES)
def test_step_up_by_another_person_is_refused(url: str, user: Any, portone: FakePortOne) -> None:
    browser = Client()
    browser.force_login(user)
    api = APIClient()
    api.force_login(user)
    assert verify(api, portone).status_code == 201
    stale(user)
    response = verify(api, portone, name="김타인", birth_date=date(1970, 1, 1))
    assert response.status_code == 409 and response.json()["code"] == "identity_mismatch"
    assert browser.get(url).status_code in (302, 403)  # still stale: still refused
