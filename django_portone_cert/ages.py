"""Korean age rules: 만 나이 (full age) and 연 나이 (year age).

Plain functions with no database access; the gates, the models and the API all
call these. "Today" is always the Asia/Seoul calendar date, whatever the
server's ``TIME_ZONE``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Literal, NamedTuple

AgeRule = Literal["full", "year"]
RULES: tuple[AgeRule, ...] = ("full", "year")

#: Korea Standard Time. Korea has kept UTC+9 without daylight saving since 1988.
KST = timezone(timedelta(hours=9), "KST")


class AgeThreshold(NamedTuple):
    min_age: int
    rule: AgeRule


#: 청소년보호법 §2(1): alcohol, tobacco, 19+ media, 청불 films, 청소년이용불가 games.
ADULT_CONTENT = AgeThreshold(19, "year")
#: 민법 §4: civil majority (contracts a minor made alone can be cancelled).
CIVIL_MAJORITY = AgeThreshold(19, "full")
#: 개인정보 보호법 §22-2: under 14 a guardian must consent to processing personal data.
PERSONAL_DATA_CONSENT = AgeThreshold(14, "full")


def today_kst(now: datetime | None = None) -> date:
    """The calendar date in Seoul at ``now`` (an aware datetime; default: now)."""
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        raise ValueError("today_kst() needs an aware datetime")
    return now.astimezone(KST).date()


def full_age(birth_date: date, on: date | None = None) -> int:
    """만 나이 (민법 §158): completed years, one more at 00:00 of each birthday.

    Someone born on 29 February turns a year older on 1 March in a common year
    (민법 §160③: the period ends at the close of 28 February). Comparing
    (month, day) pairs gives exactly that: (2, 28) < (2, 29) <= (3, 1).
    """
    on = on or today_kst()
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def year_age(birth_date: date, on: date | None = None) -> int:
    """연 나이 (청소년보호법 §2(1)): this year in Seoul minus the birth year."""
    on = on or today_kst()
    return on.year - birth_date.year


def age(birth_date: date, rule: AgeRule, on: date | None = None) -> int:
    if rule == "full":
        return full_age(birth_date, on)
    if rule == "year":
        return year_age(birth_date, on)
    raise ValueError(f"rule must be one of {RULES}, not {rule!r}")


def meets_age(birth_date: date, min_age: int, rule: AgeRule, on: date | None = None) -> bool:
    """Whether the person is at least ``min_age`` on ``on`` (default: today in Seoul)."""
    return age(birth_date, rule, on) >= min_age
