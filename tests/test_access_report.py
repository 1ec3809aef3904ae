"""``portone_cert_access_report``: the monthly review, as text and JSON; the settings' checks."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from django_portone_cert import accesslog
from django_portone_cert.ages import KST
from django_portone_cert.checks.rights import check_rights
from django_portone_cert.models import PersonalDataAccess

Action = PersonalDataAccess.Action


def record_at(
    when: datetime, staff: Any, subject: Any, action: str = Action.VIEW, reason: str = ""
) -> None:
    request: Any = RequestFactory().get("/", REMOTE_ADDR="192.0.2.1")
    request.user = staff
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(timezone, "now", lambda: when)
        accesslog.record(request, action, [subject], target="verifiedidentity", reason=reason)


@pytest.fixture
def november(make_user: Any) -> dict[str, Any]:
    """Two staff members' November in Seoul, and a person's own export."""
    alice, bob, person = make_user(is_staff=True), make_user(is_staff=True), make_user()
    tuesday = datetime(2026, 11, 3, 10, tzinfo=KST)
    record_at(tuesday, alice, 7)
    record_at(tuesday + timedelta(minutes=1), alice, 8, Action.SEARCH)
    record_at(tuesday + timedelta(minutes=2), alice, 9, Action.EXPORT, "소송 대응 자료 제출")
    record_at(datetime(2026, 11, 4, 23, 30, tzinfo=KST), bob, 7)  # late at night
    record_at(datetime(2026, 11, 7, 11, tzinfo=KST), bob, 8)  # a Saturday
    record_at(tuesday, person, person.pk, Action.EXPORT, "the person's own request")
    record_at(datetime(2026, 10, 31, 23, tzinfo=KST), alice, 1)  # October, in Seoul
    record_at(datetime(2026, 12, 1, 0, 5, tzinfo=KST), alice, 2)  # December
    return {"alice": alice, "bob": bob}


def test_the_json_review(november: dict[str, Any], capsys: Any) -> None:
    call_command("portone_cert_access_report", "--month", "2026-11", "--json", "--daily-limit", "1")
    review = json.loads(capsys.readouterr().out)
    alice, bob = november["alice"], november["bob"]
    assert review["records"] == 6
    assert review["staff"] == [
        {
            "staff_id": str(alice.pk),
            "staff_username": alice.get_username(),
            "total": 3,
            "actions": {"export": 1, "search": 1, "view": 1},
            "people": 3,
            "outside_hours": 0,
        },
        {
            "staff_id": str(bob.pk),
            "staff_username": bob.get_username(),
            "total": 2,
            "actions": {"view": 2},
            "people": 2,
            "outside_hours": 2,
        },
    ]
    assert [(day["staff_id"], day["day"], day["people"]) for day in review["unusual"]] == [
        (str(alice.pk), "2026-11-03", 3)
    ]
    assert [(e["subject_id"], e["reason"]) for e in review["exports"]] == [
        ("9", "소송 대응 자료 제출")
    ]
    assert [e["subject_id"] for e in review["outside_hours"]] == ["7", "8"]
    assert review["own_requests"] == {"export": 1}
    assert review["chain"]["intact"] is True and review["chain"]["rows"] == 8


def test_the_text_review(november: dict[str, Any], capsys: Any) -> None:
    call_command("portone_cert_access_report", "--month", "2026-11")
    out = capsys.readouterr().out
    alice = november["alice"]
    assert f"{alice.pk} {alice.get_username()}: 3 (export 1, search 1, view 1)" in out
    assert f"2026-11-03 10:02 {alice.get_username()} → user 9: 소송 대응 자료 제출" in out
    assert f"2026-11-04 23:30 {november['bob'].get_username()} view verifiedidentity" in out
    assert "Outside working hours (9:00–18:00 Mon–Fri, Seoul):" in out
    assert "The people's own requests: export 1" in out
    assert "Hash chain: holds (8 rows kept" in out


def test_a_broken_chain_fails_the_review(november: dict[str, Any], capsys: Any) -> None:
    table = connection.ops.quote_name(PersonalDataAccess._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET reason = 'tidied' WHERE reason != ''")  # noqa: S608
    with pytest.raises(CommandError, match="does not hold from row"):
        call_command("portone_cert_access_report", "--month", "2026-11")
    assert "Hash chain: BROKEN at row #" in capsys.readouterr().out


def test_a_bad_month(db: None) -> None:
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("portone_cert_access_report", "--month", "11-2026")


def test_last_month_by_default(db: None, capsys: Any) -> None:
    call_command("portone_cert_access_report", "--json")
    review = json.loads(capsys.readouterr().out)
    assert review["records"] == 0 and review["chain"] == {
        "rows": 0,
        "broken_at": None,
        "head_id": None,
        "head_hash": "",
        "intact": True,
    }


@pytest.mark.parametrize(
    ("extra", "ids"),
    [
        ({}, []),
        ({"ACCESS_LOG_RETENTION": timedelta(days=365)}, []),
        ({"ACCESS_LOG_RETENTION": timedelta(days=90)}, ["portone_cert.W070"]),
        ({"ACCESS_LOG_RETENTION": None}, ["portone_cert.E070"]),
        ({"ACCESS_LOG_RETENTION": "2y"}, ["portone_cert.E070"]),
        ({"STEP_UP_MAX_AGE": 300}, []),
        ({"STEP_UP_MAX_AGE": timedelta(0)}, ["portone_cert.E071"]),
        ({"STEP_UP_MAX_AGE": timedelta(days=1)}, ["portone_cert.W071"]),
    ],
)
def test_checks(settings: Any, extra: dict[str, Any], ids: list[str]) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **extra}
    assert [message.id for message in check_rights()] == ids


def test_checks_through_the_check_command(settings: Any) -> None:
    from django.core.management.base import SystemCheckError

    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "STEP_UP_MAX_AGE": -1}
    with pytest.raises(SystemCheckError, match="E071"):
        call_command("check")
