"""The rules that turn a PortOne result into a VerifiedIdentity.

:func:`verify_certification` is the one place where that happens; the API
views, management commands and users' own code all call it.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any, cast

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from .client import Certification, get_client, validate_imp_uid
from .conf import app_settings
from .exceptions import (
    AttemptExpired,
    AttemptMismatch,
    CertificationStale,
    CertificationUsed,
    IdentityMismatch,
    InvalidRequest,
    NotCertified,
    PortOneAPIError,
    PortOneCertError,
)
from .models import CertificationAttempt, VerifiedIdentity
from .signals import identity_verified, verification_failed

logger = logging.getLogger("django_portone_cert")

MERCHANT_UID_MAX_LENGTH = 40


def get_identity(user: Any) -> VerifiedIdentity | None:
    """The user's identity, or None (anonymous or never verified). One query at most."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        identity: VerifiedIdentity = user.verified_identity
    except VerifiedIdentity.DoesNotExist:
        return None
    return identity


async def aget_identity(user: Any) -> VerifiedIdentity | None:
    """:func:`get_identity` for async views."""
    if not getattr(user, "is_authenticated", False):
        return None
    return await VerifiedIdentity.objects.filter(user_id=user.pk).afirst()


def start_attempt(*, user: Any, request: HttpRequest | None = None) -> CertificationAttempt:
    """Mint a new attempt bound to ``user``; its ``merchant_uid`` goes to ``IMP.certification``."""
    if not getattr(user, "is_authenticated", False):
        raise InvalidRequest()
    now = timezone.now()
    return CertificationAttempt.objects.create(
        user=user, created_at=now, expires_at=now + app_settings.ATTEMPT_TTL
    )


def verify_certification(
    *, user: Any, imp_uid: str, merchant_uid: str, request: HttpRequest | None = None
) -> VerifiedIdentity:
    """Re-read ``imp_uid`` from PortOne and, if every rule holds, store it for ``user``.

    Raises a :class:`~django_portone_cert.exceptions.PortOneCertError` subclass
    when it does not; then nothing is stored but the attempt's failure.
    """
    attempt: CertificationAttempt | None = None
    try:
        validate_imp_uid(imp_uid)
        if (
            not isinstance(merchant_uid, str)
            or not merchant_uid
            or len(merchant_uid) > MERCHANT_UID_MAX_LENGTH
        ):
            raise InvalidRequest()
        if not getattr(user, "is_authenticated", False):
            raise AttemptMismatch()
        attempt = CertificationAttempt.objects.filter(
            merchant_uid=merchant_uid, user_id=user.pk
        ).first()
        if CertificationAttempt.objects.filter(imp_uid=imp_uid).exists():
            raise CertificationUsed()
        if attempt is None:
            raise AttemptMismatch()
        if attempt.status == CertificationAttempt.Status.VERIFIED:
            # This attempt already produced an identity, from another result.
            raise CertificationUsed()
        if attempt.is_expired():
            raise AttemptExpired()

        certification = get_client().get_certification(imp_uid)
        check_certification(certification, attempt)
        identity, created = _store(user, attempt, certification)
    except PortOneCertError as error:
        _record_failure(user, attempt, error, request)
        raise

    transaction.on_commit(
        lambda: identity_verified.send(
            sender=VerifiedIdentity,
            identity=identity,
            user=user,
            attempt=attempt,
            created=created,
            request=request,
        )
    )
    return identity


def check_certification(certification: Certification, attempt: CertificationAttempt) -> None:
    """Trust rules 2, 3 and 5: completed, carries this attempt's id, fresh."""
    if not certification.certified:
        raise NotCertified()
    if certification.merchant_uid != attempt.merchant_uid:
        raise AttemptMismatch()
    certified_at = certification.certified_at
    if certified_at is None or certified_at < timezone.now() - app_settings.MAX_CERTIFICATION_AGE:
        raise CertificationStale()
    if certification.birth_date is None or not certification.name:
        # A completed result always carries both; without them it cannot be used.
        logger.warning("PortOne returned a completed result without name or birthday.")
        raise PortOneAPIError(status=200)


def _store(
    user: Any, attempt: CertificationAttempt, certification: Certification
) -> tuple[VerifiedIdentity, bool]:
    """Consume the attempt and upsert the identity in one transaction."""
    now = timezone.now()
    try:
        with transaction.atomic():
            locked = CertificationAttempt.objects.select_for_update().get(pk=attempt.pk)
            if locked.status == CertificationAttempt.Status.VERIFIED:
                raise CertificationUsed()
            identity = VerifiedIdentity.objects.select_for_update().filter(user_id=user.pk).first()
            created = identity is None
            if identity is None:
                identity = VerifiedIdentity(user=user)
            elif identity.ci and certification.ci and identity.ci != certification.ci:
                raise IdentityMismatch()
            # check_certification() made sure these are present.
            identity.name = cast(str, certification.name)
            identity.birth_date = cast(date, certification.birth_date)
            identity.gender = certification.gender or ""
            identity.is_foreigner = certification.is_foreigner
            identity.provider = certification.provider
            identity.ci = certification.ci or identity.ci
            identity.imp_uid = certification.imp_uid
            identity.certified_at = cast(datetime, certification.certified_at)
            identity.verified_at = now
            identity.save()

            locked.status = CertificationAttempt.Status.VERIFIED
            locked.imp_uid = certification.imp_uid
            locked.failure_code = ""
            locked.completed_at = now
            locked.save(update_fields=["status", "imp_uid", "failure_code", "completed_at"])
    except IntegrityError as err:
        # imp_uid is unique on attempts and identities: a concurrent request won.
        raise CertificationUsed() from err
    attempt.refresh_from_db()
    return identity, created


def _record_failure(
    user: Any,
    attempt: CertificationAttempt | None,
    error: PortOneCertError,
    request: HttpRequest | None,
) -> None:
    if attempt is not None and attempt.status != CertificationAttempt.Status.VERIFIED:
        CertificationAttempt.objects.filter(
            pk=attempt.pk,
            status__in=[CertificationAttempt.Status.PENDING, CertificationAttempt.Status.FAILED],
        ).update(
            status=CertificationAttempt.Status.FAILED,
            failure_code=error.code,
            completed_at=timezone.now(),
        )
        attempt.refresh_from_db()
    logger.info(
        "Identity verification refused: %s (attempt %s).",
        error.code,
        attempt.pk if attempt is not None else None,
    )
    transaction.on_commit(
        lambda: verification_failed.send(
            sender=CertificationAttempt,
            user=user,
            attempt=attempt,
            code=error.code,
            error=error,
            request=request,
        )
    )
