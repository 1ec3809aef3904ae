"""pytest fixtures for projects that use django-portone-cert.

Enable in ``conftest.py``::

    pytest_plugins = ["django_portone_cert.testing.pytest_plugin"]

Then ``portone`` is a :class:`~django_portone_cert.testing.FakePortOne` that
answers every PortOne request of the test, with the credentials of your settings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..portone.fake.api import FakePortOne


@pytest.fixture
def portone(settings: Any) -> Iterator[FakePortOne]:
    """A fake PortOne for this test; no request leaves the process.

    Its results are PortOne's, whatever ``SANDBOX`` says in the settings: the fixture
    turns sandbox mode off for the test's duration.
    """
    config = dict(getattr(settings, "PORTONE_CERT", None) or {})
    test_keys = {"IMP_KEY": "fake_imp_key", "IMP_SECRET": "fake_imp_secret"}
    test_keys["IMP_CODE"] = "imp00000000"
    if config.get("API_VERSION") == "v2":
        v2_keys = {"API_SECRET": "fake_api_secret", "STORE_ID": "store-fake"}
        test_keys.update(v2_keys, CHANNEL_KEY="channel-key-fake")
    for key, value in test_keys.items():
        # A key the settings leave empty (os.environ.get() without the variable) is missing.
        if not config.get(key):
            config[key] = value
    # The fake plays PortOne, not the sandbox: a settings module that turns SANDBOX on
    # (say, in DEBUG) would mark every result as the sandbox's, and pytest runs with
    # DEBUG off, where every gate refuses a sandbox identity. For this test only.
    config["SANDBOX"] = False
    settings.PORTONE_CERT = config
    # On V2 the fake checks the storeId query as PortOne does (400 / 403 otherwise).
    fake = FakePortOne(
        store_id=config.get("STORE_ID") if config.get("API_VERSION") == "v2" else None
    )
    with fake.activate():
        yield fake
