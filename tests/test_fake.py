"""The fake PortOne answers as PortOne does (PORTONE.md): tokens, records, errors, faults."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
import requests

from django_portone_cert.ages import KST
from django_portone_cert.exceptions import PortOneTimeout, PortOneUnavailable
from django_portone_cert.portone import PortOneClient
from django_portone_cert.testing import FAULTS, CacheStore, FakePerson, FakePortOne, MemoryStore

KEY = {"imp_key": "fake_imp_key", "imp_secret": "fake_imp_secret"}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> FakePortOne:
    return FakePortOne(imp_key="fake_imp_key", imp_secret="fake_imp_secret", clock=clock)


def get_token(fake: FakePortOne, body: Any = None, form: bool = False) -> Any:
    payload = body if body is not None else KEY
    if form:
        from urllib.parse import urlencode

        return fake.handle(
            "POST",
            "/users/getToken",
            {"Content-Type": "application/x-www-form-urlencoded"},
            urlencode(payload).encode(),
        )
    return fake.handle(
        "POST", "/users/getToken", {"Content-Type": "application/json"}, json.dumps(payload)
    )


def lookup(fake: FakePortOne, imp_uid: str, token: str, method: str = "GET") -> Any:
    return fake.handle(
        method, f"/certifications/{imp_uid}", {"Authorization": f"Bearer {token}"}, None
    )


# --- tokens ---


def test_token_lives_thirty_minutes(fake: FakePortOne, clock: Clock) -> None:
    answer = get_token(fake).json()
    assert answer["code"] == 0 and answer["message"] is None
    token = answer["response"]
    assert token["now"] == 1_800_000_000
    assert token["expired_at"] - token["now"] == 1800
    assert len(token["access_token"]) == 40


def test_same_token_before_expiry(fake: FakePortOne, clock: Clock) -> None:
    first = get_token(fake).json()["response"]
    clock.now += 600
    second = get_token(fake, form=True).json()["response"]
    assert second["access_token"] == first["access_token"]
    assert second["expired_at"] == first["expired_at"]
    assert second["now"] == first["now"] + 600


def test_last_minute_extends_by_five_minutes(fake: FakePortOne, clock: Clock) -> None:
    first = get_token(fake).json()["response"]
    clock.now += 1800 - 30
    again = get_token(fake).json()["response"]
    assert again["access_token"] == first["access_token"]
    assert again["expired_at"] == first["expired_at"] + 300


def test_new_token_after_expiry_and_401_with_the_old(fake: FakePortOne, clock: Clock) -> None:
    first = get_token(fake).json()["response"]
    imp_uid = fake.add_certification(merchant_uid="cert1")
    assert lookup(fake, imp_uid, first["access_token"]).status == 200
    clock.now += 1800
    assert lookup(fake, imp_uid, first["access_token"]).status == 401
    fresh = get_token(fake).json()["response"]
    assert fresh["access_token"] != first["access_token"]
    assert lookup(fake, imp_uid, fresh["access_token"]).status == 200


def test_bare_token_is_accepted(fake: FakePortOne) -> None:
    token = get_token(fake).json()["response"]["access_token"]
    imp_uid = fake.add_certification()
    answer = fake.handle("GET", f"/certifications/{imp_uid}", {"Authorization": token}, None)
    assert answer.status == 200


@pytest.mark.parametrize("body", [{}, {"imp_key": "fake_imp_key"}, {"imp_secret": "x"}])
def test_missing_credentials_400(fake: FakePortOne, body: dict[str, str]) -> None:
    answer = get_token(fake, body)
    assert answer.status == 400
    assert answer.json() == {
        "code": -1,
        "message": "imp_key, imp_secret 파라메터가 누락되었습니다.",
        "response": None,
    }


def test_wrong_credentials_401(fake: FakePortOne) -> None:
    answer = get_token(fake, {"imp_key": "fake_imp_key", "imp_secret": "wrong"})
    assert answer.status == 401
    assert answer.json()["response"] is None


# --- records ---


def test_record_formats(fake: FakePortOne) -> None:
    imp_uid = fake.add_certification(
        name="김하늘",
        birth_date=date(2007, 1, 1),
        merchant_uid="cert42",
        gender="female",
        phone="01099998888",
        carrier="KT_MVNO",
    )
    token = get_token(fake).json()["response"]["access_token"]
    record = lookup(fake, imp_uid, token).json()["response"]
    assert imp_uid.startswith("imp_") and len(imp_uid) == 16
    assert record["merchant_uid"] == "cert42"
    assert record["birthday"] == "2007-01-01"
    # ``birth``: 00:00 KST of the birth date, which is the previous day in UTC.
    assert datetime.fromtimestamp(record["birth"], KST) == datetime(2007, 1, 1, tzinfo=KST)
    assert datetime.fromtimestamp(record["birth"], UTC).date() == date(2006, 12, 31)
    assert record["gender"] == "female"
    assert record["certified"] is True and record["certified_at"] == 1_800_000_000
    assert len(record["unique_key"]) == 88
    base64.b64decode(record["unique_key"], validate=True)
    assert len(record["unique_in_site"]) == 64
    assert record["pg_provider"] == "danal"
    assert record["foreigner"] is False and record["foreigner_v2"] is None
    assert record["carrier"] == "KT_MVNO" and record["phone"] == "01099998888"


def test_ci_is_deterministic_per_person(fake: FakePortOne) -> None:
    token = get_token(fake).json()["response"]["access_token"]
    born = date(1995, 3, 3)
    one = fake.add_certification(name="박서준", birth_date=born)
    two = fake.add_certification(name="박서준", birth_date=born, provider="kcp_v2")
    # Inicis 통합인증 does not know the gender: the person, and the CI, are the same.
    three = fake.add_certification(name="박서준", birth_date=born, provider="inicis_unified")
    four = fake.add_certification(name="박서준", birth_date=born, gender="female", carrier="KT")
    other = fake.add_certification(name="박서준", birth_date=date(1995, 3, 4))
    namesake = fake.add_certification(name="박서준", birth_date=born, seed="another 박서준")
    ids = (one, two, three, four, other, namesake)
    ci = [lookup(fake, i, token).json()["response"]["unique_key"] for i in ids]
    assert ci[0] == ci[1] == ci[2] == ci[3]
    assert len({ci[0], ci[4], ci[5]}) == 3
    assert ci[0] == FakePerson("박서준", born).ci == fake.person_ci("박서준", born)
    assert ci[5] == fake.person_ci("박서준", born, seed="another 박서준")
    # DI differs per provider and per site; Inicis sends none.
    di = [lookup(fake, i, token).json()["response"]["unique_in_site"] for i in (one, two, three)]
    assert di[0] != di[1] and di[2] is None
    assert FakePerson("박서준", born).di("other-site", "danal") != di[0]


def test_di_is_shaped_like_a_real_one(fake: FakePortOne) -> None:
    di = FakePerson().di("site", "danal")
    # A real DI: base64 of a DER-wrapped HMAC-SHA256, 64 characters.
    assert len(di) == 64 and di.startswith("MC0GCCqGSIb3DQIJAyEA") and di.endswith("=")
    assert len(base64.b64decode(di, validate=True)) == 47


def test_inicis_unified_has_no_di_no_carrier_and_unknown_gender(fake: FakePortOne) -> None:
    imp_uid = fake.add_certification(provider="inicis_unified")
    token = get_token(fake).json()["response"]["access_token"]
    record = lookup(fake, imp_uid, token).json()["response"]
    assert record["unique_in_site"] is None
    assert "carrier" not in record and record["phone"] == "01012345678"
    assert record["gender"] is None and record["foreigner_v2"] is None
    assert record["foreigner"] is False
    told = fake.add_certification(provider="inicis_unified", gender="female", foreigner=True)
    record = lookup(fake, told, token).json()["response"]
    assert record["gender"] == "female" and record["foreigner_v2"] is True


def test_inicis_card_has_neither_phone_nor_carrier(fake: FakePortOne) -> None:
    imp_uid = fake.add_certification(provider="inicis")
    token = get_token(fake).json()["response"]["access_token"]
    record = lookup(fake, imp_uid, token).json()["response"]
    assert record["pg_provider"] == "inicis"
    assert "phone" not in record and "carrier" not in record
    assert len(record["unique_in_site"]) == 64 and record["foreigner_v2"] is None
    with pytest.raises(ValueError, match="unknown provider"):
        fake.add_certification(provider="nice")


def test_danal_without_phone_approval_leaves_phone_and_carrier_out(clock: Clock) -> None:
    fake = FakePortOne(imp_key="k", imp_secret="s", clock=clock, phone_approved=False)
    token = get_token(fake, {"imp_key": "k", "imp_secret": "s"}).json()["response"]
    imp_uid = fake.add_certification()
    record = lookup(fake, imp_uid, token["access_token"]).json()["response"]
    assert "phone" not in record and "carrier" not in record
    assert record["foreigner"] is False and record["foreigner_v2"] is None


def test_v1_records_always_carry_a_merchant_uid(fake: FakePortOne) -> None:
    minted = fake.get_record(fake.add_certification())
    assert minted is not None and minted["merchant_uid"].startswith("mid_")
    with pytest.raises(ValueError, match="merchant_uid is required"):
        fake.add_certification(merchant_uid="")


def test_uncertified_record(fake: FakePortOne) -> None:
    imp_uid = fake.add_certification(certified=False)
    token = get_token(fake).json()["response"]["access_token"]
    record = lookup(fake, imp_uid, token).json()["response"]
    assert record["certified"] is False and record["certified_at"] == 0


def test_not_found_envelope(fake: FakePortOne) -> None:
    token = get_token(fake).json()["response"]["access_token"]
    answer = lookup(fake, "imp_000000000000", token)
    assert answer.status == 404
    assert answer.json() == {
        "code": -1,
        "message": "인증결과가 존재하지 않습니다.",
        "response": None,
    }


def test_delete(fake: FakePortOne) -> None:
    imp_uid = fake.add_certification()
    token = get_token(fake).json()["response"]["access_token"]
    deleted = lookup(fake, imp_uid, token, method="DELETE")
    assert deleted.status == 200 and deleted.json()["response"]["imp_uid"] == imp_uid
    assert lookup(fake, imp_uid, token).status == 404


# --- faults and counters ---


@pytest.mark.parametrize("fault", FAULTS)
def test_each_fault_once(fake: FakePortOne, fault: str) -> None:
    fake.inject(fault)
    first = get_token(fake)
    second = get_token(fake)
    assert second.status == 200
    if fault in ("timeout", "reset", "refused"):
        assert first.fault == fault
    else:
        assert first.status in (200, 401, 500, 503)
        assert first.body != second.body


def test_fault_for_one_endpoint(fake: FakePortOne) -> None:
    fake.inject("http_500", endpoint="certification")
    assert get_token(fake).status == 200
    token = get_token(fake).json()["response"]["access_token"]
    imp_uid = fake.add_certification()
    assert lookup(fake, imp_uid, token).status == 500
    assert lookup(fake, imp_uid, token).status == 200


def test_unknown_fault(fake: FakePortOne) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        fake.inject("meteor")


def test_an_injected_answer_is_sent_as_given(fake: FakePortOne) -> None:
    fake.inject_response(502, "<html>Bad Gateway</html>", endpoint="certification", times=2)
    fake.inject_response(200, json={"code": 0, "response": "text"}, endpoint="token")
    fake.latency = 0.5
    first = get_token(fake)
    assert (first.status, first.json()) == (200, {"code": 0, "response": "text"})
    assert first.headers["Content-Type"].startswith("application/json")
    token = get_token(fake).json()["response"]["access_token"]  # the queue is spent
    imp_uid = fake.add_certification()
    for _ in range(2):
        answer = lookup(fake, imp_uid, token)
        assert (answer.status, answer.body) == (502, b"<html>Bad Gateway</html>")
        assert answer.headers == {"Content-Type": "text/html"} and answer.delay == 0.5
    assert lookup(fake, imp_uid, token).status == 200
    assert fake.certification_requests == 3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"status": 700, "body": ""}, "not an HTTP status"),
        ({"status": 200}, "either body or json"),
        ({"status": 200, "body": "", "json": {}}, "either body or json"),
    ],
)
def test_an_injected_answer_needs_a_status_and_one_body(
    fake: FakePortOne, kwargs: dict[str, Any], match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        fake.inject_response(**kwargs)


def test_fault_rates_are_seeded(clock: Clock) -> None:
    def run() -> list[int]:
        fake = FakePortOne(imp_key="k", imp_secret="s", clock=clock)
        fake.set_fault_rates({"http_500": 0.3}, seed=7)
        return [get_token(fake, {"imp_key": "k", "imp_secret": "s"}).status for _ in range(50)]

    statuses = run()
    assert statuses == run()
    assert 5 < statuses.count(500) < 25


def test_counters(fake: FakePortOne) -> None:
    token = get_token(fake).json()["response"]["access_token"]
    lookup(fake, "imp_1", token)
    lookup(fake, "imp_2", token)
    assert (fake.count(), fake.token_requests, fake.certification_requests) == (3, 1, 2)
    fake.reset_counters()
    assert fake.count() == 0


def test_cache_store_is_shared(db: None) -> None:
    one = FakePortOne(imp_key="k", imp_secret="s", store=CacheStore())
    two = FakePortOne(imp_key="k", imp_secret="s", store=CacheStore())
    imp_uid = one.add_certification(name="공유", birth_date=date(2000, 1, 1))
    assert two.get_record(imp_uid)["name"] == "공유"  # type: ignore[index]
    one.handle("POST", "/users/getToken", {}, json.dumps({"imp_key": "k", "imp_secret": "s"}))
    assert two.token_requests == 1
    assert isinstance(FakePortOne().store, MemoryStore)


# --- through the responses adapter, with the real client ---


def test_the_real_client_against_the_adapter(portone: FakePortOne) -> None:
    imp_uid = portone.add_certification(name="이서연", birth_date=date(2008, 2, 29))
    cert = PortOneClient().get_certification(imp_uid)
    assert cert.name == "이서연" and cert.birth_date == date(2008, 2, 29)
    assert cert.ci == portone.person_ci("이서연", date(2008, 2, 29))
    portone.inject("timeout", times=3)  # the GET and its two retries
    with pytest.raises(PortOneTimeout):
        PortOneClient().get_certification(imp_uid)
    portone.inject("reset", times=3)
    with pytest.raises(PortOneUnavailable):
        PortOneClient().get_certification(imp_uid)


def test_other_hosts_are_not_answered(portone: FakePortOne) -> None:
    with pytest.raises(requests.ConnectionError):
        requests.get("https://example.invalid/", timeout=1)


# --- V2 ---


def v2_lookup(fake: FakePortOne, vid: str, query: str = "") -> Any:
    return fake.handle(
        "GET", f"/identity-verifications/{vid}{query}", {"Authorization": "PortOne s"}, None
    )


def test_v2_not_completed_is_ready_unless_it_failed() -> None:
    fake = FakePortOne(api_version="v2", api_secret="s")
    ready = v2_lookup(fake, fake.add_certification(merchant_uid="a1", certified=False)).json()
    assert ready["status"] == "READY" and ready["requestedCustomer"] == {}
    assert "failure" not in ready and "verifiedCustomer" not in ready and "pgTxId" not in ready
    vid = fake.add_certification(
        merchant_uid="a2",
        certified=False,
        failure={"reason": "본인인증 실패", "pgCode": "E001"},
        requested_customer={"name": "홍길동"},
    )
    failed = v2_lookup(fake, vid).json()
    assert failed["status"] == "FAILED"
    assert failed["failure"] == {"reason": "본인인증 실패", "pgCode": "E001"}
    assert failed["requestedCustomer"] == {"name": "홍길동"}
    forced = v2_lookup(fake, fake.add_certification(merchant_uid="a3", v2_status="FAILED"))
    assert forced.json()["failure"]["reason"]


def test_v2_times_follow_the_fakes_clock(clock: Clock) -> None:
    """A result never completed is stamped by the fake's clock, not the machine's."""
    fake = FakePortOne(api_version="v2", api_secret="s", clock=clock)
    vid = fake.add_certification(merchant_uid="t1", certified=False)
    fake.advance(600)
    ready = v2_lookup(fake, vid).json()
    assert ready["status"] == "READY"
    assert ready["updatedAt"] == "2027-01-15T08:10:00Z"  # 1_800_000_000 + 600
    assert ready["requestedAt"] == "2027-01-15T08:09:30Z"


def test_v2_verified_carries_what_portone_requires() -> None:
    fake = FakePortOne(api_version="v2", api_secret="s")
    body = v2_lookup(fake, fake.add_certification(merchant_uid="b1", carrier="LGT_MVNO")).json()
    assert body["status"] == "VERIFIED"
    for key in ("verifiedCustomer", "verifiedAt", "pgTxId", "pgRawResponse"):
        assert body[key]
    assert isinstance(json.loads(body["pgRawResponse"]), dict)
    assert body["verifiedCustomer"]["operator"] == "LGU_MVNO"
    assert "requestedCustomer" not in body and None not in body["verifiedCustomer"].values()


@pytest.mark.parametrize(
    ("query", "status", "kind"),
    [
        ("", 200, None),
        ("?storeId=store-1", 200, None),
        ("?storeId=store-2", 403, "FORBIDDEN"),
        ("?storeId=", 400, "INVALID_REQUEST"),
    ],
)
def test_v2_store_id_is_checked(query: str, status: int, kind: str | None) -> None:
    fake = FakePortOne(api_version="v2", api_secret="s", store_id="store-1")
    vid = fake.add_certification(merchant_uid="c1")
    answer = v2_lookup(fake, vid, query)
    assert answer.status == status
    if kind:
        assert answer.json()["type"] == kind
    # Without a configured store the query is not checked.
    unchecked = FakePortOne(api_version="v2", api_secret="s")
    unchecked.add_certification(merchant_uid="c1")
    assert v2_lookup(unchecked, "c1", "?storeId=anything").status == 200


def test_v2_store_id_through_the_projects_client(settings: Any) -> None:
    """The adapter passes the query on: the client's storeId reaches the fake's check."""
    from django_portone_cert.exceptions import PortOneAuthError
    from django_portone_cert.portone import PortOneV2Client
    from tests.versions import V2_SETTINGS

    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **V2_SETTINGS}
    fake = FakePortOne(store_id="store-test")
    vid = fake.add_certification(merchant_uid="certStore1")
    with fake.activate():
        assert PortOneV2Client().get_result(vid).certified
        with pytest.raises(PortOneAuthError):
            PortOneV2Client(store_id="store-other").get_result(vid)
