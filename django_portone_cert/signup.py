"""Verification before sign-up: the visitor's result waits on their attempt for the claim.

:func:`verification.verify_certification` keeps a visitor's result (encrypted) on their
attempt, bound to their freshly rotated session key. The site's sign-up view asks
:func:`pending_verification` who verified and, once the account exists, calls
:func:`claim_verification` to attach the result to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import ages
from .ages import AgeRule
from .conf import app_settings
from .core.attempts import spend
from .core.identities import send_verified_after_commit, store_identity
from .core.rules import check_child, person_hash
from .core.sessions import current_session_key
from .exceptions import ChildNotAllowed, InvalidRequest, NoPendingVerification
from .fields import seal
from .models import CertificationAttempt, VerifiedIdentity
from .portone import Certification
from .tracing import traced

#: Where a visitor's verified attempt is remembered until the sign-up claims it.
SESSION_KEY = "portone_cert_verified"

#: The session key the waiting result is bound to (to re-bind it when login rotates the key).
BOUND_SESSION_KEY = "portone_cert_bound_to"


@dataclass(frozen=True)
class PendingVerification:
    """A visitor's verified result, waiting for the sign-up (no CI here)."""

    merchant_uid: str
    name: str = field(repr=False)
    birth_date: date = field(repr=False)
    gender: str
    provider: str
    verified_at: datetime
    #: Whether this person already has an account (by CI), to refuse the sign-up kindly.
    has_account: bool

    def age(self, rule: AgeRule | None = None, on: date | None = None) -> int:
        return ages.age(self.birth_date, rule or app_settings.AGE_RULE, on)


@sensitive_variables()
def hold_for_signup(
    attempt: CertificationAttempt, certification: Certification, request: HttpRequest | None
) -> None:
    """Keep a visitor's result (sealed) on their attempt for the sign-up, bound to a freshly
    rotated session key: whoever held the session's previous key holds nothing now, and the
    result is claimed only from the new key's session."""
    if request is None:
        raise InvalidRequest()

    def remember(session: SessionBase, new_key: str) -> None:
        session[SESSION_KEY] = attempt.merchant_uid
        session[BOUND_SESSION_KEY] = new_key

    # Sealed here, so no ORM frame ever holds the result in the clear.
    sealed = seal(attempt, "result", certification.to_json())
    spend(attempt, certification.imp_uid, request, remember=remember, result=sealed)


def _pending_attempt(request: HttpRequest) -> CertificationAttempt | None:
    """The visitor's waiting result: named by the session and bound to its current key."""
    session = getattr(request, "session", None)
    merchant_uid = session.get(SESSION_KEY) if session is not None else None
    session_key = current_session_key(request)
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
    current = current_session_key(request, create=True)
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
    certification = Certification.from_json(attempt.result)
    try:
        _refuse_a_child(attempt, certification)
    except ChildNotAllowed:
        return None
    return PendingVerification(
        merchant_uid=attempt.merchant_uid,
        name=certification.name or "",
        birth_date=certification.birth_date or date.min,
        gender=certification.gender or "",
        provider=certification.provider,
        verified_at=attempt.completed_at or timezone.now(),
        has_account=bool(certification.ci)
        and VerifiedIdentity.objects.for_ci(certification.ci or "").exists(),
    )


@sensitive_variables()
def _refuse_a_child(attempt: CertificationAttempt, certification: Certification) -> None:
    """A second line: a child's result never waits under "refuse", unless the policy changed
    while it did; then the waiting result goes (at once, outside the caller's transaction's
    outcome as far as the database allows) and ``ChildNotAllowed`` is raised."""
    try:
        check_child(certification.birth_date)
    except ChildNotAllowed:
        CertificationAttempt.objects.filter(pk=attempt.pk).update(
            result="",
            status=CertificationAttempt.Status.FAILED,
            failure_code=ChildNotAllowed.code,
        )
        raise


@sensitive_variables()
@traced("portone_cert.claim_verification")
def claim_verification(request: HttpRequest, user: Any) -> VerifiedIdentity:
    """Attach the visitor's verified result to ``user`` (just signed up).

    Raises :class:`NoPendingVerification` when none waits (or it expired), and
    :class:`IdentityInUse` when the person already has another account.
    """
    attempt = _pending_attempt(request)
    if attempt is None:
        raise NoPendingVerification()
    certification = Certification.from_json(attempt.result)
    _refuse_a_child(attempt, certification)
    ci_hash = person_hash(certification, user)

    def claim(now: datetime) -> None:
        locked = CertificationAttempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.claimed_at is not None:
            raise NoPendingVerification()
        attempt.user, attempt.claimed_at, attempt.result = user, now, ""
        attempt.save(update_fields=["user", "claimed_at", "result"])

    stored = store_identity(user, certification, ci_hash, claim)
    request.session.pop(SESSION_KEY, None)
    request.session.pop(BOUND_SESSION_KEY, None)
    # A claim is a first verification of the account, never "the same person again".
    send_verified_after_commit(replace(stored, changed=None), user, attempt, request)
    return stored.identity
