"""Failures the fake PortOne can be told to answer with, queued or at random."""

from __future__ import annotations

import random
import threading
from dataclasses import replace
from typing import Any

from .wire import UNAUTHORIZED_MESSAGE, FakeResponse, envelope, json_response

#: Faults :meth:`FakePortOne.inject` knows.
FAULTS = (
    "http_500",  # 500 with PortOne's JSON envelope
    "http_503",  # 503 from a gateway, HTML
    "html",  # 200 with an HTML page
    "broken_json",  # 200 with a truncated JSON body
    "code_-1",  # 200 with {"code": -1}
    "unauthorized",  # 401 as if the token were bad
    "timeout",  # no answer in time
    "reset",  # the connection is reset
    "refused",  # nobody listens
)

#: :meth:`FakePortOne.inject_response` without ``json``.
NO_JSON: Any = object()


def canned_response(
    status: int, body: bytes | str | None, json: Any, content_type: str | None
) -> FakeResponse:
    """The answer :meth:`FakePortOne.inject_response` queues: ``body`` as is, or ``json``."""
    if not 100 <= status <= 599:
        raise ValueError(f"not an HTTP status: {status!r}")
    if (body is None) == (json is NO_JSON):
        raise ValueError("give either body or json")
    if json is not NO_JSON:
        answer = json_response(status, json)
        if content_type:
            answer.headers["Content-Type"] = content_type
        return answer
    raw = body.encode() if isinstance(body, str) else (body or b"")
    return FakeResponse(status, raw, {"Content-Type": content_type or "text/html"})


class FaultQueue:
    """Faults and canned answers waiting for the next requests, then random ones by rate."""

    def __init__(self) -> None:
        self._queued: list[tuple[str | FakeResponse, str | None]] = []
        self._rates: dict[str, float] = {}
        self._random = random.Random()  # noqa: S311 (fault injection, not security)
        self._lock = threading.Lock()

    def add(self, fault: str | FakeResponse, *, times: int, endpoint: str | None) -> None:
        if isinstance(fault, str) and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self._lock:
            self._queued.extend([(fault, endpoint)] * times)

    def set_rates(self, rates: dict[str, float], *, seed: int | None) -> None:
        for fault in rates:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}")
        self._rates = dict(rates)
        if seed is not None:
            self._random.seed(seed)

    def take(self, endpoint: str) -> FakeResponse | None:
        """The answer a fault makes of the next request to ``endpoint``, if one is due."""
        fault = self._next(endpoint)
        if isinstance(fault, FakeResponse):
            return replace(fault, headers=dict(fault.headers))
        return None if fault is None else fault_response(fault)

    def _next(self, endpoint: str) -> str | FakeResponse | None:
        with self._lock:
            for index, (fault, where) in enumerate(self._queued):
                if where is None or where == endpoint:
                    del self._queued[index]
                    return fault
            roll = self._random.random()
            for fault, rate in self._rates.items():
                if roll < rate:
                    return fault
                roll -= rate
        return None


def fault_response(fault: str) -> FakeResponse:
    if fault == "http_500":
        return json_response(500, envelope(None, -1, "Internal Server Error"))
    if fault == "http_503":
        page = b"<html><head><title>503 Service Temporarily Unavailable</title></head></html>"
        return FakeResponse(503, page, {"Content-Type": "text/html"})
    if fault == "html":
        return FakeResponse(
            200, b"<html><body>maintenance</body></html>", {"Content-Type": "text/html"}
        )
    if fault == "broken_json":
        return FakeResponse(200, b'{"code": 0, "response": {', {"Content-Type": "application/json"})
    if fault == "code_-1":
        return json_response(200, envelope(None, -1, "요청을 처리하지 못했습니다."))
    if fault == "unauthorized":
        return json_response(401, envelope(None, -1, UNAUTHORIZED_MESSAGE))
    return FakeResponse(0, b"", fault=fault)
