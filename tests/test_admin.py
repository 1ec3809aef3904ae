from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from tests.portone_stub import CI


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
