from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views
from .management.commands.demo_user import PASSWORD, PURPOSES

#: The login page lists the demo's accounts (a real site never shows logins).
DEMO_LOGINS = {"demo_users": list(PURPOSES.items()), "demo_password": PASSWORD}

urlpatterns = [
    path("", views.home, name="home"),
    path("members/", views.verified_members, name="verified_members"),
    path("adult/", views.adult_only, name="adult_only"),
    path("fourteen/", views.FourteenPlusView.as_view(), name="fourteen_plus"),
    path("signup/", views.signup, name="signup"),
    path("sms/", views.sms, name="sms_verify"),
    path("accounts/login/", auth_views.LoginView.as_view(extra_context=DEMO_LOGINS), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's auth views (password change, e-mail reset); recovery's links use the app's pages.
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("portone-cert/", include("django_portone_cert.urls")),
]

if settings.OPENAPI:
    from drf_spectacular.views import SpectacularAPIView

    urlpatterns.append(path("api/schema/", SpectacularAPIView.as_view(), name="schema"))
