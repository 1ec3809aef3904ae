"""Django settings for the benchmarks: PostgreSQL and Redis from the environment."""

import os
from urllib.parse import urlsplit

SECRET_KEY = "benchmarks-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "benchmarks.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "django_portone_cert",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]

_db = urlsplit(
    os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portone_cert_bench")
)
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _db.path.lstrip("/"),
        "USER": _db.username or "postgres",
        "PASSWORD": _db.password or "",
        "HOST": _db.hostname or "127.0.0.1",
        "PORT": _db.port or 5432,
        "CONN_MAX_AGE": 60,
    }
}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "KEY_PREFIX": "portone-cert-bench",
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REST_FRAMEWORK = {
    # Basic for the scripted clients; the session (with its CSRF check) for benchmarks.wire,
    # which posts as the verify page does.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.BasicAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
}
PORTONE_CERT = {
    "IMP_KEY": "bench-key",
    "IMP_SECRET": "bench-secret",
    "IMP_CODE": "imp00000000",
    "API_BASE_URL": os.environ.get("BENCH_PORTONE_URL", "http://127.0.0.1:9"),
    "TIMEOUT": (1.0, float(os.environ.get("BENCH_READ_TIMEOUT", "5"))),
    "DEADLINE": float(os.environ.get("BENCH_DEADLINE", "10")),
    "THROTTLE_RATE": None,
    "MAX_CERTIFICATION_AGE": 3600,
}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"], "level": "CRITICAL"},
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
