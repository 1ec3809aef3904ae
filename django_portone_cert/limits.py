"""Caps counted in the ``CACHE`` alias, which every worker shares: the site-wide cap on
visitors' attempts (``VISITOR_ATTEMPTS_PER_HOUR``) and the daily caps on SMS codes (``OTP_*``).

The per-client throttle bounds one address (one IPv6 /64); these bound all visitors
together, one phone number whoever asks, and the site, so that many addresses cannot make
the site drive PortOne (or text a person) without end. Every count fails closed: a cache
that cannot count refuses (503 ``service_unavailable``).
"""

from __future__ import annotations

import logging
import time

from django.core.cache import caches

from . import ages
from .conf import app_settings
from .exceptions import (
    OtpLimitReached,
    ServiceUnavailable,
    VisitorAttemptsLimited,
    error_class_name,
    is_service_outage,
)

logger = logging.getLogger("django_portone_cert")

HOUR = 3600
DAY = 24 * HOUR


def charge_visitor_attempt() -> None:
    """Count one visitor's attempt in this hour; refuse it over the cap.

    Fails closed: a cache that cannot count refuses the attempt (503), as the throttle does.
    """
    cap = app_settings.VISITOR_ATTEMPTS_PER_HOUR
    if cap is None:
        return
    count = _count(f"portone_cert:visitor-attempts:{int(time.time()) // HOUR}", 2 * HOUR)
    if count > cap:
        if count == cap + 1:
            logger.warning(
                "Visitors started %d verification attempts this hour "
                '(PORTONE_CERT["VISITOR_ATTEMPTS_PER_HOUR"]): refusing more until the next hour.',
                cap,
            )
        raise VisitorAttemptsLimited()


def _count(key: str, timeout: int) -> int:
    """Add one to ``key`` and answer the new count (atomic where the cache is: Redis,
    memcached, local memory); a cache that cannot count raises ``service_unavailable``."""
    cache = caches[app_settings.CACHE]
    try:
        cache.add(key, 0, timeout=timeout)
        try:
            return int(cache.incr(key))
        except ValueError:  # evicted between add and incr: the period's first again
            cache.add(key, 1, timeout=timeout)
            return 1
    except Exception as error:
        if not is_service_outage(error):
            raise
        logger.warning(
            "A count could not be kept (%s): the request is refused.", error_class_name(error)
        )
        raise ServiceUnavailable() from error


def charge_otp_send(*, phone_hash: str, client: str, user_pk: object) -> None:
    """Count one SMS code for today (Seoul's date); refuse it (``otp_limited``) over a cap.

    The asker's own caps first (``OTP_CLIENT_DAILY_LIMIT`` by address, IPv6 by /64;
    ``OTP_USER_DAILY_LIMIT`` by account), so a client over its cap charges no one else's;
    then the phone number's (``OTP_DAILY_LIMIT``, by keyed hash, whoever asks) and the
    site's (``OTP_SITE_DAILY_LIMIT``). A refused code still counts where it was counted.
    """
    day = ages.today_kst().isoformat()
    caps = [
        ("client", client, app_settings.OTP_CLIENT_DAILY_LIMIT),
        ("user", str(user_pk), app_settings.OTP_USER_DAILY_LIMIT if user_pk else None),
        ("phone", phone_hash, app_settings.OTP_DAILY_LIMIT),
        ("site", "all", app_settings.OTP_SITE_DAILY_LIMIT),
    ]
    for kind, who, cap in caps:
        if cap is not None and _count(f"portone_cert:otp:{kind}:{day}:{who}", 2 * DAY) > cap:
            logger.info("SMS codes refused: the %s's daily cap is reached.", kind)
            raise OtpLimitReached()
