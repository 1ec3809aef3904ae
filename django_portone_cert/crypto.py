"""CI (and DI, phone) encryption at rest, and the keyed hash that finds a person without decrypting.

- Cipher: AES-256-GCM (authenticated) from ``cryptography``; the field's name is bound in
  as associated data, so a value cannot be moved to another column.
- Keys: ``ENCRYPTION_KEYS``, a list of url-safe base64 32-byte keys. The first encrypts,
  all decrypt, so a new key goes first and old ones stay until
  ``manage.py portone_cert_rotate_keys`` has re-encrypted everything.
- Hash: HMAC-SHA256 with ``HASH_KEY``: equal inputs give equal hashes, for uniqueness
  and lookups, and the hash cannot be reversed without the key.
- Without configured keys, both derive from ``SECRET_KEY`` (``check --deploy`` warns).

Stored form: ``pcx1$<key id>$<base64(nonce + ciphertext)>``.
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

from .conf import get
from .exceptions import ConfigurationError

PREFIX = "pcx1"
NONCE_BYTES = 12


class DecryptionError(ConfigurationError):
    """A stored value cannot be decrypted with any key in ``ENCRYPTION_KEYS``."""


def generate_key() -> str:
    """A new key for ``ENCRYPTION_KEYS``."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _derive(purpose: str) -> bytes:
    secret = str(settings.SECRET_KEY).encode()
    return hmac.new(secret, f"django-portone-cert:{purpose}".encode(), hashlib.sha256).digest()


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
    return bool(get("ENCRYPTION_KEYS")) and bool(get("HASH_KEY"))


def encryption_keys() -> list[bytes]:
    configured = get("ENCRYPTION_KEYS")
    if configured:
        return [decode_key(value) for value in configured]
    return [_derive("encryption")]


def hash_key() -> bytes:
    configured = get("HASH_KEY")
    return str(configured).encode() if configured else _derive("hash")


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX + "$")


def encrypt(plaintext: str, *, context: str) -> str:
    key = encryption_keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode(), context.encode())
    return f"{PREFIX}${key_id(key)}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(token: str, *, context: str) -> str:
    try:
        _, kid, payload = token.split("$", 2)
        raw = base64.urlsafe_b64decode(payload.encode())
    except (ValueError, binascii.Error) as err:
        raise DecryptionError("A stored value is not in the encrypted format.") from err
    keys = encryption_keys()
    # The key with the recorded id first; then the others, in case of an id collision.
    for key in sorted(keys, key=lambda k: key_id(k) != kid):
        try:
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except InvalidTag:
            continue
        return plain.decode()
    raise DecryptionError(
        "A stored value cannot be decrypted: keep the key that encrypted it in "
        'settings.PORTONE_CERT["ENCRYPTION_KEYS"] until portone_cert_rotate_keys has run.'
    )


def needs_rotation(token: str) -> bool:
    """True for plaintext and for values encrypted with an older key."""
    if not is_encrypted(token):
        return True
    return token.split("$", 2)[1] != key_id(encryption_keys()[0])


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``HASH_KEY``, as 64 hex characters."""
    return hmac.new(hash_key(), value.encode(), hashlib.sha256).hexdigest()
