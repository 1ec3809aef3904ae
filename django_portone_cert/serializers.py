"""The API's bodies, for the running API version; the OpenAPI schema is generated from these.

On V2 the attempt's id (``merchant_uid``, a V1 name kept on both versions) is also the
``identityVerificationId`` PortOne records, so ``prepare/`` answers it under both names
and ``certifications/`` takes ``identity_verification_id`` alone.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .conf import app_settings
from .gates import counts_as_verified
from .guardians import consent_state
from .masking import mask_name
from .models import CertificationAttempt, VerifiedIdentity
from .portone import IMP_UID_PATTERN, MINTED_ID_PATTERN
from .verification import Verification


def _v2() -> bool:
    return app_settings.API_VERSION == "v2"


class CertifyRequestSerializer(serializers.Serializer[Any]):
    """V1 ``{"imp_uid", "merchant_uid"}``; V2 ``{"identity_verification_id"}``.

    Patterns a JSON schema can state too; the service checks the ids again in full.
    """

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        if _v2():
            return {
                "identity_verification_id": serializers.RegexField(
                    rf"^{MINTED_ID_PATTERN}$",
                    max_length=64,
                    trim_whitespace=False,
                    help_text="The id prepare/ answered; PortOne's identityVerificationId.",
                )
            }
        return {
            "imp_uid": serializers.RegexField(
                rf"^{IMP_UID_PATTERN}$",
                max_length=80,
                trim_whitespace=False,
                help_text="What IMP.certification's callback (or redirect) gave the browser.",
            ),
            "merchant_uid": serializers.RegexField(
                r"^[0-9A-Za-z_-]{1,40}$",
                max_length=40,
                trim_whitespace=False,
                help_text="The attempt prepare/ answered.",
            ),
        }

    def ids(self) -> tuple[str, str]:
        """(PortOne's result id, the attempt's id): one id on V2."""
        data = self.validated_data
        if _v2():
            return data["identity_verification_id"], data["identity_verification_id"]
        return data["imp_uid"], data["merchant_uid"]


class AttemptSerializer(serializers.ModelSerializer[CertificationAttempt]):
    """What the browser SDK needs: V1 ``IMP.certification``, V2 ``requestIdentityVerification``."""

    class Meta:
        model = CertificationAttempt
        fields = ("merchant_uid", "expires_at")

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["api_version"] = serializers.SerializerMethodField()
        if _v2():
            fields["identity_verification_id"] = serializers.CharField(
                source="merchant_uid", read_only=True
            )
            fields["store_id"] = serializers.SerializerMethodField()
            fields["channel_key"] = serializers.SerializerMethodField()
        else:
            fields["imp_code"] = serializers.SerializerMethodField()
            # One of the two, as the settings say (CHANNEL_KEY first).
            fields["channel_key"] = serializers.SerializerMethodField(required=False)
            fields["pg"] = serializers.SerializerMethodField(required=False)
        return fields

    def get_api_version(self, attempt: CertificationAttempt) -> str:
        return str(app_settings.API_VERSION)

    def get_store_id(self, attempt: CertificationAttempt) -> str:
        return app_settings.STORE_ID

    def get_channel_key(self, attempt: CertificationAttempt) -> str | None:
        return app_settings.CHANNEL_KEY

    def get_imp_code(self, attempt: CertificationAttempt) -> str:
        return app_settings.IMP_CODE

    def get_pg(self, attempt: CertificationAttempt) -> str | None:
        return app_settings.PG

    def to_representation(self, instance: CertificationAttempt) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        if not _v2():
            # V1 sends channelKey, or else the older pg: never both, never null.
            if data.get("channel_key"):
                data.pop("pg", None)
            else:
                data.pop("channel_key", None)
                if not data.get("pg"):
                    data.pop("pg", None)
        return data


class VerificationSerializer(serializers.Serializer[Verification]):
    """``certifications/``'s answer: who was verified. Never the CI."""

    verified = serializers.SerializerMethodField()
    name = serializers.CharField()
    birth_date = serializers.DateField()
    age = serializers.SerializerMethodField()
    verified_at = serializers.DateTimeField()
    pending_signup = serializers.BooleanField(
        help_text="A visitor's result, waiting for the sign-up to claim it."
    )

    def get_verified(self, verification: Verification) -> bool:
        return counts_as_verified(verification)

    def get_age(self, verification: Verification) -> int:
        return verification.age()


class IdentitySerializer(serializers.ModelSerializer[VerifiedIdentity]):
    """The requester's own identity. Never the CI."""

    verified = serializers.SerializerMethodField()
    age = serializers.SerializerMethodField()
    guardian_consent = serializers.SerializerMethodField(
        help_text='"not_needed", "required" (a child under CHILD_AGE, no consent yet) or "given".'
    )

    class Meta:
        model = VerifiedIdentity
        fields = (
            "verified",
            "name",
            "birth_date",
            "age",
            "gender",
            "gender_source",
            "is_foreigner",
            "foreigner_source",
            "provider",
            "certified_at",
            "verified_at",
            "guardian_consent",
        )

    def get_verified(self, identity: VerifiedIdentity) -> bool:
        return counts_as_verified(identity)

    def get_age(self, identity: VerifiedIdentity) -> int:
        return identity.age()

    def get_guardian_consent(self, identity: VerifiedIdentity) -> str:
        return consent_state(identity)


class GuardianWithdrawalSerializer(serializers.Serializer[Any]):
    """``guardian/<token>/withdrawal/``'s answer."""

    revoked = serializers.BooleanField(default=True)


class GuardianConsentResultSerializer(serializers.Serializer[Any]):
    """``guardian/<token>/certifications/``'s answer: consented, for whom (masked)."""

    consented = serializers.SerializerMethodField()
    child = serializers.SerializerMethodField(help_text="The child's name, masked.")

    def get_consented(self, result: Any) -> bool:
        return True

    def get_child(self, result: Any) -> str:
        return mask_name(result.child_name)


class GuardianCertifyRequestSerializer(CertifyRequestSerializer):
    """The ids, and the guardian's yes to the page's sentence (a consent needs it)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["attest"] = serializers.BooleanField(
            required=False,
            help_text="true: the guardian confirmed the page's sentence (that they are the "
            "child's legal guardian and consent). Required to consent; not to withdraw.",
        )
        return fields


class GuardianAskSerializer(serializers.Serializer[Any]):
    """``guardian/request/``'s answer: the link went (or just went) to the guardian."""

    requested = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(help_text="Until when the guardian's link works.")

    def get_requested(self, consent_request: Any) -> bool:
        return True


class RecoveredAccountSerializer(serializers.Serializer[Any]):
    """One of the person's accounts: masked, never the CI."""

    username = serializers.CharField(help_text="Masked: ab***@n***.com, hong***.")
    date_joined = serializers.DateTimeField(allow_null=True)
    password_reset_url = serializers.CharField(
        allow_null=True,
        help_text="A one-time path to Django's password_reset_confirm; null when the project "
        "does not include django.contrib.auth.urls.",
    )


class RecoverySerializer(serializers.Serializer[Any]):
    """``recovery/certifications/``'s answer: the person's accounts (maybe none)."""

    accounts = RecoveredAccountSerializer(many=True)


def _choice(choices: tuple[str, ...], **kwargs: Any) -> serializers.ChoiceField:
    """A choice whose error never repeats what was typed (it may be the 7th digit)."""
    return serializers.ChoiceField(
        choices=choices, error_messages={"invalid_choice": _("Not one of the choices.")}, **kwargs
    )


class OtpPersonSerializer(serializers.Serializer[Any]):
    """``otp/``: who the code goes to. Never stored; the 7th digit never echoed."""

    name = serializers.CharField(max_length=50, trim_whitespace=True)
    phone = serializers.RegexField(r"^01[0-9]-?[0-9]{3,4}-?[0-9]{4}$", max_length=13)
    birth_date = serializers.DateField(input_formats=["%Y-%m-%d"])
    gender_digit = _choice(
        ("1", "2", "3", "4", "5", "6", "7", "8"),
        help_text="The 7th digit of the resident number; passed to PortOne, never stored.",
    )
    carrier = _choice(("SKT", "KT", "LGU", "SKT_MVNO", "KT_MVNO", "LGU_MVNO"))
    method = _choice(("SMS", "APP"), default="SMS", help_text="APP (PASS push): KCP only.")
    media_type = _choice(
        ("MC01", "MC02"),
        required=False,
        help_text='KCP: "MC01" PC, "MC02" mobile (default OTP_MEDIA_TYPE).',
    )

    def validate_phone(self, value: str) -> str:
        return value.replace("-", "")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # 1, 2, 5, 6: born before 2000; 3, 4, 7, 8: from 2000 (the century is in the digit).
        born_2000s = attrs["birth_date"].year >= 2000
        if born_2000s != (attrs["gender_digit"] in "3478"):
            raise serializers.ValidationError(_("The birth date and the 7th digit disagree."))
        return attrs


class OtpResendRequestSerializer(OtpPersonSerializer):
    """``otp/<attempt_id>/resend/``: V1 needs the person again (its resend is a new send to
    the same phone); V2 needs nothing, and ignores it."""


class OtpConfirmRequestSerializer(serializers.Serializer[Any]):
    otp = serializers.RegexField(
        r"^[0-9]{4,10}$",
        required=False,
        allow_blank=True,
        help_text="The code PortOne texted; empty for KCP's APP (PASS push).",
    )


class GuardianOtpConfirmRequestSerializer(OtpConfirmRequestSerializer):
    attest = serializers.BooleanField(help_text="The guardian's yes to the page's sentence.")


class OtpSentSerializer(serializers.Serializer[Any]):
    attempt_id = serializers.CharField()
    resend_after = serializers.IntegerField(help_text="Seconds before a resend is allowed.")
    expires_at = serializers.DateTimeField()


class OtpResentSerializer(serializers.Serializer[Any]):
    resend_after = serializers.IntegerField(help_text="Seconds before a resend is allowed.")
