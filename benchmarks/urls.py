from django.urls import include, path

from . import views

urlpatterns = [
    path("portone-cert/", include("django_portone_cert.urls")),
    path("naive/certifications/", views.NaiveCertifyView.as_view()),
    path("bare/", views.BareWriteView.as_view()),
    path("gated/", views.gated),
    path("ungated/", views.ungated),
    path("gated-page/", views.gated_page),
    path("ungated-page/", views.ungated_page),
]
