"""The person's rights (개인정보 보호법 §35 열람, §36 삭제): see everything stored about them, and
withdraw their verification, each only after a fresh 본인인증 (시행령 §46: confirm it is them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from . import accesslog, crypto
from .conf import app_settings
from .core.identities import delete_at_portone_after_commit
from .exceptions import StepUpRequired
from .gates import counts_as_verified
from .masking import mask_name
from .models import (
    CertificationAttempt,
    GuardianConsent,
    IdentityTombstone,
    PersonalDataAccess,
    VerifiedIdentity,
)
from .retention import tombstone
from .signals import identity_exported, identity_withdrawn

Action = PersonalDataAccess.Action

#: The reason recorded in the access log when the person asks for their own data.
OWN_REQUEST = "the person's own request (PIPA §35/§36)"

PROVIDER = "provider"


def fresh_identity(user: Any, now: datetime | None = None) -> VerifiedIdentity:
    """The user's identity, verified within ``STEP_UP_MAX_AGE``; else ``step_up_required``."""
    identity = VerifiedIdentity.objects.filter(user_id=user.pk).first()
    oldest = (now or timezone.now()) - app_settings.STEP_UP_MAX_AGE
    if identity is None or not counts_as_verified(identity) or identity.verified_at < oldest:
        raise StepUpRequired()
    return identity


def _readable(identity: VerifiedIdentity, name: str) -> str | None:
    try:
        return str(getattr(identity, name))
    except crypto.DecryptionError:
        return None


@sensitive_variables()
def _identity_fields(identity: VerifiedIdentity) -> dict[str, Any]:
    """Each stored value with where it came from ("provider": proved by the 본인인증 provider
    through PortOne; "self_declared": typed by the person)."""
    fields: dict[str, Any] = {
        "name": {"value": identity.name, "source": PROVIDER},
        "birth_date": {"value": identity.birth_date, "source": PROVIDER},
        "gender": {
            "value": identity.gender or None,
            "source": identity.gender_source or PROVIDER,
        },
        "is_foreigner": {
            "value": identity.is_foreigner,
            "source": identity.foreigner_source or PROVIDER,
        },
        # Kept, never shown: the CI is the person's key across every Korean service.
        "ci": {"stored": bool(identity.ci_hash), "source": PROVIDER},
        "di": {"stored": bool(_readable(identity, "di")), "source": PROVIDER},
    }
    phone = _readable(identity, "phone")
    if phone:
        fields["phone"] = {"value": phone, "source": PROVIDER}
        fields["carrier"] = {"value": identity.carrier, "source": PROVIDER}
    return {
        **fields,
        "provider": identity.provider,
        "api_version": identity.api_version,
        "certified_at": identity.certified_at,
        "verified_at": identity.verified_at,
        "created_at": identity.created_at,
        "updated_at": identity.updated_at,
    }


@sensitive_variables()
def _person_hashes(identity: VerifiedIdentity) -> list[str]:
    ci = _readable(identity, "ci")
    return crypto.keyed_hashes(ci) if ci else [identity.ci_hash] if identity.ci_hash else []


def _consents(identity: VerifiedIdentity, hashes: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Consents the person received as a child (the guardian masked: another person's data)
    and gave as a guardian (their own name and birth date, as recorded)."""
    received = GuardianConsent.objects.filter(child_id=identity.user_id)
    given = GuardianConsent.objects.filter(guardian_ci_hash__in=hashes) if hashes else []
    return {
        "guardian_consents_received": [
            {
                "guardian_name": mask_name(consent.guardian_name),
                "consented_at": consent.consented_at,
                "revoked_at": consent.revoked_at,
            }
            for consent in received
        ],
        "guardian_consents_given": [
            {
                "name": consent.guardian_name,
                "birth_date": consent.guardian_birth_date,
                "consented_at": consent.consented_at,
                "revoked_at": consent.revoked_at,
                "attestation": consent.attestation,
            }
            for consent in given
        ],
    }


def _own_request(request: HttpRequest, action: str, user: Any, signal: Signal) -> None:
    """Record the person's request in the access log; ``signal`` once it is committed."""
    accesslog.record(request, action, [user.pk], target="verifiedidentity", reason=OWN_REQUEST)
    transaction.on_commit(lambda: signal.send(sender=VerifiedIdentity, user=user, request=request))


def export_identity(user: Any, *, request: HttpRequest) -> dict[str, Any]:
    """Everything stored about ``user``'s person, never the CI (``GET me/export/``).

    The export is recorded in the access log (the person's own request) and
    ``identity_exported`` is sent once that is committed.
    """
    identity = fresh_identity(user)
    hashes = _person_hashes(identity)
    attempts = CertificationAttempt.objects.filter(user_id=identity.user_id).order_by("created_at")
    data = {
        "exported_at": timezone.now(),
        "identity": _identity_fields(identity),
        **_consents(identity, hashes),
        "tombstone": IdentityTombstone.objects.filter(ci_hash__in=hashes).exists(),
        "attempts": list(
            attempts.values("purpose", "status", "failure_code", "created_at", "completed_at")
        ),
    }
    with transaction.atomic():
        _own_request(request, Action.EXPORT, user, identity_exported)
    return data


def withdraw_identity(user: Any, *, request: HttpRequest) -> None:
    """Remove ``user``'s identity as an account deletion would (``DELETE me/identity/``).

    A tombstone is kept if ``TOMBSTONE_RETENTION`` says so; the guardian consents the
    person received end with the identity (``receivers``); PortOne's copies go where V1
    allows and ``DELETE_AFTER_VERIFY`` has not already deleted them. The gates then treat
    the person as unverified.
    """
    identity = fresh_identity(user)
    used = CertificationAttempt.objects.filter(
        user_id=identity.user_id,
        purpose=CertificationAttempt.Purpose.VERIFICATION,
        status=CertificationAttempt.Status.VERIFIED,
    ).values_list("imp_uid", flat=True)
    results = [identity.imp_uid, *(imp_uid for imp_uid in used if imp_uid)]
    with transaction.atomic():
        tombstone(identity.user_id)
        VerifiedIdentity.objects.filter(pk=identity.pk).delete()
        _own_request(request, Action.DELETE, user, identity_withdrawn)
        if not identity.is_sandbox:
            delete_at_portone_after_commit(*dict.fromkeys(results), withdrawn=True)
        # The user in hand forgets it too (a gate later in this request must not see it).
        relation = VerifiedIdentity._meta.get_field("user").remote_field
        if relation.is_cached(user):
            relation.delete_cached_value(user)
