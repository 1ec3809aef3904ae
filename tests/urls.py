from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("portone-cert/", include("django_portone_cert.urls")),
    path("gated/", include("tests.gated_views")),
]
