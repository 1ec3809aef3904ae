"""In-app verification under attack (a review of issue 22's flow), V1 and V2.

SMS bombing through a resend, the send as an oracle (answers and the requests they make),
another requester's attempt, and the flow's answers when PortOne or the pre-send hook fail.
"""

from __future__ import annotations

from rest_framework.test import APIClient

from django_portone_cert.testing import FakePortOne
from tests.test_otp import PERSON, PHONE, _cool_down, _otp_on, resend_url, send

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
