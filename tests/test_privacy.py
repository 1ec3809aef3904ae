from __future__ import annotations

import logging
import threading
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.admin.models import DELETION, LogEntry
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert import crypto, services
from django_portone_cert.checks import check_deploy, check_settings
from django_portone_cert.exceptions import IdentityInUse, NoPendingVerification
from django_portone_cert.masking import PIIFilter, mask_phone, mask_text
from django_portone_cert.models import CertificationAttempt, IdentityTombstone, VerifiedIdentity
from django_portone_cert.testing import FakePortOne
from tests.versions import certify_body

KEY_A = crypto.generate_key()
KEY_B = crypto.generate_key()
HASH_KEY = "h" * 40
PERSON = {"name": "홍길동", "birth_date": date(1990, 5, 17)}


def configure(settings: Any, **extra: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **extra}


def verify(client: APIClient, portone: FakePortOne, **person: Any) -> Any:
    attempt = client.post("/portone-cert/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **(person or PERSON))
    return client.post(
        "/portone-cert/certifications/",
        certify_body(imp_uid, attempt["merchant_uid"]),
        format="json",
    )


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def raw_dump() -> str:
    """Every cell of the app's tables, as the database holds them."""
    cells: list[str] = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("portone_cert").get_models():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            cells.extend(str(cell) for row in cursor.fetchall() for cell in row)
    return "\n".join(cells)


# --- encryption ---


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


# --- one account per person ---


def test_one_account_per_person(api_version: str, make_user: Any, portone: FakePortOne) -> None:
    first, second = make_user(), make_user()
    assert verify(client_for(first), portone).status_code == 201
    response = verify(client_for(second), portone)
    assert response.status_code == 409
    assert response.json() == {
        "detail": "This person is already verified on another account.",
        "code": "identity_in_use",
    }
    assert first.get_username() not in response.content.decode()
    assert not VerifiedIdentity.objects.filter(user=second).exists()


def test_several_accounts_when_allowed(make_user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, ONE_ACCOUNT_PER_PERSON=False)
    users = [make_user() for _ in range(3)]
    for user in users:
        assert verify(client_for(user), portone).status_code == 201
    identities = VerifiedIdentity.objects.all()
    assert len({i.ci_hash for i in identities}) == 1
    assert {i.unique_ci_hash for i in identities} == {None}
    # The admin shows them together.
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    listing = browser.get("/admin/portone_cert/verifiedidentity/").content.decode()
    link = f"?ci_hash={identities[0].ci_hash}"
    assert link in listing
    same = browser.get("/admin/portone_cert/verifiedidentity/" + link).content.decode()
    assert same.count('class="action-select"') == 3


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
        monkeypatch.setattr(services, "check_person", lambda *args: None)
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


# --- results without a CI ---


def test_without_ci_refused_by_default(user: Any, portone: FakePortOne, settings: Any) -> None:
    response = verify(client_for(user), portone, ci=None, provider="inicis_unified", **PERSON)
    assert response.status_code == 400 and response.json()["code"] == "ci_missing"
    configure(settings, REQUIRE_CI=False)
    response = verify(client_for(user), portone, ci=None, provider="inicis_unified", **PERSON)
    assert response.status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    assert identity.ci == "" and identity.ci_hash == "" and identity.unique_ci_hash is None


# --- sign-up verification ---


@pytest.fixture
def visitor(settings: Any, db: None) -> APIClient:
    configure(settings, ANONYMOUS_VERIFICATION=True)
    return APIClient()


def test_visitors_cannot_verify_unless_allowed(db: None, portone: FakePortOne) -> None:
    response = APIClient().post("/portone-cert/prepare/")
    assert response.status_code in (401, 403)
    assert not CertificationAttempt.objects.exists()


def test_sign_up_claims_the_verification(
    visitor: APIClient, portone: FakePortOne, make_user: Any
) -> None:
    response = verify(visitor, portone, name="신규가입", birth_date=date(2000, 1, 2))
    assert response.status_code == 201
    body = response.json()
    assert body["pending_signup"] is True and body["name"] == "신규가입"
    assert not VerifiedIdentity.objects.exists()
    attempt = CertificationAttempt.objects.get()
    assert attempt.user is None and attempt.session_key and attempt.result
    assert "신규가입" not in raw_dump()  # the waiting result is encrypted too

    # The sign-up view: ask, then create the account and claim.
    signup = visitor.post("/signup/", {"username": "new@example.com"})
    assert signup.status_code == 201, signup.content
    user = VerifiedIdentity.objects.get().user
    assert user.get_username() == "new@example.com"
    assert user.verified_identity.birth_date == date(2000, 1, 2)
    attempt.refresh_from_db()
    assert attempt.user == user and attempt.claimed_at is not None and attempt.result == ""
    # Claimed once only.
    assert visitor.post("/signup/", {"username": "again@example.com"}).status_code == 400


def test_sign_up_refused_when_the_person_has_an_account(
    visitor: APIClient, portone: FakePortOne, make_user: Any
) -> None:
    assert verify(client_for(make_user()), portone).status_code == 201
    assert verify(visitor, portone).status_code == 201  # verifying is fine...
    signup = visitor.post("/signup/", {"username": "dupe@example.com"})
    assert signup.status_code == 409  # ...the sign-up view refuses kindly
    assert signup.json() == {"error": "already_registered"}
    assert VerifiedIdentity.objects.count() == 1


def test_claim_needs_a_fresh_verification(
    visitor: APIClient, portone: FakePortOne, settings: Any
) -> None:
    assert visitor.post("/signup/", {"username": "x@example.com"}).status_code == 400
    assert verify(visitor, portone).status_code == 201
    CertificationAttempt.objects.update(completed_at=timezone.now() - timedelta(hours=1))
    assert visitor.post("/signup/", {"username": "x@example.com"}).status_code == 400


def test_claim_race_is_decided_by_the_database(
    visitor: APIClient, portone: FakePortOne, make_user: Any
) -> None:
    assert verify(visitor, portone).status_code == 201
    request = _request_with_session(visitor)
    pending = services.pending_verification(request)
    assert pending is not None and pending.has_account is False
    # Someone else claims the same person first (e.g. between the check and the claim).
    assert verify(client_for(make_user()), portone).status_code == 201
    with pytest.raises(IdentityInUse):
        services.claim_verification(request, make_user())
    with pytest.raises(NoPendingVerification):
        services.claim_verification(_request_with_session(APIClient()), make_user())


def _request_with_session(client: APIClient) -> Any:
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    cookie = client.cookies.get("sessionid")
    request.session = SessionStore(cookie.value if cookie else None)
    return request


def test_visitor_requests_need_the_csrf_token(
    settings: Any, db: None, portone: FakePortOne
) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True)
    client = APIClient(enforce_csrf_checks=True)
    response = client.post("/portone-cert/prepare/")
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    secret = "s3cr3t" * 5 + "ab"
    client.cookies["csrftoken"] = secret
    assert client.post("/portone-cert/prepare/", HTTP_X_CSRFTOKEN=secret).status_code == 201


def test_a_visitor_cannot_use_another_sessions_attempt(
    visitor: APIClient, portone: FakePortOne
) -> None:
    attempt = visitor.post("/portone-cert/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"])
    stranger = APIClient()
    stranger.post("/portone-cert/prepare/")
    response = stranger.post(
        "/portone-cert/certifications/",
        {"imp_uid": imp_uid, "merchant_uid": attempt["merchant_uid"]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "attempt_mismatch"


# --- PortOne's copy ---


def test_delete_after_verify(
    user: Any, portone: FakePortOne, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    configure(settings, DELETE_AFTER_VERIFY=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = verify(client_for(user), portone)
    assert response.status_code == 201
    assert portone.get_record(VerifiedIdentity.objects.get().imp_uid) is None


def test_a_failed_delete_is_logged_not_fatal(
    user: Any,
    portone: FakePortOne,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
    caplog: Any,
) -> None:
    configure(settings, DELETE_AFTER_VERIFY=True)
    attempt = client_for(user).post("/portone-cert/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **PERSON)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(user).post(
            "/portone-cert/certifications/",
            {"imp_uid": imp_uid, "merchant_uid": attempt["merchant_uid"]},
            format="json",
        )
    assert response.status_code == 201
    portone.inject("http_500", endpoint="certification")
    with caplog.at_level(logging.WARNING, logger="django_portone_cert"):
        for callback in callbacks:
            callback()
    assert "Could not delete PortOne's copy" in caplog.text
    assert portone.get_record(imp_uid) is not None
    assert VerifiedIdentity.objects.filter(user=user).exists()


# --- retention ---


def test_purge(make_user: Any, settings: Any) -> None:
    now = timezone.now()
    user = make_user()
    make = CertificationAttempt.objects.create
    make(user=user, expires_at=now - timedelta(minutes=1))  # expired, pending
    make(user=user, expires_at=now + timedelta(minutes=5))  # still open
    make(user=user, status="failed", created_at=now - timedelta(days=31), expires_at=now)
    make(user=user, status="failed", created_at=now - timedelta(days=1), expires_at=now)
    make(
        session_key="s",
        status="verified",
        completed_at=now - timedelta(hours=1),
        result="{}",
        expires_at=now,
    )  # a visitor who never signed up
    make(session_key="s", status="verified", completed_at=now, result="{}", expires_at=now)
    IdentityTombstone.objects.create(ci_hash="a" * 64, expires_at=now - timedelta(days=1))
    IdentityTombstone.objects.create(ci_hash="b" * 64, expires_at=now + timedelta(days=1))
    out = open("/dev/null", "w")  # noqa: SIM115
    call_command("portone_cert_purge", stdout=out)
    report = services.purge()
    assert report == services.PurgeReport(0, 0, 0, 0)  # the command did it all
    assert CertificationAttempt.objects.count() == 3
    assert list(IdentityTombstone.objects.values_list("ci_hash", flat=True)) == ["b" * 64]


def test_deleted_account_and_tombstone(make_user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, TOMBSTONE_RETENTION=timedelta(days=90))
    user = make_user()
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    user.delete()
    # The identity and the attempts went with the account; a keyed hash stays.
    assert not VerifiedIdentity.objects.exists()
    assert not CertificationAttempt.objects.exists()
    stone = IdentityTombstone.objects.get()
    assert stone.ci_hash == identity.ci_hash
    assert portone.person_ci(**PERSON) not in raw_dump()

    response = verify(client_for(make_user()), portone)
    assert response.status_code == 409 and response.json()["code"] == "reregistration_blocked"
    IdentityTombstone.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    services.purge()
    assert verify(client_for(make_user()), portone).status_code == 201


def test_no_tombstone_by_default(user: Any, portone: FakePortOne) -> None:
    assert verify(client_for(user), portone).status_code == 201
    user.delete()
    assert not IdentityTombstone.objects.exists()


# --- shown masked everywhere ---


def test_admin_pages_are_masked(make_user: Any, portone: FakePortOne, settings: Any) -> None:
    configure(settings, STORE_PHONE=True)
    user = make_user()
    assert (
        verify(client_for(user), portone, name="남궁민수", birth_date=date(1980, 1, 1)).status_code
        == 201
    )
    identity = VerifiedIdentity.objects.get(user=user)
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    listing = browser.get("/admin/portone_cert/verifiedidentity/").content.decode()
    detail = browser.get(
        f"/admin/portone_cert/verifiedidentity/{identity.pk}/change/"
    ).content.decode()
    attempts = browser.get("/admin/portone_cert/certificationattempt/").content.decode()
    assert "남**수" in listing and "남궁민수" not in listing
    for page in (listing, detail, attempts):
        assert identity.ci[:20] not in page
        assert "01012345678" not in page
    assert "010****5678" in detail and identity.ci[:6] + "…" in detail


def test_revoke_is_logged(make_user: Any, portone: FakePortOne) -> None:
    user = make_user()
    assert verify(client_for(user), portone).status_code == 201
    identity = VerifiedIdentity.objects.get(user=user)
    admin = make_user(is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    response = browser.post(
        "/admin/portone_cert/verifiedidentity/",
        {"action": "revoke_verification", "_selected_action": [identity.pk]},
    )
    assert response.status_code == 302
    assert not VerifiedIdentity.objects.exists()
    entry = LogEntry.objects.get()
    assert entry.user == admin and entry.action_flag == DELETION
    assert entry.object_id == str(identity.pk)
    assert "홍길동" not in entry.object_repr and "Revoked" in entry.get_change_message()
    # The user is sent to verify again.
    assert services.get_identity(type(user).objects.get(pk=user.pk)) is None


def test_log_filter_masks(caplog: Any, portone: FakePortOne) -> None:
    ci = portone.person_ci(**PERSON)
    text = f"ci={ci} di={'A1' * 32} phone=010-1234-5678 name 홍길동 ok"
    masked = mask_text(text)
    assert ci not in masked and "A1A1" not in masked and "1234" not in masked
    assert "홍*동" in masked and "ok" in masked
    assert mask_phone("01012345678") == "010****5678"
    logger = logging.getLogger("django_portone_cert")
    assert any(isinstance(f, PIIFilter) for f in logger.filters)
    with caplog.at_level(logging.INFO, logger="django_portone_cert"):
        logger.info("looked up %s for %s", ci, "홍길동")
    assert ci not in caplog.text and "홍길동" not in caplog.text and "[CI]" in caplog.text
