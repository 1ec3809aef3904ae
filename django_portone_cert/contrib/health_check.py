"""A django-health-check backend (extra ``health``): can PortOne be reached with these keys?

Cheap and free: V1 looks at the cached access token (getToken only when it has expired),
V2 looks up a made-up identity verification, which answers 404. The verdict is kept for a
minute in each process, so a load balancer polling every few seconds costs PortOne at most
one request a minute per worker. Unhealthy: PortOne refused the keys, or could not be reached.

django-health-check 4 (``HealthCheckView(checks=[...])``)::

    path("ht/", HealthCheckView.as_view(checks=[
        "health_check.checks.Database",
        "django_portone_cert.contrib.health_check.PortOneHealthCheck",
    ]))

django-health-check 3: ``plugin_dir.register(PortOneHealthCheck)`` in an ``AppConfig.ready()``.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from datetime import timedelta
from typing import Any

from health_check.exceptions import ServiceUnavailable

from ..doctor import portone_problem

#: How long a verdict is kept (seconds).
KEEP_FOR = 60.0
#: How long the probe may take: within django-health-check's own 5-second budget.
PROBE_SECONDS = 4.0

_verdict: tuple[float, str | None] | None = None
_lock = threading.Lock()


def portone_status() -> str | None:
    """None when PortOne answers with these keys, else what is wrong (kept for a minute)."""
    global _verdict
    with _lock:
        if _verdict is not None and time.monotonic() - _verdict[0] < KEEP_FOR:
            return _verdict[1]
    problem = portone_problem(PROBE_SECONDS)
    with _lock:
        _verdict = (time.monotonic(), problem)
    return problem


def forget() -> None:
    """Drop the kept verdict (after changing the keys; tests)."""
    global _verdict
    with _lock:
        _verdict = None


try:  # django-health-check 4
    from health_check.base import HealthCheck
except ImportError:  # django-health-check 3
    from health_check.backends import BaseHealthCheckBackend

    class PortOneHealthCheck(BaseHealthCheckBackend):
        """PortOne reachable with these keys (django-health-check 3)."""

        critical_service = True

        def check_status(self, subset: Any = None) -> None:
            problem = portone_status()
            if problem:
                self.add_error(ServiceUnavailable(problem))

        def identifier(self) -> str:
            return "PortOne"

else:

    @dataclasses.dataclass
    class PortOneHealthCheck(HealthCheck):  # type: ignore[no-redef]
        """PortOne reachable with these keys (django-health-check 4)."""

        timeout = timedelta(seconds=PROBE_SECONDS + 1)

        def run(self) -> None:
            problem = portone_status()
            if problem:
                raise ServiceUnavailable(problem)
