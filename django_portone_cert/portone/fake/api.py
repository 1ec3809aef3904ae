"""The one fake PortOne: its V1 and V2 halves behind one ``handle()``, results, faults."""

from __future__ import annotations

import enum
from contextlib import AbstractContextManager
from datetime import date, datetime
from email.utils import formatdate
from typing import Any

from .faults import NO_JSON, canned_response
from .otp import OtpDesk
from .otp_wire import v1_otp, v2_otp
from .people import PROVIDERS, FakePerson, remember_issued
from .v1 import V1Half
from .v2 import V2Half, v2_extras
from .wire import (
    UNAUTHORIZED_MESSAGE,
    FakeResponse,
    endpoint_of,
    envelope,
    json_response,
    read_fields,
)


class _Default(enum.Enum):
    """What the provider would send when the caller does not say."""

    TOKEN = 0


DEFAULT = _Default.TOKEN


class FakePortOne(V1Half, V2Half):
    """PortOne's 본인인증 APIs, V1 and V2, in memory; it speaks ``api_version``.

    >>> fake = FakePortOne()
    >>> imp_uid = fake.add_certification(name="홍길동", birth_date=date(2000, 1, 1),
    ...                                  merchant_uid="cert123")
    >>> with fake.activate():       # answers requests' calls through ``responses``
    ...     ...

    Every transport (``activate()``, :class:`~django_portone_cert.testing.FakePortOneServer`,
    the sandbox's views) turns an HTTP request into one :meth:`handle` call, so all of them
    answer exactly alike.
    """

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
            ids: tuple[str, str | None] = (self._v2_id(merchant_uid, imp_uid), merchant_uid)
        else:
            ids = self._v1_ids(merchant_uid, imp_uid)
        if isinstance(birth_date, str):
            birth_date = date.fromisoformat(birth_date)
        gender, foreigner = _provider_defaults(provider, gender, foreigner)
        person = FakePerson(name, birth_date, gender, phone, carrier, bool(foreigner), seed)
        record = self._v1_result(
            person,
            ids=ids,
            provider=provider,
            foreigner=foreigner,
            certified=certified,
            certified_at=self._timestamp(certified_at),
            ci=ci,
            origin=origin,
        )
        record.update(
            v2_extras(
                certified=certified,
                channel_type=channel_type,
                channel_key=channel_key,
                v2_status=v2_status,
                failure=failure,
                requested_customer=requested_customer,
            )
        )
        self.store.set(f"cert:{ids[0]}", record)
        remember_issued(record)
        return ids[0]

    def _timestamp(self, at: datetime | float | None) -> int:
        """Unix seconds of ``at``; none given: now by the fake's clock."""
        if isinstance(at, datetime):
            return int(at.timestamp())
        return int(self.now() if at is None else at)

    def person_ci(
        self, name: str, birth_date: date, gender: str | None = None, *, seed: str = ""
    ) -> str:
        """The CI this fake gives the person (``gender`` plays no part; kept for old callers)."""
        return FakePerson(name, birth_date, seed=seed).ci

    # --- faults ---

    def inject(self, fault: str, *, times: int = 1, endpoint: str | None = None) -> None:
        """Make the next ``times`` requests (to ``endpoint``: "token" or
        "certification", or any) fail with ``fault`` (one of :data:`FAULTS`)."""
        self._faults.add(fault, times=times, endpoint=endpoint)

    def inject_response(
        self,
        status: int,
        body: bytes | str | None = None,
        *,
        json: Any = NO_JSON,
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
        answer = canned_response(status, body, json, content_type)
        self._faults.add(answer, times=times, endpoint=endpoint)

    def set_fault_rates(self, rates: dict[str, float], *, seed: int | None = None) -> None:
        """Fail each request at random, e.g. ``{"http_500": 0.1, "timeout": 0.05}``."""
        self._faults.set_rates(rates, seed=seed)

    # --- the API ---

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes | str | None
    ) -> FakeResponse:
        """Answer one HTTP request (``path`` relative to the API root, with its query)."""
        path, _, query = path.partition("?")
        endpoint = endpoint_of(path)
        self.store.incr("count:all")
        self.store.incr(f"count:{endpoint}")
        response = self._faults.take(endpoint)
        if response is None:
            response = self._answer(method.upper(), path, query, endpoint, headers, body)
            # As every HTTP server does, by the fake's clock (the doctor reads it).
            response.headers.setdefault("Date", formatdate(self.now(), usegmt=True))
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
        if endpoint == "token":
            if method != "POST":
                return json_response(405, envelope(None, -1, "Method Not Allowed"))
            return self._get_token(headers, body)
        if endpoint == "otp":
            return self._otp(method, path, query, headers, body)
        if endpoint == "certification" and path.startswith("/identity-verifications/"):
            return self._identity_verification(method, path, query, headers)
        if endpoint == "certification":
            return self._certification(method, path, headers)
        return json_response(404, envelope(None, -1, "Not Found"))

    # --- API 본인인증 (OTP) ---

    @property
    def otp(self) -> OtpDesk:
        """The OTP side's state: registered people, codes, sends."""
        return OtpDesk(self)

    def last_code(self, phone: str) -> str | None:
        """The latest code texted to ``phone`` (digits), or None."""
        return self.otp.last_code(phone)

    def otp_sends(self, phone: str) -> int:
        """Sends and resends for ``phone`` that reached the fake (well-formed ones)."""
        return self.otp.sends(phone)

    def recent_codes(self) -> list[dict[str, Any]]:
        """The latest codes sent, newest first: ``{"phone", "code", "at"}`` (the sandbox's page)."""
        return self.otp.recent()

    def add_otp_person(
        self,
        *,
        name: str,
        phone: str,
        birth_date: date | str,
        gender_digit: str,
        carrier: str | None = None,
    ) -> None:
        """Register someone who can get a code; from the first one on, a send for anyone
        else, or with data not matching (``carrier`` too, when given), is refused as the
        provider refuses it (V1 500, V2 502 ``PG_PROVIDER``)."""
        if isinstance(birth_date, str):
            birth_date = date.fromisoformat(birth_date)
        self.otp.add_person(
            name=name,
            phone=phone,
            birth_date=birth_date,
            gender_digit=gender_digit,
            carrier=carrier,
        )

    def _otp(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes | str | None
    ) -> FakeResponse:
        if path.startswith("/certifications/"):
            if not self._authorised(headers):
                return json_response(401, envelope(None, -1, UNAUTHORIZED_MESSAGE))
            if method != "POST":
                return json_response(405, envelope(None, -1, "Method Not Allowed"))
            return v1_otp(self.otp, path, read_fields(headers, body))
        unauthorised = self._v2_unauthorised(headers)
        if unauthorised is not None:
            return unauthorised
        if method != "POST":
            return json_response(405, {"type": "INVALID_REQUEST", "message": "Method Not Allowed"})
        fields = read_fields(headers, body)
        return v2_otp(self.otp, path, query, fields, self._store_refusal)

    def activate(self) -> AbstractContextManager[FakePortOne]:
        """Answer ``requests`` calls to ``base_url`` for the duration of a ``with`` block.

        Through ``responses`` (the ``testing`` extra), imported only here: the sandbox,
        which serves this fake from its own views, never loads it.
        """
        from .responses_adapter import activate

        return activate(self)


def _provider_defaults(
    provider: str, gender: str | _Default | None, foreigner: bool | _Default | None
) -> tuple[str | None, bool | None]:
    """Gender and foreigner as the provider reports them when the caller does not say."""
    if isinstance(gender, _Default):
        gender = None if provider == "inicis_unified" else "male"
    if isinstance(foreigner, _Default):
        foreigner = None if provider in ("inicis_unified", "inicis") else False
    return gender, foreigner
