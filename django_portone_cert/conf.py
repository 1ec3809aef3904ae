"""The app's settings: keys of the one dict ``settings.PORTONE_CERT``.

Every property reads ``django.conf.settings`` when it is accessed, so
``override_settings`` works and nothing is frozen at import time. Defaults live
in :data:`DEFAULTS` and nowhere else.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings

from .ages import AgeRule
from .conf_otp import OTP_DEFAULTS, OtpSettings
from .exceptions import ConfigurationError

DEFAULT_API_BASE_URL = "https://api.iamport.kr"
DEFAULT_V2_API_BASE_URL = "https://api.portone.io"

# (connect, read) seconds. PortOne asks V2 callers for a read timeout of at least
# 60 s (developers.portone.io/api/rest-v2, "요청 타임아웃 정책"); DEADLINE still
# bounds a whole verification.
DEFAULT_TIMEOUT = (3.05, 10.0)
DEFAULT_V2_TIMEOUT = (3.05, 60.0)
V2_MIN_READ_TIMEOUT = 60.0

DEFAULTS: dict[str, Any] = {
    "API_VERSION": "v1",
    "IMP_KEY": None,
    "IMP_SECRET": None,
    "IMP_CODE": None,
    "API_SECRET": None,
    "STORE_ID": None,
    "CHANNEL_KEY": None,
    "PG": None,
    # The service's name or URL shown by the provider (V1 `company`, V2 Danal `CPTITLE`).
    "COMPANY": None,
    # None: PortOne's own, by API_VERSION.
    "API_BASE_URL": None,
    "ALLOW_TEST_CHANNEL": False,
    # (connect, read) seconds for every request to PortOne; None: by API_VERSION.
    "TIMEOUT": None,
    # Seconds a whole verification may spend talking to PortOne, retries included.
    "DEADLINE": 20.0,
    # Extra tries for the safe calls (getToken, GET) after a transport error or a 5xx.
    "RETRIES": 2,
    # Seconds before the first retry; doubles each time, at most 2 seconds.
    "RETRY_BACKOFF": 0.25,
    "MIN_AGE": 19,
    "AGE_RULE": "full",
    "ATTEMPT_TTL": timedelta(minutes=30),
    # PortOne lookups one attempt may drive (a failed attempt may be resubmitted).
    "ATTEMPT_MAX_LOOKUPS": 3,
    "MAX_CERTIFICATION_AGE": timedelta(minutes=30),
    "REVERIFY_AFTER": None,
    "ONE_ACCOUNT_PER_PERSON": True,
    "DELETE_AFTER_VERIFY": False,
    "REQUIRE_CI": True,
    "STORE_PHONE": False,
    "STORE_DI": False,
    "ENCRYPTION_KEYS": None,
    "HASH_KEY": None,
    # Older HASH_KEYs that still match until portone_cert_rotate_keys has re-keyed the rows.
    "HASH_KEY_FALLBACKS": None,
    "ANONYMOUS_VERIFICATION": False,
    "CLAIM_TTL": timedelta(minutes=30),
    # 아이디 찾기 / 비밀번호 재설정 by 본인인증: the recovery/ page and API (404 while off).
    "ACCOUNT_RECOVERY": False,
    # Recovery's reset links for staff and superusers too (otherwise listed without one).
    "RECOVERY_INCLUDE_STAFF": False,
    "FAILED_ATTEMPT_RETENTION": timedelta(days=30),
    "TOMBSTONE_RETENTION": None,
    # How long a PersonalDataAccess row (staff access to personal data) is kept: at least one
    # year, two for a site holding 50,000 people or more (안전성 확보조치 기준 §8).
    "ACCESS_LOG_RETENTION": timedelta(days=730),
    # How fresh a verification me/export/ and me/identity/ require (else step_up_required).
    "STEP_UP_MAX_AGE": timedelta(minutes=10),
    "CACHE": "default",
    "SANDBOX": False,
    # Used when REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] has no "portone_cert" entry.
    "THROTTLE_RATE": "10/minute",
    # Attempts all visitors together may start in an hour (sign-up, recovery,
    # guardian); None: no cap.
    "VISITOR_ATTEMPTS_PER_HOUR": 1000,
    # Children under CHILD_AGE (만 나이): "refuse" (nothing stored), "guardian", "allow".
    "CHILD_POLICY": "refuse",
    "CHILD_AGE": 14,
    # How long a guardian's consent link stays usable.
    "GUARDIAN_REQUEST_TTL": timedelta(days=7),
    # Links a child may have sent to their guardian in 24 hours (each one is a paid message).
    "GUARDIAN_DAILY_LINKS": 3,
    # Children one guardian (by keyed CI hash) may consent for at the same time.
    "GUARDIAN_MAX_CHILDREN": 5,
    # The site's own address ("https://www.example.kr"): links sent out of band (SMS, 알림톡,
    # e-mail) are built from it, never from the request's Host header.
    "SITE_URL": None,
    # Prometheus metrics when prometheus_client is installed (the `metrics` extra).
    "METRICS": True,
    **OTP_DEFAULTS,
}

CHILD_POLICIES = ("refuse", "guardian", "allow")

SETTING_NAME = "PORTONE_CERT"


def user_settings() -> dict[str, Any]:
    value = getattr(settings, SETTING_NAME, {})
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigurationError(f"settings.{SETTING_NAME} must be a dict.")
    return value


def get(name: str) -> Any:
    return user_settings().get(name, DEFAULTS[name])


def as_timedelta(value: Any) -> timedelta | None:
    """Durations may be given as ``timedelta`` or as a number of seconds."""
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise TypeError("expected a timedelta or a number of seconds")


class AppSettings(OtpSettings):
    """Typed, lazy accessors. Use the module-level :data:`app_settings`.

    Each returns the setting as given (a duration given in seconds as a
    ``timedelta``): it never turns a bad value into a good one. System checks
    judge the values. Where a bad value reaches the code anyway, it fails
    closed: a flag that is not ``True`` or ``False`` counts as its safe side,
    an unknown ``API_VERSION`` or ``AGE_RULE`` raises where it is used, a zero
    duration expires at once.
    """

    def _get(self, name: str) -> Any:
        return get(name)

    def _required(self, name: str) -> str:
        value = get(name)
        if not value:
            raise ConfigurationError(
                f'Set settings.{SETTING_NAME}["{name}"] (see the PortOne console, '
                "결제 연동 > 식별코드・API Keys)."
            )
        return str(value)

    def _optional(self, name: str) -> str | None:
        value = get(name)
        return str(value) if value else None

    def _grants(self, name: str) -> bool:
        """A flag that lets something through: on only when exactly True."""
        return get(name) is True

    def _guards(self, name: str) -> bool:
        """A flag that refuses something: off only when exactly False."""
        return get(name) is not False

    def _duration(self, name: str) -> timedelta:
        value = as_timedelta(get(name))
        if value is None:
            raise ConfigurationError(f'settings.{SETTING_NAME}["{name}"] needs a duration.')
        return value

    # --- PortOne ---

    @property
    def API_VERSION(self) -> str:
        return str(get("API_VERSION"))

    @property
    def IMP_KEY(self) -> str:
        return self._required("IMP_KEY")

    @property
    def IMP_SECRET(self) -> str:
        return self._required("IMP_SECRET")

    @property
    def IMP_CODE(self) -> str:
        return self._required("IMP_CODE")

    @property
    def API_SECRET(self) -> str:
        return self._required("API_SECRET")

    @property
    def STORE_ID(self) -> str:
        return self._required("STORE_ID")

    @property
    def CHANNEL_KEY(self) -> str | None:
        return self._optional("CHANNEL_KEY")

    @property
    def PG(self) -> str | None:
        return self._optional("PG")

    @property
    def COMPANY(self) -> str | None:
        return self._optional("COMPANY")

    @property
    def ALLOW_TEST_CHANNEL(self) -> bool:
        return self._grants("ALLOW_TEST_CHANNEL")

    @property
    def API_BASE_URL(self) -> str:
        value = get("API_BASE_URL")
        if not value:
            value = DEFAULT_V2_API_BASE_URL if self.API_VERSION == "v2" else DEFAULT_API_BASE_URL
        return str(value).rstrip("/")

    @property
    def TIMEOUT(self) -> tuple[float, float]:
        value = get("TIMEOUT")
        if value is None:
            return DEFAULT_V2_TIMEOUT if self.API_VERSION == "v2" else DEFAULT_TIMEOUT
        if isinstance(value, int | float):
            return (float(value), float(value))
        connect, read = value
        return (float(connect), float(read))

    @property
    def DEADLINE(self) -> float:
        return float(get("DEADLINE"))

    @property
    def RETRIES(self) -> int:
        return int(get("RETRIES"))

    @property
    def RETRY_BACKOFF(self) -> float:
        return float(get("RETRY_BACKOFF"))

    @property
    def CACHE(self) -> str:
        return str(get("CACHE"))

    # --- rules ---

    @property
    def MIN_AGE(self) -> int:
        return int(get("MIN_AGE"))

    @property
    def AGE_RULE(self) -> AgeRule:
        value: AgeRule = get("AGE_RULE")
        return value

    @property
    def ATTEMPT_TTL(self) -> timedelta:
        return self._duration("ATTEMPT_TTL")

    @property
    def ATTEMPT_MAX_LOOKUPS(self) -> int:
        return int(get("ATTEMPT_MAX_LOOKUPS"))

    @property
    def MAX_CERTIFICATION_AGE(self) -> timedelta:
        return self._duration("MAX_CERTIFICATION_AGE")

    @property
    def REVERIFY_AFTER(self) -> timedelta | None:
        return as_timedelta(get("REVERIFY_AFTER"))

    @property
    def ONE_ACCOUNT_PER_PERSON(self) -> bool:
        return self._guards("ONE_ACCOUNT_PER_PERSON")

    @property
    def REQUIRE_CI(self) -> bool:
        return self._guards("REQUIRE_CI")

    @property
    def ANONYMOUS_VERIFICATION(self) -> bool:
        return self._grants("ANONYMOUS_VERIFICATION")

    @property
    def ACCOUNT_RECOVERY(self) -> bool:
        return self._grants("ACCOUNT_RECOVERY")

    @property
    def RECOVERY_INCLUDE_STAFF(self) -> bool:
        return self._grants("RECOVERY_INCLUDE_STAFF")

    @property
    def CLAIM_TTL(self) -> timedelta:
        return self._duration("CLAIM_TTL")

    # --- personal data ---

    @property
    def STORE_PHONE(self) -> bool:
        return self._grants("STORE_PHONE")

    @property
    def STORE_DI(self) -> bool:
        return self._grants("STORE_DI")

    @property
    def DELETE_AFTER_VERIFY(self) -> bool:
        return self._grants("DELETE_AFTER_VERIFY")

    @property
    def ENCRYPTION_KEYS(self) -> list[str] | None:
        value = get("ENCRYPTION_KEYS")
        return list(value) if value else None

    @property
    def HASH_KEY(self) -> str | None:
        return self._optional("HASH_KEY")

    @property
    def HASH_KEY_FALLBACKS(self) -> list[str]:
        return list(get("HASH_KEY_FALLBACKS") or [])

    @property
    def FAILED_ATTEMPT_RETENTION(self) -> timedelta:
        return self._duration("FAILED_ATTEMPT_RETENTION")

    @property
    def TOMBSTONE_RETENTION(self) -> timedelta | None:
        return as_timedelta(get("TOMBSTONE_RETENTION"))

    @property
    def ACCESS_LOG_RETENTION(self) -> timedelta:
        return self._duration("ACCESS_LOG_RETENTION")

    @property
    def STEP_UP_MAX_AGE(self) -> timedelta:
        return self._duration("STEP_UP_MAX_AGE")

    # --- children ---

    @property
    def CHILD_POLICY(self) -> str:
        """``"guardian"`` or ``"allow"`` only when given exactly; anything else refuses."""
        value = get("CHILD_POLICY")
        return value if value in ("guardian", "allow") else "refuse"

    @property
    def CHILD_AGE(self) -> int:
        return int(get("CHILD_AGE"))

    @property
    def GUARDIAN_REQUEST_TTL(self) -> timedelta:
        return self._duration("GUARDIAN_REQUEST_TTL")

    @property
    def GUARDIAN_DAILY_LINKS(self) -> int:
        return int(get("GUARDIAN_DAILY_LINKS"))

    @property
    def GUARDIAN_MAX_CHILDREN(self) -> int:
        return int(get("GUARDIAN_MAX_CHILDREN"))

    @property
    def SITE_URL(self) -> str:
        """The site's address without a trailing slash; required where a link is sent."""
        value = get("SITE_URL")
        if not value or not isinstance(value, str):
            raise ConfigurationError(
                f'Set settings.{SETTING_NAME}["SITE_URL"] to the site\'s own address, e.g. '
                '"https://www.example.kr": links sent to people are built from it.'
            )
        return value.rstrip("/")

    # --- development and HTTP ---

    @property
    def METRICS(self) -> bool:
        return self._guards("METRICS")

    @property
    def SANDBOX(self) -> bool:
        return self._grants("SANDBOX")

    @property
    def THROTTLE_RATE(self) -> str | None:
        return self._optional("THROTTLE_RATE")

    @property
    def VISITOR_ATTEMPTS_PER_HOUR(self) -> int | None:
        value = get("VISITOR_ATTEMPTS_PER_HOUR")
        return None if value is None else int(value)


app_settings = AppSettings()
