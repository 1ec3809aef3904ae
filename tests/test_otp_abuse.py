"""In-app verification under attack (a review of issue 22's flow), V1 and V2.

SMS bombing through a resend, the send as an oracle (answers and the requests they make),
another requester's attempt, and the flow's answers when PortOne or the pre-send hook fail.
"""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from django_portone_cert.models import CertificationAttempt
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure
from tests.test_otp import PERSON, PHONE, _cool_down, _otp_on, confirm, resend_url, send

__all__ = ["_otp_on"]  # the module's autouse fixture: OTP on, V1 and V2

VICTIM = "01099990000"


def _refuse_everyone_but_someone_else(portone: FakePortOne) -> None:
    portone.add_otp_person(
        name="다른이", phone="01000000000", birth_date="1980-01-01", gender_digit="1"
    )


def test_a_resend_cannot_text_another_phone(api: APIClient, portone: FakePortOne) -> None:
    """An attempt whose first send PortOne refused (or never got) cannot be resent to a
    phone other than the one it was sent (and counted) for: that would text a victim while
    another number's daily cap pays, on V2 as on V1."""
    _refuse_everyone_but_someone_else(portone)
    attempt_id = send(api).json()["attempt_id"]
    assert portone.otp_sends(PHONE) == 1  # reached PortOne, refused
    _cool_down(attempt_id)
    answer = api.post(resend_url(attempt_id), {**PERSON, "phone": "010-9999-0000"}, format="json")
    assert (answer.status_code, answer.json()["code"]) == (400, "invalid")
    assert portone.otp_sends(VICTIM) == 0


def _requests(portone: FakePortOne, action: Any) -> int:
    before = portone.count()
    action()
    return portone.count() - before


@pytest.mark.parametrize("with_body", [True, False], ids=["body", "no-body"])
def test_a_resend_makes_as_many_requests_for_a_refused_person_as_for_a_sent_code(
    api_version: str, with_body: bool, api: APIClient, make_user: Any, portone: FakePortOne
) -> None:
    """No oracle in the requests a resend makes (their number shows in its time): the
    resend of a refused send reaches PortOne as often as the resend of a sent one."""
    if api_version == "v1" and not with_body:
        pytest.skip("V1's resend needs the person again")

    def resend(client: APIClient, **changes: Any) -> int:
        attempt_id = send(client, **changes).json()["attempt_id"]
        _cool_down(attempt_id)
        body = {**PERSON, **changes} if with_body else {}

        def post() -> None:
            answer = client.post(resend_url(attempt_id), body, format="json")
            assert (answer.status_code, answer.json()) == (200, {"resend_after": 60})

        return _requests(portone, post)

    portone.add_otp_person(name="문자인", phone=PHONE, birth_date="1991-03-04", gender_digit="1")
    assert resend(api) == resend(client_for(make_user()), name="없는사람")


def test_a_confirm_makes_as_many_requests_for_a_refused_person_as_for_a_sent_code(
    api_version: str, api: APIClient, make_user: Any, portone: FakePortOne
) -> None:
    """A wrong code after a refused send is refused after the same requests as one after a
    sent code (V1's refused send names no ``imp_uid``: one PortOne never issues is used)."""

    def wrong_code(client: APIClient, **changes: Any) -> int:
        attempt_id = send(client, **changes).json()["attempt_id"]

        def post() -> None:
            answer = confirm(client, attempt_id, "000000")
            assert (answer.status_code, answer.json()["code"]) == (400, "otp_invalid")

        return _requests(portone, post)

    portone.add_otp_person(name="문자인", phone=PHONE, birth_date="1991-03-04", gender_digit="1")
    assert portone.last_code(PHONE) != "000000"
    assert wrong_code(api) == wrong_code(client_for(make_user()), name="없는사람")


def broken_hook(request: Any, person: Any) -> bool:
    phone = person.phone  # what a careless hook holds when it breaks
    raise ValueError(f"the risk service answered nonsense ({phone})")


def refusing_hook(request: Any, person: Any) -> bool:
    from rest_framework.exceptions import PermissionDenied

    raise PermissionDenied("no")


def test_a_pre_send_hook_that_fails_refuses_as_json_and_sends_nothing(
    settings: Any, user: Any, portone: FakePortOne, caplog: pytest.LogCaptureFixture
) -> None:
    """A hook that breaks (its risk service answering nonsense, a bug) fails closed: 503 as
    JSON, not Django's HTML page, nothing sent, and no error report of the hook's frames
    (they hold the person); a DRF error it raises is still answered as DRF answers it."""
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    configure(settings, OTP_PRE_SEND_HOOK="tests.test_otp_abuse.broken_hook")
    answer = send(client)
    assert (answer.status_code, answer.json()["code"]) == (503, "service_unavailable")
    assert portone.otp_sends(PHONE) == 0
    assert not CertificationAttempt.objects.exists()
    logged = " ".join(f"{r.getMessage()} {r.exc_info}" for r in caplog.records)
    assert "ValueError" in logged and PHONE not in logged
    configure(settings, OTP_PRE_SEND_HOOK="tests.test_otp_abuse.refusing_hook")
    assert send(client).status_code == 403


def test_a_recovery_code_never_verifies_at_the_verification_url_nor_spends_a_try(
    settings: Any, visitor: APIClient, portone: FakePortOne
) -> None:
    """The same session's recovery attempt, confirmed at ``otp/<id>/confirm/``: refused
    before PortOne hears the code, and its tries untouched; then it still recovers."""
    configure(settings, ACCOUNT_RECOVERY=True)
    attempt_id = visitor.post("/portone-cert/recovery/otp/", PERSON, format="json").json()[
        "attempt_id"
    ]
    code = portone.last_code(PHONE)
    before = portone.count("otp")
    assert confirm(visitor, attempt_id, code).json()["code"] == "attempt_mismatch"
    assert portone.count("otp") == before
    assert CertificationAttempt.objects.get(merchant_uid=attempt_id).otp_confirms == 0
    found = visitor.post(
        f"/portone-cert/recovery/otp/{attempt_id}/confirm/", {"otp": code}, format="json"
    )
    assert found.status_code == 200, found.json()


def test_a_visitors_attempt_is_not_the_account_s_after_login(
    visitor: APIClient, user: Any, portone: FakePortOne
) -> None:
    """Sent as a visitor, confirmed once logged in, by another session, or after logging
    out (the session key changed): refused each time, and no code reaches PortOne."""
    attempt_id = send(visitor).json()["attempt_id"]
    code = portone.last_code(PHONE)
    before = portone.count("otp")
    visitor.force_login(user)
    assert confirm(visitor, attempt_id, code).json()["code"] == "attempt_mismatch"
    assert confirm(APIClient(), attempt_id, code).json()["code"] == "attempt_mismatch"
    assert portone.count("otp") == before
    visitor.logout()
    assert confirm(visitor, attempt_id, code).json()["code"] == "attempt_mismatch"


def test_v1_a_500_from_portone_answers_as_sent_a_gateways_500_as_an_outage(
    api_version: str, api: APIClient, portone: FakePortOne
) -> None:
    """V1 answers a person the provider refuses with a 500 in PortOne's envelope, so that
    500 must answer as a sent code (no oracle; an outage of the provider then reads as a
    code that never comes, and its confirm as a wrong code). A 500 that is not PortOne's
    (a gateway's page) or a 503 is an outage: 502, and nothing looks sent."""
    if api_version == "v2":
        pytest.skip("V2 refuses a person with 502 PG_PROVIDER")
    portone.inject("http_500", endpoint="otp")
    quiet = send(api)
    assert quiet.status_code == 201
    assert confirm(api, quiet.json()["attempt_id"], "000000").json()["code"] == "otp_invalid"
    for status in (500, 503):
        portone.inject_response(status, "<html>Bad gateway</html>", endpoint="otp")
        answer = send(api, phone=f"010555{status}00")
        assert (answer.status_code, answer.json()["code"]) == (502, "portone_error")
