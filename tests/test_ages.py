from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from django_portone_cert import ages
from django_portone_cert.ages import full_age, meets_age, today_kst, year_age

# (birth date, on, full age, year age)
CASES = [
    # The day before, of and after the birthday.
    (date(2007, 6, 15), date(2026, 6, 14), 18, 19),
    (date(2007, 6, 15), date(2026, 6, 15), 19, 19),
    (date(2007, 6, 15), date(2026, 6, 16), 19, 19),
    # 1 January: year age changes for everyone born that year, full age does not.
    (date(2007, 12, 31), date(2025, 12, 31), 18, 18),
    (date(2007, 12, 31), date(2026, 1, 1), 18, 19),
    (date(2007, 1, 1), date(2025, 12, 31), 18, 18),
    (date(2007, 1, 1), date(2026, 1, 1), 19, 19),
    # Born on 29 February (leap year 2008).
    (date(2008, 2, 29), date(2027, 2, 28), 18, 19),  # common year: not yet on 28 Feb
    (date(2008, 2, 29), date(2027, 3, 1), 19, 19),  # 민법 §160③: 1 March
    (date(2008, 2, 29), date(2028, 2, 28), 19, 20),  # leap year: the day before
    (date(2008, 2, 29), date(2028, 2, 29), 20, 20),  # leap year: the day itself
    (date(2008, 2, 29), date(2028, 3, 1), 20, 20),
    # Around 29 February for people born on 28 Feb / 1 Mar.
    (date(2008, 2, 28), date(2027, 2, 28), 19, 19),
    (date(2008, 3, 1), date(2027, 2, 28), 18, 19),
    (date(2008, 3, 1), date(2028, 2, 29), 19, 20),
    (date(2008, 3, 1), date(2028, 3, 1), 20, 20),
    # Newborn and the end of a year.
    (date(2026, 11, 28), date(2026, 11, 28), 0, 0),
    (date(1990, 5, 17), date(2026, 12, 31), 36, 36),
]


@pytest.mark.parametrize(("birth", "on", "full", "year"), CASES)
def test_age_table(birth: date, on: date, full: int, year: int) -> None:
    assert full_age(birth, on) == full
    assert year_age(birth, on) == year
    assert ages.age(birth, "full", on) == full
    assert ages.age(birth, "year", on) == year
    assert meets_age(birth, full, "full", on)
    assert not meets_age(birth, full + 1, "full", on)
    assert meets_age(birth, year, "year", on)
    assert not meets_age(birth, year + 1, "year", on)
    # Full age is never above year age: a full-age gate never admits more people.
    assert full <= year


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        # A UTC server at 2026-12-31T16:00Z is already in 2027 in Seoul.
        (datetime(2026, 12, 31, 14, 59, 59, tzinfo=UTC), date(2026, 12, 31)),
        (datetime(2026, 12, 31, 15, 0, tzinfo=UTC), date(2027, 1, 1)),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),
        # Midnight UTC is 09:00 in Seoul, the same day.
        (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), date(2027, 1, 1)),
        # A birthday starts at 00:00 KST = 15:00 UTC the day before.
        (datetime(2026, 6, 14, 14, 59, tzinfo=UTC), date(2026, 6, 14)),
        (datetime(2026, 6, 14, 15, 0, tzinfo=UTC), date(2026, 6, 15)),
        # Any other zone is converted, e.g. a server in New York.
        (datetime(2026, 12, 31, 11, 0, tzinfo=timezone(timedelta(hours=-5))), date(2027, 1, 1)),
    ],
)
def test_today_is_the_seoul_date(now: datetime, expected: date) -> None:
    assert today_kst(now) == expected


def test_new_year_in_seoul_while_utc_is_still_in_december() -> None:
    born = date(2008, 7, 1)
    utc_new_year_eve = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    # The naive "UTC year - birth year" would say 18 here; in Seoul it is 2027: 19.
    assert year_age(born, today_kst(utc_new_year_eve)) == 19
    assert year_age(born, utc_new_year_eve.date()) == 18


def test_birthday_morning_in_seoul() -> None:
    born = date(2007, 6, 15)
    seoul_midnight = datetime(2026, 6, 14, 15, 0, tzinfo=UTC)  # 2026-06-15 00:00 KST
    assert full_age(born, today_kst(seoul_midnight)) == 19
    assert full_age(born, seoul_midnight.date()) == 18


def test_today_kst_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        today_kst(datetime(2026, 1, 1))


def test_default_is_today_in_seoul() -> None:
    assert today_kst() == datetime.now(UTC).astimezone(ages.KST).date()
    born = date(2000, 1, 1)
    assert year_age(born) == today_kst().year - 2000


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="rule"):
        ages.age(date(2000, 1, 1), "korean", date(2026, 1, 1))  # type: ignore[arg-type]


def test_thresholds() -> None:
    assert ages.ADULT_CONTENT == (19, "year")
    assert ages.CIVIL_MAJORITY == (19, "full")
    assert ages.PERSONAL_DATA_CONSENT == (14, "full")
