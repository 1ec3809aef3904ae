from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse, reverse_lazy
from django.utils import timezone

from django_portone_cert import gates
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.testing import FakePerson, FakePortOne
from tests.helpers import (
    client_for,
    configure,
    verify,
)

#: The CI the fake gives 홍길동, born 1990-05-17.
CI = FakePerson(name="홍길동", birth_date=date(1990, 5, 17)).ci


@pytest.fixture
def admin_client_(make_user: Any) -> Client:
    admin = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def identity(make_user: Any) -> VerifiedIdentity:
    now = timezone.now()
    person = make_user()
    CertificationAttempt.objects.create(user=person, status="verified", imp_uid="imp_900000000001")
    return VerifiedIdentity.objects.create(
        user=person,
        name="홍길동",
        birth_date=date(1990, 5, 17),
        provider="danal",
        ci=CI,
        imp_uid="imp_900000000001",
        certified_at=now,
        verified_at=now,
    )


def test_changelist_masks_personal_data(admin_client_: Client, identity: VerifiedIdentity) -> None:
    response = admin_client_.get(reverse("admin:portone_cert_verifiedidentity_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "홍*동" in html
    assert "홍길동" not in html
    assert CI[:20] not in html
    assert "1990" in html and "danal" in html


def test_detail_never_shows_the_full_ci(admin_client_: Client, identity: VerifiedIdentity) -> None:
    url = reverse("admin:portone_cert_verifiedidentity_change", args=[identity.pk])
    html = admin_client_.get(url).content.decode()
    assert CI[:6] + "…" in html
    assert CI[:20] not in html
    # Read-only: no save button.
    assert 'name="_save"' not in html


def test_search_by_user_fields(admin_client_: Client, identity: VerifiedIdentity) -> None:
    url = reverse("admin:portone_cert_verifiedidentity_changelist")
    username = identity.user.get_username()
    assert "홍*동" in admin_client_.get(url, {"q": username}).content.decode()
    assert "홍*동" not in admin_client_.get(url, {"q": "nobody-here"}).content.decode()


def test_no_add_or_change(admin_client_: Client, identity: VerifiedIdentity) -> None:
    assert admin_client_.get(reverse("admin:portone_cert_verifiedidentity_add")).status_code == 403
    assert (
        admin_client_.get(reverse("admin:portone_cert_certificationattempt_add")).status_code == 403
    )
    change = reverse("admin:portone_cert_verifiedidentity_change", args=[identity.pk])
    admin_client_.post(change, {"name": "changed"})
    identity.refresh_from_db()
    assert identity.name == "홍길동"


def test_attempt_changelist(admin_client_: Client, identity: VerifiedIdentity) -> None:
    url = reverse("admin:portone_cert_certificationattempt_changelist")
    attempt = CertificationAttempt.objects.get(imp_uid="imp_900000000001")
    assert attempt.merchant_uid in admin_client_.get(url, {"status": "verified"}).content.decode()
    assert attempt.merchant_uid not in admin_client_.get(url, {"status": "failed"}).content.decode()
    found = admin_client_.get(url, {"q": "imp_900000000001"}).content.decode()
    assert attempt.merchant_uid in found


def test_filters(admin_client_: Client, identity: VerifiedIdentity) -> None:
    url = reverse("admin:portone_cert_verifiedidentity_changelist")
    assert "홍*동" in admin_client_.get(url, {"provider": "danal"}).content.decode()
    assert "홍*동" not in admin_client_.get(url, {"provider": "kcp_v2"}).content.decode()


# --- a viewer filters only by what the admin offers ---

IDENTITIES = reverse_lazy("admin:portone_cert_verifiedidentity_changelist")
ATTEMPTS = reverse_lazy("admin:portone_cert_certificationattempt_changelist")


@pytest.fixture
def viewer(make_user: Any) -> Client:
    """Staff who may only look: the view permissions, nothing else."""
    staff = make_user(is_staff=True)
    if not hasattr(staff, "user_permissions"):
        pytest.skip("the swapped user model has no permissions: only superusers see the admin")
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="portone_cert", codename__startswith="view_"
        )
    )
    client = Client()
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "query",
    [
        {"name": "홍길동"},
        {"name__regex": "^홍"},
        {"name__startswith": "홍"},
        {"birth_date": "1990-05-17"},
        {"birth_date__year": "1990"},
        {"birth_date__gte": "1990-01-01"},
        {"imp_uid__startswith": "imp_9"},
        {"unique_ci_hash__isnull": "False"},
        {"carrier": "SKT"},
        {"provider__startswith": "d"},
        {"verified_at__year__gte": "2000"},
        {"user__password__startswith": "md5$"},
        {"user__email__startswith": "user"},
        {"user": "1"},
        {"ci_hash__startswith": "a"},
    ],
)
def test_viewer_cannot_filter_identities_by_what_is_not_offered(
    viewer: Client, identity: VerifiedIdentity, query: dict[str, str]
) -> None:
    response = viewer.get(IDENTITIES, query)
    # Django's refusal of a lookup the admin does not allow: 400, no list at all.
    assert response.status_code == 400
    html = response.content.decode()
    assert "홍*동" not in html and "result_list" not in html


@pytest.mark.parametrize(
    "query",
    [
        {"session_key__startswith": "a"},
        {"imp_uid": "imp_900000000001"},
        {"merchant_uid__startswith": "cert"},
        {"failure_code__in": "x,y"},
        {"user__password__startswith": "md5$"},
        {"result__isnull": "False"},
    ],
)
def test_viewer_cannot_filter_attempts_by_what_is_not_offered(
    viewer: Client, identity: VerifiedIdentity, query: dict[str, str]
) -> None:
    response = viewer.get(ATTEMPTS, query)
    assert response.status_code == 400
    attempt = CertificationAttempt.objects.get(imp_uid="imp_900000000001")
    assert attempt.merchant_uid not in response.content.decode()


def filter_links(html: str, url: str) -> list[str]:
    """Every link of a changelist page to itself: filters, date hierarchy, sorting, ci_hash."""
    hrefs = re.findall(rf'href="(?:{re.escape(str(url))})?(\?[^"]*)"', html)
    return sorted({unescape(href) for href in hrefs})


@pytest.mark.parametrize("url", [IDENTITIES, ATTEMPTS])
def test_every_link_the_admin_shows_still_works(
    viewer: Client, identity: VerifiedIdentity, make_user: Any, url: str
) -> None:
    # A second account of the same person, for the "accounts of this person" link.
    VerifiedIdentity.objects.create(
        user=make_user(),
        name="홍길동",
        birth_date=identity.birth_date,
        provider="kcp_v2",
        ci_hash=identity.ci_hash or "h" * 64,
        imp_uid="imp_900000000002",
        certified_at=identity.certified_at,
        verified_at=identity.verified_at,
    )
    VerifiedIdentity.objects.filter(pk=identity.pk).update(ci_hash=identity.ci_hash or "h" * 64)
    links = filter_links(viewer.get(url).content.decode(), url)
    assert len(links) > 10
    if url == IDENTITIES:
        assert any(link.startswith("?ci_hash=") for link in links)
        assert any("verified_at__gte=" in link for link in links)
    hierarchy = f"{'verified_at' if url == IDENTITIES else 'created_at'}__year="
    assert any(hierarchy in link for link in links)
    for link in links:
        response = viewer.get(f"{url}{link}")
        assert response.status_code == 200, link
        if hierarchy in link:  # drilling down the date hierarchy: month, then day
            for deeper in filter_links(response.content.decode(), url):
                if "__month=" in deeper:
                    assert viewer.get(f"{url}{deeper}").status_code == 200, deeper


def test_viewer_filters(viewer: Client, identity: VerifiedIdentity) -> None:
    assert "홍*동" in viewer.get(IDENTITIES, {"provider": "danal"}).content.decode()
    assert "홍*동" not in viewer.get(IDENTITIES, {"provider": "kcp_v2"}).content.decode()
    year = str(identity.verified_at.year)
    assert "홍*동" in viewer.get(IDENTITIES, {"verified_at__year": year}).content.decode()
    assert "홍*동" in viewer.get(IDENTITIES, {"is_foreigner__isnull": "True"}).content.decode()
    assert "홍*동" in viewer.get(IDENTITIES, {"q": identity.user.get_username()}).content.decode()
    attempt = CertificationAttempt.objects.get(imp_uid="imp_900000000001")
    assert (
        attempt.merchant_uid in viewer.get(ATTEMPTS, {"status__exact": "verified"}).content.decode()
    )


def test_superusers_filter_only_by_what_is_offered_too(
    admin_client_: Client, identity: VerifiedIdentity
) -> None:
    assert admin_client_.get(IDENTITIES, {"name": "홍길동"}).status_code == 400
    assert admin_client_.get(ATTEMPTS, {"session_key__startswith": "a"}).status_code == 400
    assert admin_client_.get(IDENTITIES, {"ci_hash": identity.ci_hash}).status_code == 200


def test_admin_pages_are_masked(make_user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, STORE_PHONE=True)
    user = make_user()
    assert (
        verify(client_for(user), portone, name="남궁민수", birth_date=date(1980, 1, 1)).status_code
        == 201
    )
    identity = VerifiedIdentity.objects.get(user=user)
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    listing = browser.get("/admin/portone_cert/verifiedidentity/").content.decode()
    detail = browser.get(
        f"/admin/portone_cert/verifiedidentity/{identity.pk}/change/"
    ).content.decode()
    attempts = browser.get("/admin/portone_cert/certificationattempt/").content.decode()
    assert "남**수" in listing and "남궁민수" not in listing
    for page in (listing, detail, attempts):
        assert identity.ci[:20] not in page
        assert "01012345678" not in page
    assert "010****5678" in detail and identity.ci[:6] + "…" in detail


def test_revoke_is_logged(make_user: Any, portone: FakePortOne) -> None:
    user = make_user()
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        "/admin/portone_cert/verifiedidentity/",
        {"action": "revoke_verification", "_selected_action": [identity.pk]},
    )
    assert response.status_code == 302
    assert not VerifiedIdentity.objects.exists()
    entry = LogEntry.objects.get()
    assert entry.user == admin and entry.action_flag == DELETION
    assert entry.object_id == str(identity.pk)
    assert "홍길동" not in entry.object_repr and "Revoked" in entry.get_change_message()
    # The user is sent to verify again.
    assert gates.get_identity(type(user).objects.get(pk=user.pk)) is None
