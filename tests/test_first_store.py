"""A user's first identity is stored and its attempt spent in one statement on PostgreSQL
(core/first_store.py), with the same rows, refusals and signals as the step-by-step store
that runs elsewhere: inside a caller's transaction, with a ``post_save`` listener, on SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from django_portone_cert import services
from django_portone_cert.core import attempts, first_store
from django_portone_cert.exceptions import CertificationUsed, IdentityInUse, ServiceUnavailable
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.signals import identity_verified
from django_portone_cert.testing import FakePortOne
from tests.helpers import configure
from tests.test_outage import assert_service_unavailable
from tests.versions import certify_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PERSON = {"name": "한결같이", "birth_date": date(1988, 3, 9), "gender": "female"}
#: What differs between two rows of the same person by design: keys, owners, times, and the
#: encrypted columns (a random nonce each; their plaintexts are compared instead).
PER_ROW = {"id", "user", "imp_uid", "certified_at", "verified_at", "created_at", "updated_at"}
ENCRYPTED = ("ci", "di", "phone")


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement store is PostgreSQL's (DATABASE_URL=postgres://…)")


@pytest.fixture
def fake(settings: Any) -> Iterator[FakePortOne]:
    configure(settings, STORE_DI=True, STORE_PHONE=True)
    portone = FakePortOne()
    with portone.activate():
        yield portone


def verified(fake: FakePortOne, user: Any, **person: Any) -> Any:
    attempt = services.start_attempt(user=user)
    imp_uid = fake.add_certification(merchant_uid=attempt.merchant_uid, **(person or PERSON))
    return services.verify_certification(
        user=user, imp_uid=imp_uid, merchant_uid=attempt.merchant_uid
    )


def statements(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"].split()[0] for query in queries.captured_queries]


def row(identity: VerifiedIdentity) -> dict[str, Any]:
    identity = VerifiedIdentity.objects.get(pk=identity.pk)
    values = {
        field.name: getattr(identity, field.name)
        for field in VerifiedIdentity._meta.concrete_fields
        if field.name not in PER_ROW
    }
    for name in ENCRYPTED:  # decrypted for the row's owner: the value, not its random nonce
        assert isinstance(values[name], str)
    return values


def test_a_first_identity_is_one_statement_after_the_lookup(
    fake: FakePortOne, make_user: Any
) -> None:
    with CaptureQueriesContext(connection) as queries:
        verification = verified(fake, make_user())
    assert statements(queries)[-2:] == ["UPDATE", "WITH"]  # the lookup, then the store
    assert "BEGIN" not in statements(queries) and "SAVEPOINT" not in statements(queries)
    identity = verification.identity
    assert identity.pk is not None and not identity._state.adding
    assert verification.attempt.status == "verified"
    stored = CertificationAttempt.objects.get(pk=verification.attempt.pk)
    assert (stored.status, stored.imp_uid, stored.failure_code) == (
        "verified",
        verification.attempt.imp_uid,
        "",
    )
    assert stored.completed_at == verification.attempt.completed_at
    assert VerifiedIdentity.objects.get(pk=identity.pk).ci == identity.ci != ""


def test_the_rows_are_those_of_the_step_by_step_store(
    fake: FakePortOne, make_user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(settings, ONE_ACCOUNT_PER_PERSON=False)  # the same person on two accounts
    one = verified(fake, make_user()).identity
    monkeypatch.setattr(first_store, "possible", lambda alias: False)
    with CaptureQueriesContext(connection) as queries:
        steps = verified(fake, make_user()).identity
    assert "WITH" not in statements(queries) and "INSERT" in statements(queries)
    assert row(one) == row(steps)
    assert row(one)["ci"] and row(one)["di"] and row(one)["phone"]
    assert one.created_at is not None and one.updated_at is not None


def test_a_post_save_listener_gets_its_signal_from_the_step_by_step_store(
    fake: FakePortOne, make_user: Any
) -> None:
    heard: list[tuple[int, bool]] = []

    def listener(sender: Any, instance: VerifiedIdentity, created: bool, **kwargs: Any) -> None:
        heard.append((instance.pk, created))

    post_save.connect(listener, sender=VerifiedIdentity)
    try:
        with CaptureQueriesContext(connection) as queries:
            identity = verified(fake, make_user()).identity
    finally:
        post_save.disconnect(listener, sender=VerifiedIdentity)
    assert heard == [(identity.pk, True)]
    assert "WITH" not in statements(queries)


def test_inside_a_callers_transaction_the_step_by_step_store_runs(
    fake: FakePortOne, make_user: Any
) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        identity = verified(fake, make_user()).identity
    assert "WITH" not in statements(queries) and "SAVEPOINT" in statements(queries)
    assert VerifiedIdentity.objects.get(pk=identity.pk).name == PERSON["name"]


def test_identity_verified_is_sent_once_with_created(fake: FakePortOne, make_user: Any) -> None:
    sent: list[bool] = []

    def receiver(sender: Any, created: bool, **kwargs: Any) -> None:
        sent.append(created)

    identity_verified.connect(receiver)
    try:
        verified(fake, make_user())
    finally:
        identity_verified.disconnect(receiver)
    assert sent == [True]


def test_an_attempt_spent_meanwhile_stores_nothing(
    fake: FakePortOne, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another request consumed the attempt while this one was at PortOne."""
    real = attempts.get_client

    class Overtaken:
        def __getattr__(self, name: str) -> Any:
            return getattr(real(), name)

        def get_result(self, result_id: str, **kwargs: Any) -> Any:
            CertificationAttempt.objects.update(status="verified")
            return real().get_result(result_id, **kwargs)

    monkeypatch.setattr(attempts, "get_client", Overtaken)
    user = make_user()
    with pytest.raises(CertificationUsed):
        verified(fake, user)
    assert not VerifiedIdentity.objects.exists()
    assert CertificationAttempt.objects.get().imp_uid is None


def test_a_person_held_by_another_account_spends_nothing(fake: FakePortOne, make_user: Any) -> None:
    """The unique index refuses the insert, and the attempt's consumption goes with it."""
    verified(fake, make_user())
    other = make_user()
    with pytest.raises(IdentityInUse):
        verified(fake, other)
    attempt = CertificationAttempt.objects.get(user=other)
    assert (attempt.status, attempt.failure_code, attempt.imp_uid) == (
        "failed",
        "identity_in_use",
        None,
    )
    assert not VerifiedIdentity.objects.filter(user=other).exists()


@pytest.mark.parametrize("path", ["one statement", "step by step"])
def test_too_long_a_name_is_refused_not_cut(
    path: str, fake: FakePortOne, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "step by step":
        monkeypatch.setattr(first_store, "possible", lambda alias: False)
    with pytest.raises(ServiceUnavailable):
        verified(fake, make_user(), name="가" * 101, birth_date=date(1990, 1, 1))
    assert not VerifiedIdentity.objects.exists()
    assert CertificationAttempt.objects.get().status != "verified"


def test_the_connection_lost_during_the_statement_answers_503_json_and_stores_nothing(
    fake: FakePortOne, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server ends the session as the one statement is sent: nothing of it is committed."""
    user = make_user()
    attempt = services.start_attempt(user=user)
    imp_uid = fake.add_certification(merchant_uid=attempt.merchant_uid, **PERSON)
    execute, killed = CursorWrapper.execute, []

    def dropping(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        if sql.startswith("WITH"):
            other = connections.create_connection("default")
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(%s)", [self.db.connection.info.backend_pid]
                )
            other.close()
            killed.append(sql)
        return execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", dropping)
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    response = api.post(
        reverse("portone_cert:certify"),
        certify_body(imp_uid, attempt.merchant_uid),
        format="json",
    )
    monkeypatch.undo()
    assert killed
    assert_service_unavailable(response)
    connection.close()
    assert not VerifiedIdentity.objects.exists()
    stored = CertificationAttempt.objects.get()
    assert (stored.status, stored.imp_uid) == ("pending", None)
