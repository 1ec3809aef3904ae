"""System checks for ``settings.PORTONE_CERT`` (ids ``portone_cert.E0xx`` / ``W0xx``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .ages import RULES
from .conf import (
    CHILD_POLICIES,
    DEFAULT_API_BASE_URL,
    DEFAULT_V2_API_BASE_URL,
    DEFAULTS,
    SETTING_NAME,
    V2_MIN_READ_TIMEOUT,
)
from .exceptions import ConfigurationError

HINT_CONSOLE = "Find it in the PortOne console: 결제 연동 > 식별코드・API Keys > V1 API."
HINT_CONSOLE_V2 = "Find it in the PortOne console: 결제 연동 > 식별코드・API Keys > V2 API."


def _name(key: str) -> str:
    return f'settings.{SETTING_NAME}["{key}"]'


@register()
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    config = getattr(settings, SETTING_NAME, None)
    if config is None:
        config = {}
    if not isinstance(config, dict):
        return [
            Error(
                f"settings.{SETTING_NAME} must be a dict.",
                hint='PORTONE_CERT = {"IMP_KEY": "...", "IMP_SECRET": "...", "IMP_CODE": "imp..."}',
                id="portone_cert.E001",
            )
        ]
    errors: list[CheckMessage] = []
    value = {**DEFAULTS, **config}.get

    version = value("API_VERSION")
    if version not in ("v1", "v2"):
        errors.append(
            Error(
                f'{_name("API_VERSION")} must be "v1" or "v2".',
                hint='"v1" is api.iamport.kr (IMP.certification); "v2" is api.portone.io.',
                id="portone_cert.E018",
            )
        )
    required = (
        (("API_SECRET", "E019"), ("STORE_ID", "E020"), ("CHANNEL_KEY", "E021"))
        if version == "v2"
        else (("IMP_KEY", "E002"), ("IMP_SECRET", "E003"), ("IMP_CODE", "E004"))
    )
    for key, error_id in required:
        if not value(key):
            errors.append(
                Error(
                    f"{_name(key)} is not set.",
                    hint=HINT_CONSOLE if version != "v2" else HINT_CONSOLE_V2,
                    id=f"portone_cert.{error_id}",
                )
            )
        elif not isinstance(value(key), str):
            errors.append(Error(f"{_name(key)} must be a string.", id="portone_cert.E005"))

    for key in ("CHANNEL_KEY", "PG", "COMPANY", "THROTTLE_RATE", "API_SECRET", "STORE_ID"):
        if value(key) is not None and not isinstance(value(key), str):
            errors.append(Error(f"{_name(key)} must be a string or None.", id="portone_cert.E005"))

    base_url = value("API_BASE_URL")
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if base_url is None:
        pass  # PortOne's own for the API version
    elif parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        errors.append(
            Error(
                f"{_name('API_BASE_URL')} must be an http(s) URL.",
                hint="Leave it unset for https://api.iamport.kr.",
                id="portone_cert.E006",
            )
        )
    elif parts.scheme == "http" and not settings.DEBUG:
        errors.append(
            Warning(
                f"{_name('API_BASE_URL')} uses http:// while DEBUG is off: the REST API "
                "secret and personal data would cross the network unencrypted.",
                hint="Use https://api.iamport.kr (or https://static-api.iamport.kr).",
                id="portone_cert.W001",
            )
        )

    timeout = value("TIMEOUT")
    if timeout is not None and not _is_timeout(timeout):
        errors.append(
            Error(
                f"{_name('TIMEOUT')} must be a positive number of seconds or a "
                "(connect, read) pair of them.",
                hint='For example "TIMEOUT": (3.05, 10), or None for the default.',
                id="portone_cert.E007",
            )
        )
    elif timeout is not None and version == "v2":
        read = timeout if _positive_number(timeout) else timeout[1]
        if read < V2_MIN_READ_TIMEOUT:
            errors.append(
                Warning(
                    f"{_name('TIMEOUT')} gives PortOne V2 a read timeout of {read:g} s; "
                    f"PortOne asks for at least {V2_MIN_READ_TIMEOUT:g} s.",
                    hint="Leave TIMEOUT unset (V2 default (3.05, 60)) or use e.g. (3.05, 60); "
                    "DEADLINE still bounds a whole verification. See "
                    "https://developers.portone.io/api/rest-v2 (요청 타임아웃 정책).",
                    id="portone_cert.W012",
                )
            )

    if not _positive_number(value("DEADLINE")):
        errors.append(
            Error(
                f"{_name('DEADLINE')} must be a positive number of seconds.", id="portone_cert.E017"
            )
        )
    retries, backoff = value("RETRIES"), value("RETRY_BACKOFF")
    if not isinstance(retries, int) or isinstance(retries, bool) or not 0 <= retries <= 5:
        errors.append(
            Error(f"{_name('RETRIES')} must be a whole number from 0 to 5.", id="portone_cert.E017")
        )
    if not isinstance(backoff, int | float) or isinstance(backoff, bool) or backoff < 0:
        errors.append(
            Error(f"{_name('RETRY_BACKOFF')} must be a number of seconds.", id="portone_cert.E017")
        )

    lookups = value("ATTEMPT_MAX_LOOKUPS")
    if not isinstance(lookups, int) or isinstance(lookups, bool) or not 1 <= lookups <= 10:
        errors.append(
            Error(
                f"{_name('ATTEMPT_MAX_LOOKUPS')} must be a whole number from 1 to 10.",
                hint="Each lookup is a request to PortOne; 3 lets a visitor retry a timeout.",
                id="portone_cert.E030",
            )
        )

    visitors = value("VISITOR_ATTEMPTS_PER_HOUR")
    if visitors is not None and (
        not isinstance(visitors, int) or isinstance(visitors, bool) or visitors < 1
    ):
        errors.append(
            Error(
                f"{_name('VISITOR_ATTEMPTS_PER_HOUR')} must be a whole number above 0, or None.",
                hint="The most attempts all visitors together may start in an hour "
                "(sign-up, recovery, guardian). None removes the cap.",
                id="portone_cert.E032",
            )
        )

    min_age = value("MIN_AGE")
    if not isinstance(min_age, int) or isinstance(min_age, bool) or not 0 <= min_age <= 150:
        errors.append(
            Error(f"{_name('MIN_AGE')} must be a whole number of years.", id="portone_cert.E008")
        )
    if value("AGE_RULE") not in RULES:
        errors.append(
            Error(
                f"{_name('AGE_RULE')} must be one of {', '.join(RULES)}.",
                hint='"full" is 만 나이 (민법); "year" is 연 나이 (청소년보호법).',
                id="portone_cert.E009",
            )
        )

    for key, optional in (
        ("ATTEMPT_TTL", False),
        ("MAX_CERTIFICATION_AGE", False),
        ("REVERIFY_AFTER", True),
        ("CLAIM_TTL", False),
        ("FAILED_ATTEMPT_RETENTION", False),
        ("TOMBSTONE_RETENTION", True),
    ):
        if not _is_duration(value(key), optional=optional):
            errors.append(
                Error(
                    f"{_name(key)} must be a positive timedelta or number of seconds"
                    + (" or None." if optional else "."),
                    id="portone_cert.E010",
                )
            )

    for key in (
        "ALLOW_TEST_CHANNEL",
        "ONE_ACCOUNT_PER_PERSON",
        "DELETE_AFTER_VERIFY",
        "SANDBOX",
        "REQUIRE_CI",
        "STORE_PHONE",
        "STORE_DI",
        "ANONYMOUS_VERIFICATION",
    ):
        if not isinstance(value(key), bool):
            errors.append(Error(f"{_name(key)} must be True or False.", id="portone_cert.E011"))

    if value("CACHE") not in settings.CACHES:
        errors.append(
            Error(
                f"{_name('CACHE')} names a cache alias that settings.CACHES does not define.",
                hint="The access token is shared through this cache.",
                id="portone_cert.E012",
            )
        )

    if "rest_framework" not in settings.INSTALLED_APPS:
        errors.append(
            Error(
                '"rest_framework" is not in INSTALLED_APPS.',
                hint="django_portone_cert's API is built on Django REST framework.",
                id="portone_cert.E013",
            )
        )

    if value("SANDBOX") is True:
        if not settings.DEBUG:
            errors.append(
                Error(
                    f"{_name('SANDBOX')} is on while DEBUG is off: the sandbox accepts any "
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
                    f"{_name('SANDBOX')} is on but {_name('API_BASE_URL')} is PortOne's: "
                    "the server would read results from the real PortOne.",
                    hint='Point it at the sandbox API, e.g. "http://127.0.0.1:8000'
                    '/portone-cert/sandbox/api".',
                    id="portone_cert.W003",
                )
            )

    if version == "v2" and value("DELETE_AFTER_VERIFY") is True:
        errors.append(
            Warning(
                f"{_name('DELETE_AFTER_VERIFY')} does nothing on PortOne V2, which has no delete.",
                hint="PortOne keeps V2 results; turn the setting off to silence this.",
                id="portone_cert.W005",
            )
        )

    errors.extend(_check_channel(version, value("CHANNEL_KEY"), value("PG")))
    errors.extend(
        _check_keys(value("ENCRYPTION_KEYS"), value("HASH_KEY"), value("HASH_KEY_FALLBACKS"))
    )

    session_engine = getattr(settings, "SESSION_ENGINE", "")
    if value("ANONYMOUS_VERIFICATION") is True and session_engine.endswith("signed_cookies"):
        errors.append(
            Error(
                f"{_name('ANONYMOUS_VERIFICATION')} needs a server-side session: a visitor's "
                "result is bound to the session key, which signed_cookies changes on every write.",
                hint='Use SESSION_ENGINE "django.contrib.sessions.backends.db" (or cache, '
                "cached_db).",
                id="portone_cert.E031",
            )
        )

    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        errors.append(
            Warning(
                f"settings.{SETTING_NAME} has unknown keys: {', '.join(map(str, unknown))}.",
                hint=f"Known keys: {', '.join(DEFAULTS)}.",
                id="portone_cert.W002",
            )
        )
    return errors


def _positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _is_timeout(value: Any) -> bool:
    if _positive_number(value):
        return True
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(_positive_number(part) for part in value)
    )


def _is_duration(value: Any, *, optional: bool) -> bool:
    if value is None:
        return optional
    if isinstance(value, timedelta):
        return value > timedelta(0)
    return _positive_number(value)


def _check_channel(version: Any, channel_key: Any, pg: Any) -> list[CheckMessage]:
    """V1 channel hygiene: say which 본인인증 channel PortOne must use."""
    if version != "v1" or channel_key:
        return []
    if not pg:
        return [
            Warning(
                f"Neither {_name('CHANNEL_KEY')} nor {_name('PG')} is set: PortOne opens the "
                "store's default channel, which may be a test channel or not a 본인인증 one.",
                hint="Set CHANNEL_KEY to the 본인인증 channel's key (PortOne console: 결제 연동 > "
                "연동 정보 > 채널 관리).",
                id="portone_cert.W010",
            )
        ]
    if isinstance(pg, str) and pg.strip().lower() == "danal":
        return [
            Warning(
                f'{_name("PG")} is a bare "danal": the same code names Danal\'s phone payment '
                "and phone 본인인증 channels, so PortOne may pick either.",
                hint='Set CHANNEL_KEY, or name the merchant id: "danal.{CPID}".',
                id="portone_cert.W011",
            )
        ]
    return []


def _check_keys(encryption_keys: Any, hash_key: Any, hash_fallbacks: Any) -> list[CheckMessage]:
    from .crypto import FROM_SECRET_KEY, decode_key

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
                    f"{_name('ENCRYPTION_KEYS')} must be a non-empty list of url-safe base64 "
                    f'32-byte keys (after the first, "{FROM_SECRET_KEY}" stands for the keys '
                    "derived from SECRET_KEY).",
                    hint="Generate one with django_portone_cert.crypto.generate_key().",
                    id="portone_cert.E015",
                )
            )
    if hash_key is not None and (not isinstance(hash_key, str) or len(hash_key) < 32):
        errors.append(
            Error(
                f"{_name('HASH_KEY')} must be a string of at least 32 characters.",
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
                f"{_name(present)} is set but {_name(missing)} is not: the missing one would "
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
                f"{_name('HASH_KEY_FALLBACKS')} must be a list of former HASH_KEYs (strings of "
                f'at least 32 characters, or "{FROM_SECRET_KEY}" for the keys derived from '
                f"SECRET_KEY), used only with {_name('HASH_KEY')}.",
                hint="Put the old HASH_KEY here when you set a new one; remove it once "
                "portone_cert_rotate_keys says nothing needs it.",
                id="portone_cert.E023",
            )
        )
    return errors


def _derived_keys_warning(message_id: str) -> Warning:
    return Warning(
        f"{_name('ENCRYPTION_KEYS')} and {_name('HASH_KEY')} are not set: CI is encrypted and "
        "hashed with keys derived from SECRET_KEY. Rotate SECRET_KEY only with the old one in "
        "SECRET_KEY_FALLBACKS until portone_cert_rotate_keys has run, or stored CIs become "
        "unreadable and people can sign up again.",
        hint="Set both from your secret store; see docs/personal-data.md (Keys and their "
        "rotation).",
        id=message_id,
    )


@register()
def check_key_source(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Keys derived from SECRET_KEY in production (DEBUG off)."""
    from .crypto import keys_configured

    config = getattr(settings, SETTING_NAME, None)
    if settings.DEBUG or not isinstance(config, dict | None) or keys_configured():
        return []
    if config and (config.get("ENCRYPTION_KEYS") or config.get("HASH_KEY")):
        return []  # one of them set: E022 says it
    return [_derived_keys_warning("portone_cert.W006")]


@register(deploy=True)
def check_deploy(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Keys derived from SECRET_KEY (with DEBUG off, the plain check says it: W006 or E022)."""
    if not settings.DEBUG:
        return []
    from .crypto import keys_configured

    if keys_configured():
        return []
    return [_derived_keys_warning("portone_cert.W004")]


@register(Tags.database)
def check_stored_keys(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """Identities encrypted under a key that is no longer configured (``migrate`` runs this).

    Their CI cannot be read, and (keys derived from SECRET_KEY) their hash cannot be
    matched, so the same person could verify a second account.
    """
    from django.db import DatabaseError, router
    from django.db.models import CharField, Q
    from django.db.models.functions import Substr

    from .crypto import encryption_keys, is_encrypted, key_id
    from .models import VerifiedIdentity

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


@register(Tags.database)
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
    from django.db import DatabaseError, router, transaction

    from .models import IdentityTombstone
    from .retention import hash_key_needs

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


@register(Tags.database)
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
    from django.db import DatabaseError, router, transaction

    from .models import SANDBOX_PROVIDER, VerifiedIdentity
    from .sandbox import sandbox_enabled

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


@register()
def check_recovery(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Account recovery (``ACCOUNT_RECOVERY``): E040, E041, E042, W040, W041."""
    config = getattr(settings, SETTING_NAME, None)
    if not isinstance(config, dict):
        return []  # E001 says it
    errors: list[CheckMessage] = []
    if not isinstance(config.get("RECOVERY_INCLUDE_STAFF", False), bool):
        errors.append(
            Error(
                f"{_name('RECOVERY_INCLUDE_STAFF')} must be True or False.",
                hint="False (the default) lists staff and superusers without a reset link.",
                id="portone_cert.E042",
            )
        )
    enabled = config.get("ACCOUNT_RECOVERY", DEFAULTS["ACCOUNT_RECOVERY"])
    if not isinstance(enabled, bool):
        return [
            Error(f"{_name('ACCOUNT_RECOVERY')} must be True or False.", id="portone_cert.E040"),
            *errors,
        ]
    if not enabled:
        return errors
    if getattr(settings, "SESSION_ENGINE", "").endswith("signed_cookies"):
        errors.append(
            Error(
                f"{_name('ACCOUNT_RECOVERY')} needs a server-side session: a recovery attempt "
                "is bound to the session key, which signed_cookies changes on every write.",
                hint='Use SESSION_ENGINE "django.contrib.sessions.backends.db" (or cache, '
                "cached_db).",
                id="portone_cert.E041",
            )
        )
    if config.get("REQUIRE_CI", DEFAULTS["REQUIRE_CI"]) is False:
        errors.append(
            Warning(
                f"{_name('ACCOUNT_RECOVERY')} is on while {_name('REQUIRE_CI')} is off: accounts "
                "are found by CI, so identities stored without one are never found, and a "
                "recovery without a CI is refused (ci_missing).",
                hint="Turn REQUIRE_CI on, or tell people without a CI to contact support.",
                id="portone_cert.W040",
            )
        )
    return errors


@register(Tags.urls)
def check_recovery_urls(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W041: recovery on, but no ``password_reset_confirm`` to link each account to."""
    from django.urls import NoReverseMatch, reverse

    config = getattr(settings, SETTING_NAME, None)
    if not isinstance(config, dict) or config.get("ACCOUNT_RECOVERY") is not True:
        return []
    try:
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "set-password"})
    except NoReverseMatch:
        return [
            Warning(
                f"{_name('ACCOUNT_RECOVERY')} is on, but the URLconf has no "
                '"password_reset_confirm": recovered accounts are shown without a link to set '
                "a new password (password_reset_url is null).",
                hint='Add path("accounts/", include("django.contrib.auth.urls")) to your '
                "URLconf, or your own view named password_reset_confirm.",
                id="portone_cert.W041",
            )
        ]
    return []


@register()
def check_allauth_social(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W013: allauth's social sign-ups create accounts without the 본인인증 claim."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    if not apps.is_installed("allauth.socialaccount"):
        return []
    path = getattr(
        settings,
        "SOCIALACCOUNT_ADAPTER",
        "allauth.socialaccount.adapter.DefaultSocialAccountAdapter",
    )
    try:
        from .contrib.allauth import VerifiedSocialSignupAdapterMixin

        adapter = import_string(path)
    except ImportError:
        return []  # allauth itself fails on an adapter it cannot import
    if isinstance(adapter, type) and issubclass(adapter, VerifiedSocialSignupAdapterMixin):
        return []
    return [
        Warning(
            "allauth.socialaccount is installed, but settings.SOCIALACCOUNT_ADAPTER does not "
            "use VerifiedSocialSignupAdapterMixin: a social login (Kakao, Naver, Google…) "
            "creates an account without a 본인인증, whatever the sign-up form requires.",
            hint='SOCIALACCOUNT_ADAPTER = "django_portone_cert.contrib.allauth.'
            'VerifiedSocialSignupAdapter" (or put the mixin before your own adapter); '
            "silence this check if your sign-ups do not require a 본인인증.",
            id="portone_cert.W013",
        )
    ]


# --- children (E050–E059, W050–W059) ---


@register()
def check_children(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``CHILD_POLICY``, ``CHILD_AGE``, ``GUARDIAN_*`` and ``SITE_URL``."""
    config = getattr(settings, SETTING_NAME, None)
    if not isinstance(config, dict):
        return []  # E001 says it
    value = {**DEFAULTS, **config}.get
    errors: list[CheckMessage] = []
    if value("CHILD_POLICY") not in CHILD_POLICIES:
        errors.append(
            Error(
                f'{_name("CHILD_POLICY")} must be "refuse", "guardian" or "allow".',
                hint='"refuse" (the default) stores nothing of a child under CHILD_AGE; '
                '"guardian" asks a guardian\'s consent (개인정보 보호법 §22-2).',
                id="portone_cert.E050",
            )
        )
    age = value("CHILD_AGE")
    if isinstance(age, bool) or not isinstance(age, int) or not 1 <= age <= 19:
        errors.append(
            Error(
                f"{_name('CHILD_AGE')} must be a whole number of years from 1 to 19.",
                hint="개인정보 보호법 §22-2 sets 14 (만 나이), the default.",
                id="portone_cert.E051",
            )
        )
    elif age < 14:
        errors.append(
            Warning(
                f"{_name('CHILD_AGE')} is below 14: children of {age} to 13 are treated "
                "as adults, though 개인정보 보호법 §22-2 needs their guardian's consent.",
                id="portone_cert.W051",
            )
        )
    if not _is_duration(value("GUARDIAN_REQUEST_TTL"), optional=False):
        errors.append(
            Error(
                f"{_name('GUARDIAN_REQUEST_TTL')} must be a positive duration "
                "(a timedelta or seconds).",
                hint="How long a guardian's consent link stays usable; the default is 7 days.",
                id="portone_cert.E052",
            )
        )
    for key, error_id in (("GUARDIAN_DAILY_LINKS", "E055"), ("GUARDIAN_MAX_CHILDREN", "E056")):
        number = value(key)
        if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 100:
            errors.append(
                Error(
                    f"{_name(key)} must be a whole number from 1 to 100.",
                    id=f"portone_cert.{error_id}",
                )
            )
    errors.extend(_check_site_url(value("SITE_URL"), value("CHILD_POLICY")))
    return errors


def _check_site_url(site_url: Any, policy: Any) -> list[CheckMessage]:
    """E053, E054, W052: where the links sent to people (the guardian's) point."""
    if site_url is None:
        if policy != "guardian":
            return []
        return [
            Error(
                f'{_name("CHILD_POLICY")} is "guardian" but {_name("SITE_URL")} is not set: '
                "the guardian's link would have to be built from the request's Host header, "
                "which a client can choose.",
                hint='Set SITE_URL to the site\'s own address, e.g. "https://www.example.kr".',
                id="portone_cert.E053",
            )
        ]
    parts = urlsplit(site_url) if isinstance(site_url, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
    ):
        return [
            Error(
                f"{_name('SITE_URL')} must be the site's absolute http(s) address, without a "
                "query or fragment.",
                hint='For example "https://www.example.kr" (with the path the site is served '
                'below, if any: "https://www.example.kr/app").',
                id="portone_cert.E054",
            )
        ]
    if parts.scheme == "http" and not settings.DEBUG:
        return [
            Warning(
                f"{_name('SITE_URL')} uses http:// while DEBUG is off: the links sent to people "
                "would carry their token unencrypted.",
                hint="Use the site's https:// address.",
                id="portone_cert.W052",
            )
        ]
    return []


@register(deploy=True)
def check_children_deploy(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``CHILD_POLICY = "allow"`` processes children's data without a guardian's consent."""
    config = getattr(settings, SETTING_NAME, None)
    if not isinstance(config, dict) or config.get("CHILD_POLICY") != "allow":
        return []
    return [
        Warning(
            f'{_name("CHILD_POLICY")} is "allow": the personal data of children under 14 is '
            "stored and used without their legal guardian's consent.",
            hint="개인정보 보호법 §22-2 (시행령 §17-2) requires a guardian's confirmed consent: "
            'use "refuse" (the default) or "guardian", unless another lawful basis applies.',
            id="portone_cert.W050",
        )
    ]
