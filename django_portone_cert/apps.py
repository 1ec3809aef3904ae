from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortOneCertConfig(AppConfig):
    name = "django_portone_cert"
    label = "portone_cert"
    verbose_name = _("PortOne identity verification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import logging

        from django.contrib.auth import get_user_model
        from django.db.models.signals import pre_delete

        from . import checks  # noqa: F401  (registers the system checks)
        from .masking import PIIFilter
        from .receivers import remember_deleted_person

        logger = logging.getLogger("django_portone_cert")
        if not any(isinstance(f, PIIFilter) for f in logger.filters):
            logger.addFilter(PIIFilter())
        pre_delete.connect(
            remember_deleted_person,
            sender=get_user_model(),
            dispatch_uid="portone_cert_remember_deleted_person",
        )
