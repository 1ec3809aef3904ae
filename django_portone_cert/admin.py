"""An audit-style admin: read-only, searchable by the user, no full CI anywhere."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, cast

from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth import get_user_model
from django.db.models import Count, DateField, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from . import accesslog
from .accesslog_admin import PersonalDataAccessAdmin
from .admin_statistics import WithStatistics
from .crypto import DecryptionError
from .masking import mask_ci, mask_name, mask_phone
from .models import CertificationAttempt, GuardianConsent, PersonalDataAccess, VerifiedIdentity


def user_search_fields(prefix: str = "user__") -> tuple[str, ...]:
    """Search fields built from what the (possibly swapped) user model has."""
    user_model = get_user_model()
    names = {user_model.USERNAME_FIELD, user_model.get_email_field_name()}
    existing = {f.name for f in user_model._meta.get_fields()}
    return tuple(sorted(f"{prefix}{name}" for name in names if name in existing))


#: What Django's list filters put in the query string, after the field's name.
FILTER_LOOKUPS = ("", "__exact", "__isnull")
DATE_FILTER_LOOKUPS = ("__gte", "__lt", "__isnull")
DATE_HIERARCHY_LOOKUPS = ("__year", "__month", "__day")
#: What a plain list's query string may hold: pages and ordering show no one in particular.
UNSEARCHED = {"p", "o", "e", "_popup", "_to_field"}

Access = PersonalDataAccess.Action


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    #: Lookups of links the admin makes itself, beside its filters and date hierarchy.
    link_lookups: tuple[str, ...] = ()
    #: The field naming whose data a row is (``user_id``): then its page, a searched or
    #: filtered list (the people shown) and each revocation go in the access log.
    access_subject = ""

    def record_access(self, request: HttpRequest, action: str, objects: Iterable[Any]) -> None:
        if self.access_subject:
            subjects = [getattr(obj, self.access_subject) for obj in objects]
            accesslog.record(request, action, subjects, target=str(self.opts.model_name))

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        if obj is not None:
            self.record_access(request, Access.VIEW, [obj])
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and set(request.GET) - UNSEARCHED:
            # The people the search or filter showed; never what was typed (it may be a name).
            self.record_access(request, Access.SEARCH, changelist.result_list)
        return response

    def revoke_logged(
        self,
        request: HttpRequest,
        objects: Iterable[Any],
        revoke: Callable[[Any], bool],
        *,
        flag: int,
        note: Any,
        done: Any,
    ) -> None:
        """Revoke each object (``revoke`` says whether it did), log each revocation in Django's
        admin log, naming the object (never the person), and tell how many (``done``: an
        ``ngettext_lazy`` message counted by ``"count"``)."""
        count = 0
        for obj in objects:
            if not revoke(obj):
                continue
            self.record_access(request, Access.REVOKE, [obj])
            LogEntry.objects.log_actions(
                user_id=cast(int, request.user.pk),
                queryset=[obj],
                action_flag=flag,
                change_message=str(note),
                single_object=True,
            )
            count += 1
        self.message_user(request, done % {"count": count}, messages.SUCCESS)

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest) -> bool:
        """Only the filters the page shows, its date hierarchy and its own links.

        Django lets whoever may view the list filter it by any field of the model
        (``?name__regex=…``, ``?birth_date=…``, ``?session_key__startswith=…``):
        one guess at a time, a viewer would learn what the list masks.
        """
        return lookup in self.shown_lookups(request) and super().lookup_allowed(
            lookup, value, request
        )

    def shown_lookups(self, request: HttpRequest) -> set[str]:
        lookups = set(self.link_lookups)
        for item in self.get_list_filter(request):
            if isinstance(item, list | tuple):  # (field, its FieldListFilter class)
                item = item[0]
            if isinstance(item, str):
                field = get_fields_from_path(self.model, item)[-1]
                suffixes = DATE_FILTER_LOOKUPS if isinstance(field, DateField) else FILTER_LOOKUPS
                lookups.update(item + suffix for suffix in suffixes)
            elif isinstance(item, type) and issubclass(item, admin.SimpleListFilter):
                lookups.add(str(item.parameter_name))
        if self.date_hierarchy:
            lookups.update(self.date_hierarchy + suffix for suffix in DATE_HIERARCHY_LOOKUPS)
        return lookups

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return user_search_fields()


def _masked(obj: VerifiedIdentity, name: str, mask: Callable[[str], str]) -> str:
    """The masked value, or a marker when its key is gone (the page still opens)."""
    try:
        value = getattr(obj, name)
    except DecryptionError:
        return str(_("cannot be decrypted"))
    return mask(value)


@admin.register(VerifiedIdentity)
class VerifiedIdentityAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "user",
        "masked_name",
        "birth_year",
        "provider",
        "accounts_of_person",
        "verified_at",
        "certified_at",
    )
    actions = ["revoke_verification"]
    list_filter = (
        "provider",
        "api_version",
        "verified_at",
        "gender",
        "gender_source",
        "is_foreigner",
        "foreigner_source",
    )
    # The "accounts of this person" link filters by the keyed hash (never the CI).
    link_lookups = ("ci_hash",)
    access_subject = "user_id"
    date_hierarchy = "verified_at"
    raw_id_fields = ("user",)
    list_select_related = ("user",)
    fields = (
        "user",
        "name",
        "birth_date",
        "gender",
        "gender_source",
        "is_foreigner",
        "foreigner_source",
        "provider",
        "api_version",
        "masked_ci",
        "masked_phone",
        "carrier",
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
        return _masked(obj, "ci", mask_ci)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: VerifiedIdentity) -> str:
        return _masked(obj, "phone", mask_phone)

    def get_queryset(self, request: HttpRequest) -> QuerySet[VerifiedIdentity]:
        same_person = (
            VerifiedIdentity.objects.filter(ci_hash=OuterRef("ci_hash"))
            .exclude(ci_hash="")
            .values("ci_hash")
            .annotate(n=Count("pk"))
            .values("n")
        )
        queryset: QuerySet[VerifiedIdentity] = super().get_queryset(request)
        return queryset.annotate(person_accounts=Subquery(same_person))

    @admin.display(description=_("accounts of this person"), ordering="person_accounts")
    def accounts_of_person(self, obj: VerifiedIdentity) -> str:
        count = getattr(obj, "person_accounts", None) or 0
        if count <= 1:
            return str(count)
        url = reverse("admin:portone_cert_verifiedidentity_changelist")
        return format_html('<a href="{}?ci_hash={}">{}</a>', url, obj.ci_hash, count)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Identities go with their user; an admin revokes instead (and it is logged).
        return False

    @admin.action(
        description=_("Revoke the verification (the user must verify again)"),
        permissions=["revoke"],
    )
    def revoke_verification(
        self, request: HttpRequest, queryset: QuerySet[VerifiedIdentity]
    ) -> None:
        def revoke(identity: VerifiedIdentity) -> bool:
            # Through the queryset: the instance keeps its pk for the log entry.
            return bool(VerifiedIdentity.objects.filter(pk=identity.pk).delete()[0])

        self.revoke_logged(
            request,
            queryset.select_related("user"),
            revoke,
            flag=DELETION,
            note=_("Revoked the identity verification."),
            done=ngettext_lazy(
                "Revoked %(count)d verification.", "Revoked %(count)d verifications.", "count"
            ),
        )

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.delete_{opts.model_name}")


@admin.register(CertificationAttempt)
class CertificationAttemptAdmin(WithStatistics, ReadOnlyAdmin):
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


@admin.register(GuardianConsent)
class GuardianConsentAdmin(ReadOnlyAdmin):
    """Who consented for which child, and when: the guardian masked, never the CI hash."""

    list_display = ("id", "child", "masked_guardian_name", "consented_at", "revoked_at")
    access_subject = "child_id"
    list_filter = ("consented_at", "revoked_at")
    date_hierarchy = "consented_at"
    raw_id_fields = ("child",)
    list_select_related = ("child",)
    actions = ["revoke_consent"]
    fields = (
        "child",
        "masked_guardian_name",
        "guardian_birth_year",
        "consented_at",
        "revoked_at",
        "attested",
        "attestation",
        "sandbox",
    )
    readonly_fields = fields

    @admin.display(description=_("guardian name"))
    def masked_guardian_name(self, obj: GuardianConsent) -> str:
        return mask_name(obj.guardian_name)

    @admin.display(description=_("guardian birth year"))
    def guardian_birth_year(self, obj: GuardianConsent) -> int:
        return obj.guardian_birth_date.year

    def get_search_fields(self, request: HttpRequest) -> tuple[str, ...]:
        return user_search_fields("child__")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A consent goes with the child's account; an admin revokes it (and it is logged).
        return False

    @admin.action(
        description=_("Revoke the guardian's consent (the child is gated again)"),
        permissions=["revoke"],
    )
    def revoke_consent(self, request: HttpRequest, queryset: QuerySet[GuardianConsent]) -> None:
        from .guardians import revoke_guardian_consent

        self.revoke_logged(
            request,
            queryset.select_related("child"),
            lambda consent: revoke_guardian_consent(consent, by="admin", request=request),
            flag=CHANGE,
            note=_("Revoked the guardian's consent."),
            done=ngettext_lazy(
                "Revoked %(count)d consent.", "Revoked %(count)d consents.", "count"
            ),
        )

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


admin.site.register(PersonalDataAccess, PersonalDataAccessAdmin)
