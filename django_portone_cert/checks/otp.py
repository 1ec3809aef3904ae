"""In-app verification by SMS code (``OTP_*``): ids E090–E098, W090.

The API 본인인증 exists for Danal and KCP channels only (KG이니시스 has none), needs the
channel's key on both versions, and PASS push (``APP``) and ``media_type`` are KCP's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Warning
from django.utils.module_loading import import_string

from ..conf_otp import MEDIA_TYPES, OTP_PROVIDERS
from .base import configured_values, is_duration, named, number_errors, whole_number


def check_otp(app_configs: Sequence[AppConfig] | None = None, **kwargs: Any) -> list[CheckMessage]:
    value = configured_values()
    if value is None:
        return []
    return [*_shape_errors(value), *_channel_errors(value)]


def _shape_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    if not isinstance(value("OTP_ENABLED"), bool):
        errors.append(
            Error(
                f"{named('OTP_ENABLED')} must be True or False.",
                hint="True turns the otp/ endpoints on (Danal or KCP channels only).",
                id="portone_cert.E090",
            )
        )
    for key, low, high, hint in (
        ("OTP_MAX_WRONG", 1, 10, "Wrong codes that burn an attempt; 5 is usual."),
        ("OTP_MAX_SENDS", 1, 10, "Codes one attempt may have sent (first send and resends)."),
        ("OTP_DAILY_LIMIT", 1, None, "Codes a day for one phone number, whoever asks."),
    ):
        errors += number_errors(value(key), key, "E091", low, high, "a whole number above 0", hint)
    for key in ("OTP_CLIENT_DAILY_LIMIT", "OTP_USER_DAILY_LIMIT", "OTP_SITE_DAILY_LIMIT"):
        if value(key) is not None and not whole_number(value(key), 1):
            errors.append(
                Error(
                    f"{named(key)} must be a whole number above 0, or None.",
                    hint="A daily cap on SMS codes (each one is a paid message); None: no cap.",
                    id="portone_cert.E092",
                )
            )
    if not is_duration(value("OTP_RESEND_COOLDOWN"), optional=False):
        errors.append(
            Error(
                f"{named('OTP_RESEND_COOLDOWN')} must be a positive timedelta or number "
                "of seconds.",
                hint="How long a person waits before another code; 60 seconds is usual.",
                id="portone_cert.E093",
            )
        )
    errors += _hook_errors(value("OTP_PRE_SEND_HOOK"))
    if value("OTP_MEDIA_TYPE") not in MEDIA_TYPES:
        errors.append(
            Error(
                f"{named('OTP_MEDIA_TYPE')} must be one of {', '.join(MEDIA_TYPES)}.",
                hint='KCP\'s bypass.kcpV2.media_type: "MC02" mobile (apps), "MC01" PC.',
                id="portone_cert.E095",
            )
        )
    provider = value("OTP_PROVIDER")
    if provider is not None and str(provider).lower() not in OTP_PROVIDERS:
        errors.append(
            Error(
                f'{named("OTP_PROVIDER")} must be None, "danal" or "kcp".',
                hint="KG이니시스 has no API 본인인증; None reads the provider from PG.",
                id="portone_cert.E096",
            )
        )
    return errors


def _hook_errors(path: Any) -> list[CheckMessage]:
    if path is None:
        return []
    try:
        hook = import_string(path) if isinstance(path, str) else None
    except ImportError:
        hook = None
    if callable(hook):
        return []
    return [
        Error(
            f"{named('OTP_PRE_SEND_HOOK')} must be the dotted path of a callable, or None.",
            hint='e.g. "myproject.captcha.check_otp_send" taking (request, person); '
            "False refuses the send.",
            id="portone_cert.E094",
        )
    ]


def _channel_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    """E097: on, but no channel that can send codes; E098: OTP_PROVIDER and PG disagree;
    W090: on, provider unknown."""
    if value("OTP_ENABLED") is not True:
        return []
    provider = value("OTP_PROVIDER") or ""
    pg = str(value("PG") or "").lower()
    if not value("CHANNEL_KEY") or pg.startswith("inicis"):
        return [
            Error(
                f"{named('OTP_ENABLED')} is on without a channel that can send codes: the API "
                "본인인증 needs CHANNEL_KEY, and only Danal and KCP offer it "
                "(KG이니시스 does not).",
                hint="Set CHANNEL_KEY to a Danal or KCP 본인인증 channel (with the carriers' "
                "approval for the API flow), or turn OTP_ENABLED off.",
                id="portone_cert.E097",
            )
        ]
    named_by_pg = next((name for name in OTP_PROVIDERS if pg.startswith(name)), None)
    if provider and named_by_pg and str(provider).lower() != named_by_pg:
        return [
            Error(
                f"{named('OTP_PROVIDER')} is {provider!r} but PG names {named_by_pg!r}: PortOne "
                "would refuse what only the other provider does (PASS push, media_type), and "
                "the person would be told a code was sent.",
                hint="Set OTP_PROVIDER to the provider of the channel PG names, or remove it.",
                id="portone_cert.E098",
            )
        ]
    if not provider and not pg.startswith(OTP_PROVIDERS):
        return [
            Warning(
                f"{named('OTP_ENABLED')} is on, and neither OTP_PROVIDER nor PG says whether the "
                "channel is Danal's or KCP's: PASS push (APP) is refused and no media_type "
                "is sent.",
                hint='Set OTP_PROVIDER to "danal" or "kcp".',
                id="portone_cert.W090",
            )
        ]
    return []
