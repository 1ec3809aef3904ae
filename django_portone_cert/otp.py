"""In-app verification by SMS code (PortOne's API 본인인증), while ``OTP_ENABLED`` is on.

:func:`send_code` has PortOne text the person a code on a new attempt; :func:`resend_code`
another one; :func:`confirm_code` hands the code to a flow (verification, recovery,
guardian) as its :data:`~.core.attempts.ResultSource`: the flow then applies every rule of
its ``certifications/`` to what PortOne's confirm answers, through the same code.

The 7th digit of the resident number and the code reach PortOne in the request that needs
them and are never stored, logged or cached: they travel in an
:class:`~.portone.OtpRequest` or a :class:`CodeConfirmation`, whose ``repr`` hides them,
and every function that touches them hides its locals from error reports.
What an attempt remembers: how many codes it sent and tried, when it last sent, the phone's
keyed hash and what PortOne's send answered (V1's ``imp_uid``). Limits: ``OTP_MAX_SENDS``,
``OTP_RESEND_COOLDOWN``, ``OTP_MAX_WRONG`` on the attempt (conditional UPDATEs, so concurrent
requests cannot pass them); daily caps in the cache (:func:`.limits.charge_otp_send`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_variables
from rest_framework.exceptions import APIException

from . import crypto, metrics
from .conf import app_settings
from .core.attempts import MERCHANT_UID_MAX_LENGTH, requesters_attempt, usable
from .exceptions import (
    CertificationNotFound,
    CertificationUsed,
    InvalidRequest,
    OtpAlreadyVerified,
    OtpCodeRejected,
    OtpExhausted,
    OtpLimitReached,
    OtpNotSent,
    OtpPersonRejected,
    OtpResendTooSoon,
    OtpUnavailable,
    PortOneCertError,
    ServiceUnavailable,
    error_class_name,
)
from .limits import charge_otp_send
from .models import CertificationAttempt
from .portone import Certification, OtpRequest, get_client
from .throttling import client_address, client_key

logger = logging.getLogger("django_portone_cert")

T = TypeVar("T")
#: The V1 ``imp_uid`` a code is confirmed on when the send was refused (PortOne issues no
#: such id, so it answers 404 as for a wrong code): the same requests as a sent code's.
NEVER_SENT = "imp_000000000000"
#: What the person types; ``media_type`` (KCP) is optional.
PERSON_FIELDS = ("name", "phone", "birth_date", "gender_digit", "carrier", "method")


@dataclass(frozen=True)
class CodeSent:
    """What ``otp/`` answers: the attempt to confirm on, when a resend is allowed."""

    attempt_id: str
    resend_after: int
    expires_at: datetime


@sensitive_variables()
def otp_request(data: Mapping[str, Any], request: HttpRequest) -> OtpRequest:
    """The person's typed data (validated) as PortOne's send takes it, with the site's
    channel, the client's address (``ipAddress``) and KCP's ``media_type``."""
    kcp = app_settings.OTP_PROVIDER == "kcp"
    if data["method"] == "APP" and not kcp:
        raise OtpUnavailable()  # PASS push is KCP's alone
    return OtpRequest(
        name=data["name"],
        phone=data["phone"],
        birth_date=data["birth_date"],
        gender_digit=data["gender_digit"],
        carrier=data["carrier"],
        method=data["method"],
        ip_address=client_address(request),
        channel_key=app_settings.CHANNEL_KEY or "",
        company=app_settings.COMPANY or "",
        media_type=(data.get("media_type") or app_settings.OTP_MEDIA_TYPE) if kcp else "",
    )


#: What a pre-send hook may raise to answer the requester itself.
HOOK_ANSWERS = (APIException, Http404, PermissionDenied, PortOneCertError)


@sensitive_variables()
def run_hook(request: HttpRequest, person: OtpRequest) -> None:
    """``OTP_PRE_SEND_HOOK(request, person)``: False refuses (``otp_unavailable``); a DRF
    error (or Django's ``PermissionDenied``, ``Http404``) it raises goes to the requester as
    it is. Anything else it raises fails closed: ``service_unavailable``, nothing sent, and
    only the error's class logged (the hook's frames hold the person)."""
    path = app_settings.OTP_PRE_SEND_HOOK
    if not path:
        return
    try:
        allowed = import_string(path)(request, person)
    except HOOK_ANSWERS:
        raise
    except Exception as error:
        logger.error("OTP_PRE_SEND_HOOK failed (%s): no code is sent.", error_class_name(error))
        raise ServiceUnavailable() from None
    if allowed is False:
        raise OtpUnavailable()


def _charge(person_hash: str, user: Any, request: HttpRequest, method: str) -> None:
    try:
        charge_otp_send(
            phone_hash=person_hash,
            client=client_key(client_address(request)),
            user_pk=getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None,
        )
    except OtpLimitReached:
        metrics.record_otp_send(method=method, outcome="limited")
        raise


def _record_send(attempt: CertificationAttempt, *, first: bool) -> None:
    """Take one of the attempt's ``OTP_MAX_SENDS``, after ``OTP_RESEND_COOLDOWN``: one
    conditional UPDATE, so concurrent resends cannot both pass."""
    now = timezone.now()
    allowed = CertificationAttempt.objects.filter(
        pk=attempt.pk, otp_sends__lt=app_settings.OTP_MAX_SENDS
    ).exclude(status=CertificationAttempt.Status.VERIFIED)
    if not first:
        allowed = allowed.filter(
            Q(otp_sent_at__isnull=True) | Q(otp_sent_at__lte=now - app_settings.OTP_RESEND_COOLDOWN)
        )
    if not allowed.update(otp_sends=F("otp_sends") + 1, otp_sent_at=now):
        attempt.refresh_from_db()
        if attempt.status == CertificationAttempt.Status.VERIFIED:
            raise CertificationUsed()
        if attempt.otp_sends >= app_settings.OTP_MAX_SENDS:
            raise OtpExhausted()
        raise OtpResendTooSoon()


def _v2() -> bool:
    return app_settings.API_VERSION == "v2"


def _cooldown() -> int:
    return int(app_settings.OTP_RESEND_COOLDOWN.total_seconds())


@sensitive_variables()
def _send(attempt: CertificationAttempt, person: OtpRequest | None, *, first: bool) -> str:
    """PortOne's send (or resend); the id to confirm with, "" when nothing was sent.

    A send refused for the person's data answers as a sent one (no oracle: whether a name,
    birth date and phone belong together is the person's to know); its confirm is refused
    as a wrong code.
    """
    client = get_client()
    method = person.method if person is not None else ""
    try:
        if first and person is not None:
            result_id = client.send_otp(attempt.merchant_uid, person)
        else:
            # On the attempt's id, whatever the first send answered: V1 then sends again
            # without looking up the last ``imp_uid``, V2 asks PortOne even when the first
            # send was refused; a refused person costs the requests a sent code costs.
            result_id = client.resend_otp(attempt.merchant_uid, person)
    except (OtpPersonRejected, OtpNotSent, CertificationNotFound):
        metrics.record_otp_send(method=method, outcome="failed")
        return attempt.otp_result_id if not first else ""
    except OtpLimitReached:
        metrics.record_otp_send(method=method, outcome="limited")
        raise
    except Exception:
        metrics.record_otp_send(method=method, outcome="failed")
        raise
    metrics.record_otp_send(method=method, outcome="sent" if first else "resent")
    return str(result_id)


@sensitive_variables()
def send_code(
    person: OtpRequest,
    *,
    user: Any,
    request: HttpRequest,
    start: Callable[[], CertificationAttempt],
) -> CodeSent:
    """``otp/``: a new attempt (``start()``, the purpose's own) and a code sent to ``person``.

    Refused before anything is sent: by the pre-send hook, or over a daily cap (``otp_limited``).
    """
    run_hook(request, person)
    phone_hash = crypto.keyed_hash(person.phone)
    _charge(phone_hash, user, request, person.method)
    attempt = start()
    CertificationAttempt.objects.filter(pk=attempt.pk).update(otp_phone_hash=phone_hash)
    attempt.otp_phone_hash = phone_hash
    _record_send(attempt, first=True)
    result_id = _send(attempt, person, first=True)
    CertificationAttempt.objects.filter(pk=attempt.pk).update(otp_result_id=result_id)
    return CodeSent(
        attempt_id=attempt.merchant_uid, resend_after=_cooldown(), expires_at=attempt.expires_at
    )


def _valid_attempt_id(attempt_id: object) -> str:
    if (
        not isinstance(attempt_id, str)
        or not attempt_id.isalnum()
        or len(attempt_id) > MERCHANT_UID_MAX_LENGTH
    ):
        raise InvalidRequest()
    return attempt_id


@sensitive_variables()
def resend_code(
    attempt_id: str, *, user: Any, request: HttpRequest, person: OtpRequest | None
) -> int:
    """``otp/<attempt_id>/resend/``: another code for the requester's attempt; the seconds
    before the next. V1 has no resend: its send runs again, so ``person`` is needed (the
    same phone the attempt was sent to); V2 resends on the attempt alone."""
    attempt = usable(requesters_attempt(user, _valid_attempt_id(attempt_id), request))
    if attempt.otp_confirms >= app_settings.OTP_MAX_WRONG or not attempt.otp_sends:
        raise OtpExhausted()
    v1 = not _v2()
    if v1 and person is None:
        raise InvalidRequest()
    if person is not None and crypto.keyed_hash(person.phone) != attempt.otp_phone_hash:
        # Only to the phone the attempt was sent (and counted) for, on either version: a
        # refused first send resent to another number would text it on this one's cap.
        raise InvalidRequest()
    if person is not None:
        run_hook(request, person)
    _record_send(attempt, first=False)
    _charge(attempt.otp_phone_hash, user, request, person.method if person else "")
    # Sent again when the first send was refused or failed on the way and the person is
    # given (V1 always gives it); else resent on the attempt's id (V2).
    first = not attempt.otp_result_id and person is not None
    result_id = _send(attempt, person if v1 or first else None, first=first)
    CertificationAttempt.objects.filter(pk=attempt.pk).update(otp_result_id=result_id)
    return _cooldown()


class CodeConfirmation:
    """The person's code as a flow's result source: PortOne's confirm instead of a lookup.

    Each confirm takes one of the attempt's ``OTP_MAX_WRONG`` tries first (one conditional
    UPDATE, so concurrent guesses cannot pass the limit); a wrong code answers
    ``otp_invalid``, the last one ``otp_exhausted`` and burns the attempt.
    """

    __slots__ = ("_code",)

    def __init__(self, code: str) -> None:
        self._code = code

    def __repr__(self) -> str:
        return "CodeConfirmation(<redacted>)"

    @sensitive_variables()
    def __call__(self, attempt: CertificationAttempt, result_id: str) -> Certification:
        tried = CertificationAttempt.objects.filter(
            pk=attempt.pk, otp_confirms__lt=app_settings.OTP_MAX_WRONG
        ).update(otp_confirms=F("otp_confirms") + 1)
        if not tried:
            raise OtpExhausted()
        attempt.refresh_from_db(fields=["otp_confirms", "otp_result_id"])
        last = attempt.otp_confirms >= app_settings.OTP_MAX_WRONG
        # Confirmed at PortOne even when the send was refused (PortOne then refuses the
        # code): a refused person costs the request a sent code costs. V2 on the attempt's
        # id; V1 on the send's imp_uid, or one PortOne never issues (it answers 404).
        result_id = attempt.merchant_uid if _v2() else attempt.otp_result_id or NEVER_SENT
        try:
            return get_client().confirm_otp(result_id, self._code)
        except (OtpCodeRejected, OtpNotSent, CertificationNotFound):
            raise (OtpExhausted() if last else OtpCodeRejected()) from None
        except OtpAlreadyVerified:
            raise CertificationUsed() from None


@sensitive_variables()
def confirm_code(
    flow: Callable[..., T], code: CodeConfirmation, *, attempt_id: str, **context: Any
) -> T:
    """``otp/<attempt_id>/confirm/``: ``flow`` (``verify_certification``, ``recover``, a
    guardian's consent…) on the attempt, its result read by confirming ``code`` at PortOne."""
    attempt_id = _valid_attempt_id(attempt_id)
    return flow(imp_uid=attempt_id, merchant_uid=attempt_id, source=code, **context)
