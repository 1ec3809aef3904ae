"""The rules that turn a PortOne result into a VerifiedIdentity.

:func:`verify_certification` is the one place where a result is accepted; the API
views, management commands and users' own code all call it. A visitor who is not
logged in gets the result kept on their attempt (encrypted) until the site's
sign-up calls :func:`claim_verification`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import crypto
from .ages import AgeRule
from .conf import app_settings
from .exceptions import (
    AttemptExhausted,
    AttemptExpired,
    AttemptMismatch,
    CertificationStale,
    CertificationUsed,
    CiMissing,
    IdentityInUse,
    IdentityMismatch,
    InvalidRequest,
    NoPendingVerification,
    NotCertified,
    PortOneAPIError,
    PortOneCertError,
    ReregistrationBlocked,
    ServiceUnavailable,
    TestChannel,
    error_class_name,
    is_service_outage,
)
from .fields import seal
from .models import SANDBOX_PROVIDER, CertificationAttempt, IdentityTombstone, VerifiedIdentity
from .portone import Certification, get_client, validate_result_id
from .signals import identity_verified, verification_failed

logger = logging.getLogger("django_portone_cert")

MERCHANT_UID_MAX_LENGTH = 40
#: Where a visitor's verified attempt is remembered until the sign-up claims it.
SESSION_KEY = "portone_cert_verified"
#: The session key the waiting result is bound to (to re-bind it when login rotates the key).
BOUND_SESSION_KEY = "portone_cert_bound_to"


@contextmanager
def _database_guard() -> Iterator[None]:
    """A database failure while personal data is in the clear becomes ``service_unavailable``.

    The database's own traceback is dropped (``from None``): its frames hold the
    values being written, and error reports render every frame's variables.
    """
    try:
        yield
    except IntegrityError:
        raise
    except DatabaseError as err:
        logger.error("The database failed during a verification (%s).", type(err).__name__)
        raise ServiceUnavailable() from None


def get_identity(user: Any) -> VerifiedIdentity | None:
    """The user's identity, or None (anonymous or never verified). One query at most."""
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        identity: VerifiedIdentity = user.verified_identity
    except VerifiedIdentity.DoesNotExist:
        return None
    return identity


#: What the age gates read: nothing encrypted, so a gated request decrypts nothing.
GATE_FIELDS = ("id", "user_id", "birth_date", "verified_at", "provider")


def gate_identity(user: Any) -> VerifiedIdentity | None:
    """The fields of the user's identity a gate needs, in one narrow query (none if anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return VerifiedIdentity.objects.filter(user_id=user.pk).only(*GATE_FIELDS).first()


async def agate_identity(user: Any) -> VerifiedIdentity | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return await VerifiedIdentity.objects.filter(user_id=user.pk).only(*GATE_FIELDS).afirst()


def _session_key(request: HttpRequest | None, *, create: bool = False) -> str:
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key and create:
        session.save()
    return str(session.session_key or "")


def start_attempt(*, user: Any, request: HttpRequest | None = None) -> CertificationAttempt:
    """Mint a new attempt bound to ``user`` (or, for a visitor, to the session)."""
    now = timezone.now()
    fields: dict[str, Any] = {"created_at": now, "expires_at": now + app_settings.ATTEMPT_TTL}
    if getattr(user, "is_authenticated", False):
        fields["user"] = user
    else:
        session_key = _session_key(request, create=True)
        if not session_key or not app_settings.ANONYMOUS_VERIFICATION:
            raise InvalidRequest()
        fields["session_key"] = session_key
    return CertificationAttempt.objects.create(**fields)


def _requesters_attempt(
    user: Any, merchant_uid: str, imp_uid: str, request: HttpRequest | None
) -> tuple[CertificationAttempt | None, bool]:
    """The requester's attempt named ``merchant_uid``, and whether ``imp_uid`` was used.

    One query: the attempt and any attempt that consumed ``imp_uid`` come together.
    """
    if getattr(user, "is_authenticated", False):
        mine = Q(merchant_uid=merchant_uid, user_id=user.pk)
    else:
        session_key = _session_key(request)
        if not session_key or not app_settings.ANONYMOUS_VERIFICATION:
            mine = Q(pk__in=[])
        else:
            mine = Q(merchant_uid=merchant_uid, user__isnull=True, session_key=session_key)
    attempt, used = None, False
    for row in CertificationAttempt.objects.filter(mine | Q(imp_uid=imp_uid))[:2]:
        if row.imp_uid == imp_uid:
            used = True
        if row.merchant_uid == merchant_uid and (
            row.user_id == getattr(user, "pk", None) if row.user_id else True
        ):
            attempt = row
    return attempt, used


@sensitive_variables()
def verify_certification(
    *, user: Any, imp_uid: str, merchant_uid: str, request: HttpRequest | None = None
) -> VerifiedIdentity | CertificationAttempt:
    """Re-read ``imp_uid`` from PortOne and, if every rule holds, store it.

    For a logged-in ``user`` this returns their :class:`VerifiedIdentity`. For a
    visitor (``ANONYMOUS_VERIFICATION``) it returns the verified attempt, whose
    result waits for :func:`claim_verification`. Raises a
    :class:`~django_portone_cert.exceptions.PortOneCertError` subclass otherwise;
    then nothing is stored but the attempt's failure.
    """
    attempt: CertificationAttempt | None = None
    created = False
    try:
        validate_result_id(imp_uid)
        if (
            not isinstance(merchant_uid, str)
            or not merchant_uid
            or len(merchant_uid) > MERCHANT_UID_MAX_LENGTH
        ):
            raise InvalidRequest()
        attempt, used = _requesters_attempt(user, merchant_uid, imp_uid, request)
        if used:
            raise CertificationUsed()
        if attempt is None:
            raise AttemptMismatch()
        if attempt.status == CertificationAttempt.Status.VERIFIED:
            # This attempt already produced an identity, from another result.
            raise CertificationUsed()
        if attempt.is_expired():
            raise AttemptExpired()
        _count_lookup(attempt)

        certification = mark_sandbox(get_client().get_result(imp_uid))
        check_certification(certification, attempt)
        ci_hash = crypto.keyed_hash(certification.ci) if certification.ci else ""
        check_person(crypto.keyed_hashes(certification.ci) if certification.ci else [], user)
        if attempt.user_id is None:
            outcome: VerifiedIdentity | CertificationAttempt = _hold_for_signup(
                attempt, certification, request
            )
        else:
            identity, created = _store(user, attempt, certification, ci_hash)
            outcome = identity
    except PortOneCertError as error:
        _record_failure(user, attempt, error, request)
        raise
    except Exception as err:
        if not is_service_outage(err):
            raise
        raise _record_outage(user, attempt, err, request) from err

    if isinstance(outcome, VerifiedIdentity):
        _after_commit_verified(outcome, user, attempt, created, request)
    _delete_at_portone_after_commit(certification.imp_uid)
    return outcome


def mark_sandbox(certification: Certification) -> Certification:
    """A result read while ``SANDBOX`` is set is the sandbox's, whoever typed it: say so.

    Decided by this server's settings when it reads the result, never by the
    result: the sandbox fakes PortOne exactly, provider and ids included.
    """
    if not app_settings.SANDBOX:
        return certification
    return dataclasses.replace(certification, provider=SANDBOX_PROVIDER)


def _count_lookup(attempt: CertificationAttempt) -> None:
    """Bound what one attempt can make PortOne do: ``ATTEMPT_MAX_LOOKUPS`` lookups at most.

    One conditional UPDATE, so concurrent resubmissions cannot both take the last lookup.
    """
    counted = CertificationAttempt.objects.filter(
        pk=attempt.pk, lookups__lt=app_settings.ATTEMPT_MAX_LOOKUPS
    ).update(lookups=F("lookups") + 1)
    if not counted:
        raise AttemptExhausted()


@sensitive_variables()
def check_certification(certification: Certification, attempt: CertificationAttempt) -> None:
    """Trust rules 2, 3 and 5: completed, carries this attempt's id, fresh; a CI if required;
    on V2, from the site's own LIVE channel."""
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
    if not certification.ci and app_settings.REQUIRE_CI:
        raise CiMissing()
    if certification.api_version == "v2":
        _check_channel(certification)


def _check_channel(certification: Certification) -> None:
    """A V2 result counts only from a LIVE channel (unless ``ALLOW_TEST_CHANNEL``) and, when
    ``CHANNEL_KEY`` is set, only from that channel. A result without a channel proves neither."""
    if certification.channel_type != "LIVE" and not app_settings.ALLOW_TEST_CHANNEL:
        raise TestChannel()
    expected = app_settings.CHANNEL_KEY
    if expected and certification.channel_key != expected:
        raise TestChannel()


def check_person(ci_hashes: str | list[str], user: Any) -> None:
    """The re-sign-up block, by keyed hash (never decrypting); current key first.

    One person, one account (trust rule 6) is left to the database's unique
    index when the identity is written: it alone is right under concurrency. The
    index sees the current hash only, so rows still under a fallback key are
    looked for here.
    """
    hashes = [h for h in ([ci_hashes] if isinstance(ci_hashes, str) else ci_hashes) if h]
    if hashes and app_settings.TOMBSTONE_RETENTION is not None:
        blocked = IdentityTombstone.objects.filter(
            ci_hash__in=hashes, expires_at__gt=timezone.now()
        )
        if blocked.exists():
            raise ReregistrationBlocked()
    user_pk = getattr(user, "pk", None)  # a visitor is refused at the sign-up's claim
    if len(hashes) > 1 and user_pk is not None and app_settings.ONE_ACCOUNT_PER_PERSON:
        holders = VerifiedIdentity.objects.filter(unique_ci_hash__in=hashes[1:])
        if holders.exclude(user_id=user_pk).exists():
            raise IdentityInUse()


@sensitive_variables()
def _fill_identity(
    identity: VerifiedIdentity, certification: Certification, ci_hash: str, now: datetime
) -> None:
    # A sandbox identity's person was typed in: a real one replaces it.
    replaces_sandbox = identity.is_sandbox and certification.provider != SANDBOX_PROVIDER
    if (
        identity.pk is not None
        and not replaces_sandbox
        and not _same_person(identity, certification, ci_hash)
    ):
        raise IdentityMismatch()
    identity.name = certification.name or ""
    identity.birth_date = certification.birth_date  # type: ignore[assignment]
    identity.gender = certification.gender or ""
    identity.is_foreigner = certification.is_foreigner
    identity.provider = certification.provider
    identity.api_version = certification.api_version
    if ci_hash:
        identity.ci = certification.ci or ""
        identity.ci_hash = ci_hash
        identity.unique_ci_hash = ci_hash if app_settings.ONE_ACCOUNT_PER_PERSON else None
    identity.di = (certification.di or "") if app_settings.STORE_DI else ""
    identity.phone = (certification.phone or "") if app_settings.STORE_PHONE else ""
    identity.carrier = (certification.carrier or "") if app_settings.STORE_PHONE else ""
    identity.imp_uid = certification.imp_uid
    identity.certified_at = certification.certified_at  # type: ignore[assignment]
    identity.verified_at = now


@sensitive_variables()
def _same_person(identity: VerifiedIdentity, certification: Certification, ci_hash: str) -> bool:
    """Whether a new result is the person already stored on the account.

    By CI when both carry one. When either lacks it (``REQUIRE_CI`` off, Kakao via
    Inicis), only the same name and birth date count: a CI-less result must not
    replace a person.
    """
    if identity.ci_hash and ci_hash:
        # Any of the person's hashes: the row may still be under a fallback key.
        return identity.ci_hash in crypto.keyed_hashes(certification.ci or "")
    if not identity.ci_hash and not ci_hash and not identity.name:
        return True
    return identity.name == certification.name and identity.birth_date == certification.birth_date


@sensitive_variables()
def _store(
    user: Any, attempt: CertificationAttempt, certification: Certification, ci_hash: str
) -> tuple[VerifiedIdentity, bool]:
    """Consume the attempt and upsert the identity in one transaction."""
    now = timezone.now()

    def upsert() -> tuple[VerifiedIdentity, bool]:
        with transaction.atomic():
            _consume(attempt, certification.imp_uid, now)
            identities = VerifiedIdentity.objects.select_for_update()
            found = identities.filter(user_id=user.pk).first()
            identity = found or VerifiedIdentity(user=user)
            _fill_identity(identity, certification, ci_hash, now)
            identity.save()
        return identity, found is None

    try:
        with _database_guard():
            try:
                result = upsert()
            except IntegrityError:
                if not VerifiedIdentity.objects.filter(user_id=user.pk).exists():
                    raise
                # This user's other request created the identity first: update it instead.
                result = upsert()
    except IntegrityError as err:
        raise _integrity_error(ci_hash, user) from err
    return result


@sensitive_variables()
def _consume(attempt: CertificationAttempt, imp_uid: str, now: datetime, **extra: Any) -> None:
    """Mark the attempt used by ``imp_uid``, unless it already is (one conditional UPDATE).

    The row lock it takes serialises requests on the same attempt; the unique
    ``imp_uid`` serialises requests with the same result.
    """
    fields = {
        "status": CertificationAttempt.Status.VERIFIED,
        "imp_uid": imp_uid,
        "failure_code": "",
        "completed_at": now,
        **extra,
    }
    updated = (
        CertificationAttempt.objects.filter(pk=attempt.pk)
        .exclude(status=CertificationAttempt.Status.VERIFIED)
        .update(**fields)
    )
    if not updated:
        raise CertificationUsed()
    for name, value in fields.items():
        setattr(attempt, name, value)


def _integrity_error(ci_hash: str, user: Any) -> PortOneCertError:
    """Which unique index a concurrent request won on."""
    if ci_hash and app_settings.ONE_ACCOUNT_PER_PERSON:
        holders = VerifiedIdentity.objects.filter(unique_ci_hash=ci_hash)
        if user is not None and getattr(user, "pk", None) is not None:
            holders = holders.exclude(user_id=user.pk)
        if holders.exists():
            return IdentityInUse()
    return CertificationUsed()


# --- verification before sign-up ---


@sensitive_variables()
def _serialise(certification: Certification) -> str:
    return json.dumps(
        {
            "imp_uid": certification.imp_uid,
            "provider": certification.provider,
            "api_version": certification.api_version,
            "certified_at": certification.certified_at.isoformat()
            if certification.certified_at
            else None,
            "birth_date": certification.birth_date.isoformat()
            if certification.birth_date
            else None,
            "name": certification.name,
            "gender": certification.gender,
            "is_foreigner": certification.is_foreigner,
            "ci": certification.ci,
            "di": certification.di,
            "phone": certification.phone,
            "carrier": certification.carrier,
        }
    )


@sensitive_variables()
def _deserialise(text: str) -> Certification:
    data = json.loads(text)
    return Certification(
        imp_uid=data["imp_uid"],
        merchant_uid=None,
        provider=data["provider"],
        api_version=data.get("api_version", "v1"),
        certified=True,
        certified_at=datetime.fromisoformat(data["certified_at"]) if data["certified_at"] else None,
        birth_date=date.fromisoformat(data["birth_date"]) if data["birth_date"] else None,
        name=data["name"],
        gender=data["gender"],
        is_foreigner=data["is_foreigner"],
        ci=data["ci"],
        di=data["di"],
        phone=data["phone"],
        carrier=data["carrier"],
    )


@sensitive_variables()
def _hold_for_signup(
    attempt: CertificationAttempt, certification: Certification, request: HttpRequest | None
) -> CertificationAttempt:
    """Keep a visitor's result for the sign-up, bound to a freshly rotated session key.

    The key rotates the moment the visitor gains something: whoever held the
    session's previous key (a fixed or tossed cookie, a shared computer) holds
    nothing now, and the result is claimed only from the new key's session. The
    attempt is consumed first, so a concurrent resubmission that loses does not
    rotate the session away from the one that won.
    """
    session = getattr(request, "session", None)
    if session is None:
        raise InvalidRequest()
    old_key = attempt.session_key
    now = timezone.now()
    try:
        with _database_guard(), transaction.atomic():
            # Sealed here, so no ORM frame ever holds the result in the clear.
            _consume(
                attempt,
                certification.imp_uid,
                now,
                result=seal(attempt, "result", _serialise(certification)),
            )
    except IntegrityError as err:
        raise CertificationUsed() from err
    session.cycle_key()
    new_key = _session_key(request, create=True)
    with _database_guard():
        CertificationAttempt.objects.filter(pk=attempt.pk, session_key=old_key).update(
            session_key=new_key
        )
    attempt.session_key = new_key
    session[SESSION_KEY] = attempt.merchant_uid
    session[BOUND_SESSION_KEY] = new_key
    return attempt


@dataclass(frozen=True)
class PendingVerification:
    """A visitor's verified result, waiting for the sign-up (no CI here)."""

    merchant_uid: str
    name: str
    birth_date: date
    gender: str
    provider: str
    verified_at: datetime
    #: Whether this person already has an account (by CI), to refuse the sign-up kindly.
    has_account: bool

    def age(self, rule: AgeRule | None = None, on: date | None = None) -> int:
        from . import ages

        return ages.age(self.birth_date, rule or app_settings.AGE_RULE, on)


def _pending_attempt(request: HttpRequest) -> CertificationAttempt | None:
    """The visitor's waiting result: named by the session and bound to its current key."""
    session = getattr(request, "session", None)
    merchant_uid = session.get(SESSION_KEY) if session is not None else None
    session_key = _session_key(request)
    if not merchant_uid or not session_key:
        return None
    return (
        CertificationAttempt.objects.filter(
            merchant_uid=merchant_uid,
            session_key=session_key,
            user__isnull=True,
            status=CertificationAttempt.Status.VERIFIED,
            claimed_at__isnull=True,
            completed_at__gt=timezone.now() - app_settings.CLAIM_TTL,
        )
        .exclude(result="")
        .first()
    )


def rebind_after_login(request: HttpRequest) -> None:
    """Follow the session key that ``login()`` rotates, for a result waiting in this session.

    Only a session whose (server-side) data names the key the result was bound to
    can move it, so this never lets another session take it.
    """
    session = getattr(request, "session", None)
    if session is None:
        return
    merchant_uid, bound_to = session.get(SESSION_KEY), session.get(BOUND_SESSION_KEY)
    if not merchant_uid or not bound_to:
        return
    current = _session_key(request, create=True)
    if bound_to == current:
        return
    CertificationAttempt.objects.filter(
        merchant_uid=merchant_uid, session_key=bound_to, user__isnull=True
    ).update(session_key=current)
    session[BOUND_SESSION_KEY] = current


@sensitive_variables()
def pending_verification(request: HttpRequest) -> PendingVerification | None:
    """The visitor's verified result, if one waits in this session."""
    attempt = _pending_attempt(request)
    if attempt is None:
        return None
    certification = _deserialise(attempt.result)
    ci_hash = crypto.keyed_hash(certification.ci) if certification.ci else ""
    return PendingVerification(
        merchant_uid=attempt.merchant_uid,
        name=certification.name or "",
        birth_date=certification.birth_date or date.min,
        gender=certification.gender or "",
        provider=certification.provider,
        verified_at=attempt.completed_at or timezone.now(),
        has_account=bool(ci_hash)
        and VerifiedIdentity.objects.for_ci(certification.ci or "").exists(),
    )


@sensitive_variables()
def claim_verification(request: HttpRequest, user: Any) -> VerifiedIdentity:
    """Attach the visitor's verified result to ``user`` (just signed up).

    Raises :class:`NoPendingVerification` when none waits (or it expired), and
    :class:`IdentityInUse` when the person already has another account.
    """
    attempt = _pending_attempt(request)
    if attempt is None:
        raise NoPendingVerification()
    certification = _deserialise(attempt.result)
    ci_hash = crypto.keyed_hash(certification.ci) if certification.ci else ""
    check_person(crypto.keyed_hashes(certification.ci) if certification.ci else [], user)
    now = timezone.now()
    try:
        with _database_guard(), transaction.atomic():
            locked = CertificationAttempt.objects.select_for_update().get(pk=attempt.pk)
            if locked.claimed_at is not None:
                raise NoPendingVerification()
            identity = VerifiedIdentity.objects.select_for_update().filter(user_id=user.pk).first()
            created = identity is None
            identity = identity or VerifiedIdentity(user=user)
            _fill_identity(identity, certification, ci_hash, now)
            identity.save()
            locked.user = user
            locked.claimed_at = now
            locked.result = ""
            locked.save(update_fields=["user", "claimed_at", "result"])
    except IntegrityError as err:
        raise _integrity_error(ci_hash, user) from err
    request.session.pop(SESSION_KEY, None)
    request.session.pop(BOUND_SESSION_KEY, None)
    _after_commit_verified(identity, user, locked, created, request)
    return identity


# --- after the outcome ---


def _after_commit_verified(
    identity: VerifiedIdentity,
    user: Any,
    attempt: CertificationAttempt | None,
    created: bool,
    request: HttpRequest | None,
) -> None:
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


def _delete_at_portone_after_commit(imp_uid: str) -> None:
    if not app_settings.DELETE_AFTER_VERIFY:
        return

    def delete() -> None:
        try:
            get_client().delete_result(imp_uid)
        except PortOneCertError as error:
            # PortOne keeps its copy; ours is stored. Not worth failing the user for.
            logger.warning("Could not delete PortOne's copy of a result (%s).", error.code)

    transaction.on_commit(delete)


def _record_failure(
    user: Any,
    attempt: CertificationAttempt | None,
    error: PortOneCertError,
    request: HttpRequest | None,
) -> None:
    if attempt is not None:
        # Only a pending or failed attempt takes the failure; a verified one stays verified.
        try:
            CertificationAttempt.objects.filter(
                pk=attempt.pk,
                status__in=[
                    CertificationAttempt.Status.PENDING,
                    CertificationAttempt.Status.FAILED,
                ],
            ).update(
                status=CertificationAttempt.Status.FAILED,
                failure_code=error.code,
                completed_at=timezone.now(),
            )
            attempt.refresh_from_db()
        except DatabaseError as err:
            # The refusal stands; only its record is lost.
            logger.error("Could not record a refused verification (%s).", type(err).__name__)
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


def _record_outage(
    user: Any,
    attempt: CertificationAttempt | None,
    err: Exception,
    request: HttpRequest | None,
) -> ServiceUnavailable:
    """A cache or the database failed mid-way: record the failure if the attempt can still
    be written (it is not left pending), and return the error to raise."""
    logger.warning("Identity verification could not go on (%s).", error_class_name(err))
    error = ServiceUnavailable()
    try:
        _record_failure(user, attempt, error, request)
    except Exception as record_err:
        # The database is down, or the failed query broke the caller's transaction.
        if not (isinstance(record_err, DatabaseError) or is_service_outage(record_err)):
            raise
        logger.warning(
            "The attempt's failure could not be recorded either (%s).",
            error_class_name(record_err),
        )
    return error


# --- retention ---


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
        status=CertificationAttempt.Status.VERIFIED,
        claimed_at__isnull=True,
        completed_at__lte=now - app_settings.CLAIM_TTL,
    ).delete()
    tombstones, _ = IdentityTombstone.objects.filter(expires_at__lte=now).delete()
    return PurgeReport(expired_attempts, failed_attempts, unclaimed_results, tombstones)
