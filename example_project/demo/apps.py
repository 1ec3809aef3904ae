from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"

    def ready(self) -> None:
        from django_portone_cert.signals import guardian_consent_requested

        from .views import show_guardian_link

        guardian_consent_requested.connect(show_guardian_link, dispatch_uid="demo_guardian_link")
