"""Issue 19, item 2: a project whose settings turn SANDBOX on, tested with pytest (DEBUG off).

Identities made through the ``portone`` fixture pass the gates whatever ``SANDBOX`` says, and
a gate that refuses a sandbox identity says why in the log (once per request, nothing about
the person).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from django_portone_cert.models import VerifiedIdentity

GATED = "/gated/adult/"


@pytest.fixture
def sandbox_in_settings(settings: Any) -> None:
    """What a settings module in sandbox mode leaves a test run: SANDBOX on, DEBUG off."""
    settings.DEBUG = False
    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "SANDBOX": True,
        "API_BASE_URL": "http://127.0.0.1:8000/portone-cert/sandbox/api",
    }


def verify_through_the_fixture(client: Client, portone: Any, born: date) -> None:
    attempt = client.post("/portone-cert/prepare/").json()
    imp_uid = portone.add_certification(birth_date=born, merchant_uid=attempt["merchant_uid"])
    body = {"imp_uid": imp_uid, "merchant_uid": attempt["merchant_uid"]}
    response = client.post("/portone-cert/certifications/", body, content_type="application/json")
    assert response.status_code == 201


@pytest.mark.parametrize(("born", "status"), [(date(1990, 1, 1), 200), (date(2012, 1, 1), 403)])
def test_the_fixture_opens_the_gates_despite_sandbox_in_settings(
    sandbox_in_settings: None, portone: Any, make_user: Any, born: date, status: int
) -> None:
    client = Client()
    user = make_user()
    client.force_login(user)
    verify_through_the_fixture(client, portone, born)
    assert VerifiedIdentity.objects.get(user=user).provider == "danal"
    assert client.get(GATED).status_code == status


def test_a_gate_refusing_a_sandbox_identity_says_why_once(
    make_user: Any, caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user()
    VerifiedIdentity.objects.create(
        user=user,
        name="홍길동",
        birth_date=date(1990, 1, 1),
        provider="sandbox",
        imp_uid="imp_000000000001",
        phone="01012345678",
        certified_at=timezone.now(),
        verified_at=timezone.now(),
    )
    client = Client()
    client.force_login(user)
    with caplog.at_level(logging.WARNING, logger="django_portone_cert"):
        response = client.get(GATED)
    assert response.status_code == 302
    refusals = [r for r in caplog.records if "sandbox identity" in r.getMessage()]
    assert len(refusals) == 1
    message = refusals[0].getMessage()
    assert "SANDBOX" in message and "DEBUG" in message
    assert "홍길동" not in message and "01012345678" not in message
