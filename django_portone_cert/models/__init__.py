"""The app's data. The access log's model lives in :mod:`.accesslog` and is re-exported here."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .. import ages, crypto
from ..conf import app_settings
from ..fields import EncryptedTextField
from ..sandbox import sandbox_enabled

if TYPE_CHECKING:
    from ..ages import AgeRule


#: The provider recorded for a result read while ``PORTONE_CERT["SANDBOX"]`` is on.
#: PortOne never sends it, so a sandbox identity cannot pass for a real one.
SANDBOX_PROVIDER = "sandbox"


def new_merchant_uid() -> str:
    """A server-minted attempt id: letters and digits only, 36 characters.

    That form is accepted as a V1 ``merchant_uid`` and as a V2
    ``identityVerificationId`` (KCP allows letters and digits, at most 40).
    """
    return "cert" + secrets.token_hex(16)


class CertificationAttempt(models.Model):
    """One verification a requester started; a PortOne result must name it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        VERIFIED = "verified", _("verified")
        FAILED = "failed", _("failed")

    class Purpose(models.TextChoices):
        """What the attempt may be used for: one flow's attempt never serves another."""

        VERIFICATION = "verification", _("verification")
        RECOVERY = "recovery", _("account recovery")
        GUARDIAN = "guardian", _("guardian consent")

    merchant_uid = models.CharField(
        _("merchant uid"), max_length=40, unique=True, default=new_merchant_uid, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="portone_cert_attempts",
        verbose_name=_("user"),
        help_text=_("Empty for a visitor who verifies before signing up."),
    )
    session_key = models.CharField(
        _("session key"), max_length=64, blank=True, default="", db_index=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    purpose = models.CharField(
        _("purpose"), max_length=16, choices=Purpose.choices, default=Purpose.VERIFICATION
    )
    imp_uid = models.CharField(
        _("imp uid"),
        max_length=80,
        unique=True,
        null=True,
        blank=True,
        help_text=_("The PortOne result this attempt consumed; each result is used once."),
    )
    failure_code = models.CharField(_("failure code"), max_length=40, blank=True, default="")
    lookups = models.PositiveSmallIntegerField(
        _("lookups"),
        default=0,
        editable=False,
        help_text=_("How many times PortOne was asked for this attempt's result."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("expires at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    #: A visitor's verified result, encrypted, until the sign-up claims it or it expires.
    result = EncryptedTextField(_("result"), owner="merchant_uid")
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    # In-app verification (otp.py): what the attempt remembers between its requests. Never
    # the 7th digit or a code: those reach PortOne in the request that needs them and go.
    otp_sends = models.PositiveSmallIntegerField(_("codes sent"), default=0, editable=False)
    otp_confirms = models.PositiveSmallIntegerField(_("codes tried"), default=0, editable=False)
    otp_sent_at = models.DateTimeField(_("code sent at"), null=True, blank=True, editable=False)
    #: The phone's keyed hash (HASH_KEY): a resend counts against the same number's daily limit.
    otp_phone_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    #: What PortOne's send answered to confirm with (V1 ``imp_uid``); "" when it sent nothing.
    otp_result_id = models.CharField(max_length=80, blank=True, default="", editable=False)
    #: A guardian attempt serves only the link it was prepared on.
    consent_request = models.ForeignKey(
        "GuardianConsentRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="attempts",
        editable=False,
        verbose_name=_("guardian consent request"),
    )

    class Meta:
        verbose_name = _("certification attempt")
        verbose_name_plural = _("certification attempts")
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return self.merchant_uid

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.expires_at:
            self.expires_at = self.created_at + app_settings.ATTEMPT_TTL
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class VerifiedIdentityQuerySet(models.QuerySet["VerifiedIdentity"]):
    def for_ci(self, ci: str) -> VerifiedIdentityQuerySet:
        """The identities of the person with this CI, by keyed hash (current and fallback keys).

        ``filter(ci=...)`` cannot work: each CI is encrypted with a random nonce.
        """
        if not ci:
            return self.none()
        return self.filter(ci_hash__in=crypto.keyed_hashes(ci))


class ValueSource(models.TextChoices):
    """Who vouches for a gender or a foreigner flag."""

    PROVIDER = "provider", _("verified by the provider")
    SELF_DECLARED = "self_declared", _("typed by the person")


class VerifiedIdentity(models.Model):
    """The person a user proved to be, from the last accepted PortOne result."""

    class Gender(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="verified_identity",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(
        _("gender"), max_length=8, choices=Gender.choices, blank=True, default=""
    )
    is_foreigner = models.BooleanField(_("foreigner"), null=True, blank=True)
    gender_source = models.CharField(
        _("gender from"),
        max_length=16,
        choices=ValueSource.choices,
        blank=True,
        default="",
        help_text=_("Verified by the provider, or typed by the person (KG이니시스 Kakao/Naver)."),
    )
    foreigner_source = models.CharField(
        _("foreigner status from"),
        max_length=16,
        choices=ValueSource.choices,
        blank=True,
        default="",
        help_text=_("Verified by the provider, or typed by the person (KG이니시스 Kakao/Naver)."),
    )
    provider = models.CharField(_("provider"), max_length=40, blank=True, default="", db_index=True)
    api_version = models.CharField(
        _("API version"),
        max_length=2,
        choices=[("v1", "V1"), ("v2", "V2")],
        default="v1",
        db_index=True,
    )
    ci = EncryptedTextField(_("CI"), owner="user_id")
    ci_hash = models.CharField(
        _("CI hash"), max_length=64, blank=True, default="", db_index=True, editable=False
    )
    #: The CI hash while ONE_ACCOUNT_PER_PERSON is on, else NULL: the database's
    #: unique index is what stops two concurrent requests from both winning.
    unique_ci_hash = models.CharField(  # noqa: DJ001 (NULL: not one-account-per-person)
        max_length=64, null=True, unique=True, editable=False
    )
    di = EncryptedTextField(_("DI"), owner="user_id")
    phone = EncryptedTextField(_("phone"), owner="user_id")
    carrier = models.CharField(_("carrier"), max_length=16, blank=True, default="")
    imp_uid = models.CharField(_("imp uid"), max_length=80, unique=True)
    certified_at = models.DateTimeField(_("certified at"))
    verified_at = models.DateTimeField(_("verified at"), db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = VerifiedIdentityQuerySet.as_manager()

    #: Set when this row now holds another person than the one it held (a sandbox identity
    #: replaced by a real one): what was given for the former person (a guardian's consent)
    #: ends when it is saved.
    person_replaced: bool = False

    class Meta:
        verbose_name = _("verified identity")
        verbose_name_plural = _("verified identities")
        ordering = ("-verified_at",)

    def __str__(self) -> str:
        # No personal data: this string reaches logs and admin pages.
        return f"verified identity #{self.pk} (user {self.user_id})"

    def __repr__(self) -> str:
        return f"<VerifiedIdentity pk={self.pk} user_id={self.user_id}>"

    def age(self, rule: AgeRule | None = None, on: date | None = None) -> int:
        """Age by ``rule`` (default: ``AGE_RULE``) on ``on`` (default: today in Seoul)."""
        return ages.age(self.birth_date, rule or app_settings.AGE_RULE, on)

    @property
    def is_sandbox(self) -> bool:
        """Typed into the sandbox, not proved: it counts only while sandbox mode is on."""
        return self.provider == SANDBOX_PROVIDER

    def meets_age(self, min_age: int, rule: AgeRule | None = None, on: date | None = None) -> bool:
        return ages.meets_age(self.birth_date, min_age, rule or app_settings.AGE_RULE, on)


class IdentityTombstone(models.Model):
    """The keyed CI hash of a deleted account's person, kept for ``TOMBSTONE_RETENTION``."""

    ci_hash = models.CharField(_("CI hash"), max_length=64, unique=True)
    #: ``crypto.hash_key_id()`` of the key ``ci_hash`` is under ("" before it was recorded).
    hash_key_id = models.CharField(
        _("hash key id"), max_length=8, blank=True, default="", editable=False
    )
    deleted_at = models.DateTimeField(_("deleted at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("identity tombstone")
        verbose_name_plural = _("identity tombstones")

    def __str__(self) -> str:
        return f"tombstone until {self.expires_at:%Y-%m-%d}"


class GuardianConsentRequest(models.Model):
    """A one-time link a child's guardian opens to consent; only its token's hash is kept."""

    child = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guardian_consent_requests",
        verbose_name=_("child"),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    #: The guardian's page, with the secret token: known only when the request is made.
    url: str = ""

    class Meta:
        verbose_name = _("guardian consent request")
        verbose_name_plural = _("guardian consent requests")
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"guardian consent request #{self.pk} (user {self.child_id})"

    def is_live(self, now: datetime | None = None) -> bool:
        return self.used_at is None and (now or timezone.now()) < self.expires_at


class GuardianConsentQuerySet(models.QuerySet["GuardianConsent"]):
    def in_force(self, sandbox: bool | None = None) -> GuardianConsentQuerySet:
        """Unrevoked consents that count: one recorded in sandbox mode only while it is on.

        ``sandbox``: the mode to filter for, read now when not given. The gates compile their
        read with this once per sandbox mode (``gates._GATE_READ``) and give the mode of that
        read's key: whatever else this comes to depend on must go into that key.
        """
        live = self.filter(revoked_at__isnull=True)
        if sandbox is None:
            sandbox = sandbox_enabled()
        return live if sandbox else live.filter(sandbox=False)


class GuardianConsent(models.Model):
    """A guardian's verified consent for a child (PIPA §22-2): who, and when; nothing more."""

    child = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="guardian_consents",
        verbose_name=_("child"),
    )
    request = models.OneToOneField(
        GuardianConsentRequest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consent",
        verbose_name=_("request"),
    )
    guardian_name = models.CharField(_("guardian name"), max_length=100)
    guardian_birth_date = models.DateField(_("guardian birth date"))
    guardian_ci_hash = models.CharField(
        _("guardian CI hash"), max_length=64, blank=True, default="", editable=False
    )
    #: ``crypto.hash_key_id()`` of the key ``guardian_ci_hash`` is under.
    hash_key_id = models.CharField(
        _("hash key id"), max_length=8, blank=True, default="", editable=False
    )
    consented_at = models.DateTimeField(_("consented at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, db_index=True)
    attestation = models.TextField(
        _("attestation"),
        blank=True,
        default="",
        help_text=_("The sentence the guardian was shown and confirmed, as shown."),
    )
    attested = models.BooleanField(
        _("attested"),
        default=False,
        help_text=_("The guardian confirmed the attestation before verifying."),
    )
    sandbox = models.BooleanField(
        _("sandbox"),
        default=False,
        help_text=_("Recorded in sandbox mode: it counts only while sandbox mode is on."),
    )

    objects = GuardianConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")
        ordering = ("-consented_at",)

    def __str__(self) -> str:
        # No personal data: this string reaches logs and admin pages.
        return f"guardian consent #{self.pk} (user {self.child_id})"


from .accesslog import AppendOnly, PersonalDataAccess, PersonalDataAccessQuerySet  # noqa: E402

__all__ = [
    "SANDBOX_PROVIDER",
    "AppendOnly",
    "CertificationAttempt",
    "GuardianConsent",
    "GuardianConsentQuerySet",
    "GuardianConsentRequest",
    "IdentityTombstone",
    "PersonalDataAccess",
    "PersonalDataAccessQuerySet",
    "ValueSource",
    "VerifiedIdentity",
    "VerifiedIdentityQuerySet",
    "new_merchant_uid",
]
