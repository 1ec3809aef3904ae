"""The gates' read, compiled once (compiled.py), gives what the ORM's own query gives: the same
fields, deferred fields, consent annotation and sandbox rule, on every database and user model."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from django_portone_cert import gates
from django_portone_cert.gates import GATE_FIELDS, gate_identity
from django_portone_cert.models import GuardianConsent, VerifiedIdentity
from tests.helpers import configure
from tests.test_gates import verify

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def identity_of(user: Any, birth_date: date) -> VerifiedIdentity:
    return verify(user, birth_date, NOW - timedelta(minutes=4))


def consent_for(child: Any, *, sandbox: bool = False, revoked: bool = False) -> None:
    GuardianConsent.objects.create(
        child=child,
        guardian_name="민정호",
        guardian_birth_date=date(1979, 6, 1),
        sandbox=sandbox,
        revoked_at=NOW if revoked else None,
    )


def as_the_orm_reads_it(user: Any) -> VerifiedIdentity | None:
    return gates._gate_query(user.pk).first()


def same(compiled: VerifiedIdentity | None, orm: VerifiedIdentity | None) -> None:
    assert (compiled is None) == (orm is None)
    if compiled is None or orm is None:
        return
    for name in (*GATE_FIELDS, "has_guardian_consent"):
        assert getattr(compiled, name) == getattr(orm, name), name
    assert compiled.get_deferred_fields() == orm.get_deferred_fields()
    assert compiled._state.db == orm._state.db and not compiled._state.adding


@pytest.mark.parametrize(
    "case",
    ["nobody", "adult", "child", "child with consent", "revoked consent", "sandbox consent"],
)
@pytest.mark.parametrize("sandbox_mode", [False, True])
def test_the_compiled_read_equals_the_orms(
    case: str, sandbox_mode: bool, make_user: Any, settings: Any
) -> None:
    settings.DEBUG = sandbox_mode
    configure(settings, SANDBOX=sandbox_mode)
    user = make_user()
    if case != "nobody":
        identity_of(user, date(1990, 1, 1) if case == "adult" else date.today() - timedelta(3650))
    if case in ("child with consent", "revoked consent", "sandbox consent"):
        consent_for(user, revoked=case == "revoked consent", sandbox=case == "sandbox consent")
    compiled, orm = gate_identity(user), as_the_orm_reads_it(user)
    same(compiled, orm)
    if case == "sandbox consent":  # counts only in sandbox mode: the two modes' statements differ
        assert compiled is not None and compiled.has_guardian_consent is sandbox_mode


def test_a_deferred_field_loads_on_reading(make_user: Any) -> None:
    user = make_user()
    identity_of(user, date(1990, 1, 1))
    found = gate_identity(user)
    assert found is not None and "name" in found.get_deferred_fields()
    assert found.name == "홍길동"  # one more query, as with the ORM's only()


def test_one_statement_per_database_and_sandbox_mode(
    make_user: Any, settings: Any, django_assert_num_queries: Any
) -> None:
    user = make_user()
    identity_of(user, date(1990, 1, 1))
    gates._GATE_READ._statements.clear()
    for _ in range(3):
        with django_assert_num_queries(1):
            gate_identity(user)
    settings.DEBUG = True
    configure(settings, SANDBOX=True)
    gate_identity(user)
    assert sorted(key for _, key in gates._GATE_READ._statements) == [False, True]


def test_a_statement_is_compiled_for_the_mode_of_its_key(
    make_user: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sandbox mode read for the key, then turned on before the compile (another thread's
    override_settings, a live server's test): the statement kept for "off" still refuses a
    sandbox consent once the mode is off again."""
    child = make_user()
    identity_of(child, date.today() - timedelta(3650))
    consent_for(child, sandbox=True)
    gates._GATE_READ._statements.clear()
    build = gates._GATE_READ.build

    def build_after_the_mode_changed(*args: Any) -> Any:
        settings.DEBUG = True
        configure(settings, SANDBOX=True)
        return build(*args)

    monkeypatch.setattr(gates._GATE_READ, "build", build_after_the_mode_changed)
    gate_identity(child)  # the key: sandbox mode off
    monkeypatch.setattr(gates._GATE_READ, "build", build)
    settings.DEBUG = False
    found = gate_identity(child)
    assert found is not None and found.has_guardian_consent is False
