"""The personal-data access log's model (:mod:`django_portone_cert.accesslog` writes it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnly(TypeError):
    """A ``PersonalDataAccess`` row is never changed or deleted (only purged when it expires)."""


class PersonalDataAccessQuerySet(models.QuerySet["PersonalDataAccess"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly("The personal-data access log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("The personal-data access log is append-only; portone_cert_purge.")

    def expire(self, before: datetime) -> int:
        """Delete the rows older than ``before`` (``ACCESS_LOG_RETENTION``): the one way out."""
        return models.QuerySet.delete(self.filter(at__lt=before))[0]


class PersonalDataAccess(models.Model):
    """Who saw whose data, when, from where, and what was done; never the data (``accesslog``)."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        SEARCH = "search", _("searched")
        EXPORT = "export", _("exported")
        REVOKE = "revoke", _("revoked")
        DELETE = "delete", _("deleted")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    staff_id = models.CharField(_("staff id"), max_length=64, db_index=True)
    staff_username = models.CharField(_("staff username"), max_length=150)
    address = models.CharField(_("address"), max_length=64, blank=True, default="")
    subject_id = models.CharField(_("subject user id"), max_length=64, db_index=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    target = models.CharField(_("record"), max_length=40)  # a model name: verifiedidentity, …
    reason = models.TextField(_("reason"), blank=True, default="")
    hash_key_id = models.CharField(_("hash key id"), max_length=8, editable=False)
    previous_hash = models.CharField(_("previous hash"), max_length=64, editable=False)
    row_hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = PersonalDataAccessQuerySet.as_manager()

    class Meta:
        verbose_name = _("personal-data access")
        verbose_name_plural = _("personal-data access log")
        ordering = ("-id",)
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"access #{self.pk} (user {self.subject_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("The personal-data access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("The personal-data access log is append-only; portone_cert_purge.")
