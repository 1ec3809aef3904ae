"""django-allauth beside the app (W013)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Warning


def check_allauth_social(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """W013: allauth's social sign-ups create accounts without the 본인인증 claim."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    if not apps.is_installed("allauth.socialaccount"):
        return []
    path = getattr(
        settings,
        "SOCIALACCOUNT_ADAPTER",
        "allauth.socialaccount.adapter.DefaultSocialAccountAdapter",
    )
    try:
        from ..contrib.allauth import VerifiedSocialSignupAdapterMixin

        adapter = import_string(path)
    except ImportError:
        return []  # allauth itself fails on an adapter it cannot import
    if isinstance(adapter, type) and issubclass(adapter, VerifiedSocialSignupAdapterMixin):
        return []
    return [
        Warning(
            "allauth.socialaccount is installed, but settings.SOCIALACCOUNT_ADAPTER does not "
            "use VerifiedSocialSignupAdapterMixin: a social login (Kakao, Naver, Google…) "
            "creates an account without a 본인인증, whatever the sign-up form requires.",
            hint='SOCIALACCOUNT_ADAPTER = "django_portone_cert.contrib.allauth.'
            'VerifiedSocialSignupAdapter" (or put the mixin before your own adapter); '
            "silence this check if your sign-ups do not require a 본인인증.",
            id="portone_cert.W013",
        )
    ]
