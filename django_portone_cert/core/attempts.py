"""Attempts: minted bound to their requester, read once against PortOne, spent once.

:func:`start_attempt` mints one; :class:`AttemptRun` reads PortOne's result for it under
every rule that does not depend on the flow, and records what refused it; :func:`spend`
consumes it and gives the requester a new session key, all or nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .. import labels
from ..conf import app_settings
from ..exceptions import (
    AttemptExpired,
    AttemptMismatch,
    CertificationUsed,
    InvalidRequest,
    PortOneCertError,
    ServiceUnavailable,
    error_class_name,
    is_service_outage,
)
from ..limits import charge_visitor_attempt
from ..models import CertificationAttempt, VerifiedIdentity
from ..portone import Certification, get_client, validate_result_id
from ..signals import verification_failed
from ..tracing import annotate, traced
from .lookups import count_lookup, take_lookup
from .rules import check_certification, mark_sandbox
from .sessions import current_session_key, new_session_key

logger = logging.getLogger("django_portone_cert")

MERCHANT_UID_MAX_LENGTH = 40
VERIFICATION = CertificationAttempt.Purpose.VERIFICATION

#: Where a run gets PortOne's result for the attempt, instead of a lookup: ``source(attempt,
#: result_id)``, called once the attempt is known to be the requester's, unexpired and unused
#: (in-app verification confirms the person's code there). Every rule then applies as ever.
ResultSource = Callable[[CertificationAttempt, str], Certification]


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


def binds_to_session(user: Any, purpose: str) -> bool:
    """Verification binds to the user when logged in; every other flow to the session."""
    return purpose != VERIFICATION or not getattr(user, "is_authenticated", False)


def visitors_may(purpose: str) -> bool:
    """Whether a session (no account) may hold an attempt for ``purpose``: recovery and
    guardians always (their flows decide who may start); a verification only with
    ``ANONYMOUS_VERIFICATION`` (sign-up)."""
    return purpose != VERIFICATION or app_settings.ANONYMOUS_VERIFICATION


def start_attempt(
    *, user: Any, request: HttpRequest | None = None, purpose: str = VERIFICATION
) -> CertificationAttempt:
    """Mint a new attempt for ``purpose``, bound to ``user`` or to the session.

    A verification binds to a logged-in user, or to a visitor's session when
    ``ANONYMOUS_VERIFICATION`` lets visitors verify; recovery and guardian attempts
    always bind to the session. A visitor's attempt counts against
    ``VISITOR_ATTEMPTS_PER_HOUR``.
    """
    now = timezone.now()
    fields: dict[str, Any] = {
        "created_at": now,
        "expires_at": now + app_settings.ATTEMPT_TTL,
        "purpose": purpose,
    }
    if not binds_to_session(user, purpose):
        fields["user"] = user
    else:
        session_key = current_session_key(request, create=True)
        if not session_key or not visitors_may(purpose):
            raise InvalidRequest()
        if not getattr(user, "is_authenticated", False):
            charge_visitor_attempt()
        fields["session_key"] = session_key
    return CertificationAttempt.objects.create(**fields)


def requester(user: Any, request: HttpRequest | None, purpose: str) -> dict[str, Any] | None:
    """Whose attempts for ``purpose`` the requester may use, as a filter: the logged-in user's
    for a verification, else those of the session's current key (visitors only where they
    may); None when there are none."""
    if not binds_to_session(user, purpose):
        return {"user_id": user.pk}
    session_key = current_session_key(request)
    if not session_key or not visitors_may(purpose):
        return None
    return {"user__isnull": True, "session_key": session_key}


def _requesters_attempt(
    user: Any, merchant_uid: str, imp_uid: str, request: HttpRequest | None, purpose: str
) -> tuple[CertificationAttempt | None, bool]:
    """The requester's attempt for ``purpose`` named ``merchant_uid``, and whether ``imp_uid``
    was used. One query: the attempt and any attempt that consumed ``imp_uid`` come together.
    """
    owner = requester(user, request, purpose)
    mine = Q(merchant_uid=merchant_uid, purpose=purpose, **owner) if owner else Q(pk__in=[])
    attempt, used = None, False
    # Whether the account holds an identity yet, in the same statement: a first verification
    # then writes it without reading it again (store_identity's ``new``).
    has_identity = Exists(VerifiedIdentity.objects.filter(user_id=OuterRef("user_id")))
    rows = CertificationAttempt.objects.filter(mine | Q(imp_uid=imp_uid)).order_by()
    for row in rows.annotate(has_identity=has_identity)[:2]:
        used = used or row.imp_uid == imp_uid
        # A row found by its result alone may be anyone's: only the requester's is the run's.
        if owner and row.merchant_uid == merchant_uid and row.purpose == purpose:
            holder = {"user__isnull": row.user_id is None, "session_key": row.session_key}
            attempt = row if owner in ({"user_id": row.user_id}, holder) else None
    return attempt, used


def latest_attempt(
    user: Any, request: HttpRequest | None, purpose: str = VERIFICATION
) -> CertificationAttempt | None:
    """The requester's latest unexpired attempt for ``purpose``, whatever its status.

    Bound exactly as :meth:`AttemptRun.read_result` binds: to the logged-in user for a
    verification, else to the session's current key (visitors only where they may).
    """
    owner = requester(user, request, purpose)
    if owner is None:
        return None
    return (
        CertificationAttempt.objects.filter(**owner, purpose=purpose, expires_at__gt=timezone.now())
        .order_by("-created_at", "-pk")
        .first()
    )


def requesters_attempt(
    user: Any, merchant_uid: str, request: HttpRequest | None
) -> CertificationAttempt | None:
    """The requester's attempt named ``merchant_uid``, whatever its purpose (bound as
    :func:`start_attempt` bound it), or None."""
    purpose = (
        CertificationAttempt.objects.filter(merchant_uid=merchant_uid)
        .values_list("purpose", flat=True)
        .first()
    )
    if purpose is None:
        return None
    return _requesters_attempt(user, merchant_uid, "", request, purpose)[0]


def usable(attempt: CertificationAttempt | None) -> CertificationAttempt:
    """The requester's attempt (None: they have none of that name, ``attempt_mismatch``), if
    it can still be used: not ``certification_used`` (it already produced an outcome), not
    ``attempt_expired``."""
    if attempt is None:
        raise AttemptMismatch()
    if attempt.status == CertificationAttempt.Status.VERIFIED:
        raise CertificationUsed()
    if attempt.is_expired():
        raise AttemptExpired()
    return attempt


class AttemptRun:
    """One use of an attempt: ``with AttemptRun(user, request) as run: run.read_result(…)``.

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
            record_failure(self.user, self.attempt, error, self.request)
        elif isinstance(error, Exception) and is_service_outage(error):
            raise _record_outage(self.user, self.attempt, error, self.request) from error

    @sensitive_variables()
    @traced("portone_cert.read_result")
    def read_result(
        self,
        *,
        imp_uid: str,
        merchant_uid: str,
        purpose: str,
        source: ResultSource | None = None,
    ) -> tuple[CertificationAttempt, Certification]:
        """The requester's attempt for ``purpose`` and PortOne's result for it.

        Every rule that does not depend on the flow: the ids are well formed, the
        attempt is the requester's, for this purpose, unexpired and unused, the result
        unused, within ``ATTEMPT_MAX_LOOKUPS`` lookups; PortOne's answer is completed,
        names this attempt, is fresh, from the site's LIVE channel, with a CI if required.
        ``source`` (:data:`ResultSource`) replaces the lookup and its count.
        """
        annotate(
            purpose=labels.purpose(purpose),
            api_version=labels.api_version(app_settings.API_VERSION),
        )
        if source is None:
            validate_result_id(imp_uid)
        if (
            not isinstance(merchant_uid, str)
            or not merchant_uid
            or len(merchant_uid) > MERCHANT_UID_MAX_LENGTH
        ):
            raise InvalidRequest()
        if source is None:
            owner = requester(self.user, self.request, purpose)
            taken = owner and take_lookup(owner, merchant_uid, imp_uid, purpose)
            if taken:  # found, usable and counted in one statement
                self.attempt = taken
                return taken, self._checked(taken, get_client().get_result(imp_uid))
        # What refuses the attempt, if anything; else count as :func:`take_lookup` would.
        attempt, used = _requesters_attempt(self.user, merchant_uid, imp_uid, self.request, purpose)
        self.attempt = attempt
        if used:
            raise CertificationUsed()
        attempt = usable(attempt)
        if source is None:
            count_lookup(attempt)
            return attempt, self._checked(attempt, get_client().get_result(imp_uid))
        return attempt, self._checked(attempt, source(attempt, imp_uid))

    @staticmethod
    @sensitive_variables()
    def _checked(attempt: CertificationAttempt, certification: Certification) -> Certification:
        certification = mark_sandbox(certification)
        check_certification(certification, attempt)
        return certification


@sensitive_variables()
def consume(attempt: CertificationAttempt, imp_uid: str, now: datetime, **extra: Any) -> None:
    """Mark the attempt used by ``imp_uid``, unless it already is (one conditional UPDATE;
    ``certification_used`` otherwise). Call it inside a transaction: the row lock it takes
    serialises requests on the same attempt; the unique ``imp_uid`` those with the same result.
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


@sensitive_variables()
def spend(
    attempt: CertificationAttempt,
    imp_uid: str,
    request: HttpRequest,
    *,
    remember: Callable[[SessionBase, str], None] | None = None,
    **extra: Any,
) -> str:
    """Consume ``attempt`` and give the requester a new session key: all or nothing.

    The moment a session gains something (a result waiting for the sign-up, the accounts
    recovery lists, a guardian's consent) its key changes, and the attempt follows the new
    key. The attempt is consumed first, under its row lock, so a concurrent submission that
    loses is refused before it can rotate the winner's session away; the session is saved
    inside the same transaction, so a store that cannot be written spends nothing.
    ``remember(session, new_key)`` writes what the flow keeps in the session. Call it inside
    the flow's own ``transaction.atomic()`` to store the flow's rows with it.
    """
    session = getattr(request, "session", None)
    if session is None:
        raise InvalidRequest()
    try:
        with database_guard(), transaction.atomic():
            consume(attempt, imp_uid, timezone.now(), **extra)
            old_key = attempt.session_key
            new_key = new_session_key(request)
            CertificationAttempt.objects.filter(pk=attempt.pk, session_key=old_key).update(
                session_key=new_key
            )
            attempt.session_key = new_key
            if remember is not None:
                remember(session, new_key)
            session.save()
    except IntegrityError as err:
        raise CertificationUsed() from err
    return new_key


def record_failure(
    user: Any,
    attempt: CertificationAttempt | None,
    error: PortOneCertError,
    request: HttpRequest | None,
) -> None:
    """The attempt's failure (status and code) and ``verification_failed``; nothing else."""
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
        record_failure(user, attempt, error, request)
    except Exception as record_err:
        # The database is down, or the failed query broke the caller's transaction.
        if not (isinstance(record_err, DatabaseError) or is_service_outage(record_err)):
            raise
        logger.warning(
            "The attempt's failure could not be recorded either (%s).",
            error_class_name(record_err),
        )
    return error
