"""The admin's statistics page: counts by day, code, provider; only for who may view both."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from django_portone_cert.admin_statistics import DAYS, bars, gather
from django_portone_cert.models import CertificationAttempt
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePortOne
from tests.helpers import client_for, verify

URL = "/admin/portone_cert/certificationattempt/statistics/"


def staff(make_user: Any, *codenames: str) -> Client:
    user = make_user(is_staff=True)
    if not hasattr(user, "user_permissions"):
        pytest.skip("the swapped user model has no permissions: only superusers see the admin")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="portone_cert", codename__in=codenames)
    )
    client = Client()
    client.force_login(user)
    return client


VIEW_BOTH = ("view_certificationattempt", "view_verifiedidentity")


def test_the_url_name() -> None:
    assert reverse("admin:portone_cert_statistics") == URL


@pytest.mark.parametrize(
    ("codenames", "status"),
    [(VIEW_BOTH, 200), (("view_certificationattempt",), 403), (("view_verifiedidentity",), 403)],
)
def test_staff_with_view_permission_on_both(
    codenames: tuple[str, ...], status: int, make_user: Any
) -> None:
    assert staff(make_user, *codenames).get(URL).status_code == status


@pytest.fixture
def admin_client(make_user: Any) -> Client:
    """A superuser, whatever the user model (pytest-django's needs ``create_superuser``)."""
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_not_for_visitors_or_users(make_user: Any) -> None:
    assert Client().get(URL).status_code == 302  # to the admin's login
    client = Client()
    client.force_login(make_user())
    assert client.get(URL).status_code == 302


def test_counts_by_day_outcome_code_and_provider(
    api_version: str,
    portone: FakePortOne,
    make_user: Any,
    django_assert_num_queries: Any,
) -> None:
    assert verify(client_for(make_user()), portone).status_code == 201
    assert verify(client_for(make_user()), portone, name="김철수", ci=None).status_code == 400
    user = make_user()
    client_for(user).post("/portone-cert/prepare/")  # left pending
    old = CertificationAttempt.objects.create(user=user, status="failed", failure_code="invalid")
    CertificationAttempt.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=DAYS)
    )  # a day too old: not counted
    with django_assert_num_queries(2):
        stats = gather()
    assert len(stats.days) == DAYS and stats.days[-1].label == timezone.localdate().isoformat()
    assert stats.days[-1].counts == {"verified": 1, "failed": 1, "pending": 1}
    assert stats.totals == {"verified": 1, "failed": 1, "pending": 1}
    assert stats.success_rate == 50.0
    assert [(bar.label, bar.counts) for bar in stats.codes] == [("ci_missing", {"failed": 1})]
    assert [(bar.label, bar.counts) for bar in stats.providers] == [
        (f"danal ({api_version.upper()})", {"verified": 1})
    ]


def test_the_page_draws_its_bars_and_shows_no_one(
    portone: FakePortOne, make_user: Any, admin_client: Client
) -> None:
    verified = make_user()
    assert verify(client_for(verified), portone, phone="01055556666").status_code == 201
    assert verify(client_for(make_user()), portone, name="김철수", ci=None).status_code == 400
    page = admin_client.get(URL)
    html = page.content.decode()
    assert page.status_code == 200
    assert '<rect class="pc-verified" x="0.0" y="0" width="100.0" height="10">' in html
    assert "ci_missing" in html and "danal (V1)" in html
    attempt = CertificationAttempt.objects.filter(status="verified").get()
    shown = [value for value in ISSUED_PERSONAL_DATA if value in html]
    assert shown == []
    for value in (verified.get_username(), attempt.merchant_uid, attempt.imp_uid):
        assert value not in html
    assert "<script" not in html.split('id="content-main"')[1]
    assert "https://" not in html  # nothing from a CDN


def test_linked_from_the_app_index_and_the_attempts_list(
    admin_client: Client, make_user: Any
) -> None:
    assert URL in admin_client.get("/admin/portone_cert/").content.decode()
    assert URL in admin_client.get("/admin/portone_cert/certificationattempt/").content.decode()
    other = staff(make_user, "view_certificationattempt")
    assert URL not in other.get("/admin/portone_cert/").content.decode()


def test_bars_scale_to_the_longest_row() -> None:
    drawn = bars([("a", {"x": 2, "y": 2}), ("b", {"x": 1}), ("c", {})], ("x", "y"))
    assert [bar.segments for bar in drawn] == [
        [("x", 0.0, 50.0), ("y", 50.0, 50.0)],
        [("x", 0.0, 25.0)],
        [],
    ]


def test_numbers_in_the_svg_are_never_localised(admin_client: Client, settings: Any) -> None:
    settings.LANGUAGE_CODE = "de"  # a decimal comma, if anything were localised
    CertificationAttempt.objects.create(status="failed", failure_code="invalid", session_key="s")
    CertificationAttempt.objects.create(status="pending", session_key="t")
    CertificationAttempt.objects.create(status="pending", session_key="u")
    html = admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert '<rect class="pc-pending" x="33.33" y="0" width="66.67" height="10">' in html
    assert "33,33" not in html
