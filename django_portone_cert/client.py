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
    PortOneTimeout,
    PortOneUnavailable,
)

logger = logging.getLogger("django_portone_cert")

USER_AGENT = f"django-portone-cert/{__version__} python-requests/{requests.__version__}"

#: What an ``imp_uid`` may look like before it is put into a URL path.
IMP_UID_RE = re.compile(r"\Aimps?_[0-9A-Za-z]{1,64}\Z")

#: Refresh the cached token when less than this many seconds of its life remain.
TOKEN_REFRESH_MARGIN = 60


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

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    @property
    def cache(self) -> BaseCache:
        # Django's cache handles are per thread: look the alias up on each use.
        return self._cache if self._cache is not None else caches[self.cache_alias]

    def close(self) -> None:
        self.session.close()

    # --- public API ---

    def get_certification(self, imp_uid: str) -> Certification:
        """``GET /certifications/{imp_uid}``."""
        path = f"/certifications/{quote(validate_imp_uid(imp_uid), safe='')}"
        return Certification.from_v1(self._call("GET", path))

    def delete_certification(self, imp_uid: str) -> Certification:
        """``DELETE /certifications/{imp_uid}``: remove PortOne's copy of the personal data."""
        path = f"/certifications/{quote(validate_imp_uid(imp_uid), safe='')}"
        return Certification.from_v1(self._call("DELETE", path))

    def get_token(self, *, force: bool = False) -> str:
        """A valid access token, from the cache unless ``force``."""
        if not force:
            token = self.cache.get(self.token_cache_key)
            if isinstance(token, str) and token:
                return token
        data = self._request_token()
        token = data.get("access_token")
        now, expired_at = data.get("now"), data.get("expired_at")
        if not isinstance(token, str) or not token:
            raise PortOneAPIError(status=200)
        if isinstance(now, int) and isinstance(expired_at, int):
            # PortOne's own clock measures the token's remaining life: no skew.
            keep_for = expired_at - now - TOKEN_REFRESH_MARGIN
            if keep_for > 0:
                self.cache.set(self.token_cache_key, token, timeout=keep_for)
        return token

    def forget_token(self) -> None:
        self.cache.delete(self.token_cache_key)

    # --- plumbing ---

    def _request_token(self) -> dict[str, Any]:
        response = self._send(
            "POST",
            "/users/getToken",
            json={"imp_key": self.imp_key, "imp_secret": self.imp_secret},
        )
        if response.status_code == 401:
            logger.error("PortOne refused the REST API key/secret (getToken answered 401).")
            raise PortOneAuthError(status=401)
        return self._unwrap(response, "/users/getToken")

    def _call(self, method: str, path: str) -> dict[str, Any]:
        token = self.get_token()
        response = self._send(method, path, token=token)
        if response.status_code == 401:
            # The cached token may have been revoked or expired early: refresh once.
            self.forget_token()
            response = self._send(method, path, token=self.get_token(force=True))
            if response.status_code == 401:
                logger.error("PortOne answered 401 twice for %s %s.", method, _path_kind(path))
                raise PortOneAuthError(status=401)
        return self._unwrap(response, path)

    def _send(
        self, method: str, path: str, *, token: str | None = None, json: Any = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            return self.session.request(
                method,
                self.base_url + path,
                headers=headers,
                json=json,
                timeout=self.timeout,
                allow_redirects=False,
            )
        except (requests.Timeout, TimeoutError) as err:
            logger.warning("PortOne timed out on %s %s.", method, _path_kind(path))
            raise PortOneTimeout() from err
        except (requests.RequestException, OSError) as err:
            logger.warning(
                "PortOne could not be reached on %s %s (%s).",
                method,
                _path_kind(path),
                type(err).__name__,
            )
            raise PortOneUnavailable() from err

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
