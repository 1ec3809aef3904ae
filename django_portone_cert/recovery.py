"""Account recovery (아이디 찾기 / 비밀번호 재설정) by 본인인증, while ``ACCOUNT_RECOVERY`` is on.

A visitor verifies with an attempt minted for recovery (bound to their session);
:func:`recover` reads the result through the shared core, consumes it, rotates the
session key and answers the accounts of the person with that CI, each with a one-time
link to set a new password (:func:`password_reset_url`) — except staff and superusers (unless
``RECOVERY_INCLUDE_STAFF``) and accounts without a usable password, which are listed
without one. Nothing about the person is stored; the CI never leaves this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.http import HttpRequest
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.views.decorators.debug import sensitive_variables

from .conf import app_settings
from .core.attempts import AttemptRun, ResultSource, spend
from .core.identities import delete_at_portone_after_commit
from .exceptions import CiMissing, TestChannel
from .masking import mask_username
from .models import SANDBOX_PROVIDER, CertificationAttempt, VerifiedIdentity
from .sandbox import sandbox_enabled
from .signals import accounts_found
from .tracing import traced

logger = logging.getLogger("django_portone_cert")


@dataclass(frozen=True)
class RecoveredAccount:
    """One account of the person, as shown to them: never the full username."""

    user: Any
    username: str
    date_joined: datetime | None
    #: A one-time link to set this account's password (a path, :func:`password_reset_url`),
    #: or None when recovery offers this account no link (:func:`offers_reset`).
    password_reset_url: str | None


@dataclass(frozen=True)
class Recovery:
    """What :func:`recover` found: the person's accounts (maybe none)."""

    attempt: CertificationAttempt
    accounts: list[RecoveredAccount]


@sensitive_variables("ci")
def find_accounts(ci: str) -> list[Any]:
    """The active accounts of the person with this CI, in the order they were created.

    By keyed CI hash, under the current and the fallback hash keys, so an identity
    not yet re-keyed is found too; one person may hold several accounts while
    ``ONE_ACCOUNT_PER_PERSON`` is off. Deactivated accounts are left out, and so,
    outside sandbox mode, are accounts whose identity was typed into the sandbox: it
    names no one.
    """
    if not ci:
        return []
    identities = VerifiedIdentity.objects.for_ci(ci)
    if not sandbox_enabled():
        identities = identities.exclude(provider=SANDBOX_PROVIDER)
    user_ids = list(identities.values_list("user_id", flat=True))
    users = get_user_model()._default_manager.filter(pk__in=user_ids).order_by("pk")
    # ``is_active`` may be a plain attribute of a custom user model, not a column.
    return [user for user in users if getattr(user, "is_active", True)]


#: What a reset link looks like, to find the view behind ``password_reset_confirm``.
PROBE = {"uidb64": "MQ", "token": "set-password"}


def reset_view_name() -> str:
    """The project's own ``password_reset_confirm`` if it has one, else the app's.

    Django's stock view as ``django.contrib.auth.urls`` routes it is not the project's
    own: without the project's templates it wears the admin's look ("Django 관리").
    The app's (``portone_cert:password_reset_confirm``) is that same view, Django's token
    check included, in the app's look.
    """
    try:
        view = resolve(reverse("password_reset_confirm", kwargs=PROBE)).func
    except (NoReverseMatch, Resolver404):
        return "portone_cert:password_reset_confirm"
    stock = getattr(view, "view_class", None) is auth_views.PasswordResetConfirmView
    if stock and not getattr(view, "view_initkwargs", None):
        return "portone_cert:password_reset_confirm"
    return "password_reset_confirm"


def password_reset_url(user: Any) -> str:
    """A one-time link to set a new password (uidb64, ``default_token_generator``).

    A path, not an absolute URL: nothing taken from the request's Host header goes
    into it. To :func:`reset_view_name`'s view.
    """
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse(reset_view_name(), kwargs={"uidb64": uidb64, "token": token})


def offers_reset(user: Any) -> bool:
    """Whether recovery hands this account a reset link.

    Never to an account without a usable password: Django's own reset form skips
    them (they sign in another way, or were locked on purpose). Not to staff or
    superusers unless ``RECOVERY_INCLUDE_STAFF``: whoever holds the admin's phone
    (a SIM swap, a family member) passes 본인인증 as the admin, and an admin's
    password wants a stronger path than a phone.
    """
    if not user.has_usable_password():
        return False
    privileged = getattr(user, "is_staff", False) or getattr(user, "is_superuser", False)
    return app_settings.RECOVERY_INCLUDE_STAFF or not privileged


def describe_account(user: Any) -> RecoveredAccount:
    return RecoveredAccount(
        user=user,
        username=mask_username(user.get_username()),
        date_joined=getattr(user, "date_joined", None),
        password_reset_url=password_reset_url(user) if offers_reset(user) else None,
    )


@sensitive_variables()
@traced("portone_cert.recover")
def recover(
    *,
    user: Any,
    imp_uid: str,
    merchant_uid: str,
    request: HttpRequest,
    source: ResultSource | None = None,
) -> Recovery:
    """Read a recovery result from PortOne and answer the person's accounts.

    Every rule of a verification holds (:meth:`AttemptRun.read_result`): the attempt
    is the requester's (their session), minted for recovery, unexpired, the result
    completed, fresh, unused, from the LIVE channel. A result without a CI cannot
    name anyone: ``ci_missing`` whatever ``REQUIRE_CI`` says; nor can one typed into
    the sandbox outside sandbox mode: ``test_channel``. On success the attempt
    is consumed (one use per result) and the session key rotated, so whoever held
    the session's previous key cannot replay or read anything.
    """
    with AttemptRun(user, request) as run:
        attempt, certification = run.read_result(
            imp_uid=imp_uid,
            merchant_uid=merchant_uid,
            purpose=CertificationAttempt.Purpose.RECOVERY,
            source=source,
        )
        if certification.provider == SANDBOX_PROVIDER and not sandbox_enabled():
            raise TestChannel()
        if not certification.ci:
            raise CiMissing()
        # All that can fail before the attempt is spent: an outage here is recorded on it.
        users = find_accounts(certification.ci)
        accounts = [describe_account(found) for found in users]
        spend(attempt, certification.imp_uid, request)
    logger.info("Account recovery: %d account(s) found (attempt %s).", len(accounts), attempt.pk)
    transaction.on_commit(
        lambda: accounts_found.send(
            sender=CertificationAttempt, users=users, attempt=attempt, request=request
        )
    )
    delete_at_portone_after_commit(certification.imp_uid)
    return Recovery(attempt=attempt, accounts=accounts)
