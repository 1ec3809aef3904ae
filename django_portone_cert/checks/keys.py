"""The keys that encrypt and hash CIs, and what the database holds under them (E015, E016,
E022–E025, W004, W006)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from django.db import DatabaseError, router, transaction
from django.db.models import CharField, Q
from django.db.models.functions import Substr

from ..conf import SETTING_NAME
from ..crypto import (
    FROM_SECRET_KEY,
    decode_key,
    encryption_keys,
    is_encrypted,
    key_id,
    keys_configured,
)
from ..exceptions import ConfigurationError
from ..models import IdentityTombstone, VerifiedIdentity
from ..retention import hash_key_needs
from .base import named


def key_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    return _check_keys(value("ENCRYPTION_KEYS"), value("HASH_KEY"), value("HASH_KEY_FALLBACKS"))


def _check_keys(encryption_keys: Any, hash_key: Any, hash_fallbacks: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if encryption_keys is not None:
        valid = isinstance(encryption_keys, list | tuple) and bool(encryption_keys)
        for index, key in enumerate(encryption_keys if valid else ()):
            if key == FROM_SECRET_KEY and index > 0:
                continue  # the derived keys, still decrypting while moving to explicit keys
            try:
                decode_key(key if isinstance(key, str) else "")
            except ConfigurationError:
                valid = False
        if not valid:
            errors.append(
                Error(
                    f"{named('ENCRYPTION_KEYS')} must be a non-empty list of url-safe base64 "
                    f'32-byte keys (after the first, "{FROM_SECRET_KEY}" stands for the keys '
                    "derived from SECRET_KEY).",
                    hint="Generate one with django_portone_cert.crypto.generate_key().",
                    id="portone_cert.E015",
                )
            )
    if hash_key is not None and (not isinstance(hash_key, str) or len(hash_key) < 32):
        errors.append(
            Error(
                f"{named('HASH_KEY')} must be a string of at least 32 characters.",
                hint="For example django_portone_cert.crypto.generate_key().",
                id="portone_cert.E016",
            )
        )
    if bool(encryption_keys) != bool(hash_key):
        present, missing = (
            ("ENCRYPTION_KEYS", "HASH_KEY") if encryption_keys else ("HASH_KEY", "ENCRYPTION_KEYS")
        )
        errors.append(
            Error(
                f"{named(present)} is set but {named(missing)} is not: the missing one would "
                "be derived from SECRET_KEY, and rotating SECRET_KEY would then change it.",
                hint="Set both from your secret store, or neither.",
                id="portone_cert.E022",
            )
        )
    if hash_fallbacks is not None and (
        not hash_key
        or not isinstance(hash_fallbacks, list | tuple)
        or not all(
            isinstance(key, str) and (len(key) >= 32 or key == FROM_SECRET_KEY)
            for key in hash_fallbacks
        )
    ):
        errors.append(
            Error(
                f"{named('HASH_KEY_FALLBACKS')} must be a list of former HASH_KEYs (strings of "
                f'at least 32 characters, or "{FROM_SECRET_KEY}" for the keys derived from '
                f"SECRET_KEY), used only with {named('HASH_KEY')}.",
                hint="Put the old HASH_KEY here when you set a new one; remove it once "
                "portone_cert_rotate_keys says nothing needs it.",
                id="portone_cert.E023",
            )
        )
    return errors


def _derived_keys_warning(message_id: str) -> Warning:
    return Warning(
        f"{named('ENCRYPTION_KEYS')} and {named('HASH_KEY')} are not set: CI is encrypted and "
        "hashed with keys derived from SECRET_KEY. Rotate SECRET_KEY only with the old one in "
        "SECRET_KEY_FALLBACKS until portone_cert_rotate_keys has run, or stored CIs become "
        "unreadable and people can sign up again.",
        hint="Set both from your secret store; see docs/personal-data.md (Keys and their "
        "rotation).",
        id=message_id,
    )


def check_key_source(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Keys derived from SECRET_KEY in production (DEBUG off)."""
    config = getattr(settings, SETTING_NAME, None)
    if settings.DEBUG or not isinstance(config, dict | None) or keys_configured():
        return []
    if config and (config.get("ENCRYPTION_KEYS") or config.get("HASH_KEY")):
        return []  # one of them set: E022 says it
    return [_derived_keys_warning("portone_cert.W006")]


def check_deploy(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Keys derived from SECRET_KEY (with DEBUG off, the plain check says it: W006 or E022)."""
    if not settings.DEBUG:
        return []
    if keys_configured():
        return []
    return [_derived_keys_warning("portone_cert.W004")]


def check_stored_keys(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """Identities encrypted under a key that is no longer configured (``migrate`` runs this).

    Their CI cannot be read, and (keys derived from SECRET_KEY) their hash cannot be
    matched, so the same person could verify a second account.
    """
    try:
        known = {key_id(key) for key in encryption_keys()}
    except ConfigurationError:
        return []  # E015 says it
    columns = ("ci", "di", "phone")
    unknown = 0
    for alias in databases or ():
        if not router.allow_migrate_model(alias, VerifiedIdentity):
            continue
        # The stored form starts "pcx2$<key id>$": read only those heads, never a value.
        rows = VerifiedIdentity.objects.using(alias).annotate(
            **{f"head_{c}": Substr(c, 1, 13, output_field=CharField()) for c in columns}
        )
        stale = Q()
        try:
            for column in columns:
                heads = (
                    rows.filter(**{f"head_{column}__startswith": "pcx"})
                    .order_by()
                    .values_list(f"head_{column}", flat=True)
                    .distinct()
                )
                gone = [h for h in heads if is_encrypted(h) and h[5:13] not in known]
                if gone:
                    stale |= Q(**{f"head_{column}__in": gone})
            if stale:
                unknown += rows.filter(stale).count()
        except DatabaseError:
            continue  # not migrated yet
    if not unknown:
        return []
    return [
        Error(
            f"{unknown} verified identities hold values encrypted under a key that is no "
            "longer configured: they cannot be read and, with keys derived "
            "from SECRET_KEY, the person they belong to is not recognised (a second account "
            "would be accepted).",
            hint="Put the old key back (the old SECRET_KEY in SECRET_KEY_FALLBACKS, or in "
            "ENCRYPTION_KEYS with its HASH_KEY in HASH_KEY_FALLBACKS), run "
            "manage.py portone_cert_rotate_keys, then remove it when the command says "
            "nothing needs it.",
            id="portone_cert.E024",
        )
    ]


def check_stored_hash_keys(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """E025: live tombstones or guardians' consents under a hash key no longer configured.

    They keep a hash without its CI, so ``portone_cert_rotate_keys`` cannot re-key them: the
    tombstoned person could sign up again and the guardian could not withdraw. Rows written
    before hash key ids were recorded are not judged.
    """
    tombstones = consents = 0
    for alias in databases or ():
        if not router.allow_migrate_model(alias, IdentityTombstone):
            continue
        try:
            with transaction.atomic(using=alias):
                needs = hash_key_needs(using=alias)
        except (DatabaseError, ConfigurationError):
            continue  # not migrated yet; or a bad key, which E015/E016 name
        tombstones += needs.lost_tombstones
        consents += needs.lost_consents
    if not tombstones and not consents:
        return []
    return [
        Error(
            f"{tombstones} live tombstones and {consents} live guardian consents hold a CI "
            "hash under a hash key that is no longer configured: those people can sign up "
            "again, and those guardians cannot withdraw their consent.",
            hint="Put the old key back as a fallback (in HASH_KEY_FALLBACKS, or the old "
            "SECRET_KEY in SECRET_KEY_FALLBACKS) and keep it until manage.py "
            "portone_cert_rotate_keys says nothing needs it.",
            id="portone_cert.E025",
        )
    ]
