"""A guardian's consent for a child (개인정보 보호법 §22-2, 시행령 §17-2).

Under ``CHILD_POLICY = "guardian"`` a child's identity is stored, but the gates treat
the child as not yet verified until a guardian consents. :func:`request_guardian_consent`
(:mod:`.guardian_links`) makes a one-time link; the guardian opens it, confirms the
attestation, verifies by 본인인증 (an adult by 만 나이, not the child) and
:func:`certify_guardian` records a :class:`~django_portone_cert.models.GuardianConsent`:
name, birth date, keyed CI hash, time, the sentence they confirmed — nothing more of the
guardian. 본인인증 proves who the guardian is, not that they are the child's 법정대리인.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import ages, crypto
from .conf import app_settings
from .core.attempts import AttemptRun, ResultSource, database_guard, spend, start_attempt
from .core.identities import delete_at_portone_after_commit
from .core.rules import is_child
from .exceptions import (
    AttemptMismatch,
    CiMissing,
    ConsentRequestExpired,
    GuardianIsChild,
    GuardianLimitReached,
    GuardianNotAdult,
    IdentityMismatch,
    InvalidRequest,
)
from .guardian_links import (
    ask_guardian_consent,
    attestation_sentence,
    find_request,
    live_consent_for,
    live_request,
    request_guardian_consent,
    site_name,
    token_hash,
)
from .masking import mask_name
from .models import (
    SANDBOX_PROVIDER,
    CertificationAttempt,
    GuardianConsent,
    GuardianConsentRequest,
    VerifiedIdentity,
)
from .portone import Certification
from .signals import guardian_consent_revoked, guardian_consented
from .tracing import traced

__all__ = [
    "ask_guardian_consent",
    "certify_guardian",
    "consent_state",
    "end_consents_of",
    "find_request",
    "guardian_consent_state",
    "request_guardian_consent",
    "revoke_by_guardian",
    "revoke_guardian_consent",
    "start_guardian_attempt",
    "token_hash",
]

#: A guardian must be of civil majority (성년, 민법 §4): 19 by 만 나이.
GUARDIAN_MIN_AGE = 19

ConsentState = Literal["not_needed", "required", "given"]


def start_guardian_attempt(token: str, *, user: Any, request: HttpRequest) -> CertificationAttempt:
    """``guardian/<token>/prepare/``: a guardian attempt, bound to the session (to consent
    through a live link, or to withdraw the consent a used one recorded)."""
    consent_request = find_request(token)
    usable = consent_request is not None and (
        consent_request.is_live() or live_consent_for(consent_request) is not None
    )
    if not usable:
        raise ConsentRequestExpired()
    attempt = start_attempt(
        user=user, request=request, purpose=CertificationAttempt.Purpose.GUARDIAN
    )
    # Bound to its link: a result on this attempt consents (or withdraws) through it alone.
    CertificationAttempt.objects.filter(pk=attempt.pk).update(consent_request=consent_request)
    attempt.consent_request = consent_request
    return attempt


def _check_link(attempt: CertificationAttempt, consent_request: GuardianConsentRequest) -> None:
    if attempt.consent_request_id != consent_request.pk:
        raise AttemptMismatch()


@dataclass(frozen=True)
class GuardianResult:
    consent: GuardianConsent
    child_name: str


@sensitive_variables()
@traced("portone_cert.certify_guardian")
def certify_guardian(
    token: str,
    *,
    user: Any,
    imp_uid: str,
    merchant_uid: str,
    request: HttpRequest,
    attested: bool,
    source: ResultSource | None = None,
) -> GuardianResult:
    """Re-read the guardian's result from PortOne and, if every rule holds, record the consent.

    ``attested``: the guardian confirmed the page's sentence (:func:`attestation_sentence`);
    without it nothing is looked up (``invalid``). Refused: ``consent_request_expired``
    (unknown, expired or used link), ``attempt_mismatch`` (an attempt prepared on another
    link), ``guardian_not_adult`` (under 19, 만 나이), ``guardian_is_child`` (the child's own
    CI, or without CI the child's name and birth date), ``guardian_limit_reached``
    (``GUARDIAN_MAX_CHILDREN``). The session rotates on success.
    """
    if attested is not True:
        raise InvalidRequest()
    with AttemptRun(user, request) as run:
        consent_request = live_request(token)
        attempt, certification = run.read_result(
            imp_uid=imp_uid,
            merchant_uid=merchant_uid,
            purpose=CertificationAttempt.Purpose.GUARDIAN,
            source=source,
        )
        _check_link(attempt, consent_request)
        if not certification.ci:
            # Only a CI says who consented (and lets that person, alone, withdraw).
            raise CiMissing()
        child_identity = _check_guardian(certification, consent_request.child_id)
        _check_guardian_limit(certification.ci, consent_request.child_id)
        child_name = child_identity.name
        attestation = attestation_sentence(mask_name(child_name), site_name(request))
        consent = _record_consent(attempt, certification, consent_request, attestation, request)
    delete_at_portone_after_commit(certification.imp_uid)
    return GuardianResult(consent=consent, child_name=child_name)


@sensitive_variables()
def _record_consent(
    attempt: CertificationAttempt,
    certification: Certification,
    consent_request: GuardianConsentRequest,
    attestation: str,
    request: HttpRequest,
) -> GuardianConsent:
    """Spend the attempt (the session rotates), take the link and store the consent: all or
    nothing, so a session that cannot be written stores no consent."""
    now = timezone.now()
    child = consent_request.child
    try:
        with database_guard(), transaction.atomic():
            spend(attempt, certification.imp_uid, request)
            taken = GuardianConsentRequest.objects.filter(
                pk=consent_request.pk, used_at__isnull=True, expires_at__gt=now
            ).update(used_at=now)
            if not taken:
                raise ConsentRequestExpired()
            consent = GuardianConsent.objects.create(
                child=child,
                request=consent_request,
                guardian_name=certification.name or "",
                guardian_birth_date=certification.birth_date,  # type: ignore[misc]
                guardian_ci_hash=crypto.keyed_hash(certification.ci or ""),
                hash_key_id=crypto.hash_key_id(),
                consented_at=now,
                attestation=attestation,
                attested=True,
                sandbox=certification.provider == SANDBOX_PROVIDER,
            )
            transaction.on_commit(
                lambda: guardian_consented.send(
                    sender=GuardianConsent, child=child, consent=consent, request=request
                )
            )
    except IntegrityError as err:
        raise ConsentRequestExpired() from err
    return consent


@sensitive_variables()
def _check_guardian(certification: Certification, child_pk: Any) -> VerifiedIdentity:
    """The child's identity, if the result may consent for them."""
    birth_date = certification.birth_date
    child = VerifiedIdentity.objects.filter(user_id=child_pk).first()
    if child is None:
        raise ConsentRequestExpired()
    # The child first: their own 본인인증 says who they are, whatever their age.
    if child.ci_hash and certification.ci:
        if child.ci_hash in crypto.keyed_hashes(certification.ci):
            raise GuardianIsChild()
    elif child.name == certification.name and child.birth_date == birth_date:
        raise GuardianIsChild()
    if birth_date is None or ages.full_age(birth_date, ages.today_kst()) < GUARDIAN_MIN_AGE:
        raise GuardianNotAdult()
    return child


@sensitive_variables()
def _check_guardian_limit(ci: str, child_pk: Any) -> None:
    """``GUARDIAN_MAX_CHILDREN``: how many other children this person consents for."""
    others = (
        GuardianConsent.objects.in_force()
        .filter(guardian_ci_hash__in=crypto.keyed_hashes(ci))
        .exclude(child_id=child_pk)
    )
    if others.values("child_id").distinct().count() >= app_settings.GUARDIAN_MAX_CHILDREN:
        raise GuardianLimitReached()


def revoke_guardian_consent(
    consent: GuardianConsent, *, by: str = "site", request: HttpRequest | None = None
) -> bool:
    """Withdraw ``consent``; the child is gated again. False if it already was."""
    now = timezone.now()
    revoked = GuardianConsent.objects.filter(pk=consent.pk, revoked_at__isnull=True).update(
        revoked_at=now
    )
    if not revoked:
        return False
    consent.revoked_at = now
    transaction.on_commit(
        lambda: guardian_consent_revoked.send(
            sender=GuardianConsent,
            child=consent.child,
            consent=consent,
            by=by,
            request=request,
        )
    )
    return True


@sensitive_variables()
def revoke_by_guardian(
    token: str,
    *,
    user: Any,
    imp_uid: str,
    merchant_uid: str,
    request: HttpRequest,
    source: ResultSource | None = None,
) -> GuardianConsent:
    """The guardian withdraws: verify again, through the link that recorded the consent.

    Only the same person (keyed CI hash) may withdraw it.
    """
    consent_request = find_request(token)
    with AttemptRun(user, request) as run:
        consent = live_consent_for(consent_request)
        if consent is None:
            raise ConsentRequestExpired()
        attempt, certification = run.read_result(
            imp_uid=imp_uid,
            merchant_uid=merchant_uid,
            purpose=CertificationAttempt.Purpose.GUARDIAN,
            source=source,
        )
        if consent_request is not None:
            _check_link(attempt, consent_request)
        hashes = crypto.keyed_hashes(certification.ci) if certification.ci else []
        if not consent.guardian_ci_hash or consent.guardian_ci_hash not in hashes:
            raise IdentityMismatch()  # only the guardian who consented withdraws
        spend(attempt, certification.imp_uid, request)
    delete_at_portone_after_commit(certification.imp_uid)
    revoke_guardian_consent(consent, by="guardian", request=request)
    return consent


def end_consents_of(child_pk: Any) -> None:
    """The child's identity went (revoked in the admin, the account deleted) or now holds
    another person: a consent and any unused link were for that person, never for whoever
    verifies on the account next."""
    for consent in GuardianConsent.objects.filter(child_id=child_pk, revoked_at__isnull=True):
        revoke_guardian_consent(consent, by="site")
    GuardianConsentRequest.objects.filter(child_id=child_pk, used_at__isnull=True).update(
        expires_at=timezone.now()
    )


def guardian_consent_state(user: Any) -> ConsentState:
    """``me/``'s ``guardian_consent``: "not_needed", "required" or "given"."""
    identity = VerifiedIdentity.objects.filter(user_id=user.pk).only("user_id", "birth_date")
    return consent_state(identity.first())


def consent_state(identity: VerifiedIdentity | None) -> ConsentState:
    if identity is None or not is_child(identity.birth_date):
        return "not_needed"
    if GuardianConsent.objects.in_force().filter(child_id=identity.user_id).exists():
        return "given"
    return "not_needed" if app_settings.CHILD_POLICY == "allow" else "required"
