"""A fake PortOne for tests and for the sandbox demo.

- :class:`FakePortOne`: PortOne's 본인인증 APIs, V1 and V2, in memory (tokens with their
  real life rules, results in the real formats, injectable faults, request counters),
  checked against PortOne's published schemas and official clients (``make contract``).
- ``with FakePortOne().activate():`` answers ``requests`` through ``responses``.
- :class:`FakePortOneServer`: the same over HTTP on loopback.
- ``pytest_plugins = ["django_portone_cert.testing.pytest_plugin"]``: the ``portone`` fixture.
"""

from .fake import (
    FAULTS,
    ISSUED_PERSONAL_DATA,
    CacheStore,
    FakePerson,
    FakePortOne,
    FakeResponse,
    MemoryStore,
)

__all__ = [
    "FAULTS",
    "ISSUED_PERSONAL_DATA",
    "CacheStore",
    "FakePerson",
    "FakePortOne",
    "FakePortOneServer",
    "FakeResponse",
    "MemoryStore",
]


def __getattr__(name: str) -> object:
    if name == "FakePortOneServer":
        from .server import FakePortOneServer

        return FakePortOneServer
    raise AttributeError(name)
