"""System checks (ids ``portone_cert.E0xx`` / ``W0xx``), one module per concern.

Registered by :func:`register_checks` from ``AppConfig.ready()``, never by importing a module.
Each concern's ids: see its module (``settings``, ``portone``, ``sandbox``, ``keys``,
``recovery``, ``allauth``, ``children``, ``operations``).
"""

from __future__ import annotations

from django.core.checks import Tags, register

from .allauth import check_allauth_social
from .children import check_children, check_children_deploy
from .keys import check_deploy, check_key_source, check_stored_hash_keys, check_stored_keys
from .operations import check_operations
from .recovery import check_recovery, check_recovery_urls
from .sandbox import check_sandbox_identities
from .settings import check_settings

__all__ = [
    "check_allauth_social",
    "check_children",
    "check_children_deploy",
    "check_deploy",
    "check_key_source",
    "check_operations",
    "check_recovery",
    "check_recovery_urls",
    "check_sandbox_identities",
    "check_settings",
    "check_stored_hash_keys",
    "check_stored_keys",
    "register_checks",
]


def register_checks() -> None:
    """Register every check with Django's registry (idempotent: the registry is a set)."""
    for check in (check_settings, check_key_source, check_recovery, check_allauth_social):
        register(check)
    register(check_children)
    register(check_operations)
    register(check_recovery_urls, Tags.urls)
    for check in (check_stored_keys, check_stored_hash_keys, check_sandbox_identities):
        register(check, Tags.database)
    for check in (check_deploy, check_children_deploy):
        register(check, deploy=True)
