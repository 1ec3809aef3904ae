"""The settings of in-app verification by SMS code (``OTP_*``), a part of :mod:`.conf`.

Kept apart so the settings module stays readable; :class:`~.conf.AppSettings` inherits these
accessors and :data:`~.conf.DEFAULTS` holds :data:`OTP_DEFAULTS`. Like every accessor they
read the settings on each access and never turn a bad value into a good one (checks E090–E099).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

OTP_DEFAULTS: dict[str, Any] = {
    # PortOne's API 본인인증 (otp/ endpoints; 404 while off). Danal or KCP channels only.
    "OTP_ENABLED": False,
    # "danal" or "kcp"; None: read from PG ("danal.…", "kcp_v2.…"). APP and media_type are KCP's.
    "OTP_PROVIDER": None,
    # Wrong codes that burn an attempt (otp_exhausted).
    "OTP_MAX_WRONG": 5,
    # Codes one attempt may have sent (the first send and its resends).
    "OTP_MAX_SENDS": 3,
    "OTP_RESEND_COOLDOWN": timedelta(seconds=60),
    # Codes a day (Seoul's date) for one phone number, whoever asks.
    "OTP_DAILY_LIMIT": 5,
    # Codes a day one client (address, IPv6 by /64) and one account may have sent; None: no cap.
    "OTP_CLIENT_DAILY_LIMIT": 10,
    "OTP_USER_DAILY_LIMIT": 10,
    # Codes a day the whole site may have sent (each is a paid message); None: no cap.
    "OTP_SITE_DAILY_LIMIT": 1000,
    # Dotted path to ``hook(request, otp_request)`` run before a code is sent (a CAPTCHA, a
    # risk check): return False or raise to refuse.
    "OTP_PRE_SEND_HOOK": None,
    # KCP's bypass.kcpV2.media_type when the request does not say: "MC02" mobile, "MC01" PC.
    "OTP_MEDIA_TYPE": "MC02",
}

OTP_PROVIDERS = ("danal", "kcp")
MEDIA_TYPES = ("MC01", "MC02")


class OtpSettings:
    """The ``OTP_*`` accessors (mixed into :class:`~.conf.AppSettings`)."""

    def _get(self, name: str) -> Any:
        raise NotImplementedError

    @property
    def OTP_ENABLED(self) -> bool:
        return self._get("OTP_ENABLED") is True

    @property
    def OTP_PROVIDER(self) -> str | None:
        """The provider behind the channel: ``OTP_PROVIDER``, else what ``PG`` names."""
        value = self._get("OTP_PROVIDER")
        if value:
            return str(value).lower()
        pg = str(self._get("PG") or "").lower()
        for provider in (*OTP_PROVIDERS, "inicis"):
            if pg.startswith(provider):
                return provider
        return None

    @property
    def OTP_MAX_WRONG(self) -> int:
        return int(self._get("OTP_MAX_WRONG"))

    @property
    def OTP_MAX_SENDS(self) -> int:
        return int(self._get("OTP_MAX_SENDS"))

    @property
    def OTP_RESEND_COOLDOWN(self) -> timedelta:
        value = self._get("OTP_RESEND_COOLDOWN")
        return value if isinstance(value, timedelta) else timedelta(seconds=value)

    @property
    def OTP_DAILY_LIMIT(self) -> int:
        return int(self._get("OTP_DAILY_LIMIT"))

    def _cap(self, name: str) -> int | None:
        value = self._get(name)
        return None if value is None else int(value)

    @property
    def OTP_CLIENT_DAILY_LIMIT(self) -> int | None:
        return self._cap("OTP_CLIENT_DAILY_LIMIT")

    @property
    def OTP_USER_DAILY_LIMIT(self) -> int | None:
        return self._cap("OTP_USER_DAILY_LIMIT")

    @property
    def OTP_SITE_DAILY_LIMIT(self) -> int | None:
        return self._cap("OTP_SITE_DAILY_LIMIT")

    @property
    def OTP_PRE_SEND_HOOK(self) -> str | None:
        value = self._get("OTP_PRE_SEND_HOOK")
        return str(value) if value else None

    @property
    def OTP_MEDIA_TYPE(self) -> str:
        return str(self._get("OTP_MEDIA_TYPE"))
