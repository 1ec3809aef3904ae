"""Children under 14 and their guardians: policy, age, limits, ``SITE_URL`` (E050–E056,
W050–W052)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from ..conf import CHILD_POLICIES, SETTING_NAME
from .base import configured_values, is_duration, named, number_errors


def check_children(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``CHILD_POLICY``, ``CHILD_AGE``, ``GUARDIAN_*`` and ``SITE_URL``."""
    value = configured_values()
    if value is None:
        return []
    errors: list[CheckMessage] = []
    if value("CHILD_POLICY") not in CHILD_POLICIES:
        errors.append(
            Error(
                f'{named("CHILD_POLICY")} must be "refuse", "guardian" or "allow".',
                hint='"refuse" (the default) stores nothing of a child under CHILD_AGE; '
                '"guardian" asks a guardian\'s consent (개인정보 보호법 §22-2).',
                id="portone_cert.E050",
            )
        )
    age = value("CHILD_AGE")
    age_errors = number_errors(
        age,
        "CHILD_AGE",
        "E051",
        1,
        19,
        "a whole number of years from 1 to 19",
        hint="개인정보 보호법 §22-2 sets 14 (만 나이), the default.",
    )
    errors += age_errors
    if not age_errors and isinstance(age, int) and age < 14:
        errors.append(
            Warning(
                f"{named('CHILD_AGE')} is below 14: children of {age} to 13 are treated "
                "as adults, though 개인정보 보호법 §22-2 needs their guardian's consent.",
                id="portone_cert.W051",
            )
        )
    if not is_duration(value("GUARDIAN_REQUEST_TTL"), optional=False):
        errors.append(
            Error(
                f"{named('GUARDIAN_REQUEST_TTL')} must be a positive duration "
                "(a timedelta or seconds).",
                hint="How long a guardian's consent link stays usable; the default is 7 days.",
                id="portone_cert.E052",
            )
        )
    for key, error_id in (("GUARDIAN_DAILY_LINKS", "E055"), ("GUARDIAN_MAX_CHILDREN", "E056")):
        errors += number_errors(value(key), key, error_id, 1, 100, "a whole number from 1 to 100")
    errors.extend(_check_site_url(value("SITE_URL"), value("CHILD_POLICY")))
    return errors


def _check_site_url(site_url: Any, policy: Any) -> list[CheckMessage]:
    """E053, E054, W052: where the links sent to people (the guardian's) point."""
    if site_url is None:
        if policy != "guardian":
            return []
        return [
            Error(
                f'{named("CHILD_POLICY")} is "guardian" but {named("SITE_URL")} is not set: '
                "the guardian's link would have to be built from the request's Host header, "
                "which a client can choose.",
                hint='Set SITE_URL to the site\'s own address, e.g. "https://www.example.kr".',
                id="portone_cert.E053",
            )
        ]
    parts = urlsplit(site_url) if isinstance(site_url, str) else None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or parts.query
        or parts.fragment
    ):
        return [
            Error(
                f"{named('SITE_URL')} must be the site's absolute http(s) address, without a "
                "query or fragment.",
                hint='For example "https://www.example.kr" (with the path the site is served '
                'below, if any: "https://www.example.kr/app").',
                id="portone_cert.E054",
            )
        ]
    if parts.scheme == "http" and not settings.DEBUG:
        return [
            Warning(
                f"{named('SITE_URL')} uses http:// while DEBUG is off: the links sent to people "
                "would carry their token unencrypted.",
                hint="Use the site's https:// address.",
                id="portone_cert.W052",
            )
        ]
    return []


def check_children_deploy(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``CHILD_POLICY = "allow"`` processes children's data without a guardian's consent."""
    config = getattr(settings, SETTING_NAME, None)
    if not isinstance(config, dict) or config.get("CHILD_POLICY") != "allow":
        return []
    return [
        Warning(
            f'{named("CHILD_POLICY")} is "allow": the personal data of children under 14 is '
            "stored and used without their legal guardian's consent.",
            hint="개인정보 보호법 §22-2 (시행령 §17-2) requires a guardian's confirmed consent: "
            'use "refuse" (the default) or "guardian", unless another lawful basis applies.',
            id="portone_cert.W050",
        )
    ]
