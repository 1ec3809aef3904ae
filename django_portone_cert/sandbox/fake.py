"""An in-memory model of PortOne's 본인인증 APIs (V1 and V2), faithful to their published behaviour.

Checked against PortOne's own schemas and its official clients (``tests/test_contract.py``,
``make contract``).

Transports (the ``responses`` adapter, the loopback HTTP server, the sandbox
views) turn HTTP requests into :meth:`FakePortOne.handle` calls, so all of them
answer exactly alike.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import random
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, unquote

from django.core.cache import caches

from django_portone_cert.ages import KST
from django_portone_cert.conf import app_settings, get

TOKEN_LIFETIME = 30 * 60  # seconds
TOKEN_LAST_MINUTE = 60
TOKEN_EXTENSION = 5 * 60

NOT_FOUND_MESSAGE = "인증결과가 존재하지 않습니다."
UNAUTHORIZED_MESSAGE = "Unauthorized"
# PortOne's own spelling ("파라메터"); the schema leaves getToken's 400 undocumented.
MISSING_CREDENTIALS_MESSAGE = "imp_key, imp_secret 파라메터가 누락되었습니다."
BAD_CREDENTIALS_MESSAGE = "imp_key, imp_secret 인증에 실패하였습니다."
V2_NOT_FOUND_MESSAGE = "본인인증 건이 존재하지 않습니다."
V2_FAILURE_REASON = "본인인증에 실패하였습니다."

#: V1 ``pg_provider`` values of 본인인증 (``inicis`` is KG이니시스's card 본인인증).
PROVIDERS = ("danal", "inicis_unified", "inicis", "kcp_v2")
#: V1 spells LG U+ ``LGT``; V2 spells it ``LGU``.
CARRIERS = ("SKT", "KT", "LGT", "SKT_MVNO", "KT_MVNO", "LGT_MVNO")
V2_OPERATORS = {"LGT": "LGU", "LGT_MVNO": "LGU_MVNO"}

#: A real DI is the base64 of a DER structure (an HMAC-SHA256 under OID 1.2.840.113549.2.9):
#: 15 bytes of header, 32 of digest, 64 characters always starting "MC0GCCqGSIb3DQIJAyEA".
_DI_HEADER = bytes.fromhex("302d06082a864886f70d0209032100")


class _Default(enum.Enum):
    """What the provider would send when the caller does not say."""

    TOKEN = 0


DEFAULT = _Default.TOKEN

#: :meth:`FakePortOne.inject_response` without ``json``.
_NO_JSON: Any = object()

#: Faults :meth:`FakePortOne.inject` knows.
FAULTS = (
    "http_500",  # 500 with PortOne's JSON envelope
    "http_503",  # 503 from a gateway, HTML
    "html",  # 200 with an HTML page
    "broken_json",  # 200 with a truncated JSON body
    "code_-1",  # 200 with {"code": -1}
    "unauthorized",  # 401 as if the token were bad
    "timeout",  # no answer in time
    "reset",  # the connection is reset
    "refused",  # nobody listens
)


# --- storage: in memory for tests, a Django cache for the sandbox (several workers) ---


class MemoryStore:
    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._lock = threading.RLock()

    def get(self, key: str) -> Any:
        with self._lock:
            return self._data.get(key)

    def set(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value

    def incr(self, key: str) -> int:
        with self._lock:
            self._data[key] = self._data.get(key, 0) + 1
            return int(self._data[key])

    def lock(self) -> Any:
        return self._lock


class CacheStore:
    """State in a Django cache, so every worker of a sandbox site sees it.

    Use a cache the workers share (Redis, the database); local memory is per process.
    """

    def __init__(self, alias: str = "default", prefix: str = "portone_cert:sandbox") -> None:
        self.alias = alias
        self.prefix = prefix
        self._lock = threading.RLock()

    @property
    def cache(self) -> Any:
        return caches[self.alias]

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key: str) -> Any:
        return self.cache.get(self._key(key))

    def set(self, key: str, value: Any) -> None:
        self.cache.set(self._key(key), value, timeout=None)

    def incr(self, key: str) -> int:
        full = self._key(key)
        self.cache.add(full, 0, timeout=None)
        return int(self.cache.incr(full))

    def lock(self) -> Any:
        # Token issue is idempotent per PortOne's rules, so a process lock suffices.
        return self._lock


# --- people ---


#: Every name, phone, CI and DI a FakePortOne handed out in this process, so a test
#: suite can check that none of them reached a log line or an exception text.
ISSUED_PERSONAL_DATA: set[str] = set()


@dataclass(frozen=True)
class FakePerson:
    """Someone who can verify.

    CI and DI derive from the person alone (name, birth date and ``seed``, which
    tells apart two people sharing both): never from gender, phone or carrier,
    which a provider may not know or may take from the user's typing.
    """

    name: str = "홍길동"
    birth_date: date = date(1990, 5, 17)
    gender: str | None = "male"
    phone: str = "01012345678"
    carrier: str = "SKT"
    foreigner: bool = False
    seed: str = ""

    def _key(self) -> str:
        return f"{self.name}|{self.birth_date.isoformat()}|{self.seed}"

    @property
    def ci(self) -> str:
        """88 base64 characters, the same at every site and provider (like a real CI)."""
        return base64.b64encode(hashlib.sha512(f"ci|{self._key()}".encode()).digest()).decode()

    def di(self, site: str, provider: str) -> str:
        """64 base64 characters in a real DI's shape, per site and provider."""
        digest = hashlib.sha256(f"di|{site}|{provider}|{self._key()}".encode()).digest()
        return base64.b64encode(_DI_HEADER + digest).decode()


@dataclass
class FakeResponse:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    #: Set when the transport must not answer normally: "timeout", "reset", "refused".
    fault: str | None = None
    #: Seconds to wait before answering.
    delay: float = 0.0

    def json(self) -> Any:
        return json.loads(self.body)


def _envelope(response: Any, code: int = 0, message: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "response": response}


class FakePortOne:
    """PortOne V1 for 본인인증, in memory.

    >>> fake = FakePortOne()
    >>> imp_uid = fake.add_certification(name="홍길동", birth_date=date(2000, 1, 1),
    ...                                  merchant_uid="cert123")
    >>> with fake.activate():       # answers requests' calls through ``responses``
    ...     ...
    """

    def __init__(
        self,
        *,
        imp_key: str | None = None,
        imp_secret: str | None = None,
        base_url: str | None = None,
        store: MemoryStore | CacheStore | None = None,
        clock: Callable[[], float] | None = None,
        site: str = "fake-site",
        api_version: str | None = None,
        api_secret: str | None = None,
        store_id: str | None = None,
        phone_approved: bool = True,
    ) -> None:
        # Settings are read when first needed, so a fake can exist before they are configured.
        self._api_version = api_version
        self._api_secret = api_secret
        #: V2: when set, a ``storeId`` query naming another store is refused (403).
        self.store_id = store_id
        #: Whether the merchant has Danal's approval for phone and carrier; without it
        #: PortOne leaves both out of Danal results (absent, not null).
        self.phone_approved = phone_approved
        self.imp_key = imp_key or get("IMP_KEY") or "fake_imp_key"
        self.imp_secret = imp_secret or get("IMP_SECRET") or "fake_imp_secret"
        self._base_url = base_url
        self.store = store or MemoryStore()
        self._clock = clock or time.time
        self._offset = 0.0
        self.site = site
        self.latency = 0.0
        self._faults: list[tuple[str | FakeResponse, str | None]] = []
        self._fault_rates: dict[str, float] = {}
        self._random = random.Random()  # noqa: S311 (fault injection, not security)
        self._fault_lock = threading.Lock()
        self.log: list[tuple[str, str, int]] = []

    @property
    def api_version(self) -> str:
        """ "v1" or "v2": which API this fake speaks (default: the ``API_VERSION`` setting)."""
        return self._api_version or app_settings.API_VERSION

    @property
    def api_secret(self) -> str:
        return self._api_secret or get("API_SECRET") or "fake_api_secret"

    @property
    def base_url(self) -> str:
        """Where the ``responses`` adapter answers; default: the ``API_BASE_URL`` setting."""
        return (self._base_url or app_settings.API_BASE_URL).rstrip("/")

    # --- time ---

    def now(self) -> float:
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (tokens expire, results grow old)."""
        self._offset += seconds

    # --- records ---

    def add_certification(
        self,
        *,
        name: str = "홍길동",
        birth_date: date | str = date(1990, 5, 17),
        merchant_uid: str | None = None,
        provider: str = "danal",
        certified: bool = True,
        gender: str | _Default | None = DEFAULT,
        phone: str = "01012345678",
        carrier: str = "SKT",
        foreigner: bool | _Default | None = DEFAULT,
        certified_at: datetime | float | None = None,
        ci: str | bool | None = True,
        imp_uid: str | None = None,
        origin: str = "http://127.0.0.1:8000/portone-cert/verify/",
        channel_type: str | None = "LIVE",
        v2_status: str | None = None,
        seed: str = "",
        failure: str | dict[str, str] | None = None,
        requested_customer: dict[str, str] | None = None,
        channel_key: str | None = None,
    ) -> str:
        """Store a result as PortOne would; return its id (``imp_uid`` on V1).

        ``ci=True`` derives the CI from the person (name, birth date, ``seed``: the
        same person gets the same CI through every provider); a string sets it;
        ``None`` leaves it out (Kakao via Inicis). What the provider does not know
        is left as PortOne leaves it: KG이니시스 통합인증 gives no DI, no carrier
        and, unless ``gender``/``foreigner`` are given, ``gender`` and
        ``foreigner_v2`` null; Danal's ``foreigner`` is false and ``foreigner_v2``
        null (no foreigner contract). V1 requires a ``merchant_uid``
        (``IMP.certification`` does): one is minted when none is given.

        On V2 the id is the ``identityVerificationId``: the ``merchant_uid`` given
        (the server mints it). A result not certified is ``READY`` (the person gave
        up) unless ``failure`` (a reason, or ``{"reason", "pgCode", "pgMessage"}``)
        makes it ``FAILED``; ``v2_status`` forces a status; ``channel_type="TEST"``
        marks a test channel, ``None`` leaves the channel out; ``channel_key`` defaults to
        the ``CHANNEL_KEY`` setting; ``requested_customer`` is what the caller typed.
        """
        if provider not in PROVIDERS:
            raise ValueError(f"unknown provider {provider!r}; known: {', '.join(PROVIDERS)}")
        if self.api_version == "v2":
            imp_uid = imp_uid or merchant_uid or secrets.token_hex(16)
        elif merchant_uid is None:
            merchant_uid = f"mid_{int(self.now() * 1000)}{secrets.randbelow(1000):03d}"
        elif not merchant_uid:
            raise ValueError("merchant_uid is required on V1 (IMP.certification requires it)")
        if isinstance(birth_date, str):
            birth_date = date.fromisoformat(birth_date)
        unified = provider == "inicis_unified"
        if isinstance(gender, _Default):
            gender = None if unified else "male"
        if isinstance(foreigner, _Default):
            foreigner = None if provider in ("inicis_unified", "inicis") else False
        person = FakePerson(name, birth_date, gender, phone, carrier, bool(foreigner), seed)
        imp_uid = imp_uid or f"imp_{secrets.randbelow(10**12):012d}"
        if isinstance(certified_at, datetime):
            certified_ts = int(certified_at.timestamp())
        elif certified_at is not None:
            certified_ts = int(certified_at)
        else:
            certified_ts = int(self.now())
        midnight_kst = datetime(birth_date.year, birth_date.month, birth_date.day, tzinfo=KST)
        record: dict[str, Any] = {
            "imp_uid": imp_uid,
            "merchant_uid": merchant_uid,
            "pg_tid": f"{provider}-{secrets.token_hex(8)}",
            "pg_provider": provider,
            "name": name,
            "gender": gender,
            "birthday": birth_date.isoformat(),
            # Deprecated but still sent: 00:00 KST of the birth date, in Unix seconds.
            "birth": int(midnight_kst.timestamp()),
            # Danal: false unless the foreigner option is contracted, and foreigner_v2 null.
            "foreigner": bool(foreigner) if provider != "danal" else False,
            "foreigner_v2": foreigner if provider != "danal" else None,
        }
        # Present only where the provider gives them: Danal with approval, KCP always,
        # Inicis 통합인증 the phone only, card 본인인증 neither.
        if provider == "kcp_v2" or (provider == "danal" and self.phone_approved) or unified:
            record["phone"] = phone
        if provider == "kcp_v2" or (provider == "danal" and self.phone_approved):
            record["carrier"] = carrier
        record.update(
            {
                "certified": certified,
                "certified_at": certified_ts if certified else 0,
                "unique_key": person.ci if ci is True else (ci or None),
                # KG이니시스 통합인증 never sends a DI.
                "unique_in_site": None if unified else person.di(self.site, provider),
                "origin": origin,
                # Not sent on V1 (keys starting with "_" are the fake's own).
                "_channel_type": channel_type,
                "_channel_key": channel_key or get("CHANNEL_KEY") or "channel-key-fake",
                "_status": v2_status or ("VERIFIED" if certified else None),
                "_failure": _failure(failure) if failure is not None else None,
                "_requested_customer": dict(requested_customer or {}),
            }
        )
        self.store.set(f"cert:{imp_uid}", record)
        for key in ("name", "phone", "unique_key", "unique_in_site"):
            if record.get(key):
                ISSUED_PERSONAL_DATA.add(str(record[key]))
        return imp_uid

    def update_certification(self, imp_uid: str, **fields: Any) -> None:
        """Change fields of a stored result as PortOne would send them (None sends null)."""
        record = self.get_record(imp_uid)
        if record is None:
            raise KeyError(imp_uid)
        record.update(fields)
        self.store.set(f"cert:{imp_uid}", record)

    def get_record(self, imp_uid: str) -> dict[str, Any] | None:
        """The stored result in V1's shape (whatever version the fake speaks)."""
        record = self.store.get(f"cert:{imp_uid}")
        return dict(record) if record else None

    def person_ci(
        self, name: str, birth_date: date, gender: str | None = None, *, seed: str = ""
    ) -> str:
        """The CI this fake gives the person (``gender`` plays no part; kept for old callers)."""
        return FakePerson(name, birth_date, seed=seed).ci

    # --- faults ---

    def inject(self, fault: str, *, times: int = 1, endpoint: str | None = None) -> None:
        """Make the next ``times`` requests (to ``endpoint``: "token" or
        "certification", or any) fail with ``fault`` (one of :data:`FAULTS`)."""
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        with self._fault_lock:
            self._faults.extend([(fault, endpoint)] * times)

    def inject_response(
        self,
        status: int,
        body: bytes | str | None = None,
        *,
        json: Any = _NO_JSON,
        content_type: str | None = None,
        times: int = 1,
        endpoint: str | None = None,
    ) -> None:
        """Make the next ``times`` requests (to ``endpoint``, or any) answer ``status`` with
        ``body`` as it is, or with ``json`` encoded (``Content-Type`` JSON unless given).

        For answers PortOne's contract does not describe and :data:`FAULTS` do not
        name: a proxy's or gateway's page (a 502, a 404 in HTML), an envelope whose
        ``response`` is not an object, a record missing fields. It is not PortOne
        speaking: what PortOne answers, the fake models already; prefer that.
        Queued with :meth:`inject`'s faults, in order; every transport sends it as given.
        """
        if not 100 <= status <= 599:
            raise ValueError(f"not an HTTP status: {status!r}")
        if (body is None) == (json is _NO_JSON):
            raise ValueError("give either body or json")
        if json is not _NO_JSON:
            answer = _json(status, json)
            if content_type:
                answer.headers["Content-Type"] = content_type
        else:
            raw = body.encode() if isinstance(body, str) else (body or b"")
            answer = FakeResponse(status, raw, {"Content-Type": content_type or "text/html"})
        with self._fault_lock:
            self._faults.extend([(answer, endpoint)] * times)

    def set_fault_rates(self, rates: dict[str, float], *, seed: int | None = None) -> None:
        """Fail each request at random, e.g. ``{"http_500": 0.1, "timeout": 0.05}``."""
        for fault in rates:
            if fault not in FAULTS:
                raise ValueError(f"unknown fault {fault!r}")
        self._fault_rates = dict(rates)
        if seed is not None:
            self._random.seed(seed)

    def expire_tokens(self) -> None:
        """End the life of the current token now (the next call with it gets 401)."""
        with self.store.lock():
            token = self.store.get("token")
            if token:
                token["expired_at"] = int(self.now()) - 1
                self.store.set("token", token)

    def _take_fault(self, endpoint: str) -> str | FakeResponse | None:
        with self._fault_lock:
            for index, (fault, where) in enumerate(self._faults):
                if where is None or where == endpoint:
                    del self._faults[index]
                    return fault
            roll = self._random.random()
            for fault, rate in self._fault_rates.items():
                if roll < rate:
                    return fault
                roll -= rate
        return None

    # --- counters ---

    def count(self, endpoint: str | None = None) -> int:
        """Requests received, all or per endpoint ("token", "certification")."""
        return int(self.store.get(f"count:{endpoint or 'all'}") or 0)

    @property
    def token_requests(self) -> int:
        return self.count("token")

    @property
    def certification_requests(self) -> int:
        return self.count("certification")

    def reset_counters(self) -> None:
        for endpoint in ("all", "token", "certification", "other"):
            self.store.set(f"count:{endpoint}", 0)

    # --- the API ---

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes | str | None
    ) -> FakeResponse:
        """Answer one HTTP request (``path`` relative to the API root, with its query)."""
        path, _, query = path.partition("?")
        endpoint = _endpoint(path)
        self.store.incr("count:all")
        self.store.incr(f"count:{endpoint}")
        response = self._answer(method.upper(), path, query, endpoint, headers, body)
        response.delay += self.latency
        self.log.append((method.upper(), endpoint, response.status))
        return response

    def _answer(
        self,
        method: str,
        path: str,
        query: str,
        endpoint: str,
        headers: dict[str, str],
        body: bytes | str | None,
    ) -> FakeResponse:
        fault = self._take_fault(endpoint)
        if isinstance(fault, FakeResponse):
            return replace(fault, headers=dict(fault.headers))  # handle() adds the latency
        if fault is not None:
            return _fault_response(fault)
        if endpoint == "token":
            if method != "POST":
                return _json(405, _envelope(None, -1, "Method Not Allowed"))
            return self._get_token(headers, body)
        if endpoint == "certification" and path.startswith("/identity-verifications/"):
            return self._identity_verification(method, path, query, headers)
        if endpoint == "certification":
            return self._certification(method, path, headers)
        return _json(404, _envelope(None, -1, "Not Found"))

    def _get_token(self, headers: dict[str, str], body: bytes | str | None) -> FakeResponse:
        params = _parse_body(headers, body)
        key, secret = params.get("imp_key"), params.get("imp_secret")
        if not key or not secret:
            return _json(400, _envelope(None, -1, MISSING_CREDENTIALS_MESSAGE))
        if key != self.imp_key or secret != self.imp_secret:
            return _json(401, _envelope(None, -1, BAD_CREDENTIALS_MESSAGE))
        now = int(self.now())
        with self.store.lock():
            token = self.store.get("token")
            if not token or now >= token["expired_at"]:
                token = {"access_token": secrets.token_hex(20), "expired_at": now + TOKEN_LIFETIME}
            elif token["expired_at"] - now <= TOKEN_LAST_MINUTE:
                # Asked in its last minute: the same token, five more minutes.
                token = {**token, "expired_at": token["expired_at"] + TOKEN_EXTENSION}
            self.store.set("token", token)
        return _json(200, _envelope({**token, "now": now}))

    def _authorised(self, headers: dict[str, str]) -> bool:
        value = _header(headers, "Authorization") or ""
        presented = value[7:] if value.lower().startswith("bearer ") else value
        token = self.store.get("token")
        return bool(
            presented
            and token
            and secrets.compare_digest(presented, token["access_token"])
            and self.now() < token["expired_at"]
        )

    def _certification(self, method: str, path: str, headers: dict[str, str]) -> FakeResponse:
        if not self._authorised(headers):
            return _json(401, _envelope(None, -1, UNAUTHORIZED_MESSAGE))
        imp_uid = unquote(path[len("/certifications/") :])
        record = self.get_record(imp_uid)
        if record is None:
            return _json(404, _envelope(None, -1, NOT_FOUND_MESSAGE))
        record = _v1_record(record)
        if method == "GET":
            return _json(200, _envelope(record))
        if method == "DELETE":
            self.store.set(f"cert:{imp_uid}", None)
            return _json(200, _envelope(record))
        return _json(405, _envelope(None, -1, "Method Not Allowed"))

    def _identity_verification(
        self, method: str, path: str, query: str, headers: dict[str, str]
    ) -> FakeResponse:
        """V2: ``GET /identity-verifications/{identityVerificationId}[?storeId=…]``."""
        value = _header(headers, "Authorization") or ""
        if not value.startswith("PortOne ") or not secrets.compare_digest(
            value[len("PortOne ") :], self.api_secret
        ):
            return _json(401, {"type": "UNAUTHORIZED", "message": UNAUTHORIZED_MESSAGE})
        if method != "GET":
            return _json(405, {"type": "INVALID_REQUEST", "message": "Method Not Allowed"})
        store_ids = parse_qs(query, keep_blank_values=True).get("storeId")
        if store_ids is not None and self.store_id is not None:
            # Only a store the secret may access; none given means the verification's own store.
            if len(store_ids) != 1 or not store_ids[0]:
                return _json(
                    400, {"type": "INVALID_REQUEST", "message": "storeId가 올바르지 않습니다."}
                )
            if store_ids[0] != self.store_id:
                return _json(
                    403, {"type": "FORBIDDEN", "message": "해당 상점에 접근할 권한이 없습니다."}
                )
        record = self.get_record(unquote(path[len("/identity-verifications/") :]))
        if record is None:
            return _json(
                404, {"type": "IDENTITY_VERIFICATION_NOT_FOUND", "message": V2_NOT_FOUND_MESSAGE}
            )
        return _json(200, _v2_record(record))


def _endpoint(path: str) -> str:
    if path.rstrip("/") == "/users/getToken":
        return "token"
    for prefix in ("/certifications/", "/identity-verifications/"):
        if path.startswith(prefix) and len(path) > len(prefix):
            return "certification"
    return "other"


def _v1_record(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if not key.startswith("_")}


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def _failure(failure: str | dict[str, str]) -> dict[str, str]:
    if isinstance(failure, str):
        return {"reason": failure}
    return {k: v for k, v in failure.items() if k in ("reason", "pgCode", "pgMessage") and v}


def _v2_status(record: dict[str, Any]) -> str:
    status = record.get("_status")
    if status == "VERIFIED" and not record["certified"]:
        status = None  # update_certification(certified=False) wins
    if status in ("READY", "VERIFIED", "FAILED"):
        return str(status)
    return "FAILED" if record.get("_failure") else "READY"


def _v2_record(record: dict[str, Any]) -> dict[str, Any]:
    """The same result as PortOne V2 describes an identity verification.

    Fields a status requires are always there (``requestedCustomer`` on READY and
    FAILED, ``failure`` on FAILED; ``verifiedCustomer``, ``verifiedAt``, ``pgTxId``
    and ``pgRawResponse`` on VERIFIED); optional ones are left out, never null.
    """
    status = _v2_status(record)
    at = record["certified_at"] or int(time.time())
    provider = str(record["pg_provider"]).upper()
    answer: dict[str, Any] = {
        "status": status,
        "id": record["imp_uid"],
        "channel": {
            "type": record.get("_channel_type", "LIVE"),
            "id": "channel-id-fake",
            "key": record.get("_channel_key", "channel-key-fake"),
            "name": "fake",
            "pgProvider": provider,
            "pgMerchantId": "fake-merchant",
        },
        "requestedAt": _iso(at - 30),
        "updatedAt": _iso(at),
        "statusChangedAt": _iso(at),
        "version": "V2",
    }
    if record.get("_channel_type") is None:
        del answer["channel"]  # optional in PortOne's schema
    if status != "READY":
        answer["pgTxId"] = record["pg_tid"]
    if status != "VERIFIED":
        answer["requestedCustomer"] = dict(record.get("_requested_customer") or {})
    if status == "FAILED":
        answer["failure"] = record.get("_failure") or {"reason": V2_FAILURE_REASON}
        return answer
    if status == "READY":
        return answer
    gender = record.get("gender")
    carrier = record.get("carrier")
    customer = {
        "name": record["name"],
        "birthDate": record.get("birthday"),
        "gender": gender.upper() if isinstance(gender, str) else None,
        "isForeigner": record.get("foreigner_v2"),
        "ci": record.get("unique_key"),
        "di": record.get("unique_in_site"),
        "phoneNumber": record.get("phone"),
        "operator": V2_OPERATORS.get(carrier, carrier) if isinstance(carrier, str) else None,
    }
    answer["verifiedCustomer"] = {k: v for k, v in customer.items() if v is not None}
    answer["verifiedAt"] = _iso(at)
    # The provider's own answer, as text; PortOne passes it on unparsed.
    answer["pgRawResponse"] = json.dumps(
        {"provider": provider, "tid": record["pg_tid"], "result": "0000"}, separators=(",", ":")
    )
    return answer


def _json(status: int, payload: Any) -> FakeResponse:
    return FakeResponse(
        status,
        json.dumps(payload, ensure_ascii=False).encode(),
        {"Content-Type": "application/json; charset=utf-8"},
    )


def _fault_response(fault: str) -> FakeResponse:
    if fault == "http_500":
        return _json(500, _envelope(None, -1, "Internal Server Error"))
    if fault == "http_503":
        page = b"<html><head><title>503 Service Temporarily Unavailable</title></head></html>"
        return FakeResponse(503, page, {"Content-Type": "text/html"})
    if fault == "html":
        return FakeResponse(
            200, b"<html><body>maintenance</body></html>", {"Content-Type": "text/html"}
        )
    if fault == "broken_json":
        return FakeResponse(200, b'{"code": 0, "response": {', {"Content-Type": "application/json"})
    if fault == "code_-1":
        return _json(200, _envelope(None, -1, "요청을 처리하지 못했습니다."))
    if fault == "unauthorized":
        return _json(401, _envelope(None, -1, UNAUTHORIZED_MESSAGE))
    return FakeResponse(0, b"", fault=fault)


def _header(headers: dict[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _parse_body(headers: dict[str, str], body: bytes | str | None) -> dict[str, str]:
    if not body:
        return {}
    text = body.decode() if isinstance(body, bytes) else body
    content_type = (_header(headers, "Content-Type") or "").lower()
    if "json" in content_type or text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            return {}
        return (
            {k: v for k, v in data.items() if isinstance(v, str)} if isinstance(data, dict) else {}
        )
    return {k: v[0] for k, v in parse_qs(text).items()}
