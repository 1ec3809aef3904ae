from __future__ import annotations
from typing import Any
import logging
import pytest
from rest_framework.test import APIClient
from rest_framework.exceptions import Throttled
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure
from tests.test_otp import PERSON, PHONE, _cool_down, _otp_on, confirm, resend_url, send

def boom(request, person):
    raise RuntimeError("hook broke")

def throttle(request, person):
    raise Throttled()

def test_hook_raises(settings, user, portone):
    c = APIClient(raise_request_exception=False); c.force_authenticate(user)
    configure(settings, OTP_PRE_SEND_HOOK="tests.test_zz_scratch.boom")
    a = send(c)
    print("HOOK RAISE", a.status_code, a["Content-Type"], a.content[:200])
    configure(settings, OTP_PRE_SEND_HOOK="tests.test_zz_scratch.throttle")
    a = send(c)
    print("HOOK THROTTLE", a.status_code, a.content[:200])
    print("sends", portone.otp_sends(PHONE))

def test_xff(settings, make_user, portone):
    configure(settings, OTP_CLIENT_DAILY_LIMIT=2)
    codes=[]
    for n in range(4):
        c = client_for(make_user())
        codes.append(send(c, phone=f"0105550100{n}", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}").status_code)
    print("XFF", codes)

@pytest.mark.parametrize("fault", ["http_500", "http_503", "html", "code_-1", "broken_json"])
def test_faults(fault, api, portone, caplog):
    caplog.set_level(logging.DEBUG)
    portone.inject(fault, endpoint="otp")
    a = send(api)
    print("SEND", fault, a.status_code, a.content[:200])
    for r in caplog.records:
        print("  LOG", r.name, r.levelname, r.getMessage()[:150], bool(r.exc_info))
