"""What the project's URLconf must hold for the app's pages (W014), and which rule its 19+
gates count (W016)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from ..gates import FROM_SETTINGS, AgeGate
from ..mixins import AgeRequiredMixin
from ..permissions import HasMinimumAge, HasVerifiedIdentity
from .base import configured, named, values


def check_app_urls(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W014: the app's URLs are not included, so every gate's redirect to the verify page
    (``portone_cert:verify``) is a ``NoReverseMatch`` 500."""
    try:
        reverse("portone_cert:verify")
    except NoReverseMatch:
        return [
            Warning(
                'The URLconf does not include the app\'s URLs (namespace "portone_cert"): a gate '
                "sending someone to verify, and the verification itself, would fail with a 500.",
                hint='Add path("portone-cert/", include("django_portone_cert.urls")) to your '
                "URLconf.",
                id="portone_cert.W014",
            )
        ]
    return []


def _patterns(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def gate_of(callback: Any) -> AgeGate | None:
    """The age gate a URL's view carries: the decorator's, the mixin's or the permission's."""
    gate = getattr(callback, "portone_cert_gate", None)
    if isinstance(gate, AgeGate):
        return gate
    view_class = getattr(callback, "view_class", None)
    if not isinstance(view_class, type):
        return None
    permissions = getattr(view_class, "permission_classes", None) or ()
    gated = issubclass(view_class, AgeRequiredMixin) or any(
        isinstance(p, type)
        and issubclass(p, HasMinimumAge)
        and not issubclass(p, HasVerifiedIdentity)
        for p in permissions
    )
    if not gated:
        return None
    try:
        return AgeGate(
            getattr(view_class, "min_age", FROM_SETTINGS), getattr(view_class, "age_rule", None)
        )
    except (TypeError, ValueError):
        return None  # the view fails on its own, loudly


def check_age_rule_choice(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W016: a 19 gate that names no rule while ``AGE_RULE`` is unset counts 만 나이, and refuses
    legal adults on 청소년보호법 content (연 나이) until their birthday. Say which rule is meant."""
    config = configured()
    if not config or "AGE_RULE" in config:
        return []
    default_age = values(config)("MIN_AGE")
    found = []
    for route, callback in _patterns(get_resolver()):
        gate = gate_of(callback)
        if gate is None or gate.age_rule is not None:
            continue
        min_age = default_age if gate.min_age is FROM_SETTINGS else gate.min_age
        if min_age == 19:
            found.append("/" + route)
    if not found:
        return []
    return [
        Warning(
            f"{len(found)} page(s) gated at 19 count 만 나이 (full age), because neither the gate "
            f"nor {named('AGE_RULE')} names a rule: {', '.join(sorted(found)[:5])}. "
            "19+ content under 청소년보호법 (alcohol, tobacco, 청소년유해매체물, 청불) counts "
            "연 나이 (year age): a full-age gate refuses legal adults until their birthday.",
            hint="Say which rule each page means: @age_required(ages.ADULT_CONTENT) for 연 나이 "
            "(청소년보호법), ages.CIVIL_MAJORITY for 만 나이 (민법), or set "
            'PORTONE_CERT["AGE_RULE"] ("full" or "year").',
            id="portone_cert.W016",
        )
    ]
