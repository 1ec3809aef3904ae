from __future__ import annotations

import ipaddress
import logging
from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

from .conf import app_settings
from .exceptions import ServiceUnavailable, error_class_name, is_service_outage

logger = logging.getLogger("django_portone_cert")


def client_key(address: str) -> str:
    """One client's key: its IPv4 address, or the /64 network of its IPv6 address.

    One IPv6 subscriber is handed a whole /64 (often more) and picks any address
    in it, so counting single IPv6 addresses would give one client 2**64 allowances.
    An IPv4 address mapped into IPv6 counts as that IPv4 address.
    """
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def client_address(request: Any) -> str:
    """The client's address as this app trusts it (see :meth:`PortOneCertThrottle.get_ident`):
    ``REMOTE_ADDR``, or DRF's reading of ``X-Forwarded-For`` when ``NUM_PROXIES`` is set."""
    if api_settings.NUM_PROXIES is None:
        return str(request.META.get("REMOTE_ADDR") or "")
    return str(BaseThrottle().get_ident(request))


class PortOneCertThrottle(ScopedRateThrottle):
    """The scoped throttle ``portone_cert``.

    Its rate comes from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["portone_cert"]``
    when the project sets one, else from ``PORTONE_CERT["THROTTLE_RATE"]``.
    Logged-in users are counted by account; visitors by the client's address.

    Fails closed: when its cache (Django's default cache) cannot be reached, the
    request is refused with :class:`ServiceUnavailable` (503), not let through
    unthrottled: every request it lets through may cost a PortOne lookup.
    """

    def get_rate(self) -> str | None:
        # Read on each request (DRF's own class attribute is frozen at import).
        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope in rates:
            return str(rates[self.scope])
        return app_settings.THROTTLE_RATE

    def get_ident(self, request: Request) -> str:
        """The visitor's address: ``REMOTE_ADDR``, which the client cannot forge.

        DRF's own ``get_ident`` believes a client-sent ``X-Forwarded-For`` unless
        ``REST_FRAMEWORK["NUM_PROXIES"]`` is set; then one header per request
        would be a new visitor. Behind a proxy, set ``NUM_PROXIES`` to the number
        of proxies that append to ``X-Forwarded-For``, and DRF's rule applies.
        An IPv6 client counts by its /64 (see :func:`client_key`).
        """
        return client_key(client_address(request))

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
