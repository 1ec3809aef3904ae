from __future__ import annotations

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle

from .conf import app_settings


class PortOneCertThrottle(ScopedRateThrottle):
    """The scoped throttle ``portone_cert``.

    Its rate comes from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["portone_cert"]``
    when the project sets one, else from ``PORTONE_CERT["THROTTLE_RATE"]``.
    Logged-in users are counted by account; visitors by the client's address.
    """

    scope_name = "portone_cert"

    def get_rate(self) -> str | None:
        rates = self.THROTTLE_RATES or {}
        if self.scope in rates:
            return rates[self.scope]
        return app_settings.THROTTLE_RATE

    def get_ident(self, request: Request) -> str:
        """The visitor's address: ``REMOTE_ADDR``, which the client cannot forge.

        DRF's own ``get_ident`` believes a client-sent ``X-Forwarded-For`` unless
        ``REST_FRAMEWORK["NUM_PROXIES"]`` is set; then one header per request
        would be a new visitor. Behind a proxy, set ``NUM_PROXIES`` to the number
        of proxies that append to ``X-Forwarded-For``, and DRF's rule applies.
        """
        if api_settings.NUM_PROXIES is None:
            return str(request.META.get("REMOTE_ADDR") or "")
        return str(super().get_ident(request))
