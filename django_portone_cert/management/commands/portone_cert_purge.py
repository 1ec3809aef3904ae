import json
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from django_portone_cert.retention import purge


class Command(BaseCommand):
    help = (
        "Delete what django-portone-cert no longer needs: expired attempts, failed attempts "
        "older than FAILED_ATTEMPT_RETENTION, visitors' results never claimed within "
        "CLAIM_TTL, tombstones past TOMBSTONE_RETENTION, recovery and guardian attempts used "
        "longer ago than FAILED_ATTEMPT_RETENTION, guardian links that expired unused, and "
        "access-log records past ACCESS_LOG_RETENTION. Prints what it destroyed (counts and "
        "the dates covered, nothing about anyone) for the site's 파기 record. Run it daily."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print the record as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge()
        if options["json"]:
            self.stdout.write(json.dumps(asdict(report), cls=DjangoJSONEncoder))
            return
        self.stdout.write(
            f"Deleted {report.expired_attempts} expired attempts, "
            f"{report.failed_attempts} failed attempts, "
            f"{report.unclaimed_results} unclaimed results, "
            f"{report.tombstones} expired tombstones, "
            f"{report.spent_attempts} spent recovery and guardian attempts, "
            f"{report.guardian_requests} expired guardian links, "
            f"{report.access_records} access-log records."
        )
        for kind, (first, last) in report.covered.items():
            self.stdout.write(f"  {kind}: dated {first:%Y-%m-%d} to {last:%Y-%m-%d}")
