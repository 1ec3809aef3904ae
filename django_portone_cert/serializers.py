from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .conf import app_settings
from .gates import counts_as_verified
from .models import CertificationAttempt, VerifiedIdentity
from .portone import IMP_UID_PATTERN


class CertifyRequestSerializer(serializers.Serializer[Any]):
    # Patterns a JSON schema can state too; the service checks imp_uid again in full.
    imp_uid = serializers.RegexField(rf"^{IMP_UID_PATTERN}$", max_length=80, trim_whitespace=False)
    merchant_uid = serializers.RegexField(
        r"^[0-9A-Za-z_-]{1,40}$", max_length=40, trim_whitespace=False
    )


class CertifyV2RequestSerializer(serializers.Serializer[Any]):
    identity_verification_id = serializers.RegexField(
        r"^[0-9A-Za-z]{1,64}$", max_length=64, trim_whitespace=False
    )


class AttemptSerializer(serializers.ModelSerializer[CertificationAttempt]):
    """What the browser needs for ``IMP.certification``."""

    class Meta:
        model = CertificationAttempt
        fields = ("merchant_uid", "expires_at")

    def to_representation(self, instance: CertificationAttempt) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(instance)
        data["api_version"] = app_settings.API_VERSION
        if app_settings.API_VERSION == "v2":
            # What PortOne.requestIdentityVerification needs.
            data["identity_verification_id"] = instance.merchant_uid
            data["store_id"] = app_settings.STORE_ID
            data["channel_key"] = app_settings.CHANNEL_KEY
            return data
        data["imp_code"] = app_settings.IMP_CODE
        if app_settings.CHANNEL_KEY:
            data["channel_key"] = app_settings.CHANNEL_KEY
        elif app_settings.PG:
            data["pg"] = app_settings.PG
        return data


class IdentitySerializer(serializers.ModelSerializer[VerifiedIdentity]):
    """The requester's own identity. Never the CI."""

    verified = serializers.SerializerMethodField()
    age = serializers.SerializerMethodField()

    class Meta:
        model = VerifiedIdentity
        fields = (
            "verified",
            "name",
            "birth_date",
            "age",
            "gender",
            "is_foreigner",
            "provider",
            "certified_at",
            "verified_at",
        )

    def get_verified(self, identity: VerifiedIdentity) -> bool:
        return counts_as_verified(identity)

    def get_age(self, identity: VerifiedIdentity) -> int:
        return identity.age()
