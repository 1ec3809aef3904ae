"""Operating the app: the ``METRICS`` setting (E080, W080); Django's ``USE_TZ`` (E081)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from .. import metrics
from .base import configured, named, values


def check_operations(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``METRICS`` is a flag; asked for by name, it needs prometheus_client."""
    config = configured()
    if config is None:
        return []  # E001 says it
    value = values(config)("METRICS")
    if not isinstance(value, bool):
        return [Error(f"{named('METRICS')} must be True or False.", id="portone_cert.E080")]
    if config.get("METRICS") is True and not metrics.available():
        return [
            Warning(
                f"{named('METRICS')} is True but prometheus_client is not installed: "
                "nothing is recorded.",
                hint="pip install django-portone-cert[metrics]",
                id="portone_cert.W080",
            )
        ]
    return []


def check_time_zone_support(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """PortOne's times carry their zone; with ``USE_TZ`` off they cannot be compared with
    the site's clock or stored, and every certify would fail."""
    if settings.USE_TZ:
        return []
    return [
        Error(
            "django-portone-cert needs USE_TZ = True: PortOne's completion times carry "
            "their time zone.",
            hint="Set USE_TZ = True (Django's default since 5.0).",
            id="portone_cert.E081",
        )
    ]
