"""The fake PortOne's OTP endpoints, as PortOne's schemas describe them.

V1: ``POST /certifications/otp/request`` → ``{imp_uid}``; ``POST
/certifications/otp/confirm/{imp_uid}`` → the certification, in V1's envelope. V2: ``POST
/identity-verifications/{id}/send`` → ``{}``, ``…/confirm`` → ``{identityVerification}``,
``…/resend`` → ``{}``, errors ``{type, message}`` (``PG_PROVIDER`` with ``pgCode`` and
``pgMessage``). Authentication and the store are checked by the caller (:mod:`.api`).
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from django_portone_cert.conf import get

from .otp import OtpDesk, birth_from
from .people import ISSUED_PERSONAL_DATA
from .v1 import v1_record
from .v2 import v2_record
from .wire import FakeResponse, envelope, json_response

V1_CONFIRM = "/certifications/otp/confirm/"
V1_CARRIERS = ("SKT", "KT", "LGT")
V2_OPERATORS = ("SKT", "KT", "LGU", "SKT_MVNO", "KT_MVNO", "LGU_MVNO")
_PHONE_RE = re.compile(r"\A01[0-9]{8,9}\Z")

MISSING = "필수 파라미터가 누락되었거나 올바르지 않습니다."
NOT_REQUESTED = "본인인증 요청건이 존재하지 않습니다."
ALREADY = "이미 인증이 완료된 본인인증 건입니다."
NO_CODE = "인증번호가 누락되었습니다."
WRONG_CODE = "인증번호가 일치하지 않습니다."
REFUSED = "본인인증 대상자 정보가 일치하지 않습니다."
TOO_MANY = "본인인증 요청 횟수가 최대에 도달하였습니다."
APP_NOT_SUPPORTED = "APP 방식은 kcp(신모듈)에서만 지원됩니다."
#: The provider's code for a wrong or expired OTP (PortOne passes it on as ``pgCode``).
PG_WRONG_CODE = "OTP_MISMATCH"
PG_REFUSED = "IDENTITY_MISMATCH"
PG_TOO_MANY = "TOO_MANY_REQUESTS"


def _digits(value: Any) -> str:
    return re.sub(r"[^0-9]", "", value) if isinstance(value, str) else ""


def _person(name: Any, phone: str, yymmdd: str, digit: Any, carrier: str) -> dict[str, Any] | None:
    """The person a send names, carrier spelled as V2 does; None when malformed."""
    born = birth_from(yymmdd, digit if isinstance(digit, str) else "")
    if not isinstance(name, str) or not name.strip() or born is None:
        return None
    if not _PHONE_RE.fullmatch(phone):
        return None
    ISSUED_PERSONAL_DATA.add(yymmdd + str(digit))
    return {
        "name": name,
        "phone": phone,
        "birth_date": born.isoformat(),
        "gender_digit": digit,
        "carrier": carrier,
    }


def _channel_known(channel_key: Any) -> bool:
    configured = get("CHANNEL_KEY")
    return (
        isinstance(channel_key, str)
        and bool(channel_key)
        and channel_key == (configured or channel_key)
    )


# --- V1 ---


def _v1_error(status: int, message: str) -> FakeResponse:
    return json_response(status, envelope(None, -1, message))


def v1_otp(desk: OtpDesk, path: str, fields: dict[str, Any] | None) -> FakeResponse:
    if fields is None:
        return _v1_error(400, MISSING)
    if path.rstrip("/") == "/certifications/otp/request":
        return _v1_request(desk, fields)
    if path.startswith(V1_CONFIRM) and len(path) > len(V1_CONFIRM):
        return _v1_confirm(desk, unquote(path[len(V1_CONFIRM) :]), fields)
    return _v1_error(404, "Not Found")


def _v1_request(desk: OtpDesk, fields: dict[str, Any]) -> FakeResponse:
    carrier, mvno = fields.get("carrier"), fields.get("is_mvno", False)
    if isinstance(mvno, str):
        mvno = {"true": True, "false": False}.get(mvno.lower(), mvno)
    method = fields.get("verification_method") or "SMS"
    bypass = fields.get("bypass")
    if carrier not in V1_CARRIERS or not isinstance(mvno, bool) or method not in ("SMS", "APP"):
        return _v1_error(400, MISSING)
    if bypass is not None and not _json_object(bypass):
        return _v1_error(400, MISSING)
    v2_carrier = {"LGT": "LGU"}.get(carrier, carrier) + ("_MVNO" if mvno else "")
    person = _person(
        fields.get("name"),
        _digits(fields.get("phone")),
        _digits(fields.get("birth")),
        fields.get("gender_digit"),
        v2_carrier,
    )
    if person is None or not _channel_known(fields.get("channel_key")):
        return _v1_error(400, MISSING)
    if method == "APP" and desk.fake.otp_provider != "kcp_v2":
        return _v1_error(400, APP_NOT_SUPPORTED)
    if not desk.count_send(person["phone"]):
        return _v1_error(400, TOO_MANY)
    if not desk.admits(person):
        return _v1_error(500, REFUSED)
    merchant_uid = fields.get("merchant_uid")
    if not isinstance(merchant_uid, str) or not merchant_uid:
        merchant_uid = f"mid_{int(desk.fake.now() * 1000)}{secrets.randbelow(1000):03d}"
    imp_uid = desk.record(f"imp_{secrets.randbelow(10**12):012d}", merchant_uid, person, False)
    desk.issue(imp_uid, person, method)
    return json_response(200, envelope({"imp_uid": imp_uid}))


def _json_object(value: Any) -> bool:
    try:
        return isinstance(value, str) and isinstance(json.loads(value), dict)
    except ValueError:
        return False


def _v1_confirm(desk: OtpDesk, imp_uid: str, fields: dict[str, Any]) -> FakeResponse:
    record, pending = desk.fake.get_record(imp_uid), desk.pending(imp_uid)
    if record is None:
        return _v1_error(404, NOT_REQUESTED)
    if record.get("certified"):
        return _v1_error(400, ALREADY)
    if pending is None:
        return _v1_error(404, NOT_REQUESTED)
    otp = fields.get("otp")
    if pending["method"] == "SMS" and not otp:
        return _v1_error(400, NO_CODE)
    if not desk.code_fits(pending, otp if isinstance(otp, str) else None):
        return _v1_error(400, WRONG_CODE)
    desk.record(imp_uid, str(record["merchant_uid"]), pending["person"], True)
    return json_response(200, envelope(v1_record(desk.fake.get_record(imp_uid) or {})))


# --- V2 ---


def _v2_error(status: int, error_type: str, message: str, **extra: str) -> FakeResponse:
    return json_response(status, {"type": error_type, "message": message, **extra})


def v2_otp(
    desk: OtpDesk,
    path: str,
    query: str,
    fields: dict[str, Any] | None,
    store_refusal: Callable[[str], FakeResponse | None],
) -> FakeResponse:
    """``POST /identity-verifications/{id}/(send|confirm|resend)``."""
    verification_id, _, step = path[len("/identity-verifications/") :].rpartition("/")
    verification_id = unquote(verification_id)
    if fields is None or not verification_id:
        return _v2_error(400, "INVALID_REQUEST", MISSING)
    store_id = fields.get("storeId") if step != "resend" else None
    refusal = store_refusal(query if step == "resend" else _store_query(store_id))
    if refusal is not None:
        return refusal
    if step == "send":
        return _v2_send(desk, verification_id, fields)
    return _v2_follow_up(desk, verification_id, step, fields)


def _store_query(store_id: Any) -> str:
    if store_id is None:
        return ""
    return "storeId=" + (store_id if isinstance(store_id, str) else "")


def _v2_send(desk: OtpDesk, verification_id: str, fields: dict[str, Any]) -> FakeResponse:
    customer, method = fields.get("customer"), fields.get("method")
    if not isinstance(customer, dict) or method not in ("SMS", "APP"):
        return _v2_error(400, "INVALID_REQUEST", MISSING)
    phone, number = customer.get("phoneNumber"), customer.get("identityNumber")
    number = number if isinstance(number, str) and len(number) == 7 else ""
    person = _person(
        customer.get("name"),
        phone if isinstance(phone, str) else "",
        number[:6],
        number[6:],
        str(fields.get("operator")),
    )
    address = customer.get("ipAddress")
    if person is None or fields.get("operator") not in V2_OPERATORS or not address:
        return _v2_error(400, "INVALID_REQUEST", MISSING)
    if not _channel_known(fields.get("channelKey")):
        return _v2_error(404, "CHANNEL_NOT_FOUND", "채널이 존재하지 않습니다.")
    if method == "APP" and desk.fake.otp_provider != "kcp_v2":
        return _v2_error(400, "INVALID_REQUEST", APP_NOT_SUPPORTED)
    record = desk.fake.get_record(verification_id)
    if record is not None and record.get("certified"):
        return _v2_error(409, "IDENTITY_VERIFICATION_ALREADY_VERIFIED", ALREADY)
    if desk.pending(verification_id) is not None:
        return _v2_error(409, "IDENTITY_VERIFICATION_ALREADY_SENT", "이미 요청된 건입니다.")
    if not desk.count_send(person["phone"]):
        return _v2_error(400, "MAX_TRANSACTION_COUNT_REACHED", TOO_MANY)
    if not desk.admits(person):
        return _v2_error(502, "PG_PROVIDER", REFUSED, pgCode=PG_REFUSED, pgMessage=REFUSED)
    desk.record(verification_id, verification_id, person, False)
    desk.issue(verification_id, person, method)
    return json_response(200, {})


def _v2_follow_up(
    desk: OtpDesk, verification_id: str, step: str, fields: dict[str, Any]
) -> FakeResponse:
    """``confirm`` and ``resend``: only after a send, never after a verification."""
    record, pending = desk.fake.get_record(verification_id), desk.pending(verification_id)
    if record is None and pending is None:
        return _v2_error(404, "IDENTITY_VERIFICATION_NOT_FOUND", NOT_REQUESTED)
    if record is not None and record.get("certified"):
        return _v2_error(409, "IDENTITY_VERIFICATION_ALREADY_VERIFIED", ALREADY)
    if pending is None:
        return _v2_error(404, "IDENTITY_VERIFICATION_NOT_SENT", "API로 요청된 건이 아닙니다.")
    person = pending["person"]
    if step == "resend":
        if not desk.count_send(person["phone"]):
            # PortOne documents MAX_TRANSACTION_COUNT_REACHED for send alone: the provider
            # refuses a resend over the limit.
            return _v2_error(502, "PG_PROVIDER", TOO_MANY, pgCode=PG_TOO_MANY, pgMessage=TOO_MANY)
        desk.issue(verification_id, person, pending["method"])
        return json_response(200, {})
    otp = fields.get("otp")
    if pending["method"] == "SMS" and not isinstance(otp, str):
        return _v2_error(400, "INVALID_REQUEST", NO_CODE)
    if not desk.code_fits(pending, otp if isinstance(otp, str) else None):
        return _v2_error(502, "PG_PROVIDER", WRONG_CODE, pgCode=PG_WRONG_CODE, pgMessage=WRONG_CODE)
    desk.record(verification_id, verification_id, person, True)
    verified = v2_record(desk.fake.get_record(verification_id) or {}, desk.fake.now())
    return json_response(200, {"identityVerification": verified})
