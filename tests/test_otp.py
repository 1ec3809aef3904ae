"""In-app verification by SMS code (issue 22) through the HTTP API, V1 and V2.

A code is sent, resent and confirmed for every purpose an attempt serves; the confirmed result
passes certify's rules through certify's own code; the 7th digit and the code are never kept.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure, raw_dump

SEND = "/portone-cert/otp/"
PHONE = "01055501234"
PERSON = {
    "name": "문자인",
    "phone": "010-5550-1234",
    "birth_date": "1991-03-04",
    "gender_digit": "1",
    "carrier": "KT_MVNO",
    "method": "SMS",
}


def confirm_url(attempt_id: str) -> str:
    return f"/portone-cert/otp/{attempt_id}/confirm/"


def resend_url(attempt_id: str) -> str:
    return f"/portone-cert/otp/{attempt_id}/resend/"


@pytest.fixture(autouse=True)
def _otp_on(api_version: str, settings: Any) -> None:
    """Every scenario on V1 and V2, with the API flow on."""
    configure(settings, OTP_ENABLED=True, OTP_PROVIDER="danal")


def send(client: APIClient, **changes: Any) -> Any:
    return client.post(SEND, {**PERSON, **changes}, format="json")


def confirm(client: APIClient, attempt_id: str, code: str | None) -> Any:
    return client.post(confirm_url(attempt_id), {"otp": code or ""}, format="json")


def sent_and_confirmed(client: APIClient, portone: FakePortOne) -> Any:
    sent = send(client)
    assert sent.status_code == 201, sent.json()
    return confirm(client, sent.json()["attempt_id"], portone.last_code(PHONE))


def wrong(code: str | None) -> str:
    return "000000" if code != "000000" else "111111"


def test_off_by_default_every_endpoint_is_not_found(
    settings: Any, api: APIClient, portone: FakePortOne
) -> None:
    configure(settings, OTP_ENABLED=False)
    for url in (SEND, confirm_url("cert1"), resend_url("cert1"), "/portone-cert/recovery/otp/"):
        answer = api.post(url, PERSON, format="json")
        assert (answer.status_code, answer.json()["code"]) == (404, "not_found")
    assert portone.otp_sends(PHONE) == 0


def test_a_user_verifies_by_code(api: APIClient, portone: FakePortOne, user: Any) -> None:
    sent = send(api)
    body = sent.json()
    assert sent.status_code == 201
    assert set(body) == {"attempt_id", "resend_after", "expires_at"}
    assert body["resend_after"] == 60
    assert portone.otp_sends(PHONE) == 1
    answer = confirm(api, body["attempt_id"], portone.last_code(PHONE))
    assert answer.status_code == 201, answer.json()
    assert answer.json()["verified"] is True
    assert answer.json()["name"] == "문자인"
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.birth_date.isoformat() == "1991-03-04"
    attempt = CertificationAttempt.objects.get(merchant_uid=body["attempt_id"])
    assert attempt.status == "verified"
    assert (attempt.otp_sends, attempt.otp_confirms) == (1, 1)
    # Once: the same code again is a replay.
    again = confirm(api, body["attempt_id"], portone.last_code(PHONE))
    assert again.json()["code"] == "certification_used"


def test_the_7th_digit_and_the_code_are_never_stored(api: APIClient, portone: FakePortOne) -> None:
    sent = send(api)
    code = portone.last_code(PHONE)
    assert confirm(api, sent.json()["attempt_id"], code).status_code == 201
    dump = raw_dump()
    assert PHONE not in dump and "0103" not in dump  # the phone; YYMMDD + the 7th digit
    assert code not in dump
    attempt = CertificationAttempt.objects.get(merchant_uid=sent.json()["attempt_id"])
    assert len(attempt.otp_phone_hash) == 64
    cached = cached_text()
    assert "portone_cert:otp:phone:" in cached  # counted, by keyed hash only
    for secret in (PHONE, code, "910304", "문자인"):
        assert secret not in cached


def cached_text() -> str:
    """Every key and value of the default cache (local memory, or Redis on the PostgreSQL lane)."""
    from django.core.cache import caches
    from django.core.cache.backends import locmem

    cache: Any = caches["default"]
    if isinstance(cache, locmem.LocMemCache):
        items = [item for store in locmem._caches.values() for item in store.items()]
    else:
        client = cache._cache.get_client(None)
        items = [(key, client.get(key)) for key in client.keys("*")]
    return " ".join(f"{key!r} {value!r}" for key, value in items)


def test_a_visitor_verifies_for_the_sign_up_and_the_session_rotates(
    visitor: APIClient, portone: FakePortOne
) -> None:
    before = send(visitor)
    old_key = visitor.cookies["sessionid"].value
    answer = confirm(visitor, before.json()["attempt_id"], portone.last_code(PHONE))
    assert answer.status_code == 201, answer.json()
    assert answer.json()["pending_signup"] is True
    assert visitor.cookies["sessionid"].value != old_key


def test_visitors_need_anonymous_verification(portone: FakePortOne) -> None:
    answer = send(APIClient())
    assert answer.status_code in (401, 403)
    assert portone.otp_sends(PHONE) == 0


def test_another_requesters_attempt_is_refused(
    api: APIClient, make_user: Any, portone: FakePortOne
) -> None:
    sent = send(api)
    other = client_for(make_user())
    answer = confirm(other, sent.json()["attempt_id"], portone.last_code(PHONE))
    assert answer.json()["code"] == "attempt_mismatch"
    assert other.post(resend_url(sent.json()["attempt_id"])).json()["code"] == "attempt_mismatch"


def test_wrong_codes_burn_the_attempt(api: APIClient, portone: FakePortOne) -> None:
    """The figure: how many wrong codes an attempt takes before it burns (OTP_MAX_WRONG)."""
    attempt_id = send(api).json()["attempt_id"]
    right = portone.last_code(PHONE)
    codes = [confirm(api, attempt_id, wrong(right)).json()["code"] for _ in range(6)]
    assert codes == ["otp_invalid"] * 4 + ["otp_exhausted"] * 2
    assert confirm(api, attempt_id, right).json()["code"] == "otp_exhausted"
    taken = codes.index("otp_exhausted") + 1
    print(f"\nOTP figure: an attempt burns at wrong code #{taken} (OTP_MAX_WRONG=5)")
    attempt = CertificationAttempt.objects.get(merchant_uid=attempt_id)
    assert (attempt.status, attempt.failure_code, attempt.otp_confirms) == (
        "failed",
        "otp_exhausted",
        5,
    )
    assert api.post(resend_url(attempt_id)).json()["code"] == "otp_exhausted"


def test_a_wrong_code_then_the_right_one(api: APIClient, portone: FakePortOne) -> None:
    attempt_id = send(api).json()["attempt_id"]
    right = portone.last_code(PHONE)
    assert confirm(api, attempt_id, wrong(right)).status_code == 400
    assert confirm(api, attempt_id, right).status_code == 201


def test_no_such_person_answers_as_a_sent_code(
    api: APIClient, make_user: Any, portone: FakePortOne
) -> None:
    """No oracle: a refused person gets the same answer, counted the same."""
    portone.add_otp_person(name="문자인", phone=PHONE, birth_date="1991-03-04", gender_digit="1")
    good = send(api)
    stranger = send(client_for(make_user()), name="없는사람")
    assert (good.status_code, stranger.status_code) == (201, 201)
    assert set(good.json()) == set(stranger.json())
    assert good.json()["resend_after"] == stranger.json()["resend_after"]
    answer = confirm(client_for(make_user()), stranger.json()["attempt_id"], "123456")
    assert answer.json()["code"] == "attempt_mismatch"


def test_a_refused_person_cannot_confirm(api: APIClient, portone: FakePortOne) -> None:
    portone.add_otp_person(
        name="다른이", phone="01000000000", birth_date="1980-01-01", gender_digit="1"
    )
    attempt_id = send(api).json()["attempt_id"]
    assert confirm(api, attempt_id, "123456").json()["code"] == "otp_invalid"


def _cool_down(attempt_id: str) -> None:
    CertificationAttempt.objects.filter(merchant_uid=attempt_id).update(
        otp_sent_at=timezone.now() - timedelta(seconds=61)
    )


def test_resend_waits_for_the_cooldown_and_stops_at_max_sends(
    api: APIClient, portone: FakePortOne
) -> None:
    attempt_id = send(api).json()["attempt_id"]
    body = PERSON  # V1 needs the person again (nothing is kept); V2 ignores it
    early = api.post(resend_url(attempt_id), body, format="json")
    assert (early.status_code, early.json()["code"]) == (429, "otp_resend_too_soon")
    first = portone.last_code(PHONE)
    _cool_down(attempt_id)
    again = api.post(resend_url(attempt_id), body, format="json")
    assert (again.status_code, again.json()) == (200, {"resend_after": 60})
    assert portone.otp_sends(PHONE) == 2
    assert portone.last_code(PHONE) != first or first is None
    _cool_down(attempt_id)
    assert api.post(resend_url(attempt_id), body, format="json").status_code == 200
    _cool_down(attempt_id)
    last = api.post(resend_url(attempt_id), body, format="json")
    assert last.json()["code"] == "otp_exhausted"
    assert portone.otp_sends(PHONE) == 3
    assert confirm(api, attempt_id, portone.last_code(PHONE)).status_code == 201


def test_one_phone_asked_100_times_gets_5_codes(
    settings: Any, make_user: Any, portone: FakePortOne
) -> None:
    """The figure: sends that reach PortOne when one phone is asked for 100 times, by 20
    users from 10 addresses (OTP_DAILY_LIMIT, whoever asks)."""
    answers = []
    clients = [client_for(make_user()) for _ in range(20)]
    for n in range(100):
        client = clients[n // 5]
        client.defaults["REMOTE_ADDR"] = f"198.51.100.{n % 10}"
        answers.append(send(client).status_code)
    reached = portone.otp_sends(PHONE)
    print(f"\nOTP figure: one phone asked 100 times -> {reached} sends reached PortOne")
    assert reached == 5
    assert answers.count(201) == 5
    assert set(answers[5:]) == {429}


def test_client_user_and_site_caps(settings: Any, make_user: Any, portone: FakePortOne) -> None:
    configure(settings, OTP_CLIENT_DAILY_LIMIT=2, OTP_USER_DAILY_LIMIT=3, OTP_SITE_DAILY_LIMIT=5)
    user_client = client_for(make_user())
    codes = []
    for n in range(4):
        user_client.defaults["REMOTE_ADDR"] = f"2001:db8:{n}::1"
        codes.append(send(user_client, phone=f"0105550100{n}").status_code)
    assert codes == [201, 201, 201, 429]  # the user's cap
    same_64 = client_for(make_user())
    for suffix in ("1", "2", "3"):
        same_64.defaults["REMOTE_ADDR"] = f"2001:db8:aa::{suffix}"
        codes.append(send(same_64, phone=f"0105550200{suffix}").status_code)
    assert codes[4:] == [201, 201, 429]  # one IPv6 /64 is one client
    third = client_for(make_user())
    third.defaults["REMOTE_ADDR"] = "192.0.2.9"
    answer = send(third, phone="01055503000")
    assert (answer.status_code, answer.json()["code"]) == (429, "otp_limited")  # the site's


def test_the_client_address_is_portones_ip_address(
    api: APIClient, portone: FakePortOne, sent_otp_requests: list[Any]
) -> None:
    seen = sent_otp_requests
    api.defaults["REMOTE_ADDR"] = "203.0.113.77"
    assert send(api).status_code == 201
    assert seen[0].ip_address == "203.0.113.77"
    assert seen[0].channel_key == "channel-key-test"
    assert seen[0].media_type == ""  # Danal: no KCP bypass
    assert "<redacted>" in repr(seen[0])


def test_app_is_kcps_and_kcp_gets_a_media_type(
    settings: Any, api: APIClient, portone: FakePortOne
) -> None:
    answer = send(api, method="APP")
    assert (answer.status_code, answer.json()["code"]) == (400, "otp_unavailable")
    assert portone.otp_sends(PHONE) == 0


def test_a_pre_send_hook_may_refuse(settings: Any, api: APIClient, portone: FakePortOne) -> None:
    configure(settings, OTP_PRE_SEND_HOOK="tests.test_otp.refuse_without_captcha")
    answer = send(api)
    assert (answer.status_code, answer.json()["code"]) == (400, "otp_unavailable")
    assert portone.otp_sends(PHONE) == 0
    assert send(api, captcha="ok").status_code == 201


def refuse_without_captcha(request: Any, person: Any) -> bool:
    assert person.phone == PHONE
    return bool(getattr(request, "data", {}).get("captcha")) or "captcha" in request.body.decode()


def test_portones_transaction_limit_is_otp_limited(
    api_version: str, api: APIClient, portone: FakePortOne
) -> None:
    if api_version == "v1":
        pytest.skip("MAX_TRANSACTION_COUNT_REACHED is V2's (V1 refuses as for a person)")
    portone.otp_transaction_limit = 0
    answer = send(api)
    assert (answer.status_code, answer.json()["code"]) == (429, "otp_limited")


def test_a_malformed_body_never_echoes_the_7th_digit(api: APIClient) -> None:
    answer = send(api, gender_digit="9")
    assert answer.status_code == 400
    assert '"9"' not in answer.content.decode()
    mismatch = send(api, gender_digit="3")  # born in 1991: 1, 2, 5 or 6
    assert mismatch.json()["code"] == "invalid"


def test_counts_fail_closed_when_the_cache_is_down(
    settings: Any, api: APIClient, portone: FakePortOne
) -> None:
    """The daily caps' cache (``CACHE``) down: 503, and nothing sent (the throttle, on the
    default cache, still works)."""
    settings.CACHES = {
        **settings.CACHES,
        "counts": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        },
    }
    configure(settings, CACHE="counts")
    answer = send(api)
    assert (answer.status_code, answer.json()["code"]) == (503, "service_unavailable")
    assert portone.otp_sends(PHONE) == 0
    assert not CertificationAttempt.objects.exists()


def test_a_send_lost_on_the_way_is_sent_again_by_a_resend(
    api: APIClient, portone: FakePortOne
) -> None:
    portone.inject("refused", endpoint="otp")
    failed = send(api)
    assert (failed.status_code, failed.json()["code"]) == (503, "portone_unavailable")
    assert portone.otp_sends(PHONE) == 0
    attempt = CertificationAttempt.objects.get()
    _cool_down(attempt.merchant_uid)
    again = api.post(resend_url(attempt.merchant_uid), PERSON, format="json")
    assert again.status_code == 200, again.json()
    assert portone.otp_sends(PHONE) == 1
    answer = confirm(api, attempt.merchant_uid, portone.last_code(PHONE))
    assert answer.status_code == 201, answer.json()


def test_sends_are_counted_in_the_metrics(api: APIClient, portone: FakePortOne) -> None:
    prometheus_client = pytest.importorskip("prometheus_client")

    def sends(outcome: str) -> float:
        labels = {"method": "SMS", "outcome": outcome}
        value = prometheus_client.REGISTRY.get_sample_value("portone_cert_otp_sends_total", labels)
        return value or 0.0

    before = {outcome: sends(outcome) for outcome in ("sent", "limited")}
    assert send(api).status_code == 201
    assert sends("sent") == before["sent"] + 1
    for _ in range(5):
        send(api)  # the phone's daily limit: 5
    assert sends("limited") == before["limited"] + 1


def test_the_attempts_counters_fail_closed_when_the_database_is_down(
    api: APIClient, portone: FakePortOne, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The try counter cannot be taken: 503 as JSON, and the code never reaches PortOne."""
    from django.db import OperationalError
    from django.db.models import QuerySet

    attempt_id = send(api).json()["attempt_id"]
    before = portone.count("otp")
    original = QuerySet.update

    def update(self: Any, **fields: Any) -> int:
        if "otp_confirms" in fields or "otp_sends" in fields:
            raise OperationalError("could not connect to server: Connection refused")
        return original(self, **fields)

    monkeypatch.setattr(QuerySet, "update", update)
    answer = confirm(api, attempt_id, portone.last_code(PHONE))
    assert (answer.status_code, answer.json()["code"]) == (503, "service_unavailable")
    answer = send(api, phone="01055504321")
    assert (answer.status_code, answer.json()["code"]) == (503, "service_unavailable")
    assert portone.count("otp") == before


@pytest.mark.parametrize("body", ["1.7976931348623155e+308", "[]", '"phone"', "null", "true"])
def test_a_resend_whose_body_is_not_an_object_is_invalid(
    api: APIClient, portone: FakePortOne, body: str
) -> None:
    """Found by schemathesis: a JSON number as the body answered Django's HTML 500."""
    attempt_id = send(api).json()["attempt_id"]
    response = api.post(resend_url(attempt_id), body, content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
