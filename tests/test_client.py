from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests
import responses

from django_portone_cert import __version__
from django_portone_cert.client import Certification, PortOneClient, get_client
from django_portone_cert.exceptions import (
    CertificationNotFound,
    InvalidRequest,
    PortOneAPIError,
    PortOneAuthError,
    PortOneTimeout,
    PortOneUnavailable,
)
from tests.portone_stub import CI, TOKEN_URL, PortOneStub, cert_url, certification_record, envelope

IMP_UID = "imp_123456789012"


@pytest.fixture
def client() -> PortOneClient:
    return PortOneClient()


def test_token_is_reused_within_its_life(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token()
    portone_stub.certification(IMP_UID, "cert1")
    for _ in range(5):
        client.get_certification(IMP_UID)
    assert portone_stub.token_requests == 1
    assert portone_stub.count(cert_url(IMP_UID)) == 5


def test_token_is_shared_between_clients_through_the_cache(portone_stub: PortOneStub) -> None:
    portone_stub.token()
    portone_stub.certification(IMP_UID, "cert1")
    PortOneClient().get_certification(IMP_UID)
    PortOneClient().get_certification(IMP_UID)
    assert portone_stub.token_requests == 1


def test_token_in_its_last_minute_is_not_cached(
    portone_stub: PortOneStub, client: PortOneClient
) -> None:
    portone_stub.token(ttl=50)
    portone_stub.certification(IMP_UID, "cert1")
    client.get_certification(IMP_UID)
    client.get_certification(IMP_UID)
    assert portone_stub.token_requests == 2


def test_bearer_token_user_agent_and_timeouts_are_sent(
    portone_stub: PortOneStub, settings: Any
) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "TIMEOUT": (1.5, 7)}
    portone_stub.token("the-token")
    portone_stub.certification(IMP_UID, "cert1")
    PortOneClient().get_certification(IMP_UID)
    token_call, lookup = portone_stub.rsps.calls
    assert lookup.request.headers["Authorization"] == "Bearer the-token"
    assert f"django-portone-cert/{__version__}" in lookup.request.headers["User-Agent"]
    for call in (token_call, lookup):
        assert call.request.req_kwargs["timeout"] == (1.5, 7.0)
    assert (
        token_call.request.body == b'{"imp_key": "test_imp_key", "imp_secret": "test_imp_secret"}'
    )


def test_refreshes_the_token_once_on_401(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token("old")
    portone_stub.token("new")
    portone_stub.answer(IMP_UID, status=401, json=envelope(None, -1, "Unauthorized"))
    portone_stub.certification(IMP_UID, "cert1")
    assert client.get_certification(IMP_UID).imp_uid == IMP_UID
    assert portone_stub.token_requests == 2
    lookups = [c for c in portone_stub.rsps.calls if c.request.url == cert_url(IMP_UID)]
    assert [c.request.headers["Authorization"] for c in lookups] == ["Bearer old", "Bearer new"]
    # The fresh token replaced the rejected one in the cache.
    assert client.get_token() == "new"


def test_401_twice_is_an_auth_error(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token("a")
    portone_stub.token("b")
    portone_stub.answer(IMP_UID, status=401, json=envelope(None, -1, "Unauthorized"))
    with pytest.raises(PortOneAuthError) as info:
        client.get_certification(IMP_UID)
    assert info.value.code == "portone_error"
    assert info.value.status == 401
    assert portone_stub.count(cert_url(IMP_UID)) == 2


def test_wrong_credentials(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token(status=401)
    with pytest.raises(PortOneAuthError):
        client.get_certification(IMP_UID)
    assert portone_stub.count(cert_url(IMP_UID)) == 0


def test_not_found(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token()
    portone_stub.not_found(IMP_UID)
    with pytest.raises(CertificationNotFound) as info:
        client.get_certification(IMP_UID)
    assert info.value.code == "certification_not_found"


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"status": 500, "json": envelope(None, -1, "server error")}, 500),
        ({"status": 502, "body": "<html><body>Bad Gateway</body></html>"}, 502),
        ({"status": 200, "body": "<html>maintenance</html>"}, 200),
        ({"status": 200, "body": '{"code": 0, "response": {'}, 200),
        ({"status": 200, "json": envelope(None, -1, "실패")}, 200),
        ({"status": 200, "json": envelope("not an object")}, 200),
        ({"status": 200, "json": ["not", "an", "envelope"]}, 200),
        ({"status": 404, "body": "<html>Not Found</html>"}, 404),
    ],
)
def test_error_answers(
    portone_stub: PortOneStub, client: PortOneClient, kwargs: dict[str, Any], status: int
) -> None:
    portone_stub.token()
    portone_stub.answer(IMP_UID, **kwargs)
    with pytest.raises(PortOneAPIError) as info:
        client.get_certification(IMP_UID)
    assert info.value.code == "portone_error"
    assert info.value.status == status
    # The body never reaches the message.
    assert str(info.value) == str(PortOneAPIError.default_message)


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (requests.ReadTimeout("read timed out"), PortOneTimeout),
        (requests.ConnectTimeout("connect timed out"), PortOneTimeout),
        (requests.ConnectionError("connection refused"), PortOneUnavailable),
        (ConnectionResetError("reset by peer"), PortOneUnavailable),
    ],
)
def test_transport_errors(
    portone_stub: PortOneStub, client: PortOneClient, error: Exception, expected: type[Exception]
) -> None:
    portone_stub.token()
    portone_stub.answer(IMP_UID, body=error)
    with pytest.raises(expected) as info:
        client.get_certification(IMP_UID)
    assert info.value.__cause__ is error


def test_transport_errors_on_get_token(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.rsps.add(responses.POST, TOKEN_URL, body=requests.ReadTimeout())
    with pytest.raises(PortOneTimeout):
        client.get_certification(IMP_UID)


def test_builtin_error_classes() -> None:
    assert issubclass(PortOneTimeout, TimeoutError)
    assert issubclass(PortOneUnavailable, ConnectionError)


@pytest.mark.parametrize(
    "imp_uid",
    [
        "",
        "../users/getToken",
        "imp_1/../../users",
        "imp_1%2F..",
        "imp_1?x=1",
        "imp_1#frag",
        "imp_1\n",
        "imp_1 2",
        "imp_" + "1" * 65,
        "merchant_1",
        None,
        123,
    ],
)
def test_hostile_imp_uid_sends_nothing(
    portone_stub: PortOneStub, client: PortOneClient, imp_uid: Any
) -> None:
    with pytest.raises(InvalidRequest):
        client.get_certification(imp_uid)
    with pytest.raises(InvalidRequest):
        client.delete_certification(imp_uid)
    assert len(portone_stub.rsps.calls) == 0


def test_delete(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token()
    record = certification_record(IMP_UID, "cert1")
    portone_stub.answer(IMP_UID, method=responses.DELETE, json=envelope(record))
    assert client.delete_certification(IMP_UID).imp_uid == IMP_UID
    assert portone_stub.rsps.calls[-1].request.method == "DELETE"


def test_parses_a_full_record(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token()
    portone_stub.certification(IMP_UID, "cert1", certified_at=1_790_000_000, foreigner_v2=True)
    cert = client.get_certification(IMP_UID)
    assert cert == Certification(
        imp_uid=IMP_UID,
        merchant_uid="cert1",
        provider="danal",
        certified=True,
        certified_at=datetime.fromtimestamp(1_790_000_000, tz=UTC),
        birth_date=date(1990, 5, 17),
        name="홍길동",
        gender="male",
        is_foreigner=True,
        ci=CI,
        di="D1" * 32,
        phone="01012345678",
        carrier="SKT",
        pg_tid="pgtid-1",
        origin="https://example.com/verify/",
    )


def test_birth_date_comes_from_birthday_never_from_birth(
    portone_stub: PortOneStub, client: PortOneClient
) -> None:
    portone_stub.token()
    record = portone_stub.certification(IMP_UID, "cert1", birthday="2007-01-01")
    # ``birth`` is 00:00 KST, which is still the previous year in UTC.
    assert datetime.fromtimestamp(record["birth"], tz=UTC).date() == date(2006, 12, 31)
    assert client.get_certification(IMP_UID).birth_date == date(2007, 1, 1)


def test_tolerates_a_minimal_record(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token()
    portone_stub.answer(
        IMP_UID,
        json=envelope({"imp_uid": IMP_UID, "pg_provider": "inicis_unified", "foreigner": False}),
    )
    cert = client.get_certification(IMP_UID)
    assert cert.certified is False
    assert cert.birth_date is None and cert.name is None and cert.ci is None
    assert cert.gender is None and cert.certified_at is None
    # A false ``foreigner`` without ``foreigner_v2`` may only mean "not asked".
    assert cert.is_foreigner is None


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"foreigner": False, "foreigner_v2": None}, None),
        ({"foreigner": False, "foreigner_v2": True}, True),
        ({"foreigner": True}, True),
    ],
)
def test_foreigner_v2_is_preferred(
    portone_stub: PortOneStub, client: PortOneClient, fields: dict[str, Any], expected: bool | None
) -> None:
    portone_stub.token()
    record = certification_record(IMP_UID, "cert1")
    record.pop("foreigner_v2")
    record.update(fields)
    portone_stub.answer(IMP_UID, json=envelope(record))
    assert client.get_certification(IMP_UID).is_foreigner is expected


def test_repr_hides_personal_data(portone_stub: PortOneStub, client: PortOneClient) -> None:
    portone_stub.token()
    portone_stub.certification(IMP_UID, "cert1")
    text = repr(client.get_certification(IMP_UID))
    for secret in ("홍길동", CI, "01012345678", "D1D1D1"):
        assert secret not in text


def test_get_client_follows_settings(settings: Any) -> None:
    first = get_client()
    assert get_client() is first
    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "API_BASE_URL": "https://static-api.iamport.kr/",
    }
    second = get_client()
    assert second is not first
    assert second.base_url == "https://static-api.iamport.kr"


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("SKT", "SKT"),
        ("KT", "KT"),
        ("LGT", "LGU"),
        ("LGT_MVNO", "LGU_MVNO"),
        ("KT_MVNO", "KT_MVNO"),
        ("SKT_MVNO", "SKT_MVNO"),
        ("NEWCO", "NEWCO"),
        (None, None),
        ("", None),
    ],
)
def test_carrier_is_spelled_as_on_v2(sent: str | None, expected: str | None) -> None:
    """V1's LGT and V2's LGU are one carrier; an MVNO is never folded into its host."""
    record = certification_record(IMP_UID, "cert1", carrier=sent)
    assert Certification.from_v1(record).carrier == expected
