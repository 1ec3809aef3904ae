"""The single-flight V1 token refresh when PortOne is slow, and its lock."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import date
from typing import Any

import pytest
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db import connection, connections

from django_portone_cert import services
from django_portone_cert.conf import app_settings
from django_portone_cert.exceptions import PortOneCertError, PortOneTimeout
from django_portone_cert.portone import PortOneClient
from django_portone_cert.testing import FakePortOne, FakePortOneServer, FakeResponse

#: How long the slow PortOne takes to answer getToken (longer than the old 3 s follower wait).
SLOW_TOKEN = 3.5


class SlowTokenPortOne(FakePortOne):
    """A fake PortOne whose getToken alone is slow."""

    token_delay = 0.0

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes | str | None
    ) -> FakeResponse:
        response = super().handle(method, path, headers, body)
        if path.split("?", 1)[0].rstrip("/") == "/users/getToken":
            response.delay += self.token_delay
        return response


def configure(settings: Any, **extra: Any) -> None:
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **extra}


def lock_key(client: PortOneClient) -> str:
    return client.token_cache_key + ":lock"


def run_together(count: int, job: Any) -> tuple[list[Any], float]:
    """Run ``job(i)`` in ``count`` threads released at once; results (or errors), seconds taken."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = job(i)
        except Exception as error:
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, time.monotonic() - started


def test_a_slow_get_token_is_fetched_once_by_ten_cold_clients(settings: Any) -> None:
    """Ten cold lookups at once, each with its own client (as if ten processes sharing the
    cache), getToken taking 3.5 s: one getToken, everybody gets the result."""
    fake = SlowTokenPortOne()
    fake.token_delay = SLOW_TOKEN
    imp_uids = [fake.add_certification() for _ in range(10)]
    with FakePortOneServer(fake) as server:
        configure(settings, API_BASE_URL=server.url)
        clients = [PortOneClient() for _ in range(10)]
        results, took = run_together(10, lambda i: clients[i].get_certification(imp_uids[i]))
        for client in clients:
            client.close()
    assert [getattr(result, "imp_uid", result) for result in results] == imp_uids
    assert fake.token_requests == 1
    assert took < SLOW_TOKEN + 2
    assert cache.get(lock_key(clients[0])) is None  # released by its owner


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_cold_verifications_with_a_slow_get_token(settings: Any, make_user: Any) -> None:
    """Ten users verify at once through ``verify_certification``: one getToken (V1)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent verifications are run on PostgreSQL (DATABASE_URL=postgres://…)")
    fake = SlowTokenPortOne()
    fake.token_delay = SLOW_TOKEN
    users = [make_user() for _ in range(10)]
    attempts = [services.start_attempt(user=user) for user in users]
    imp_uids = [
        fake.add_certification(merchant_uid=attempt.merchant_uid, birth_date=date(1980 + i, 1, 2))
        for i, attempt in enumerate(attempts)
    ]
    with FakePortOneServer(fake) as server:
        configure(settings, API_BASE_URL=server.url)

        def verify(i: int) -> Any:
            return services.verify_certification(
                user=users[i], imp_uid=imp_uids[i], merchant_uid=attempts[i].merchant_uid
            )

        results, took = run_together(10, verify)
    codes = Counter(
        result.code if isinstance(result, PortOneCertError) else type(result).__name__
        for result in results
    )
    assert codes == Counter({"Verification": 10})
    assert fake.token_requests == 1
    assert took < SLOW_TOKEN + 3


def test_only_the_owner_deletes_the_token_lock(portone: FakePortOne) -> None:
    """A leader whose lock was taken over (expired, then another caller took it) leaves
    the new owner's lock alone when it is done."""
    client = PortOneClient()
    key = lock_key(client)
    original = portone.handle

    def handle(method: str, path: str, headers: dict[str, str], body: Any) -> FakeResponse:
        if path.rstrip("/") == "/users/getToken":
            assert cache.get(key) is not None  # ours, while we fetch
            cache.set(key, "another-callers-owner-token", timeout=60)
        return original(method, path, headers, body)

    portone.handle = handle  # type: ignore[method-assign]
    assert client.get_token()
    assert cache.get(key) == "another-callers-owner-token"


class RecordingCache:
    """The default cache, with the timeouts of ``add`` recorded."""

    def __init__(self) -> None:
        self.add_timeouts: list[float | None] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(cache, name)

    def add(self, key: str, value: Any, timeout: float | None = None, **kwargs: Any) -> bool:
        self.add_timeouts.append(timeout)
        return bool(cache.add(key, value, timeout=timeout, **kwargs))


def test_the_token_lock_outlives_the_slowest_fetch(portone: FakePortOne, settings: Any) -> None:
    """The lock covers a whole getToken: the deadline, and a try started just before it."""
    recording = RecordingCache()
    client = PortOneClient(cache=recording)  # type: ignore[arg-type]
    client.get_token()
    (timeout,) = recording.add_timeouts
    _connect, read = app_settings.TIMEOUT
    assert timeout is not None and timeout >= app_settings.DEADLINE + read


def test_a_dead_leaders_lock_holds_followers_only_until_their_deadline(
    portone: FakePortOne,
) -> None:
    """A leader that died mid-fetch leaves its lock: a follower waits, but not past its
    deadline; once the lock expires the next caller leads and fetches."""
    client = PortOneClient()
    cache.set(lock_key(client), "a-dead-leaders-owner-token", timeout=1)
    started = time.monotonic()
    with pytest.raises(PortOneTimeout):
        client.get_token(deadline=time.monotonic() + 0.3)
    assert 0.3 <= time.monotonic() - started < 0.8
    assert portone.token_requests == 0
    time.sleep(1.1)
    assert client.get_token()
    assert portone.token_requests == 1


def test_followers_take_over_when_the_leader_fails(settings: Any) -> None:
    """The leader's getToken fails: one follower leads next, not all of them at once."""
    fake = SlowTokenPortOne()
    fake.token_delay = 0.3
    fake.inject("code_-1", times=1, endpoint="token")
    with FakePortOneServer(fake) as server:
        configure(settings, API_BASE_URL=server.url)
        clients = [PortOneClient() for _ in range(5)]
        results, _ = run_together(5, lambda i: clients[i].get_token())
        for client in clients:
            client.close()
    failures = [result for result in results if isinstance(result, Exception)]
    assert len(failures) == 1
    assert fake.token_requests == 2


def test_with_the_token_cache_down_a_process_still_fetches_once(settings: Any) -> None:
    """The cache is unreachable: the process's client (one per process, as ``get_client``
    gives) lets one thread fetch and the others use its memo."""
    fake = SlowTokenPortOne()
    fake.token_delay = 0.3
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "tokens": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nobody listens
        },
    }
    with FakePortOneServer(fake) as server:
        configure(settings, API_BASE_URL=server.url, CACHE="tokens")
        client = PortOneClient()
        results, _ = run_together(5, lambda i: client.get_token())
        client.close()
    assert len(set(results)) == 1 and isinstance(results[0], str)
    assert fake.token_requests == 1


class SilentlyFailingCache(LocMemCache):
    """A dead cache whose client swallows errors (pymemcache with ``ignore_exc``):
    reads find nothing, ``add`` says no, writes vanish."""

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        return default

    def add(self, *args: Any, **kwargs: Any) -> bool:
        return False

    def set(self, *args: Any, **kwargs: Any) -> None:
        return None

    def delete(self, *args: Any, **kwargs: Any) -> bool:
        return False


def test_a_silently_failing_token_cache_does_not_hold_callers(
    portone: FakePortOne, settings: Any
) -> None:
    """No lock can be taken and none is there: fetch at once rather than wait for a
    leader that does not exist (until the deadline)."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "tokens": {"BACKEND": f"{__name__}.SilentlyFailingCache"},
    }
    configure(settings, CACHE="tokens")
    client = PortOneClient()
    started = time.monotonic()
    assert client.get_token(deadline=time.monotonic() + 2)
    assert time.monotonic() - started < 0.5
    assert portone.token_requests == 1
