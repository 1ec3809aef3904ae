"""What the fake PortOne reads from a request and writes into an answer, whichever transport."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

UNAUTHORIZED_MESSAGE = "Unauthorized"


@dataclass
class FakeResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    #: Set when the transport must not answer normally: "timeout", "reset", "refused".
    fault: str | None = None
    #: Seconds to wait before answering.
    delay: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


def envelope(response: Any, code: int = 0, message: str | None = None) -> dict[str, Any]:
    """V1's envelope around every answer."""
    return {"code": code, "message": message, "response": response}


def json_response(status: int, payload: Any) -> FakeResponse:
    return FakeResponse(
        status,
        json.dumps(payload, ensure_ascii=False).encode(),
        {"Content-Type": "application/json; charset=utf-8"},
    )


#: V2's OTP calls: ``/identity-verifications/{id}/send`` (``confirm``, ``resend``).
_V2_OTP_RE = re.compile(r"\A/identity-verifications/[^/]+/(send|confirm|resend)\Z")


def endpoint_of(path: str) -> str:
    """The counter a request goes to: "token", "certification", "otp" or "other"."""
    if path.rstrip("/") == "/users/getToken":
        return "token"
    if path.startswith("/certifications/otp/") or _V2_OTP_RE.fullmatch(path):
        return "otp"
    for prefix in ("/certifications/", "/identity-verifications/"):
        if path.startswith(prefix) and len(path) > len(prefix):
            return "certification"
    return "other"


def header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def read_fields(headers: dict[str, str], body: bytes | str | None) -> dict[str, Any] | None:
    """A JSON object or a form's fields; None when the body is neither."""
    if not body:
        return {}
    text = body.decode() if isinstance(body, bytes) else body
    content_type = (header(headers, "Content-Type") or "").lower()
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        return data if isinstance(data, dict) else None
    return {key: values[0] for key, values in parse_qs(text).items()}


def parse_body(headers: dict[str, str], body: bytes | str | None) -> dict[str, str]:
    """A JSON object's or a form's string fields (getToken accepts both)."""
    fields = read_fields(headers, body) or {}
    return {key: value for key, value in fields.items() if isinstance(value, str)}
