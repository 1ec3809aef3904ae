from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortOneCertConfig(AppConfig):
    name = "django_portone_cert"
    label = "portone_cert"
    verbose_name = _("PortOne identity verification")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
