"""Errors, one hierarchy with a stable ``code`` each.

``str()`` of an error is a fixed, translatable sentence: it never carries
PortOne's response body, an ``imp_uid``, or personal data, so errors can be
logged and shown as they are. Context for debugging (HTTP status, PortOne's
envelope code) sits on attributes.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ConfigurationError(ImproperlyConfigured):
    """A setting is missing or wrong; the message names the setting to fix."""


class PortOneCertError(Exception):
    """Base of every runtime error of this app."""

    code: str = "error"
    http_status: int = 400
    default_message: str | Promise = _("Identity verification failed.")

    def __init__(self, message: str | Promise | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))

    def __str__(self) -> str:
        return str(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r})"


# --- results that the rules refuse (the requester's fault or the result's) ---


class VerificationError(PortOneCertError):
    """The result cannot be accepted; nothing was stored but the attempt's failure."""


class InvalidRequest(VerificationError):
    code = "invalid"
    default_message = _("The request is malformed.")


class CertificationNotFound(VerificationError):
    code = "certification_not_found"
    default_message = _("PortOne has no verification result with this id.")


class NotCertified(VerificationError):
    code = "not_certified"
    default_message = _("The identity verification was not completed.")


class AttemptMismatch(VerificationError):
    code = "attempt_mismatch"
    default_message = _("This verification result does not belong to your verification attempt.")


class AttemptExpired(VerificationError):
    code = "attempt_expired"
    default_message = _("The verification attempt has expired. Please start again.")


class AttemptExhausted(VerificationError):
    """The attempt already drove its ``ATTEMPT_MAX_LOOKUPS`` PortOne lookups."""

    code = "attempt_exhausted"
    default_message = _("This verification attempt was tried too often. Please start again.")


class CertificationStale(VerificationError):
    code = "certification_stale"
    default_message = _("The verification result is too old. Please verify again.")


class CertificationUsed(VerificationError):
    code = "certification_used"
    http_status = 409
    default_message = _("This verification result has already been used.")


class IdentityInUse(VerificationError):
    code = "identity_in_use"
    http_status = 409
    default_message = _("This person is already verified on another account.")


class IdentityMismatch(VerificationError):
    code = "identity_mismatch"
    http_status = 409
    default_message = _(
        "This account is already verified as a different person. Please contact support."
    )


class CiMissing(VerificationError):
    code = "ci_missing"
    default_message = _(
        "This verification method does not identify the person. Please use another method."
    )


class ReregistrationBlocked(VerificationError):
    code = "reregistration_blocked"
    http_status = 409
    default_message = _("This person closed an account recently and cannot verify a new one yet.")


class TestChannel(VerificationError):
    code = "test_channel"
    default_message = _(
        "This verification was not made on this site's live channel and proves nothing."
    )


class ChildNotAllowed(VerificationError):
    code = "child_not_allowed"
    default_message = _(
        "Children under 14 cannot use this service. Nothing of this verification was kept."
    )


class GuardianNotAdult(VerificationError):
    code = "guardian_not_adult"
    default_message = _("A guardian must be an adult (19 or older). Nothing was recorded.")


class GuardianIsChild(VerificationError):
    code = "guardian_is_child"
    default_message = _("A child cannot consent for themself: the guardian must verify.")


class ConsentRequestExpired(VerificationError):
    code = "consent_request_expired"
    default_message = _("This consent link has expired or was already used. Ask for a new one.")


class GuardianLimitReached(VerificationError):
    """The guardian already consents for ``GUARDIAN_MAX_CHILDREN`` children."""

    code = "guardian_limit_reached"
    default_message = _(
        "You already consent for as many children as this site allows. Nothing was recorded."
    )


# --- a child's ask for a guardian's consent (guardian/request/) ---


class ConsentNotNeeded(PortOneCertError):
    code = "consent_not_needed"
    default_message = _("No guardian's consent is needed for this account.")


class ConsentRequestLimited(PortOneCertError):
    """The child had ``GUARDIAN_DAILY_LINKS`` links sent in the last 24 hours."""

    code = "consent_request_limited"
    http_status = 429
    default_message = _(
        "Your guardian was sent as many links as allowed today. Please try again tomorrow."
    )


class NoPendingVerification(VerificationError):
    code = "verification_required"
    default_message = _("There is no identity verification to use. Please verify first.")


# --- in-app verification by SMS code (otp.py): the flow's own refusals; a wrong code
# (otp_invalid) and a daily cap (otp_limited) are OtpCodeRejected and OtpLimitReached ---


class OtpExhausted(VerificationError):
    """The attempt spent its ``OTP_MAX_WRONG`` codes or its ``OTP_MAX_SENDS`` sends."""

    code = "otp_exhausted"
    default_message = _("This verification took too many codes. Please start again.")


class OtpUnavailable(VerificationError):
    code = "otp_unavailable"
    default_message = _("Verification by SMS code is not available for this request.")


class OtpResendTooSoon(PortOneCertError):
    code = "otp_resend_too_soon"
    http_status = 429
    default_message = _("A code was sent a moment ago. Please wait before asking again.")


# --- PortOne or the network misbehaved ---


class PortOneAPIError(PortOneCertError):
    """PortOne answered with an error, or with a body that could not be read."""

    code = "portone_error"
    http_status = 502
    default_message = _("PortOne answered with an error. Please try again later.")

    def __init__(
        self,
        message: str | Promise | None = None,
        *,
        status: int | None = None,
        portone_code: Any = None,
    ) -> None:
        super().__init__(message)
        #: HTTP status of PortOne's answer, if there was one.
        self.status = status
        #: The envelope's ``code`` (V1), if PortOne sent one.
        self.portone_code = portone_code

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status={self.status!r}, "
            f"portone_code={self.portone_code!r})"
        )


class PortOneAuthError(PortOneAPIError):
    """PortOne refused the REST API key/secret or the access token."""


# --- PortOne's answers to the API 본인인증 (OTP) calls ---
# Subclasses of PortOneAPIError so that a caller unaware of OTP still sees "PortOne said no".
# Their text is fixed: never PortOne's message, which may repeat what the person typed.


class OtpCodeRejected(PortOneAPIError):
    """Confirm with a wrong (or missing) code: V1 confirm's 400, V2's 502 ``PG_PROVIDER``."""

    code = "otp_invalid"
    http_status = 400
    default_message = _("The code is not right. Please check it and try again.")


class OtpPersonRejected(PortOneAPIError):
    """A send refused for the person's data (V1 ``otp/request`` 400 or 500, V2 400
    ``INVALID_REQUEST`` or 502 ``PG_PROVIDER``): no code was sent. Answer it like a
    successful send, so that nobody learns whether the data named a real person."""

    default_message = _("PortOne could not send a code for these details.")


class OtpLimitReached(PortOneAPIError):
    """V2 ``MAX_TRANSACTION_COUNT_REACHED``: PortOne will send no more codes for now."""

    code = "otp_limited"
    http_status = 429
    default_message = _(
        "Too many codes were requested. Please try again later (a daily limit lifts the next day)."
    )


class OtpNotSent(PortOneAPIError):
    """V2 ``IDENTITY_VERIFICATION_NOT_SENT``: confirm or resend before any send."""

    default_message = _("No code was sent for this verification. Please request one.")


class OtpAlreadyVerified(PortOneAPIError):
    """V2 ``IDENTITY_VERIFICATION_ALREADY_VERIFIED`` (409), V1 confirm's "already certified"."""

    http_status = 409
    default_message = _("This verification is already completed.")


class PortOneUnavailable(PortOneCertError, ConnectionError):
    code = "portone_unavailable"
    http_status = 503
    default_message = _("PortOne could not be reached. Please try again later.")


class PortOneTimeout(PortOneCertError, TimeoutError):
    code = "portone_timeout"
    http_status = 504
    default_message = _("PortOne did not answer in time. Please try again later.")


class VisitorAttemptsLimited(PortOneCertError):
    """``VISITOR_ATTEMPTS_PER_HOUR``: visitors together started as many attempts as the
    site allows in an hour; answered like a throttle."""

    code = "throttled"
    http_status = 429
    default_message = _("Too many verifications are being started. Please try again later.")


class StepUpRequired(PortOneCertError):
    """The person's rights (``me/export/``, ``me/identity/``) need a verification fresher than
    ``STEP_UP_MAX_AGE``: verify again, then retry."""

    code = "step_up_required"
    http_status = 403
    default_message = _("Verify your identity again to continue.")


# --- this site's own cache or database failed ---


class ServiceUnavailable(PortOneCertError):
    """A cache or database a required step relies on could not be used.

    Refused by default: what cannot be checked (a throttle, an attempt) is not let through.
    """

    code = "service_unavailable"
    http_status = 503
    default_message = _("The service is temporarily unavailable. Please try again later.")


#: Cache clients' own error bases, by module: looked up only in modules already imported
#: (a client that was never imported raised nothing), so none of them is a dependency.
OUTAGE_ERRORS_BY_MODULE = {
    "redis.exceptions": "RedisError",
    "pymemcache.exceptions": "MemcacheError",
    "pylibmc": "Error",
}


def is_service_outage(error: BaseException) -> bool:
    """Whether ``error`` means a cache or the database could not be used.

    The database's connection-level errors (``OperationalError``, ``InterfaceError``:
    server gone, connection refused or closed, locked), a cache client's errors
    (Redis, pymemcache, pylibmc) and the transport errors a dead server gives at the
    socket (``ConnectionError``, ``TimeoutError``). This app's own errors are not.
    """
    if isinstance(error, PortOneCertError):
        return False
    classes: list[type[BaseException]] = [
        OperationalError,
        InterfaceError,
        ConnectionError,
        TimeoutError,
    ]
    for module_name, name in OUTAGE_ERRORS_BY_MODULE.items():
        cls = getattr(sys.modules.get(module_name), name, None)
        if isinstance(cls, type) and issubclass(cls, BaseException):
            classes.append(cls)
    return isinstance(error, tuple(classes))


def error_class_name(error: BaseException) -> str:
    """``module.Class`` of ``error``, for logs: never its message, which may name hosts."""
    return f"{type(error).__module__}.{type(error).__qualname__}"


#: Every stable error code the HTTP API can answer with, by code.
ERROR_CLASSES: dict[str, type[PortOneCertError]] = {
    cls.code: cls
    for cls in (
        InvalidRequest,
        CertificationNotFound,
        NotCertified,
        AttemptMismatch,
        AttemptExpired,
        AttemptExhausted,
        CertificationStale,
        CertificationUsed,
        IdentityInUse,
        IdentityMismatch,
        CiMissing,
        ReregistrationBlocked,
        NoPendingVerification,
        TestChannel,
        ChildNotAllowed,
        GuardianNotAdult,
        GuardianIsChild,
        ConsentRequestExpired,
        GuardianLimitReached,
        ConsentNotNeeded,
        ConsentRequestLimited,
        PortOneAPIError,
        PortOneUnavailable,
        PortOneTimeout,
        ServiceUnavailable,
        VisitorAttemptsLimited,
        StepUpRequired,
        OtpCodeRejected,
        OtpExhausted,
        OtpUnavailable,
        OtpResendTooSoon,
        OtpLimitReached,
    )
}
