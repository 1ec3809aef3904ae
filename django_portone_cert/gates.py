"""The age gate's one behaviour, which the decorator, the mixin and the DRF permission share.

:func:`evaluate` decides; :func:`response_for` turns a refusal into the Django
response. Settings are read when a request is gated, never at decoration.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from asgiref.sync import sync_to_async
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from . import ages
from .ages import AgeRule, AgeThreshold
from .compiled import CompiledRead
from .conf import app_settings
from .core.rules import is_child
from .models import SANDBOX_PROVIDER, GuardianConsent, VerifiedIdentity
from .sandbox import sandbox_enabled

logger = logging.getLogger("django_portone_cert")


class Verified(Protocol):
    """An identity, a waiting result or a fresh verification: each says who verified it."""

    @property
    def provider(self) -> str: ...


def counts_as_verified(identity: Verified | None) -> bool:
    """Whether ``identity`` proves anything: a sandbox one only while sandbox mode is on.

    Outside sandbox mode (``SANDBOX`` off or ``DEBUG`` off) a sandbox identity is
    treated as no identity at all: its user must verify for real.
    """
    return identity is not None and (identity.provider != SANDBOX_PROVIDER or sandbox_enabled())


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


def _gate_query(user_id: Any, sandbox: bool | None = None) -> QuerySet[VerifiedIdentity]:
    """The identity's gate fields and whether a live guardian consent exists: one query.

    ``sandbox``: the mode the consent counts in (the compiled read's key), else read now.
    """
    live_consent = GuardianConsent.objects.in_force(sandbox).filter(child_id=OuterRef("user_id"))
    return (
        VerifiedIdentity.objects.filter(user_id=user_id)
        .only(*GATE_FIELDS)
        .annotate(has_guardian_consent=Exists(live_consent))
    )


#: The gate's query, compiled once per database and sandbox mode (all that changes its SQL:
#: ``GuardianConsent.objects.in_force()``), not on every gated request.
_GATE_READ = CompiledRead(
    VerifiedIdentity, _gate_query, VerifiedIdentity._meta.get_field("user").target_field
)


def gate_identity(user: Any) -> VerifiedIdentity | None:
    """The fields of the user's identity a gate needs, in one narrow query (none if anonymous)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return _GATE_READ.first(user.pk, key=sandbox_enabled())


async def agate_identity(user: Any) -> VerifiedIdentity | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return await sync_to_async(_GATE_READ.first)(user.pk, key=sandbox_enabled())


def needs_guardian_consent(identity: VerifiedIdentity, on: date | None = None) -> bool:
    """A child (under ``CHILD_AGE``, 만 나이) without a live guardian consent.

    Only ``CHILD_POLICY`` "allow" lets a child through without one. Reads the
    ``has_guardian_consent`` annotation of :func:`gate_identity` when it is there,
    else asks the database.
    """
    if app_settings.CHILD_POLICY == "allow":
        return False
    if not is_child(identity.birth_date, on):
        return False
    consented = getattr(identity, "has_guardian_consent", None)
    if consented is None:
        consented = GuardianConsent.objects.in_force().filter(child_id=identity.user_id).exists()
    return not consented


class Outcome(enum.Enum):
    ALLOWED = "allowed"
    LOGIN_REQUIRED = "login_required"
    IDENTITY_REQUIRED = "identity_required"
    REVERIFICATION_REQUIRED = "reverification_required"
    AGE_TOO_LOW = "age_too_low"
    GUARDIAN_CONSENT_REQUIRED = "guardian_consent_required"


class FromSettings(enum.Enum):
    """The default of a gate option: its setting, read on each gated request."""

    FROM_SETTINGS = "from settings"


#: ``min_age`` → ``MIN_AGE``, ``max_verification_age`` → ``REVERIFY_AFTER``.
FROM_SETTINGS = FromSettings.FROM_SETTINGS


@dataclass(frozen=True)
class AgeGate:
    """What a gated view demands; the decorator, the mixin and the permission all build one.

    - ``min_age``: years (or an :class:`~django_portone_cert.ages.AgeThreshold`, which
      brings its rule); ``None``: no age check (verified, any age).
    - ``age_rule``: ``"full"`` (만 나이) or ``"year"`` (연 나이); ``None``: ``AGE_RULE``.
    - ``max_verification_age``: how recent the verification must be (a ``timedelta``);
      ``None``: any age of verification.

    :data:`FROM_SETTINGS` (the default of ``min_age`` and ``max_verification_age``)
    reads ``MIN_AGE`` / ``REVERIFY_AFTER`` on each request.
    """

    min_age: int | AgeThreshold | FromSettings | None = FROM_SETTINGS
    age_rule: AgeRule | None = None
    max_verification_age: timedelta | FromSettings | None = FROM_SETTINGS

    def __post_init__(self) -> None:
        if isinstance(self.min_age, AgeThreshold):
            threshold = self.min_age
            object.__setattr__(self, "min_age", threshold.min_age)
            object.__setattr__(self, "age_rule", self.age_rule or threshold.rule)
        if self.age_rule is not None and self.age_rule not in ages.RULES:
            raise ValueError(f"age_rule must be one of {ages.RULES}, not {self.age_rule!r}")
        min_age = self.min_age
        if isinstance(min_age, bool) or not (
            min_age is None or min_age is FROM_SETTINGS or isinstance(min_age, int)
        ):
            raise TypeError("min_age must be a whole number of years, an AgeThreshold or None")
        limit = self.max_verification_age
        if not (limit is None or limit is FROM_SETTINGS or isinstance(limit, timedelta)):
            raise TypeError("max_verification_age must be a timedelta or None")

    def resolved_min_age(self) -> int | None:
        if self.min_age is FROM_SETTINGS:
            return app_settings.MIN_AGE
        if isinstance(self.min_age, AgeThreshold):  # normalised in __post_init__; for mypy
            return self.min_age.min_age
        return self.min_age

    def resolved_age_rule(self) -> AgeRule:
        return self.age_rule or app_settings.AGE_RULE

    def resolved_max_verification_age(self) -> timedelta | None:
        if self.max_verification_age is FROM_SETTINGS:
            return app_settings.REVERIFY_AFTER
        return self.max_verification_age

    def evaluate(
        self, user: Any, identity: VerifiedIdentity | None, now: datetime | None = None
    ) -> Outcome:
        if not getattr(user, "is_authenticated", False):
            return Outcome.LOGIN_REQUIRED
        if identity is None:
            return Outcome.IDENTITY_REQUIRED
        if not counts_as_verified(identity):
            # Once per gated request, nothing about the person: why a verified user is sent
            # back to verify (say, SANDBOX in the settings of a test run, where DEBUG is off).
            logger.warning(
                "A gate refused a sandbox identity: sandbox mode is off (it needs both "
                "PORTONE_CERT['SANDBOX'] and DEBUG), so the user must verify again."
            )
            return Outcome.IDENTITY_REQUIRED
        now = now or timezone.now()
        if needs_guardian_consent(identity, ages.today_kst(now)):
            return Outcome.GUARDIAN_CONSENT_REQUIRED
        max_verification_age = self.resolved_max_verification_age()
        if max_verification_age is not None and now - identity.verified_at > max_verification_age:
            return Outcome.REVERIFICATION_REQUIRED
        min_age = self.resolved_min_age()
        if min_age is not None and not ages.meets_age(
            identity.birth_date, min_age, self.resolved_age_rule(), ages.today_kst(now)
        ):
            return Outcome.AGE_TOO_LOW
        return Outcome.ALLOWED


def verify_page_url(verify_url: str | None = None) -> str:
    return resolve_url(verify_url) if verify_url else reverse("portone_cert:verify")


def response_for(
    request: HttpRequest,
    outcome: Outcome,
    gate: AgeGate,
    identity: VerifiedIdentity | None,
    *,
    login_url: str | None = None,
    verify_url: str | None = None,
    raise_exception: bool = False,
) -> HttpResponse | None:
    """None when the view may run; else the redirect or the refusal page."""
    if outcome is Outcome.ALLOWED:
        return None
    if raise_exception:
        raise PermissionDenied(outcome.value)
    path = request.get_full_path()
    if outcome is Outcome.LOGIN_REQUIRED:
        return redirect_to_login(path, login_url)
    if outcome in (Outcome.IDENTITY_REQUIRED, Outcome.REVERIFICATION_REQUIRED):
        response = redirect_to_login(path, verify_page_url(verify_url))
        if outcome is Outcome.REVERIFICATION_REQUIRED:
            response["Location"] += "&reason=reverify"
        return response
    if outcome is Outcome.GUARDIAN_CONSENT_REQUIRED:
        return TemplateResponse(
            request,
            "portone_cert/guardian_required.html",
            {
                "can_ask": app_settings.CHILD_POLICY == "guardian",
                "ask_url": reverse("portone_cert:guardian_request"),
                "next_url": path,
            },
            status=403,
        ).render()
    rule = gate.resolved_age_rule()
    return TemplateResponse(
        request,
        "portone_cert/age_denied.html",
        {
            "min_age": gate.resolved_min_age(),
            "rule": rule,
            "age": identity.age(rule=rule) if identity is not None else None,
        },
        status=403,
    ).render()
