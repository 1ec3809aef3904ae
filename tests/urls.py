from django.contrib import admin
from django.urls import include, path

from tests import gated_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("portone-cert/", include("django_portone_cert.urls")),
    path("gated/", include("tests.gated_views")),
    path("signup/", gated_views.signup),
]
