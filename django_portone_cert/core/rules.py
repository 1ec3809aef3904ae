"""The trust rules a PortOne result must pass, and who a result says the person is.

Plain functions every flow and the gates call; none of them stores anything.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .. import ages, crypto
from ..conf import app_settings
from ..exceptions import (
    AttemptMismatch,
    CertificationStale,
    ChildNotAllowed,
    CiMissing,
    IdentityInUse,
    NotCertified,
    PortOneAPIError,
    ReregistrationBlocked,
    TestChannel,
)
from ..models import SANDBOX_PROVIDER, CertificationAttempt, IdentityTombstone, VerifiedIdentity
from ..portone import Certification

logger = logging.getLogger("django_portone_cert")

#: How far PortOne's clock may run ahead of ours before a completion time is implausible.
CLOCK_SKEW = timedelta(minutes=5)


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


@sensitive_variables()
def person_hash(certification: Certification, user: Any) -> str:
    """The result's keyed CI hash under the current key ("" without a CI), once
    :func:`check_person` lets this person onto ``user``'s account."""
    if not certification.ci:
        return ""
    check_person(crypto.keyed_hashes(certification.ci), user)
    return crypto.keyed_hash(certification.ci)


def check_person(ci_hashes: list[str], user: Any) -> None:
    """The re-sign-up block, by keyed hash (never decrypting); current key first.

    One person, one account (trust rule 6) is left to the database's unique
    index when the identity is written: it alone is right under concurrency. The
    index sees the current hash only, so rows still under a fallback key are
    looked for here.
    """
    hashes = [h for h in ci_hashes if h]
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
def same_person(identity: VerifiedIdentity, certification: Certification, ci_hash: str) -> bool:
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
