"""Issue 19, items 6 and 7: the mistakes a newcomer makes, each a check with a hint."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_portone_cert.checks import check_age_rule_choice, check_app_urls, check_settings

VALID = {"IMP_KEY": "k", "IMP_SECRET": "s", "IMP_CODE": "imp12345678", "CHANNEL_KEY": "c"}
V2 = {"API_VERSION": "v2", "API_SECRET": "s", "STORE_ID": "store-1", "CHANNEL_KEY": "c"}


def messages(settings: Any, config: Any) -> list[Any]:
    settings.PORTONE_CERT = config
    return list(check_settings())


def ids(settings: Any, config: Any) -> list[str]:
    return [message.id for message in messages(settings, config)]


# --- THROTTLE_RATE (E033) ---


@pytest.mark.parametrize("rate", ["ten per minute", "10 per minute", "10/", "10/fortnight", "/m"])
def test_a_rate_drf_cannot_read(settings: Any, rate: str) -> None:
    [message] = messages(settings, {**VALID, "THROTTLE_RATE": rate})
    assert message.id == "portone_cert.E033"
    assert '"10/minute"' in message.hint


@pytest.mark.parametrize("rate", ["10/minute", "100/hour", "5/s", "1000/day", None])
def test_rates_drf_reads(settings: Any, rate: str | None) -> None:
    assert ids(settings, {**VALID, "THROTTLE_RATE": rate}) == []


def test_a_bad_rate_through_call_command(settings: Any) -> None:
    settings.PORTONE_CERT = {**VALID, "THROTTLE_RATE": "ten per minute"}
    with pytest.raises(SystemCheckError, match=r"portone_cert\.E033"):
        call_command("check")


# --- IMP_CODE (E034) and the docs' placeholders (E035) ---


@pytest.mark.parametrize("code", ["12345678", "store-1234", "IMP_KEY_FROM_CONSOLE"])
def test_a_merchant_code_without_imp(settings: Any, code: str) -> None:
    [message] = messages(settings, {**VALID, "IMP_CODE": code})
    assert message.id == "portone_cert.E034"
    assert "식별코드" in message.hint


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({**VALID, "CHANNEL_KEY": "channel-key-..."}, "CHANNEL_KEY"),
        ({**VALID, "IMP_KEY": "key-..."}, "IMP_KEY"),
        ({**VALID, "IMP_CODE": "imp..."}, "IMP_CODE"),
        ({**V2, "STORE_ID": "store-…"}, "STORE_ID"),
        ({**V2, "API_SECRET": "secret-..."}, "API_SECRET"),
    ],
)
def test_the_docs_placeholders(settings: Any, config: dict[str, Any], key: str) -> None:
    [message] = messages(settings, config)
    assert message.id == "portone_cert.E035"
    assert f'["{key}"]' in message.msg
    assert config[key] not in message.msg  # maybe a secret: never repeated
    assert message.hint


def test_real_looking_values_pass(settings: Any) -> None:
    assert ids(settings, {**VALID, "CHANNEL_KEY": "channel-key-3f2a9c4e-1b7d"}) == []
    assert ids(settings, {**V2, "STORE_ID": "store-4f0e3b2a"}) == []


def test_copied_values_through_call_command(settings: Any) -> None:
    settings.PORTONE_CERT = {**VALID, "CHANNEL_KEY": "channel-key-...", "IMP_CODE": "12345678"}
    with pytest.raises(SystemCheckError) as info:
        call_command("check")
    assert "portone_cert.E034" in str(info.value) and "portone_cert.E035" in str(info.value)


# --- a duration in seconds that means days (W015) ---


@pytest.mark.parametrize(
    "key", ["REVERIFY_AFTER", "TOMBSTONE_RETENTION", "FAILED_ATTEMPT_RETENTION"]
)
def test_days_written_as_a_number(settings: Any, key: str) -> None:
    [message] = messages(settings, {**VALID, key: 365})
    assert message.id == "portone_cert.W015"
    assert "6 minutes" in message.msg
    assert "timedelta(days=365)" in message.hint


@pytest.mark.parametrize("value", [timedelta(days=365), 365 * 24 * 3600, None])
def test_durations_that_mean_what_they_say(settings: Any, value: Any) -> None:
    assert ids(settings, {**VALID, "REVERIFY_AFTER": value}) == []


def test_days_as_a_number_through_call_command(settings: Any, capsys: Any) -> None:
    settings.PORTONE_CERT = {**VALID, "REVERIFY_AFTER": 365}
    call_command("check")
    assert "portone_cert.W015" in capsys.readouterr().err


# --- unknown keys: the nearest one (W002) ---


@pytest.mark.parametrize(
    ("key", "nearest"),
    [("IMP_SECRETS", "IMP_SECRET"), ("REVERIFY_AFTRE", "REVERIFY_AFTER"), ("age_rule", "AGE_RULE")],
)
def test_an_unknown_key_gets_the_nearest(settings: Any, key: str, nearest: str) -> None:
    [message] = messages(settings, {**VALID, key: "x"})
    assert message.id == "portone_cert.W002"
    assert message.hint == f'Did you mean "{nearest}"?'


def test_an_unknown_key_with_no_near_one(settings: Any) -> None:
    [message] = messages(settings, {**VALID, "WHATEVER_THIS_IS": 1})
    assert "IMP_KEY" not in message.hint  # not every key of the app
    assert "docs/install.md" in message.hint


def test_unknown_keys_through_call_command(settings: Any, capsys: Any) -> None:
    settings.PORTONE_CERT = {**VALID, "THROTTLE": "10/minute", "SANDBOXX": True}
    call_command("check")
    err = capsys.readouterr().err
    assert err.count("portone_cert.W002") == 2
    assert 'Did you mean "THROTTLE_RATE"?' in err and 'Did you mean "SANDBOX"?' in err


# --- the app's URLs (W014) ---


def test_app_urls_included(settings: Any) -> None:
    assert check_app_urls() == []


def test_app_urls_missing(settings: Any, capsys: Any) -> None:
    settings.ROOT_URLCONF = "tests.age_rule_urls"
    [message] = check_app_urls()
    assert message.id == "portone_cert.W014"
    assert 'include("django_portone_cert.urls")' in message.hint
    call_command("check")
    assert "portone_cert.W014" in capsys.readouterr().err


# --- which age rule a 19 gate counts (W016, item 7) ---


def test_nineteen_without_a_rule(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.age_rule_urls"
    settings.PORTONE_CERT = VALID
    [message] = check_age_rule_choice()
    assert message.id == "portone_cert.W016"
    # Each shape, bare or from MIN_AGE; not the gates that name a rule, 14, or identity only.
    for route in ("/bare/", "/default/", "/cbv/", "/api/"):
        assert route in message.msg
    for route in ("/adult/", "/civil/", "/fourteen/", "/members/", "/api/year/"):
        assert route + "," not in message.msg and not message.msg.endswith(route)
    assert "만 나이" in message.msg and "연 나이" in message.msg
    assert "ages.ADULT_CONTENT" in message.hint and "AGE_RULE" in message.hint


@pytest.mark.parametrize("rule", ["full", "year"])
def test_an_explicit_age_rule_silences_it(settings: Any, rule: str) -> None:
    settings.ROOT_URLCONF = "tests.age_rule_urls"
    settings.PORTONE_CERT = {**VALID, "AGE_RULE": rule}
    assert check_age_rule_choice() == []


def test_min_age_other_than_nineteen(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.age_rule_urls"
    settings.PORTONE_CERT = {**VALID, "MIN_AGE": 14}
    [message] = check_age_rule_choice()
    assert "/default/" not in message.msg and "/bare/" in message.msg


def test_age_rule_through_call_command(settings: Any, capsys: Any) -> None:
    settings.ROOT_URLCONF = "tests.age_rule_urls"
    settings.PORTONE_CERT = VALID
    call_command("check")
    assert "portone_cert.W016" in capsys.readouterr().err
    settings.PORTONE_CERT = {**VALID, "AGE_RULE": "year"}
    call_command("check")
    assert "portone_cert.W016" not in capsys.readouterr().err
