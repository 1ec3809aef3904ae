"""The sandbox: never in production, never against the real PortOne; identities typed into it
(E014, W003, W007)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.db import DatabaseError, router, transaction

from ..conf import DEFAULT_API_BASE_URL, DEFAULT_V2_API_BASE_URL
from ..models import SANDBOX_PROVIDER, VerifiedIdentity
from ..sandbox import sandbox_enabled
from .base import named


def sandbox_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    """``SANDBOX`` only with DEBUG, and pointed at the sandbox."""
    errors: list[CheckMessage] = []
    base_url = value("API_BASE_URL")
    if value("SANDBOX") is True:
        if not settings.DEBUG:
            errors.append(
                Error(
                    f"{named('SANDBOX')} is on while DEBUG is off: the sandbox accepts any "
                    "identity anyone types and must never run in production.",
                    hint="Turn SANDBOX off, or use it only with DEBUG = True.",
                    id="portone_cert.E014",
                )
            )
        if base_url is None or base_url.rstrip("/") in (
            DEFAULT_API_BASE_URL,
            DEFAULT_V2_API_BASE_URL,
        ):
            errors.append(
                Warning(
                    f"{named('SANDBOX')} is on but {named('API_BASE_URL')} is PortOne's: "
                    "the server would read results from the real PortOne.",
                    hint='Point it at the sandbox API, e.g. "http://127.0.0.1:8000'
                    '/portone-cert/sandbox/api".',
                    id="portone_cert.W003",
                )
            )
    return errors


def check_sandbox_identities(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """W007: identities typed into the sandbox, in a database used without it.

    It reads the database, so like Django's own database checks it runs only
    when asked for databases (``migrate``, ``check --database default``), and a
    database that cannot answer yet (not migrated, unreachable) is left to them.
    """
    if not databases or sandbox_enabled():
        return []
    if app_configs is not None and VerifiedIdentity._meta.app_config not in app_configs:
        return []
    count = 0
    for alias in databases:
        if not router.allow_migrate_model(alias, VerifiedIdentity):
            continue
        try:
            with transaction.atomic(using=alias):
                identities = VerifiedIdentity.objects.using(alias)
                count += identities.filter(provider=SANDBOX_PROVIDER).count()
        except DatabaseError:
            continue
    if not count:
        return []
    return [
        Warning(
            f"{count} verified identities were typed into the sandbox (provider "
            f'"{SANDBOX_PROVIDER}"), and sandbox mode is off: the gates refuse them and their '
            "users must verify for real.",
            hint="Revoke them in the admin (filter by provider) or delete them: "
            f'VerifiedIdentity.objects.filter(provider="{SANDBOX_PROVIDER}").delete().',
            id="portone_cert.W007",
        )
    ]
