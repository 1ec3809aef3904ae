from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from django_portone_cert import crypto
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity

ENCRYPTED = {
    VerifiedIdentity: ("ci", "di", "phone"),
    CertificationAttempt: ("result",),
}


class Command(BaseCommand):
    help = (
        "Re-encrypt stored personal data with the first key of ENCRYPTION_KEYS (and encrypt "
        "any plaintext left from before encryption). Run it after putting a new key first; "
        "then the old keys can be removed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int = 500, **options: Any) -> None:
        for model, fields in ENCRYPTED.items():
            total = 0
            # Read the raw stored values: only rows not under the newest key are rewritten.
            stale = [
                pk
                for pk, *values in _raw(model, fields, batch_size)
                if any(v and crypto.needs_rotation(v) for v in values)
            ]
            for start in range(0, len(stale), batch_size):
                with transaction.atomic():
                    for obj in model._default_manager.select_for_update().filter(
                        pk__in=stale[start : start + batch_size]
                    ):
                        obj.save(update_fields=list(fields))
                        total += 1
            self.stdout.write(f"{model._meta.label}: re-encrypted {total} rows.")


def _raw(model: Any, fields: tuple[str, ...], batch_size: int) -> Any:
    """(pk, *stored values) as the database holds them, without decrypting."""
    from django.db import connections, router

    alias = router.db_for_read(model)
    connection = connections[alias]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(name).column) for name in fields
    )
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk_column}, {columns} FROM {table}")  # noqa: S608
        while rows := cursor.fetchmany(batch_size):
            yield from rows
