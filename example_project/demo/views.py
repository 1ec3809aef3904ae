from typing import Any

from django.contrib.auth import login
from django.contrib.auth.forms import UserCreationForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from django_portone_cert import ages
from django_portone_cert import signup as signup_service
from django_portone_cert.conf import app_settings
from django_portone_cert.decorators import age_required, identity_required
from django_portone_cert.exceptions import ChildNotAllowed, IdentityInUse, NoPendingVerification
from django_portone_cert.gates import get_identity
from django_portone_cert.guardians import guardian_consent_state
from django_portone_cert.mixins import AgeRequiredMixin
from django_portone_cert.sandbox import sandbox_enabled

#: The sandbox's page of the codes it "texted" (sandbox mode only).
SANDBOX_CODES = "portone_cert:sandbox-otp"

#: Where the demo keeps the guardian's link: a real site sends it (e-mail, SMS, 알림톡).
GUARDIAN_LINK = "demo_guardian_link"


def show_guardian_link(sender: Any, url: str, request: Any = None, **kwargs: Any) -> None:
    """``guardian_consent_requested``: the demo shows the link on its home page instead."""
    if request is not None:
        request.session[GUARDIAN_LINK] = url


def home(request: HttpRequest) -> HttpResponse:
    identity = get_identity(request.user)
    return render(
        request,
        "demo/home.html",
        {
            "identity": identity,
            "guardian_consent": guardian_consent_state(request.user) if identity else None,
            "guardian_link": request.session.get(GUARDIAN_LINK),
        },
    )


@identity_required
def verified_members(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "demo/page.html",
        {
            "title": "본인인증 회원 전용",
            "body": "본인인증한 회원이면 나이와 상관없이 볼 수 있습니다.",
        },
    )


@age_required(ages.ADULT_CONTENT)  # 19, 연 나이 (청소년보호법)
def adult_only(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "demo/page.html",
        {
            "title": "19세 이상 (청소년 이용불가)",
            "body": "청소년보호법에 따라 올해 19세가 되는 사람부터(연 나이) 볼 수 있습니다.",
        },
    )


class FourteenPlusView(AgeRequiredMixin, TemplateView):
    """A page for 만 14세 and older (the age below which PIPA needs a guardian's consent)."""

    min_age = ages.PERSONAL_DATA_CONSENT.min_age
    age_rule = ages.PERSONAL_DATA_CONSENT.rule
    template_name = "demo/page.html"
    extra_context = {
        "title": "만 14세 이상",
        "body": "만 14세 생일부터(만 나이) 볼 수 있습니다.",
    }


def sms(request: HttpRequest) -> HttpResponse:
    """문자로 인증: a plain form on the in-app API (otp/ → the code → otp/<id>/confirm/)."""
    sandbox = sandbox_enabled()
    codes_url = None
    if sandbox:
        try:
            codes_url = reverse(SANDBOX_CODES)
        except NoReverseMatch:
            codes_url = None
    return render(
        request,
        "demo/sms.html",
        {
            "otp_enabled": app_settings.OTP_ENABLED,
            "sandbox": sandbox,
            "sandbox_codes_url": codes_url,
        },
    )


def signup(request: HttpRequest) -> HttpResponse:
    """회원가입 본인인증: verify first (as a visitor), then create the account and claim it."""
    pending = signup_service.pending_verification(request)
    if pending is None:
        return render(
            request,
            "demo/signup.html",
            {"step": "verify", "child_policy": app_settings.CHILD_POLICY},
        )
    if pending.has_account:
        return render(request, "demo/signup.html", {"step": "already_registered"})
    form = UserCreationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                signup_service.claim_verification(request, user)
        except NoPendingVerification:
            return redirect("signup")
        except IdentityInUse:
            return render(request, "demo/signup.html", {"step": "already_registered"})
        except ChildNotAllowed:
            return render(request, "demo/signup.html", {"step": "child_refused"})
        login(request, user)
        return redirect("home")
    return render(
        request,
        "demo/signup.html",
        {
            "step": "form",
            "form": form,
            "pending": pending,
            "needs_guardian": app_settings.CHILD_POLICY == "guardian"
            and pending.age(rule="full") < app_settings.CHILD_AGE,
        },
    )
