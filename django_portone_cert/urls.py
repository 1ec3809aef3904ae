from django.urls import include, path

from . import views
from .headers import guard_all

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
    path("guardian/request/", views.GuardianAskView.as_view(), name="guardian_request"),
    path("guardian/<str:token>/", views.GuardianPageView.as_view(), name="guardian"),
    path(
        "guardian/<str:token>/revoke/",
        views.GuardianPageView.as_view(revoke=True),
        name="guardian_revoke",
    ),
    path(
        "guardian/<str:token>/prepare/",
        views.GuardianPrepareView.as_view(),
        name="guardian_prepare",
    ),
    path(
        "guardian/<str:token>/certifications/",
        views.GuardianCertifyView.as_view(),
        name="guardian_certify",
    ),
]

# Every answer of the app: Cache-Control no-store, X-Frame-Options DENY (headers.py).
guard_all(urlpatterns)
