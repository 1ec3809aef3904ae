"""What both halves of the fake PortOne share: credentials, the clock, stored results, counters."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django_portone_cert.conf import app_settings, get

from .faults import FaultQueue
from .store import CacheStore, MemoryStore


class FakeState:
    """The fake's state; the V1 and V2 halves and :class:`FakePortOne` build on it."""

    def __init__(
        self,
        *,
        imp_key: str | None = None,
        imp_secret: str | None = None,
        base_url: str | None = None,
        store: MemoryStore | CacheStore | None = None,
        clock: Callable[[], float] | None = None,
        site: str = "fake-site",
        api_version: str | None = None,
        api_secret: str | None = None,
        store_id: str | None = None,
        phone_approved: bool = True,
    ) -> None:
        # Settings are read when first needed, so a fake can exist before they are configured.
        self._api_version = api_version
        self._api_secret = api_secret
        #: V2: when set, a ``storeId`` query naming another store is refused (403).
        self.store_id = store_id
        #: Whether the merchant has Danal's approval for phone and carrier; without it
        #: PortOne leaves both out of Danal results (absent, not null).
        self.phone_approved = phone_approved
        self.imp_key = imp_key or get("IMP_KEY") or "fake_imp_key"
        self.imp_secret = imp_secret or get("IMP_SECRET") or "fake_imp_secret"
        self._base_url = base_url
        self.store = store or MemoryStore()
        self._clock = clock or time.time
        self._offset = 0.0
        self.site = site
        #: Seconds added to every answer.
        self.latency = 0.0
        self._faults = FaultQueue()
        #: ``(method, endpoint, status)`` of every request answered.
        self.log: list[tuple[str, str, int]] = []
        #: API 본인인증: sends (and resends) per phone number beyond this many answer
        #: ``MAX_TRANSACTION_COUNT_REACHED`` (V2 send; a V2 resend 502 ``PG_PROVIDER``; V1 a
        #: 400); None: no limit.
        self.otp_transaction_limit: int | None = None
        #: Seconds a sent code can be confirmed (PortOne documents none; providers' last minutes).
        self.otp_code_lifetime: float = 180.0
        #: The provider of OTP results: "danal", or "kcp_v2" (the only one that does ``APP``).
        self.otp_provider: str = "danal"

    @property
    def api_version(self) -> str:
        """ "v1" or "v2": which API this fake speaks (default: the ``API_VERSION`` setting)."""
        return self._api_version or app_settings.API_VERSION

    @property
    def api_secret(self) -> str:
        return self._api_secret or get("API_SECRET") or "fake_api_secret"

    @property
    def base_url(self) -> str:
        """Where the ``responses`` adapter answers; default: the ``API_BASE_URL`` setting."""
        return (self._base_url or app_settings.API_BASE_URL).rstrip("/")

    # --- time ---

    def now(self) -> float:
        """The fake's clock: every time it stamps or judges is read here."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (tokens expire, results grow old)."""
        self._offset += seconds

    # --- results ---

    def get_record(self, imp_uid: str) -> dict[str, Any] | None:
        """The stored result in V1's shape (whatever version the fake speaks)."""
        record = self.store.get(f"cert:{imp_uid}")
        return dict(record) if record else None

    def update_certification(self, imp_uid: str, **fields: Any) -> None:
        """Change fields of a stored result as PortOne would send them (None sends null)."""
        record = self.get_record(imp_uid)
        if record is None:
            raise KeyError(imp_uid)
        record.update(fields)
        self.store.set(f"cert:{imp_uid}", record)

    # --- counters ---

    def count(self, endpoint: str | None = None) -> int:
        """Requests received, all or per endpoint ("token", "certification", "otp")."""
        return int(self.store.get(f"count:{endpoint or 'all'}") or 0)

    @property
    def token_requests(self) -> int:
        return self.count("token")

    @property
    def certification_requests(self) -> int:
        return self.count("certification")

    def reset_counters(self) -> None:
        for endpoint in ("all", "token", "certification", "otp", "other"):
            self.store.set(f"count:{endpoint}", 0)
