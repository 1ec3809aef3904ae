"""The guardian's link: made (by the site, or by the child's own ask), found, and shown.

Only a hash of a link's token is kept; the link itself goes to the site once, through
``guardian_consent_requested``, built under ``SITE_URL`` (never the request's ``Host``:
a link sent to a parent must lead to this site). One live link per child; the child's
asks are bounded (``GUARDIAN_DAILY_LINKS``), since each one is a message the site pays for.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .conf import app_settings
from .core.attempts import database_guard
from .exceptions import (
    ConfigurationError,
    ConsentNotNeeded,
    ConsentRequestExpired,
    ConsentRequestLimited,
)
from .gates import counts_as_verified, needs_guardian_consent
from .masking import mask_name
from .models import GuardianConsent, GuardianConsentRequest, VerifiedIdentity
from .signals import guardian_consent_requested

#: A child's new ask inside this interval gets the link just made (nothing new is sent).
ASK_INTERVAL = timedelta(minutes=1)
#: ``GUARDIAN_DAILY_LINKS`` counts the links made for a child in this window.
ASK_WINDOW = timedelta(days=1)

#: What the guardian confirms before verifying; stored, as shown, on the consent.
#: 본인인증 proves who the guardian is, not that they are the child's 법정대리인: they say so.
ATTESTATION = _(
    "I am the legal guardian (법정대리인) of %(child)s, and I consent to %(site)s "
    "processing %(child)s's personal data."
)

#: A link's secret: 32 random bytes, url-safe base64 (43 characters); anything else names none.
TOKEN_BYTES = 32
TOKEN_RE = re.compile(r"\A[A-Za-z0-9_-]{43}\Z")


def token_hash(token: str) -> str:
    """The stored form of a link's token: the link alone carries the secret."""
    return hashlib.sha256(token.encode()).hexdigest()


def guardian_link(token: str) -> str:
    """The guardian's page for ``token``, under ``SITE_URL``, never the request's ``Host``.

    The same with or without a request: the path is taken without the request's script
    prefix (``SITE_URL`` includes the path the site is served below, if any).
    """
    path = reverse("portone_cert:guardian", kwargs={"token": token})
    prefix = get_script_prefix()
    if path.startswith(prefix):
        path = "/" + path[len(prefix) :]
    return app_settings.SITE_URL + path


def site_name(request: HttpRequest | None) -> str:
    """How the guardian's page names the site: ``COMPANY``, else ``SITE_URL``'s host."""
    if app_settings.COMPANY:
        return app_settings.COMPANY
    try:
        return urlsplit(app_settings.SITE_URL).netloc
    except ConfigurationError:  # the check says it (E053)
        return request.get_host() if request is not None else ""


def attestation_sentence(child_name: str, site: str) -> str:
    """The sentence the guardian confirms, in the active language (``child_name`` masked)."""
    return str(ATTESTATION) % {"child": child_name, "site": site}


def request_guardian_consent(
    child: Any, *, request: HttpRequest | None = None
) -> GuardianConsentRequest:
    """A one-time, expiring link for ``child``'s guardian (``.url``, ``.expires_at``).

    ``.url`` is absolute, under ``SITE_URL``, with or without ``request``.
    ``guardian_consent_requested`` carries it, for the site to send by its own channel
    (e-mail, SMS, 알림톡). The child's earlier unused links stop working: one live link
    per child.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    url = guardian_link(token)  # without SITE_URL nothing is made
    now = timezone.now()
    with transaction.atomic():
        # Links for one child are made one at a time, on the child's identity row.
        identities = VerifiedIdentity.objects.select_for_update().filter(user_id=child.pk)
        if identities.values_list("pk", flat=True).first() is None:
            raise ValueError("The child has no verified identity: verify first.")
        _retire_links(child.pk, now)
        consent_request = GuardianConsentRequest.objects.create(
            child=child,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + app_settings.GUARDIAN_REQUEST_TTL,
        )
    consent_request.url = url
    transaction.on_commit(
        lambda: guardian_consent_requested.send(
            sender=GuardianConsentRequest,
            child=child,
            consent_request=consent_request,
            url=url,
            request=request,
        )
    )
    return consent_request


def _retire_links(child_pk: Any, now: datetime) -> None:
    GuardianConsentRequest.objects.filter(
        child_id=child_pk, used_at__isnull=True, expires_at__gt=now
    ).update(expires_at=now)


def ask_guardian_consent(child: Any, *, request: HttpRequest) -> GuardianConsentRequest:
    """``guardian/request/``: the child's own ask, only while a consent is required.

    Each link costs the site a message, so: a link made in the last ``ASK_INTERVAL``
    stands (returned with an empty ``.url``: nothing new is sent); otherwise a new one
    retires the old, at most ``GUARDIAN_DAILY_LINKS`` in 24 hours. Concurrent asks wait
    for each other on the child's identity row, so they make one link.
    """
    now = timezone.now()
    with database_guard(), transaction.atomic():
        identity = (
            VerifiedIdentity.objects.select_for_update()
            .filter(user_id=child.pk)
            .only("id", "user_id", "birth_date", "provider")
            .first()
        )
        # As the gates see the child: verified (a sandbox identity only in sandbox mode),
        # and held back for want of a consent.
        if (
            identity is None
            or not counts_as_verified(identity)
            or not needs_guardian_consent(identity)
        ):
            raise ConsentNotNeeded()
        links = GuardianConsentRequest.objects.filter(
            child_id=child.pk, created_at__gt=now - ASK_WINDOW
        )
        recent = links.filter(
            used_at__isnull=True, expires_at__gt=now, created_at__gt=now - ASK_INTERVAL
        ).first()
        if recent is not None:
            return recent
        if links.count() >= app_settings.GUARDIAN_DAILY_LINKS:
            raise ConsentRequestLimited()
        return request_guardian_consent(child, request=request)


def find_request(token: str) -> GuardianConsentRequest | None:
    """The request a link names, used or not, live or not (None if there is none)."""
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        return None
    return (
        GuardianConsentRequest.objects.select_related("child")
        .filter(token_hash=token_hash(token))
        .first()
    )


def live_request(token: str) -> GuardianConsentRequest:
    consent_request = find_request(token)
    if consent_request is None or not consent_request.is_live():
        raise ConsentRequestExpired()
    return consent_request


def live_consent_for(consent_request: GuardianConsentRequest | None) -> GuardianConsent | None:
    """The unrevoked consent a used link recorded, if any."""
    if consent_request is None or consent_request.used_at is None:
        return None
    return GuardianConsent.objects.filter(request=consent_request, revoked_at__isnull=True).first()


@dataclass(frozen=True)
class PageState:
    """What ``guardian/<token>/`` (or ``revoke/``) may show: the child only while usable."""

    usable: bool
    consent: GuardianConsent | None
    child_name: str
    attestation: str


def page_state(token: str, *, revoke: bool, request: HttpRequest) -> PageState:
    consent_request = find_request(token)
    consent = live_consent_for(consent_request)
    usable = consent is not None if revoke else bool(consent_request and consent_request.is_live())
    if not usable or consent_request is None:
        return PageState(usable=False, consent=consent, child_name="", attestation="")
    identity = VerifiedIdentity.objects.filter(user_id=consent_request.child_id).only("name")
    child = identity.first()
    child_name = mask_name(child.name) if child else ""
    attestation = attestation_sentence(child_name, site_name(request))
    return PageState(usable=True, consent=consent, child_name=child_name, attestation=attestation)
