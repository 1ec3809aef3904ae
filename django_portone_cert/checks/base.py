"""What every concern's checks share: the setting's name in messages and the shapes of values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error

from ..conf import DEFAULTS, SETTING_NAME


def named(key: str) -> str:
    return f'settings.{SETTING_NAME}["{key}"]'


def configured() -> dict[str, Any] | None:
    """``settings.PORTONE_CERT`` (``{}`` when unset), or None when it is not a dict (E001)."""
    config = getattr(settings, SETTING_NAME, None)
    if config is None:
        return {}
    return config if isinstance(config, dict) else None


def values(config: dict[str, Any]) -> Callable[[str], Any]:
    """The value of a key as the app reads it: the project's, else the default."""
    return {**DEFAULTS, **config}.get


def configured_values() -> Callable[[str], Any] | None:
    """:func:`values` of the settings, or None when they are not a dict (E001 says it, once)."""
    config = configured()
    return None if config is None else values(config)


def positive_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def is_timeout(value: Any) -> bool:
    if positive_number(value):
        return True
    return (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(positive_number(part) for part in value)
    )


def is_duration(value: Any, *, optional: bool) -> bool:
    if value is None:
        return optional
    if isinstance(value, timedelta):
        return value > timedelta(0)
    return positive_number(value)


def whole_number(value: Any, low: int, high: int | None = None) -> bool:
    """An ``int`` (never a ``bool``) from ``low`` to ``high`` (no upper bound when None)."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return low <= value and (high is None or value <= high)


def number_errors(
    value: Any, key: str, error_id: str, low: int, high: int | None, must: str, hint: str = ""
) -> list[CheckMessage]:
    """``key`` must be a whole number from ``low`` to ``high``: else one error, "``must``"."""
    if whole_number(value, low, high):
        return []
    return [
        Error(f"{named(key)} must be {must}.", hint=hint or None, id=f"portone_cert.{error_id}")
    ]
