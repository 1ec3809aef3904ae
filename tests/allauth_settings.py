"""The allauth lane (`make test-allauth`): the test settings, refusing to run without allauth."""

from django.core.exceptions import ImproperlyConfigured

from tests.settings import *  # noqa: F403
from tests.settings import ALLAUTH

if not ALLAUTH:
    raise ImproperlyConfigured(
        "The allauth lane needs django-allauth (pip install django-allauth) and auth.User."
    )

# Social sign-ups (tests/test_allauth.py): allauth's own dummy provider, no network; the social
# adapter refuses a sign-up without a 본인인증 (check W013 warns without it).
INSTALLED_APPS = [
    *INSTALLED_APPS,  # noqa: F405
    "allauth.socialaccount",
    "allauth.socialaccount.providers.dummy",
]
SOCIALACCOUNT_ADAPTER = "django_portone_cert.contrib.allauth.VerifiedSocialSignupAdapter"
