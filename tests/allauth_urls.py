"""The recovery test URLconf plus django-allauth's views under accounts/."""

from django.urls import include, path

from tests.recovery_urls import urlpatterns as recovery_urlpatterns

urlpatterns = [path("accounts/", include("allauth.urls")), *recovery_urlpatterns]
