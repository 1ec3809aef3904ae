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
]
