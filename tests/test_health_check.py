"""``contrib.health_check.PortOneHealthCheck`` with the real django-health-check."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

from django_portone_cert.testing import FakePortOne
from tests.helpers import configure
from tests.versions import V2_SETTINGS

pytest.importorskip("health_check")

from health_check.exceptions import ServiceUnavailable

from django_portone_cert.contrib import health_check
from django_portone_cert.contrib.health_check import PortOneHealthCheck


@pytest.fixture(autouse=True)
def _fresh_verdict() -> Iterator[None]:
    health_check.forget()
    yield
    health_check.forget()


def problem() -> str | None:
    """What django-health-check reports for the check (None: healthy)."""
    check = PortOneHealthCheck()
    if hasattr(check, "get_result"):  # django-health-check 4
        error = asyncio.run(check.get_result()).error
        if error is None:
            return None
        assert isinstance(error, ServiceUnavailable)
        return str(error)
    check.run_check()  # django-health-check 3
    return str(check.errors[0]) if check.errors else None


def test_v1_healthy_on_the_cached_token(portone: FakePortOne) -> None:
    assert problem() is None
    assert portone.log == [("POST", "token", 200)]
    health_check.forget()
    assert problem() is None
    assert portone.count() == 1  # the token in the cache proved the keys: no request


def test_v1_wrong_keys_are_unhealthy(portone: FakePortOne, settings: Any) -> None:
    configure(settings, IMP_SECRET="wrong-secret-value")
    found = problem()
    assert found is not None and "Unavailable" in found and "(401)" in found
    assert "wrong-secret-value" not in found


def test_v1_portone_down_is_unhealthy(portone: FakePortOne) -> None:
    portone.inject("refused", times=10)
    found = problem()
    assert found is not None and "could not be reached" in found


@pytest.mark.parametrize("fault", [None, "wrong secret", "wrong store", "refused"])
def test_v2(fault: str | None, settings: Any) -> None:
    configure(settings, **V2_SETTINGS)
    fake = FakePortOne(api_secret=V2_SETTINGS["API_SECRET"], store_id=V2_SETTINGS["STORE_ID"])
    if fault == "wrong secret":
        configure(settings, API_SECRET="wrong-secret-value")
    if fault == "wrong store":
        configure(settings, STORE_ID="store-other")
    if fault == "refused":
        fake.inject("refused", times=10)
    with fake.activate():
        found = problem()
    if fault is None:
        assert found is None
        assert fake.log == [("GET", "certification", 404)]  # a made-up id: nothing spent
    else:
        assert found is not None and "Unavailable" in found
        assert "wrong-secret-value" not in found
    expected = {"wrong secret": "API_SECRET", "wrong store": "STORE_ID", "refused": "reached"}
    if fault is not None:
        assert expected[fault] in (found or "")


def test_the_verdict_is_kept_for_a_minute(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(settings, **V2_SETTINGS)
    now = [1000.0]
    monkeypatch.setattr(health_check.time, "monotonic", lambda: now[0])
    fake = FakePortOne(api_secret=V2_SETTINGS["API_SECRET"], store_id=V2_SETTINGS["STORE_ID"])
    with fake.activate():
        for _ in range(5):
            assert health_check.portone_status() is None
        assert fake.count() == 1
        now[0] += 59
        fake.inject("refused", times=10)
        assert health_check.portone_status() is None  # still the kept verdict
        now[0] += 2
        assert "could not be reached" in (health_check.portone_status() or "")
        assert fake.count() > 1
