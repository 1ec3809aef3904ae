from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    identity = getattr(request.user, "verified_identity", None)
    return render(request, "demo/home.html", {"identity": identity})


def _is_verified(user: object) -> bool:
    return hasattr(user, "verified_identity")


@login_required
@user_passes_test(_is_verified, login_url="home")
def verified_members(request: HttpRequest) -> HttpResponse:
    return render(
        request, "demo/page.html", {"title": "본인인증 회원 전용", "body": "Verified members only."}
    )
