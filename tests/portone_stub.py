"""PortOne V1 answers registered on a ``responses`` mock, for the project's tests.

Older than :class:`~django_portone_cert.testing.FakePortOne`, and checked against
nothing: its records (phone and carrier always present, ``foreigner_v2`` null) are
hand-written. New tests should use the ``portone`` fixture (the fake, which the
contract tests hold to PortOne's schemas); this module is kept for the client tests
that need exact canned answers and is due for removal once they move.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

import responses

BASE_URL = "https://api.iamport.kr"
TOKEN_URL = f"{BASE_URL}/users/getToken"
KST = timezone(timedelta(hours=9))

#: An 88-character base64 CI (fake).
CI = ("Zk9hY2lUZXN0" * 8)[:86] + "=="
OTHER_CI = ("T3RoZXJQZXJzb24" * 8)[:86] + "=="
DI = "D1" * 32


def cert_url(imp_uid: str) -> str:
    return f"{BASE_URL}/certifications/{imp_uid}"


def envelope(response: Any, code: int = 0, message: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "response": response}


def certification_record(
    imp_uid: str,
    merchant_uid: str,
    *,
    name: str = "홍길동",
    birthday: str = "1990-05-17",
    certified: bool = True,
    certified_at: int | None = None,
    ci: str | None = CI,
    **extra: Any,
) -> dict[str, Any]:
    born = date.fromisoformat(birthday)
    birth = int(datetime(born.year, born.month, born.day, tzinfo=KST).timestamp())
    record = {
        "imp_uid": imp_uid,
        "merchant_uid": merchant_uid,
        "pg_tid": "pgtid-1",
        "pg_provider": "danal",
        "name": name,
        "gender": "male",
        "birthday": birthday,
        "birth": birth,
        "foreigner": False,
        "foreigner_v2": None,
        "phone": "01012345678",
        "carrier": "SKT",
        "certified": certified,
        "certified_at": (certified_at if certified_at is not None else int(time.time()))
        if certified
        else 0,
        "unique_key": ci,
        "unique_in_site": DI,
        "origin": "https://example.com/verify/",
    }
    record.update(extra)
    return record


class PortOneStub:
    def __init__(self, rsps: responses.RequestsMock) -> None:
        self.rsps = rsps

    def token(self, token: str = "token-1", *, ttl: int = 1800, status: int = 200) -> None:
        now = int(time.time())
        body: Any = (
            envelope({"access_token": token, "now": now, "expired_at": now + ttl})
            if status == 200
            else envelope(None, code=-1, message="unauthorized")
        )
        self.rsps.add(responses.POST, TOKEN_URL, json=body, status=status)

    def certification(self, imp_uid: str, merchant_uid: str, **fields: Any) -> dict[str, Any]:
        record = certification_record(imp_uid, merchant_uid, **fields)
        self.rsps.add(responses.GET, cert_url(imp_uid), json=envelope(record))
        return record

    def answer(self, imp_uid: str, method: str = responses.GET, **kwargs: Any) -> None:
        self.rsps.add(method, cert_url(imp_uid), **kwargs)

    def not_found(self, imp_uid: str) -> None:
        self.answer(
            imp_uid,
            status=404,
            json=envelope(None, code=-1, message="인증결과가 존재하지 않습니다."),
        )

    def count(self, url: str, method: str | None = None) -> int:
        return sum(
            1
            for call in self.rsps.calls
            if call.request.url == url and (method is None or call.request.method == method)
        )

    @property
    def token_requests(self) -> int:
        return self.count(TOKEN_URL)
