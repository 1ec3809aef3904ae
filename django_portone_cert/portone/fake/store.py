"""Where the fake PortOne keeps its state: in memory for tests, a Django cache for the sandbox."""

from __future__ import annotations

import threading
from typing import Any

from django.core.cache import caches


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._lock = threading.RLock()

    def get(self, key: str) -> Any:
        with self._lock:
            return self._data.get(key)

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value

    def incr(self, key: str) -> int:
        with self._lock:
            self._data[key] = self._data.get(key, 0) + 1
            return int(self._data[key])

    def lock(self) -> Any:
        return self._lock


class CacheStore:
    """State in a Django cache, so every worker of a sandbox site sees it.

    Use a cache the workers share (Redis, the database); local memory is per process.
    """

    def __init__(self, alias: str = "default", prefix: str = "portone_cert:sandbox") -> None:
        self.alias = alias
        self.prefix = prefix
        self._lock = threading.RLock()

    @property
    def cache(self) -> Any:
        return caches[self.alias]

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key: str) -> Any:
        return self.cache.get(self._key(key))

    def set(self, key: str, value: Any) -> None:
        self.cache.set(self._key(key), value, timeout=None)

    def incr(self, key: str) -> int:
        full = self._key(key)
        self.cache.add(full, 0, timeout=None)
        return int(self.cache.incr(full))

    def lock(self) -> Any:
        # Token issue is idempotent per PortOne's rules, so a process lock suffices.
        return self._lock
