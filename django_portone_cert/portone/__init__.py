"""PortOne's REST APIs behind one interface: ``get_result(id)`` → :class:`Certification`.

``PORTONE_CERT["API_VERSION"]`` picks the implementation: ``"v1"`` (api.iamport.kr,
:class:`PortOneClient`) or ``"v2"`` (api.portone.io, :class:`PortOneV2Client`).
Both have ``get_result`` and ``delete_result`` (a no-op on V2), and the API 본인인증 calls
``send_otp``, ``confirm_otp``, ``resend_otp`` (:mod:`.otp`).
"""

from __future__ import annotations

import threading
from typing import Any

from ..conf import app_settings
from ..exceptions import ConfigurationError
from .base import Certification, HTTPClient, OtpRequest
from .v1 import IMP_UID_PATTERN, IMP_UID_RE, PortOneClient, validate_imp_uid
from .v2 import MINTED_ID_PATTERN, PortOneV2Client, validate_minted_id, validate_verification_id

Client = PortOneClient | PortOneV2Client

__all__ = [
    "IMP_UID_PATTERN",
    "IMP_UID_RE",
    "MINTED_ID_PATTERN",
    "Certification",
    "Client",
    "HTTPClient",
    "OtpRequest",
    "PortOneClient",
    "PortOneV2Client",
    "get_client",
    "validate_imp_uid",
    "validate_minted_id",
    "validate_result_id",
    "validate_verification_id",
]

_clients: dict[tuple[Any, ...], Client] = {}
_clients_lock = threading.Lock()


def validate_result_id(value: object) -> str:
    """A result id from a browser, refused unless it has PortOne's V1 shape (``imp_`` and
    digits) or, on V2, the form this app mints: checked before any request."""
    if api_version() == "v2":
        return validate_minted_id(value)
    return validate_imp_uid(value)


def api_version() -> str:
    """``API_VERSION``, refused (never guessed) when it is neither "v1" nor "v2" (check E018)."""
    version = app_settings.API_VERSION
    if version not in ("v1", "v2"):
        raise ConfigurationError(
            f'settings.PORTONE_CERT["API_VERSION"] must be "v1" or "v2", not {version!r}.'
        )
    return version


def get_client() -> Client:
    """The process-wide client for the current settings (one connection pool)."""
    if api_version() == "v2":
        key: tuple[Any, ...] = (
            "v2",
            app_settings.API_BASE_URL,
            app_settings.API_SECRET,
            app_settings.STORE_ID,
            app_settings.TIMEOUT,
        )
    else:
        key = (
            "v1",
            app_settings.API_BASE_URL,
            app_settings.IMP_KEY,
            app_settings.IMP_SECRET,
            app_settings.TIMEOUT,
            app_settings.CACHE,
        )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = PortOneV2Client() if key[0] == "v2" else PortOneClient()
        return client
