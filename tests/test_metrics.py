"""Prometheus metrics with the real prometheus_client (``make test-ops``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from django_portone_cert import labels, metrics
from django_portone_cert.exceptions import ERROR_CLASSES
from django_portone_cert.signals import accounts_found, guardian_consented
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePortOne
from tests.helpers import client_for, configure, verify

prometheus_client = pytest.importorskip("prometheus_client")

VERIFIED = {"purpose": "verification", "outcome": "verified", "code": ""}


def sample(name: str, **label_values: str) -> float:
    value = prometheus_client.REGISTRY.get_sample_value(name, label_values)
    return float(value or 0.0)


def verifications(api_version: str, **label_values: str) -> float:
    return sample(
        "portone_cert_verifications_total", api_version=api_version, **{**VERIFIED, **label_values}
    )


def requests_to(api_version: str, endpoint: str, status: str) -> float:
    return sample(
        "portone_cert_portone_requests_total",
        api_version=api_version,
        endpoint=endpoint,
        status=status,
    )


def durations(api_version: str, endpoint: str) -> float:
    return sample(
        "portone_cert_portone_request_duration_seconds_count",
        api_version=api_version,
        endpoint=endpoint,
    )


LOOKUP = {"v1": "get_certification", "v2": "get_identity_verification"}


@pytest.fixture
def verify_committed(django_capture_on_commit_callbacks: Any) -> Any:
    """``verify``, then what its commit sets off (the signals the receivers count)."""

    def run(*args: Any, **kwargs: Any) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return verify(*args, **kwargs)

    return run


def test_a_verification_is_counted_once_with_its_requests(
    api_version: str, portone: FakePortOne, make_user: Any, verify_committed: Any
) -> None:
    before = (
        verifications(api_version),
        requests_to(api_version, LOOKUP[api_version], "200"),
        requests_to(api_version, "get_token", "200"),
        durations(api_version, LOOKUP[api_version]),
    )
    assert verify_committed(client_for(make_user()), portone).status_code == 201
    after = (
        verifications(api_version),
        requests_to(api_version, LOOKUP[api_version], "200"),
        requests_to(api_version, "get_token", "200"),
        durations(api_version, LOOKUP[api_version]),
    )
    tokens = 1 if api_version == "v1" else 0
    assert [b - a for a, b in zip(before, after, strict=True)] == [1, 1, tokens, 1]


def test_a_refusal_is_counted_by_its_code(
    portone: FakePortOne, make_user: Any, verify_committed: Any
) -> None:
    before = verifications("v1", outcome="failed", code="ci_missing")
    response = verify_committed(client_for(make_user()), portone, name="김철수", ci=None)
    assert response.json()["code"] == "ci_missing"
    assert verifications("v1", outcome="failed", code="ci_missing") == before + 1


def test_timeouts_and_5xx_are_counted(portone: FakePortOne, make_user: Any) -> None:
    before = (
        requests_to("v1", "get_certification", "timeout"),
        requests_to("v1", "get_certification", "503"),
    )
    portone.inject("timeout", endpoint="certification")
    portone.inject("http_503", endpoint="certification")
    assert verify(client_for(make_user()), portone).status_code == 201  # the retries win
    assert requests_to("v1", "get_certification", "timeout") == before[0] + 1
    assert requests_to("v1", "get_certification", "503") == before[1] + 1


def test_recovery_and_guardian_outcomes_come_from_their_signals() -> None:
    before = (
        verifications("v1", purpose="recovery"),
        verifications("v1", purpose="guardian"),
    )
    accounts_found.send(sender=None, users=[], attempt=None, request=None)
    guardian_consented.send(sender=None, child=None, consent=None, request=None)
    assert verifications("v1", purpose="recovery") == before[0] + 1
    assert verifications("v1", purpose="guardian") == before[1] + 1


def test_otp_sends() -> None:
    name = "portone_cert_otp_sends_total"
    before = sample(name, method="SMS", outcome="sent")
    metrics.record_otp_send(method="SMS", outcome="sent")
    metrics.record_otp_send(method="01012345678", outcome="010-1234-5678")
    assert sample(name, method="SMS", outcome="sent") == before + 1
    assert sample(name, method="other", outcome="other") >= 1


def test_nothing_is_recorded_when_metrics_is_false(
    portone: FakePortOne, make_user: Any, settings: Any, verify_committed: Any
) -> None:
    configure(settings, METRICS=False)
    assert metrics.instruments() is None
    before = (verifications("v1"), requests_to("v1", "get_certification", "200"))
    assert verify_committed(client_for(make_user()), portone).status_code == 201
    assert (verifications("v1"), requests_to("v1", "get_certification", "200")) == before


def test_the_histogram_reaches_past_a_minute() -> None:
    assert max(metrics.DURATION_BUCKETS) >= 60


# --- no person, id or phone number in a label ---

FIXED = {
    "purpose": labels.PURPOSES | {labels.OTHER},
    "outcome": labels.OUTCOMES | labels.OTP_OUTCOMES | {labels.OTHER},
    "code": set(ERROR_CLASSES) | {"", labels.OTHER},
    "api_version": labels.API_VERSIONS | {labels.OTHER},
    "endpoint": labels.ENDPOINTS,
    "status": labels.STATUSES | labels.NO_ANSWER | {f"{n}xx" for n in range(1, 6)} | {labels.OTHER},
    "method": labels.OTP_METHODS | {labels.OTHER},
    "le": None,  # the histogram's buckets
}


def test_no_person_id_or_phone_reaches_a_label(
    api_version: str, portone: FakePortOne, make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """Verifications that succeed and fail, with people, ids and phones of every kind: every
    label value of the app's metrics is one of a fixed few, and the exposition holds none
    of what PortOne or the browser sent."""
    sent: set[str] = set()
    for n, person in enumerate(
        [
            {"name": "홍길동", "birth_date": date(1990, 5, 17), "phone": "01099998888"},
            {"name": "Kim O'Brien", "birth_date": date(1985, 1, 2), "ci": None},
            {"name": "이\n영희", "birth_date": date(2015, 3, 4), "phone": "010-7777-6666"},
        ]
    ):
        client = client_for(make_user())
        attempt = client.post("/portone-cert/prepare/").json()
        sent.add(attempt["merchant_uid"])
        result_id = portone.add_certification(merchant_uid=attempt["merchant_uid"], **person)
        sent.add(result_id)
        body = (
            {"imp_uid": result_id, "merchant_uid": attempt["merchant_uid"]}
            if api_version == "v1"
            else {"identity_verification_id": attempt["merchant_uid"]}
        )
        with django_capture_on_commit_callbacks(execute=True):
            client.post("/portone-cert/certifications/", body, format="json")
        # and one made up by the browser
        client.post("/portone-cert/certifications/", {**body, "imp_uid": f"imp_{n}" * 3})
    exposition = prometheus_client.generate_latest().decode()
    for metric in prometheus_client.REGISTRY.collect():
        if not metric.name.startswith("portone_cert_"):
            continue
        for found in metric.samples:
            for label, value in found.labels.items():
                allowed = FIXED[label]
                assert allowed is None or value in allowed, (metric.name, label, value)
    leaked = [value for value in set(ISSUED_PERSONAL_DATA) | sent if value and value in exposition]
    assert leaked == []


@given(st.text(max_size=50), st.text(max_size=80), st.integers())
def test_labels_only_ever_come_from_fixed_sets(anything: str, path: str, number: int) -> None:
    assert labels.status(number) in FIXED["status"]
    assert labels.purpose(anything) in FIXED["purpose"]
    assert labels.code(anything) in FIXED["code"]
    assert labels.api_version(anything) in FIXED["api_version"]
    assert labels.endpoint(anything, path) in labels.ENDPOINTS
    assert labels.otp_method(anything) in FIXED["method"]
    assert labels.otp_outcome(anything) in labels.OTP_OUTCOMES | {labels.OTHER}
    assert labels.status(anything) in FIXED["status"]
