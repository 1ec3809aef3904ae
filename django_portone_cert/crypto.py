"""CI (and DI, phone) encryption at rest, and the keyed hash that finds a person without decrypting.

- Cipher: AES-256-GCM (authenticated) from ``cryptography``. The associated data binds a value
  to its column and to its row's owner (``owner``: the identity's user id, the attempt's
  ``merchant_uid``), so a ciphertext copied to another row or column does not decrypt.
- Keys: ``ENCRYPTION_KEYS``, a list of url-safe base64 32-byte keys. The first encrypts,
  all decrypt, so a new key goes first and old ones stay until
  ``manage.py portone_cert_rotate_keys`` has re-encrypted everything.
- Hash: HMAC-SHA256 with ``HASH_KEY``: equal inputs give equal hashes, for uniqueness
  and lookups, and the hash cannot be reversed without the key. ``HASH_KEY_FALLBACKS``
  still match (:func:`keyed_hashes`) until the rotate command has re-keyed the rows.
  Tombstones and guardians' consents keep a hash without its CI, so they cannot be
  re-keyed: each records its hash key's id (:func:`hash_key_id`), and an old hash key
  stays a fallback while any of them lives under it (check ``E025``).
- Without configured keys, both derive from ``SECRET_KEY``; every entry of
  ``SECRET_KEY_FALLBACKS`` derives fallback keys, so rotating ``SECRET_KEY`` the Django way
  keeps stored values readable and people recognised.

Stored form: ``pcx1$<key id>$<base64(nonce + ciphertext)>``, bound to its column and owner.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.views.decorators.debug import sensitive_variables

from .conf import app_settings
from .exceptions import ConfigurationError

PREFIX = "pcx1"
NONCE_BYTES = 12
#: In ``ENCRYPTION_KEYS`` (not first) or ``HASH_KEY_FALLBACKS``: the keys derived from
#: ``SECRET_KEY`` and ``SECRET_KEY_FALLBACKS``, to move from derived to explicit keys.
FROM_SECRET_KEY = "SECRET_KEY"  # noqa: S105 (a marker, not a key)

UNREADABLE = (
    "A stored value cannot be decrypted with the configured keys, or it was moved from "
    "another row or column. Keep the key that encrypted it (the old SECRET_KEY in "
    'SECRET_KEY_FALLBACKS, or the old key in settings.PORTONE_CERT["ENCRYPTION_KEYS"]) '
    "until manage.py portone_cert_rotate_keys has run."
)


class DecryptionError(ConfigurationError):
    """A stored value cannot be decrypted with any key in ``ENCRYPTION_KEYS``."""


def generate_key() -> str:
    """A new key for ``ENCRYPTION_KEYS``."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _unique(values: list[bytes]) -> list[bytes]:
    return list(dict.fromkeys(values))


def _secret_keys() -> list[str]:
    """``SECRET_KEY`` then each of ``SECRET_KEY_FALLBACKS``, as Django signs with them."""
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", None) or []
    return [str(settings.SECRET_KEY), *(str(key) for key in fallbacks)]


def _derive(purpose: str, secret: str) -> bytes:
    return hmac.new(
        secret.encode(), f"django-portone-cert:{purpose}".encode(), hashlib.sha256
    ).digest()


def decode_key(value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value.encode())
    except (binascii.Error, ValueError) as err:
        raise ConfigurationError(
            'Each key in settings.PORTONE_CERT["ENCRYPTION_KEYS"] must be url-safe base64 '
            "of 32 bytes (see django_portone_cert.crypto.generate_key())."
        ) from err
    if len(key) != 32:
        raise ConfigurationError(
            'Each key in settings.PORTONE_CERT["ENCRYPTION_KEYS"] must be 32 bytes.'
        )
    return key


def keys_configured() -> bool:
    return bool(app_settings.ENCRYPTION_KEYS) and bool(app_settings.HASH_KEY)


def encryption_keys() -> list[bytes]:
    """The key that encrypts first, then every key that still decrypts."""
    derived = [_derive("encryption", secret) for secret in _secret_keys()]
    configured = app_settings.ENCRYPTION_KEYS
    if not configured:
        return _unique(derived)
    keys: list[bytes] = []
    for value in configured:
        keys += derived if value == FROM_SECRET_KEY else [decode_key(value)]
    return _unique(keys)


def hash_keys() -> list[bytes]:
    """The current hash key first, then the fallbacks that still match."""
    derived = [_derive("hash", secret) for secret in _secret_keys()]
    configured = app_settings.HASH_KEY
    if not configured:
        return _unique(derived)
    keys = [configured.encode()]
    for value in app_settings.HASH_KEY_FALLBACKS:
        keys += derived if value == FROM_SECRET_KEY else [str(value).encode()]
    return _unique(keys)


def hash_key() -> bytes:
    return hash_keys()[0]


def hash_key_id() -> str:
    """The current hash key's id, kept beside a hash that cannot be re-keyed."""
    return key_id(hash_key())


def hash_key_ids() -> list[str]:
    """The ids of every hash key that still matches, the current one first."""
    return [key_id(key) for key in hash_keys()]


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + "$")


def _associated_data(context: str, owner: str) -> bytes:
    # The format, the column and the row's owner: a value moved elsewhere does not decrypt.
    return f"{PREFIX}\0{context}\0{owner}".encode()


@sensitive_variables("plaintext")
def encrypt(plaintext: str, *, context: str, owner: str) -> str:
    """``plaintext`` under the first key, bound to ``context`` and ``owner``."""
    key = encryption_keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), _associated_data(context, owner))
    return f"{PREFIX}${key_id(key)}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


@sensitive_variables("plain")
def decrypt(token: str, *, context: str, owner: str) -> str:
    try:
        prefix, kid, payload = token.split("$", 2)
        raw = base64.urlsafe_b64decode(payload.encode())
    except (ValueError, binascii.Error) as err:
        raise DecryptionError("A stored value is not in the encrypted format.") from err
    if prefix != PREFIX:
        raise DecryptionError("A stored value is not in the encrypted format.")
    associated = _associated_data(context, owner)
    keys = encryption_keys()
    # The key with the recorded id first; then the others, in case of an id collision.
    for key in sorted(keys, key=lambda k: key_id(k) != kid):
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated)
        except InvalidTag:
            continue
        return plain.decode()
    raise DecryptionError(UNREADABLE)


def needs_rotation(token: str) -> bool:
    """True for a value under another key than the first of ``ENCRYPTION_KEYS``."""
    return token.split("$", 2)[1] != key_id(encryption_keys()[0])


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``HASH_KEY``, as 64 hex characters."""
    return hmac.new(hash_key(), value.encode(), hashlib.sha256).hexdigest()


def keyed_hashes(value: str) -> list[str]:
    """``value``'s keyed hash under the current key first, then under each fallback.

    Match stored hashes against all of them: a row keeps the hash it was written
    with until ``portone_cert_rotate_keys`` re-keys it.
    """
    return [hmac.new(key, value.encode(), hashlib.sha256).hexdigest() for key in hash_keys()]
