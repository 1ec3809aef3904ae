"""Resume (V2): complete a verification whose browser never came back.

A person finishes in PASS (or the provider's page) on their phone and the browser never
returns to the site: PortOne holds a VERIFIED result that nobody posted to
``certifications/``. On V2 the server minted the result's id itself, so it can ask PortOne
about the requester's latest attempt and finish it through :func:`verify_certification`,
under every rule ``certify`` applies. V1 cannot: its result id (``imp_uid``) is PortOne's and
there is no lookup by ``merchant_uid``.

Only ordinary verifications (sign-in and sign-up) resume. Recovery and guardian attempts
serve their own pages, which show their outcome there and then; a person whose browser
never came back to one of those starts it again.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.decorators.debug import sensitive_variables

from .conf import app_settings
from .core.attempts import VERIFICATION, latest_attempt
from .exceptions import (
    NotCertified,
    PortOneAPIError,
    PortOneTimeout,
    PortOneUnavailable,
    ServiceUnavailable,
)
from .models import CertificationAttempt
from .verification import Verification, verify_certification

#: The failures a later lookup may turn into a success: PortOne said READY, or could not
#: answer. Any other refusal stands, and the verify page does not try the attempt again.
MAY_STILL_SUCCEED = frozenset(
    {
        "",
        NotCertified.code,
        PortOneAPIError.code,
        PortOneUnavailable.code,
        PortOneTimeout.code,
        ServiceUnavailable.code,
    }
)


def resumable_attempt(user: Any, request: HttpRequest | None) -> CertificationAttempt | None:
    """The requester's latest unexpired verification attempt on V2, whatever its status
    (a spent one is refused as a replay by the rules); None on V1."""
    if app_settings.API_VERSION != "v2":
        return None
    return latest_attempt(user, request, VERIFICATION)


def attempt_worth_resuming(user: Any, request: HttpRequest | None) -> CertificationAttempt | None:
    """The attempt the verify page should try ``resume/`` for when it opens: the latest one,
    unspent, with lookups left and not refused for good; else None."""
    attempt = resumable_attempt(user, request)
    if (
        attempt is None
        or attempt.status == CertificationAttempt.Status.VERIFIED
        or attempt.failure_code not in MAY_STILL_SUCCEED
        or attempt.lookups >= app_settings.ATTEMPT_MAX_LOOKUPS
    ):
        return None
    return attempt


@sensitive_variables()
def resume_verification(*, user: Any, request: HttpRequest | None = None) -> Verification | None:
    """Finish the requester's latest V2 attempt as ``certifications/`` would have.

    None when there is none to resume (none unexpired, or V1). Otherwise exactly
    :func:`verify_certification` on the attempt's own id: the same binding, lookup budget,
    replay refusal (``certification_used``), ``not_certified`` while PortOne says READY.
    """
    attempt = resumable_attempt(user, request)
    if attempt is None:
        return None
    return verify_certification(
        user=user,
        imp_uid=attempt.merchant_uid,
        merchant_uid=attempt.merchant_uid,
        request=request,
    )
