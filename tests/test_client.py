from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests

from django_portone_cert import __version__
from django_portone_cert.exceptions import (
    CertificationNotFound,
    InvalidRequest,
    PortOneAPIError,
    PortOneAuthError,
    PortOneTimeout,
    PortOneUnavailable,
)
from django_portone_cert.portone import Certification, PortOneClient, get_client
from django_portone_cert.testing import FakePerson, FakePortOne

IMP_UID = "imp_123456789012"


def envelope(response: Any, code: int = 0, message: str | None = None) -> dict[str, Any]:
    """PortOne V1's envelope, for answers :meth:`FakePortOne.inject_response` sends."""
    return {"code": code, "message": message, "response": response}


@pytest.fixture
def client() -> PortOneClient:
    return PortOneClient()


@pytest.fixture
def cert(portone: FakePortOne) -> str:
    """A completed Danal result at the fake (홍길동, born 1990-05-17)."""
    return portone.add_certification(imp_uid=IMP_UID, merchant_uid="cert1")


@pytest.fixture
def pass_time(portone: FakePortOne, monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Moves PortOne's clock (the fake's) and this process's ``time.time`` on together."""
    real_time = time.time
    passed = 0.0

    def pass_(seconds: float) -> None:
        nonlocal passed
        passed += seconds
        portone.advance(seconds)

    # The fake was made first and keeps the real time.time as its clock: advance() moves it.
    monkeypatch.setattr(time, "time", lambda: real_time() + passed)
    return pass_


def test_token_is_reused_within_its_life(
    portone: FakePortOne, cert: str, client: PortOneClient
) -> None:
    for _ in range(5):
        client.get_certification(IMP_UID)
    assert portone.count("token") == 1
    assert portone.count("certification") == 5


def test_token_is_shared_between_clients_through_the_cache(portone: FakePortOne, cert: str) -> None:
    PortOneClient().get_certification(IMP_UID)
    PortOneClient().get_certification(IMP_UID)
    assert portone.count("token") == 1


def test_token_in_its_last_minute_is_not_used(
    portone: FakePortOne, cert: str, client: PortOneClient, pass_time: Callable[[float], None]
) -> None:
    client.get_certification(IMP_UID)  # a token for 30 minutes
    pass_time(30 * 60 - 61)  # 61 seconds left: still used
    client.get_certification(IMP_UID)
    assert portone.count("token") == 1
    pass_time(2)  # 59 seconds left: asked again (PortOne extends it by five minutes)
    client.get_certification(IMP_UID)
    assert portone.count("token") == 2
    assert portone.count("certification") == 3


def test_token_answered_in_its_last_minute_is_not_cached(
    portone: FakePortOne, client: PortOneClient
) -> None:
    # PortOne extends a token asked for in its last minute, so this answer is not its own;
    # the client must still not keep a token that has less than its margin to live.
    now = int(portone.now())
    short = {"access_token": "short-lived", "now": now, "expired_at": now + 50}
    portone.inject_response(200, json=envelope(short), endpoint="token")
    assert client.get_token() == "short-lived"
    assert client.get_token() != "short-lived"  # not cached: asked again
    assert portone.count("token") == 2


def test_bearer_token_user_agent_and_timeouts_are_sent(
    settings: Any, cert: str, calls: Sequence[Any]
) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, "TIMEOUT": (1.5, 7)}
    PortOneClient().get_certification(IMP_UID)
    token_call, lookup = calls
    token = token_call.response.json()["response"]["access_token"]
    assert lookup.request.headers["Authorization"] == f"Bearer {token}"
    assert f"django-portone-cert/{__version__}" in lookup.request.headers["User-Agent"]
    for call in (token_call, lookup):
        assert call.request.req_kwargs["timeout"] == (1.5, 7.0)
    assert (
        token_call.request.body == b'{"imp_key": "test_imp_key", "imp_secret": "test_imp_secret"}'
    )


def test_refreshes_the_token_once_on_401(
    portone: FakePortOne, cert: str, client: PortOneClient, calls: Sequence[Any]
) -> None:
    old = client.get_token()
    portone.expire_tokens()  # PortOne ended it early; our cache still holds it
    assert client.get_certification(IMP_UID).imp_uid == IMP_UID
    assert portone.count("token") == 2
    lookups = [c for c in calls if "/certifications/" in c.request.url]
    assert [c.response.status_code for c in lookups] == [401, 200]
    new = client.get_token()
    assert new != old
    assert [c.request.headers["Authorization"] for c in lookups] == [
        f"Bearer {old}",
        f"Bearer {new}",
    ]
    # The fresh token replaced the rejected one in the cache.
    assert PortOneClient().get_token() == new
    assert portone.count("token") == 2


def test_401_twice_is_an_auth_error(portone: FakePortOne, cert: str, client: PortOneClient) -> None:
    portone.inject("unauthorized", times=2, endpoint="certification")
    with pytest.raises(PortOneAuthError) as info:
        client.get_certification(IMP_UID)
    assert info.value.code == "portone_error"
    assert info.value.status == 401
    assert portone.count("certification") == 2
    assert portone.count("token") == 2


def test_wrong_credentials(portone: FakePortOne, cert: str) -> None:
    with pytest.raises(PortOneAuthError) as info:
        PortOneClient(imp_secret="not-the-secret").get_certification(IMP_UID)
    assert info.value.status == 401
    assert portone.log == [("POST", "token", 401)]
    assert portone.count("certification") == 0


def test_not_found(portone: FakePortOne, client: PortOneClient) -> None:
    with pytest.raises(CertificationNotFound) as info:
        client.get_certification(IMP_UID)
    assert info.value.code == "certification_not_found"
    assert portone.log[-1] == ("GET", "certification", 404)


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("http_500", 500),  # PortOne's envelope with code -1
        ("http_503", 503),  # a gateway's HTML page
        ("html", 200),  # a maintenance page
        ("broken_json", 200),
        ("code_-1", 200),
        ({"status": 502, "body": "<html><body>Bad Gateway</body></html>"}, 502),
        ({"status": 200, "json": envelope("not an object")}, 200),
        ({"status": 200, "json": ["not", "an", "envelope"]}, 200),
        ({"status": 404, "body": "<html>Not Found</html>"}, 404),  # a proxy's, not PortOne's
    ],
)
def test_error_answers(
    portone: FakePortOne,
    cert: str,
    client: PortOneClient,
    answer: str | dict[str, Any],
    status: int,
) -> None:
    # Three times: the GET and its two retries (a 5xx is tried again) all get it.
    if isinstance(answer, str):
        portone.inject(answer, times=3, endpoint="certification")
    else:
        portone.inject_response(**answer, times=3, endpoint="certification")
    with pytest.raises(PortOneAPIError) as info:
        client.get_certification(IMP_UID)
    assert info.value.code == "portone_error"
    assert info.value.status == status
    # The body never reaches the message.
    assert str(info.value) == str(PortOneAPIError.default_message)


@pytest.mark.parametrize(
    ("fault", "expected", "cause", "reason"),
    [
        ("timeout", PortOneTimeout, requests.ReadTimeout, None),
        ("refused", PortOneUnavailable, requests.ConnectionError, ConnectionRefusedError),
        ("reset", PortOneUnavailable, requests.ConnectionError, ConnectionResetError),
    ],
)
def test_transport_errors(
    portone: FakePortOne,
    cert: str,
    client: PortOneClient,
    fault: str,
    expected: type[Exception],
    cause: type[Exception],
    reason: type[Exception] | None,
) -> None:
    portone.inject(fault, times=3, endpoint="certification")
    with pytest.raises(expected) as info:
        client.get_certification(IMP_UID)
    assert isinstance(info.value.__cause__, cause)
    if reason is not None:
        assert isinstance(info.value.__cause__.args[0], reason)
    assert portone.count("certification") == 3


class _Failing(requests.adapters.BaseAdapter):
    """A transport that fails before any server answers."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def send(
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # A connect timeout is also a ConnectionError: it must still count as a timeout.
        (requests.ConnectTimeout("connect timed out"), PortOneTimeout),
        # An OSError that requests did not wrap.
        (ConnectionResetError("reset by peer"), PortOneUnavailable),
    ],
)
def test_transport_errors_before_portone_answers(
    portone: FakePortOne, error: Exception, expected: type[Exception]
) -> None:
    """No PortOne is reached here, so no fake answers: the transport itself fails."""
    session = requests.Session()
    session.mount(portone.base_url, _Failing(error))
    with pytest.raises(expected) as info:
        PortOneClient(session=session).get_certification(IMP_UID)
    assert info.value.__cause__ is error
    assert portone.count() == 0


def test_transport_errors_on_get_token(portone: FakePortOne, client: PortOneClient) -> None:
    portone.inject("timeout", times=3, endpoint="token")
    with pytest.raises(PortOneTimeout):
        client.get_certification(IMP_UID)
    assert portone.count("token") == 3
    assert portone.count("certification") == 0


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
    portone: FakePortOne, client: PortOneClient, imp_uid: Any
) -> None:
    with pytest.raises(InvalidRequest):
        client.get_certification(imp_uid)
    with pytest.raises(InvalidRequest):
        client.delete_certification(imp_uid)
    assert portone.count() == 0


def test_delete(portone: FakePortOne, cert: str, client: PortOneClient) -> None:
    assert client.delete_certification(IMP_UID).imp_uid == IMP_UID
    assert portone.log[-1] == ("DELETE", "certification", 200)
    assert portone.get_record(IMP_UID) is None  # PortOne's copy is gone


def test_parses_a_full_record(portone: FakePortOne, client: PortOneClient) -> None:
    portone.add_certification(
        imp_uid=IMP_UID,
        merchant_uid="cert1",
        certified_at=1_790_000_000,
        origin="https://example.com/verify/",
    )
    # Danal with the foreigner contract; a known transaction id.
    portone.update_certification(IMP_UID, foreigner_v2=True, pg_tid="pgtid-1")
    person = FakePerson(name="홍길동", birth_date=date(1990, 5, 17))
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
        ci=person.ci,
        di=person.di(portone.site, "danal"),
        phone="01012345678",
        carrier="SKT",
        pg_tid="pgtid-1",
        origin="https://example.com/verify/",
    )


def test_birth_date_comes_from_birthday_never_from_birth(
    portone: FakePortOne, client: PortOneClient
) -> None:
    portone.add_certification(imp_uid=IMP_UID, merchant_uid="cert1", birth_date="2007-01-01")
    record = portone.get_record(IMP_UID)
    assert record is not None
    # ``birth`` is 00:00 KST, which is still the previous year in UTC.
    assert datetime.fromtimestamp(record["birth"], tz=UTC).date() == date(2006, 12, 31)
    assert client.get_certification(IMP_UID).birth_date == date(2007, 1, 1)


def test_tolerates_a_minimal_record(portone: FakePortOne, client: PortOneClient) -> None:
    minimal = {"imp_uid": IMP_UID, "pg_provider": "inicis_unified", "foreigner": False}
    portone.inject_response(200, json=envelope(minimal), endpoint="certification")
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
    portone: FakePortOne,
    cert: str,
    client: PortOneClient,
    fields: dict[str, Any],
    expected: bool | None,
) -> None:
    portone.update_certification(IMP_UID, **fields)
    assert client.get_certification(IMP_UID).is_foreigner is expected


def test_repr_hides_personal_data(portone: FakePortOne, cert: str, client: PortOneClient) -> None:
    record = portone.get_record(IMP_UID)
    assert record is not None
    text = repr(client.get_certification(IMP_UID))
    for secret in (record[key] for key in ("name", "unique_key", "phone", "unique_in_site")):
        assert secret and secret not in text


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
    fake = FakePortOne()
    imp_uid = fake.add_certification(merchant_uid="cert1")
    fake.update_certification(imp_uid, carrier=sent)
    record = fake.get_record(imp_uid)
    assert record is not None
    assert Certification.from_v1(record).carrier == expected


def test_the_environment_is_read_once_when_the_client_is_made(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """Proxy variables, NO_PROXY and a CA bundle apply as requests would apply them, read when
    the client is made, not on every request (the session stops reading the environment)."""
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    for name in ("NO_PROXY", "no_proxy", "CURL_CA_BUNDLE", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://egress.example:3128")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    client = PortOneClient(base_url="https://api.iamport.kr")
    assert client.session.trust_env is False
    assert client.session.proxies.get("https") == "http://egress.example:3128"
    assert client.session.verify == str(bundle)
    monkeypatch.setenv("NO_PROXY", "api.iamport.kr")
    assert "https" not in PortOneClient(base_url="https://api.iamport.kr").session.proxies
    given = requests.Session()  # a session the site passes in is left as it is
    assert PortOneClient(session=given).session.trust_env is True
