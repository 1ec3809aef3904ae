"""Identity storage: the one upsert of a result onto an account, and what follows its commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from ..conf import app_settings
from ..exceptions import CertificationUsed, IdentityInUse, IdentityMismatch, PortOneCertError
from ..models import SANDBOX_PROVIDER, CertificationAttempt, VerifiedIdentity
from ..portone import Certification, get_client
from ..signals import identity_reverified, identity_verified
from ..tracing import traced
from .attempts import database_guard
from .first_store import Consume, can_store_first, store_first
from .rules import same_person

logger = logging.getLogger("django_portone_cert")

#: Sent inside the store's transaction when an identity now holds another person than it held
#: (a sandbox identity replaced by a real one), with ``user_id``: what was given for the former
#: person (a guardian's consent) ends. Internal: the guardians flow listens (``apps.ready``).
person_replaced = Signal()

#: What a re-verification of the same person may change (``identity_reverified``'s ``changed``).
REVERIFIED_FIELDS = ("name", "phone", "carrier", "gender", "is_foreigner", "provider")


@sensitive_variables()
def fill_identity(
    identity: VerifiedIdentity, certification: Certification, ci_hash: str, now: datetime
) -> None:
    """Write the result onto ``identity`` (unsaved), unless it holds another person."""
    # A sandbox identity's person was typed in: a real one replaces it.
    replaces_sandbox = identity.is_sandbox and certification.provider != SANDBOX_PROVIDER
    if (
        identity.pk is not None
        and not replaces_sandbox
        and not same_person(identity, certification, ci_hash)
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


@dataclass(frozen=True)
class Stored:
    """What :func:`store_identity` did."""

    identity: VerifiedIdentity
    created: bool
    #: The fields that changed when the same person verified again, else None.
    changed: list[str] | None


@sensitive_variables()
@traced("portone_cert.store_identity")
def store_identity(
    user: Any,
    certification: Certification,
    ci_hash: str,
    spend: Callable[[datetime], None],
    *,
    new: bool = False,
) -> Stored:
    """Upsert ``user``'s identity from ``certification`` in one transaction with ``spend(now)``
    (what uses the result up: consuming the attempt, or claiming a visitor's result).

    The identity row is locked, so concurrent verifications of one account serialise; the
    unique indexes decide between accounts (``identity_in_use``) and replays. ``new``: the
    caller saw no identity on the account, so the first try inserts without reading; if one
    appeared meanwhile, the one-per-user index refuses the insert and the locked path runs.
    """
    now = timezone.now()

    def upsert(new: bool) -> Stored:
        if new and isinstance(spend, Consume) and can_store_first():
            identity = VerifiedIdentity(user=user)
            fill_identity(identity, certification, ci_hash, now)
            if store_first(identity, spend, now):
                return Stored(identity, True, None)
        with transaction.atomic():
            spend(now)
            locked = VerifiedIdentity.objects.select_for_update().filter(user_id=user.pk)
            found = None if new else next(iter(locked.order_by()[:1]), None)
            identity = found or VerifiedIdentity(user=user)
            # A sandbox identity replaced by a real one is not "the same person again".
            again = found is not None and not (
                found.is_sandbox and certification.provider != SANDBOX_PROVIDER
            )
            before = [getattr(identity, name) for name in REVERIFIED_FIELDS]
            fill_identity(identity, certification, ci_hash, now)
            identity.save()
            if identity.person_replaced:
                person_replaced.send(sender=VerifiedIdentity, user_id=identity.user_id)
                identity.person_replaced = False
        changed = [
            name
            for name, old in zip(REVERIFIED_FIELDS, before, strict=True)
            if getattr(identity, name) != old
        ]
        return Stored(identity, found is None, changed if again else None)

    try:
        with database_guard():
            try:
                return upsert(new)
            except IntegrityError:
                if not VerifiedIdentity.objects.filter(user_id=user.pk).exists():
                    raise
                # This user's other request created the identity first: update it instead.
                return upsert(False)
    except IntegrityError as err:
        raise identity_conflict(ci_hash, user) from err


def identity_conflict(ci_hash: str, user: Any) -> PortOneCertError:
    """Which unique index a concurrent request won on."""
    if ci_hash and app_settings.ONE_ACCOUNT_PER_PERSON:
        holders = VerifiedIdentity.objects.filter(unique_ci_hash=ci_hash)
        if user is not None and getattr(user, "pk", None) is not None:
            holders = holders.exclude(user_id=user.pk)
        if holders.exists():
            return IdentityInUse()
    return CertificationUsed()


def send_verified_after_commit(
    stored: Stored, user: Any, attempt: CertificationAttempt | None, request: HttpRequest | None
) -> None:
    """``identity_verified``; and ``identity_reverified`` when the same person verified again."""
    common = {"identity": stored.identity, "user": user, "attempt": attempt, "request": request}

    def send() -> None:
        identity_verified.send(sender=VerifiedIdentity, created=stored.created, **common)
        if stored.changed is not None:
            identity_reverified.send(sender=VerifiedIdentity, changed=stored.changed, **common)

    transaction.on_commit(send)


def delete_at_portone_after_commit(*imp_uids: str, withdrawn: bool = False) -> None:
    """``DELETE_AFTER_VERIFY``: PortOne's copy goes once ours is stored (V1). A withdrawal
    (``withdrawn``) deletes the copies that setting left at PortOne (V2 cannot delete)."""
    if withdrawn == app_settings.DELETE_AFTER_VERIFY:
        return  # a verification with the setting off, or a withdrawal after it deleted them

    def delete() -> None:
        for imp_uid in imp_uids:
            try:
                get_client().delete_result(imp_uid)
            except PortOneCertError as error:
                # PortOne keeps its copy; ours is stored (or gone). Not worth failing anyone for.
                logger.warning("Could not delete PortOne's copy of a result (%s).", error.code)

    transaction.on_commit(delete)
