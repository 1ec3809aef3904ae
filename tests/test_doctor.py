"""``manage.py portone_cert_doctor``: the settings proven against the fake PortOne, V1 and V2."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
import requests
import responses
from django.core.management import CommandError, call_command

from django_portone_cert import crypto
from django_portone_cert.doctor import deployment_findings, diagnose
from django_portone_cert.testing import FakePortOne
from tests.helpers import client_for, configure, verify
from tests.versions import V2_SETTINGS

pytestmark = pytest.mark.django_db  # the deployment's stored rows are read

SECRET = "doctor-SECRET-value-4242"


def run(*args: str) -> tuple[bool, str, str]:
    """Run the command; (it succeeded, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("portone_cert_doctor", *args, stdout=out, stderr=err)
    except CommandError as error:
        err.write(f"{error} (exit {error.returncode})")
        return False, out.getvalue(), err.getvalue()
    return True, out.getvalue(), err.getvalue()


def findings(output: str) -> list[tuple[str, str]]:
    """(level, topic) of each finding in ``--json`` output."""
    return [(f["level"], f["topic"]) for f in json.loads(output)["findings"]]


def message(output: str) -> str:
    """The first finding's message in ``--json`` output."""
    return str(json.loads(output)["findings"][0]["message"])


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        assert "fake_imp_secret" not in text


@pytest.fixture
def shared_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """As if the tests' local-memory cache were Redis: no cache warning in the way."""
    monkeypatch.setattr("django_portone_cert.doctor.UNSHARED_CACHES", ())


@pytest.fixture
def v1(settings: Any, shared_cache: None) -> None:
    configure(settings, IMP_SECRET=SECRET)


@pytest.fixture
def v2(settings: Any, shared_cache: None) -> None:
    configure(settings, **{**V2_SETTINGS, "API_SECRET": SECRET})


# --- V1 ---


def test_v1_good_keys(v1: None, portone: FakePortOne, caplog: Any) -> None:
    ok, out, err = run()
    assert ok, out
    assert "getToken accepted" in out and "answered 404, as it should" in out
    assert "0 error(s), 0 warning(s)." in out
    assert portone.log == [("POST", "token", 200), ("GET", "certification", 404)]
    ok, out, err = run("--json")
    assert ok and json.loads(out)["ok"] is True
    assert findings(out) == [("ok", "portone"), ("ok", "portone")]
    assert_no_secret(out, err, caplog.text)


@pytest.mark.parametrize("key", ["IMP_KEY", "IMP_SECRET"])
def test_v1_a_wrong_key(
    key: str, v1: None, portone: FakePortOne, settings: Any, caplog: Any
) -> None:
    configure(settings, **{key: "wrong-" + SECRET})  # the fake knows the right ones
    ok, out, err = run("--json")
    assert not ok and json.loads(out)["ok"] is False
    assert findings(out) == [("error", "portone")]
    words = message(out)
    assert 'PORTONE_CERT["IMP_KEY"]' in words and 'PORTONE_CERT["IMP_SECRET"]' in words
    assert "(401)" in words
    assert "PortOne cannot be used with these settings. (exit 1)" in err
    assert_no_secret(out, err, caplog.text)
    assert portone.log == [("POST", "token", 401)]  # nothing after the refusal


@pytest.mark.parametrize(
    ("fault", "words"),
    [("refused", "could not be reached (ConnectionError)"), ("timeout", "did not answer within")],
)
def test_v1_portone_down(fault: str, words: str, v1: None, portone: FakePortOne) -> None:
    portone.inject(fault, times=10)
    ok, out, err = run()
    assert not ok and words in out and "https://api.iamport.kr" in out
    assert_no_secret(out, err)


def test_v1_tls_failure_is_named(v1: None, settings: Any) -> None:
    with responses.RequestsMock() as mock:
        error = requests.exceptions.SSLError("certificate verify failed")
        mock.add(responses.POST, "https://api.iamport.kr/users/getToken", body=error)
        ok, out, _ = run()
    assert not ok and "TLS failed with https://api.iamport.kr" in out


def test_v1_a_lookup_that_does_not_answer_404_fails(v1: None, portone: FakePortOne) -> None:
    portone.inject("http_500", endpoint="certification")
    ok, out, _ = run()
    assert not ok and "PortOne answered 500 to GET /certifications/{imp_uid}" in out


@pytest.mark.parametrize(("ahead", "level"), [(90, "warning"), (600, "error")])
def test_v1_clock_skew_from_gettokens_now(
    ahead: int, level: str, v1: None, portone: FakePortOne
) -> None:
    portone.advance(ahead)  # PortOne's clock ahead of ours
    ok, out, _ = run("--json")
    assert ok is (level == "warning")
    assert (level, "clock") in findings(out)
    assert "behind PortOne's" in out


# --- V2 ---


def test_v2_good_keys(v2: None, portone: FakePortOne, caplog: Any) -> None:
    ok, out, err = run()
    assert ok, out
    assert 'accepted PORTONE_CERT["API_SECRET"] and PORTONE_CERT["STORE_ID"]' in out
    assert portone.log == [("GET", "certification", 404)]
    assert portone.token_requests == 0
    assert_no_secret(out, err, caplog.text)


def test_v2_a_wrong_secret(v2: None, settings: Any, caplog: Any) -> None:
    configure(settings, API_SECRET="wrong-" + SECRET)
    with FakePortOne(api_secret=SECRET, store_id="store-test").activate():
        ok, out, err = run("--json")
    assert not ok and findings(out) == [("error", "portone")]
    assert 'refused PORTONE_CERT["API_SECRET"] (401 UNAUTHORIZED)' in message(out)
    assert_no_secret(out, err, caplog.text)


def test_v2_a_wrong_store(v2: None, portone: FakePortOne, settings: Any, caplog: Any) -> None:
    configure(settings, STORE_ID="store-someone-else")
    ok, out, err = run("--json")
    assert not ok and findings(out) == [("error", "portone")]
    assert 'refused PORTONE_CERT["STORE_ID"] (403 FORBIDDEN)' in message(out)
    assert_no_secret(out, err, caplog.text)


@pytest.mark.parametrize("fault", ["refused", "timeout"])
def test_v2_portone_down(fault: str, v2: None, portone: FakePortOne) -> None:
    portone.inject(fault, times=10)
    ok, out, err = run()
    assert not ok and "https://api.portone.io" in out
    assert_no_secret(out, err)


def test_v2_clock_skew_from_the_date_header(v2: None, portone: FakePortOne) -> None:
    portone.advance(-600)  # PortOne's clock behind ours
    ok, out, _ = run("--json")
    assert not ok and ("error", "clock") in findings(out)
    assert "ahead of PortOne's" in out


# --- what only the deployment shows ---


def test_an_unshared_cache_warns_but_does_not_fail(portone: FakePortOne, settings: Any) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    ok, out, _ = run("--json")
    assert ok and ("warning", "cache") in findings(out)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert ("warning", "cache") in [(f.level, f.topic) for f in deployment_findings()]


def test_the_sandbox_warns(settings: Any) -> None:
    configure(settings, SANDBOX=True)
    assert ("warning", "sandbox") in [(f.level, f.topic) for f in deployment_findings()]


def test_keys_that_cannot_read_stored_rows_fail(
    make_user: Any, portone: FakePortOne, settings: Any, shared_cache: None
) -> None:
    configure(settings, ENCRYPTION_KEYS=[crypto.generate_key()], HASH_KEY="h" * 40)
    assert verify(client_for(make_user()), portone).status_code == 201
    configure(settings, ENCRYPTION_KEYS=[crypto.generate_key()])  # the old key dropped
    ok, out, _ = run("--json")
    assert not ok and ("error", "keys") in findings(out)
    assert "portone_cert.E024" in out


def test_bad_settings_are_named_before_portone_is_asked(
    portone: FakePortOne, settings: Any
) -> None:
    configure(settings, ATTEMPT_MAX_LOOKUPS=0, METRICS="yes")
    report = diagnose(deployment=False)
    assert not report.ok
    assert {f.message.split(":")[0] for f in report.findings} == {
        "portone_cert.E030",
        "portone_cert.E080",
    }
    assert portone.log == []


def test_missing_credentials_are_named(settings: Any) -> None:
    settings.PORTONE_CERT = {"IMP_CODE": "imp00000000"}
    report = diagnose(deployment=False)
    assert not report.ok
    assert any('PORTONE_CERT["IMP_KEY"]' in f.message for f in report.findings)
