"""Concurrent requests on PostgreSQL: the database, not luck, decides."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections

from django_portone_cert import services
from django_portone_cert.core import rules
from django_portone_cert.exceptions import IdentityInUse, PortOneCertError
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import (
    PERSON,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("api_version"),  # each race on V1 and on V2
]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("races are run on PostgreSQL (DATABASE_URL=postgres://…)")


def race(jobs: list[Callable[[], Any]]) -> Counter[str]:
    """Run the jobs at the same instant in threads; count outcomes by error code."""
    barrier = threading.Barrier(len(jobs))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            job()
            code = "ok"
        except PortOneCertError as error:
            code = error.code
        finally:
            connections.close_all()
        with lock:
            outcomes[code] += 1

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_the_same_result_submitted_twenty_times(make_user: Any) -> None:
    fake = FakePortOne()
    user = make_user()
    attempt = services.start_attempt(user=user)
    imp_uid = fake.add_certification(merchant_uid=attempt.merchant_uid)

    def submit() -> Any:
        return services.verify_certification(
            user=user, imp_uid=imp_uid, merchant_uid=attempt.merchant_uid
        )

    with fake.activate():
        outcomes = race([submit] * 20)
    # One wins; the others find the result used, or the attempt's lookups spent
    # (ATTEMPT_MAX_LOOKUPS) while the winner was still at PortOne.
    assert outcomes["ok"] == 1 and sum(outcomes.values()) == 20
    assert set(outcomes) <= {"ok", "certification_used", "attempt_exhausted"}
    assert fake.certification_requests <= 3
    assert VerifiedIdentity.objects.count() == 1
    assert CertificationAttempt.objects.get().status == "verified"


def test_one_result_submitted_by_twenty_users(make_user: Any) -> None:
    """The owner's attempt is the one PortOne recorded; nobody else can use it."""
    fake = FakePortOne()
    owner, *others = [make_user() for _ in range(20)]
    owned = services.start_attempt(user=owner)
    imp_uid = fake.add_certification(merchant_uid=owned.merchant_uid)
    jobs = [
        lambda: services.verify_certification(
            user=owner, imp_uid=imp_uid, merchant_uid=owned.merchant_uid
        )
    ]
    for other in others:
        attempt = services.start_attempt(user=other)
        jobs.append(
            lambda other=other, attempt=attempt: services.verify_certification(
                user=other, imp_uid=imp_uid, merchant_uid=attempt.merchant_uid
            )
        )
    with fake.activate():
        outcomes = race(jobs)
    assert outcomes["ok"] == 1
    assert set(outcomes) <= {"ok", "certification_used", "attempt_mismatch"}
    assert sum(outcomes.values()) == 20
    assert list(VerifiedIdentity.objects.values_list("user_id", flat=True)) == [owner.pk]
    assert CertificationAttempt.objects.filter(imp_uid=imp_uid).count() == 1


def test_the_same_user_certifying_twice_at_once(make_user: Any) -> None:
    fake = FakePortOne()
    user = make_user()
    jobs = []
    for _ in range(2):
        attempt = services.start_attempt(user=user)
        imp_uid = fake.add_certification(
            merchant_uid=attempt.merchant_uid, name="동시에", birth_date=date(1990, 1, 1)
        )
        jobs.append(
            lambda imp_uid=imp_uid, attempt=attempt: services.verify_certification(
                user=user, imp_uid=imp_uid, merchant_uid=attempt.merchant_uid
            )
        )
    with fake.activate():
        outcomes = race(jobs * 1)
    assert outcomes == Counter({"ok": 2})
    assert VerifiedIdentity.objects.filter(user=user).count() == 1
    assert CertificationAttempt.objects.filter(status="verified").count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("early_check", [True, False], ids=["with-early-check", "database-only"])
def test_race_ten_threads_one_person(
    api_version: str,
    make_user: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    early_check: bool,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the race is run on PostgreSQL (DATABASE_URL=postgres://…)")
    if not early_check:
        # Without the friendly early answer, the unique index alone must decide.
        monkeypatch.setattr(rules, "check_person", lambda *args: None)
    fake = FakePortOne()
    users = [make_user() for _ in range(10)]
    jobs = []
    for user in users:
        attempt = services.start_attempt(user=user)
        jobs.append(
            (
                user,
                attempt.merchant_uid,
                fake.add_certification(merchant_uid=attempt.merchant_uid, **PERSON),
            )
        )
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []

    def run(user: Any, merchant_uid: str, imp_uid: str) -> None:
        try:
            barrier.wait()
            services.verify_certification(user=user, imp_uid=imp_uid, merchant_uid=merchant_uid)
            outcomes.append("ok")
        except IdentityInUse:
            outcomes.append("identity_in_use")
        finally:
            connections.close_all()

    with fake.activate():
        threads = [threading.Thread(target=run, args=job) for job in jobs]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["identity_in_use"] * 9 + ["ok"]
    assert VerifiedIdentity.objects.count() == 1
    assert CertificationAttempt.objects.filter(status="verified").count() == 1
    assert CertificationAttempt.objects.filter(failure_code="identity_in_use").count() == 9


def test_a_child_asks_for_consent_eight_times_at_once(settings: Any, make_user: Any) -> None:
    """guardian/request/: the asks wait for each other, so one link (one paid message) goes."""
    from django.test import Client

    from django_portone_cert import ages
    from django_portone_cert.models import GuardianConsentRequest
    from django_portone_cert.signals import guardian_consent_requested

    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "CHILD_POLICY": "guardian",
        "SITE_URL": "https://www.example.kr",
        "THROTTLE_RATE": "1000/minute",
    }
    today = ages.today_kst()
    child = make_user()
    fake = FakePortOne()
    attempt = services.start_attempt(user=child)
    imp_uid = fake.add_certification(
        merchant_uid=attempt.merchant_uid,
        name="김아동",
        birth_date=date(today.year - 10, 1, 1),
    )
    with fake.activate():
        services.verify_certification(
            user=child, imp_uid=imp_uid, merchant_uid=attempt.merchant_uid
        )
    sent: list[str] = []
    lock = threading.Lock()

    def count(sender: Any, url: str, **kwargs: Any) -> None:
        with lock:
            sent.append(url)

    guardian_consent_requested.connect(count, weak=False)
    clients = []
    for _ in range(8):
        client = Client()
        client.force_login(child)
        clients.append(client)
    statuses: list[int] = []

    def ask(client: Client) -> Callable[[], None]:
        def post() -> None:
            response = client.post(
                "/portone-cert/guardian/request/", "{}", content_type="application/json"
            )
            with lock:
                statuses.append(response.status_code)

        return post

    try:
        race([ask(client) for client in clients])
    finally:
        guardian_consent_requested.disconnect(count)
    assert len(statuses) == 8 and set(statuses) <= {200, 201}
    assert GuardianConsentRequest.objects.count() == 1
    assert len(sent) == 1


def test_two_resumes_at_once(api_version: str, make_user: Any) -> None:
    """resume/ (V2) finishes the attempt once; the other finds it used. V1 has nothing to resume."""
    fake = FakePortOne()
    user = make_user()
    attempt = services.start_attempt(user=user)
    fake.add_certification(merchant_uid=attempt.merchant_uid, **PERSON)
    results: list[Any] = []

    def resume() -> None:
        results.append(services.resume_verification(user=user))

    with fake.activate():
        outcomes = race([resume, resume])
    if api_version == "v1":
        assert outcomes == Counter({"ok": 2}) and results == [None, None]
        assert not VerifiedIdentity.objects.exists() and fake.certification_requests == 0
        return
    assert outcomes == Counter({"ok": 1, "certification_used": 1})
    assert VerifiedIdentity.objects.filter(user=user).count() == 1
    assert CertificationAttempt.objects.get().status == "verified"


def test_a_visitors_two_tabs_resume_at_once(api_version: str, settings: Any) -> None:
    """Two requests with one session cookie: one result waits for the sign-up, under one key."""
    from django.test import Client

    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "ANONYMOUS_VERIFICATION": True,
        "THROTTLE_RATE": "1000/minute",
    }
    fake = FakePortOne()
    first = Client()
    merchant_uid = first.post("/portone-cert/prepare/").json()["merchant_uid"]
    fake.add_certification(merchant_uid=merchant_uid, **PERSON)
    second = Client()
    second.cookies = first.cookies
    statuses: list[int] = []
    lock = threading.Lock()

    def resume(client: Client) -> Callable[[], None]:
        def post() -> None:
            response = client.post("/portone-cert/resume/", "{}", content_type="application/json")
            with lock:
                statuses.append(response.status_code)

        return post

    with fake.activate():
        race([resume(first), resume(second)])
    if api_version == "v1":
        assert statuses == [404, 404]
        return
    assert sorted(statuses) == [201, 409]
    attempt = CertificationAttempt.objects.get()
    assert attempt.status == "verified" and attempt.result != ""
    # The winner's rotated key, which the shared cookie now carries.
    assert attempt.session_key == first.cookies["sessionid"].value


@pytest.mark.parametrize("paths", ["one statement", "mixed"])
def test_twelve_certifies_of_one_attempt_stay_within_the_lookup_bound(
    make_user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, paths: str
) -> None:
    """A result PortOne still reports unfinished, twelve certifies at once: never more than
    ATTEMPT_MAX_LOOKUPS lookups reach PortOne, whether every thread takes its lookup in one
    statement or half of them fall back to the step-by-step count."""
    from django_portone_cert.core import attempts
    from tests.helpers import configure

    configure(settings, ATTEMPT_MAX_LOOKUPS=3)
    if paths == "mixed":
        real = attempts.take_lookup

        def take_lookup(*args: Any) -> Any:
            odd = threading.current_thread().name[-1] in "13579"
            return None if odd else real(*args)

        monkeypatch.setattr(attempts, "take_lookup", take_lookup)
    fake = FakePortOne()
    user = make_user()
    attempt = services.start_attempt(user=user)
    imp_uid = fake.add_certification(merchant_uid=attempt.merchant_uid, certified=False)

    def submit() -> Any:
        return services.verify_certification(
            user=user, imp_uid=imp_uid, merchant_uid=attempt.merchant_uid
        )

    with fake.activate():
        outcomes = race([submit] * 12)
    assert outcomes == Counter({"not_certified": 3, "attempt_exhausted": 9})
    assert fake.certification_requests == 3
    assert CertificationAttempt.objects.get().lookups == 3
