from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, connections, router, transaction

from django_portone_cert import crypto
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.retention import hash_key_needs

ENCRYPTED = {
    VerifiedIdentity: ("ci", "di", "phone"),
    CertificationAttempt: ("result",),
}


class Command(BaseCommand):
    help = (
        "Re-key stored personal data: re-encrypt it under the first encryption key, bound to "
        "its row, and recompute the identities' keyed CI hashes under the current hash key. "
        "Run it after putting a new key first (ENCRYPTION_KEYS / HASH_KEY with "
        "HASH_KEY_FALLBACKS, or a new SECRET_KEY with the old one in SECRET_KEY_FALLBACKS). "
        "An old key of ENCRYPTION_KEYS can go once it has run cleanly; an old hash key (in "
        "HASH_KEY_FALLBACKS, or an old SECRET_KEY, which is both) stays: tombstones and "
        "guardians' consents keep a hash without its CI, which cannot be re-keyed. The command "
        "says until when the old hash key is needed, and when nothing needs it any more. "
        "Running it again rewrites nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int = 500, **options: Any) -> None:
        unreadable: list[str] = []
        conflicts: list[str] = []
        for model, fields in ENCRYPTED.items():
            rekey_hash = model is VerifiedIdentity
            # Read the raw stored values: a row whose values are all current is skipped,
            # unless its CI hash may need re-keying (which takes decrypting the CI).
            stale = [
                pk
                for pk, *values in _raw(model, fields, batch_size)
                if any(v and crypto.needs_rotation(v) for v in values) or (rekey_hash and values[0])
            ]
            total = 0
            for start in range(0, len(stale), batch_size):
                with transaction.atomic():
                    rows = model._default_manager.select_for_update().filter(
                        pk__in=stale[start : start + batch_size]
                    )
                    for obj in rows:
                        outcome = _rekey(obj, fields, rekey_hash=rekey_hash)
                        label = f"{model._meta.label} #{obj.pk}"
                        if outcome == "unreadable":
                            unreadable.append(label)
                        elif outcome == "conflict":
                            conflicts.append(label)
                        elif outcome == "rewritten":
                            total += 1
            self.stdout.write(f"{model._meta.label}: re-keyed {total} rows.")
        problems = self._hash_key_report(clean=not unreadable and not conflicts)
        if unreadable:
            problems.append(
                f"{len(unreadable)} rows cannot be decrypted with the configured keys "
                f"({', '.join(unreadable)}): put the key that encrypted them back (the old "
                "SECRET_KEY in SECRET_KEY_FALLBACKS, or the old key in ENCRYPTION_KEYS) and "
                "run this command again."
            )
        if conflicts:
            problems.append(
                f"{len(conflicts)} identities belong to a person who has another account under "
                f"the current hash key ({', '.join(conflicts)}): they keep their old hash; "
                "resolve them by hand (never merge accounts automatically) and keep the old "
                "hash key as a fallback until then."
            )
        if problems:
            raise CommandError(" ".join(problems))

    def _hash_key_report(self, *, clean: bool) -> list[str]:
        """What still needs an old hash key: printed, or a problem when it is gone already."""
        needs = hash_key_needs()
        if needs.fallback_tombstones:
            until = f"{needs.fallback_until:%Y-%m-%d}" if needs.fallback_until else "they expire"
            self.stdout.write(
                f"{needs.fallback_tombstones} live tombstones (the re-sign-up block) cannot be "
                "re-keyed: they match through the old hash key only. Keep the old SECRET_KEY in "
                "SECRET_KEY_FALLBACKS (or the old key in HASH_KEY_FALLBACKS) until "
                f"{until}, when the last expires."
            )
        if needs.fallback_consents:
            self.stdout.write(
                f"{needs.fallback_consents} live guardian consents cannot be re-keyed (no "
                "guardian's CI is kept): a guardian withdraws by verifying again, which matches "
                "through the old hash key only. Keep it as a fallback while those consents live."
            )
        if clean and len(crypto.hash_keys()) > 1 and not needs.fallback and not needs.lost:
            self.stdout.write("Nothing stored needs the fallback hash keys: they can be removed.")
        if not needs.lost:
            return []
        return [
            f"{needs.lost_tombstones} live tombstones and {needs.lost_consents} live guardian "
            "consents hold a hash under a hash key that is no longer configured (check "
            "portone_cert.E025): those people can sign up again and those guardians cannot "
            "withdraw. Put the old key back as a fallback and keep it until this command says "
            "nothing needs it."
        ]


def _rekey(obj: Any, fields: tuple[str, ...], *, rekey_hash: bool) -> str:
    """Rewrite one row if anything in it is not under the current keys."""
    stored = {name: obj.__dict__.get(name) for name in fields}
    try:
        plain = {name: getattr(obj, name) for name in fields}  # decrypts
    except crypto.DecryptionError:
        return "unreadable"
    update = [
        name
        for name in fields
        if stored[name] and crypto.needs_rotation(getattr(stored[name], "token", stored[name]))
    ]
    if rekey_hash and plain["ci"]:
        current = crypto.keyed_hash(plain["ci"])
        if obj.ci_hash != current:
            obj.ci_hash = current
            if obj.unique_ci_hash is not None:
                obj.unique_ci_hash = current
            update += ["ci_hash", "unique_ci_hash"]
    if not update:
        return "current"
    try:
        with transaction.atomic():
            obj.save(update_fields=update)
    except IntegrityError:
        return "conflict"
    return "rewritten"


def _raw(model: Any, fields: tuple[str, ...], batch_size: int) -> Any:
    """(pk, *stored values) as the database holds them, without decrypting."""
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
