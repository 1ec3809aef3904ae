from __future__ import annotations

from typing import Any

from .guardians import end_consents_of
from .retention import tombstone
from .signup import rebind_after_login


def remember_deleted_person(sender: Any, instance: Any, **kwargs: Any) -> None:
    """When an account goes, keep its person's keyed hash if ``TOMBSTONE_RETENTION`` says so."""
    tombstone(instance.pk)


def follow_login_session_key(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """``login()`` rotates the session key: a result waiting for the sign-up follows it."""
    if request is not None:
        rebind_after_login(request)


def end_consents_with_the_identity(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A guardian's consent is for the person verified, not for the account."""
    end_consents_of(instance.user_id)


def end_consents_when_the_person_changes(sender: Any, user_id: Any, **kwargs: Any) -> None:
    """The identity now holds another person (a sandbox one replaced by a real one)."""
    end_consents_of(user_id)
