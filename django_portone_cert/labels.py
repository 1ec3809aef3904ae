"""The fixed sets every metric label and span attribute is drawn from.

A label's value is one of a few known words, never what a request or PortOne sent: an
unknown value becomes ``"other"``. So no person, id, phone number or free text can reach a
time series (each value would be a new series) or a trace.
"""

from __future__ import annotations

from .exceptions import ERROR_CLASSES

OTHER = "other"

API_VERSIONS = frozenset({"v1", "v2"})
#: ``CertificationAttempt.Purpose``'s values, and "unknown" when no attempt matched.
PURPOSES = frozenset({"verification", "recovery", "guardian", "unknown"})
OUTCOMES = frozenset({"verified", "failed"})
#: PortOne's answers worth a series of their own; any other is counted by its class ("4xx").
STATUSES = frozenset({"200", "400", "401", "403", "404", "409", "429", "500", "502", "503", "504"})
#: What became of a request that got no answer.
NO_ANSWER = frozenset({"timeout", "unreachable"})
OTP_METHODS = frozenset({"SMS", "APP"})
OTP_OUTCOMES = frozenset({"sent", "resent", "failed", "limited"})
METHODS = frozenset({"GET", "POST", "DELETE", "PUT", "PATCH"})
ENDPOINTS = frozenset(
    {
        "get_token",
        "get_certification",
        "delete_certification",
        "otp_request",
        "otp_confirm",
        "get_identity_verification",
        "list_identity_verifications",
        "otp_send",
        "otp_resend",
        OTHER,
    }
)


def _one_of(value: object, known: frozenset[str]) -> str:
    return value if isinstance(value, str) and value in known else OTHER


def api_version(value: object) -> str:
    return _one_of(value, API_VERSIONS)


def purpose(value: object) -> str:
    return _one_of(value, PURPOSES)


def outcome(value: object) -> str:
    return _one_of(value, OUTCOMES)


def code(value: object) -> str:
    """A stable error code of the app (``ERROR_CLASSES``), "" for none, else "other"."""
    if value == "":
        return ""
    return value if isinstance(value, str) and value in ERROR_CLASSES else OTHER


def method(value: object) -> str:
    return _one_of(value.upper() if isinstance(value, str) else value, METHODS)


def status(value: object) -> str:
    """An HTTP status ("404", or its class "4xx"), or why there was none ("timeout")."""
    if isinstance(value, str) and value in NO_ANSWER:
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
        text = str(value)
        return text if text in STATUSES else f"{text[0]}xx"
    return OTHER


def otp_method(value: object) -> str:
    return _one_of(value, OTP_METHODS)


def otp_outcome(value: object) -> str:
    return _one_of(value, OTP_OUTCOMES)


def endpoint(http_method: str, path: str) -> str:
    """PortOne's endpoint by name, without the id in its path."""
    parts = path.partition("?")[0].strip("/").split("/")
    verb = http_method.upper()
    if parts == ["users", "getToken"]:
        return "get_token"
    if parts[0] == "certifications" and len(parts) > 1:
        if parts[1] == "otp" and len(parts) > 2:
            return {"request": "otp_request", "confirm": "otp_confirm"}.get(parts[2], OTHER)
        if len(parts) == 2:
            return {"GET": "get_certification", "DELETE": "delete_certification"}.get(verb, OTHER)
    if parts[0] == "identity-verifications":
        if len(parts) == 1:
            return "list_identity_verifications"
        if len(parts) == 2:
            return "get_identity_verification" if verb == "GET" else OTHER
        if len(parts) == 3:
            return {"send": "otp_send", "confirm": "otp_confirm", "resend": "otp_resend"}.get(
                parts[2], OTHER
            )
    return OTHER
