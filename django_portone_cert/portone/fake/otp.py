"""The fake PortOne's API 본인인증 (OTP): who may get a code, the codes, what a confirm makes.

Shared by both versions' endpoints (:mod:`.otp_wire`). A code is six random digits per
send, valid :attr:`~.state.FakeState.otp_code_lifetime` seconds by the fake's clock; a
confirmed code makes an ordinary completed result (``cert:{id}``), so the lookups
(V1 ``GET /certifications/{imp_uid}``, V2 ``GET /identity-verifications/{id}``) answer
it as they answer any other.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any, Protocol

from .people import ISSUED_PERSONAL_DATA
from .store import CacheStore, MemoryStore

#: What the sandbox's page lists: the latest codes, newest first.
RECENT_CODES = 20
#: V2 spells LG U+ ``LGU``; V1 ``LGT`` (and 알뜰폰 with ``is_mvno``).
V1_SPELLING = {"LGU": "LGT", "LGU_MVNO": "LGT_MVNO"}
V2_SPELLING = {"LGT": "LGU", "LGT_MVNO": "LGU_MVNO"}


class _Fake(Protocol):
    """What the OTP desk uses of :class:`~.api.FakePortOne`."""

    store: MemoryStore | CacheStore
    otp_transaction_limit: int | None
    otp_code_lifetime: float
    otp_provider: str

    @property
    def api_version(self) -> str: ...

    def now(self) -> float: ...

    def get_record(self, imp_uid: str) -> dict[str, Any] | None: ...

    def add_certification(
        self,
        *,
        name: str,
        birth_date: date,
        merchant_uid: str | None,
        provider: str,
        certified: bool,
        gender: str,
        phone: str,
        carrier: str,
        foreigner: bool,
        imp_uid: str | None,
        origin: str,
        requested_customer: dict[str, str] | None,
    ) -> str: ...


def gender_of(digit: str) -> str:
    """The 7th digit's gender: odd men, even women (1-4 Koreans, 5-8 foreigners)."""
    return "male" if int(digit) % 2 else "female"


def is_foreigner(digit: str) -> bool:
    return digit in ("5", "6", "7", "8")


def birth_from(yymmdd: str, digit: str) -> date | None:
    """The birth date of ``YYMMDD`` and the 7th digit's century (1, 2, 5, 6: 1900s)."""
    if len(yymmdd) != 6 or not yymmdd.isdigit() or digit not in tuple("12345678"):
        return None
    century = 1900 if digit in ("1", "2", "5", "6") else 2000
    try:
        return date(century + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:]))
    except ValueError:
        return None


class OtpDesk:
    """One fake's OTP state: registered people, codes per send, sends per phone."""

    def __init__(self, fake: _Fake) -> None:
        self.fake = fake

    @property
    def store(self) -> MemoryStore | CacheStore:
        return self.fake.store

    # --- people ---

    def add_person(
        self,
        *,
        name: str,
        phone: str,
        birth_date: date,
        gender_digit: str,
        carrier: str | None = None,
    ) -> None:
        """Register someone; from then on only registered people get a code."""
        person = {
            "name": name,
            "phone": phone,
            "birth_date": birth_date.isoformat(),
            "gender_digit": gender_digit,
            "carrier": V2_SPELLING.get(carrier, carrier) if carrier else None,
        }
        with self.store.lock():
            people = list(self.store.get("otp:people") or [])
            people.append(person)
            self.store.set("otp:people", people)
        ISSUED_PERSONAL_DATA.update({name, phone})
        ISSUED_PERSONAL_DATA.add(birth_date.strftime("%y%m%d") + gender_digit)

    def admits(self, person: dict[str, Any]) -> bool:
        """Whether the provider would text this person (anyone, until people are registered)."""
        people = self.store.get("otp:people")
        if not people:
            return True
        for known in people:
            if (
                known["name"] == person["name"]
                and known["phone"] == person["phone"]
                and known["birth_date"] == person["birth_date"]
                and known["gender_digit"] == person["gender_digit"]
                and (known["carrier"] is None or known["carrier"] == person["carrier"])
            ):
                return True
        return False

    # --- sends and codes ---

    def count_send(self, phone: str) -> bool:
        """Count a send for ``phone``; False when it passes ``otp_transaction_limit``."""
        sends = self.store.incr(f"otp:sends:{phone}")
        limit = self.fake.otp_transaction_limit
        return limit is None or sends <= limit

    def sends(self, phone: str) -> int:
        return int(self.store.get(f"otp:sends:{phone}") or 0)

    def issue(self, result_id: str, person: dict[str, Any], method: str) -> str | None:
        """A new code for ``result_id`` (none for ``APP``: PASS asks the person), remembered
        with the person it is for."""
        code = None if method == "APP" else f"{secrets.randbelow(10**6):06d}"
        now = self.fake.now()
        self.store.set(
            f"otp:{result_id}",
            {"person": person, "method": method, "code": code, "sent_at": now},
        )
        if code is not None:
            ISSUED_PERSONAL_DATA.add(code)
            self.store.set(f"otp:code:{person['phone']}", code)
            with self.store.lock():
                recent = list(self.store.get("otp:recent") or [])
                recent.insert(0, {"phone": person["phone"], "code": code, "at": now})
                self.store.set("otp:recent", recent[:RECENT_CODES])
        return code

    def pending(self, result_id: str) -> dict[str, Any] | None:
        """The send behind ``result_id``, if there was one."""
        found = self.store.get(f"otp:{result_id}")
        return dict(found) if found else None

    def code_fits(self, pending: dict[str, Any], otp: str | None) -> bool:
        """Whether ``otp`` is the code of this send and still within its life."""
        if pending["method"] == "APP":
            return True  # the fake takes PASS's approval as given
        if not otp or pending["code"] is None:
            return False
        if self.fake.now() - pending["sent_at"] > self.fake.otp_code_lifetime:
            return False
        return secrets.compare_digest(str(otp), str(pending["code"]))

    def last_code(self, phone: str) -> str | None:
        found = self.store.get(f"otp:code:{phone}")
        return str(found) if found else None

    def recent(self) -> list[dict[str, Any]]:
        """The latest codes sent (phone, code, time by the fake's clock), newest first."""
        return [dict(item) for item in self.store.get("otp:recent") or []]

    # --- results ---

    def record(self, result_id: str, merchant_uid: str, person: dict[str, Any], done: bool) -> str:
        """Store the result as PortOne keeps it: pending after a send, completed after a
        confirm, for exactly the person named. Returns its id."""
        digit = person["gender_digit"]
        carrier = V1_SPELLING.get(person["carrier"], person["carrier"])
        return self.fake.add_certification(
            name=person["name"],
            birth_date=date.fromisoformat(person["birth_date"]),
            merchant_uid=merchant_uid,
            provider=self.fake.otp_provider,
            certified=done,
            gender=gender_of(digit),
            phone=person["phone"],
            carrier=carrier,
            foreigner=is_foreigner(digit),
            imp_uid=result_id,
            origin="",
            requested_customer={"name": person["name"], "phoneNumber": person["phone"]},
        )
