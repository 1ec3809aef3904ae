"""PortOne V1 REST client for 본인인증 results.

One ``requests.Session`` per client (connections are kept alive), a timeout on
every call, the access token shared through Django's cache and refreshed when
less than a minute of its life remains, one refresh and retry on a 401.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote

import requests
from django.core.cache import BaseCache, caches

from . import __version__
from .conf import app_settings
from .exceptions import (
    CertificationNotFound,
    InvalidRequest,
    PortOneAPIError,
    PortOneAuthError,
    PortOneCertError,
    PortOneTimeout,
    PortOneUnavailable,
)

logger = logging.getLogger("django_portone_cert")

USER_AGENT = f"django-portone-cert/{__version__} python-requests/{requests.__version__}"

#: What an ``imp_uid`` may look like before it is put into a URL path.
IMP_UID_PATTERN = r"imps?_[0-9A-Za-z]{1,64}"
IMP_UID_RE = re.compile(rf"\A{IMP_UID_PATTERN}\Z")

#: Refresh the cached token when less than this many seconds of its life remain.
TOKEN_REFRESH_MARGIN = 60
#: Single-flight token refresh: the lock's life, how long followers wait, how often they look.
TOKEN_LOCK_SECONDS = 10
TOKEN_FOLLOWER_WAIT = 3.0
TOKEN_FOLLOWER_POLL = 0.02
#: Retries never wait longer than this between tries.
RETRY_BACKOFF_CAP = 2.0


def validate_imp_uid(imp_uid: object) -> str:
    if not isinstance(imp_uid, str) or not IMP_UID_RE.fullmatch(imp_uid):
        raise InvalidRequest()
    return imp_uid


@dataclass(frozen=True)
class Certification:
    """A 본인인증 result as PortOne recorded it, normalised.

    Personal fields are left out of ``repr`` so that a logged or printed
    result never shows them.
    """

    imp_uid: str
    merchant_uid: str | None
    provider: str
    certified: bool
    certified_at: datetime | None
    birth_date: date | None
    name: str | None = field(default=None, repr=False)
    gender: str | None = None
    is_foreigner: bool | None = None
    ci: str | None = field(default=None, repr=False)
    di: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    carrier: str | None = None
    pg_tid: str | None = None
    origin: str | None = None

    @classmethod
    def from_v1(cls, data: dict[str, Any]) -> Certification:
        if not isinstance(data.get("imp_uid"), str):
            raise PortOneAPIError()
        certified_at = data.get("certified_at")
        gender = data.get("gender")
        # Prefer ``foreigner_v2`` (null means unknown): Danal's ``foreigner`` is
        # always false unless the foreigner option is contracted.
        foreigner = data.get("foreigner_v2") if "foreigner_v2" in data else data.get("foreigner")
        return cls(
            imp_uid=data["imp_uid"],
            merchant_uid=_str_or_none(data.get("merchant_uid")),
            provider=_str_or_none(data.get("pg_provider")) or "",
            certified=data.get("certified") is True,
            certified_at=(
                datetime.fromtimestamp(certified_at, tz=UTC)
                if isinstance(certified_at, int)
                and not isinstance(certified_at, bool)
                and certified_at > 0
                else None
            ),
            # Always the ``birthday`` string: the integer ``birth`` is 00:00 KST,
            # which is the previous day when read in UTC.
            birth_date=_parse_date(data.get("birthday")),
            name=_str_or_none(data.get("name")),
            gender=gender if gender in ("male", "female") else None,
            is_foreigner=foreigner if isinstance(foreigner, bool) else None,
            ci=_str_or_none(data.get("unique_key")),
            di=_str_or_none(data.get("unique_in_site")),
            phone=_str_or_none(data.get("phone")),
            carrier=_str_or_none(data.get("carrier")),
            pg_tid=_str_or_none(data.get("pg_tid")),
            origin=_str_or_none(data.get("origin")),
        )


def _str_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


class PortOneClient:
    """Talks to PortOne's V1 REST API. Arguments default to the settings."""

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
        self.imp_key = imp_key if imp_key is not None else app_settings.IMP_KEY
        self.imp_secret = imp_secret if imp_secret is not None else app_settings.IMP_SECRET
        self.base_url = (base_url or app_settings.API_BASE_URL).rstrip("/")
        self.timeout = timeout or app_settings.TIMEOUT
        self._cache = cache
        self.cache_alias = cache_alias or app_settings.CACHE
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        digest = hashlib.sha256(f"{self.base_url}|{self.imp_key}".encode()).hexdigest()[:24]
        self.token_cache_key = f"portone_cert:v1:token:{digest}"
        #: (token, refresh at, as time.time()): saves a cache round trip per call.
        self._memo: tuple[str, float] | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    @property
    def cache(self) -> BaseCache:
        # Django's cache handles are per thread: look the alias up on each use.
        return self._cache if self._cache is not None else caches[self.cache_alias]

    def close(self) -> None:
        self.session.close()

    # --- public API ---

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
                return self._fetch_token(deadline)
            finally:
                self.cache.delete(lock_key)
        wait_until = min(deadline, time.monotonic() + TOKEN_FOLLOWER_WAIT)
        while time.monotonic() < wait_until:
            time.sleep(TOKEN_FOLLOWER_POLL)
            token = self._cached_token()
            if token:
                return token
            if self.cache.get(lock_key) is None:
                break  # the leader failed: try ourselves
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

    def _deadline(self, deadline: float | None) -> float:
        return deadline if deadline is not None else time.monotonic() + app_settings.DEADLINE

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
        response = self._send(method, path, deadline, token=token, retry=retry)
        if response.status_code == 401:
            # The cached token may have been revoked or expired early: refresh once.
            self.forget_token(token)
            token = self.get_token(deadline=deadline)
            response = self._send(method, path, deadline, token=token, retry=retry)
            if response.status_code == 401:
                logger.error("PortOne answered 401 twice for %s %s.", method, _path_kind(path))
                raise PortOneAuthError(status=401)
        return self._unwrap(response, path)

    def _send(
        self,
        method: str,
        path: str,
        deadline: float,
        *,
        token: str | None = None,
        json: Any = None,
        retry: bool = False,
    ) -> requests.Response:
        """One request, tried again (when ``retry``) after a transport error or a 5xx."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        tries = 1 + (max(app_settings.RETRIES, 0) if retry else 0)
        connect, read = self.timeout
        error: PortOneCertError | None = None
        for attempt in range(tries):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                response = self.session.request(
                    method,
                    self.base_url + path,
                    headers=headers,
                    json=json,
                    timeout=(min(connect, remaining), min(read, remaining)),
                    allow_redirects=False,
                )
            except (requests.Timeout, TimeoutError) as err:
                logger.warning("PortOne timed out on %s %s.", method, _path_kind(path))
                error = PortOneTimeout()
                error.__cause__ = err
            except (requests.RequestException, OSError) as err:
                logger.warning(
                    "PortOne could not be reached on %s %s (%s).",
                    method,
                    _path_kind(path),
                    type(err).__name__,
                )
                error = PortOneUnavailable()
                error.__cause__ = err
            else:
                if response.status_code < 500 or attempt == tries - 1:
                    return response
                logger.warning(
                    "PortOne answered %s on %s %s; trying again.",
                    response.status_code,
                    method,
                    _path_kind(path),
                )
                error = None
            if attempt < tries - 1:
                pause = min(app_settings.RETRY_BACKOFF * 2**attempt, RETRY_BACKOFF_CAP)
                time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        if error is None:
            logger.warning(
                "PortOne took longer than the deadline on %s %s.", method, _path_kind(path)
            )
            error = PortOneTimeout()
        raise error

    def _unwrap(self, response: requests.Response, path: str) -> dict[str, Any]:
        """Check the HTTP status and the envelope; return ``response``."""
        status = response.status_code
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict) or "code" not in envelope:
            logger.warning(
                "PortOne answered %s with an unreadable body on %s.", status, _path_kind(path)
            )
            raise PortOneAPIError(status=status)
        code = envelope.get("code")
        if status == 404 and path.startswith("/certifications/"):
            raise CertificationNotFound()
        if status != 200 or code != 0:
            logger.warning(
                "PortOne answered %s with code %r on %s.", status, code, _path_kind(path)
            )
            raise PortOneAPIError(status=status, portone_code=code)
        body = envelope.get("response")
        if not isinstance(body, dict):
            raise PortOneAPIError(status=status, portone_code=code)
        return body


def _path_kind(path: str) -> str:
    """The endpoint without the id, for logs."""
    return "/certifications/{imp_uid}" if path.startswith("/certifications/") else path


_clients: dict[tuple[Any, ...], PortOneClient] = {}
_clients_lock = threading.Lock()


def get_client() -> PortOneClient:
    """The process-wide client for the current settings (one connection pool)."""
    key = (
        app_settings.API_BASE_URL,
        app_settings.IMP_KEY,
        app_settings.IMP_SECRET,
        app_settings.TIMEOUT,
        app_settings.CACHE,
    )
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = PortOneClient()
        return client
