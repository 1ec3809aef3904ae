"""A guardian's consent for a child (개인정보 보호법 §22-2, 시행령 §17-2).

Under ``CHILD_POLICY = "guardian"`` a child's identity is stored, but the gates treat
the child as not yet verified until a guardian consents. :func:`request_guardian_consent`
makes a one-time link (only its hash is kept); the guardian opens it, verifies by
본인인증 (an adult by 만 나이, not the child) and :func:`certify_guardian` records a
:class:`~django_portone_cert.models.GuardianConsent`: name, birth date, keyed CI hash,
time — nothing more of the guardian.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import ages, crypto
from .conf import app_settings
from .exceptions import (
    CiMissing,
    ConsentRequestExpired,
    GuardianIsChild,
    GuardianNotAdult,
    IdentityMismatch,
)
from .models import (
    CertificationAttempt,
    GuardianConsent,
    GuardianConsentRequest,
    VerifiedIdentity,
)
from .portone import Certification
from .services import (
    AttemptRun,
    consume_attempt,
    database_guard,
    delete_at_portone_after_commit,
    is_child,
    read_result,
    rotate_session,
    start_attempt,
)
from .signals import guardian_consent_requested, guardian_consent_revoked, guardian_consented

#: A guardian must be of civil majority (성년, 민법 §4): 19 by 만 나이.
GUARDIAN_MIN_AGE = 19

ConsentState = Literal["not_needed", "required", "given"]


def token_hash(token: str) -> str:
    """The stored form of a link's token: the link alone carries the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def request_guardian_consent(
    child: Any, *, request: HttpRequest | None = None
) -> GuardianConsentRequest:
    """A one-time, expiring link for ``child``'s guardian (``.url``, ``.expires_at``).

    ``.url`` is absolute when ``request`` is given. ``guardian_consent_requested``
    carries it, for the site to send by its own channel (e-mail, SMS, 알림톡).
    """
    if not VerifiedIdentity.objects.filter(user_id=child.pk).exists():
        raise ValueError("The child has no verified identity: verify first.")
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    consent_request = GuardianConsentRequest.objects.create(
        child=child,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + app_settings.GUARDIAN_REQUEST_TTL,
    )
    path = reverse("portone_cert:guardian", kwargs={"token": token})
    consent_request.url = request.build_absolute_uri(path) if request is not None else path
    url = consent_request.url
    transaction.on_commit(
        lambda: guardian_consent_requested.send(
            sender=GuardianConsentRequest,
            child=child,
            consent_request=consent_request,
            url=url,
            request=request,
        )
    )
    return consent_request


def find_request(token: str) -> GuardianConsentRequest | None:
    """The request a link names, used or not, live or not (None if there is none)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64:
        return None
    return (
        GuardianConsentRequest.objects.select_related("child")
        .filter(token_hash=token_hash(token))
        .first()
    )


def live_request(token: str) -> GuardianConsentRequest:
    consent_request = find_request(token)
    if consent_request is None or not consent_request.is_live():
        raise ConsentRequestExpired()
    return consent_request


def live_consent_for(consent_request: GuardianConsentRequest | None) -> GuardianConsent | None:
    """The unrevoked consent a used link recorded, if any."""
    if consent_request is None or consent_request.used_at is None:
        return None
    return GuardianConsent.objects.filter(request=consent_request, revoked_at__isnull=True).first()


def start_guardian_attempt(token: str, *, user: Any, request: HttpRequest) -> CertificationAttempt:
    """``guardian/<token>/prepare/``: a guardian attempt, bound to the session (to consent
    through a live link, or to withdraw the consent a used one recorded)."""
    consent_request = find_request(token)
    usable = consent_request is not None and (
        consent_request.is_live() or live_consent_for(consent_request) is not None
    )
    if not usable:
        raise ConsentRequestExpired()
    return start_attempt(user=user, request=request, purpose=CertificationAttempt.Purpose.GUARDIAN)


@dataclass(frozen=True)
class GuardianResult:
    consent: GuardianConsent
    child_name: str


@sensitive_variables()
def certify_guardian(
    token: str, *, user: Any, imp_uid: str, merchant_uid: str, request: HttpRequest
) -> GuardianResult:
    """Re-read the guardian's result from PortOne and, if every rule holds, record the consent.

    Refused: ``consent_request_expired`` (unknown, expired or used link),
    ``guardian_not_adult`` (under 19, 만 나이), ``guardian_is_child`` (the child's own CI,
    or without CI the child's name and birth date). The session rotates on success.
    """
    with AttemptRun(user, request) as run:
        consent_request = live_request(token)
        attempt, certification = read_result(
            run,
            imp_uid=imp_uid,
            merchant_uid=merchant_uid,
            purpose=CertificationAttempt.Purpose.GUARDIAN,
        )
        if not certification.ci:
            # Only a CI says who consented (and lets that person, alone, withdraw).
            raise CiMissing()
        child = consent_request.child
        _check_guardian(certification, child.pk)
        ci_hash = crypto.keyed_hash(certification.ci)
        # Before anything is kept: a session that cannot be written stores no consent.
        rotate_session(attempt, request)
        request.session.save()
        now = timezone.now()
        try:
            with database_guard(), transaction.atomic():
                consume_attempt(attempt, certification.imp_uid)
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
                    guardian_ci_hash=ci_hash,
                    hash_key_id=crypto.hash_key_id(),
                    consented_at=now,
                )
                transaction.on_commit(
                    lambda: guardian_consented.send(
                        sender=GuardianConsent, child=child, consent=consent, request=request
                    )
                )
        except IntegrityError as err:
            raise ConsentRequestExpired() from err
    delete_at_portone_after_commit(certification.imp_uid)
    identity = VerifiedIdentity.objects.filter(user_id=child.pk).only("name").first()
    return GuardianResult(consent=consent, child_name=identity.name if identity else "")


@sensitive_variables()
def _check_guardian(certification: Certification, child_pk: Any) -> None:
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
    token: str, *, user: Any, imp_uid: str, merchant_uid: str, request: HttpRequest
) -> GuardianConsent:
    """The guardian withdraws: verify again, through the link that recorded the consent.

    Only the same person (keyed CI hash) may withdraw it.
    """
    consent_request = find_request(token)
    with AttemptRun(user, request) as run:
        consent = live_consent_for(consent_request)
        if consent is None:
            raise ConsentRequestExpired()
        attempt, certification = read_result(
            run,
            imp_uid=imp_uid,
            merchant_uid=merchant_uid,
            purpose=CertificationAttempt.Purpose.GUARDIAN,
        )
        hashes = crypto.keyed_hashes(certification.ci) if certification.ci else []
        if not consent.guardian_ci_hash or consent.guardian_ci_hash not in hashes:
            raise IdentityMismatch()  # only the guardian who consented withdraws
        rotate_session(attempt, request)
        request.session.save()
        consume_attempt(attempt, certification.imp_uid)
    delete_at_portone_after_commit(certification.imp_uid)
    revoke_guardian_consent(consent, by="guardian", request=request)
    return consent


def end_consents_of(child_pk: Any) -> None:
    """The child's identity went (revoked in the admin, the account deleted): a consent and
    any unused link were for that person, never for whoever verifies on the account next."""
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
    if GuardianConsent.objects.filter(child_id=identity.user_id, revoked_at__isnull=True).exists():
        return "given"
    return "not_needed" if app_settings.CHILD_POLICY == "allow" else "required"
