"""A user's first identity stored and its attempt spent in one statement (PostgreSQL).

The step-by-step store (:func:`~django_portone_cert.core.identities.store_identity`) opens a
transaction, consumes the attempt, inserts the identity and commits: four round trips to the
database after PortOne's answer. Where the database can put an UPDATE inside the INSERT's
statement (PostgreSQL's data-modifying ``WITH``), :func:`store_first` does the same in one
statement, committed as a whole by autocommit: the attempt is consumed only if it was not yet
(its row lock serialises concurrent requests, as :func:`~.attempts.consume`'s UPDATE does), and
the identity is inserted only if the attempt was consumed; a unique index that refuses the
insert undoes the consumption with it.

It runs only where it changes nothing observable: a first identity (``new``), consumed by
:class:`Consume`, on PostgreSQL in autocommit (not inside a caller's transaction,
whose savepoint the step-by-step store would need), and with nothing listening to the
identity's ``pre_save`` or ``post_save`` (which ``Model.save()`` would send). Elsewhere it
returns None and the step-by-step store runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, cast

from django.db import connections, router
from django.db.models import Field
from django.db.models.signals import post_save, pre_save
from django.views.decorators.debug import sensitive_variables

from ..exceptions import CertificationUsed
from ..models import CertificationAttempt, VerifiedIdentity
from .attempts import consume


@dataclass(frozen=True)
class Consume:
    """What uses a verification's result up: :func:`~.attempts.consume` of ``attempt`` by
    ``imp_uid``, called with the time inside the step-by-step store's transaction, or done in
    :func:`store_first`'s one statement."""

    attempt: CertificationAttempt
    imp_uid: str

    def __call__(self, now: datetime) -> None:
        consume(self.attempt, self.imp_uid, now)


#: The columns :func:`~.attempts.consume` sets, in the statement's order.
SPENT = ("status", "imp_uid", "failure_code", "completed_at")


def _inserted_fields() -> list[Field[Any, Any]]:
    """What ``Model.save()`` would insert: every concrete field but an automatic key."""
    meta = VerifiedIdentity._meta
    return [
        field
        for field in meta.local_concrete_fields
        if field is not meta.auto_field and not getattr(field, "generated", False)
    ]


def _attempt_field(name: str) -> Field[Any, Any]:
    return cast("Field[Any, Any]", CertificationAttempt._meta.get_field(name))


def _type(field: Field[Any, Any], connection: Any) -> str:
    """The type a value is cast to; a character type without its length, so that too long a
    value is refused by the column, as an INSERT's values are, not cut by the cast."""
    db_type = str(field.cast_db_type(connection))
    return db_type.split("(")[0] if db_type.startswith(("varchar", "char")) else db_type


@cache
def _statement(alias: str) -> str:
    """The statement for ``alias``'s database (only quoted names from the models in it)."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    attempt = CertificationAttempt._meta
    column = {name: quote(_attempt_field(name).column or "") for name in ("id", *SPENT)}
    spent = ", ".join(f"{column[name]} = %s" for name in SPENT)
    fields = _inserted_fields()
    columns = ", ".join(quote(field.column or "") for field in fields)
    values = ", ".join(f"CAST(%s AS {_type(field, connection)})" for field in fields)
    identity = VerifiedIdentity._meta
    return (
        f"WITH spent AS (UPDATE {quote(attempt.db_table)} SET {spent} "  # noqa: S608
        f"WHERE {column['id']} = %s AND {column['status']} <> %s RETURNING 1) "
        f"INSERT INTO {quote(identity.db_table)} ({columns}) SELECT {values} FROM spent "
        f"RETURNING {quote(identity.pk.column or '')}"
    )


def possible(alias: str) -> bool:
    """Whether :func:`store_first` can run on ``alias`` now (see the module's docstring)."""
    connection = connections[alias]
    return (
        connection.vendor == "postgresql"
        and router.db_for_write(CertificationAttempt) == alias
        and connection.get_autocommit()
        and not connection.in_atomic_block
        and not pre_save.has_listeners(VerifiedIdentity)
        and not post_save.has_listeners(VerifiedIdentity)
    )


def can_store_first() -> bool:
    """Whether :func:`store_first` can run on the identity's database now."""
    return possible(router.db_for_write(VerifiedIdentity))


@sensitive_variables()
def store_first(identity: VerifiedIdentity, spend: Consume, now: datetime) -> bool:
    """Insert ``identity`` (new, filled) and consume ``spend``'s attempt in one statement.

    False (nothing done) where it cannot run; ``certification_used`` if the attempt was
    consumed meanwhile; an ``IntegrityError`` (nothing done) if a unique index refuses it.
    """
    alias = router.db_for_write(VerifiedIdentity, instance=identity)
    if not possible(alias):
        return False
    connection = connections[alias]
    verified = CertificationAttempt.Status.VERIFIED
    spent = {
        "status": verified,
        "imp_uid": spend.imp_uid,
        "failure_code": "",
        "completed_at": now,
    }
    params = [_attempt_field(name).get_db_prep_save(spent[name], connection) for name in SPENT]
    params += [spend.attempt.pk, verified.value]
    # As Model.save() prepares them: auto_now fields set, encrypted fields sealed to the row.
    params += [
        field.get_db_prep_save(field.pre_save(identity, True), connection)
        for field in _inserted_fields()
    ]
    with connection.cursor() as cursor:
        cursor.execute(_statement(alias), params)
        row = cursor.fetchone()
    if row is None:
        raise CertificationUsed()
    identity.pk = row[0]
    identity._state.adding = False
    identity._state.db = alias
    for name, value in spent.items():
        setattr(spend.attempt, name, value)
    return True
