"""Retries, backoff, the deadline and the single-flight token refresh."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from django_portone_cert.exceptions import PortOneAPIError, PortOneTimeout, PortOneUnavailable
from django_portone_cert.models import VerifiedIdentity
from django_portone_cert.portone import PortOneClient
from django_portone_cert.testing import FakePortOne, FakePortOneServer
from tests.helpers import PERSON, configure
from tests.versions import certify_body


def test_a_get_is_retried_after_a_5xx(portone: FakePortOne) -> None:
    imp_uid = portone.add_certification()
    portone.inject("http_503", times=2, endpoint="certification")
    assert PortOneClient().get_certification(imp_uid).imp_uid == imp_uid
    assert portone.certification_requests == 3


def test_retries_are_capped(portone: FakePortOne, settings: Any) -> None:
    configure(settings, RETRIES=1)
    imp_uid = portone.add_certification()
    portone.inject("http_500", times=5, endpoint="certification")
    with pytest.raises(PortOneAPIError) as info:
        PortOneClient().get_certification(imp_uid)
    assert info.value.status == 500
    assert portone.certification_requests == 2


def test_no_retry_without_retries(portone: FakePortOne, settings: Any) -> None:
    configure(settings, RETRIES=0)
    imp_uid = portone.add_certification()
    portone.inject("reset", endpoint="certification")
    with pytest.raises(PortOneUnavailable):
        PortOneClient().get_certification(imp_uid)
    assert portone.certification_requests == 1


def test_delete_is_never_retried(portone: FakePortOne) -> None:
    imp_uid = portone.add_certification()
    portone.inject("http_500", endpoint="certification")
    with pytest.raises(PortOneAPIError):
        PortOneClient().delete_certification(imp_uid)
    assert portone.certification_requests == 1
    assert portone.get_record(imp_uid) is not None


def test_get_token_is_retried(portone: FakePortOne) -> None:
    imp_uid = portone.add_certification()
    portone.inject("timeout", endpoint="token")
    assert PortOneClient().get_certification(imp_uid).imp_uid == imp_uid
    assert portone.token_requests == 2


def test_4xx_is_not_retried(portone: FakePortOne) -> None:
    portone.inject("unauthorized", times=2, endpoint="certification")
    imp_uid = portone.add_certification()
    with pytest.raises(PortOneAPIError):
        PortOneClient().get_certification(imp_uid)
    assert portone.certification_requests == 2  # the first try and the one after a refresh


def test_backoff_doubles(portone: FakePortOne, settings: Any) -> None:
    configure(settings, RETRY_BACKOFF=0.05, RETRIES=2)
    imp_uid = portone.add_certification()
    portone.inject("http_500", times=3, endpoint="certification")
    started = time.monotonic()
    with pytest.raises(PortOneAPIError):
        PortOneClient().get_certification(imp_uid)
    assert time.monotonic() - started >= 0.05 + 0.10


def test_the_deadline_bounds_a_hanging_portone(settings: Any) -> None:
    fake = FakePortOne()
    with FakePortOneServer(fake, hang_seconds=5) as server:
        configure(settings, API_BASE_URL=server.url, TIMEOUT=(3, 10), DEADLINE=0.5)
        imp_uid = fake.add_certification()
        fake.inject("timeout", times=10, endpoint="certification")
        started = time.monotonic()
        with pytest.raises(PortOneTimeout):
            PortOneClient().get_certification(imp_uid)
        elapsed = time.monotonic() - started
    assert 0.4 < elapsed < 1.5


def test_read_timeout_over_real_http(settings: Any) -> None:
    fake = FakePortOne()
    with FakePortOneServer(fake, hang_seconds=3) as server:
        configure(settings, API_BASE_URL=server.url, TIMEOUT=(1, 0.2), RETRIES=0)
        imp_uid = fake.add_certification()
        fake.inject("timeout", endpoint="certification")
        started = time.monotonic()
        with pytest.raises(PortOneTimeout):
            PortOneClient().get_certification(imp_uid)
        assert time.monotonic() - started < 1
        fake.inject("reset", endpoint="certification")
        with pytest.raises(PortOneUnavailable):
            PortOneClient().get_certification(imp_uid)


def test_single_flight_token_refresh(settings: Any) -> None:
    """Twenty threads, a cold cache: one getToken reaches PortOne."""
    fake = FakePortOne()
    fake.latency = 0.1
    with FakePortOneServer(fake) as server:
        configure(settings, API_BASE_URL=server.url)
        client = PortOneClient()
        barrier = threading.Barrier(20)
        tokens: list[str] = []

        def run() -> None:
            barrier.wait()
            tokens.append(client.get_token())

        threads = [threading.Thread(target=run) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.close()
    assert len(tokens) == 20 and len(set(tokens)) == 1
    assert fake.token_requests == 1


def test_token_refresh_racing_with_requests(settings: Any) -> None:
    """The token expires at PortOne while twenty lookups run: all succeed, few refreshes."""
    fake = FakePortOne()
    fake.latency = 0.02
    with FakePortOneServer(fake) as server:
        configure(settings, API_BASE_URL=server.url)
        client = PortOneClient()
        imp_uid = fake.add_certification()
        client.get_certification(imp_uid)
        fake.expire_tokens()
        barrier = threading.Barrier(20)
        results: list[str] = []

        def run() -> None:
            barrier.wait()
            results.append(client.get_certification(imp_uid).imp_uid)

        threads = [threading.Thread(target=run) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        client.close()
    assert results == [imp_uid] * 20
    # One token at first, then the refreshes after the 401s: single flight keeps them few.
    assert 2 <= fake.token_requests <= 4


PREPARE = "/portone-cert/prepare/"

CERTIFY = "/portone-cert/certifications/"


def test_an_out_of_range_instant_from_portone_answers_json(
    api_version: str, portone: FakePortOne, user: Any
) -> None:
    from django_portone_cert.portone.fake.v2 import v2_record

    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    merchant_uid = client.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    if api_version == "v1":
        portone.update_certification(imp_uid, certified_at=10**12 * 400)
    else:
        record = v2_record(portone.get_record(imp_uid) or {}, portone.now())
        record["verifiedAt"] = "9999-12-31T23:59:59-23:59"  # parses; cannot be stored in UTC
        portone.inject_response(200, json=record)
    response = client.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert response["Content-Type"].startswith("application/json")
    assert response.status_code == 502
    assert response.json()["code"] == "portone_error"


def test_an_unknown_long_carrier_does_not_fail_the_verification(
    portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, STORE_PHONE=True)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    merchant_uid = client.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, provider="kcp_v2", **PERSON)
    portone.update_certification(imp_uid, carrier="SKT_MVNO_SOMETHING_NEW")
    response = client.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert response.status_code == 201
    carrier = VerifiedIdentity.objects.get(user=user).carrier
    assert len(carrier) <= VerifiedIdentity._meta.get_field("carrier").max_length
