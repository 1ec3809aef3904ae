"""The settings as a whole: ``check_settings`` gathers every concern's value checks, and owns
what belongs to none (attempts, ages, durations, flags, cache, sessions, unknown keys)."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning
from rest_framework.throttling import SimpleRateThrottle

from ..ages import RULES
from ..conf import DEFAULTS, SETTING_NAME
from .base import configured, is_duration, named, number_errors, values, whole_number
from .keys import key_errors
from .portone import portone_errors, transport_errors
from .sandbox import sandbox_errors


def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Every value of ``settings.PORTONE_CERT``, by concern."""
    config = configured()
    if config is None:
        return [
            Error(
                f"settings.{SETTING_NAME} must be a dict.",
                hint='PORTONE_CERT = {"IMP_KEY": "...", "IMP_SECRET": "...", "IMP_CODE": "imp..."}',
                id="portone_cert.E001",
            )
        ]
    value = values(config)
    return [
        *portone_errors(value),
        *transport_errors(value),
        *attempt_errors(value),
        *age_errors(value),
        *environment_errors(value),
        *throttle_errors(value),
        *sandbox_errors(value),
        *key_errors(value),
        *unknown_keys(config),
    ]


def attempt_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    """What one attempt may cost, and how long things last."""
    errors = number_errors(
        value("ATTEMPT_MAX_LOOKUPS"),
        "ATTEMPT_MAX_LOOKUPS",
        "E030",
        1,
        10,
        "a whole number from 1 to 10",
        hint="Each lookup is a request to PortOne; 3 lets a visitor retry a timeout.",
    )

    visitors = value("VISITOR_ATTEMPTS_PER_HOUR")
    if visitors is not None and not whole_number(visitors, 1):
        errors.append(
            Error(
                f"{named('VISITOR_ATTEMPTS_PER_HOUR')} must be a whole number above 0, or None.",
                hint="The most attempts all visitors together may start in an hour "
                "(sign-up, recovery, guardian). None removes the cap.",
                id="portone_cert.E032",
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
        if not is_duration(value(key), optional=optional):
            errors.append(
                Error(
                    f"{named(key)} must be a positive timedelta or number of seconds"
                    + (" or None." if optional else "."),
                    id="portone_cert.E010",
                )
            )
        elif key in DAYS_LONG and _seconds_that_look_like_days(value(key)):
            errors.append(
                Warning(
                    f"{named(key)} is {value(key)!r}: a number is seconds, so this is about "
                    f"{value(key) / 60:.0f} minutes.",
                    hint=f"Did you mean timedelta(days={value(key)!r})? "
                    "Write durations as timedelta (from datetime import timedelta).",
                    id="portone_cert.W015",
                )
            )
    return errors


#: Durations counted in days or months: a bare number here is almost always days meant.
DAYS_LONG = ("REVERIFY_AFTER", "FAILED_ATTEMPT_RETENTION", "TOMBSTONE_RETENTION")


def _seconds_that_look_like_days(value: Any) -> bool:
    """A bare number of seconds under a day (``365``: six minutes, not a year)."""
    if isinstance(value, timedelta | bool) or not isinstance(value, int | float):
        return False
    return 0 < value < 24 * 3600


def throttle_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    """E033: ``THROTTLE_RATE`` as DRF reads it ("10/minute"), or the first ``prepare/`` is a 500."""
    rate = value("THROTTLE_RATE")
    if not isinstance(rate, str):
        return []  # None: no throttle; another type is E005
    try:
        # DRF's own parser: what the throttle will do with the value on the first request.
        SimpleRateThrottle.parse_rate(SimpleRateThrottle.__new__(SimpleRateThrottle), rate)
    except (ValueError, KeyError, IndexError, TypeError):
        return [
            Error(
                f"{named('THROTTLE_RATE')} is {rate!r}, which Django REST framework cannot "
                "read: the first request to the app's API would fail.",
                hint='Requests per second, minute, hour or day: "10/minute", "100/hour", '
                "or None for no throttle.",
                id="portone_cert.E033",
            )
        ]
    return []


def age_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    """The gates' default age and rule."""
    errors = number_errors(value("MIN_AGE"), "MIN_AGE", "E008", 0, 150, "a whole number of years")
    if value("AGE_RULE") not in RULES:
        errors.append(
            Error(
                f"{named('AGE_RULE')} must be one of {', '.join(RULES)}.",
                hint='"full" is 만 나이 (민법); "year" is 연 나이 (청소년보호법).',
                id="portone_cert.E009",
            )
        )
    return errors


def environment_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    """Flags, and what the app needs of the project: the cache, DRF, server-side sessions."""
    errors: list[CheckMessage] = []
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
            errors.append(Error(f"{named(key)} must be True or False.", id="portone_cert.E011"))
    if value("CACHE") not in settings.CACHES:
        errors.append(
            Error(
                f"{named('CACHE')} names a cache alias that settings.CACHES does not define.",
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
    session_engine = getattr(settings, "SESSION_ENGINE", "")
    if value("ANONYMOUS_VERIFICATION") is True and session_engine.endswith("signed_cookies"):
        errors.append(
            Error(
                f"{named('ANONYMOUS_VERIFICATION')} needs a server-side session: a visitor's "
                "result is bound to the session key, which signed_cookies changes on every write.",
                hint='Use SESSION_ENGINE "django.contrib.sessions.backends.db" (or cache, '
                "cached_db).",
                id="portone_cert.E031",
            )
        )
    return errors


def unknown_keys(config: dict[str, Any]) -> list[CheckMessage]:
    """W002: a key the app does not know, usually a typo: one warning each, with the nearest
    known key."""
    errors: list[CheckMessage] = []
    for key in sorted(set(config) - set(DEFAULTS), key=str):
        nearest = difflib.get_close_matches(str(key).upper(), list(DEFAULTS), n=1, cutoff=0.6)
        errors.append(
            Warning(
                f"settings.{SETTING_NAME} has an unknown key: {key!r}.",
                hint=f'Did you mean "{nearest[0]}"?'
                if nearest
                else "Every key is listed in the settings table of docs/install.md.",
                id="portone_cert.W002",
            )
        )
    return errors
