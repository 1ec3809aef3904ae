from typing import Any

from django.core.management.base import BaseCommand

from django_portone_cert.retention import purge


class Command(BaseCommand):
    help = (
        "Delete what django-portone-cert no longer needs: expired attempts, failed attempts "
        "older than FAILED_ATTEMPT_RETENTION, visitors' results never claimed within "
        "CLAIM_TTL, and tombstones past TOMBSTONE_RETENTION. Run it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge()
        self.stdout.write(
            f"Deleted {report.expired_attempts} expired attempts, "
            f"{report.failed_attempts} failed attempts, "
            f"{report.unclaimed_results} unclaimed results, "
            f"{report.tombstones} expired tombstones."
        )
