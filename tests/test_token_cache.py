"""The V1 access token in the shared cache: encrypted and authenticated with the app's keys,
bound to its cache key; anything that does not decrypt is absent (a new token, never an error)."""

from __future__ import annotations

import pickle
import time
from typing import Any

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

from django_portone_cert import crypto
from django_portone_cert.portone import PortOneClient
from django_portone_cert.portone.v1 import TOKEN_CONTEXT
from django_portone_cert.testing import FakePortOne

IMP_UID = "imp_123456789012"


@pytest.fixture
def cert(portone: FakePortOne) -> str:
    return portone.add_certification(imp_uid=IMP_UID, merchant_uid="cert1")


def raw_cached(client: PortOneClient) -> bytes:
    """The bytes the cache holds for the token, read beneath Django's cache API: what whoever
    reads Redis (or this process's local memory) sees."""
    key = cache.make_key(client.token_cache_key)
    if isinstance(cache, RedisCache):
        raw = cache._cache.get_client(key).get(key)
    elif isinstance(cache, LocMemCache):
        raw = cache._cache.get(key)
    else:  # another backend: what Django would hand it
        raw = pickle.dumps(cache.get(client.token_cache_key))
    assert raw is not None
    return bytes(raw)


def test_the_cache_never_holds_the_token_in_clear(portone: FakePortOne, cert: str) -> None:
    client = PortOneClient()
    token = client.get_token()
    raw = raw_cached(client)
    assert raw and token.encode() not in raw
    assert b"access_token" not in raw and client.imp_secret.encode() not in raw
    # Another process (no memo) reads it back through the app's keys: one getToken in all.
    assert PortOneClient().get_certification(IMP_UID).imp_uid == IMP_UID
    assert portone.count("token") == 1


def test_a_token_planted_in_clear_is_not_used(portone: FakePortOne, cert: str) -> None:
    """Whoever can write the cache cannot make the site call PortOne with a token of theirs
    (and the clear form of earlier versions is simply replaced)."""
    client = PortOneClient()
    planted = {"access_token": "planted", "refresh_at": time.time() + 600}
    cache.set(client.token_cache_key, planted, timeout=600)
    assert client.get_token() != "planted"
    assert portone.count("token") == 1
    assert b"planted" not in raw_cached(client)


def test_a_sealed_value_from_elsewhere_does_not_decrypt(portone: FakePortOne, cert: str) -> None:
    """The ciphertext names its purpose and cache key: one copied from another store's key, or
    any other value the app encrypts, is no token."""
    other = PortOneClient(imp_key="another_store_key")
    client = PortOneClient()
    elsewhere = crypto.encrypt(
        '{"access_token": "from-elsewhere", "refresh_at": 9e12}',
        context=TOKEN_CONTEXT,
        owner=other.token_cache_key,
    )
    cache.set(client.token_cache_key, elsewhere, timeout=600)
    assert client.get_token() != "from-elsewhere"
    assert portone.count("token") == 1


def test_a_token_under_a_removed_key_is_fetched_again(
    portone: FakePortOne, cert: str, settings: Any
) -> None:
    first = PortOneClient().get_token()
    settings.SECRET_KEY = "a-new-secret-key-without-the-old-one-as-fallback"
    assert PortOneClient().get_certification(IMP_UID).imp_uid == IMP_UID  # no error
    assert portone.count("token") == 2
    assert first.encode() not in raw_cached(PortOneClient())


def test_a_token_under_the_previous_secret_key_still_reads(
    portone: FakePortOne, cert: str, settings: Any
) -> None:
    old = settings.SECRET_KEY
    token = PortOneClient().get_token()
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-rotated", [old]
    assert PortOneClient().get_token() == token
    assert portone.count("token") == 1


def test_a_refused_token_is_replaced_in_the_cache(portone: FakePortOne, cert: str) -> None:
    """The 401 refresh drops the sealed token it used and caches the new one, sealed."""
    client = PortOneClient()
    old = client.get_token()
    portone.expire_tokens()
    assert client.get_certification(IMP_UID).imp_uid == IMP_UID
    new = PortOneClient().get_token()
    assert new != old and portone.count("token") == 2
    raw = raw_cached(client)
    assert new.encode() not in raw and old.encode() not in raw
