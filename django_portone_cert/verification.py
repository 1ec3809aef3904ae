"""Verification: the one place a PortOne result becomes an identity.

A logged-in user's result is stored on their account at once; a visitor's
(``ANONYMOUS_VERIFICATION``) waits for the sign-up's claim (:mod:`.signup`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import ages
from .ages import AgeRule
from .conf import app_settings
from .core.attempts import VERIFICATION, AttemptRun, ResultSource
from .core.first_store import Consume
from .core.identities import (
    Stored,
    delete_at_portone_after_commit,
    send_verified_after_commit,
    store_identity,
)
from .core.rules import check_child, person_hash
from .models import CertificationAttempt, VerifiedIdentity
from .signup import hold_for_signup
from .tracing import traced


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


@sensitive_variables()
@traced("portone_cert.verify_certification")
def verify_certification(
    *,
    user: object,
    imp_uid: str,
    merchant_uid: str,
    request: HttpRequest | None = None,
    source: ResultSource | None = None,
) -> Verification:
    """Re-read ``imp_uid`` from PortOne and, if every rule holds, store it.

    A logged-in ``user``'s identity is stored (``Verification.identity``); a
    visitor's result (``ANONYMOUS_VERIFICATION``) waits on the attempt for
    :func:`signup.claim_verification` (``Verification.pending_signup``). Raises a
    :class:`~django_portone_cert.exceptions.PortOneCertError` subclass otherwise;
    then nothing is stored but the attempt's failure. ``source``: where the result comes
    from instead of a lookup (the in-app flow's confirmed code, :mod:`.otp`).
    """
    stored: Stored | None = None
    with AttemptRun(user, request) as run:
        attempt, certification = run.read_result(
            imp_uid=imp_uid, merchant_uid=merchant_uid, purpose=VERIFICATION, source=source
        )
        check_child(certification.birth_date)
        ci_hash = person_hash(certification, user)
        if attempt.user_id is None:
            hold_for_signup(attempt, certification, request)
        else:
            spend = Consume(attempt, certification.imp_uid)
            new = not getattr(attempt, "has_identity", True)
            stored = store_identity(user, certification, ci_hash, spend, new=new)
    if stored is not None:
        send_verified_after_commit(stored, user, attempt, request)
    delete_at_portone_after_commit(certification.imp_uid)
    return Verification(
        name=certification.name or "",
        birth_date=certification.birth_date or date.min,
        provider=certification.provider,
        verified_at=attempt.completed_at or timezone.now(),
        attempt=attempt,
        identity=stored.identity if stored is not None else None,
    )
