"""A lookup at PortOne, counted against its attempt before it is made.

``ATTEMPT_MAX_LOOKUPS`` bounds what one attempt can make PortOne do, so the count is
committed before the request leaves: a process that dies during the call has spent it.
Where the database can return rows from an UPDATE (PostgreSQL, SQLite 3.35+), finding the
requester's attempt, checking it and counting the lookup are one statement, one round trip
before the request: :func:`take_lookup`. Elsewhere, or when that statement finds nothing,
:class:`~django_portone_cert.core.attempts.AttemptRun` reads the attempt, says what refuses
it, and counts with :func:`count_lookup`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F
from django.utils import timezone

from ..conf import app_settings
from ..exceptions import AttemptExhausted
from ..models import CertificationAttempt, VerifiedIdentity

#: The vendors whose UPDATE … RETURNING this statement is written for.
RETURNING_VENDORS = frozenset({"postgresql", "sqlite"})


def returns_from_update(connection: BaseDatabaseWrapper) -> bool:
    # SQLite added RETURNING in 3.35, the version Django's feature flag also waits for.
    return (
        connection.vendor in RETURNING_VENDORS
        and connection.features.can_return_rows_from_bulk_insert
    )


@cache
def _statement(alias: str, by_user: bool) -> str:
    """The UPDATE for ``alias``'s database; the requester is a user or a session."""
    quote = connections[alias].ops.quote_name
    attempt = CertificationAttempt._meta
    table = quote(attempt.db_table)
    column = {field.name: quote(field.column or "") for field in attempt.concrete_fields}
    identity = VerifiedIdentity._meta
    identities = quote(identity.db_table)
    owner = (
        f"{column['user']} = %s"
        if by_user
        else f"{column['user']} IS NULL AND {column['session_key']} = %s"
    )
    returned = ", ".join(column.values())
    # Only quoted names from the models go into the text; every value is a parameter.
    return (
        f"UPDATE {table} SET {column['lookups']} = {column['lookups']} + 1 "  # noqa: S608
        f"WHERE {column['merchant_uid']} = %s AND {column['purpose']} = %s AND {owner} "
        f"AND {column['status']} <> %s AND {column['expires_at']} > %s "
        f"AND {column['lookups']} < %s "
        f"AND NOT EXISTS (SELECT 1 FROM {table} used WHERE used.{column['imp_uid']} = %s) "
        f"RETURNING {returned}, EXISTS (SELECT 1 FROM {identities} held "
        f"WHERE held.{quote(identity.get_field('user').column)} = {table}.{column['user']}) "
        f"AS has_identity"
    )


def take_lookup(
    owner: dict[str, Any], merchant_uid: str, imp_uid: str, purpose: str
) -> CertificationAttempt | None:
    """The requester's attempt, with one more lookup counted and committed, or None.

    ``owner`` is the requester's filter (``{"user_id": …}`` or ``{"user__isnull": True,
    "session_key": …}``). Counted only if the attempt is the requester's, for ``purpose``,
    not verified, unexpired, under ``ATTEMPT_MAX_LOOKUPS``, and no attempt used ``imp_uid``;
    None (nothing counted) otherwise, or where the database cannot do it in one statement.
    The attempt carries ``has_identity``: whether its user holds an identity yet.
    """
    alias = router.db_for_write(CertificationAttempt)
    connection = connections[alias]
    if not returns_from_update(connection):
        return None
    by_user = "user_id" in owner
    params = [
        merchant_uid,
        purpose,
        owner["user_id"] if by_user else owner["session_key"],
        CertificationAttempt.Status.VERIFIED.value,
        connection.ops.adapt_datetimefield_value(timezone.now()),
        app_settings.ATTEMPT_MAX_LOOKUPS,
        imp_uid,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_statement(alias, by_user), params)
        row = cursor.fetchone()  # one row at most: merchant_uid is unique
    if row is None:
        return None
    values = list(row)
    for position, (converters, column) in _converters(alias).items():
        for converter in converters:
            values[position] = converter(values[position], column, connection)
    *fields, has_identity = values
    attempt = CertificationAttempt.from_db(alias, _names(), fields)
    attempt.has_identity = bool(has_identity)  # type: ignore[attr-defined]
    return attempt


@cache
def _names() -> list[str]:
    """The attributes the statement returns, in its order (the model's concrete fields)."""
    return [field.attname for field in CertificationAttempt._meta.concrete_fields]


@cache
def _converters(alias: str) -> dict[int, tuple[list[Any], Any]]:
    """What turns each returned value into its field's Python value on ``alias``'s database,
    as a query through the ORM would (SQLite's dates, a field's ``from_db_value``)."""
    connection = connections[alias]
    compiler = connection.ops.compiler("SQLCompiler")(
        CertificationAttempt.objects.none().query, connection, alias
    )
    table = CertificationAttempt._meta.db_table
    columns: list[Any] = [
        field.get_col(table) for field in CertificationAttempt._meta.concrete_fields
    ]
    return dict(compiler.get_converters(columns))


def count_lookup(attempt: CertificationAttempt) -> None:
    """Count one lookup of an attempt already read (one conditional UPDATE, so concurrent
    resubmissions cannot both take the last one), or ``attempt_exhausted``."""
    counted = CertificationAttempt.objects.filter(
        pk=attempt.pk, lookups__lt=app_settings.ATTEMPT_MAX_LOOKUPS
    ).update(lookups=F("lookups") + 1)
    if not counted:
        raise AttemptExhausted()
    attempt.lookups += 1
