"""The allauth lane (`make test-allauth`): the test settings, refusing to run without allauth."""

from django.core.exceptions import ImproperlyConfigured

from tests.settings import *  # noqa: F403
from tests.settings import ALLAUTH

if not ALLAUTH:
    raise ImproperlyConfigured(
        "The allauth lane needs django-allauth (pip install django-allauth) and auth.User."
    )
