"""PortOne's side of the settings: API version, credentials, channel, transport (E002–E007,
E017–E021, E034, E035, W001, W005, W010–W012)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ..conf import V2_MIN_READ_TIMEOUT
from .base import is_timeout, named, number_errors, positive_number

HINT_CONSOLE = "Find it in the PortOne console: 결제 연동 > 식별코드・API Keys > V1 API."
HINT_CONSOLE_V2 = "Find it in the PortOne console: 결제 연동 > 식별코드・API Keys > V2 API."
HINT_CHANNEL = "The 본인인증 channel's key: PortOne console, 결제 연동 > 연동 정보 > 채널 관리."


def portone_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    """Which API, with which credentials and channel."""
    errors: list[CheckMessage] = []
    version = value("API_VERSION")
    if version not in ("v1", "v2"):
        errors.append(
            Error(
                f'{named("API_VERSION")} must be "v1" or "v2".',
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
                    f"{named(key)} is not set.",
                    hint=HINT_CONSOLE if version != "v2" else HINT_CONSOLE_V2,
                    id=f"portone_cert.{error_id}",
                )
            )
        elif not isinstance(value(key), str):
            errors.append(Error(f"{named(key)} must be a string.", id="portone_cert.E005"))

    for key in ("CHANNEL_KEY", "PG", "COMPANY", "THROTTLE_RATE", "API_SECRET", "STORE_ID"):
        if value(key) is not None and not isinstance(value(key), str):
            errors.append(Error(f"{named(key)} must be a string or None.", id="portone_cert.E005"))
    if version == "v2" and value("DELETE_AFTER_VERIFY") is True:
        errors.append(
            Warning(
                f"{named('DELETE_AFTER_VERIFY')} does nothing on PortOne V2, which has no delete.",
                hint="PortOne keeps V2 results; turn the setting off to silence this.",
                id="portone_cert.W005",
            )
        )
    errors.extend(_check_channel(version, value("CHANNEL_KEY"), value("PG")))
    errors.extend(_copied_values(version, value))
    return errors


#: The documentation's stand-ins for a value ("channel-key-...", "imp..."), never a real one.
PLACEHOLDERS = ("...", "\u2026")


def _copied_values(version: Any, value: Callable[[str], Any]) -> list[CheckMessage]:
    """E035: a placeholder copied from the docs; E034: a V1 merchant code not shaped "imp…"."""
    errors: list[CheckMessage] = []
    for key in ("IMP_KEY", "IMP_SECRET", "IMP_CODE", "API_SECRET", "STORE_ID", "CHANNEL_KEY"):
        given = value(key)
        if isinstance(given, str) and any(mark in given for mark in PLACEHOLDERS):
            # The value is not repeated: it may be a secret.
            hint = HINT_CONSOLE_V2 if version == "v2" else HINT_CONSOLE
            errors.append(
                Error(
                    f'{named(key)} holds "...": a placeholder copied from the documentation, '
                    "not a value from the PortOne console.",
                    hint=HINT_CHANNEL if key == "CHANNEL_KEY" else hint,
                    id="portone_cert.E035",
                )
            )
    code = value("IMP_CODE")
    if version == "v1" and isinstance(code, str) and code and not code.startswith("imp"):
        errors.append(
            Error(
                f'{named("IMP_CODE")} does not start with "imp": it is the 고객사 식별코드 '
                '(e.g. "imp12345678"), not the REST API key or the store id.',
                hint=HINT_CONSOLE,
                id="portone_cert.E034",
            )
        )
    return errors


def transport_errors(value: Callable[[str], Any]) -> list[CheckMessage]:
    """How the app reaches PortOne: address, timeouts, deadline, retries."""
    errors: list[CheckMessage] = []
    version = value("API_VERSION")
    base_url = value("API_BASE_URL")
    parts = urlsplit(base_url) if isinstance(base_url, str) else None
    if base_url is None:
        pass  # PortOne's own for the API version
    elif parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        errors.append(
            Error(
                f"{named('API_BASE_URL')} must be an http(s) URL.",
                hint="Leave it unset for https://api.iamport.kr.",
                id="portone_cert.E006",
            )
        )
    elif parts.scheme == "http" and not settings.DEBUG:
        errors.append(
            Warning(
                f"{named('API_BASE_URL')} uses http:// while DEBUG is off: the REST API "
                "secret and personal data would cross the network unencrypted.",
                hint="Use https://api.iamport.kr (or https://static-api.iamport.kr).",
                id="portone_cert.W001",
            )
        )

    timeout = value("TIMEOUT")
    if timeout is not None and not is_timeout(timeout):
        errors.append(
            Error(
                f"{named('TIMEOUT')} must be a positive number of seconds or a "
                "(connect, read) pair of them.",
                hint='For example "TIMEOUT": (3.05, 10), or None for the default.',
                id="portone_cert.E007",
            )
        )
    elif timeout is not None and version == "v2":
        read = timeout if positive_number(timeout) else timeout[1]
        if read < V2_MIN_READ_TIMEOUT:
            errors.append(
                Warning(
                    f"{named('TIMEOUT')} gives PortOne V2 a read timeout of {read:g} s; "
                    f"PortOne asks for at least {V2_MIN_READ_TIMEOUT:g} s.",
                    hint="Leave TIMEOUT unset (V2 default (3.05, 60)) or use e.g. (3.05, 60); "
                    "DEADLINE still bounds a whole verification. See "
                    "https://developers.portone.io/api/rest-v2 (요청 타임아웃 정책).",
                    id="portone_cert.W012",
                )
            )

    if not positive_number(value("DEADLINE")):
        errors.append(
            Error(
                f"{named('DEADLINE')} must be a positive number of seconds.",
                id="portone_cert.E017",
            )
        )
    retries, backoff = value("RETRIES"), value("RETRY_BACKOFF")
    errors += number_errors(retries, "RETRIES", "E017", 0, 5, "a whole number from 0 to 5")
    if not isinstance(backoff, int | float) or isinstance(backoff, bool) or backoff < 0:
        errors.append(
            Error(
                f"{named('RETRY_BACKOFF')} must be a number of seconds.",
                id="portone_cert.E017",
            )
        )
    return errors


def _check_channel(version: Any, channel_key: Any, pg: Any) -> list[CheckMessage]:
    """V1 channel hygiene: say which 본인인증 channel PortOne must use."""
    if version != "v1" or channel_key:
        return []
    if not pg:
        return [
            Warning(
                f"Neither {named('CHANNEL_KEY')} nor {named('PG')} is set: PortOne opens the "
                "store's default channel, which may be a test channel or not a 본인인증 one.",
                hint="Set CHANNEL_KEY to the 본인인증 channel's key (PortOne console: 결제 연동 > "
                "연동 정보 > 채널 관리).",
                id="portone_cert.W010",
            )
        ]
    if isinstance(pg, str) and pg.strip().lower() == "danal":
        return [
            Warning(
                f'{named("PG")} is a bare "danal": the same code names Danal\'s phone payment '
                "and phone 본인인증 channels, so PortOne may pick either.",
                hint='Set CHANNEL_KEY, or name the merchant id: "danal.{CPID}".',
                id="portone_cert.W011",
            )
        ]
    return []
