"""Operating the app: the ``METRICS`` setting (E080, W080)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
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
