"""The monthly review of the access log (안전성 확보조치 기준 §8: at least monthly):
``portone_cert_access_report``. Counts and ids only; a reason is shown as staff typed it."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import date, datetime, time
from typing import Any

from .accesslog import verify_chain
from .ages import KST
from .models import PersonalDataAccess

Action = PersonalDataAccess.Action

#: Working hours in Seoul, from the first hour to the last (exclusive), Monday to Friday.
WORKING_HOURS = (9, 18)
#: More distinct people than this seen by one staff member in one day is "unusual".
DAILY_LIMIT = 100


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``"2026-11"`` → the first instant of the month and of the next, in Seoul."""
    start = datetime.strptime(month, "%Y-%m").date()
    following = date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return (datetime.combine(start, time(), KST), datetime.combine(following, time(), KST))


def outside_hours(at: datetime, hours: tuple[int, int] = WORKING_HOURS) -> bool:
    local = at.astimezone(KST)
    return local.weekday() >= 5 or not hours[0] <= local.hour < hours[1]


def _staff_row(rows: list[PersonalDataAccess], hours: tuple[int, int]) -> dict[str, Any]:
    return {
        "staff_id": rows[-1].staff_id,
        "staff_username": rows[-1].staff_username,
        "total": len(rows),
        "actions": dict(sorted(Counter(row.action for row in rows).items())),
        "people": len({row.subject_id for row in rows}),
        "outside_hours": sum(outside_hours(row.at, hours) for row in rows),
    }


def _unusual(rows: list[PersonalDataAccess], limit: int) -> list[dict[str, Any]]:
    seen: dict[tuple[str, date], set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for row in rows:
        seen[(row.staff_id, row.at.astimezone(KST).date())].add(row.subject_id)
        names[row.staff_id] = row.staff_username
    return [
        {"staff_id": staff, "staff_username": names[staff], "day": day, "people": len(people)}
        for (staff, day), people in sorted(seen.items())
        if len(people) > limit
    ]


def _entry(row: PersonalDataAccess, *fields: str) -> dict[str, Any]:
    common = ("at", "staff_id", "staff_username", "action", "target", "subject_id")
    return {name: getattr(row, name) for name in (*common, *fields)}


def monthly_review(
    month: str, *, hours: tuple[int, int] = WORKING_HOURS, daily_limit: int = DAILY_LIMIT
) -> dict[str, Any]:
    """What the monthly review needs for ``month`` ("YYYY-MM", Seoul time): per staff member
    the counts by action, days of unusual volume, exports and their reasons, access outside
    working hours, the people's own requests, and the state of the whole log's chain."""
    start, end = month_bounds(month)
    chain = verify_chain()
    rows = list(PersonalDataAccess.objects.filter(at__gte=start, at__lt=end).order_by("id"))
    own = [row for row in rows if row.staff_id == row.subject_id]
    staff_rows = [row for row in rows if row.staff_id != row.subject_id]
    by_staff: dict[str, list[PersonalDataAccess]] = defaultdict(list)
    for row in staff_rows:
        by_staff[row.staff_id].append(row)
    return {
        "month": month,
        "timezone": "Asia/Seoul",
        "working_hours": list(hours),
        "daily_limit": daily_limit,
        "records": len(rows),
        "staff": [_staff_row(by_staff[staff], hours) for staff in sorted(by_staff)],
        "unusual": _unusual(staff_rows, daily_limit),
        "exports": [_entry(row, "reason") for row in staff_rows if row.action == Action.EXPORT],
        "outside_hours": [
            _entry(row, "address") for row in staff_rows if outside_hours(row.at, hours)
        ],
        "own_requests": dict(sorted(Counter(row.action for row in own).items())),
        "chain": {**asdict(chain), "intact": chain.intact},
    }
