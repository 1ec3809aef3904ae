from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings

from django_portone_cert.conf import DEFAULTS, app_settings
from django_portone_cert.exceptions import ConfigurationError


def test_defaults_are_read_from_one_place(settings: Any) -> None:
    settings.PORTONE_CERT = {"IMP_KEY": "k", "IMP_SECRET": "s", "IMP_CODE": "c"}
    assert app_settings.API_BASE_URL == "https://api.iamport.kr"
    assert app_settings.TIMEOUT == (3.05, 10.0)
    assert app_settings.MIN_AGE == 19
    assert app_settings.AGE_RULE == "full"
    assert app_settings.REVERIFY_AFTER is None
    assert app_settings.CACHE == "default"
    assert app_settings.SANDBOX is False
    assert DEFAULTS["API_VERSION"] == app_settings.API_VERSION == "v1"
    settings.PORTONE_CERT = {"API_VERSION": "v2"}
    assert app_settings.API_BASE_URL == "https://api.portone.io"
    # PortOne asks V2 callers for a read timeout of at least 60 s.
    assert app_settings.TIMEOUT == (3.05, 60.0)
    assert app_settings.COMPANY is None


def test_read_lazily_with_override_settings() -> None:
    with override_settings(PORTONE_CERT={"IMP_KEY": "first"}):
        assert app_settings.IMP_KEY == "first"
    with override_settings(PORTONE_CERT={"IMP_KEY": "second", "REVERIFY_AFTER": 60}):
        assert app_settings.IMP_KEY == "second"
        assert app_settings.REVERIFY_AFTER == timedelta(seconds=60)


def test_missing_credential_names_the_setting(settings: Any) -> None:
    settings.PORTONE_CERT = {}
    with pytest.raises(ConfigurationError, match=r'PORTONE_CERT\["IMP_SECRET"\]'):
        app_settings.IMP_SECRET  # noqa: B018


def test_settings_must_be_a_dict(settings: Any) -> None:
    settings.PORTONE_CERT = ["IMP_KEY"]
    with pytest.raises(ConfigurationError):
        app_settings.IMP_KEY  # noqa: B018


def test_single_number_timeout(settings: Any) -> None:
    settings.PORTONE_CERT = {"TIMEOUT": 4}
    assert app_settings.TIMEOUT == (4.0, 4.0)


def test_accessors_never_turn_a_bad_value_into_a_good_one(settings: Any) -> None:
    """The raw value, judged by the checks; where it is used anyway, it fails closed."""
    from django_portone_cert.checks import check_settings
    from django_portone_cert.portone import get_client

    settings.PORTONE_CERT = {
        **settings.PORTONE_CERT,
        "API_VERSION": "V2",
        "AGE_RULE": "Full",
        "ATTEMPT_TTL": 0,
        "ALLOW_TEST_CHANNEL": "false",
        "REQUIRE_CI": "no",
    }
    assert app_settings.API_VERSION == "V2"
    with pytest.raises(ConfigurationError, match="API_VERSION"):
        get_client()
    assert app_settings.AGE_RULE == "Full"
    assert app_settings.ATTEMPT_TTL == timedelta(0)  # every attempt expires at once
    assert app_settings.ALLOW_TEST_CHANNEL is False  # a flag that lets through: only True
    assert app_settings.REQUIRE_CI is True  # a flag that refuses: off only when False
    ids = {message.id for message in check_settings()}
    assert {
        "portone_cert.E018",
        "portone_cert.E009",
        "portone_cert.E010",
        "portone_cert.E011",
    } <= ids
