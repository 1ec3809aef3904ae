from __future__ import annotations

from typing import Any

from .services import tombstone


def remember_deleted_person(sender: Any, instance: Any, **kwargs: Any) -> None:
    """When an account goes, keep its person's keyed hash if ``TOMBSTONE_RETENTION`` says so."""
    tombstone(instance.pk)
