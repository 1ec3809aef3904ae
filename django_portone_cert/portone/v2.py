"""PortOne V2 (api.portone.io): ``Authorization: PortOne <secret>``, no token state."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import requests
from django.views.decorators.debug import sensitive_variables

from ..conf import app_settings
from ..exceptions import CertificationNotFound, InvalidRequest, PortOneAPIError, PortOneAuthError
from .base import (
    Certification,
    HTTPClient,
    OtpRequest,
    _parse_date,
    _parse_instant,
    _str_or_none,
    logger,
    normalise_carrier,
)
from .otp import v2_otp_error, v2_send_body, validate_otp, validate_otp_request

#: Our identityVerificationIds: letters and digits (KCP's rule), at most 40; a little slack.
ID_RE = re.compile(r"\A[0-9A-Za-z]{1,64}\Z")
#: The ids this app mints for its attempts (``models.new_merchant_uid``): what a browser may
#: hand back on V2. Anything else is refused before it costs a lookup.
MINTED_ID_PATTERN = r"cert[0-9a-f]{32}"
MINTED_ID_RE = re.compile(rf"\A{MINTED_ID_PATTERN}\Z")
GENDERS = {"MALE": "male", "FEMALE": "female"}


def validate_verification_id(value: object) -> str:
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        raise InvalidRequest()
    return value


def validate_minted_id(value: object) -> str:
    """An ``identityVerificationId`` from a browser: only the form this app mints."""
    if not isinstance(value, str) or not MINTED_ID_RE.fullmatch(value):
        raise InvalidRequest()
    return value


def certification_from_v2(data: dict[str, Any]) -> Certification:
    """Only ``VERIFIED`` counts, and only ``verifiedCustomer`` is read (never
    ``requestedCustomer``, which echoes what the caller typed)."""
    if not isinstance(data.get("id"), str):
        raise PortOneAPIError()
    verified = data.get("status") == "VERIFIED"
    found = data.get("verifiedCustomer") if verified else None
    customer: dict[str, Any] = found if isinstance(found, dict) else {}
    raw_channel = data.get("channel")
    channel: dict[str, Any] = raw_channel if isinstance(raw_channel, dict) else {}
    foreigner = customer.get("isForeigner")
    return Certification(
        imp_uid=data["id"],
        merchant_uid=data["id"],
        provider=(_str_or_none(channel.get("pgProvider")) or "").lower(),
        certified=verified and bool(customer),
        certified_at=_parse_instant(data.get("verifiedAt")) if verified else None,
        birth_date=_parse_date(customer.get("birthDate")),
        name=_str_or_none(customer.get("name")),
        gender=GENDERS.get(str(customer.get("gender"))),
        is_foreigner=foreigner if isinstance(foreigner, bool) else None,
        ci=_str_or_none(customer.get("ci")),
        di=_str_or_none(customer.get("di")),
        phone=_str_or_none(customer.get("phoneNumber")),
        carrier=normalise_carrier(customer.get("operator")),
        pg_tid=_str_or_none(data.get("pgTxId")),
        api_version="v2",
        channel_type=_str_or_none(channel.get("type")),
        channel_key=_str_or_none(channel.get("key")),
    )


class PortOneV2Client(HTTPClient):
    """Talks to PortOne's V2 REST API. Arguments default to the settings."""

    api_version = "v2"

    def __init__(
        self,
        *,
        api_secret: str | None = None,
        store_id: str | None = None,
        base_url: str | None = None,
        timeout: tuple[float, float] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url or app_settings.API_BASE_URL, timeout=timeout, session=session
        )
        self.api_secret = api_secret if api_secret is not None else app_settings.API_SECRET
        self.store_id = store_id if store_id is not None else app_settings.STORE_ID

    def get_result(self, result_id: str, *, deadline: float | None = None) -> Certification:
        """``GET /identity-verifications/{identityVerificationId}``."""
        return certification_from_v2(self.get_identity_verification(result_id, deadline=deadline))

    def delete_result(self, result_id: str, *, deadline: float | None = None) -> None:
        """V2 has no delete: PortOne keeps its copy."""
        logger.info("PortOne V2 cannot delete a verification result; nothing was deleted.")

    def get_identity_verification(
        self, verification_id: str, *, deadline: float | None = None
    ) -> dict[str, Any]:
        path = (
            f"/identity-verifications/{quote(validate_verification_id(verification_id), safe='')}"
        )
        response = self._send(
            "GET",
            path,
            self._deadline(deadline),
            headers={"Authorization": f"PortOne {self.api_secret}"},
            params={"storeId": self.store_id} if self.store_id else None,
            retry=True,
        )
        return self._unwrap(response)

    # --- API 본인인증 (OTP): each call sent once, never tried again ---

    @sensitive_variables()
    def send_otp(
        self, attempt_id: str, request: OtpRequest, *, deadline: float | None = None
    ) -> str:
        """``POST /identity-verifications/{attempt_id}/send``: PortOne texts the person a
        code (or, ``APP``, pushes PASS). Returns the id to confirm with: ``attempt_id``."""
        body = v2_send_body(self.store_id, validate_otp_request(request))
        self._otp_call(attempt_id, "send", deadline, json=body)
        return attempt_id

    @sensitive_variables()
    def confirm_otp(
        self, result_id: str, otp: str, *, deadline: float | None = None
    ) -> Certification:
        """``POST /identity-verifications/{id}/confirm``: the result, as the lookup gives it."""
        code = validate_otp(otp)
        body: dict[str, str] = {"otp": code} if code else {}
        if self.store_id:
            body["storeId"] = self.store_id
        data = self._otp_call(result_id, "confirm", deadline, json=body)
        found = data.get("identityVerification")
        if not isinstance(found, dict):
            raise PortOneAPIError(status=200)
        return certification_from_v2(found)

    def resend_otp(
        self, result_id: str, request: OtpRequest | None = None, *, deadline: float | None = None
    ) -> str:
        """``POST /identity-verifications/{id}/resend`` (``request`` unused: PortOne kept
        what was sent). Returns ``result_id``."""
        self._otp_call(result_id, "resend", deadline)
        return result_id

    @sensitive_variables()
    def _otp_call(
        self, verification_id: str, step: str, deadline: float | None, *, json: Any = None
    ) -> dict[str, Any]:
        quoted = quote(validate_verification_id(verification_id), safe="")
        response = self._send(
            "POST",
            f"/identity-verifications/{quoted}/{step}",
            self._deadline(deadline),
            headers={"Authorization": f"PortOne {self.api_secret}"},
            params={"storeId": self.store_id} if self.store_id and step == "resend" else None,
            json=json,
            retry=False,
        )
        status = response.status_code
        body = _json_object(response, f" on OTP {step}")
        if status == 200:
            return body
        error_type = body.get("type")
        logger.warning("PortOne V2 answered %s with type %r on OTP %s.", status, error_type, step)
        raise v2_otp_error(status, error_type, step)

    def _unwrap(self, response: requests.Response) -> dict[str, Any]:
        status = response.status_code
        body = _json_object(response)
        if status == 200:
            return body
        error_type = body.get("type")
        if status == 404 and error_type == "IDENTITY_VERIFICATION_NOT_FOUND":
            raise CertificationNotFound()
        if status in (401, 403):
            logger.error("PortOne V2 refused the API secret (%s %s).", status, error_type)
            raise PortOneAuthError(status=status, portone_code=error_type)
        logger.warning("PortOne V2 answered %s with type %r.", status, error_type)
        raise PortOneAPIError(status=status, portone_code=error_type)

    def _path_kind(self, path: str) -> str:
        if path.startswith("/identity-verifications/"):
            step = path.rsplit("/", 1)[-1]
            if path.count("/") == 3 and step in ("send", "confirm", "resend"):
                return "/identity-verifications/{id}/" + step
            return "/identity-verifications/{id}"
        return path


def _json_object(response: requests.Response, where: str = "") -> dict[str, Any]:
    """The answer's JSON object (an answer or V2's error ``{type, message}``), or
    ``portone_error``, logged (``where``: an OTP step, never an id)."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        logger.warning(
            "PortOne V2 answered %s with an unreadable body%s.", response.status_code, where
        )
        raise PortOneAPIError(status=response.status_code)
    return body
