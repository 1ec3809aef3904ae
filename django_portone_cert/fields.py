"""Model fields for personal data."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact
from django.db.models.query_utils import DeferredAttribute
from django.views.decorators.debug import sensitive_variables

from . import crypto


class EncryptedLookupError(FieldError, TypeError):
    """An encrypted field was filtered on its value, which the database cannot compare."""


class Sealed:
    """A stored ciphertext an instance holds until its attribute is read."""

    __slots__ = ("token",)

    def __init__(self, token: str) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "<sealed>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sealed) and other.token == self.token

    def __hash__(self) -> int:
        return hash(self.token)


class EncryptedAttribute(DeferredAttribute):
    """Decrypts on first read, knowing the instance (and so the row's owner)."""

    field: EncryptedTextField

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, Sealed):
            value = self.field.open(instance, value)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Text encrypted at rest (AES-GCM), plain in Python.

    A value is encrypted when its row is saved, bound to the column and to the
    row's ``owner`` (the attribute named by ``owner``, which must never change),
    and decrypted when the attribute is first read, so loading a row whose value
    cannot be decrypted does not fail until that value is read. The database
    never sees the plaintext, so it cannot filter on it: look people up by their
    keyed hash instead (``VerifiedIdentity.objects.for_ci``). A stored value
    that is not in the encrypted form is never taken as plain text: reading it
    raises ``DecryptionError``. ``values("ci")`` gives :class:`Sealed` values:
    read the attribute of an instance.
    """

    descriptor_class = EncryptedAttribute

    def __init__(self, *args: Any, owner: str, **kwargs: Any) -> None:
        self.owner = owner
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["owner"] = self.owner
        return name, path, args, kwargs

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def owner_of(self, instance: Any) -> str:
        value = getattr(instance, self.owner)
        if value is None or value == "":
            raise ValueError(f"{self.context} cannot be encrypted before {self.owner} is set.")
        return str(value)

    def open(self, instance: Any, value: Sealed) -> str:
        """The plaintext of ``value`` held by ``instance`` (``DecryptionError`` if it cannot be)."""
        return crypto.decrypt(value.token, context=self.context, owner=self.owner_of(instance))

    @sensitive_variables("plaintext")
    def seal(self, instance: Any, plaintext: str) -> Sealed:
        """``plaintext`` encrypted for ``instance``'s row, e.g. for ``QuerySet.update()``."""
        if not plaintext:
            return Sealed("")
        owner = self.owner_of(instance)
        return Sealed(crypto.encrypt(str(plaintext), context=self.context, owner=owner))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # Anything stored is sealed, even a value not in the encrypted form: reading it fails.
        return Sealed(value) if isinstance(value, str) and value else value

    def to_python(self, value: Any) -> Any:
        # A serialised (encrypted) value stays as it is: loaddata writes it back unchanged.
        return value if isinstance(value, Sealed) else super().to_python(value)

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        # Read the stored state without decrypting: an unread value is written back as it is,
        # and so is one already in the encrypted form (no CI, DI, phone or result has a "$").
        if self.attname not in model_instance.__dict__:
            model_instance.refresh_from_db(fields=[self.attname])  # deferred: load, not decrypt
        value = model_instance.__dict__[self.attname]
        if isinstance(value, Sealed) or not value or crypto.is_encrypted(str(value)):
            return value
        return self.seal(model_instance, value)

    def get_prep_value(self, value: Any) -> Any:
        value = models.Field.get_prep_value(self, value)
        if isinstance(value, Sealed):
            return value.token
        if value is None or value == "" or (isinstance(value, str) and crypto.is_encrypted(value)):
            return value
        raise EncryptedLookupError(
            f"{self.context} is encrypted for its row: set it on the instance and save(), "
            "or pass field.seal(instance, value) to QuerySet.update()."
        )

    def value_to_string(self, obj: Any) -> str:
        # Serialised as stored (encrypted, bound to the row), never in plain text.
        value = self.pre_save(obj, add=False)
        return value.token if isinstance(value, Sealed) else str(value or "")

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return EncryptedExact
        if lookup_name != "isnull":
            raise EncryptedLookupError(self._cannot_filter())
        return super().get_lookup(lookup_name)

    def _cannot_filter(self) -> str:
        return (
            f"{self.context} is encrypted with a random nonce, so the database cannot compare "
            "it: only isnull and the empty string can be filtered on. Find a person by "
            "keyed hash: VerifiedIdentity.objects.for_ci(ci)."
        )


class EncryptedExact(Exact):
    """Only ``field=""`` (empty) and ``field=None``: any other value would match nothing."""

    def get_prep_lookup(self) -> Any:
        if self.rhs is not None and self.rhs != "":
            raise EncryptedLookupError(self.lhs.output_field._cannot_filter())
        return super().get_prep_lookup()


def seal(instance: Any, name: str, plaintext: str) -> Sealed:
    """``plaintext`` encrypted for field ``name`` of ``instance``, for ``QuerySet.update()``."""
    field = instance._meta.get_field(name)
    if not isinstance(field, EncryptedTextField):
        raise TypeError(f"{name} is not an encrypted field.")
    return field.seal(instance, plaintext)
