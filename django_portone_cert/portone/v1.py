"""PortOne V1 (api.iamport.kr): the token in Django's cache, results under /certifications/."""

from __future__ import annotations

import hashlib
import json
import math
import re
import secrets
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from django.core.cache import BaseCache, caches
from django.views.decorators.debug import sensitive_variables

from .. import crypto
from ..conf import app_settings
from ..exceptions import (
    CertificationNotFound,
    ConfigurationError,
    InvalidRequest,
    PortOneAPIError,
    PortOneAuthError,
    error_class_name,
    is_service_outage,
)
from .base import RETRY_BACKOFF_CAP, Certification, HTTPClient, logger, v1_envelope
from .otp import V1Otp

#: PortOne's ``imp_uid``: ``imp_`` and digits (twelve today; a little room to grow). Anything
#: else is refused before it costs a lookup or reaches a URL path.
IMP_UID_PATTERN = r"imp_[0-9]{10,20}"
IMP_UID_RE = re.compile(rf"\A{IMP_UID_PATTERN}\Z")

#: Refresh the cached token when less than this many seconds of its life remain.
TOKEN_REFRESH_MARGIN = 60
#: Single-flight token refresh: seconds the lock outlives the slowest fetch its owner can make.
TOKEN_LOCK_MARGIN = 5.0
#: How often followers look for the token: first after this many seconds, then less and less often.
TOKEN_FOLLOWER_POLL = 0.02
TOKEN_FOLLOWER_POLL_MAX = 0.25
#: What the cached token is encrypted for (with the cache key as its owner): a value
#: copied from another cache key, or any other ciphertext of the app, does not decrypt.
TOKEN_CONTEXT = "portone_cert.v1.access_token"  # noqa: S105 (a label, not a secret)


_T = TypeVar("_T")


class _Unreachable:
    """What a token-cache operation gives when the cache could not be used."""


UNREACHABLE = _Unreachable()
_cache_warning_lock = threading.Lock()
_cache_warning_given = False


def _warn_cache_unreachable(alias: str, error: BaseException) -> None:
    """Once per process: the token cache is down, so tokens come from PortOne directly."""
    global _cache_warning_given
    with _cache_warning_lock:
        if _cache_warning_given:
            return
        _cache_warning_given = True
    logger.warning(
        "The PortOne token cache (CACHES[%r]) could not be used (%s): fetching tokens "
        "from PortOne directly, one at a time per process, until it is back.",
        alias,
        error_class_name(error),
    )


def validate_imp_uid(imp_uid: object) -> str:
    if not isinstance(imp_uid, str) or not IMP_UID_RE.fullmatch(imp_uid):
        raise InvalidRequest()
    return imp_uid


class PortOneClient(V1Otp, HTTPClient):
    """Talks to PortOne's V1 REST API. Arguments default to the settings."""

    api_version = "v1"

    def __init__(
        self,
        *,
        imp_key: str | None = None,
        imp_secret: str | None = None,
        base_url: str | None = None,
        timeout: tuple[float, float] | None = None,
        cache: BaseCache | None = None,
        cache_alias: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        super().__init__(
            base_url=base_url or app_settings.API_BASE_URL, timeout=timeout, session=session
        )
        self.imp_key = imp_key if imp_key is not None else app_settings.IMP_KEY
        self.imp_secret = imp_secret if imp_secret is not None else app_settings.IMP_SECRET
        self._cache = cache
        self.cache_alias = cache_alias or app_settings.CACHE
        digest = hashlib.sha256(f"{self.base_url}|{self.imp_key}".encode()).hexdigest()[:24]
        self.token_cache_key = f"portone_cert:v1:token:{digest}"
        #: (token, refresh at, as time.time()): saves a cache round trip per call.
        self._memo: tuple[str, float] | None = None
        #: Single flight within this process while the shared cache is down.
        self._fetch_lock = threading.Lock()

    @property
    def cache(self) -> BaseCache:
        # Django's cache handles are per thread: look the alias up on each use.
        return self._cache if self._cache is not None else caches[self.cache_alias]

    # --- public API ---

    def get_result(self, result_id: str, *, deadline: float | None = None) -> Certification:
        """The interface both versions share: the result named ``result_id``."""
        return self.get_certification(result_id, deadline=deadline)

    def delete_result(self, result_id: str, *, deadline: float | None = None) -> None:
        self.delete_certification(result_id, deadline=deadline)

    def get_certification(self, imp_uid: str, *, deadline: float | None = None) -> Certification:
        """``GET /certifications/{imp_uid}``.

        ``deadline`` is a ``time.monotonic()`` instant by which everything, token
        and retries included, must be done (default: ``DEADLINE`` seconds from now).
        """
        path = f"/certifications/{quote(validate_imp_uid(imp_uid), safe='')}"
        return Certification.from_v1(self._call("GET", path, self._deadline(deadline)))

    def delete_certification(self, imp_uid: str, *, deadline: float | None = None) -> Certification:
        """``DELETE /certifications/{imp_uid}``: remove PortOne's copy of the personal data."""
        path = f"/certifications/{quote(validate_imp_uid(imp_uid), safe='')}"
        return Certification.from_v1(self._call("DELETE", path, self._deadline(deadline)))

    def get_token(self, *, deadline: float | None = None) -> str:
        """A valid access token: from the cache, or fetched by one caller at a time.

        Single flight across processes: the caller that takes the cache lock (the
        leader) fetches; the others (followers) wait while the lock exists, up to
        their deadline, for the token to appear in the cache. When the leader is
        done without a token (it failed), the next follower to take the lock leads.
        When the cache cannot be used, the token comes from PortOne directly.
        """
        token = self._cached_token()
        if token:
            return token
        deadline = self._deadline(deadline)
        lock_key = self.token_cache_key + ":lock"
        owner = secrets.token_urlsafe(16)
        pause = TOKEN_FOLLOWER_POLL
        while True:
            taken = self._shared(
                lambda cache: cache.add(lock_key, owner, timeout=self._token_lock_seconds(deadline))
            )
            if taken is UNREACHABLE:
                return self._fetch_unshared(deadline)
            if taken:
                try:
                    # The previous leader may have finished between our look and our lock.
                    return self._cached_token() or self._fetch_token(deadline)
                finally:
                    self._release_token_lock(lock_key, owner)
            holder = self._shared(lambda cache: cache.get(lock_key))
            if holder is UNREACHABLE or holder is None:
                # The lock could not be added, yet it is not there: a cache client that
                # fails silently (memcached with ``ignore_exc``), or a leader that was done
                # just now (then one more getToken is harmless: PortOne answers the same token).
                return self._cached_token() or self._fetch_unshared(deadline)
            # A follower. A leader that died mid-fetch leaves its lock until it expires:
            # then we wait no longer than our deadline, and the first caller after leads.
            while time.monotonic() < deadline:
                time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
                pause = min(pause * 1.5, TOKEN_FOLLOWER_POLL_MAX)
                token = self._cached_token()
                if token:
                    return token
                holder = self._shared(lambda cache: cache.get(lock_key))
                if holder is UNREACHABLE:
                    return self._fetch_unshared(deadline)
                if holder is None:
                    # The leader is done: it either stored a token (just now) or failed.
                    token = self._cached_token()
                    if token:
                        return token
                    break
            else:
                # Out of time: fails at once with PortOneTimeout, without a request.
                return self._fetch_token(deadline)

    def _token_lock_seconds(self, deadline: float) -> int:
        """The lock's life: the longest a fetch started now can take, and a margin.

        Every try, retries and their pauses are bounded by ``RETRIES`` and
        ``TIMEOUT``; the deadline bounds them too, except that a try started just
        before it may still spend a read timeout past it.
        """
        connect, read = self.timeout
        tries = 1 + max(app_settings.RETRIES, 0)
        pauses = sum(
            min(app_settings.RETRY_BACKOFF * 2.0**n, RETRY_BACKOFF_CAP) for n in range(tries - 1)
        )
        by_tries = tries * (connect + read) + pauses
        remaining = max(0.0, deadline - time.monotonic())
        by_deadline = remaining + min(read, remaining)
        return math.ceil(min(by_tries, by_deadline) + TOKEN_LOCK_MARGIN)

    def _release_token_lock(self, lock_key: str, owner: str) -> None:
        """Delete the lock if it is still ours: compare, then delete.

        Django's cache API has no atomic compare-and-delete. The window between
        the two is harmless in practice: the lock would have to expire in it, which
        its margin over the slowest fetch rules out; and if it did, the lock's new
        owner's followers would fetch a token once more, which PortOne answers
        with the same token.
        """
        if self._shared(lambda cache: cache.get(lock_key)) == owner:
            self._shared(lambda cache: cache.delete(lock_key))

    def _fetch_unshared(self, deadline: float) -> str:
        """The cache is down: one fetch at a time in this process, the others use its memo."""
        if not self._fetch_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            return self._fetch_token(deadline)  # out of time: PortOneTimeout, no request
        try:
            return self._cached_token() or self._fetch_token(deadline)
        finally:
            self._fetch_lock.release()

    def _shared(self, operation: Callable[[BaseCache], _T]) -> _T | _Unreachable:
        """``operation(self.cache)``, or :data:`UNREACHABLE` when the cache is down."""
        cache = self.cache
        try:
            return operation(cache)
        except Exception as error:
            if not is_service_outage(error):
                raise
            _warn_cache_unreachable(self.cache_alias, error)
            return UNREACHABLE

    def forget_token(self, token: str | None = None) -> None:
        """Drop the cached token (only if it is still ``token``, when given)."""
        self._memo = None
        cached = self._shared(lambda cache: cache.get(self.token_cache_key))
        opened = self._unseal(cached)
        # A value that does not decrypt is of no use to anyone: it goes too.
        if token is None or (isinstance(cached, str) and (opened is None or opened[0] == token)):
            self._shared(lambda cache: cache.delete(self.token_cache_key))

    def _cached_token(self) -> str | None:
        """The token from this process's memo, else from the shared cache (memoised)."""
        memo = self._memo
        if memo is not None and time.time() < memo[1]:
            return memo[0]
        opened = self._unseal(self._shared(lambda cache: cache.get(self.token_cache_key)))
        if opened is not None and time.time() < opened[1]:
            self._memo = opened
            return opened[0]
        return None

    def _seal(self, token: str, refresh_at: float) -> str | None:
        """The token as the shared cache keeps it: encrypted and authenticated with the
        app's keys (:mod:`~django_portone_cert.crypto`), so whoever reads the cache cannot
        call PortOne as the site. ``None`` (nothing cached) if the keys are unusable."""
        plain = json.dumps({"access_token": token, "refresh_at": refresh_at})
        try:
            return crypto.encrypt(plain, context=TOKEN_CONTEXT, owner=self.token_cache_key)
        except ConfigurationError:
            return None  # the system checks name the bad key (E015)

    def _unseal(self, cached: object) -> tuple[str, float] | None:
        """(token, refresh at) from a cached value; ``None`` for anything that does not
        decrypt under the configured keys (a key since removed, a value from elsewhere, the
        clear form of earlier versions): then a new token is fetched, never an error."""
        if not isinstance(cached, str):
            return None
        try:
            data = json.loads(
                crypto.decrypt(cached, context=TOKEN_CONTEXT, owner=self.token_cache_key)
            )
            return str(data["access_token"]), float(data["refresh_at"])
        except (ConfigurationError, ValueError, KeyError, TypeError):
            return None

    def _valid_imp_uid(self, value: object) -> str:
        return validate_imp_uid(value)

    # --- plumbing ---

    def _fetch_token(self, deadline: float) -> str:
        response = self._send(
            "POST",
            "/users/getToken",
            deadline,
            json={"imp_key": self.imp_key, "imp_secret": self.imp_secret},
            retry=True,
        )
        if response.status_code == 401:
            logger.error("PortOne refused the REST API key/secret (getToken answered 401).")
            raise PortOneAuthError(status=401)
        data = self._unwrap(response, "/users/getToken")
        token = data.get("access_token")
        now, expired_at = data.get("now"), data.get("expired_at")
        if not isinstance(token, str) or not token:
            raise PortOneAPIError(status=200)
        if isinstance(now, int) and isinstance(expired_at, int):
            # PortOne's own clock measures the token's remaining life: no skew.
            keep_for = expired_at - now - TOKEN_REFRESH_MARGIN
            if keep_for > 0:
                refresh_at = time.time() + keep_for
                self._memo = (token, refresh_at)
                sealed = self._seal(token, refresh_at)
                if sealed is not None:
                    self._shared(
                        lambda cache: cache.set(self.token_cache_key, sealed, timeout=keep_for)
                    )
        return token

    def _call(self, method: str, path: str, deadline: float) -> dict[str, Any]:
        return self._unwrap(self._request(method, path, deadline), path)

    @sensitive_variables()
    def _request(
        self, method: str, path: str, deadline: float, *, json: Any = None
    ) -> requests.Response:
        """One call with the token: only a GET is tried again after a transport error or a
        5xx (a POST may have been done: an OTP send costs money and texts a person). A 401
        was refused before anything was done, so it is sent once more with a new token."""
        retry = method == "GET"
        token = self.get_token(deadline=deadline)
        response = self._send(
            method, path, deadline, headers=_bearer(token), json=json, retry=retry
        )
        if response.status_code == 401:
            # The cached token may have been revoked or expired early: refresh once.
            self.forget_token(token)
            token = self.get_token(deadline=deadline)
            response = self._send(
                method, path, deadline, headers=_bearer(token), json=json, retry=retry
            )
            if response.status_code == 401:
                logger.error("PortOne answered 401 twice for %s %s.", method, self._path_kind(path))
                raise PortOneAuthError(status=401)
        return response

    def _unwrap(self, response: requests.Response, path: str) -> dict[str, Any]:
        """Check the HTTP status and the envelope; return ``response``."""
        status = response.status_code
        envelope = v1_envelope(response, self._path_kind(path))
        code = envelope.get("code")
        if status == 404 and path.startswith("/certifications/"):
            raise CertificationNotFound()
        if status != 200 or code != 0:
            logger.warning(
                "PortOne answered %s with code %r on %s.", status, code, self._path_kind(path)
            )
            raise PortOneAPIError(status=status, portone_code=code)
        body = envelope.get("response")
        if not isinstance(body, dict):
            raise PortOneAPIError(status=status, portone_code=code)
        return body

    def _path_kind(self, path: str) -> str:
        if path.startswith("/certifications/otp/confirm/"):
            return "/certifications/otp/confirm/{imp_uid}"
        if path == "/certifications/otp/request":
            return path
        return "/certifications/{imp_uid}" if path.startswith("/certifications/") else path


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
