import json
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from django_portone_cert.accessreview import (
    DAILY_LIMIT,
    WORKING_HOURS,
    month_bounds,
    monthly_review,
)
from django_portone_cert.ages import KST, today_kst


def _month(value: str) -> str:
    try:
        month_bounds(value)
    except ValueError as err:
        raise CommandError("--month must be YYYY-MM, e.g. 2026-11.") from err
    return value


class Command(BaseCommand):
    help = (
        "The monthly review of the personal-data access log (개인정보의 안전성 확보조치 기준 "
        "§8): per staff member the counts by action, days of unusual volume, exports and "
        "their reasons, access outside working hours (Seoul), the people's own requests, and "
        "whether the log's hash chain holds (exits 1 if it does not)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: last month, in Seoul)")
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--daily-limit",
            type=int,
            default=DAILY_LIMIT,
            help=f"people one staff member may see in a day before it is unusual "
            f"(default {DAILY_LIMIT})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        month = options["month"] or (today_kst().replace(day=1) - timedelta(days=1)).strftime(
            "%Y-%m"
        )
        review = monthly_review(_month(month), daily_limit=options["daily_limit"])
        if options["json"]:
            self.stdout.write(json.dumps(review, cls=DjangoJSONEncoder, ensure_ascii=False))
        else:
            self.write_text(review)
        if not review["chain"]["intact"]:
            raise CommandError(
                f"The access log does not hold from row #{review['chain']['broken_at']}."
            )

    def write_text(self, review: dict[str, Any]) -> None:
        write = self.stdout.write
        start, end = WORKING_HOURS
        write(f"Personal-data access, {review['month']} (Asia/Seoul): {review['records']} records")
        write("\nPer staff member (id, username: total, by action, people, outside hours):")
        for staff in review["staff"]:
            actions = ", ".join(f"{name} {count}" for name, count in staff["actions"].items())
            write(
                f"  {staff['staff_id']} {staff['staff_username']}: {staff['total']} ({actions}), "
                f"{staff['people']} people, {staff['outside_hours']} outside hours"
            )
        write(f"\nUnusual volume (more than {review['daily_limit']} people a day):")
        for day in review["unusual"]:
            write(f"  {day['day']} {day['staff_username']} ({day['staff_id']}): {day['people']}")
        write("\nExports and their reasons:")
        for entry in review["exports"]:
            write(
                f"  {entry['at'].astimezone(KST):%Y-%m-%d %H:%M} {entry['staff_username']} → user "
                f"{entry['subject_id']}: {entry['reason']}"
            )
        write(f"\nOutside working hours ({start}:00–{end}:00 Mon–Fri, Seoul):")
        for entry in review["outside_hours"]:
            write(
                f"  {entry['at'].astimezone(KST):%Y-%m-%d %H:%M} {entry['staff_username']} "
                f"{entry['action']} {entry['target']} of user {entry['subject_id']} "
                f"from {entry['address']}"
            )
        own = ", ".join(f"{name} {count}" for name, count in review["own_requests"].items())
        write(f"\nThe people's own requests: {own or 'none'}")
        chain = review["chain"]
        state = "holds" if chain["intact"] else f"BROKEN at row #{chain['broken_at']}"
        write(
            f"Hash chain: {state} ({chain['rows']} rows kept; newest #{chain['head_id']} "
            f"{chain['head_hash']})"
        )
