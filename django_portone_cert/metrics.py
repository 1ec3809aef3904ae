"""Prometheus metrics (extra ``metrics``): verifications, PortOne's requests, OTP sends.

Recorded in two places only: the receivers below (connected in ``AppConfig.ready()`` to the
app's signals) and :func:`portone_request` (around every request the PortOne client sends).
They go to ``prometheus_client``'s default registry, which ``generate_latest()``,
``django-prometheus`` and the multiprocess collector expose. Without ``prometheus_client``,
or with ``PORTONE_CERT["METRICS"] = False``, nothing is recorded and nothing is created.
Every label comes from :mod:`.labels`' fixed sets: never a person, an id or a phone number.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests

from . import labels, tracing
from .conf import app_settings

#: Request durations up to PortOne V2's recommended 60-second read timeout, and past it.
DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 90.0)

VERIFICATIONS = "portone_cert_verifications"
REQUESTS = "portone_cert_portone_requests"
DURATION = "portone_cert_portone_request_duration_seconds"
OTP_SENDS = "portone_cert_otp_sends"


def _load_client() -> Any:
    """``prometheus_client``, or None when it is not installed."""
    try:
        return importlib.import_module("prometheus_client")
    except ImportError:
        return None


_prometheus: Any = _load_client()


@dataclass(frozen=True)
class Instruments:
    verifications: Any
    requests: Any
    duration: Any
    otp_sends: Any


_instruments: Instruments | None = None
_lock = threading.Lock()


def available() -> bool:
    """Whether ``prometheus_client`` is installed."""
    return _prometheus is not None


def instruments() -> Instruments | None:
    """The app's metrics, created in the default registry on first use; None when off."""
    global _instruments
    if _prometheus is None or not app_settings.METRICS:
        return None
    if _instruments is None:
        with _lock:
            if _instruments is None:
                _instruments = Instruments(
                    verifications=_prometheus.Counter(
                        VERIFICATIONS,
                        "Identity verifications by purpose, outcome and error code.",
                        ["purpose", "outcome", "code", "api_version"],
                    ),
                    requests=_prometheus.Counter(
                        REQUESTS,
                        "Requests to PortOne by endpoint and status (HTTP, timeout, unreachable).",
                        ["api_version", "endpoint", "status"],
                    ),
                    duration=_prometheus.Histogram(
                        DURATION,
                        "Seconds a request to PortOne took, answered or not.",
                        ["api_version", "endpoint"],
                        buckets=DURATION_BUCKETS,
                    ),
                    otp_sends=_prometheus.Counter(
                        OTP_SENDS,
                        "Codes PortOne was asked to send (API 본인인증) by method and outcome.",
                        ["method", "outcome"],
                    ),
                )
    return _instruments


def record_verification(*, purpose: object, outcome: object, code: object = "") -> None:
    found = instruments()
    if found is not None:
        found.verifications.labels(
            purpose=labels.purpose(purpose),
            outcome=labels.outcome(outcome),
            code=labels.code(code),
            api_version=labels.api_version(app_settings.API_VERSION),
        ).inc()


def record_otp_send(*, method: object, outcome: object) -> None:
    """One code sent (``"sent"``, ``"resent"``) or not (``"failed"``, ``"limited"``)."""
    found = instruments()
    if found is not None:
        found.otp_sends.labels(
            method=labels.otp_method(method), outcome=labels.otp_outcome(outcome)
        ).inc()


@dataclass
class Call:
    """One request to PortOne, as :func:`portone_request` measures it."""

    status: str = labels.OTHER

    def answered(self, status_code: int) -> None:
        self.status = labels.status(status_code)


@contextmanager
def portone_request(api_version: str, method: str, path: str) -> Iterator[Call]:
    """Measure and trace one request: ``call.answered(status)`` once PortOne answers; a
    timeout or transport error leaving the block is counted as such."""
    version = labels.api_version(api_version)
    endpoint = labels.endpoint(method, path)
    call = Call()
    started = time.perf_counter()
    with tracing.span(
        f"PortOne {endpoint}",
        client=True,
        api_version=version,
        endpoint=endpoint,
        method=labels.method(method),
    ) as span:
        try:
            yield call
        except (TimeoutError, OSError) as error:
            call.status = "timeout" if _is_timeout(error) else "unreachable"
            raise
        finally:
            if call.status in labels.NO_ANSWER:
                span.set("error_type", call.status)
            elif call.status != labels.OTHER:
                span.set("status_code", int(call.status) if call.status.isdigit() else 0)
            found = instruments()
            if found is not None:
                found.requests.labels(
                    api_version=version, endpoint=endpoint, status=call.status
                ).inc()
                found.duration.labels(api_version=version, endpoint=endpoint).observe(
                    time.perf_counter() - started
                )


def _is_timeout(error: BaseException) -> bool:
    """requests' timeouts (``ConnectTimeout`` is also a ``ConnectionError``) or the builtin."""
    return isinstance(error, TimeoutError | requests.Timeout)


# --- receivers (connected in AppConfig.ready() when prometheus_client is installed) ---


def count_verified(sender: Any, attempt: Any = None, **kwargs: Any) -> None:
    """``identity_verified``: an identity stored (on sign-up, when the account claims it)."""
    record_verification(purpose=getattr(attempt, "purpose", "unknown"), outcome="verified")


def count_failed(sender: Any, attempt: Any = None, code: Any = "", **kwargs: Any) -> None:
    """``verification_failed``: any flow's refusal, by its stable code."""
    record_verification(purpose=getattr(attempt, "purpose", "unknown"), outcome="failed", code=code)


def count_recovered(sender: Any, **kwargs: Any) -> None:
    """``accounts_found``: a recovery that verified (whether or not it found accounts)."""
    record_verification(purpose="recovery", outcome="verified")


def count_consented(sender: Any, **kwargs: Any) -> None:
    """``guardian_consented``: a guardian verified and consented."""
    record_verification(purpose="guardian", outcome="verified")
