"""What is kept after its use, and for how long: tombstones and ``portone_cert_purge``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import accesslog, crypto
from .accesslog import Destroyed
from .conf import app_settings
from .guardian_links import ASK_WINDOW
from .models import (
    CertificationAttempt,
    GuardianConsent,
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
    identity = VerifiedIdentity.objects.filter(user_id=user_pk).exclude(ci_hash="").first()
    if identity is not None:
        ci_hash, hash_key_id = _current_hash(identity)
        now = timezone.now()
        IdentityTombstone.objects.update_or_create(
            ci_hash=ci_hash,
            defaults={"deleted_at": now, "expires_at": now + retention, "hash_key_id": hash_key_id},
        )


@sensitive_variables("ci")
def _current_hash(identity: VerifiedIdentity) -> tuple[str, str]:
    """The person's hash under the current key, and that key's id: a tombstone keeps no CI,
    so it cannot be re-keyed later. A CI that cannot be read keeps its stored hash, whose
    key is unknown ("")."""
    try:
        ci = identity.ci
    except crypto.DecryptionError:
        ci = ""
    if not ci:
        return identity.ci_hash, ""
    return crypto.keyed_hash(ci), crypto.hash_key_id()


@dataclass(frozen=True)
class PurgeReport:
    """How many of each kind a purge destroyed, and the dates they covered (a 파기 record:
    counts and dates, nothing about anyone)."""

    expired_attempts: int
    failed_attempts: int
    unclaimed_results: int
    tombstones: int
    #: Recovery and guardian attempts used long ago (nothing personal; only their ids).
    spent_attempts: int = 0
    #: Guardian links that expired unused (a child's id and a token hash).
    guardian_requests: int = 0
    #: Personal-data access records past ``ACCESS_LOG_RETENTION``.
    access_records: int = 0
    #: For each kind destroyed (the field's name): its oldest and newest row's date.
    covered: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)


def _destroy(queryset: QuerySet[Any], dated_by: str) -> Destroyed:
    span = queryset.order_by(dated_by).values_list(dated_by, flat=True)
    first, last = span.first(), span.last()
    count, _ = queryset.delete()
    return Destroyed(count, first, last)


def _purgeable(now: datetime) -> dict[str, tuple[QuerySet[Any], str]]:
    """Each kind ``purge`` destroys: its rows, and the date that places them."""
    attempts = CertificationAttempt.objects
    status = CertificationAttempt.Status
    used_long_ago = now - app_settings.FAILED_ATTEMPT_RETENTION
    return {
        "expired_attempts": (
            attempts.filter(status=status.PENDING, expires_at__lte=now),
            "created_at",
        ),
        "failed_attempts": (
            attempts.filter(status=status.FAILED, created_at__lte=used_long_ago),
            "created_at",
        ),
        # A visitor who verified but never signed up: the result goes after CLAIM_TTL.
        "unclaimed_results": (
            attempts.filter(
                Q(user__isnull=True),
                purpose=CertificationAttempt.Purpose.VERIFICATION,
                status=status.VERIFIED,
                claimed_at__isnull=True,
                completed_at__lte=now - app_settings.CLAIM_TTL,
            ),
            "completed_at",
        ),
        "tombstones": (IdentityTombstone.objects.filter(expires_at__lte=now), "deleted_at"),
        # Used once each; a result is stale long before, so forgetting its id lets nothing
        # replay.
        "spent_attempts": (
            attempts.filter(status=status.VERIFIED, completed_at__lte=used_long_ago).exclude(
                purpose=CertificationAttempt.Purpose.VERIFICATION
            ),
            "completed_at",
        ),
        # Kept ASK_WINDOW after they were made, however early they expired (a new ask retires
        # the last link at once): GUARDIAN_DAILY_LINKS counts them.
        "guardian_requests": (
            GuardianConsentRequest.objects.filter(
                expires_at__lte=now, used_at__isnull=True, created_at__lte=now - ASK_WINDOW
            ),
            "created_at",
        ),
    }


def purge(now: datetime | None = None) -> PurgeReport:
    """Delete what is no longer needed: see ``manage.py portone_cert_purge``."""
    now = now or timezone.now()
    destroyed = {kind: _destroy(*rows) for kind, rows in _purgeable(now).items()}
    destroyed["access_records"] = accesslog.expire(now)
    return PurgeReport(
        **{kind: done.count for kind, done in destroyed.items()},
        covered={
            kind: (done.first, done.last)
            for kind, done in destroyed.items()
            if done.count and done.first is not None and done.last is not None
        },
    )


@dataclass(frozen=True)
class HashKeyNeeds:
    """What still needs which hash key: tombstones and guardians' consents keep a hash without
    its CI, so they can never be re-keyed; each matches only under the key it was made with."""

    #: Live, under a hash key no longer configured: they match nothing (check ``E025``).
    lost_tombstones: int = 0
    lost_consents: int = 0
    #: Live, under a fallback hash key (or one not recorded, while fallbacks exist).
    fallback_tombstones: int = 0
    fallback_consents: int = 0
    #: When the last of ``fallback_tombstones`` expires.
    fallback_until: datetime | None = None

    @property
    def lost(self) -> int:
        return self.lost_tombstones + self.lost_consents

    @property
    def fallback(self) -> int:
        return self.fallback_tombstones + self.fallback_consents


def hash_key_needs(using: str | None = None, now: datetime | None = None) -> HashKeyNeeds:
    """Live tombstones (while ``TOMBSTONE_RETENTION`` blocks re-sign-ups) and live consents
    with a guardian's hash, by whether the configured hash keys still match them."""
    now = now or timezone.now()
    ids = crypto.hash_key_ids()
    fallbacks = ids[1:]
    tombstones = IdentityTombstone.objects.using(using).filter(expires_at__gt=now)
    if app_settings.TOMBSTONE_RETENTION is None:
        tombstones = tombstones.none()  # nothing consults them
    consents = (
        GuardianConsent.objects.using(using)
        .filter(revoked_at__isnull=True)
        .exclude(guardian_ci_hash="")
    )
    under_fallback = Q(hash_key_id="") | Q(hash_key_id__in=fallbacks)
    old_tombstones = tombstones.filter(under_fallback) if fallbacks else tombstones.none()
    return HashKeyNeeds(
        lost_tombstones=tombstones.exclude(hash_key_id="").exclude(hash_key_id__in=ids).count(),
        lost_consents=consents.exclude(hash_key_id="").exclude(hash_key_id__in=ids).count(),
        fallback_tombstones=old_tombstones.count(),
        fallback_consents=consents.filter(under_fallback).count() if fallbacks else 0,
        fallback_until=old_tombstones.aggregate(last=Max("expires_at"))["last"],
    )
