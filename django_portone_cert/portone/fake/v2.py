"""The fake PortOne's V2 half: ``GET /identity-verifications/{id}`` under the API secret."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from django_portone_cert.conf import get

from .state import FakeState
from .wire import UNAUTHORIZED_MESSAGE, FakeResponse, header, json_response

V2_NOT_FOUND_MESSAGE = "본인인증 건이 존재하지 않습니다."
V2_FAILURE_REASON = "본인인증에 실패하였습니다."
#: V1 spells LG U+ ``LGT``; V2 spells it ``LGU``.
V2_OPERATORS = {"LGT": "LGU", "LGT_MVNO": "LGU_MVNO"}


class V2Half(FakeState):
    """PortOne V2 for 본인인증: the API secret on every call, one identity verification per id."""

    def _v2_id(self, merchant_uid: str | None, given: str | None) -> str:
        """The ``identityVerificationId``: the one the server minted (``merchant_uid``)."""
        return given or merchant_uid or secrets.token_hex(16)

    def _identity_verification(
        self, method: str, path: str, query: str, headers: dict[str, str]
    ) -> FakeResponse:
        """V2: ``GET /identity-verifications/{identityVerificationId}[?storeId=…]``."""
        unauthorised = self._v2_unauthorised(headers)
        if unauthorised is not None:
            return unauthorised
        if method != "GET":
            return json_response(405, {"type": "INVALID_REQUEST", "message": "Method Not Allowed"})
        refusal = self._store_refusal(query)
        if refusal is not None:
            return refusal
        record = self.get_record(unquote(path[len("/identity-verifications/") :]))
        if record is None:
            return json_response(
                404, {"type": "IDENTITY_VERIFICATION_NOT_FOUND", "message": V2_NOT_FOUND_MESSAGE}
            )
        return json_response(200, v2_record(record, self.now()))

    def _v2_unauthorised(self, headers: dict[str, str]) -> FakeResponse | None:
        """401 unless ``Authorization: PortOne <the API secret>``."""
        value = header(headers, "Authorization") or ""
        if not value.startswith("PortOne ") or not secrets.compare_digest(
            value[len("PortOne ") :], self.api_secret
        ):
            return json_response(401, {"type": "UNAUTHORIZED", "message": UNAUTHORIZED_MESSAGE})
        return None

    def _store_refusal(self, query: str) -> FakeResponse | None:
        """Only a store the secret may access; none given means the verification's own store."""
        store_ids = parse_qs(query, keep_blank_values=True).get("storeId")
        if store_ids is None or self.store_id is None:
            return None
        if len(store_ids) != 1 or not store_ids[0]:
            return json_response(
                400, {"type": "INVALID_REQUEST", "message": "storeId가 올바르지 않습니다."}
            )
        if store_ids[0] != self.store_id:
            return json_response(
                403, {"type": "FORBIDDEN", "message": "해당 상점에 접근할 권한이 없습니다."}
            )
        return None


def v2_extras(
    *,
    certified: bool,
    channel_type: str | None,
    channel_key: str | None,
    v2_status: str | None,
    failure: str | dict[str, str] | None,
    requested_customer: dict[str, str] | None,
) -> dict[str, Any]:
    """What V2 says of a result beyond V1's fields, kept under "_" keys V1 never sends."""
    return {
        "_channel_type": channel_type,
        "_channel_key": channel_key or get("CHANNEL_KEY") or "channel-key-fake",
        "_status": v2_status or ("VERIFIED" if certified else None),
        "_failure": _failure(failure) if failure is not None else None,
        "_requested_customer": dict(requested_customer or {}),
    }


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def _failure(failure: str | dict[str, str]) -> dict[str, str]:
    if isinstance(failure, str):
        return {"reason": failure}
    return {k: v for k, v in failure.items() if k in ("reason", "pgCode", "pgMessage") and v}


def _v2_status(record: dict[str, Any]) -> str:
    status = record.get("_status")
    if status == "VERIFIED" and not record["certified"]:
        status = None  # update_certification(certified=False) wins
    if status in ("READY", "VERIFIED", "FAILED"):
        return str(status)
    return "FAILED" if record.get("_failure") else "READY"


def v2_record(record: dict[str, Any], now: float) -> dict[str, Any]:
    """The same result as PortOne V2 describes an identity verification.

    Fields a status requires are always there (``requestedCustomer`` on READY and
    FAILED, ``failure`` on FAILED; ``verifiedCustomer``, ``verifiedAt``, ``pgTxId``
    and ``pgRawResponse`` on VERIFIED); optional ones are left out, never null.
    A result never certified was last touched ``now`` (the fake's clock).
    """
    status = _v2_status(record)
    at = record["certified_at"] or int(now)
    provider = str(record["pg_provider"]).upper()
    answer: dict[str, Any] = {
        "status": status,
        "id": record["imp_uid"],
        "channel": {
            "type": record.get("_channel_type", "LIVE"),
            "id": "channel-id-fake",
            "key": record.get("_channel_key", "channel-key-fake"),
            "name": "fake",
            "pgProvider": provider,
            "pgMerchantId": "fake-merchant",
        },
        "requestedAt": _iso(at - 30),
        "updatedAt": _iso(at),
        "statusChangedAt": _iso(at),
        "version": "V2",
    }
    if record.get("_channel_type") is None:
        del answer["channel"]  # optional in PortOne's schema
    if status != "READY":
        answer["pgTxId"] = record["pg_tid"]
    if status != "VERIFIED":
        answer["requestedCustomer"] = dict(record.get("_requested_customer") or {})
    if status == "FAILED":
        answer["failure"] = record.get("_failure") or {"reason": V2_FAILURE_REASON}
    if status == "VERIFIED":
        answer.update(_verified(record, provider, at))
    return answer


def _verified(record: dict[str, Any], provider: str, at: int) -> dict[str, Any]:
    """A VERIFIED result's customer, time and the provider's raw answer."""
    gender = record.get("gender")
    carrier = record.get("carrier")
    customer = {
        "name": record["name"],
        "birthDate": record.get("birthday"),
        "gender": gender.upper() if isinstance(gender, str) else None,
        "isForeigner": record.get("foreigner_v2"),
        "ci": record.get("unique_key"),
        "di": record.get("unique_in_site"),
        "phoneNumber": record.get("phone"),
        "operator": V2_OPERATORS.get(carrier, carrier) if isinstance(carrier, str) else None,
    }
    return {
        "verifiedCustomer": {k: v for k, v in customer.items() if v is not None},
        "verifiedAt": _iso(at),
        # The provider's own answer, as text; PortOne passes it on unparsed.
        "pgRawResponse": json.dumps(
            {"provider": provider, "tid": record["pg_tid"], "result": "0000"},
            separators=(",", ":"),
        ),
    }
