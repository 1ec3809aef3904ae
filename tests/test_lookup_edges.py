"""core/lookups.py at its edges: the clock (an attempt expiring at exactly now, with or
without microseconds, naive datetimes; USE_TZ off is refused by E081), a database that
fails mid-statement, a project that wraps requests in transactions (ATOMIC_REQUESTS)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper
from django.utils import timezone
from rest_framework.test import APIClient

from django_portone_cert.checks.operations import check_time_zone_support
from django_portone_cert.conf import app_settings
from django_portone_cert.core import attempts, lookups
from django_portone_cert.models import CertificationAttempt
from django_portone_cert.testing import FakePortOne
from tests.helpers import PERSON, client_for, configure
from tests.versions import certify_body

PREPARE = "/portone-cert/prepare/"
CERTIFY = "/portone-cert/certifications/"


@pytest.mark.django_db
@pytest.mark.parametrize("use_tz", [True, False], ids=["USE_TZ", "naive"])
@pytest.mark.parametrize("microsecond", [0, 500_000])
def test_expiry_is_judged_as_is_expired_judges_it(
    settings: Any, monkeypatch: pytest.MonkeyPatch, make_user: Any, use_tz: bool, microsecond: int
) -> None:
    """An attempt that expires at exactly now is expired for the statement as for
    ``is_expired()``; a microsecond before, it is not."""
    settings.USE_TZ = use_tz
    settings.TIME_ZONE = "Asia/Seoul"
    user = make_user()
    expires = datetime(2030, 5, 1, 12, 0, 0, microsecond)
    if use_tz:
        expires = timezone.make_aware(expires)
    for offset in (-1, 0, 1):
        now = expires + timedelta(microseconds=offset)
        attempt = CertificationAttempt.objects.create(
            user=user, created_at=expires - timedelta(minutes=10), expires_at=expires
        )
        monkeypatch.setattr(timezone, "now", lambda now=now: now)
        taken = lookups.take_lookup(
            {"user_id": user.pk}, attempt.merchant_uid, "imp_1", "verification"
        )
        monkeypatch.undo()
        settings.USE_TZ, settings.TIME_ZONE = use_tz, "Asia/Seoul"
        assert (taken is not None) == (not attempt.is_expired(now)), offset


def test_use_tz_off_is_refused_by_a_check(settings: Any) -> None:
    """PortOne's completion times are aware; with USE_TZ off check_certification cannot
    compare them with the clock (a TypeError, Django's HTML 500, on every certify)."""
    settings.USE_TZ = False
    assert [message.id for message in check_time_zone_support()] == ["portone_cert.E081"]
    settings.USE_TZ = True
    assert check_time_zone_support() == []


def assert_503(response: Any) -> None:
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "service_unavailable"


@pytest.mark.django_db(transaction=True)
def test_the_database_down_when_the_lookup_is_taken(
    lookup_path: str, portone: FakePortOne, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database refuses the first statement of a certify: 503 as JSON, PortOne never
    asked, the attempt as it was."""
    api = client_for(make_user())
    merchant_uid = api.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)

    def execute(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("could not connect to server: Connection refused")

    with monkeypatch.context() as down:
        down.setattr(CursorWrapper, "execute", execute)
        response = api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert_503(response)
    assert portone.certification_requests == 0
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    assert (attempt.status, attempt.lookups, attempt.imp_uid) == ("pending", 0, None)


@pytest.mark.django_db(transaction=True)
def test_the_connection_lost_while_the_row_comes_back(
    api_version: str, portone: FakePortOne, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The UPDATE ran (its count is committed), then the connection drops while its row is
    read: 503 as JSON, PortOne never asked, nothing but the count stored."""
    api = client_for(make_user())
    merchant_uid = api.post(PREPARE).json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)

    def lost(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if sql.startswith("UPDATE") and "RETURNING" in sql:
            raise OperationalError("server closed the connection unexpectedly")
        return result

    with connection.execute_wrapper(lost):
        response = api.post(CERTIFY, certify_body(imp_uid, merchant_uid), format="json")
    assert_503(response)
    assert portone.certification_requests == 0
    attempt = CertificationAttempt.objects.get(merchant_uid=merchant_uid)
    # The run never held the attempt, so its failure is not recorded: it stays pending,
    # its count spent, as a process that died after the count would leave it.
    assert (attempt.status, attempt.lookups, attempt.imp_uid) == ("pending", 1, None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("flow", ["certify", "recovery", "resume"])
def test_atomic_requests_do_not_hold_the_count(
    lookup_path: str,
    flow: str,
    settings: Any,
    portone: FakePortOne,
    make_user: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ATOMIC_REQUESTS on, every view that looks a result up still commits its count
    before PortOne is asked (the views are non-atomic)."""
    if flow == "resume" and app_settings.API_VERSION != "v2":
        pytest.skip("resume/ is V2's")
    configure(settings, ACCOUNT_RECOVERY=True)
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    api: APIClient = APIClient() if flow == "recovery" else client_for(make_user())
    prefix = "/portone-cert/recovery/" if flow == "recovery" else "/portone-cert/"
    merchant_uid = api.post(prefix + "prepare/").json()["merchant_uid"]
    imp_uid = portone.add_certification(merchant_uid=merchant_uid, **PERSON)
    seen: dict[str, Any] = {}
    real = attempts.get_client

    class Watching:
        def __getattr__(self, name: str) -> Any:
            return getattr(real(), name)

        def get_result(self, result_id: str, **kwargs: Any) -> Any:
            seen["committed"] = connection.get_autocommit() and not connection.in_atomic_block
            return real().get_result(result_id, **kwargs)

    monkeypatch.setattr(attempts, "get_client", Watching)
    if flow == "resume":
        response = api.post(prefix + "resume/")
    else:
        body = certify_body(imp_uid, merchant_uid)
        response = api.post(prefix + "certifications/", body, format="json")
    assert response.status_code in {200, 201}, response.content
    assert seen == {"committed": True}
