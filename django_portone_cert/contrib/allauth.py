"""django-allauth: sign-up requires a 본인인증, and the password reset page links to recovery.

``ACCOUNT_FORMS = {"signup": "django_portone_cert.contrib.allauth.VerifiedSignupForm"}`` and
``ACCOUNT_ADAPTER = "django_portone_cert.contrib.allauth.VerifiedSignupAdapter"`` (or the two
mixins on your own form and adapter). The form refuses a sign-up without a waiting verification
(:func:`~django_portone_cert.signup.pending_verification`) or by a person who already has an
account; the adapter's ``save_user`` claims the verification for the new user in the same
transaction (:func:`~django_portone_cert.signup.claim_verification`). Needs
``ANONYMOUS_VERIFICATION`` and allauth's ``AccountMiddleware`` (which allauth requires anyway).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from django import forms
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect

from ..exceptions import ChildNotAllowed, IdentityInUse, NoPendingVerification
from ..signup import PendingVerification, claim_verification, pending_verification


class VerifiedSignupFormMixin:
    """Put before allauth's ``SignupForm``: valid only with a waiting verification of a person
    who has no account yet. The verification is on ``form.pending_verification``."""

    pending_verification: PendingVerification | None = None

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        request = context.request
        pending = pending_verification(request) if request is not None else None
        if pending is None:
            raise forms.ValidationError(
                NoPendingVerification.default_message, code=NoPendingVerification.code
            )
        if pending.has_account:
            raise forms.ValidationError(IdentityInUse.default_message, code=IdentityInUse.code)
        self.pending_verification = pending
        return cleaned


class VerifiedSignupForm(VerifiedSignupFormMixin, SignupForm):
    """allauth's sign-up form, for a person who verified first."""


class VerifiedSignupAdapterMixin:
    """Put before allauth's ``DefaultAccountAdapter``: the new user and the claim of the
    verification are one transaction. Should the claim fail (the verification expired, or the
    person got an account meanwhile: the database decides), no user is created and the visitor
    is sent back to the sign-up page, whose form says why."""

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        if not commit:
            # A caller that saves later (a social sign-up) claims itself.
            return super().save_user(request, user, form, commit=commit)  # type: ignore[misc]
        try:
            with transaction.atomic():
                saved = super().save_user(request, user, form, commit=True)  # type: ignore[misc]
                claim_verification(request, saved or user)
        except (NoPendingVerification, IdentityInUse, ChildNotAllowed) as err:
            raise ImmediateHttpResponse(redirect("account_signup")) from err
        return saved or user


class VerifiedSignupAdapter(VerifiedSignupAdapterMixin, DefaultAccountAdapter):
    """allauth's adapter, claiming the verification for each new account."""
