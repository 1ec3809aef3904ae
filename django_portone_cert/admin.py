"""An audit-style admin: read-only, searchable by the user, no full CI anywhere."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .masking import mask_ci, mask_name
from .models import CertificationAttempt, VerifiedIdentity


def user_search_fields(prefix: str = "user__") -> tuple[str, ...]:
    """Search fields built from what the (possibly swapped) user model has."""
    user_model = get_user_model()
    names = {user_model.USERNAME_FIELD, user_model.get_email_field_name()}
    existing = {f.name for f in user_model._meta.get_fields()}
    return tuple(sorted(f"{prefix}{name}" for name in names if name in existing))


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return user_search_fields()


@admin.register(VerifiedIdentity)
class VerifiedIdentityAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "user",
        "masked_name",
        "birth_year",
        "provider",
        "verified_at",
        "certified_at",
    )
    list_filter = ("provider", "verified_at", "gender", "is_foreigner")
    date_hierarchy = "verified_at"
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    fields = (
        "user",
        "name",
        "birth_date",
        "gender",
        "is_foreigner",
        "provider",
        "masked_ci",
        "imp_uid",
        "certified_at",
        "verified_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("name"))
    def masked_name(self, obj: VerifiedIdentity) -> str:
        return mask_name(obj.name)

    @admin.display(description=_("birth year"), ordering="birth_date")
    def birth_year(self, obj: VerifiedIdentity) -> int:
        return obj.birth_date.year

    @admin.display(description=_("CI"))
    def masked_ci(self, obj: VerifiedIdentity) -> str:
        return mask_ci(obj.ci)


@admin.register(CertificationAttempt)
class CertificationAttemptAdmin(ReadOnlyAdmin):
    list_display = (
        "merchant_uid",
        "user",
        "status",
        "failure_code",
        "created_at",
        "expires_at",
        "completed_at",
    )
    list_filter = ("status", "failure_code", "created_at")
    date_hierarchy = "created_at"
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    readonly_fields = (
        "merchant_uid",
        "user",
        "status",
        "imp_uid",
        "failure_code",
        "created_at",
        "expires_at",
        "completed_at",
    )
    fields = readonly_fields

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return ("merchant_uid", "imp_uid", *user_search_fields())
