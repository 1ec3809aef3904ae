"""django-allauth: sign-up requires a 본인인증, and the password reset page links to recovery.

``ACCOUNT_FORMS = {"signup": "django_portone_cert.contrib.allauth.VerifiedSignupForm"}`` and
``ACCOUNT_ADAPTER = "django_portone_cert.contrib.allauth.VerifiedSignupAdapter"`` (or the two
mixins on your own form and adapter). The form refuses a sign-up without a waiting verification
(:func:`~django_portone_cert.signup.pending_verification`) or by a person who already has an
account; the adapter's ``save_user`` claims the verification for the new user in the same
transaction (:func:`~django_portone_cert.signup.claim_verification`). Needs
``ANONYMOUS_VERIFICATION`` and allauth's ``AccountMiddleware`` (which allauth requires anyway).

Social sign-ups (``allauth.socialaccount``: Kakao, Naver, Google…) pass neither the form nor the
account adapter's claim: ``SOCIALACCOUNT_ADAPTER =
"django_portone_cert.contrib.allauth.VerifiedSocialSignupAdapter"`` (or its mixin) gives them the
same rule. Check ``portone_cert.W013`` warns while it is missing.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from ..exceptions import ChildNotAllowed, IdentityInUse, NoPendingVerification
from ..models import VerifiedIdentity
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


class VerifiedSocialSignupAdapterMixin:
    """Put before allauth's ``DefaultSocialAccountAdapter``: a social login that would create an
    account needs a waiting verification of a person without an account, and the new user and
    the claim are one transaction. Logging in with a social account already connected is
    untouched.

    Refusing, it raises allauth's ``ImmediateHttpResponse``: without a verification (or once the
    claim fails) the visitor goes to :meth:`get_verification_url`; a person who already has an
    account goes to the login page, with a message, to log in and connect the social account
    there. With ``allauth.headless`` the sign-up is closed instead (allauth answers
    ``signup_closed``). Nothing is created either way.
    """

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        pending = pending_verification(request)
        if pending is None or pending.has_account:
            if getattr(sociallogin, "is_headless", False):
                return False  # an app, not a browser to redirect
            if pending is None:
                raise ImmediateHttpResponse(redirect(self.get_verification_url(request)))
            raise _to_login(request)
        return bool(super().is_open_for_signup(request, sociallogin))  # type: ignore[misc]

    def get_verification_url(self, request: HttpRequest) -> str:
        """The verify page, back to the login page to choose the provider again (verified,
        the social sign-up goes through). Override to send the visitor elsewhere."""
        query = urlencode({"next": reverse("account_login")})
        return f"{reverse('portone_cert:verify')}?{query}"

    def save_user(self, request: HttpRequest, sociallogin: Any, form: Any = None) -> Any:
        try:
            with transaction.atomic():
                user = super().save_user(request, sociallogin, form)  # type: ignore[misc]
                # An account adapter with VerifiedSignupAdapterMixin may have claimed already.
                if not VerifiedIdentity.objects.filter(user_id=user.pk).exists():
                    claim_verification(request, user)
        except IdentityInUse as err:
            raise _to_login(request) from err
        except (NoPendingVerification, ChildNotAllowed) as err:
            raise ImmediateHttpResponse(redirect(self.get_verification_url(request))) from err
        return user


class VerifiedSocialSignupAdapter(VerifiedSocialSignupAdapterMixin, DefaultSocialAccountAdapter):
    """allauth's social account adapter: a social sign-up requires a 본인인증 too."""


def _to_login(request: HttpRequest) -> ImmediateHttpResponse:
    """The person has an account: log in to it (and connect the social account there)."""
    messages.error(request, IdentityInUse.default_message, fail_silently=True)
    return ImmediateHttpResponse(redirect("account_login"))
