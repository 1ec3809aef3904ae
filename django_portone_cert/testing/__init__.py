"""What users' tests import: the fake PortOne, its loopback server, the pytest plugin.

- :class:`FakePortOne`: PortOne's 본인인증 APIs, V1 and V2, in memory (tokens with their
  real life rules, results in the real formats, injectable faults, request counters),
  checked against PortOne's published schemas and official clients (``make contract``).
  The one fake of :mod:`django_portone_cert.portone.fake`, which the sandbox serves too.
- ``with FakePortOne().activate():`` answers ``requests`` through ``responses``.
- :class:`FakePortOneServer`: the same over HTTP on loopback.
- ``pytest_plugins = ["django_portone_cert.testing.pytest_plugin"]``: the ``portone`` fixture.
"""

from ..portone.fake.api import FakePortOne
from ..portone.fake.faults import FAULTS
from ..portone.fake.people import CARRIERS, ISSUED_PERSONAL_DATA, PROVIDERS, FakePerson
from ..portone.fake.store import CacheStore, MemoryStore
from ..portone.fake.wire import FakeResponse
from .server import FakePortOneServer

__all__ = [
    "CARRIERS",
    "FAULTS",
    "ISSUED_PERSONAL_DATA",
    "PROVIDERS",
    "CacheStore",
    "FakePerson",
    "FakePortOne",
    "FakePortOneServer",
    "FakeResponse",
    "MemoryStore",
]
