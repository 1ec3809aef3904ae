"""User-facing messages shared by the gates, the API and the verify page."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .exceptions import (
    ERROR_CLASSES,
    CertificationUsed,
    PortOneAPIError,
    PortOneTimeout,
    PortOneUnavailable,
)

#: Why a gate refused, by the code the DRF permission answers with.
GATE_MESSAGES: dict[str, str | Promise] = {
    "identity_required": _("Identity verification is required."),
    "reverification_required": _("Your identity verification has expired. Please verify again."),
    "age_too_low": _("You are not old enough to use this page."),
    "guardian_consent_required": _(
        "Your guardian's consent is required: children under 14 need it to use this page."
    ),
}

#: What only the browser can run into.
PAGE_MESSAGES: dict[str, str | Promise] = {
    "starting": _("Opening the identity verification window…"),
    "checking": _("Checking the verification result…"),
    "success": _("Verified. Taking you back…"),
    "cancelled": _("The identity verification was cancelled or failed."),
    "popup_blocked": _(
        "Your browser blocked the identity verification window. Allow pop-ups for this site, "
        "or press the button again."
    ),
    "network": _("The server could not be reached. Check your connection and try again."),
    "throttled": _("Too many attempts. Please wait a moment and try again."),
    "not_authenticated": _("Please log in again."),
    "error": _("Something went wrong. Please try again."),
    # A redirect landing with ids this browser did not send to PortOne (a link from elsewhere).
    "not_sent_here": _(
        "This page did not start that identity verification. Press the button to verify."
    ),
}

#: What the page says when PortOne's browser SDK reports a failure, by the SDK's ``code``
#: (V2's IdentityVerificationError codes). The SDK's own ``message`` is never shown, nor is
#: any text of a redirect landing's address: anyone can write one. Any other code gets the
#: generic ``cancelled``; so does V1, whose ``error_code`` values are not documented.
PORTONE_FAILURE_MESSAGES: dict[str, str | Promise] = {
    "Cancelled": _("The identity verification was cancelled."),
    "PGProviderError": _(
        "The identity verification provider could not verify you. Check what you entered and "
        "try again."
    ),
    "IdentityVerificationAlreadyVerified": CertificationUsed.default_message,
    "ResourceExhausted": PAGE_MESSAGES["throttled"],
    "DeadlineExceeded": PortOneTimeout.default_message,
    "Unavailable": PortOneUnavailable.default_message,
    "Internal": PortOneAPIError.default_message,
    "Unknown": PortOneAPIError.default_message,
    "UnknownError": PortOneAPIError.default_message,
}


def verify_page_messages() -> dict[str, str]:
    """Every message the verify page may show, by code, in the active language."""
    messages: dict[str, str | Promise] = {
        code: cls.default_message for code, cls in ERROR_CLASSES.items()
    }
    messages.update(GATE_MESSAGES)
    messages.update(PAGE_MESSAGES)
    messages.update({f"portone:{code}": text for code, text in PORTONE_FAILURE_MESSAGES.items()})
    return {code: str(text) for code, text in messages.items()}


#: What the recovery page shows besides the verify page's messages.
RECOVERY_PAGE_MESSAGES: dict[str, str | Promise] = {
    "success": _("Verified."),
    "accounts_found": _("Your accounts:"),
    "no_accounts": _("There is no account for this person."),
    "joined": _("joined"),
    "reset_password": _("Set a new password"),
    # An account recovery offers no link for: staff (RECOVERY_INCLUDE_STAFF off) or no usable
    # password. The page does not say which.
    "no_reset_link": _("The password of this account cannot be reset here. Please contact us."),
}

#: The guardian's page shows the outcome itself and stays: no "taking you back".
GUARDIAN_PAGE_MESSAGES: dict[str, str | Promise] = {"success": _("Verified.")}
