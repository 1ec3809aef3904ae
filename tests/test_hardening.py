"""The identity stays bound to the right person, under attack and outage.

Each test here failed before the hardening it names: session fixation, forged
client addresses, unbounded lookups, foreign V2 channels, CI-less results
replacing a person, personal data in error reports and logs, oversized bodies.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pytest
from django.contrib.auth import login
from django.contrib.sessions.backends.db import SessionStore
from django.db import DatabaseError, connection
from django.test import RequestFactory
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from django_portone_cert import services
from django_portone_cert.exceptions import ServiceUnavailable
from django_portone_cert.models import CertificationAttempt, VerifiedIdentity
from django_portone_cert.portone import PortOneV2Client
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePortOne
from tests.versions import V2_SETTINGS, certify_body

PREPARE = "/portone-cert/prepare/"
CERTIFY = "/portone-cert/certifications/"
PERSON = {"name": "김보안", "birth_date": date(1991, 2, 3)}


def configure(settings: Any, **extra: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **extra}


def verify(client: APIClient, portone: FakePortOne, **person: Any) -> Any:
    attempt = client.post(PREPARE).json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **(person or PERSON))
    return client.post(CERTIFY, certify_body(imp_uid, attempt["merchant_uid"]), format="json")


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def request_with_session(session_key: str | None) -> Any:
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key)
    return request


@pytest.fixture
def visitor(settings: Any, db: None) -> APIClient:
    configure(settings, ANONYMOUS_VERIFICATION=True)
    return APIClient()


# --- 1. session fixation ---


def test_a_fixed_session_cannot_take_the_visitors_verification(
    api_version: str, visitor: APIClient, portone: FakePortOne
) -> None:
    visitor.post(PREPARE)  # the visitor has a session now...
    fixed = visitor.cookies["sessionid"].value  # ...whose key the attacker planted or copied
    attacker = APIClient()
    attacker.cookies["sessionid"] = fixed

    assert verify(visitor, portone).status_code == 201
    rotated = visitor.cookies["sessionid"].value
    assert rotated != fixed  # rotated the moment the visitor gained something
    attempt = CertificationAttempt.objects.get(status="verified")
    assert attempt.session_key == rotated

    # The old key holds nothing: no pending result, no sign-up with the victim's identity.
    assert services.pending_verification(request_with_session(fixed)) is None
    assert attacker.post("/signup/", {"username": "attacker@example.com"}).status_code == 400
    assert not VerifiedIdentity.objects.exists()
    # The visitor signs up as themself.
    assert visitor.post("/signup/", {"username": "victim@example.com"}).status_code == 201
    assert VerifiedIdentity.objects.get().user.get_username() == "victim@example.com"


def test_a_lost_double_submit_does_not_rotate_the_session_away(
    api_version: str, visitor: APIClient, portone: FakePortOne
) -> None:
    merchant_uid = visitor.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    body = certify_body(imp_uid, merchant_uid)
    assert visitor.post(CERTIFY, body, format="json").status_code == 201
    won = visitor.cookies["sessionid"].value
    again = visitor.post(CERTIFY, body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "certification_used"
    assert visitor.cookies["sessionid"].value == won
    assert services.pending_verification(request_with_session(won)) is not None


def test_signed_cookie_sessions_cannot_hold_a_visitors_result(settings: Any) -> None:
    from django_portone_cert.checks import check_settings

    configure(settings, ANONYMOUS_VERIFICATION=True)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert "portone_cert.E031" in [m.id for m in check_settings()]
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    assert "portone_cert.E031" not in [m.id for m in check_settings()]


def test_a_session_naming_the_attempt_is_not_enough(
    visitor: APIClient, portone: FakePortOne
) -> None:
    """The attempt's bound key must be the current session's, whatever the session says."""
    assert verify(visitor, portone).status_code == 201
    attempt = CertificationAttempt.objects.get(status="verified")
    forged = SessionStore()
    forged[services.SESSION_KEY] = attempt.merchant_uid
    forged.save()
    assert services.pending_verification(request_with_session(forged.session_key)) is None
    with pytest.raises(services.NoPendingVerification):
        services.claim_verification(request_with_session(forged.session_key), object())


def test_the_result_follows_the_key_login_rotates(
    visitor: APIClient, portone: FakePortOne, make_user: Any
) -> None:
    """A sign-up that logs the new user in before claiming still finds the result."""
    assert verify(visitor, portone).status_code == 201
    before = visitor.cookies["sessionid"].value
    request = request_with_session(before)
    user = make_user()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    assert request.session.session_key != before
    assert CertificationAttempt.objects.get(status="verified").session_key == (
        request.session.session_key
    )
    identity = services.claim_verification(request, user)
    assert identity.user == user and identity.name == PERSON["name"]


# --- 2. throttle and lookups ---


def test_a_forged_forwarded_for_does_not_escape_the_throttle(
    visitor: APIClient, settings: Any
) -> None:
    configure(settings, THROTTLE_RATE="3/minute")
    statuses = [
        visitor.post(PREPARE, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(20)
    ]
    assert statuses.count(201) == 3 and statuses.count(429) == 17


def test_behind_a_proxy_num_proxies_names_the_client(visitor: APIClient, settings: Any) -> None:
    from rest_framework.settings import api_settings

    configure(settings, THROTTLE_RATE="1/minute")
    settings.REST_FRAMEWORK = {**getattr(settings, "REST_FRAMEWORK", {}), "NUM_PROXIES": 1}
    api_settings.reload()
    try:
        first = visitor.post(PREPARE, HTTP_X_FORWARDED_FOR="198.51.100.1")
        again = visitor.post(PREPARE, HTTP_X_FORWARDED_FOR="198.51.100.1")
        other = visitor.post(PREPARE, HTTP_X_FORWARDED_FOR="198.51.100.2")
    finally:
        del settings.REST_FRAMEWORK
        api_settings.reload()
    assert (first.status_code, again.status_code, other.status_code) == (201, 429, 201)


def test_one_attempt_drives_at_most_three_lookups(
    api_version: str, portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, THROTTLE_RATE="1000/minute")  # the cap holds whatever the rate
    api = client_for(user)
    merchant_uid = api.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, certified=False, **PERSON)
    codes = [
        api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json").json()["code"]
        for _ in range(150)
    ]
    assert codes[:3] == ["not_certified"] * 3
    assert set(codes[3:]) == {"attempt_exhausted"}
    assert portone.count("certification") == 3
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert attempt.lookups == 3 and attempt.failure_code == "attempt_exhausted"


# --- 4. V2 channels ---


def _v2_answer(verification_id: str, channel: dict[str, Any] | None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "status": "VERIFIED",
        "id": verification_id,
        "verifiedAt": FakePortOne().now() and _now_iso(),
        "pgTxId": "tx",
        "verifiedCustomer": {
            "name": "채널확인",
            "birthDate": "1990-01-01",
            "ci": "Q" * 86 + "==",
        },
    }
    if channel is not None:
        answer["channel"] = channel
    return answer


def _now_iso() -> str:
    from django.utils import timezone

    return timezone.now().isoformat().replace("+00:00", "Z")


LIVE = {"type": "LIVE", "key": V2_SETTINGS["CHANNEL_KEY"], "pgProvider": "DANAL"}


@pytest.mark.parametrize(
    ("channel", "allow_test", "code"),
    [
        (None, False, "test_channel"),  # no channel: cannot be shown to be ours
        ({**LIVE, "type": "TEST"}, False, "test_channel"),
        ({**LIVE, "type": "test"}, False, "test_channel"),
        ({k: v for k, v in LIVE.items() if k != "type"}, False, "test_channel"),
        ({**LIVE, "key": "channel-key-of-another-site"}, False, "test_channel"),
        ({k: v for k, v in LIVE.items() if k != "key"}, False, "test_channel"),
        ({**LIVE, "key": "channel-key-of-another-site"}, True, "test_channel"),
        ({**LIVE, "type": "TEST"}, True, None),  # allowed for a test site, same channel
        (LIVE, False, None),
    ],
)
def test_v2_accepts_only_the_sites_live_channel(
    settings: Any,
    user: Any,
    monkeypatch: pytest.MonkeyPatch,
    channel: dict[str, Any] | None,
    allow_test: bool,
    code: str | None,
) -> None:
    configure(settings, **V2_SETTINGS, ALLOW_TEST_CHANNEL=allow_test)
    monkeypatch.setattr(
        PortOneV2Client,
        "get_identity_verification",
        lambda self, vid, deadline=None: _v2_answer(vid, channel),
    )
    api = client_for(user)
    vid = api.post(PREPARE).json()["identity_verification_id"]
    response = api.post(CERTIFY, {"identity_verification_id": vid}, format="json")
    if code is None:
        assert response.status_code == 201, response.json()
    else:
        assert response.status_code == 400 and response.json()["code"] == code
        assert not VerifiedIdentity.objects.exists()


# --- 5. a CI-less result never replaces a person ---


def test_a_ci_less_result_cannot_replace_the_person(
    api_version: str, portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, REQUIRE_CI=False)
    minor = {"name": "김미성", "birth_date": date(2012, 6, 1)}
    assert verify(client_for(user), portone, **minor).status_code == 201
    adult = {"name": "김성인", "birth_date": date(1980, 1, 1)}
    response = verify(client_for(user), portone, ci=None, provider="inicis_unified", **adult)
    assert response.status_code == 409 and response.json()["code"] == "identity_mismatch"
    identity = VerifiedIdentity.objects.get(user=user)
    assert (identity.name, identity.birth_date) == (minor["name"], minor["birth_date"])
    assert identity.ci  # the CI stays


def test_a_ci_less_result_of_the_same_person_is_accepted(
    api_version: str, portone: FakePortOne, user: Any, settings: Any
) -> None:
    configure(settings, REQUIRE_CI=False)
    assert verify(client_for(user), portone).status_code == 201
    ci_hash = VerifiedIdentity.objects.get(user=user).ci_hash
    response = verify(client_for(user), portone, ci=None, provider="inicis_unified", **PERSON)
    assert response.status_code == 201
    assert VerifiedIdentity.objects.get(user=user).ci_hash == ci_hash


# --- 8. personal data in error reports ---


class _FailWrites:
    """Makes the database refuse the statement that stores the result."""

    def __init__(self, table: str, column: str) -> None:
        self.table, self.column = table, column

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        writes = sql.lstrip().upper().startswith(("UPDATE", "INSERT"))
        if writes and self.table in sql and self.column in sql:
            raise DatabaseError("disk I/O error")
        return execute(sql, params, many, context)


def _leaks(text: str) -> list[str]:
    return sorted(value for value in ISSUED_PERSONAL_DATA if value in text)


@pytest.mark.parametrize("who", ["visitor", "user"])
def test_no_personal_data_in_the_error_report_of_a_database_failure(
    who: str, settings: Any, portone: FakePortOne, make_user: Any
) -> None:
    configure(settings, ANONYMOUS_VERIFICATION=True, STORE_PHONE=True, STORE_DI=True)
    settings.DEBUG = False  # what production error reports see
    client = APIClient()
    user = None
    if who == "user":
        user = make_user()
        client.force_authenticate(user)
    merchant_uid = client.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    request = RequestFactory().post(CERTIFY)
    request.session = SessionStore(client.cookies["sessionid"].value if user is None else None)
    if user is None:
        request.session.save()
        CertificationAttempt.objects.update(session_key=request.session.session_key)
    table = "portone_cert_verifiedidentity" if user else "portone_cert_certificationattempt"
    with (
        connection.execute_wrapper(_FailWrites(table, "ci" if user else "result")),
        pytest.raises(ServiceUnavailable) as caught,
    ):
        services.verify_certification(
            user=user or _anonymous(),
            imp_uid=imp_uid,
            merchant_uid=merchant_uid,
            request=request,
        )
    reporter = ExceptionReporter(request, caught.type, caught.value, caught.tb)
    report = reporter.get_traceback_html() + reporter.get_traceback_text()
    assert "ServiceUnavailable" in report
    assert PERSON["name"] in ISSUED_PERSONAL_DATA
    assert _leaks(report) == []


def test_a_database_failure_answers_503_json(
    api_version: str, visitor: APIClient, portone: FakePortOne
) -> None:
    merchant_uid = visitor.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    with connection.execute_wrapper(_FailWrites("portone_cert_certificationattempt", "result")):
        response = visitor.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"
    assert not CertificationAttempt.objects.filter(status="verified").exists()


def _anonymous() -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


# --- 9. logs ---

CI = "Mz" + "Q1aB9+/x" * 10 + "K7pL==" + ""
CI = CI[:86] + "=="


@pytest.mark.parametrize(
    "secret",
    [
        "남궁민수호",  # five syllables
        "Hong Gildong",
        "HONG GIL DONG",
        CI,
        CI.rstrip("="),  # unpadded
        CI.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D"),  # URL-encoded
        CI.replace("+", "-").replace("/", "_"),  # url-safe alphabet
        "+82 10-9876-5432",
        "+821098765432",
    ],
)
def test_records_of_child_loggers_are_masked(secret: str, caplog: Any) -> None:
    child = logging.getLogger("django_portone_cert.portone.v1.something")
    with caplog.at_level(logging.INFO):
        child.info("looked at %s", secret)
    assert secret not in caplog.text
    assert "looked at" in caplog.text


def test_exception_text_is_scrubbed(caplog: Any) -> None:
    logger = logging.getLogger("django_portone_cert.services")
    with caplog.at_level(logging.ERROR):
        try:
            raise ValueError(f"bad row for 홍길동 with {CI}")
        except ValueError:
            logger.exception("storing failed")
    (record,) = [r for r in caplog.records if r.name == "django_portone_cert.services"]
    assert record.exc_info is None  # no raw exception left for trackers
    formatted = logging.Formatter().format(record)
    assert "ValueError" in formatted and CI not in formatted and "홍길동" not in formatted


def test_pii_filter_for_projects_handlers() -> None:
    from django_portone_cert.masking import PIIFilter

    record = logging.LogRecord(
        "project", logging.INFO, __file__, 1, "call %s", ("010-1234-5678",), None
    )
    assert PIIFilter().filter(record) is True
    assert "1234-5678" not in record.getMessage()


# --- 11(e). bodies too large ---


@pytest.mark.parametrize("content_type", ["application/json", "application/x-www-form-urlencoded"])
def test_a_body_too_large_is_a_json_invalid(
    api: APIClient, settings: Any, content_type: str
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"imp_uid": "' + "x" * 5000 + '"}'
    if content_type != "application/json":
        body = "imp_uid=" + "x" * 5000
    response = api.generic("POST", CERTIFY, body, content_type=content_type)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "invalid"
