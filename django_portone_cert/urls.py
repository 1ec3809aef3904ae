from django.urls import include, path

from . import views

app_name = "portone_cert"

urlpatterns = [
    path("prepare/", views.PrepareView.as_view(), name="prepare"),
    path("certifications/", views.CertifyView.as_view(), name="certify"),
    path("me/", views.MeView.as_view(), name="me"),
    path("verify/", views.VerifyPageView.as_view(), name="verify"),
    # 404 unless PORTONE_CERT["SANDBOX"] is on (and DEBUG).
    path("sandbox/", include("django_portone_cert.sandbox.urls")),
    # 404 unless PORTONE_CERT["ACCOUNT_RECOVERY"] is on.
    path("recovery/", views.RecoveryPageView.as_view(), name="recover"),
    path("recovery/prepare/", views.RecoveryPrepareView.as_view(), name="recovery_prepare"),
    path("recovery/certifications/", views.RecoveryCertifyView.as_view(), name="recovery_certify"),
]
