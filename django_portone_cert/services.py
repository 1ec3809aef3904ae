"""Attempts and verification: the rules that turn a PortOne result into a VerifiedIdentity.

:func:`start_attempt` mints an attempt bound to its requester; :func:`verify_certification`
is the one place where a result is accepted. A visitor's result is kept on their attempt
(encrypted, bound to their rotated session) for :mod:`.signup`'s claim.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.middleware.csrf import rotate_token
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import ages, crypto
from .ages import AgeRule
from .conf import app_settings
from .exceptions import (
    AttemptExhausted,
    AttemptExpired,
    AttemptMismatch,
    CertificationStale,
    CertificationUsed,
    ChildNotAllowed,
    CiMissing,
    IdentityInUse,
    IdentityMismatch,
    InvalidRequest,
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
from .limits import charge_visitor_attempt
from .models import SANDBOX_PROVIDER, CertificationAttempt, IdentityTombstone, VerifiedIdentity
from .portone import Certification, get_client, validate_result_id
from .signals import identity_reverified, identity_verified, verification_failed

logger = logging.getLogger("django_portone_cert")

MERCHANT_UID_MAX_LENGTH = 40
#: How far PortOne's clock may run ahead of ours before a completion time is implausible.
CLOCK_SKEW = timedelta(minutes=5)

#: Where a visitor's verified attempt is remembered until the sign-up claims it.
SESSION_KEY = "portone_cert_verified"

#: The session key the waiting result is bound to (to re-bind it when login rotates the key).
BOUND_SESSION_KEY = "portone_cert_bound_to"


@contextmanager
def database_guard() -> Iterator[None]:
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


def current_session_key(request: HttpRequest | None, *, create: bool = False) -> str:
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key and create:
        session.save()
    return str(session.session_key or "")


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_certification` accepted: who, and where it is kept now."""

    name: str = field(repr=False)
    birth_date: date = field(repr=False)
    provider: str
    verified_at: datetime
    attempt: CertificationAttempt
    #: The user's stored identity; None while a visitor's result waits for the sign-up.
    identity: VerifiedIdentity | None

    @property
    def pending_signup(self) -> bool:
        return self.identity is None

    def age(self, rule: AgeRule | None = None, on: date | None = None) -> int:
        return ages.age(self.birth_date, rule or app_settings.AGE_RULE, on)


Purpose = CertificationAttempt.Purpose


def _binds_to_session(user: Any, purpose: str) -> bool:
    """Verification binds to the user when logged in; every other flow to the session."""
    return purpose != Purpose.VERIFICATION or not getattr(user, "is_authenticated", False)


def start_attempt(
    *, user: Any, request: HttpRequest | None = None, purpose: str = Purpose.VERIFICATION
) -> CertificationAttempt:
    """Mint a new attempt for ``purpose``, bound to ``user`` or to the session.

    A verification binds to a logged-in user, or to a visitor's session when
    ``ANONYMOUS_VERIFICATION`` lets visitors verify; recovery and guardian attempts
    always bind to the session (their flows decide who may start them).
    """
    now = timezone.now()
    fields: dict[str, Any] = {
        "created_at": now,
        "expires_at": now + app_settings.ATTEMPT_TTL,
        "purpose": purpose,
    }
    if not _binds_to_session(user, purpose):
        fields["user"] = user
    else:
        session_key = current_session_key(request, create=True)
        visitor_allowed = purpose != Purpose.VERIFICATION or app_settings.ANONYMOUS_VERIFICATION
        if not session_key or not visitor_allowed:
            raise InvalidRequest()
        if not getattr(user, "is_authenticated", False):
            charge_visitor_attempt()
        fields["session_key"] = session_key
    return CertificationAttempt.objects.create(**fields)


def _requesters_attempt(
    user: Any, merchant_uid: str, imp_uid: str, request: HttpRequest | None, purpose: str
) -> tuple[CertificationAttempt | None, bool]:
    """The requester's attempt for ``purpose`` named ``merchant_uid``, and whether ``imp_uid``
    was used.

    One query: the attempt and any attempt that consumed ``imp_uid`` come together.
    """
    if not _binds_to_session(user, purpose):
        mine = Q(merchant_uid=merchant_uid, user_id=user.pk, purpose=purpose)
    else:
        session_key = current_session_key(request)
        visitor_allowed = purpose != Purpose.VERIFICATION or app_settings.ANONYMOUS_VERIFICATION
        if not session_key or not visitor_allowed:
            mine = Q(pk__in=[])
        else:
            mine = Q(
                merchant_uid=merchant_uid,
                user__isnull=True,
                session_key=session_key,
                purpose=purpose,
            )
    attempt, used = None, False
    for row in CertificationAttempt.objects.filter(mine | Q(imp_uid=imp_uid))[:2]:
        if row.imp_uid == imp_uid:
            used = True
        if (
            row.merchant_uid == merchant_uid
            and row.purpose == purpose
            and (row.user_id == getattr(user, "pk", None) if row.user_id else True)
        ):
            attempt = row
    return attempt, used


class AttemptRun:
    """One use of an attempt: ``with AttemptRun(user, request) as run: read_result(run, …)``.

    Whatever refuses the run (a :class:`PortOneCertError`) is recorded on the attempt
    and sent as ``verification_failed``; a cache or database outage becomes
    ``service_unavailable`` (recorded when the attempt can still be written).
    """

    def __init__(self, user: Any, request: HttpRequest | None) -> None:
        self.user = user
        self.request = request
        self.attempt: CertificationAttempt | None = None

    def __enter__(self) -> AttemptRun:
        return self

    def __exit__(self, exc_type: Any, error: BaseException | None, traceback: Any) -> None:
        if isinstance(error, PortOneCertError):
            _record_failure(self.user, self.attempt, error, self.request)
        elif isinstance(error, Exception) and is_service_outage(error):
            raise _record_outage(self.user, self.attempt, error, self.request) from error


@sensitive_variables()
def read_result(
    run: AttemptRun, *, imp_uid: str, merchant_uid: str, purpose: str
) -> tuple[CertificationAttempt, Certification]:
    """The requester's attempt for ``purpose`` (on ``run``) and PortOne's result for it.

    Every rule that does not depend on the flow: the ids are well formed, the
    attempt is the requester's, for this purpose, unexpired and unused, the result
    unused, within ``ATTEMPT_MAX_LOOKUPS`` lookups; PortOne's answer is completed,
    names this attempt, is fresh, from the site's LIVE channel, with a CI if required.
    """
    validate_result_id(imp_uid)
    if (
        not isinstance(merchant_uid, str)
        or not merchant_uid
        or len(merchant_uid) > MERCHANT_UID_MAX_LENGTH
    ):
        raise InvalidRequest()
    attempt, used = _requesters_attempt(run.user, merchant_uid, imp_uid, run.request, purpose)
    run.attempt = attempt
    if used:
        raise CertificationUsed()
    if attempt is None:
        raise AttemptMismatch()
    if attempt.status == CertificationAttempt.Status.VERIFIED:
        # This attempt already produced an outcome, from another result.
        raise CertificationUsed()
    if attempt.is_expired():
        raise AttemptExpired()
    _count_lookup(attempt)
    certification = mark_sandbox(get_client().get_result(imp_uid))
    check_certification(certification, attempt)
    return attempt, certification


@sensitive_variables()
def verify_certification(
    *, user: Any, imp_uid: str, merchant_uid: str, request: HttpRequest | None = None
) -> Verification:
    """Re-read ``imp_uid`` from PortOne and, if every rule holds, store it.

    A logged-in ``user``'s identity is stored (``Verification.identity``); a
    visitor's result (``ANONYMOUS_VERIFICATION``) waits on the attempt for
    :func:`signup.claim_verification` (``Verification.pending_signup``). Raises a
    :class:`~django_portone_cert.exceptions.PortOneCertError` subclass otherwise;
    then nothing is stored but the attempt's failure.
    """
    created, changed = False, None
    with AttemptRun(user, request) as run:
        attempt, certification = read_result(
            run, imp_uid=imp_uid, merchant_uid=merchant_uid, purpose=Purpose.VERIFICATION
        )
        check_child(certification.birth_date)
        ci_hash = crypto.keyed_hash(certification.ci) if certification.ci else ""
        check_person(crypto.keyed_hashes(certification.ci) if certification.ci else [], user)
        identity: VerifiedIdentity | None = None
        if attempt.user_id is None:
            _hold_for_signup(attempt, certification, request)
        else:
            identity, created, changed = _store(user, attempt, certification, ci_hash)

    if identity is not None:
        send_verified_after_commit(identity, user, attempt, created, request, changed=changed)
    delete_at_portone_after_commit(certification.imp_uid)
    return Verification(
        name=certification.name or "",
        birth_date=certification.birth_date or date.min,
        provider=certification.provider,
        verified_at=attempt.completed_at or timezone.now(),
        attempt=attempt,
        identity=identity,
    )


def is_child(birth_date: date | None, on: date | None = None) -> bool:
    """Under ``CHILD_AGE`` by 만 나이, on Seoul's date (PIPA §22-2: under 14)."""
    if birth_date is None:
        return False
    return ages.full_age(birth_date, on or ages.today_kst()) < app_settings.CHILD_AGE


def check_child(birth_date: date | None) -> None:
    """``CHILD_POLICY`` "refuse": a child's result is refused before anything of it is stored."""
    if app_settings.CHILD_POLICY == "refuse" and is_child(birth_date):
        raise ChildNotAllowed()


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
    certified_at, now = certification.certified_at, timezone.now()
    if certified_at is None or certified_at < now - app_settings.MAX_CERTIFICATION_AGE:
        raise CertificationStale()
    if certified_at > now + CLOCK_SKEW:
        # Completed in the future: not an answer to trust.
        logger.warning("PortOne returned a result completed in the future.")
        raise PortOneAPIError(status=200)
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
def fill_identity(
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
    # What was given for the typed person (a guardian's consent) ends when this is saved.
    identity.person_replaced = identity.pk is not None and replaces_sandbox
    identity.name = certification.name or ""
    identity.birth_date = certification.birth_date  # type: ignore[assignment]
    identity.gender = certification.gender or ""
    identity.is_foreigner = certification.is_foreigner
    identity.gender_source = certification.gender_source
    identity.foreigner_source = certification.foreigner_source
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

    By CI when both carry one. A result without a CI never stands for a person
    stored with one: namesakes share a name and a birth date, and accepting it
    would refresh the verification (step-up, ``REVERIFY_AFTER``) and the phone of
    someone it does not prove to be. When neither has a CI (``REQUIRE_CI`` off),
    only the same name and birth date count.
    """
    if identity.ci_hash and ci_hash:
        # Any of the person's hashes: the row may still be under a fallback key.
        return identity.ci_hash in crypto.keyed_hashes(certification.ci or "")
    if identity.ci_hash:
        return False
    if not identity.ci_hash and not ci_hash and not identity.name:
        return True
    return identity.name == certification.name and identity.birth_date == certification.birth_date


#: What a re-verification of the same person may change (``identity_reverified``'s ``changed``).
REVERIFIED_FIELDS = ("name", "phone", "carrier", "gender", "is_foreigner", "provider")


@sensitive_variables()
def _store(
    user: Any, attempt: CertificationAttempt, certification: Certification, ci_hash: str
) -> tuple[VerifiedIdentity, bool, list[str] | None]:
    """Consume the attempt and upsert the identity in one transaction.

    Returns the identity, whether it was created, and — when the user verified
    again as the same person — the names of the fields that changed (else None).
    """
    now = timezone.now()

    def upsert() -> tuple[VerifiedIdentity, bool, list[str] | None]:
        with transaction.atomic():
            _consume(attempt, certification.imp_uid, now)
            identities = VerifiedIdentity.objects.select_for_update()
            found = identities.filter(user_id=user.pk).first()
            identity = found or VerifiedIdentity(user=user)
            # A sandbox identity replaced by a real one is not "the same person again".
            same_person = found is not None and not (
                found.is_sandbox and certification.provider != SANDBOX_PROVIDER
            )
            before = [getattr(identity, name) for name in REVERIFIED_FIELDS]
            fill_identity(identity, certification, ci_hash, now)
            identity.save()
        changed = [
            name
            for name, old in zip(REVERIFIED_FIELDS, before, strict=True)
            if getattr(identity, name) != old
        ]
        return identity, found is None, changed if same_person else None

    try:
        with database_guard():
            try:
                result = upsert()
            except IntegrityError:
                if not VerifiedIdentity.objects.filter(user_id=user.pk).exists():
                    raise
                # This user's other request created the identity first: update it instead.
                result = upsert()
    except IntegrityError as err:
        raise identity_conflict(ci_hash, user) from err
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


def identity_conflict(ci_hash: str, user: Any) -> PortOneCertError:
    """Which unique index a concurrent request won on."""
    if ci_hash and app_settings.ONE_ACCOUNT_PER_PERSON:
        holders = VerifiedIdentity.objects.filter(unique_ci_hash=ci_hash)
        if user is not None and getattr(user, "pk", None) is not None:
            holders = holders.exclude(user_id=user.pk)
        if holders.exists():
            return IdentityInUse()
    return CertificationUsed()


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
    # Sealed here, so no ORM frame ever holds the result in the clear.
    consume_attempt(
        attempt, certification.imp_uid, result=seal(attempt, "result", certification.to_json())
    )
    new_key = rotate_session(attempt, request)
    session[SESSION_KEY] = attempt.merchant_uid
    session[BOUND_SESSION_KEY] = new_key
    return attempt


@sensitive_variables()
def consume_attempt(attempt: CertificationAttempt, imp_uid: str, **extra: Any) -> None:
    """Mark ``attempt`` used by ``imp_uid`` (``certification_used`` if it already is)."""
    try:
        with database_guard(), transaction.atomic():
            _consume(attempt, imp_uid, timezone.now(), **extra)
    except IntegrityError as err:
        raise CertificationUsed() from err


def rotate_session(attempt: CertificationAttempt, request: HttpRequest | None) -> str:
    """Give the requester a new session key the moment they gain something, and bind the
    (consumed) attempt to it; return the new key.

    Whoever held the previous key (a fixed or tossed cookie, a shared computer) holds
    nothing now. Call it after consuming the attempt, so that a concurrent submission
    that loses does not rotate the session away from the one that won.
    """
    session = getattr(request, "session", None)
    if request is None or session is None:
        raise InvalidRequest()
    old_key = attempt.session_key
    session.cycle_key()
    rotate_token(request)  # as login() does: a CSRF cookie fixed beforehand is worthless too
    new_key = current_session_key(request, create=True)
    with database_guard():
        CertificationAttempt.objects.filter(pk=attempt.pk, session_key=old_key).update(
            session_key=new_key
        )
    attempt.session_key = new_key
    return new_key


def send_verified_after_commit(
    identity: VerifiedIdentity,
    user: Any,
    attempt: CertificationAttempt | None,
    created: bool,
    request: HttpRequest | None,
    *,
    changed: list[str] | None = None,
) -> None:
    """``identity_verified``; and ``identity_reverified`` when ``changed`` is a list (the same
    person verified again)."""

    common = {"identity": identity, "user": user, "attempt": attempt, "request": request}

    def send() -> None:
        identity_verified.send(sender=VerifiedIdentity, created=created, **common)
        if changed is not None:
            identity_reverified.send(sender=VerifiedIdentity, changed=changed, **common)

    transaction.on_commit(send)


def delete_at_portone_after_commit(imp_uid: str) -> None:
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


def __getattr__(name: str) -> Any:
    """The sign-up's half of the contract (``services.pending_verification`` and
    ``services.claim_verification``) lives in :mod:`.signup`, account recovery's
    (``services.find_accounts``) in :mod:`.recovery`, the guardians'
    (``services.request_guardian_consent``, ``services.revoke_guardian_consent``) in
    :mod:`.guardians`."""
    if name in ("pending_verification", "claim_verification", "PendingVerification"):
        from . import signup

        return getattr(signup, name)
    if name == "find_accounts":
        from . import recovery

        return recovery.find_accounts
    if name in ("request_guardian_consent", "revoke_guardian_consent", "guardian_consent_state"):
        from . import guardians

        return getattr(guardians, name)
    raise AttributeError(name)
