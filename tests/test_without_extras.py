"""The app without prometheus_client, opentelemetry or django-health-check: it imports and
verifies, and records nothing (the default lane has none of them; this makes sure of it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_portone_cert import metrics
from django_portone_cert.checks.operations import check_operations
from tests.helpers import configure

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import os, sys
for name in ("prometheus_client", "opentelemetry", "health_check"):
    sys.modules[name] = None  # importing it now raises ImportError
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.contrib.auth import get_user_model
from django_portone_cert import metrics, tracing
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, verify
assert not metrics.available() and not tracing.enabled()
assert metrics.instruments() is None
model = get_user_model()
user = model.objects.create_user(**{model.USERNAME_FIELD: "plain@example.com"}, password="pw")
with FakePortOne().activate() as fake:
    response = verify(client_for(user), fake)
assert response.status_code == 201, response.content
try:
    import django_portone_cert.contrib.health_check
except ImportError:
    pass
else:
    raise AssertionError("the health check needs django-health-check")
print("verified without the extras")
"""


def test_the_app_verifies_without_the_optional_libraries() -> None:
    # The subprocess is not under pytest-django's test database: it runs on the default
    # settings' in-memory SQLite and local-memory cache, never on a lane's real services.
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "verified without the extras" in done.stdout


def test_metrics_asked_for_without_prometheus_client_warns(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "_prometheus", None)
    configure(settings, METRICS=True)
    assert [m.id for m in check_operations()] == ["portone_cert.W080"]
    configure(settings, METRICS=False)
    assert check_operations() == []
    settings.PORTONE_CERT = {k: v for k, v in settings.PORTONE_CERT.items() if k != "METRICS"}
    assert check_operations() == []  # the default asks for nothing
    configure(settings, METRICS="yes")
    with pytest.raises(SystemCheckError, match=r"portone_cert\.E080"):
        call_command("check")
