"""The requester's session: its key, and a new key the moment they gain something."""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import rotate_token


def current_session_key(request: HttpRequest | None, *, create: bool = False) -> str:
    session = getattr(request, "session", None)
    if session is None:
        return ""
    if not session.session_key and create:
        session.save()
    return str(session.session_key or "")


def new_session_key(request: HttpRequest) -> str:
    """Give the requester a new session key (and CSRF token, as ``login()`` does): whoever
    held the previous key — a fixed or tossed cookie, a shared computer — holds nothing now."""
    request.session.cycle_key()
    rotate_token(request)
    return current_session_key(request, create=True)
