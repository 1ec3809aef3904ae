"""Serve a fake PortOne to ``requests`` through the ``responses`` library (``activate()``)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

import requests
import responses

from .wire import FakeResponse


class _Served(Protocol):
    @property
    def base_url(self) -> str: ...

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes | str | None
    ) -> FakeResponse: ...


Fake = TypeVar("Fake", bound=_Served)


def _callback(fake: _Served) -> Any:
    def answer(request: requests.PreparedRequest) -> tuple[int, dict[str, str], bytes]:
        url = request.url or ""
        path = url[len(fake.base_url) :] if url.startswith(fake.base_url) else url
        response = fake.handle(
            request.method or "GET",
            path,
            dict(request.headers),
            request.body,
        )
        if response.delay:
            time.sleep(response.delay)
        if response.fault == "timeout":
            raise requests.ReadTimeout("the fake PortOne did not answer in time")
        if response.fault == "reset":
            raise requests.ConnectionError(ConnectionResetError(104, "Connection reset by peer"))
        if response.fault == "refused":
            raise requests.ConnectionError(ConnectionRefusedError(111, "Connection refused"))
        return response.status, response.headers, response.body

    return answer


@contextmanager
def activate(fake: Fake, *, mock: responses.RequestsMock | None = None) -> Iterator[Fake]:
    """Within the block, requests to ``fake.base_url`` are answered by ``fake``.

    Requests to any other URL fail with ``ConnectionError`` (nothing reaches the network).
    """
    pattern = re.compile(re.escape(fake.base_url) + r"(/.*)?")
    owned = mock is None
    rsps = mock or responses.RequestsMock(assert_all_requests_are_fired=False)
    for method in ("GET", "POST", "DELETE", "PUT", "PATCH"):
        rsps.add_callback(method, pattern, callback=_callback(fake))
    if owned:
        with rsps:
            yield fake
    else:
        yield fake
