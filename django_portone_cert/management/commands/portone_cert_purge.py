from typing import Any

from django.core.management.base import BaseCommand

from django_portone_cert.retention import purge


class Command(BaseCommand):
    help = (
        "Delete what django-portone-cert no longer needs: expired attempts, failed attempts "
        "older than FAILED_ATTEMPT_RETENTION, visitors' results never claimed within "
        "CLAIM_TTL, tombstones past TOMBSTONE_RETENTION, recovery and guardian attempts used "
        "longer ago than FAILED_ATTEMPT_RETENTION, and guardian links that expired unused. "
        "Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge()
        self.stdout.write(
            f"Deleted {report.expired_attempts} expired attempts, "
            f"{report.failed_attempts} failed attempts, "
            f"{report.unclaimed_results} unclaimed results, "
            f"{report.tombstones} expired tombstones, "
            f"{report.spent_attempts} spent recovery and guardian attempts, "
            f"{report.guardian_requests} expired guardian links."
        )
