"""System checks (ids ``portone_cert.E0xx`` / ``W0xx``), one module per concern.

Registered by :func:`register_checks` from ``AppConfig.ready()``, never by importing a module.
Each concern's ids: see its module (``settings``, ``portone``, ``sandbox``, ``keys``,
``recovery``, ``otp``, ``allauth``, ``children``, ``rights``, ``urls``, ``operations``).
"""

from __future__ import annotations

from django.core.checks import Tags, register

from .allauth import check_allauth_social
from .children import check_children, check_children_deploy
from .keys import check_deploy, check_key_source, check_stored_hash_keys, check_stored_keys
from .operations import check_operations, check_time_zone_support
from .otp import check_otp
from .recovery import check_recovery
from .rights import check_access_log, check_rights
from .sandbox import check_sandbox_identities
from .settings import check_settings
from .urls import check_age_rule_choice, check_app_urls

__all__ = [
    "check_access_log",
    "check_age_rule_choice",
    "check_allauth_social",
    "check_app_urls",
    "check_children",
    "check_children_deploy",
    "check_deploy",
    "check_key_source",
    "check_operations",
    "check_otp",
    "check_recovery",
    "check_rights",
    "check_sandbox_identities",
    "check_settings",
    "check_stored_hash_keys",
    "check_stored_keys",
    "check_time_zone_support",
    "register_checks",
]


def register_checks() -> None:
    """Register every check with Django's registry (idempotent: the registry is a set)."""
    for check in (check_settings, check_key_source, check_recovery, check_allauth_social):
        register(check)
    register(check_children)
    register(check_rights)
    register(check_operations)
    register(check_time_zone_support)
    register(check_otp)
    for check in (check_app_urls, check_age_rule_choice):
        register(check, Tags.urls)
    for check in (
        check_stored_keys,
        check_stored_hash_keys,
        check_sandbox_identities,
        check_access_log,
    ):
        register(check, Tags.database)
    for check in (check_deploy, check_children_deploy):
        register(check, deploy=True)
