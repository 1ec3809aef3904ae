from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle

from .conf import app_settings


class PortOneCertThrottle(ScopedRateThrottle):
    """The scoped throttle ``portone_cert``.

    Its rate comes from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["portone_cert"]``
    when the project sets one, else from ``PORTONE_CERT["THROTTLE_RATE"]``.
    """

    scope_name = "portone_cert"

    def get_rate(self) -> str | None:
        rates = self.THROTTLE_RATES or {}
        if self.scope in rates:
            return rates[self.scope]
        return app_settings.THROTTLE_RATE
