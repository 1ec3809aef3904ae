"""The personal-data access log (접속기록, 개인정보의 안전성 확보조치 기준 §8).

One :class:`~.models.PersonalDataAccess` row each time someone sees a person's data: who
(id and username at the time), when, from which address (the one the throttle trusts), whose
data (the subject's user id), what was done and, for an export, why. Never the data itself.

The rows form a keyed hash chain. A row's ``row_hash`` is HMAC-SHA256, under the hash key
whose id is in ``hash_key_id`` (``HASH_KEY``, or one derived from ``SECRET_KEY``), of the JSON
list ``[at (UTC, ISO 8601), staff_id, staff_username, address, subject_id, action, target,
reason, hash_key_id, previous_hash]``, where ``previous_hash`` is the ``row_hash`` of the row
before it ("" for the very first). Editing, inserting or deleting a row in the middle breaks
the chain; without the key, no one can forge a matching hash. :func:`verify_chain` starts at
the oldest row kept (``portone_cert_purge`` removes the rows past ``ACCESS_LOG_RETENTION``
from the old end, so its ``previous_hash`` cannot be checked); rows cut from the new end
leave no gap, which is why the monthly report prints the newest row's hash for the record.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any

from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from . import crypto
from .conf import app_settings
from .models import PersonalDataAccess
from .throttling import client_address

Action = PersonalDataAccess.Action

#: Actions that record why (안전성 확보조치 기준 §8: a download's reason).
NEEDS_REASON = (Action.EXPORT,)


def _message(row: PersonalDataAccess) -> bytes:
    values = [
        row.at.astimezone(UTC).isoformat(),
        row.staff_id,
        row.staff_username,
        row.address,
        row.subject_id,
        row.action,
        row.target,
        row.reason,
        row.hash_key_id,
        row.previous_hash,
    ]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":")).encode()


def _seal(row: PersonalDataAccess, key: bytes) -> str:
    return hmac.new(key, _message(row), sha256).hexdigest()


def record(
    request: HttpRequest,
    action: str,
    subjects: Iterable[Any],
    *,
    target: str,
    reason: str = "",
) -> list[PersonalDataAccess]:
    """Append one row per subject (a user id) seen by ``request.user``; returns them.

    ``target`` names what was seen (a model name, ``"verifiedidentity"``). An export
    without a ``reason`` is refused (``ValueError``): the reason is what the rule asks for;
    so is a request without a logged-in user (no one to record).
    """
    if action in NEEDS_REASON and not reason.strip():
        raise ValueError("An export of personal data must record its reason.")
    user: Any = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        raise ValueError("Access to personal data is recorded for a logged-in user only.")
    now = timezone.now()
    rows = [
        PersonalDataAccess(
            at=now,
            staff_id=str(user.pk),
            staff_username=user.get_username(),
            address=client_address(request),
            subject_id=str(subject),
            action=action,
            target=target,
            reason=reason,
        )
        for subject in dict.fromkeys(str(subject) for subject in subjects)
    ]
    if rows:
        _append(rows)
    return rows


def _append(rows: list[PersonalDataAccess]) -> None:
    """Chain ``rows`` onto the newest row, one writer at a time."""
    key = crypto.hash_key()
    with transaction.atomic():
        newest = _lock_newest()
        previous = newest.row_hash if newest is not None else ""
        for row in rows:
            row.hash_key_id = crypto.key_id(key)
            row.previous_hash = previous
            row.row_hash = previous = _seal(row, key)
        PersonalDataAccess.objects.bulk_create(rows)


def _lock_newest() -> PersonalDataAccess | None:
    """The newest row, with every other writer kept waiting until this transaction ends.

    PostgreSQL: the table's SHARE ROW EXCLUSIVE lock, which only writers of this table
    wait for (readers do not), the empty log included. Elsewhere the newest row is locked
    (``SELECT … FOR UPDATE``; SQLite writes one at a time) and a writer that waited looks
    again, since another may have appended meanwhile.
    """
    newest = PersonalDataAccess.objects.order_by("-id")
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(PersonalDataAccess._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        return newest.first()
    while True:
        last = newest.values_list("pk", flat=True).first()
        if last is None:
            return None
        locked = PersonalDataAccess.objects.select_for_update().filter(pk=last).first()
        if locked is not None and newest.values_list("pk", flat=True).first() == locked.pk:
            return locked


@dataclass(frozen=True)
class ChainState:
    """What :func:`verify_chain` found: how many rows, the first one that does not hold."""

    rows: int
    broken_at: int | None = None
    #: The newest row's id and hash: write them down to notice rows cut from the end.
    head_id: int | None = None
    head_hash: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def verify_chain(using: str | None = None, newest: int | None = None) -> ChainState:
    """Walk the kept rows (or the ``newest`` ones) from the oldest: each hash must match its
    row under its key, and each row must name the hash of the row before it."""
    keys = {crypto.key_id(key): key for key in crypto.hash_keys()}
    previous: str | None = None
    count = 0
    row: PersonalDataAccess | None = None
    rows = PersonalDataAccess.objects.using(using).order_by("id")
    if newest is not None:
        first = rows.reverse().values_list("pk", flat=True)[newest - 1 : newest].first()
        rows = rows.filter(pk__gte=first) if first is not None else rows
    for row in rows.iterator():
        count += 1
        key = keys.get(row.hash_key_id)
        sealed = key is not None and hmac.compare_digest(row.row_hash, _seal(row, key))
        if not sealed or (previous is not None and row.previous_hash != previous):
            return ChainState(count, row.pk)
        previous = row.row_hash
    if row is None:
        return ChainState(0)
    return ChainState(count, None, row.pk, row.row_hash)


@dataclass(frozen=True)
class Destroyed:
    """What a purge destroyed of one kind: how many, and the dates they covered."""

    count: int
    first: datetime | None = None
    last: datetime | None = None


def expire(now: datetime | None = None) -> Destroyed:
    """Delete the rows older than ``ACCESS_LOG_RETENTION`` (``portone_cert_purge``)."""
    cutoff = (now or timezone.now()) - app_settings.ACCESS_LOG_RETENTION
    old = PersonalDataAccess.objects.filter(at__lt=cutoff)
    span = old.order_by("at").values_list("at", flat=True)
    first, last = span.first(), span.last()
    with transaction.atomic():
        count = PersonalDataAccess.objects.expire(cutoff)
    return Destroyed(count, first, last)
