"""What is kept after its use, and for how long: tombstones and ``portone_cert_purge``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from .conf import app_settings
from .guardian_links import ASK_WINDOW
from .models import (
    CertificationAttempt,
    GuardianConsentRequest,
    IdentityTombstone,
    VerifiedIdentity,
)


def tombstone(user_pk: Any) -> None:
    """Remember a deleting account's person for ``TOMBSTONE_RETENTION`` (keyed hash only).

    Does nothing, and asks the database nothing, while the setting is off.
    """
    retention = app_settings.TOMBSTONE_RETENTION
    if retention is None:
        return
    ci_hash = (
        VerifiedIdentity.objects.filter(user_id=user_pk)
        .exclude(ci_hash="")
        .values_list("ci_hash", flat=True)
        .first()
    )
    if ci_hash:
        now = timezone.now()
        IdentityTombstone.objects.update_or_create(
            ci_hash=ci_hash, defaults={"deleted_at": now, "expires_at": now + retention}
        )


@dataclass(frozen=True)
class PurgeReport:
    expired_attempts: int
    failed_attempts: int
    unclaimed_results: int
    tombstones: int
    #: Recovery and guardian attempts used long ago (nothing personal; only their ids).
    spent_attempts: int = 0
    #: Guardian links that expired unused (a child's id and a token hash).
    guardian_requests: int = 0


def purge(now: datetime | None = None) -> PurgeReport:
    """Delete what is no longer needed: see ``manage.py portone_cert_purge``."""
    now = now or timezone.now()
    pending = CertificationAttempt.Status.PENDING
    failed = CertificationAttempt.Status.FAILED
    expired_attempts, _ = CertificationAttempt.objects.filter(
        status=pending, expires_at__lte=now
    ).delete()
    failed_attempts, _ = CertificationAttempt.objects.filter(
        status=failed, created_at__lte=now - app_settings.FAILED_ATTEMPT_RETENTION
    ).delete()
    # A visitor who verified but never signed up: the result goes after CLAIM_TTL.
    unclaimed_results, _ = CertificationAttempt.objects.filter(
        Q(user__isnull=True),
        purpose=CertificationAttempt.Purpose.VERIFICATION,
        status=CertificationAttempt.Status.VERIFIED,
        claimed_at__isnull=True,
        completed_at__lte=now - app_settings.CLAIM_TTL,
    ).delete()
    tombstones, _ = IdentityTombstone.objects.filter(expires_at__lte=now).delete()
    # Used once each; a result is stale long before, so forgetting its id lets nothing replay.
    spent_attempts, _ = (
        CertificationAttempt.objects.filter(
            status=CertificationAttempt.Status.VERIFIED,
            completed_at__lte=now - app_settings.FAILED_ATTEMPT_RETENTION,
        )
        .exclude(purpose=CertificationAttempt.Purpose.VERIFICATION)
        .delete()
    )
    # Kept ASK_WINDOW after they were made, however early they expired (a new ask retires
    # the last link at once): GUARDIAN_DAILY_LINKS counts them.
    guardian_requests, _ = GuardianConsentRequest.objects.filter(
        expires_at__lte=now, used_at__isnull=True, created_at__lte=now - ASK_WINDOW
    ).delete()
    return PurgeReport(
        expired_attempts,
        failed_attempts,
        unclaimed_results,
        tombstones,
        spent_attempts,
        guardian_requests,
    )
