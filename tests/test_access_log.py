"""The personal-data access log (접속기록): what the admin records, the log's own admin, the
append-only guard, the keyed hash chain, retention and purge."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from django_portone_cert import accesslog, retention
from django_portone_cert.checks.rights import check_access_log
from django_portone_cert.models import (
    AppendOnly,
    GuardianConsent,
    PersonalDataAccess,
    VerifiedIdentity,
)
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePerson
from tests.helpers import raw_dump

Action = PersonalDataAccess.Action
CI = FakePerson(name="홍길동", birth_date=date(1990, 5, 17)).ci


def staff_client(make_user: Any, *perms: str, **extra: Any) -> tuple[Any, Client]:
    staff = make_user(is_staff=True, **extra)
    for codename in perms:
        staff.user_permissions.add(Permission.objects.get(codename=codename))
    client = Client()
    client.force_login(staff)
    return staff, client


@pytest.fixture
def identity(make_user: Any) -> VerifiedIdentity:
    now = timezone.now()
    return VerifiedIdentity.objects.create(
        user=make_user(),
        name="홍길동",
        birth_date=date(1990, 5, 17),
        provider="danal",
        ci=CI,
        ci_hash="a" * 64,
        phone="01012345678",
        imp_uid="imp_910000000001",
        certified_at=now,
        verified_at=now,
    )


def rows() -> list[PersonalDataAccess]:
    return list(PersonalDataAccess.objects.order_by("id"))


def test_an_identity_page_is_recorded_without_the_data(
    make_user: Any, identity: VerifiedIdentity
) -> None:
    staff, client = staff_client(make_user, "view_verifiedidentity")
    url = reverse("admin:portone_cert_verifiedidentity_change", args=[identity.pk])
    assert client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200
    [row] = rows()
    assert (row.staff_id, row.staff_username) == (str(staff.pk), staff.get_username())
    assert (row.address, row.subject_id) == ("203.0.113.7", str(identity.user_id))
    assert (row.action, row.target, row.reason) == (Action.VIEW, "verifiedidentity", "")
    cells = " ".join(str(value) for value in PersonalDataAccess.objects.values().get().values())
    assert "홍길동" not in cells and CI[:12] not in cells and "1234" not in cells


def test_a_search_records_the_people_shown_never_the_search(
    make_user: Any, identity: VerifiedIdentity
) -> None:
    other = VerifiedIdentity.objects.create(
        user=make_user(),
        name="김철수",
        birth_date=date(1985, 1, 2),
        imp_uid="imp_910000000002",
        certified_at=timezone.now(),
        verified_at=timezone.now(),
    )
    _, client = staff_client(make_user, "view_verifiedidentity")
    url = reverse("admin:portone_cert_verifiedidentity_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"o": "1"}).status_code == 200
    assert rows() == []  # the plain list (masked) is no one in particular
    username = identity.user.get_username()
    assert client.get(url, {"q": username}).status_code == 200
    assert [(row.action, row.subject_id) for row in rows()] == [
        (Action.SEARCH, str(identity.user_id))
    ]
    assert client.get(url, {"provider": "danal"}).status_code == 200
    assert len(rows()) == 2
    assert username not in raw_dump()
    assert str(other.user_id) not in {row.subject_id for row in rows()}


def test_a_guardian_consent_page_and_a_revocation_are_recorded(
    make_user: Any, identity: VerifiedIdentity
) -> None:
    consent = GuardianConsent.objects.create(
        child=identity.user, guardian_name="홍아빠", guardian_birth_date=date(1960, 1, 1)
    )
    _, client = staff_client(make_user, "view_guardianconsent", "change_guardianconsent")
    page = reverse("admin:portone_cert_guardianconsent_change", args=[consent.pk])
    assert client.get(page).status_code == 200
    changelist = reverse("admin:portone_cert_guardianconsent_changelist")
    client.post(changelist, {"action": "revoke_consent", "_selected_action": [consent.pk]})
    assert [(row.action, row.target, row.subject_id) for row in rows()] == [
        (Action.VIEW, "guardianconsent", str(identity.user_id)),
        (Action.REVOKE, "guardianconsent", str(identity.user_id)),
    ]
    assert "홍아빠" not in " ".join(row.staff_username + row.reason for row in rows())


def test_revoking_an_identity_is_recorded(make_user: Any, identity: VerifiedIdentity) -> None:
    _, client = staff_client(make_user, "view_verifiedidentity", "delete_verifiedidentity")
    changelist = reverse("admin:portone_cert_verifiedidentity_changelist")
    client.post(changelist, {"action": "revoke_verification", "_selected_action": [identity.pk]})
    assert not VerifiedIdentity.objects.exists()
    assert [(row.action, row.subject_id) for row in rows()] == [
        (Action.REVOKE, str(identity.user_id))
    ]


def test_the_address_is_the_one_drf_trusts(
    make_user: Any, identity: VerifiedIdentity, settings: Any
) -> None:
    _, client = staff_client(make_user, "view_verifiedidentity")
    url = reverse("admin:portone_cert_verifiedidentity_change", args=[identity.pk])
    forged = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.9"}
    client.get(url, **forged)  # no proxy configured: the header is the client's own word
    settings.REST_FRAMEWORK = {"NUM_PROXIES": 1}
    client.get(url, **forged)
    assert [row.address for row in rows()] == ["10.0.0.1", "198.51.100.9"]


def test_the_log_has_its_own_read_only_admin(make_user: Any, identity: VerifiedIdentity) -> None:
    _, viewer = staff_client(make_user, "view_verifiedidentity")
    viewer.get(reverse("admin:portone_cert_verifiedidentity_change", args=[identity.pk]))
    row = rows()[0]
    changelist = reverse("admin:portone_cert_personaldataaccess_changelist")
    assert viewer.get(changelist).status_code == 403  # seeing people is not auditing
    _, auditor = staff_client(make_user, "view_personaldataaccess")
    response = auditor.get(changelist)
    assert response.status_code == 200 and f">{row.pk}<" in response.content.decode()
    _, superuser = staff_client(make_user, is_superuser=True)
    assert superuser.get(reverse("admin:portone_cert_personaldataaccess_add")).status_code == 403
    delete = reverse("admin:portone_cert_personaldataaccess_delete", args=[row.pk])
    assert superuser.get(delete).status_code == 403
    assert superuser.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:portone_cert_personaldataaccess_change", args=[row.pk])
    html = superuser.get(change).content.decode()
    assert 'name="_save"' not in html
    superuser.post(change, {"reason": "edited"})
    superuser.post(
        changelist, {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert rows() == [row] and rows()[0].reason == ""
    assert accesslog.verify_chain().intact


def _record(subject: Any = 1, action: str = Action.VIEW, **extra: Any) -> PersonalDataAccess:
    request: Any = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
    request.user = extra.pop("staff")
    return accesslog.record(request, action, [subject], target="verifiedidentity", **extra)[0]


def test_rows_cannot_be_changed_or_deleted(user: Any) -> None:
    row = _record(staff=user)
    row.reason = "changed"
    with pytest.raises(AppendOnly):
        row.save()
    with pytest.raises(AppendOnly):
        row.delete()
    with pytest.raises(AppendOnly):
        PersonalDataAccess.objects.filter(pk=row.pk).update(reason="changed")
    with pytest.raises(AppendOnly):
        PersonalDataAccess.objects.all().delete()
    assert PersonalDataAccess.objects.get().reason == ""


def test_an_export_needs_its_reason(user: Any) -> None:
    with pytest.raises(ValueError, match="reason"):
        _record(staff=user, action=Action.EXPORT)
    assert _record(staff=user, action=Action.EXPORT, reason="분쟁 대응 (민원 123)").reason
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError, match="logged-in"):
        _record(staff=AnonymousUser())


def test_the_chain_catches_an_edited_row(user: Any) -> None:
    written = [_record(n, staff=user) for n in range(1, 5)]
    state = accesslog.verify_chain()
    assert state.intact and state.rows == 4
    assert (state.head_id, state.head_hash) == (written[-1].pk, written[-1].row_hash)
    assert written[1].previous_hash == written[0].row_hash and written[0].previous_hash == ""
    table = connection.ops.quote_name(PersonalDataAccess._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET subject_id = %s WHERE id = %s", ["99", written[2].pk])  # noqa: S608
    assert accesslog.verify_chain().broken_at == written[2].pk
    [error] = check_access_log(databases=["default"])
    assert error.id == "portone_cert.E072" and f"#{written[2].pk}" in error.msg


def test_the_chain_catches_a_removed_or_rehashed_row(user: Any) -> None:
    written = [_record(n, staff=user) for n in range(1, 5)]
    table = connection.ops.quote_name(PersonalDataAccess._meta.db_table)
    # Someone without the key recomputes a plain hash for an edited row: still caught.
    forged = accesslog._seal(written[0], b"not-the-key")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET row_hash = %s WHERE id = %s", [forged, written[0].pk])  # noqa: S608
    assert accesslog.verify_chain().broken_at == written[0].pk
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id <= %s", [written[1].pk])  # noqa: S608
    assert accesslog.verify_chain().intact  # the old end went, as a purge takes it
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [written[2].pk])  # noqa: S608
    assert accesslog.verify_chain().intact  # now the oldest kept: nothing before it to check
    assert check_access_log(databases=["default"]) == []


def test_two_years_then_purge(user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    now = timezone.now()
    for days in (800, 740, 10):
        monkeypatch.setattr(timezone, "now", lambda days=days: now - timedelta(days=days))
        _record(days, staff=user)
    monkeypatch.undo()
    report = retention.purge(now + timedelta(days=1))
    assert report.access_records == 2
    first, last = report.covered["access_records"]
    assert (first.date(), last.date()) == (
        (now - timedelta(days=800)).date(),
        (now - timedelta(days=740)).date(),
    )
    assert [row.subject_id for row in rows()] == ["10"]
    assert accesslog.verify_chain().intact  # from the oldest row kept
    _record(11, staff=user)
    assert accesslog.verify_chain().intact and accesslog.verify_chain().rows == 2
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "ACCESS_LOG_RETENTION": timedelta(days=5)}
    assert retention.purge(now).access_records == 1


def test_purge_prints_its_destruction_record(
    user: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    old = datetime(2020, 3, 4, 12, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: old)
    _record(staff=user)
    monkeypatch.undo()
    call_command("portone_cert_purge")
    out = capsys.readouterr().out
    assert "1 access-log records" in out
    assert "access_records: dated 2020-03-04 to 2020-03-04" in out
    call_command("portone_cert_purge", "--json")
    assert '"access_records": 0' in capsys.readouterr().out


def test_the_log_and_the_report_hold_no_issued_personal_data(
    api_version: str, portone: Any, make_user: Any, capsys: Any
) -> None:
    from tests.helpers import client_for, verify

    person = make_user()
    assert verify(client_for(person), portone).status_code == 201
    identity = VerifiedIdentity.objects.get()
    _, client = staff_client(make_user, "view_verifiedidentity")
    client.get(reverse("admin:portone_cert_verifiedidentity_change", args=[identity.pk]))
    client.get(reverse("admin:portone_cert_verifiedidentity_changelist"), {"q": "user"})
    dump = " ".join(
        str(value) for row in PersonalDataAccess.objects.values() for value in row.values()
    )
    assert len(rows()) == 2
    assert ISSUED_PERSONAL_DATA and not [value for value in ISSUED_PERSONAL_DATA if value in dump]
    from django_portone_cert.ages import today_kst

    month = today_kst().strftime("%Y-%m")
    call_command("portone_cert_access_report", "--month", month)
    call_command("portone_cert_access_report", "--month", month, "--json")
    report = capsys.readouterr().out
    assert ": 2 records" in report and '"records": 2' in report
    assert not [value for value in ISSUED_PERSONAL_DATA if value in report]


def test_the_check_walks_the_newest_rows(user: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from django_portone_cert.checks import rights as rights_checks

    written = [_record(n, staff=user) for n in range(1, 6)]
    table = connection.ops.quote_name(PersonalDataAccess._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET action = 'search' WHERE id = %s", [written[1].pk])  # noqa: S608
    monkeypatch.setattr(rights_checks, "CHECKED_ROWS", 3)
    assert check_access_log(databases=["default"]) == []
    assert accesslog.verify_chain(newest=3).rows == 3
    assert accesslog.verify_chain(newest=4).broken_at == written[1].pk
    assert accesslog.verify_chain().broken_at == written[1].pk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain_even_the_first(make_user: Any) -> None:
    import threading

    from django.db import connections

    if connection.vendor != "postgresql":
        pytest.skip("races are run on PostgreSQL (DATABASE_URL=postgres://…)")
    staff = make_user(is_staff=True)
    barrier = threading.Barrier(8)

    def write(n: int) -> None:
        try:
            barrier.wait()
            for k in range(5):
                _record(n * 10 + k, staff=staff)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(1, 9)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = accesslog.verify_chain()
    assert state.intact and state.rows == 40
    hashes = list(PersonalDataAccess.objects.values_list("previous_hash", flat=True))
    assert len(set(hashes)) == len(hashes)  # no two rows chained onto the same one
