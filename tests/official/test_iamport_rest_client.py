"""PortOne's official V1 client, ``iamport-rest-client`` 0.9.0, reads the fake over loopback.

It pins an old ``requests``, so it runs in a virtualenv of its own (``IAMPORT_PYTHON``,
default ``.venv-iamport``) on ``iamport_reader.py``; ``make contract`` builds it.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from django_portone_cert.testing import FakePortOne, FakePortOneServer


def iamport_python() -> str | None:
    named = os.environ.get("IAMPORT_PYTHON")
    default = Path(__file__).resolve().parents[2] / ".venv-iamport" / "bin" / "python"
    python = Path(named) if named else default
    return str(python) if python.is_file() else None


needs_iamport = pytest.mark.skipif(
    iamport_python() is None,
    reason="no virtualenv with iamport-rest-client 0.9.0 (IAMPORT_PYTHON; make contract builds it)",
)


@needs_iamport
def test_iamport_rest_client_reads_the_fake() -> None:
    fake = FakePortOne(imp_key="v1-key", imp_secret="v1-secret", api_version="v1")
    danal = fake.add_certification(merchant_uid="cert1", name="이공식", birth_date="2000-01-02")
    inicis = fake.add_certification(merchant_uid="cert2", provider="inicis_unified")
    with FakePortOneServer(fake) as server:
        ran = subprocess.run(
            [
                str(iamport_python()),
                str(Path(__file__).with_name("iamport_reader.py")),
                server.url,
                "v1-key",
                "v1-secret",
                danal,
                inicis,
                "imp_000000000000",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert ran.returncode == 0, ran.stderr[-2000:]
    results = json.loads(ran.stdout)
    found = results[danal]["find_certification"]["ok"]
    assert found["imp_uid"] == danal and found["name"] == "이공식"
    assert found["birthday"] == "2000-01-02" and found["certified"] is True
    assert results[danal]["cancel_certification"]["ok"]["imp_uid"] == danal
    unified = results[inicis]["find_certification"]["ok"]
    assert unified["gender"] is None and "carrier" not in unified
    assert results["imp_000000000000"]["find_certification"] == {
        "error": "HttpError",
        "status": 404,
    }
    assert results["wrong_secret"] == {"error": "HttpError", "status": 401}
    assert fake.get_record(danal) is None  # cancel_certification deleted it
