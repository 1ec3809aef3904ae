"""Sandbox mode: the fake PortOne served by the site itself, for development and demos only.

With ``PORTONE_CERT["SANDBOX"]`` on and ``DEBUG``, ``sandbox/`` serves PortOne's REST API
(the one fake, :mod:`django_portone_cert.portone.fake`), a stand-in for PortOne's browser SDKs
and the popup where a tester types who they are (:mod:`.views`). Otherwise every sandbox URL
is a 404. Users' tests take the same fake from :mod:`django_portone_cert.testing`.
"""

from __future__ import annotations

from django.conf import settings

from ..conf import app_settings


def sandbox_enabled() -> bool:
    """Sandbox mode is on: the setting, and ``DEBUG`` (never on a production site)."""
    return app_settings.SANDBOX and settings.DEBUG
