"""Model fields for personal data."""

from __future__ import annotations

from typing import Any

from django.db import models

from . import crypto


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted at rest (AES-GCM), plain in Python.

    Values are encrypted on their way into the database and decrypted on the way
    out; the database never sees the plaintext, so it cannot filter on it: look
    people up by their keyed hash instead. A legacy plaintext value is read as
    it is and encrypted on the next save (or by ``portone_cert_rotate_keys``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if isinstance(value, str) and crypto.is_encrypted(value):
            return crypto.decrypt(value, context=self.context)
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "" or crypto.is_encrypted(value):
            return value
        return crypto.encrypt(str(value), context=self.context)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("isnull", "exact"):
            raise TypeError(f"{self.name} is encrypted: look it up through its keyed hash")
        return super().get_lookup(lookup_name)
