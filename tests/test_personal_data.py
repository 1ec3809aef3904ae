"""No CI, DI, phone or name in logs, exception texts or error reports."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.db import DatabaseError, connection
from django.test import RequestFactory
from django.views.debug import ExceptionReporter
from rest_framework.test import APIClient

from django_portone_cert import services
from django_portone_cert.exceptions import ServiceUnavailable
from django_portone_cert.masking import PIIFilter, mask_phone, mask_text
from django_portone_cert.models import CertificationAttempt
from django_portone_cert.testing import ISSUED_PERSONAL_DATA, FakePortOne
from tests.helpers import PERSON, configure
from tests.versions import certify_body


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


PREPARE = "/portone-cert/prepare/"


CERTIFY = "/portone-cert/certifications/"


class _FailWrites:
    """Makes the database refuse the statement that stores the result."""

    def __init__(self, table: str, column: str) -> None:
        self.table, self.column = table, column

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        writes = sql.lstrip().upper().startswith(("UPDATE", "INSERT"))
        # The columns written: an UPDATE's SET, an INSERT's list (not what a WHERE or a
        # RETURNING names).
        written = sql.split(" WHERE ")[0].split(" VALUES ")[0]
        if writes and self.table in sql and f'"{self.column}"' in written:
            raise DatabaseError("disk I/O error")
        return execute(sql, params, many, context)


def _leaks(text: str) -> list[str]:
    return sorted(value for value in ISSUED_PERSONAL_DATA if value in text)


def _anonymous() -> Any:
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


CI = "Mz" + "Q1aB9+/x" * 10 + "K7pL==" + ""


CI = CI[:86] + "=="


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


def _report(request: Any, caught: Any) -> str:
    reporter = ExceptionReporter(request, caught.type, caught.value, caught.tb)
    return reporter.get_traceback_html() + reporter.get_traceback_text()


def test_error_report_after_a_visitor_verification_shows_no_name(
    visitor: APIClient, portone: FakePortOne, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.sessions.backends.base import UpdateError
    from django.contrib.sessions.backends.db import SessionStore as DBStore

    from django_portone_cert import signup

    client = APIClient(raise_request_exception=True)
    merchant_uid = client.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    session_id = client.cookies["sessionid"].value
    real_save = DBStore.save
    calls = []

    def save(self: Any, must_create: bool = False) -> None:
        calls.append(must_create)
        if not must_create:  # the view's explicit save: the session was deleted meanwhile
            raise UpdateError()
        real_save(self, must_create)

    monkeypatch.setattr(DBStore, "save", save)
    request = RequestFactory().post(
        CERTIFY, certify_body(imp_uid, merchant_uid), content_type="application/json"
    )
    request.session = DBStore(session_id)
    request.user = AnonymousUser()
    request._dont_enforce_csrf_checks = True
    from django_portone_cert.views.verification import CertifyView

    with pytest.raises(UpdateError) as caught:
        CertifyView.as_view()(request)
    report = _report(request, caught)
    monkeypatch.undo()
    pending = signup.pending_verification(request)
    assert PERSON["name"] not in report
    assert pending is None or PERSON["name"] not in repr(pending)


@pytest.mark.parametrize(
    ("value", "text", "leaked"),
    [
        ("123456", "the code 123456 was sent", True),
        ("123456", '{"otp": "123456"}', True),
        ("123456", "코드123456입니다", True),
        ("9001011", "identityNumber=9001011&phone=01012345678", True),
        ("01012345678", "phone 01012345678", True),
        ("123456", '"GET /certifications/imp_981234567012 HTTP/1.1" 200', False),
        ("123456", "Starting new HTTP connection (1): 127.0.0.1:41234567", False),
        ("123456", "token a3f0123456bc", False),
        ("민서윤", "민서윤님의 인증", True),
    ],
)
def test_the_leak_check_tells_a_number_from_a_run_of_digits(
    value: str, text: str, leaked: bool
) -> None:
    """A code inside a random id is chance, not a leak; the code on its own is a leak."""
    from tests.conftest import found_in

    assert found_in(value, text) is leaked
