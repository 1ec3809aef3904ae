"""Test settings: SQLite + local memory by default; PostgreSQL and Redis from the environment."""

import os

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_portone_cert",
    "tests.custom_user",
]
AUTH_USER_MODEL = os.environ.get("TEST_AUTH_USER_MODEL", "auth.User")

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
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

if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    from urllib.parse import urlsplit

    _db = urlsplit(os.environ["DATABASE_URL"])
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _db.path.lstrip("/") or "test",
            "USER": _db.username or "postgres",
            "PASSWORD": _db.password or "",
            "HOST": _db.hostname or "127.0.0.1",
            "PORT": _db.port or 5432,
        }
    }
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

if os.environ.get("REDIS_URL"):
    from urllib.parse import urlsplit

    # Under pytest-xdist each worker takes the database below the previous one's
    # (gw0: the URL's, gw1: one less, …): the tests empty their cache, never another's.
    _redis = urlsplit(os.environ["REDIS_URL"])
    _worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    _redis_db = int(_redis.path.lstrip("/") or 0) - _worker
    if _redis_db < 0:
        raise RuntimeError("REDIS_URL: name a database numbered at least the workers (e.g. /15)")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _redis._replace(path=f"/{_redis_db}").geturl(),
            "KEY_PREFIX": "portone-cert-tests",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PORTONE_CERT = {
    "IMP_KEY": "test_imp_key",
    "IMP_SECRET": "test_imp_secret",
    "IMP_CODE": "imp00000000",
    "CHANNEL_KEY": "channel-key-test",
    "RETRY_BACKOFF": 0.001,
}

STATIC_URL = "static/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

try:  # the OpenAPI descriptions are tested when drf-spectacular is installed
    import drf_spectacular  # noqa: F401
except ImportError:
    pass
else:
    INSTALLED_APPS.append("drf_spectacular")
    REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}

# django-allauth (tests/test_allauth.py, django_portone_cert.contrib.allauth): on when it is
# installed, with Django's own user model; `make test-allauth` insists on it.
try:
    import allauth  # noqa: F401
except ImportError:
    ALLAUTH = False
else:
    ALLAUTH = AUTH_USER_MODEL == "auth.User"
if ALLAUTH:
    INSTALLED_APPS += ["allauth", "allauth.account"]
    MIDDLEWARE.append("allauth.account.middleware.AccountMiddleware")
    TEMPLATES[0]["DIRS"] = [os.path.join(os.path.dirname(__file__), "allauth_templates")]
    ACCOUNT_ADAPTER = "django_portone_cert.contrib.allauth.VerifiedSignupAdapter"
    ACCOUNT_FORMS = {"signup": "django_portone_cert.contrib.allauth.VerifiedSignupForm"}
    ACCOUNT_LOGIN_METHODS = {"username"}
    ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
    ACCOUNT_EMAIL_VERIFICATION = "none"
