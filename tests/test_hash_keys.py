"""Hash key rotation: tombstones and guardians' consents keep a hash without its CI, so the old
hash key stays until nothing needs it — the rotate command says so (and fails once it is gone
too early), and database check E025 names what no configured key matches any more."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert import crypto, services
from django_portone_cert.checks import check_stored_hash_keys
from django_portone_cert.management.commands.portone_cert_rotate_keys import Command
from django_portone_cert.models import GuardianConsent, IdentityTombstone
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure, verify
from tests.test_guardians import CHILD, GUARDIAN, guardian_verify, token_of

KEY_A, KEY_B = crypto.generate_key(), crypto.generate_key()
HASH_A, HASH_B = "a" * 40, "b" * 40


def rekey() -> str:
    out = StringIO()
    call_command("portone_cert_rotate_keys", stdout=out)
    return out.getvalue()


def e025() -> list[Any]:
    return [m for m in check_stored_hash_keys(databases=["default"]) if m.id.endswith("E025")]


def tombstoned_person_and_guardian(settings: Any, portone: FakePortOne, make_user: Any) -> str:
    """A deleted account's person (blocked for 90 days) and a guardian's live consent, both
    hashed under the hash key configured now; the guardian's link token."""
    configure(
        settings,
        TOMBSTONE_RETENTION=timedelta(days=90),
        CHILD_POLICY="guardian",
        SITE_URL="https://www.example.kr",
    )
    closed = make_user()
    assert verify(client_for(closed), portone).status_code == 201
    closed.delete()
    child = make_user()
    assert verify(client_for(child), portone, **CHILD).status_code == 201
    token = token_of(services.request_guardian_consent(child))
    assert guardian_verify(APIClient(), portone, token, **GUARDIAN).status_code == 201
    return token


def test_help_no_longer_says_the_old_keys_can_simply_go() -> None:
    text = Command.help
    assert "then the old keys can be removed" not in text
    assert "old hash key" in text and "stays" in text and "until" in text


@pytest.mark.parametrize("keys", ["explicit", "derived"])
def test_dropping_the_old_hash_key_too_early_is_named(
    keys: str, api_version: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    if keys == "explicit":
        configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A)
    token = tombstoned_person_and_guardian(settings, portone, make_user)
    # The rotation as docs/personal-data.md describes it: the new key first, the old a fallback.
    if keys == "explicit":
        configure(settings, ENCRYPTION_KEYS=[KEY_B, KEY_A], HASH_KEY=HASH_B)
        configure(settings, HASH_KEY_FALLBACKS=[HASH_A])
    else:
        settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
        settings.SECRET_KEY = "a-brand-new-secret-key-" + "n" * 40
    said = rekey()
    last = IdentityTombstone.objects.get().expires_at
    assert "1 live tombstones" in said and f"{last:%Y-%m-%d}" in said
    assert "1 live guardian consents" in said and "can be removed" not in said
    assert e025() == []
    # Too early: the old hash key goes (the old encryption key may: everything is re-encrypted).
    if keys == "explicit":
        configure(settings, ENCRYPTION_KEYS=[KEY_B], HASH_KEY_FALLBACKS=[])
    else:
        settings.SECRET_KEY_FALLBACKS = []
    [error] = e025()
    assert "1 live tombstones and 1 live guardian consents" in error.msg
    with pytest.raises(SystemCheckError, match=r"portone_cert\.E025"):
        call_command("check", "--database", "default", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="E025"):
        rekey()
    # What it costs, and why the check is an error: the tombstoned person signs up again,
    # the guardian cannot withdraw.
    assert verify(client_for(make_user()), portone).status_code == 201
    revoke = guardian_verify(APIClient(), portone, token, "revoke", **GUARDIAN)
    assert revoke.status_code == 409
    assert GuardianConsent.objects.get().revoked_at is None


def test_the_command_says_when_nothing_needs_the_old_hash_key(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A)
    assert verify(client_for(make_user()), portone).status_code == 201
    configure(settings, ENCRYPTION_KEYS=[KEY_B, KEY_A], HASH_KEY=HASH_B)
    configure(settings, HASH_KEY_FALLBACKS=[HASH_A])
    assert "they can be removed" in rekey()
    configure(settings, ENCRYPTION_KEYS=[KEY_B], HASH_KEY_FALLBACKS=[])
    assert e025() == []
    assert "can be removed" not in rekey()  # no fallback left to remove


def test_a_tombstone_is_written_under_the_current_key(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    """An account deleted between the new key's arrival and the command's run still leaves a
    tombstone the new key matches: it is hashed from the CI, not copied from the identity."""
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A)
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=90))
    closed = make_user()
    assert verify(client_for(closed), portone).status_code == 201
    configure(settings, ENCRYPTION_KEYS=[KEY_B, KEY_A], HASH_KEY=HASH_B)
    configure(settings, HASH_KEY_FALLBACKS=[HASH_A])
    closed.delete()  # its identity still holds the hash under HASH_A
    tombstone = IdentityTombstone.objects.get()
    assert tombstone.hash_key_id == crypto.hash_key_id()
    configure(settings, ENCRYPTION_KEYS=[KEY_B], HASH_KEY_FALLBACKS=[])
    assert e025() == []
    response = verify(client_for(make_user()), portone)
    assert response.json()["code"] == "reregistration_blocked"


def test_rows_from_before_key_ids_count_as_needing_every_fallback(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    """A tombstone written before hash key ids were recorded may be under any key: the command
    keeps every fallback for it; the check cannot judge it."""
    configure(settings, ENCRYPTION_KEYS=[KEY_B], HASH_KEY=HASH_B, HASH_KEY_FALLBACKS=[HASH_A])
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=90))
    later = timezone.now() + timedelta(days=30)
    IdentityTombstone.objects.create(ci_hash=crypto.keyed_hash("old"), expires_at=later)
    said = rekey()
    assert "1 live tombstones" in said and f"{later:%Y-%m-%d}" in said
    configure(settings, HASH_KEY_FALLBACKS=[])
    assert e025() == []


def test_expired_or_unconsulted_tombstones_and_revoked_consents_need_no_key(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A)
    tombstoned_person_and_guardian(settings, portone, make_user)
    configure(settings, ENCRYPTION_KEYS=[KEY_B], HASH_KEY=HASH_B)
    assert len(e025()) == 1
    GuardianConsent.objects.update(revoked_at=timezone.now())
    configure(settings, TOMBSTONE_RETENTION=None)  # nothing consults tombstones
    assert e025() == []
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=90))
    IdentityTombstone.objects.update(expires_at=timezone.now())
    assert e025() == []


def test_a_guardian_consent_records_its_hash_key(
    settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A)
    tombstoned_person_and_guardian(settings, portone, make_user)
    assert GuardianConsent.objects.get().hash_key_id == crypto.key_id(HASH_A.encode())
    assert IdentityTombstone.objects.get().hash_key_id == crypto.key_id(HASH_A.encode())
