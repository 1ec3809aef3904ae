"""PortOne's official V2 client drives the fake's API 본인인증 over loopback: send, resend,
confirm, and the errors it documents, each read into the SDK's typed objects.

``make contract`` installs ``portone-server-sdk``; elsewhere this skips.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from django_portone_cert.conf import app_settings
from django_portone_cert.testing import FakePortOne, FakePortOneServer

sdk = pytest.importorskip(
    "portone_server_sdk",
    reason="portone-server-sdk is not installed here (make contract installs it)",
)
from portone_server_sdk.errors import (  # noqa: E402
    ChannelNotFoundError,
    IdentityVerificationAlreadySentError,
    IdentityVerificationAlreadyVerifiedError,
    IdentityVerificationNotFoundError,
    IdentityVerificationNotSentError,
    InvalidRequestError,
    MaxTransactionCountReachedError,
    PgProviderError,
)
from portone_server_sdk.identity_verification import (  # noqa: E402
    ConfirmIdentityVerificationResponse,
    SendIdentityVerificationBodyCustomer,
    VerifiedIdentityVerification,
)

STORE = "store-00000000-0000-0000-0000-000000000002"
PHONE = "01077778888"


@pytest.fixture
def v2() -> Iterator[tuple[FakePortOne, Any]]:
    fake = FakePortOne(api_version="v2", api_secret="v2-secret", store_id=STORE)
    with FakePortOneServer(fake) as server:
        client = sdk.IdentityVerificationClient(
            secret="v2-secret", base_url=server.url, store_id=STORE
        )
        yield fake, client


def send(client: Any, vid: str, **changes: Any) -> Any:
    customer = SendIdentityVerificationBodyCustomer(
        name=changes.pop("name", "이공식"),
        phone_number=PHONE,
        ip_address="198.51.100.4",
        identity_number="9912312",
    )
    options: dict[str, Any] = {
        "identity_verification_id": vid,
        "channel_key": app_settings.CHANNEL_KEY,
        "customer": customer,
        "operator": "SKT_MVNO",
        "method": "SMS",
        **changes,
    }
    return client.send_identity_verification(**options)


def test_send_resend_confirm(v2: tuple[FakePortOne, Any]) -> None:
    fake, client = v2
    send(client, "certSdkOtp")
    first = fake.last_code(PHONE)
    client.resend_identity_verification(identity_verification_id="certSdkOtp")
    code = fake.last_code(PHONE) or ""
    assert fake.otp_sends(PHONE) == 2 and code.isdigit() and len(code) == 6
    if first != code:
        with pytest.raises(PgProviderError) as info:
            client.confirm_identity_verification(identity_verification_id="certSdkOtp", otp=first)
        assert info.value.pg_code and info.value.pg_message
    done = client.confirm_identity_verification(identity_verification_id="certSdkOtp", otp=code)
    assert isinstance(done, ConfirmIdentityVerificationResponse)
    verified = done.identity_verification
    assert isinstance(verified, VerifiedIdentityVerification)
    customer = verified.verified_customer
    assert (customer.name, customer.birth_date, customer.gender) == (
        "이공식",
        "1999-12-31",
        "FEMALE",
    )
    assert customer.operator == "SKT_MVNO" and customer.phone_number == PHONE
    assert customer.ci and customer.di and verified.pg_tx_id and verified.pg_raw_response
    looked_up = client.get_identity_verification(identity_verification_id="certSdkOtp")
    assert isinstance(looked_up, VerifiedIdentityVerification)
    assert looked_up.verified_customer == customer


def test_the_errors_are_the_sdks_typed_errors(v2: tuple[FakePortOne, Any]) -> None:
    fake, client = v2
    fake.otp_transaction_limit = 1
    send(client, "certSdkA")
    with pytest.raises(IdentityVerificationAlreadySentError):
        send(client, "certSdkA")
    with pytest.raises(PgProviderError):  # PortOne documents no limit error for a resend
        client.resend_identity_verification(identity_verification_id="certSdkA")
    with pytest.raises(MaxTransactionCountReachedError):
        send(client, "certSdkLimit")
    with pytest.raises(PgProviderError):
        client.confirm_identity_verification(identity_verification_id="certSdkA", otp="x")
    client.confirm_identity_verification(
        identity_verification_id="certSdkA", otp=fake.last_code(PHONE)
    )
    with pytest.raises(IdentityVerificationAlreadyVerifiedError):
        client.confirm_identity_verification(identity_verification_id="certSdkA", otp="1")
    with pytest.raises(IdentityVerificationAlreadyVerifiedError):
        send(client, "certSdkA")
    with pytest.raises(IdentityVerificationNotFoundError):
        client.confirm_identity_verification(identity_verification_id="certSdkNone", otp="1")
    fake.add_certification(merchant_uid="certSdkPopup", certified=False)
    with pytest.raises(IdentityVerificationNotSentError):
        client.resend_identity_verification(identity_verification_id="certSdkPopup")
    with pytest.raises(InvalidRequestError):
        send(client, "certSdkB", operator="LGT")
    with pytest.raises(ChannelNotFoundError):
        send(client, "certSdkB", channel_key="channel-nobody")


def test_a_refused_person_is_the_providers_error(v2: tuple[FakePortOne, Any]) -> None:
    fake, client = v2
    fake.add_otp_person(name="등록된이", phone=PHONE, birth_date="1999-12-31", gender_digit="2")
    with pytest.raises(PgProviderError):
        send(client, "certSdkC")
    send(client, "certSdkD", name="등록된이", bypass={"kcpV2": {"media_type": "MC01"}})
    assert fake.last_code(PHONE)
