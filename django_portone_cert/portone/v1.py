"""PortOne V1 (api.iamport.kr): the token in Django's cache, results under /certifications/."""

from __future__ import annotations

import hashlib
import re
import time
from typing import Any
from urllib.parse import quote

import requests
from django.core.cache import BaseCache, caches

from ..conf import app_settings
from ..exceptions import (
    CertificationNotFound,
    InvalidRequest,
    PortOneAPIError,
    PortOneAuthError,
)
from .base import Certification, HTTPClient, logger

#: What an ``imp_uid`` may look like before it is put into a URL path.
IMP_UID_PATTERN = r"imps?_[0-9A-Za-z]{1,64}"
IMP_UID_RE = re.compile(rf"\A{IMP_UID_PATTERN}\Z")

#: Refresh the cached token when less than this many seconds of its life remain.
TOKEN_REFRESH_MARGIN = 60
#: Single-flight token refresh: the lock's life, how long followers wait, how often they look.
TOKEN_LOCK_SECONDS = 10
TOKEN_FOLLOWER_WAIT = 3.0
TOKEN_FOLLOWER_POLL = 0.02


def validate_imp_uid(imp_uid: object) -> str:
    if not isinstance(imp_uid, str) or not IMP_UID_RE.fullmatch(imp_uid):
        raise InvalidRequest()
    return imp_uid


class PortOneClient(HTTPClient):
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

    def validate_result_id(self, result_id: object) -> str:
        return validate_imp_uid(result_id)

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

        Single flight: the first caller to take the cache lock fetches; the others
        wait briefly for the token to appear in the cache. If the lock is lost,
        they fetch themselves, which PortOne's rules make harmless (before expiry
        it answers the same token).
        """
        token = self._cached_token()
        if token:
            return token
        deadline = self._deadline(deadline)
        lock_key = self.token_cache_key + ":lock"
        if self.cache.add(lock_key, "1", timeout=TOKEN_LOCK_SECONDS):
            try:
                # The previous leader may have finished between our look and our lock.
                return self._cached_token() or self._fetch_token(deadline)
            finally:
                self.cache.delete(lock_key)
        wait_until = min(deadline, time.monotonic() + TOKEN_FOLLOWER_WAIT)
        while time.monotonic() < wait_until:
            time.sleep(TOKEN_FOLLOWER_POLL)
            token = self._cached_token()
            if token:
                return token
            if self.cache.get(lock_key) is None:
                # The leader is done: it either stored a token (just now) or failed.
                token = self._cached_token()
                if token:
                    return token
                break
        return self._fetch_token(deadline)

    def forget_token(self, token: str | None = None) -> None:
        """Drop the cached token (only if it is still ``token``, when given)."""
        self._memo = None
        cached = self.cache.get(self.token_cache_key)
        if token is None or (isinstance(cached, dict) and cached.get("access_token") == token):
            self.cache.delete(self.token_cache_key)

    def _cached_token(self) -> str | None:
        """The token from this process's memo, else from the shared cache (memoised)."""
        memo = self._memo
        if memo is not None and time.time() < memo[1]:
            return memo[0]
        cached = self.cache.get(self.token_cache_key)
        if isinstance(cached, dict) and time.time() < cached.get("refresh_at", 0):
            self._memo = (str(cached["access_token"]), float(cached["refresh_at"]))
            return self._memo[0]
        return None

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
                self.cache.set(
                    self.token_cache_key,
                    {"access_token": token, "refresh_at": refresh_at},
                    timeout=keep_for,
                )
                self._memo = (token, refresh_at)
        return token

    def _call(self, method: str, path: str, deadline: float) -> dict[str, Any]:
        retry = method == "GET"
        token = self.get_token(deadline=deadline)
        response = self._send(method, path, deadline, headers=_bearer(token), retry=retry)
        if response.status_code == 401:
            # The cached token may have been revoked or expired early: refresh once.
            self.forget_token(token)
            token = self.get_token(deadline=deadline)
            response = self._send(method, path, deadline, headers=_bearer(token), retry=retry)
            if response.status_code == 401:
                logger.error("PortOne answered 401 twice for %s %s.", method, self._path_kind(path))
                raise PortOneAuthError(status=401)
        return self._unwrap(response, path)

    def _unwrap(self, response: requests.Response, path: str) -> dict[str, Any]:
        """Check the HTTP status and the envelope; return ``response``."""
        status = response.status_code
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "code" not in envelope:
            logger.warning(
                "PortOne answered %s with an unreadable body on %s.", status, self._path_kind(path)
            )
            raise PortOneAPIError(status=status)
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
        return "/certifications/{imp_uid}" if path.startswith("/certifications/") else path


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
