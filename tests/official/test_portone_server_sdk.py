"""PortOne's official V2 client reads the fake over loopback, as it would read PortOne.

``portone-server-sdk`` (generated from PortOne's schema, strict about required fields)
must turn every answer into its typed objects, never a bare ``dict``. ``make contract``
installs it and runs this; elsewhere it skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from django_portone_cert.testing import FakePortOne, FakePortOneServer

sdk = pytest.importorskip(
    "portone_server_sdk",
    reason="portone-server-sdk is not installed here (make contract installs it)",
)
from portone_server_sdk.errors import (  # noqa: E402
    ForbiddenError,
    IdentityVerificationNotFoundError,
    InvalidRequestError,
    UnauthorizedError,
)
from portone_server_sdk.identity_verification import (  # noqa: E402
    FailedIdentityVerification,
    IdentityVerificationFailure,
    IdentityVerificationRequestedCustomer,
    IdentityVerificationVerifiedCustomer,
    ReadyIdentityVerification,
    VerifiedIdentityVerification,
)

STORE = "store-00000000-0000-0000-0000-000000000001"


@pytest.fixture
def v2() -> Iterator[tuple[FakePortOne, str]]:
    fake = FakePortOne(api_version="v2", api_secret="v2-secret", store_id=STORE)
    with FakePortOneServer(fake) as server:
        yield fake, server.url


def client(url: str, *, secret: str = "v2-secret", store_id: str | None = STORE) -> Any:
    # The identity-verification client alone: PortOneClient builds some thirty HTTP clients.
    return sdk.IdentityVerificationClient(secret=secret, base_url=url, store_id=store_id)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"provider": "inicis_unified"},
        {"provider": "kcp_v2", "carrier": "LGT_MVNO", "foreigner": True},
        {"channel_type": "TEST", "ci": None},
    ],
)
def test_verified_is_a_verified_identity_verification(
    v2: tuple[FakePortOne, str], kwargs: dict[str, Any]
) -> None:
    fake, url = v2
    vid = fake.add_certification(
        merchant_uid="certSDK1", name="김공식", birth_date=date(1999, 9, 9), **kwargs
    )
    found = client(url).get_identity_verification(identity_verification_id=vid)
    assert isinstance(found, VerifiedIdentityVerification)
    assert isinstance(found.verified_customer, IdentityVerificationVerifiedCustomer)
    assert found.verified_customer.name == "김공식"
    assert found.verified_customer.birth_date == "1999-09-09"
    assert found.pg_raw_response and found.pg_tx_id and found.verified_at
    assert found.channel is not None and found.channel.type in ("LIVE", "TEST")


def test_ready_and_failed_are_typed(v2: tuple[FakePortOne, str]) -> None:
    fake, url = v2
    ready = client(url).get_identity_verification(
        identity_verification_id=fake.add_certification(merchant_uid="certR", certified=False)
    )
    assert isinstance(ready, ReadyIdentityVerification)
    assert isinstance(ready.requested_customer, IdentityVerificationRequestedCustomer)
    failed = client(url).get_identity_verification(
        identity_verification_id=fake.add_certification(
            merchant_uid="certF", certified=False, failure={"reason": "x", "pgCode": "E1"}
        )
    )
    assert isinstance(failed, FailedIdentityVerification)
    assert isinstance(failed.failure, IdentityVerificationFailure)
    assert (failed.failure.reason, failed.failure.pg_code) == ("x", "E1")


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"store_id": ""}, InvalidRequestError),
        ({"secret": "wrong"}, UnauthorizedError),
        ({"store_id": "store-someone-else"}, ForbiddenError),
        ({}, IdentityVerificationNotFoundError),
    ],
)
def test_errors_are_the_sdks_typed_errors(
    v2: tuple[FakePortOne, str], options: dict[str, Any], error: type[Exception]
) -> None:
    fake, url = v2
    fake.add_certification(merchant_uid="certE")
    vid = "certE" if options else "certNobody"
    with pytest.raises(error):
        client(url, **options).get_identity_verification(identity_verification_id=vid)
