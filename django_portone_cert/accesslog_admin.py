"""The personal-data access log in the admin: a list for those with its one permission
(``portone_cert.view_personaldataaccess``); no one adds, changes or deletes a row there."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest


class PersonalDataAccessAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "id",
        "at",
        "staff_username",
        "staff_id",
        "address",
        "action",
        "target",
        "subject_id",
        "reason",
    )
    list_filter = ("action", "target", "at")
    date_hierarchy = "at"
    search_fields = ("=staff_id", "staff_username", "=subject_id", "address")
    readonly_fields = (*list_display, "hash_key_id", "previous_hash", "row_hash")
    fields = readonly_fields
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
