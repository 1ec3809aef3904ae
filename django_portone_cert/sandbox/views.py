"""Sandbox mode: the fake PortOne served by the site itself, for development and demos.

With ``PORTONE_CERT["SANDBOX"] = True`` (and ``DEBUG``), these views answer
under ``sandbox/``: PortOne's REST API for the real client, a stand-in for
PortOne's browser SDK (``IMP.init`` / ``IMP.certification``) and the popup
where a tester types who they are, and the codes the fake texted for the API 본인인증
(``otp/``). Otherwise every sandbox URL is a 404.
State lives in the ``CACHE`` alias, so all workers sharing that cache agree.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt

from ..ages import KST
from ..conf import app_settings
from ..masking import mask_phone
from ..portone.fake.api import FakePortOne
from ..portone.fake.people import CARRIERS, PROVIDERS
from ..portone.fake.store import CacheStore
from . import sandbox_enabled

CANCEL_MESSAGE = "사용자가 본인인증을 취소하였습니다."
FAIL_MESSAGE = "본인인증에 실패하였습니다."
#: V2: what the browser SDK appends to the redirect URL for the popup's outcomes (the popup
#: hands the SDK stand-in its own codes; sdk.js maps them alike).
V2_SDK_CODES = {
    "IDENTITY_VERIFICATION_FAILED": "PGProviderError",
    "IDENTITY_VERIFICATION_CANCELLED": "Cancelled",
}


def sandbox_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not sandbox_enabled():
            raise Http404("sandbox mode is off")
        return view(request, *args, **kwargs)

    return wrapper


def get_fake() -> FakePortOne:
    """The sandbox's fake PortOne, its state in the ``CACHE`` alias."""
    return FakePortOne(store=CacheStore(app_settings.CACHE), site="sandbox")


@csrf_exempt
@sandbox_only
def api(request: HttpRequest, path: str) -> HttpResponse:
    """PortOne's REST API (``/users/getToken``, ``/certifications/{imp_uid}``)."""
    fake = get_fake()
    answer = fake.handle(request.method or "GET", "/" + path, dict(request.headers), request.body)
    if answer.fault:
        return HttpResponse(status=502)
    response = HttpResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    return response


@sandbox_only
def sdk(request: HttpRequest) -> HttpResponse:
    """The stand-in for PortOne's browser SDKs (V1 ``IMP`` and V2 ``PortOne``)."""
    return render(
        request,
        "portone_cert/sandbox/sdk.js",
        {"popup_url": reverse("portone_cert:sandbox-certify")},
        content_type="application/javascript; charset=utf-8",
    )


@sandbox_only
def certify(request: HttpRequest) -> HttpResponse:
    """The popup (or, on phones, the page) where the tester plays the provider."""
    source = request.POST if request.method == "POST" else request.GET
    params = {
        "merchant_uid": source.get("merchant_uid", ""),
        "imp_code": source.get("imp_code", ""),
        "m_redirect_url": source.get("m_redirect_url", ""),
        "mode": "redirect" if source.get("m_redirect_url") else "popup",
        "api": "v2" if source.get("api") == "v2" else "v1",
    }
    if request.method != "POST":
        return render(
            request,
            "portone_cert/sandbox/popup.html",
            {
                **params,
                "providers": PROVIDERS,
                "carriers": CARRIERS,
                "channel": source.get("channel_key") or source.get("pg") or "",
            },
        )

    action = request.POST.get("action")
    result: dict[str, Any] = {"merchant_uid": params["merchant_uid"], "imp_uid": None}
    if action in ("complete", "fail"):
        try:
            birth_date = date.fromisoformat(request.POST.get("birth_date", ""))
        except ValueError:
            return HttpResponse("birth_date must be YYYY-MM-DD", status=400)
        provider = request.POST.get("provider", "danal")
        result["imp_uid"] = get_fake().add_certification(
            name=request.POST.get("name", "").strip() or "홍길동",
            birth_date=birth_date,
            merchant_uid=params["merchant_uid"] or None,
            provider=provider if provider in PROVIDERS else "danal",
            gender=request.POST.get("gender") or None,
            phone=request.POST.get("phone", "01012345678"),
            carrier=request.POST.get("carrier", "SKT"),
            certified=action == "complete",
            # A refusal is PortOne's FAILED (V2), not an abandoned READY.
            failure=FAIL_MESSAGE if action == "fail" else None,
            origin=request.build_absolute_uri(),
        )
    result["success"] = action == "complete"
    if action == "fail":
        result.update(error_code="F400", error_msg=FAIL_MESSAGE)
    elif action != "complete":
        result.update(error_code="F000", error_msg=CANCEL_MESSAGE)
    if params["api"] == "v2":
        result = _v2_result(result)

    redirect_to = params["m_redirect_url"]
    if redirect_to and url_has_allowed_host_and_scheme(
        redirect_to, allowed_hosts={request.get_host()}
    ):
        query = {k: v for k, v in result.items() if v is not None and k != "success"}
        if params["api"] == "v1":
            query["success"] = "true" if result["success"] else "false"
        elif "code" in query:
            query["code"] = V2_SDK_CODES[query["code"]]
        separator = "&" if "?" in redirect_to else "?"
        return HttpResponseRedirect(redirect_to + separator + urlencode(query))
    return render(request, "portone_cert/sandbox/done.html", {"result": result})


def _v2_result(result: dict[str, Any]) -> dict[str, Any]:
    """The V2 SDK's answer: the id, and ``code``/``message`` only on failure."""
    answer: dict[str, Any] = {
        "identityVerificationId": result["merchant_uid"],
        "identityVerificationTxId": f"sandbox-{result['imp_uid']}" if result["imp_uid"] else None,
    }
    if not result["success"]:
        failed = result.get("error_code") == "F400"
        answer["code"] = (
            "IDENTITY_VERIFICATION_FAILED" if failed else "IDENTITY_VERIFICATION_CANCELLED"
        )
        answer["message"] = result.get("error_msg")
    return answer


@sandbox_only
def otp_codes(request: HttpRequest) -> HttpResponse:
    """The codes the fake PortOne "texted" (API 본인인증), so a person trying the demo can
    type one: the latest per phone number, masked, newest first. Nothing is texted for real."""
    fake = get_fake()
    now = fake.now()
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for sent in fake.recent_codes():
        if sent["phone"] in seen:
            continue
        seen.add(sent["phone"])
        rows.append(
            {
                "phone": mask_phone(sent["phone"]),
                "code": sent["code"],
                "sent_at": datetime.fromtimestamp(sent["at"], KST),
                "expired": now - sent["at"] > fake.otp_code_lifetime,
            }
        )
    return render(request, "portone_cert/sandbox/otp.html", {"rows": rows})
