"""The site-wide cap on visitors' attempts (``VISITOR_ATTEMPTS_PER_HOUR``).

The per-client throttle bounds one address (one IPv6 /64); this bounds all visitors
together, so that many addresses cannot make the site drive PortOne without end.
Counted in the ``CACHE`` alias, which every worker shares.
"""

from __future__ import annotations

import logging
import time

from django.core.cache import caches

from .conf import app_settings
from .exceptions import (
    ServiceUnavailable,
    VisitorAttemptsLimited,
    error_class_name,
    is_service_outage,
)

logger = logging.getLogger("django_portone_cert")

HOUR = 3600


def charge_visitor_attempt() -> None:
    """Count one visitor's attempt in this hour; refuse it over the cap.

    Fails closed: a cache that cannot count refuses the attempt (503), as the throttle does.
    """
    cap = app_settings.VISITOR_ATTEMPTS_PER_HOUR
    if cap is None:
        return
    key = f"portone_cert:visitor-attempts:{int(time.time()) // HOUR}"
    cache = caches[app_settings.CACHE]
    try:
        cache.add(key, 0, timeout=2 * HOUR)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr: this is the hour's first again
            cache.add(key, 1, timeout=2 * HOUR)
            count = 1
    except Exception as error:
        if not is_service_outage(error):
            raise
        logger.warning(
            "The visitors' hourly count could not be kept (%s): the attempt is refused.",
            error_class_name(error),
        )
        raise ServiceUnavailable() from error
    if count > cap:
        if count == cap + 1:
            logger.warning(
                "Visitors started %d verification attempts this hour "
                '(PORTONE_CERT["VISITOR_ATTEMPTS_PER_HOUR"]): refusing more until the next hour.',
                cap,
            )
        raise VisitorAttemptsLimited()
