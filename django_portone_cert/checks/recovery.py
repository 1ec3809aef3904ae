"""Account recovery's settings (E040–E042, W040)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ..conf import DEFAULTS
from .base import configured, named


def check_recovery(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Account recovery (``ACCOUNT_RECOVERY``): E040, E041, E042, W040."""
    config = configured()
    if config is None:
        return []  # E001 says it
    errors: list[CheckMessage] = []
    if not isinstance(config.get("RECOVERY_INCLUDE_STAFF", False), bool):
        errors.append(
            Error(
                f"{named('RECOVERY_INCLUDE_STAFF')} must be True or False.",
                hint="False (the default) lists staff and superusers without a reset link.",
                id="portone_cert.E042",
            )
        )
    enabled = config.get("ACCOUNT_RECOVERY", DEFAULTS["ACCOUNT_RECOVERY"])
    if not isinstance(enabled, bool):
        return [
            Error(f"{named('ACCOUNT_RECOVERY')} must be True or False.", id="portone_cert.E040"),
            *errors,
        ]
    if not enabled:
        return errors
    if getattr(settings, "SESSION_ENGINE", "").endswith("signed_cookies"):
        errors.append(
            Error(
                f"{named('ACCOUNT_RECOVERY')} needs a server-side session: a recovery attempt "
                "is bound to the session key, which signed_cookies changes on every write.",
                hint='Use SESSION_ENGINE "django.contrib.sessions.backends.db" (or cache, '
                "cached_db).",
                id="portone_cert.E041",
            )
        )
    if config.get("REQUIRE_CI", DEFAULTS["REQUIRE_CI"]) is False:
        errors.append(
            Warning(
                f"{named('ACCOUNT_RECOVERY')} is on while {named('REQUIRE_CI')} is off: accounts "
                "are found by CI, so identities stored without one are never found, and a "
                "recovery without a CI is refused (ci_missing).",
                hint="Turn REQUIRE_CI on, or tell people without a CI to contact support.",
                id="portone_cert.W040",
            )
        )
    return errors
