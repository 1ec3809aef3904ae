"""Settings of the example project: SQLite, and PortOne credentials from the environment."""

import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-project-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_portone_cert",
    "demo",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "demo.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DB", str(BASE_DIR / "db.sqlite3")),
    }
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어"), ("en", "English")]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# The browser tests (tests/test_browser.py) create and log in many users: a fast hash there.
# Never on a site with real passwords.
if os.environ.get("DEMO_FAST_PASSWORD_HASHER") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
}

try:  # the OpenAPI schema at /api/schema/ (pip install django-portone-cert[openapi])
    import drf_spectacular  # noqa: F401
except ImportError:
    OPENAPI = False
else:
    OPENAPI = True
    INSTALLED_APPS.append("drf_spectacular")
    REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "drf_spectacular.openapi.AutoSchema"
    SPECTACULAR_SETTINGS = {
        "TITLE": "django-portone-cert example",
        "DESCRIPTION": "PortOne 본인인증 endpoints of django-portone-cert.",
        "VERSION": "0.1.0",
    }

# Sandbox mode (the default here): the site serves a fake PortOne itself, so the demo
# needs no credentials and no network. Set PORTONE_IMP_KEY / PORTONE_IMP_SECRET /
# PORTONE_IMP_CODE (and PORTONE_CHANNEL_KEY) to talk to the real PortOne instead; for V2,
# DEMO_API_VERSION=v2 with PORTONE_API_SECRET / PORTONE_STORE_ID / PORTONE_CHANNEL_KEY.
SANDBOX = "PORTONE_IMP_KEY" not in os.environ and "PORTONE_API_SECRET" not in os.environ
PORT = os.environ.get("PORT", "8000")

PORTONE_CERT = {
    "IMP_KEY": os.environ.get("PORTONE_IMP_KEY", "sandbox-imp-key"),
    "IMP_SECRET": os.environ.get("PORTONE_IMP_SECRET", "sandbox-imp-secret"),
    "IMP_CODE": os.environ.get("PORTONE_IMP_CODE", "imp00000000"),
    "CHANNEL_KEY": os.environ.get("PORTONE_CHANNEL_KEY", "channel-key-sandbox"),
    # The service name the provider shows (V1 `company`, V2 Danal `CPTITLE`).
    "COMPANY": os.environ.get("PORTONE_COMPANY", "django-portone-cert demo"),
    "REVERIFY_AFTER": timedelta(days=365),
    "SANDBOX": SANDBOX,
    # Let visitors verify before they sign up (see demo.views.signup).
    "ANONYMOUS_VERIFICATION": True,
    # 아이디 찾기 / 비밀번호 재설정 by 본인인증 at /portone-cert/recovery/ (from the login page).
    "ACCOUNT_RECOVERY": True,
    "THROTTLE_RATE": os.environ.get("DEMO_THROTTLE_RATE", "10/minute"),
    # Children under 14: "refuse" (the app's default), or "guardian" (the consent flow).
    # The demo runs the guardian flow unless DEMO_CHILD_POLICY says otherwise.
    "CHILD_POLICY": os.environ.get("DEMO_CHILD_POLICY", "guardian"),
    # 문자로 인증 (/sms/): PortOne's API 본인인증, Danal or KCP channels with the carriers'
    # approval; the sandbox shows the codes it "texts". DEMO_OTP=0 turns it off.
    "OTP_ENABLED": os.environ.get("DEMO_OTP", "1") == "1",
    "OTP_PROVIDER": os.environ.get("DEMO_OTP_PROVIDER", "danal"),
    # The site's own address: the guardian's link is built from it, never from the Host header.
    "SITE_URL": os.environ.get("DEMO_SITE_URL", f"http://127.0.0.1:{PORT}"),
}
if SANDBOX:
    PORTONE_CERT["API_BASE_URL"] = f"http://127.0.0.1:{PORT}/portone-cert/sandbox/api"

# DEMO_API_VERSION=v2 runs the demo on PortOne V2 (PortOne.requestIdentityVerification).
if os.environ.get("DEMO_API_VERSION") == "v2":
    PORTONE_CERT.update(
        {
            "API_VERSION": "v2",
            "API_SECRET": os.environ.get("PORTONE_API_SECRET", "sandbox-api-secret"),
            "STORE_ID": os.environ.get("PORTONE_STORE_ID", "store-sandbox"),
            "CHANNEL_KEY": os.environ.get("PORTONE_CHANNEL_KEY", "channel-key-sandbox"),
        }
    )
