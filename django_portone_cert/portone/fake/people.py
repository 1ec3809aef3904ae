"""Who can verify at the fake PortOne, and which providers and carriers it knows."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

#: V1 ``pg_provider`` values of 본인인증 (``inicis`` is KG이니시스's card 본인인증).
PROVIDERS = ("danal", "inicis_unified", "inicis", "kcp_v2")
#: V1 spells LG U+ ``LGT``; V2 spells it ``LGU``.
CARRIERS = ("SKT", "KT", "LGT", "SKT_MVNO", "KT_MVNO", "LGT_MVNO")

#: A real DI is the base64 of a DER structure (an HMAC-SHA256 under OID 1.2.840.113549.2.9):
#: 15 bytes of header, 32 of digest, 64 characters always starting "MC0GCCqGSIb3DQIJAyEA".
_DI_HEADER = bytes.fromhex("302d06082a864886f70d0209032100")

#: Every name, phone, CI and DI a FakePortOne handed out in this process, so a test
#: suite can check that none of them reached a log line or an exception text.
ISSUED_PERSONAL_DATA: set[str] = set()


@dataclass(frozen=True)
class FakePerson:
    """Someone who can verify.

    CI and DI derive from the person alone (name, birth date and ``seed``, which
    tells apart two people sharing both): never from gender, phone or carrier,
    which a provider may not know or may take from the user's typing.
    """

    name: str = "홍길동"
    birth_date: date = date(1990, 5, 17)
    gender: str | None = "male"
    phone: str = "01012345678"
    carrier: str = "SKT"
    foreigner: bool = False
    seed: str = ""

    def _key(self) -> str:
        return f"{self.name}|{self.birth_date.isoformat()}|{self.seed}"

    @property
    def ci(self) -> str:
        """88 base64 characters, the same at every site and provider (like a real CI)."""
        return base64.b64encode(hashlib.sha512(f"ci|{self._key()}".encode()).digest()).decode()

    def di(self, site: str, provider: str) -> str:
        """64 base64 characters in a real DI's shape, per site and provider."""
        digest = hashlib.sha256(f"di|{site}|{provider}|{self._key()}".encode()).digest()
        return base64.b64encode(_DI_HEADER + digest).decode()


def remember_issued(record: Mapping[str, Any]) -> None:
    """Note the personal data of a stored result in :data:`ISSUED_PERSONAL_DATA`."""
    for key in ("name", "phone", "unique_key", "unique_in_site"):
        if record.get(key):
            ISSUED_PERSONAL_DATA.add(str(record[key]))
