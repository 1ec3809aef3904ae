from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortOneCertConfig(AppConfig):
    name = "django_portone_cert"
    label = "portone_cert"
    verbose_name = _("PortOne identity verification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.models.signals import post_delete, pre_delete

        from .checks import register_checks
        from .core.identities import person_replaced
        from .masking import install_pii_masking
        from .models import VerifiedIdentity
        from .receivers import (
            end_consents_when_the_person_changes,
            end_consents_with_the_identity,
            follow_login_session_key,
            remember_deleted_person,
        )

        register_checks()
        install_pii_masking()
        user_logged_in.connect(
            follow_login_session_key, dispatch_uid="portone_cert_follow_login_session_key"
        )
        pre_delete.connect(
            remember_deleted_person,
            sender=get_user_model(),
            dispatch_uid="portone_cert_remember_deleted_person",
        )
        post_delete.connect(
            end_consents_with_the_identity,
            sender=VerifiedIdentity,
            dispatch_uid="portone_cert_end_consents_with_the_identity",
        )
        # Not a post_save receiver: with none, a first identity is stored in one statement
        # (core/first_store.py).
        person_replaced.connect(
            end_consents_when_the_person_changes,
            sender=VerifiedIdentity,
            dispatch_uid="portone_cert_end_consents_when_the_person_changes",
        )
        connect_metrics()


def connect_metrics() -> None:
    """Count outcomes from the app's signals, when prometheus_client is installed."""
    from . import metrics, signals

    if not metrics.available():
        return
    for signal, receiver in (
        (signals.identity_verified, metrics.count_verified),
        (signals.verification_failed, metrics.count_failed),
        (signals.accounts_found, metrics.count_recovered),
        (signals.guardian_consented, metrics.count_consented),
    ):
        signal.connect(receiver, dispatch_uid=f"portone_cert_metrics_{receiver.__name__}")
