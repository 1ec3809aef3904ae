from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_portone_cert.checks import check_sandbox_identities, check_settings

VALID = {"IMP_KEY": "k", "IMP_SECRET": "s", "IMP_CODE": "imp12345678", "CHANNEL_KEY": "c"}
V2 = {"API_VERSION": "v2", "API_SECRET": "s", "STORE_ID": "store-1", "CHANNEL_KEY": "c"}


def ids(settings: Any, config: Any, **extra: Any) -> list[str]:
    settings.PORTONE_CERT = config
    for key, value in extra.items():
        setattr(settings, key, value)
    return [message.id for message in check_settings()]


def test_valid_settings_pass(settings: Any) -> None:
    assert ids(settings, VALID) == []


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("not a dict", ["portone_cert.E001"]),
        ({}, ["portone_cert.E002", "portone_cert.E003", "portone_cert.E004", "portone_cert.W010"]),
        ({**VALID, "IMP_KEY": ""}, ["portone_cert.E002"]),
        ({**VALID, "IMP_SECRET": None}, ["portone_cert.E003"]),
        ({**VALID, "IMP_CODE": 123}, ["portone_cert.E005"]),
        ({**VALID, "CHANNEL_KEY": 5}, ["portone_cert.E005"]),
        ({**VALID, "API_BASE_URL": "api.iamport.kr"}, ["portone_cert.E006"]),
        ({**VALID, "API_BASE_URL": "ftp://api.iamport.kr"}, ["portone_cert.E006"]),
        ({**VALID, "TIMEOUT": 0}, ["portone_cert.E007"]),
        ({**VALID, "TIMEOUT": (3, "10")}, ["portone_cert.E007"]),
        ({**VALID, "TIMEOUT": (1, 2, 3)}, ["portone_cert.E007"]),
        ({**VALID, "MIN_AGE": "19"}, ["portone_cert.E008"]),
        ({**VALID, "MIN_AGE": True}, ["portone_cert.E008"]),
        ({**VALID, "AGE_RULE": "korean"}, ["portone_cert.E009"]),
        ({**VALID, "ATTEMPT_TTL": timedelta(0)}, ["portone_cert.E010"]),
        ({**VALID, "MAX_CERTIFICATION_AGE": None}, ["portone_cert.E010"]),
        ({**VALID, "REVERIFY_AFTER": "1 year"}, ["portone_cert.E010"]),
        ({**VALID, "SANDBOX": "yes"}, ["portone_cert.E011"]),
        ({**VALID, "CACHE": "nope"}, ["portone_cert.E012"]),
        ({**VALID, "IMP_SECRETS": "typo"}, ["portone_cert.W002"]),
        ({**VALID, "DEADLINE": 0}, ["portone_cert.E017"]),
        ({**VALID, "RETRIES": 9}, ["portone_cert.E017"]),
        ({**VALID, "RETRY_BACKOFF": -1}, ["portone_cert.E017"]),
        ({**VALID, "COMPANY": 7}, ["portone_cert.E005"]),
        ({**VALID, "CHANNEL_KEY": None}, ["portone_cert.W010"]),
        ({**VALID, "CHANNEL_KEY": "", "PG": "danal"}, ["portone_cert.W011"]),
        ({**VALID, "CHANNEL_KEY": None, "PG": "Danal "}, ["portone_cert.W011"]),
        ({**V2, "TIMEOUT": (3.05, 10)}, ["portone_cert.W012"]),
        ({**V2, "TIMEOUT": 30}, ["portone_cert.W012"]),
    ],
)
def test_each_problem_has_its_id(settings: Any, config: Any, expected: list[str]) -> None:
    assert ids(settings, config) == expected


def test_accepted_shapes(settings: Any) -> None:
    config = {
        **VALID,
        "TIMEOUT": 5,
        "REVERIFY_AFTER": 365 * 24 * 3600,
        "ATTEMPT_TTL": timedelta(minutes=5),
        "API_BASE_URL": "https://static-api.iamport.kr",
        "AGE_RULE": "year",
    }
    assert ids(settings, config) == []


def test_channel_and_timeout_shapes_that_pass(settings: Any) -> None:
    assert ids(settings, {**VALID, "CHANNEL_KEY": None, "PG": "danal.A010002002"}) == []
    assert ids(settings, {**VALID, "CHANNEL_KEY": None, "PG": "inicis_unified"}) == []
    # CHANNEL_KEY wins over PG, so a bare PG beside it is harmless.
    assert ids(settings, {**VALID, "PG": "danal"}) == []
    assert ids(settings, {**VALID, "TIMEOUT": (3.05, 10), "COMPANY": "www.example.kr"}) == []
    # V2: the default is PortOne's minimum; a longer read timeout is fine.
    assert ids(settings, V2) == []
    assert ids(settings, {**V2, "TIMEOUT": (3, 60)}) == []
    assert ids(settings, {**V2, "TIMEOUT": 90}) == []
    # The channel warnings are V1's: V2 requires CHANNEL_KEY (E021) instead.
    assert ids(settings, {**V2, "CHANNEL_KEY": None}) == ["portone_cert.E021"]


def test_channel_and_timeout_warnings_through_call_command(settings: Any, capsys: Any) -> None:
    settings.PORTONE_CERT = {**VALID, "CHANNEL_KEY": None, "PG": "danal"}
    call_command("check")
    err = capsys.readouterr().err
    assert "portone_cert.W011" in err and "danal.{CPID}" in err
    settings.PORTONE_CERT = {**V2, "TIMEOUT": (3.05, 10)}
    call_command("check")
    err = capsys.readouterr().err
    assert "portone_cert.W012" in err and "at least 60 s" in err
    settings.PORTONE_CERT = {k: v for k, v in VALID.items() if k != "CHANNEL_KEY"}
    call_command("check")
    assert "portone_cert.W010" in capsys.readouterr().err


def test_http_base_url_warns_only_without_debug(settings: Any) -> None:
    config = {**VALID, "API_BASE_URL": "http://127.0.0.1:9000"}
    assert ids(settings, config, DEBUG=False) == ["portone_cert.W001"]
    assert ids(settings, config, DEBUG=True) == []


def test_rest_framework_required(settings: Any) -> None:
    apps = [app for app in settings.INSTALLED_APPS if app != "rest_framework"]
    assert ids(settings, VALID, INSTALLED_APPS=apps) == ["portone_cert.E013"]


def test_messages_have_hints_and_name_the_setting(settings: Any) -> None:
    settings.PORTONE_CERT = {}
    messages = check_settings()
    assert all(m.hint for m in messages)
    assert 'settings.PORTONE_CERT["IMP_KEY"]' in messages[0].msg


def test_through_call_command(settings: Any) -> None:
    settings.PORTONE_CERT = {"IMP_KEY": "k"}
    with pytest.raises(SystemCheckError) as info:
        call_command("check")
    assert "portone_cert.E003" in str(info.value)
    assert "portone_cert.E004" in str(info.value)
    settings.PORTONE_CERT = VALID
    call_command("check")


def test_warning_through_call_command(settings: Any, capsys: Any) -> None:
    settings.PORTONE_CERT = {**VALID, "API_BASE_URL": "http://example.test"}
    call_command("check")
    assert "portone_cert.W001" in capsys.readouterr().err


# --- W007: identities typed into the sandbox, in a database used without it ---


@pytest.fixture
def sandbox_identity(user: Any) -> Any:
    from datetime import date

    from django.utils import timezone

    from django_portone_cert.models import VerifiedIdentity

    now = timezone.now()
    return VerifiedIdentity.objects.create(
        user=user,
        name="홍길동",
        birth_date=date(1990, 5, 17),
        provider="sandbox",
        imp_uid="imp_123456789012",
        certified_at=now,
        verified_at=now,
    )


def test_sandbox_identities_warn_outside_sandbox_mode(settings: Any, sandbox_identity: Any) -> None:
    settings.PORTONE_CERT = VALID
    # Like Django's own database checks: only when a database is named.
    assert check_sandbox_identities() == []
    [message] = check_sandbox_identities(databases=["default"])
    assert message.id == "portone_cert.W007" and message.hint
    assert "1 verified identit" in message.msg
    assert "홍길동" not in f"{message.msg} {message.hint}"
    # In sandbox mode they are expected; with SANDBOX but not DEBUG they count for nothing.
    settings.PORTONE_CERT = {**VALID, "SANDBOX": True}
    settings.DEBUG = True
    assert check_sandbox_identities(databases=["default"]) == []
    settings.DEBUG = False
    assert [m.id for m in check_sandbox_identities(databases=["default"])] == ["portone_cert.W007"]


def test_real_identities_do_not_warn(settings: Any, sandbox_identity: Any) -> None:
    settings.PORTONE_CERT = VALID
    type(sandbox_identity).objects.update(provider="danal")
    assert check_sandbox_identities(databases=["default"]) == []


def test_sandbox_identities_through_call_command(
    settings: Any, sandbox_identity: Any, capsys: Any
) -> None:
    settings.PORTONE_CERT = VALID
    call_command("check")
    assert "W007" not in capsys.readouterr().err
    call_command("check", databases=["default"])
    assert "portone_cert.W007" in capsys.readouterr().err


def test_sandbox_check_survives_a_missing_table(
    settings: Any, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before ``migrate`` (which runs the database checks itself) the table is not there."""
    from django.db import connection

    from django_portone_cert.models import VerifiedIdentity

    settings.PORTONE_CERT = VALID
    with monkeypatch.context() as patched:
        patched.setattr(VerifiedIdentity._meta, "db_table", "portone_cert_not_migrated_yet")
        assert check_sandbox_identities(databases=["default"]) == []
    # The failed query left the connection usable (PostgreSQL aborts the transaction).
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


def test_sandbox_check_survives_an_unreachable_database(
    settings: Any, db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError, connections

    def refuse() -> None:
        raise OperationalError("could not connect to server")

    settings.PORTONE_CERT = VALID
    with monkeypatch.context() as patched:
        patched.setattr(connections["default"], "ensure_connection", refuse)
        assert check_sandbox_identities(databases=["default"]) == []
