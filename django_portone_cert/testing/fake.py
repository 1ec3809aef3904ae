"""The fake PortOne as users' tests use it: the sandbox's fake, plus ``activate()``."""

from __future__ import annotations

from contextlib import AbstractContextManager

from ..sandbox import fake as _sandbox_fake
from ..sandbox.fake import (
    CARRIERS,
    FAULTS,
    ISSUED_PERSONAL_DATA,
    PROVIDERS,
    CacheStore,
    FakePerson,
    FakeResponse,
    MemoryStore,
)

__all__ = [
    "CARRIERS",
    "FAULTS",
    "ISSUED_PERSONAL_DATA",
    "PROVIDERS",
    "CacheStore",
    "FakePerson",
    "FakePortOne",
    "FakeResponse",
    "MemoryStore",
]


class FakePortOne(_sandbox_fake.FakePortOne):
    __doc__ = _sandbox_fake.FakePortOne.__doc__

    def activate(self) -> AbstractContextManager[FakePortOne]:
        """Answer ``requests`` calls to ``base_url`` for the duration of a ``with`` block."""
        from .responses_adapter import activate

        return activate(self)
