from __future__ import annotations

import logging
from typing import Any

from rest_framework.throttling import ScopedRateThrottle

from .conf import app_settings
from .exceptions import ServiceUnavailable, error_class_name, is_service_outage

logger = logging.getLogger("django_portone_cert")


class PortOneCertThrottle(ScopedRateThrottle):
    """The scoped throttle ``portone_cert``.

    Its rate comes from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["portone_cert"]``
    when the project sets one, else from ``PORTONE_CERT["THROTTLE_RATE"]``.

    Fails closed: when its cache (Django's default cache) cannot be reached, the
    request is refused with :class:`ServiceUnavailable` (503), not let through
    unthrottled: every request it lets through may cost a PortOne lookup.
    """

    scope_name = "portone_cert"

    def get_rate(self) -> str | None:
        rates = self.THROTTLE_RATES or {}
        if self.scope in rates:
            return rates[self.scope]
        return app_settings.THROTTLE_RATE

    def allow_request(self, request: Any, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception as error:
            if not is_service_outage(error):
                raise
            logger.warning(
                "The throttle's cache could not be used (%s): the request is refused.",
                error_class_name(error),
            )
            raise ServiceUnavailable() from error
