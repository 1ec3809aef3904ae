"""The fake PortOne's V1 half: getToken with its life rules, and ``/certifications/{imp_uid}``."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from django_portone_cert.ages import KST

from .people import FakePerson
from .state import FakeState
from .wire import (
    UNAUTHORIZED_MESSAGE,
    FakeResponse,
    envelope,
    header,
    json_response,
    parse_body,
)

TOKEN_LIFETIME = 30 * 60  # seconds
TOKEN_LAST_MINUTE = 60
TOKEN_EXTENSION = 5 * 60

NOT_FOUND_MESSAGE = "인증결과가 존재하지 않습니다."
# PortOne's own spelling ("파라메터"); the schema leaves getToken's 400 undocumented.
MISSING_CREDENTIALS_MESSAGE = "imp_key, imp_secret 파라메터가 누락되었습니다."
BAD_CREDENTIALS_MESSAGE = "imp_key, imp_secret 인증에 실패하였습니다."


class V1Half(FakeState):
    """PortOne V1 for 본인인증: a bearer token from getToken, then one result per ``imp_uid``."""

    def expire_tokens(self) -> None:
        """End the life of the current token now (the next call with it gets 401)."""
        with self.store.lock():
            token = self.store.get("token")
            if token:
                token["expired_at"] = int(self.now()) - 1
                self.store.set("token", token)

    def _v1_ids(self, merchant_uid: str | None, imp_uid: str | None) -> tuple[str, str]:
        """``imp_uid`` and ``merchant_uid`` of a new result (``IMP.certification`` needs one)."""
        if merchant_uid is None:
            merchant_uid = f"mid_{int(self.now() * 1000)}{secrets.randbelow(1000):03d}"
        elif not merchant_uid:
            raise ValueError("merchant_uid is required on V1 (IMP.certification requires it)")
        return imp_uid or f"imp_{secrets.randbelow(10**12):012d}", merchant_uid

    def _v1_result(
        self,
        person: FakePerson,
        *,
        ids: tuple[str, str | None],
        provider: str,
        foreigner: bool | None,
        certified: bool,
        certified_at: int,
        ci: str | bool | None,
        origin: str,
    ) -> dict[str, Any]:
        """A result as V1 describes it (``GET /certifications/{imp_uid}``)."""
        born = person.birth_date
        midnight_kst = datetime(born.year, born.month, born.day, tzinfo=KST)
        return {
            "imp_uid": ids[0],
            "merchant_uid": ids[1],
            "pg_tid": f"{provider}-{secrets.token_hex(8)}",
            "pg_provider": provider,
            "name": person.name,
            "gender": person.gender,
            "birthday": born.isoformat(),
            # Deprecated but still sent: 00:00 KST of the birth date, in Unix seconds.
            "birth": int(midnight_kst.timestamp()),
            # Danal: false unless the foreigner option is contracted, and foreigner_v2 null.
            "foreigner": bool(foreigner) if provider != "danal" else False,
            "foreigner_v2": foreigner if provider != "danal" else None,
            **self._v1_contact(person, provider),
            "certified": certified,
            "certified_at": certified_at if certified else 0,
            "unique_key": person.ci if ci is True else (ci or None),
            # KG이니시스 통합인증 never sends a DI.
            "unique_in_site": (
                None if provider == "inicis_unified" else person.di(self.site, provider)
            ),
            "origin": origin,
        }

    def _v1_contact(self, person: FakePerson, provider: str) -> dict[str, str]:
        """Phone and carrier, present only where the provider gives them: Danal with
        approval, KCP always, Inicis 통합인증 the phone only, card 본인인증 neither."""
        full = provider == "kcp_v2" or (provider == "danal" and self.phone_approved)
        if full:
            return {"phone": person.phone, "carrier": person.carrier}
        return {"phone": person.phone} if provider == "inicis_unified" else {}

    # --- the API ---

    def _get_token(self, headers: dict[str, str], body: bytes | str | None) -> FakeResponse:
        params = parse_body(headers, body)
        key, secret = params.get("imp_key"), params.get("imp_secret")
        if not key or not secret:
            return json_response(400, envelope(None, -1, MISSING_CREDENTIALS_MESSAGE))
        if key != self.imp_key or secret != self.imp_secret:
            return json_response(401, envelope(None, -1, BAD_CREDENTIALS_MESSAGE))
        now = int(self.now())
        with self.store.lock():
            token = self.store.get("token")
            if not token or now >= token["expired_at"]:
                token = {"access_token": secrets.token_hex(20), "expired_at": now + TOKEN_LIFETIME}
            elif token["expired_at"] - now <= TOKEN_LAST_MINUTE:
                # Asked in its last minute: the same token, five more minutes.
                token = {**token, "expired_at": token["expired_at"] + TOKEN_EXTENSION}
            self.store.set("token", token)
        return json_response(200, envelope({**token, "now": now}))

    def _authorised(self, headers: dict[str, str]) -> bool:
        value = header(headers, "Authorization") or ""
        presented = value[7:] if value.lower().startswith("bearer ") else value
        token = self.store.get("token")
        return bool(
            presented
            and token
            and secrets.compare_digest(presented, token["access_token"])
            and self.now() < token["expired_at"]
        )

    def _certification(self, method: str, path: str, headers: dict[str, str]) -> FakeResponse:
        if not self._authorised(headers):
            return json_response(401, envelope(None, -1, UNAUTHORIZED_MESSAGE))
        imp_uid = unquote(path[len("/certifications/") :])
        record = self.get_record(imp_uid)
        if record is None:
            return json_response(404, envelope(None, -1, NOT_FOUND_MESSAGE))
        record = v1_record(record)
        if method == "GET":
            return json_response(200, envelope(record))
        if method == "DELETE":
            self.store.set(f"cert:{imp_uid}", None)
            return json_response(200, envelope(record))
        return json_response(405, envelope(None, -1, "Method Not Allowed"))


def v1_record(record: dict[str, Any]) -> dict[str, Any]:
    """The stored result as V1 sends it (keys starting with "_" are the fake's own)."""
    return {key: value for key, value in record.items() if not key.startswith("_")}
