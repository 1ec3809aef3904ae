"""OpenTelemetry spans with the real SDK's in-memory exporter (``make test-ops``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from django_portone_cert import tracing
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePortOne
from tests.helpers import client_for, verify

pytest.importorskip("opentelemetry.sdk")

from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
    InMemorySpanExporter,
)
from opentelemetry.trace import StatusCode

_exporter = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def _provider() -> None:
    """One tracer provider for the process (OpenTelemetry lets it be set once)."""
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(_exporter))
        trace.set_tracer_provider(provider)


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    _exporter.clear()
    yield _exporter
    _exporter.clear()


def by_name(finished: tuple[ReadableSpan, ...]) -> dict[str, ReadableSpan]:
    return {span.name: span for span in finished}


LOOKUP = {"v1": "PortOne get_certification", "v2": "PortOne get_identity_verification"}


def test_a_verification_has_a_span_per_step(
    api_version: str, portone: FakePortOne, make_user: Any, spans: InMemorySpanExporter
) -> None:
    assert verify(client_for(make_user()), portone).status_code == 201
    found = by_name(spans.get_finished_spans())
    verify_span = found["portone_cert.verify_certification"]
    read = found["portone_cert.read_result"]
    store = found["portone_cert.store_identity"]
    lookup = found[LOOKUP[api_version]]
    assert read.parent is not None and read.parent.span_id == verify_span.context.span_id
    assert store.parent is not None and store.parent.span_id == verify_span.context.span_id
    assert lookup.parent is not None and lookup.parent.span_id == read.context.span_id
    assert lookup.kind == trace.SpanKind.CLIENT
    assert dict(read.attributes or {}) == {
        "portone_cert.purpose": "verification",
        "portone_cert.api_version": api_version,
    }
    assert dict(lookup.attributes or {}) == {
        "portone_cert.api_version": api_version,
        "portone_cert.endpoint": LOOKUP[api_version].split()[1],
        "http.request.method": "GET",
        "http.response.status_code": 200,
    }
    if api_version == "v1":
        assert found["PortOne get_token"].parent.span_id == read.context.span_id  # type: ignore[union-attr]
    assert all(span.status.status_code != StatusCode.ERROR for span in found.values())


def test_a_refusal_marks_its_spans_with_the_code_and_nothing_else(
    portone: FakePortOne, make_user: Any, spans: InMemorySpanExporter
) -> None:
    response = verify(client_for(make_user()), portone, name="김철수", ci=None)
    assert response.json()["code"] == "ci_missing"
    found = by_name(spans.get_finished_spans())
    for name in ("portone_cert.verify_certification", "portone_cert.read_result"):
        span = found[name]
        assert span.status.status_code == StatusCode.ERROR
        assert span.status.description is None
        assert span.attributes is not None
        assert span.attributes["portone_cert.code"] == "ci_missing"
        assert span.events == ()  # no exception recorded: no text, no stack


def test_a_timeout_is_an_attribute(
    portone: FakePortOne, make_user: Any, spans: InMemorySpanExporter
) -> None:
    portone.inject("timeout", endpoint="certification")
    assert verify(client_for(make_user()), portone).status_code == 201
    lookups = [s for s in spans.get_finished_spans() if s.name == "PortOne get_certification"]
    assert [dict(s.attributes or {}).get("error.type") for s in lookups] == ["timeout", None]


def test_no_person_or_id_in_any_span(
    api_version: str, portone: FakePortOne, make_user: Any, spans: InMemorySpanExporter
) -> None:
    client = client_for(make_user())
    for person in ({"name": "홍길동"}, {"name": "박영수", "ci": None}):
        attempt = client.post("/portone-cert/prepare/").json()
        result_id = portone.add_certification(merchant_uid=attempt["merchant_uid"], **person)
        body = (
            {"imp_uid": result_id, "merchant_uid": attempt["merchant_uid"]}
            if api_version == "v1"
            else {"identity_verification_id": attempt["merchant_uid"]}
        )
        client.post("/portone-cert/certifications/", body, format="json")
    finished = spans.get_finished_spans()
    assert finished
    text = "\n".join(span.to_json() for span in finished)
    sent = {attempt["merchant_uid"], result_id, *ISSUED_PERSONAL_DATA}
    assert [value for value in sent if value and value in text] == []
    allowed = set(tracing.ATTRIBUTES.values())
    assert {key for span in finished for key in (span.attributes or {})} <= allowed


def test_unknown_attribute_names_are_dropped(spans: InMemorySpanExporter) -> None:
    with tracing.span("portone_cert.test", purpose="recovery", person="홍길동") as span:
        span.set("phone", "01012345678")
    (finished,) = spans.get_finished_spans()
    assert dict(finished.attributes or {}) == {"portone_cert.purpose": "recovery"}
