"""API 본인인증 (PortOne's OTP calls): what is sent, what its answers mean, V1's calls.

The person's data (:class:`~.base.OtpRequest`) and the code pass through here to PortOne
in one request and are kept nowhere: every function that holds them hides its variables
from Django's error reports, and no error text carries them (or PortOne's message, which
may repeat them).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables

from ..exceptions import (
    CertificationNotFound,
    InvalidRequest,
    OtpAlreadyVerified,
    OtpCodeRejected,
    OtpLimitReached,
    OtpNotSent,
    OtpPersonRejected,
    PortOneAPIError,
    PortOneAuthError,
    PortOneCertError,
)
from .base import Certification, HTTPClient, OtpRequest, logger, v1_envelope

#: API 본인인증: the carriers as V2 names them (V1's client maps them to its own spelling).
OTP_CARRIERS = frozenset({"SKT", "KT", "LGU", "SKT_MVNO", "KT_MVNO", "LGU_MVNO"})
#: ``SMS`` (a 6-digit code by text) or ``APP`` (a PASS push, KCP only).
OTP_METHODS = frozenset({"SMS", "APP"})
#: KCP's ``media_type``: ``MC01`` PC, ``MC02`` mobile.
OTP_MEDIA_TYPES = frozenset({"MC01", "MC02"})
_PHONE_RE = re.compile(r"\A01[0-9]{8,9}\Z")
_OTP_RE = re.compile(r"\A[0-9]{4,10}\Z")


@sensitive_variables()
def validate_otp_request(request: object) -> OtpRequest:
    """``request`` if it can be sent as it is, else :class:`InvalidRequest` (which names no
    field's value): checked before anything reaches PortOne."""
    if not isinstance(request, OtpRequest):
        raise InvalidRequest()
    valid = (
        isinstance(request.name, str)
        and 0 < len(request.name.strip()) <= 50
        and isinstance(request.phone, str)
        and _PHONE_RE.fullmatch(request.phone) is not None
        and isinstance(request.birth_date, date)
        and request.gender_digit in tuple("12345678")
        and request.carrier in OTP_CARRIERS
        and request.method in OTP_METHODS
        and isinstance(request.ip_address, str)
        and bool(request.ip_address)
        and isinstance(request.channel_key, str)
        and bool(request.channel_key)
        and isinstance(request.company, str)
        and (request.media_type == "" or request.media_type in OTP_MEDIA_TYPES)
    )
    if not valid:
        raise InvalidRequest()
    return request


@sensitive_variables()
def validate_otp(otp: object) -> str:
    """The code the person typed: digits only (PortOne's are 6), or "" for KCP's ``APP``
    (nothing typed: the person approved in PASS); else :class:`InvalidRequest`."""
    if not isinstance(otp, str) or (otp and not _OTP_RE.fullmatch(otp)):
        raise InvalidRequest()
    return otp


#: V1 spells LG U+ ``LGT`` and marks 알뜰폰 with ``is_mvno``.
V1_CARRIERS = {"SKT": "SKT", "KT": "KT", "LGU": "LGT"}
V1_REQUEST_PATH = "/certifications/otp/request"
V1_CONFIRM_PATH = "/certifications/otp/confirm/"


@sensitive_variables()
def v1_otp_body(merchant_uid: str, request: OtpRequest) -> dict[str, Any]:
    """``POST /certifications/otp/request``'s fields (JSON)."""
    host = request.carrier.removesuffix("_MVNO")
    body: dict[str, Any] = {
        "name": request.name,
        "phone": request.phone,
        "birth": request.birth_date.strftime("%y%m%d"),
        "gender_digit": request.gender_digit,
        "carrier": V1_CARRIERS[host],
        "is_mvno": request.carrier.endswith("_MVNO"),
        "merchant_uid": merchant_uid,
        "channel_key": request.channel_key,
        "verification_method": request.method,
    }
    if request.company:
        body["company"] = request.company
    bypass = request.kcp_bypass()
    if bypass is not None:
        # V1 takes ``bypass`` as a JSON string, passed on to the provider as it is.
        body["bypass"] = json.dumps(bypass, separators=(",", ":"))
    return body


@sensitive_variables()
def v2_send_body(store_id: str, request: OtpRequest) -> dict[str, Any]:
    """``POST /identity-verifications/{id}/send``'s body."""
    body: dict[str, Any] = {
        "channelKey": request.channel_key,
        "customer": {
            "name": request.name,
            "phoneNumber": request.phone,
            "identityNumber": request.identity_number,
            "ipAddress": request.ip_address,
        },
        "operator": request.carrier,
        "method": request.method,
    }
    if store_id:
        body["storeId"] = store_id
    bypass = request.kcp_bypass()
    if bypass is not None:
        body["bypass"] = bypass
    return body


def v2_otp_error(status: int, error_type: Any, step: str) -> PortOneCertError:
    """What a V2 error answer to ``step`` ("send", "confirm", "resend") means."""
    if error_type == "MAX_TRANSACTION_COUNT_REACHED":
        return OtpLimitReached(status=status, portone_code=error_type)
    if error_type == "IDENTITY_VERIFICATION_NOT_SENT":
        return OtpNotSent(status=status, portone_code=error_type)
    if error_type == "IDENTITY_VERIFICATION_ALREADY_VERIFIED":
        return OtpAlreadyVerified(status=status, portone_code=error_type)
    if error_type == "IDENTITY_VERIFICATION_NOT_FOUND" and step != "send":
        return CertificationNotFound()
    if status in (401, 403):
        return PortOneAuthError(status=status, portone_code=error_type)
    if error_type in ("PG_PROVIDER", "INVALID_REQUEST"):
        # The provider refused: on confirm, the code (PortOne has no error of its own for a
        # wrong code); on send or resend, the person's data. No code was sent then.
        if step == "confirm":
            return OtpCodeRejected(status=status, portone_code=error_type)
        return OtpPersonRejected(status=status, portone_code=error_type)
    return PortOneAPIError(status=status, portone_code=error_type)


class V1Otp(HTTPClient):
    """V1's OTP calls, part of :class:`~.v1.PortOneClient` (which supplies the token)."""

    def _request(
        self, method: str, path: str, deadline: float, *, json: Any = None
    ) -> requests.Response:
        raise NotImplementedError  # PortOneClient's: the call with its token

    def _valid_imp_uid(self, value: object) -> str:
        raise NotImplementedError  # PortOneClient's

    def get_result(self, result_id: str, *, deadline: float | None = None) -> Certification:
        raise NotImplementedError  # PortOneClient's

    @sensitive_variables()
    def send_otp(
        self, attempt_id: str, request: OtpRequest, *, deadline: float | None = None
    ) -> str:
        """``POST /certifications/otp/request`` with ``merchant_uid=attempt_id``: PortOne
        texts the person a code. Returns the ``imp_uid`` to confirm. Sent once, never
        tried again (it costs money and texts a person)."""
        body = v1_otp_body(attempt_id, validate_otp_request(request))
        response = self._request("POST", V1_REQUEST_PATH, self._deadline(deadline), json=body)
        data = self._otp_answer(response, "send")
        return self._valid_imp_uid(data.get("imp_uid"))

    @sensitive_variables()
    def confirm_otp(
        self, result_id: str, otp: str, *, deadline: float | None = None
    ) -> Certification:
        """``POST /certifications/otp/confirm/{imp_uid}``: the result, as the lookup gives it."""
        path = V1_CONFIRM_PATH + self._valid_imp_uid(result_id)
        code = validate_otp(otp)
        body = {"otp": code} if code else {}
        response = self._request("POST", path, self._deadline(deadline), json=body)
        return Certification.from_v1(self._otp_answer(response, "confirm"))

    @sensitive_variables()
    def resend_otp(
        self, result_id: str, request: OtpRequest | None = None, *, deadline: float | None = None
    ) -> str:
        """V1 has no resend: ``otp/request`` again with the attempt's ``merchant_uid`` and the
        person's data (nothing of it was kept). ``result_id`` is the attempt's id, or the
        ``imp_uid`` of its last send (then one lookup finds the ``merchant_uid``). Returns
        the new ``imp_uid``."""
        if request is None:
            raise InvalidRequest()
        deadline = self._deadline(deadline)
        merchant_uid = result_id
        if isinstance(result_id, str) and result_id.startswith("imp_"):
            merchant_uid = self.get_result(result_id, deadline=deadline).merchant_uid or ""
        if not isinstance(merchant_uid, str) or not merchant_uid:
            raise InvalidRequest()
        return self.send_otp(merchant_uid, request, deadline=deadline)

    def _otp_answer(self, response: requests.Response, step: str) -> dict[str, Any]:
        """The envelope's ``response``, or the error it means (PortOne's message is read
        for one word and never kept: it may repeat what the person typed)."""
        status = response.status_code
        envelope = v1_envelope(response, f"OTP {step}")
        code, body = envelope.get("code"), envelope.get("response")
        if status == 200 and code == 0 and isinstance(body, dict):
            return body
        logger.warning("PortOne answered %s with code %r on OTP %s.", status, code, step)
        message = envelope.get("message")
        if step == "send" and status in (400, 500):
            raise OtpPersonRejected(status=status, portone_code=code)
        if step == "confirm" and status == 400:
            if isinstance(message, str) and "이미" in message:  # "already certified"
                raise OtpAlreadyVerified(status=status, portone_code=code)
            raise OtpCodeRejected(status=status, portone_code=code)
        if step == "confirm" and status == 404:
            raise CertificationNotFound()
        raise PortOneAPIError(status=status, portone_code=code)
