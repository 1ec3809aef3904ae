"""Key rotation (SECRET_KEY the Django way, explicit keys), values bound to their row, lookups."""

from __future__ import annotations

import json
from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import FieldError
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection, transaction
from django.test import Client
from rest_framework.test import APIClient

from django_portone_cert import crypto, signup
from django_portone_cert.checks import (
    check_deploy,
    check_key_source,
    check_settings,
    check_stored_keys,
)
from django_portone_cert.exceptions import IdentityInUse
from django_portone_cert.models import CertificationAttempt, IdentityTombstone, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.helpers import (
    PERSON,
    client_for,
    configure,
    raw_dump,
    session_request,
    verify,
)

OTHER = {"name": "김영희", "birth_date": date(1985, 3, 9)}
KEY_A, KEY_B = crypto.generate_key(), crypto.generate_key()
HASH_A, HASH_B = "a" * 40, "b" * 40


def rotate_secret_key(settings: Any, new: str) -> None:
    """Django's way: the new key signs, the old ones stay in SECRET_KEY_FALLBACKS."""
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    settings.SECRET_KEY = new


def rekey() -> str:
    out = StringIO()
    call_command("portone_cert_rotate_keys", stdout=out)
    return out.getvalue()


def stored(model: Any, pk: Any, column: str) -> str:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def put(model: Any, pk: Any, column: str, value: str) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, pk])  # noqa: S608


@pytest.fixture
def derived(settings: Any) -> None:
    """Keys derived from SECRET_KEY (no ENCRYPTION_KEYS / HASH_KEY), as in the issue."""
    settings.SECRET_KEY = "first-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []


# --- item 3: rotating SECRET_KEY the Django way ---


def test_secret_key_fallbacks_keep_the_ci_readable(
    derived: None, user: Any, portone: FakePortOne, settings: Any
) -> None:
    assert verify(client_for(user), portone).status_code == 201
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    assert VerifiedIdentity.objects.get(user=user).ci == portone.person_ci(**PERSON)


def test_secret_key_fallbacks_keep_one_account_per_person(
    derived: None, api_version: str, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    assert verify(client_for(make_user()), portone).status_code == 201
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "identity_in_use"
    assert VerifiedIdentity.objects.count() == 1


def test_secret_key_fallbacks_keep_tombstones(
    derived: None, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=90))
    user = make_user()
    assert verify(client_for(user), portone).status_code == 201
    user.delete()
    assert IdentityTombstone.objects.count() == 1
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "reregistration_blocked"


def test_secret_key_fallbacks_keep_the_same_person_check(
    derived: None, user: Any, portone: FakePortOne, settings: Any
) -> None:
    assert verify(client_for(user), portone).status_code == 201
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    # The same person verifies again: accepted, and the row moves to the current key.
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.ci_hash == crypto.keyed_hash(portone.person_ci(**PERSON))
    assert identity.unique_ci_hash == identity.ci_hash
    # Another person on this account is still refused.
    response = verify(client_for(user), portone, **OTHER)
    assert response.status_code == 409 and response.json()["code"] == "identity_mismatch"


def test_secret_key_fallbacks_keep_has_account(
    derived: None, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True)
    assert verify(client_for(make_user()), portone).status_code == 201
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    visitor = APIClient()
    assert verify(visitor, portone).status_code == 201
    signup = visitor.post("/signup/", {"username": "dupe@example.com"})
    assert signup.status_code == 409 and signup.json() == {"error": "already_registered"}
    assert VerifiedIdentity.objects.count() == 1


def test_claim_refused_for_a_person_under_a_fallback_hash(
    derived: None, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    """The sign-up view that skips has_account is still refused at the claim."""
    configure(settings, ANONYMOUS_VERIFICATION=True)
    assert verify(client_for(make_user()), portone).status_code == 201
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    visitor = APIClient()
    assert verify(visitor, portone).status_code == 201

    with pytest.raises(IdentityInUse):
        signup.claim_verification(session_request(visitor), make_user())


def test_hash_key_fallbacks(make_user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A)
    assert verify(client_for(make_user()), portone).status_code == 201
    configure(
        settings, ENCRYPTION_KEYS=[KEY_B, KEY_A], HASH_KEY=HASH_B, HASH_KEY_FALLBACKS=[HASH_A]
    )
    assert check_settings() == []
    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "identity_in_use"
    ci = portone.person_ci(**PERSON)
    assert crypto.keyed_hashes(ci)[0] == crypto.keyed_hash(ci)
    assert VerifiedIdentity.objects.for_ci(ci).count() == 1

    assert "re-keyed 1 rows" in rekey()
    configure(settings, ENCRYPTION_KEYS=[KEY_B], HASH_KEY=HASH_B, HASH_KEY_FALLBACKS=None)
    identity = VerifiedIdentity.objects.get()
    assert identity.ci == ci and identity.unique_ci_hash == crypto.keyed_hash(ci)
    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "identity_in_use"


def test_moving_from_derived_to_explicit_keys(
    derived: None, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    first = make_user()
    assert verify(client_for(first), portone).status_code == 201
    configure(
        settings,
        ENCRYPTION_KEYS=[KEY_A, crypto.FROM_SECRET_KEY],
        HASH_KEY=HASH_A,
        HASH_KEY_FALLBACKS=[crypto.FROM_SECRET_KEY],
    )
    assert check_settings() == [] and check_key_source() == []
    ci = portone.person_ci(**PERSON)
    assert VerifiedIdentity.objects.get().ci == ci
    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "identity_in_use"
    rekey()
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY_FALLBACKS=None)
    assert check_stored_keys(databases=["default"]) == []
    assert VerifiedIdentity.objects.get().ci_hash == crypto.keyed_hash(ci)
    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "identity_in_use"
    # The marker may not come first: it never encrypts.
    configure(settings, ENCRYPTION_KEYS=[crypto.FROM_SECRET_KEY, KEY_A])
    assert [m.id for m in check_settings()] == ["portone_cert.E015"]


def test_rotate_command_rekeys_hashes_and_is_idempotent(
    derived: None, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    configure(settings, STORE_PHONE=True, STORE_DI=True)
    first = make_user()
    assert verify(client_for(first), portone).status_code == 201
    old_kid = crypto.key_id(crypto.encryption_keys()[0])
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    assert "portone_cert.VerifiedIdentity: re-keyed 1 rows." in rekey()
    assert "portone_cert.VerifiedIdentity: re-keyed 0 rows." in rekey()  # nothing left to do
    assert f"${old_kid}$" not in raw_dump()
    identity = VerifiedIdentity.objects.get()
    ci = portone.person_ci(**PERSON)
    assert identity.ci_hash == identity.unique_ci_hash == crypto.keyed_hash(ci)

    # The old SECRET_KEY can go now: everything reads, the person is still recognised.
    settings.SECRET_KEY_FALLBACKS = []
    identity = VerifiedIdentity.objects.get()
    assert (identity.ci, identity.phone) == (ci, "01012345678") and len(identity.di) == 64
    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "identity_in_use"
    assert verify(client_for(first), portone).status_code == 201


def test_two_rotations_without_rekeying_in_between(
    derived: None, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    """A → B → C with fallbacks [B, A]: rows under A and B are all read and matched."""
    configure(settings, ANONYMOUS_VERIFICATION=True)
    under_a = make_user()
    assert verify(client_for(under_a), portone).status_code == 201
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    under_b = make_user()
    assert verify(client_for(under_b), portone, **OTHER).status_code == 201
    visitor = APIClient()  # a visitor's result waiting under B
    assert verify(visitor, portone, name="박신규", birth_date=date(2001, 2, 3)).status_code == 201
    rotate_secret_key(settings, "third-secret-key-" + "z" * 40)
    assert len(settings.SECRET_KEY_FALLBACKS) == 2
    for person in (PERSON, OTHER):
        response = verify(client_for(make_user()), portone, **person)
        assert response.status_code == 409 and response.json()["code"] == "identity_in_use"
    rekey()
    # (Django's session still needs the fallbacks for the visitor's cookie.)
    assert visitor.post("/signup/", {"username": "new@example.com"}).status_code == 201
    settings.SECRET_KEY_FALLBACKS = []
    assert VerifiedIdentity.objects.get(user=under_a).ci == portone.person_ci(**PERSON)
    assert VerifiedIdentity.objects.get(user=under_b).ci == portone.person_ci(**OTHER)
    assert VerifiedIdentity.objects.filter(name="박신규").exists()


def test_removing_a_fallback_before_rekeying_is_a_clear_error(
    derived: None, user: Any, portone: FakePortOne, settings: Any
) -> None:
    assert verify(client_for(user), portone).status_code == 201
    settings.SECRET_KEY = "second-secret-key-" + "y" * 40  # the old key dropped at once
    identity = VerifiedIdentity.objects.get(user=user)  # loading does not fail...
    with pytest.raises(crypto.DecryptionError, match="SECRET_KEY_FALLBACKS"):
        identity.ci  # noqa: B018 (...reading does, and says what to do)
    with pytest.raises(CommandError, match="SECRET_KEY_FALLBACKS") as info:
        rekey()
    assert f"VerifiedIdentity #{identity.pk}" in str(info.value)
    assert portone.person_ci(**PERSON) not in str(info.value)
    # Putting the key back and re-keying repairs it.
    rotate_secret_key(settings, settings.SECRET_KEY)
    settings.SECRET_KEY_FALLBACKS = ["first-secret-key-" + "x" * 40]
    rekey()
    settings.SECRET_KEY_FALLBACKS = []
    assert VerifiedIdentity.objects.get(user=user).ci == portone.person_ci(**PERSON)


def test_rotate_command_with_a_visitors_result(
    settings: Any, db: None, portone: FakePortOne
) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A)
    visitor = APIClient()
    assert verify(visitor, portone, name="신규가입", birth_date=date(2000, 1, 2)).status_code == 201
    attempt = CertificationAttempt.objects.get()
    before = stored(CertificationAttempt, attempt.pk, "result")
    configure(settings, ENCRYPTION_KEYS=[KEY_B, KEY_A])
    assert "portone_cert.CertificationAttempt: re-keyed 1 rows." in rekey()
    after = stored(CertificationAttempt, attempt.pk, "result")
    assert after != before and after.startswith(f"pcx1${crypto.key_id(crypto.decode_key(KEY_B))}$")
    assert "portone_cert.CertificationAttempt: re-keyed 0 rows." in rekey()
    configure(settings, ENCRYPTION_KEYS=[KEY_B])
    assert visitor.post("/signup/", {"username": "new@example.com"}).status_code == 201
    assert VerifiedIdentity.objects.get().name == "신규가입"


def test_rotate_command_leaves_a_duplicate_person_to_a_human(
    derived: None, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    """Two accounts of one person (written by servers on different keys): reported, not merged."""
    first = make_user()
    assert verify(client_for(first), portone).status_code == 201
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    configure(settings, ONE_ACCOUNT_PER_PERSON=False)  # stands in for the deploy-window race
    second = make_user()
    assert verify(client_for(second), portone).status_code == 201
    VerifiedIdentity.objects.filter(user=second).update(
        unique_ci_hash=crypto.keyed_hash(portone.person_ci(**PERSON))
    )
    with pytest.raises(CommandError, match="resolve them by hand") as info:
        rekey()
    assert f"#{VerifiedIdentity.objects.get(user=first).pk}" in str(info.value)
    assert VerifiedIdentity.objects.count() == 2


# --- item 3: checks ---


@pytest.mark.parametrize(
    "keys", [{"ENCRYPTION_KEYS": [KEY_A]}, {"HASH_KEY": HASH_A}], ids=["no-hash-key", "no-enc-keys"]
)
def test_an_explicit_key_without_its_partner_is_an_error(settings: Any, keys: Any) -> None:
    configure(settings, **keys)
    assert [m.id for m in check_settings()] == ["portone_cert.E022"]
    assert check_key_source() == []  # not also W006
    with pytest.raises(SystemCheckError, match=r"portone_cert\.E022"):
        call_command("check")


def test_hash_key_fallbacks_are_checked(settings: Any) -> None:
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A, HASH_KEY_FALLBACKS=["short"])
    assert [m.id for m in check_settings()] == ["portone_cert.E023"]
    configure(settings, ENCRYPTION_KEYS=None, HASH_KEY=None, HASH_KEY_FALLBACKS=[HASH_B])
    assert [m.id for m in check_settings()] == ["portone_cert.E023"]
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A, HASH_KEY_FALLBACKS=[HASH_B])
    assert check_settings() == []
    configure(settings, HASH_KEY_FALLBACKS=HASH_B)  # a string, not a list
    with pytest.raises(SystemCheckError, match=r"portone_cert\.E023"):
        call_command("check")


def test_derived_keys_warn_in_the_plain_check_without_debug(settings: Any, capsys: Any) -> None:
    configure(settings, ENCRYPTION_KEYS=None, HASH_KEY=None)
    settings.DEBUG = False
    assert [m.id for m in check_key_source()] == ["portone_cert.W006"]
    assert check_deploy() == []  # said once, by W006
    call_command("check")
    assert "portone_cert.W006" in capsys.readouterr().err
    settings.DEBUG = True
    assert check_key_source() == []
    assert [m.id for m in check_deploy()] == ["portone_cert.W004"]
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A)
    settings.DEBUG = False
    assert check_key_source() == [] and check_deploy() == []
    call_command("check")
    assert "W006" not in capsys.readouterr().err


def test_identities_under_a_removed_key_fail_the_database_check(
    derived: None, make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    """``migrate`` (and ``check --database``) refuse to go on; nothing is silently lost."""
    configure(settings, STORE_PHONE=True)
    assert verify(client_for(make_user()), portone).status_code == 201
    assert verify(client_for(make_user()), portone, **OTHER).status_code == 201
    assert check_stored_keys(databases=["default"]) == []
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "second-secret-key-" + "y" * 40  # the old key dropped at once
    messages = check_stored_keys(databases=["default"])
    assert [m.id for m in messages] == ["portone_cert.E024"]
    assert messages[0].msg.startswith("2 verified identities")
    assert check_stored_keys() == []  # the plain check does not read the database
    with pytest.raises(SystemCheckError, match=r"portone_cert\.E024"):
        call_command("check", databases=["default"])
    settings.SECRET_KEY_FALLBACKS = [old]
    assert check_stored_keys(databases=["default"]) == []
    rekey()
    settings.SECRET_KEY_FALLBACKS = []
    assert check_stored_keys(databases=["default"]) == []


# --- item 11(a): a value is bound to its row ---


def test_ciphertext_copied_to_another_row_does_not_decrypt(
    make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    configure(settings, STORE_PHONE=True)
    a, b = make_user(), make_user()
    assert verify(client_for(a), portone).status_code == 201
    assert verify(client_for(b), portone, **OTHER).status_code == 201
    row_a = VerifiedIdentity.objects.get(user=a)
    row_b = VerifiedIdentity.objects.get(user=b)
    put(VerifiedIdentity, row_b.pk, "ci", stored(VerifiedIdentity, row_a.pk, "ci"))
    with pytest.raises(crypto.DecryptionError):
        VerifiedIdentity.objects.get(pk=row_b.pk).ci  # noqa: B018
    assert VerifiedIdentity.objects.get(pk=row_a.pk).ci == portone.person_ci(**PERSON)
    # Nor into another column of the same row.
    put(VerifiedIdentity, row_a.pk, "phone", stored(VerifiedIdentity, row_a.pk, "ci"))
    with pytest.raises(crypto.DecryptionError):
        VerifiedIdentity.objects.get(pk=row_a.pk).phone  # noqa: B018


def test_a_visitors_result_copied_to_another_attempt_does_not_decrypt(
    settings: Any, db: None, portone: FakePortOne
) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True)
    assert verify(APIClient(), portone).status_code == 201
    mine = CertificationAttempt.objects.get()
    theirs = CertificationAttempt.objects.create(session_key="s", status="verified")
    put(CertificationAttempt, theirs.pk, "result", stored(CertificationAttempt, mine.pk, "result"))
    with pytest.raises(crypto.DecryptionError):
        CertificationAttempt.objects.get(pk=theirs.pk).result  # noqa: B018
    assert json.loads(CertificationAttempt.objects.get(pk=mine.pk).result)["name"] == "홍길동"


def test_a_stored_value_not_in_the_encrypted_form_is_never_read_as_plain_text(
    user: Any, portone: FakePortOne
) -> None:
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    put(VerifiedIdentity, identity.pk, "ci", identity.ci)  # written around the field
    with pytest.raises(crypto.DecryptionError):
        VerifiedIdentity.objects.get(pk=identity.pk).ci  # noqa: B018


def test_dumpdata_carries_ciphertext_and_loaddata_restores_it(
    user: Any, portone: FakePortOne, settings: Any, tmp_path: Any
) -> None:
    configure(settings, STORE_PHONE=True)
    assert verify(client_for(user), portone).status_code == 201
    ci = portone.person_ci(**PERSON)
    dump = tmp_path / "identities.json"
    call_command("dumpdata", "portone_cert.verifiedidentity", output=str(dump))
    text = dump.read_text()
    assert ci not in text and "01012345678" not in text and '"pcx1$' in text
    VerifiedIdentity.objects.all().delete()
    call_command("loaddata", str(dump), verbosity=0)
    identity = VerifiedIdentity.objects.get(user=user)
    assert (identity.ci, identity.phone) == (ci, "01012345678")


# --- item 11(b): the admin with a row whose key is gone ---


def test_admin_with_an_undecryptable_row(
    make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_A, STORE_PHONE=True)
    user = make_user()
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    configure(settings, ENCRYPTION_KEYS=[KEY_B])  # KEY_A removed too early
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    listing = browser.get("/admin/portone_cert/verifiedidentity/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "홍*동" in html and "홍길동" not in html and "01012345678" not in html
    detail = browser.get(f"/admin/portone_cert/verifiedidentity/{identity.pk}/change/")
    assert detail.status_code == 200
    assert detail.content.decode().count("cannot be decrypted") == 2  # CI and phone
    korean = browser.get(
        f"/admin/portone_cert/verifiedidentity/{identity.pk}/change/", HTTP_ACCEPT_LANGUAGE="ko"
    )
    assert korean.status_code == 200 and "복호화할 수 없음" in korean.content.decode()


# --- item 11(d): filtering on an encrypted value ---


def test_filtering_on_an_encrypted_value_is_an_error(user: Any, portone: FakePortOne) -> None:
    assert verify(client_for(user), portone).status_code == 201
    ci = portone.person_ci(**PERSON)
    with pytest.raises(FieldError, match=r"for_ci\(ci\)") as info:
        VerifiedIdentity.objects.filter(ci=ci).exists()
    assert isinstance(info.value, TypeError) and ci not in str(info.value)
    for query in (
        lambda: VerifiedIdentity.objects.exclude(phone="01012345678"),
        lambda: VerifiedIdentity.objects.filter(di__in=["x"]),
        lambda: CertificationAttempt.objects.filter(result="{}"),
    ):
        with pytest.raises(FieldError):
            query()
    with pytest.raises(TypeError), transaction.atomic():
        VerifiedIdentity.objects.update(ci=ci)  # no row to bind it to
    # What works: the empty value, isnull, and the keyed hash.
    assert VerifiedIdentity.objects.exclude(ci="").count() == 1
    assert VerifiedIdentity.objects.filter(phone="").count() == 1
    assert VerifiedIdentity.objects.filter(ci__isnull=False).count() == 1
    assert list(VerifiedIdentity.objects.for_ci(ci)) == [VerifiedIdentity.objects.get()]
    assert not VerifiedIdentity.objects.for_ci("").exists()
    assert not VerifiedIdentity.objects.for_ci(portone.person_ci(**OTHER)).exists()


def test_for_ci_under_a_fallback_key(
    derived: None, user: Any, portone: FakePortOne, settings: Any
) -> None:
    assert verify(client_for(user), portone).status_code == 201
    rotate_secret_key(settings, "second-secret-key-" + "y" * 40)
    assert VerifiedIdentity.objects.for_ci(portone.person_ci(**PERSON)).get().user == user


KEY_A = crypto.generate_key()


KEY_B = crypto.generate_key()


HASH_KEY = "h" * 40


def test_round_trip_and_context(settings: Any) -> None:
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_KEY)
    one = crypto.encrypt("secret-ci", context="a.ci", owner="1")
    two = crypto.encrypt("secret-ci", context="a.ci", owner="1")
    assert one != two and one.startswith("pcx1$")
    assert "secret-ci" not in one
    assert crypto.decrypt(one, context="a.ci", owner="1") == "secret-ci"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(one, context="a.phone", owner="1")  # bound to its column
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(one, context="a.ci", owner="2")  # and to its row
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(one[:-4] + "AAAA", context="a.ci", owner="1")  # tampered


def test_rotation(user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_KEY, STORE_PHONE=True)
    assert verify(client_for(user), portone).status_code == 201
    ci = portone.person_ci(**PERSON)
    before = raw_dump()
    assert f"${crypto.key_id(crypto.decode_key(KEY_A))}$" in before

    # A new key goes first; the old one still decrypts.
    configure(settings, ENCRYPTION_KEYS=[KEY_B, KEY_A])
    assert VerifiedIdentity.objects.get(user=user).ci == ci
    call_command("portone_cert_rotate_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = raw_dump()
    assert f"${crypto.key_id(crypto.decode_key(KEY_A))}$" not in after
    assert f"${crypto.key_id(crypto.decode_key(KEY_B))}$" in after

    # The old key can go now.
    configure(settings, ENCRYPTION_KEYS=[KEY_B])
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.ci == ci and identity.phone == "01012345678"
    configure(settings, ENCRYPTION_KEYS=[crypto.generate_key()])
    with pytest.raises(crypto.DecryptionError):
        VerifiedIdentity.objects.get(user=user).ci  # noqa: B018 (decrypted when read)


def test_no_plaintext_in_a_dump(user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, STORE_PHONE=True, STORE_DI=True)
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    assert len(identity.ci) == 88 and len(identity.di) == 64
    assert identity.phone == "01012345678" and identity.carrier == "SKT"
    dump = raw_dump()
    for secret in (identity.ci, identity.di, identity.phone):
        assert secret not in dump
    assert identity.ci_hash in dump  # the keyed hash finds the person
    assert identity.ci_hash == crypto.keyed_hash(identity.ci)


def test_phone_and_di_are_not_stored_by_default(user: Any, portone: FakePortOne) -> None:
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    assert (identity.phone, identity.di, identity.carrier) == ("", "", "")


def test_keyed_hash_depends_on_the_key(settings: Any) -> None:
    configure(settings, HASH_KEY=HASH_KEY)
    first = crypto.keyed_hash("ci")
    assert first == crypto.keyed_hash("ci") and len(first) == 64
    configure(settings, HASH_KEY="k" * 40)
    assert crypto.keyed_hash("ci") != first


def test_encrypted_fields_cannot_be_filtered(user: Any) -> None:
    with pytest.raises(TypeError, match="keyed hash"):
        list(VerifiedIdentity.objects.filter(ci__startswith="a"))


def test_key_checks(settings: Any) -> None:
    configure(settings, ENCRYPTION_KEYS=["short"], HASH_KEY="x")
    assert [m.id for m in check_settings()] == ["portone_cert.E015", "portone_cert.E016"]
    configure(settings, ENCRYPTION_KEYS=[], HASH_KEY=None)
    assert [m.id for m in check_settings()] == ["portone_cert.E015"]
    configure(settings, ENCRYPTION_KEYS=None, HASH_KEY=None)
    settings.DEBUG = True  # without DEBUG, the plain check's W006 says it
    assert [m.id for m in check_deploy()] == ["portone_cert.W004"]
    configure(settings, ENCRYPTION_KEYS=[KEY_A], HASH_KEY=HASH_KEY)
    assert check_deploy() == []
    assert check_settings() == []


def test_tombstones_survive_a_completed_secret_key_rotation(
    make_user: Any, portone: FakePortOne, settings: Any
) -> None:
    from datetime import timedelta
    from io import StringIO

    from django.core.management import CommandError, call_command

    settings.SECRET_KEY = "first-secret-key-" + "x" * 40
    settings.SECRET_KEY_FALLBACKS = []
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=90))
    closed = make_user()
    assert verify(client_for(closed), portone).status_code == 201
    closed.delete()  # the person is blocked from signing up again for 90 days
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "second-secret-key-" + "y" * 40
    out = StringIO()
    try:
        call_command("portone_cert_rotate_keys", stdout=out, stderr=out)
    except CommandError as err:
        out.write(str(err))
    warned = "tombstone" in out.getvalue().lower()
    settings.SECRET_KEY_FALLBACKS = []  # "the old SECRET_KEY can go now"
    response = verify(client_for(make_user()), portone)
    assert warned or response.json().get("code") == "reregistration_blocked"
