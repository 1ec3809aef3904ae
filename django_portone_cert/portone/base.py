"""What both PortOne API versions share: the result type and the HTTP plumbing."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

import requests
from django.views.decorators.debug import sensitive_variables

from .. import __version__
from ..conf import app_settings
from ..exceptions import PortOneAPIError, PortOneCertError, PortOneTimeout, PortOneUnavailable
from ..metrics import portone_request

logger = logging.getLogger("django_portone_cert")

USER_AGENT = f"django-portone-cert/{__version__} python-requests/{requests.__version__}"

#: Retries never wait longer than this between tries.
RETRY_BACKOFF_CAP = 2.0

#: One spelling per carrier whichever API answered: V2's (``LGU``), which names the carrier
#: as it is called today. V1 spells LG U+ ``LGT`` and its browser SDK spells KT ``KTF``.
#: MVNOs stay apart from their host network (a different company, a different contract).
CARRIERS = {
    "SKT": "SKT",
    "KT": "KT",
    "KTF": "KT",
    "LGU": "LGU",
    "LGT": "LGU",
    "SKT_MVNO": "SKT_MVNO",
    "KT_MVNO": "KT_MVNO",
    "LGU_MVNO": "LGU_MVNO",
    "LGT_MVNO": "LGU_MVNO",
}


#: The longest carrier code kept (the stored column's size): a longer unknown one is dropped.
CARRIER_MAX_LENGTH = 16


def normalise_carrier(value: Any) -> str | None:
    """``SKT`` ``KT`` ``LGU`` ``SKT_MVNO`` ``KT_MVNO`` ``LGU_MVNO``; an unknown value as sent
    (None when longer than any carrier code)."""
    text = _str_or_none(value)
    if not text:
        return None
    known = CARRIERS.get(text.upper())
    if known:
        return known
    return text if len(text) <= CARRIER_MAX_LENGTH else None


#: Providers whose gender and foreigner flag may be typed by the person, not verified:
#: KG이니시스 통합인증 through Kakao or Naver (PortOne's results do not say which method).
SELF_DECLARING_PROVIDERS = frozenset({"inicis_unified"})
PROVIDER = "provider"
SELF_DECLARED = "self_declared"


def value_source(value: object, provider: str) -> str:
    """``"provider"`` (verified by it), ``"self_declared"`` (maybe typed by the person), or
    ``""`` (no value)."""
    if value is None:
        return ""
    return SELF_DECLARED if provider in SELF_DECLARING_PROVIDERS else PROVIDER


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
    #: "v1" or "v2": which API produced it.
    api_version: str = "v1"
    #: V2 only: "LIVE" or "TEST" (a test channel's results prove nothing).
    channel_type: str | None = None
    #: V2 only: the key of the channel that verified the person.
    channel_key: str | None = None

    @property
    def gender_source(self) -> str:
        """Who vouches for ``gender``: see :func:`value_source`."""
        return value_source(self.gender, self.provider)

    @property
    def foreigner_source(self) -> str:
        """Who vouches for ``is_foreigner``: see :func:`value_source`."""
        return value_source(self.is_foreigner, self.provider)

    @sensitive_variables()
    def to_json(self) -> str:
        """The whole result as JSON text, for :meth:`from_json` (it holds the CI: encrypt it)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("certified_at", "birth_date"):
            data[name] = data[name].isoformat() if data[name] is not None else None
        return json.dumps(data)

    @classmethod
    @sensitive_variables()
    def from_json(cls, text: str) -> Certification:
        data = json.loads(text)
        data["certified_at"] = _parse_instant(data.get("certified_at"))
        data["birth_date"] = _parse_date(data.get("birth_date"))
        return cls(**{f.name: data[f.name] for f in fields(cls) if f.name in data})

    @classmethod
    def from_v1(cls, data: dict[str, Any]) -> Certification:
        if not isinstance(data.get("imp_uid"), str):
            raise PortOneAPIError()
        certified_at = data.get("certified_at")
        gender = data.get("gender")
        # ``foreigner_v2`` when it is known. Otherwise only a true ``foreigner`` says
        # something: Danal answers false for everyone unless the foreigner option is
        # contracted (then ``foreigner_v2`` is null), so false there means "not asked".
        foreigner = data.get("foreigner_v2")
        if not isinstance(foreigner, bool):
            foreigner = True if data.get("foreigner") is True else None
        return cls(
            imp_uid=data["imp_uid"],
            merchant_uid=_str_or_none(data.get("merchant_uid")),
            provider=_str_or_none(data.get("pg_provider")) or "",
            certified=data.get("certified") is True,
            certified_at=(
                _from_timestamp(certified_at)
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
            carrier=normalise_carrier(data.get("carrier")),
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


def _from_timestamp(value: int) -> datetime:
    """Unix seconds as an aware instant; one no datetime can hold is an unreadable answer."""
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, ValueError, OSError) as err:
        raise PortOneAPIError(status=200) from err


def _parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 instant with its offset ("Z" too), in UTC; None when absent or naive.

    One that cannot be held in UTC (year 9999 with a negative offset) is an
    unreadable answer (``portone_error``), never a database error later.
    """
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as err:
        raise PortOneAPIError(status=200) from err


@dataclass(frozen=True, repr=False)
class OtpRequest:
    """What the person typed, passed to PortOne in the same request and never kept."""

    name: str
    #: Digits only, e.g. "01012345678".
    phone: str
    birth_date: date
    #: "1".."8": the 7th digit of the resident number.
    gender_digit: str
    #: The V2 names: SKT KT LGU SKT_MVNO KT_MVNO LGU_MVNO.
    carrier: str
    #: "SMS" | "APP" (APP = PASS push, KCP only).
    method: str
    #: The client's address as the app sees it (V2 ``customer.ipAddress``).
    ip_address: str
    channel_key: str
    #: V1 ``company`` (the service name in the text); empty = not sent.
    company: str = ""
    #: KCP ``bypass.kcpV2.media_type`` ("MC01"/"MC02"); empty = not sent.
    media_type: str = ""

    def __repr__(self) -> str:
        return "OtpRequest(<redacted>)"

    __str__ = __repr__

    @property
    def identity_number(self) -> str:
        """V2 ``customer.identityNumber``: YYMMDD and the 7th digit."""
        return self.birth_date.strftime("%y%m%d") + self.gender_digit

    def kcp_bypass(self) -> dict[str, Any] | None:
        """KCP's ``bypass`` when a ``media_type`` is set, else None (nothing sent)."""
        return {"kcpV2": {"media_type": self.media_type}} if self.media_type else None


def settled(session: requests.Session, base_url: str) -> requests.Session:
    """``session`` with what the environment says for ``base_url`` read once, now.

    requests reads the environment on every request (the proxy variables and ``NO_PROXY``, a
    CA bundle in ``REQUESTS_CA_BUNDLE`` or ``CURL_CA_BUNDLE``, ``~/.netrc``): about half a
    millisecond per PortOne request here. Every request of a client goes to ``base_url``'s
    host, so the answer does not change between them: it is kept on the session, and the
    session stops reading the environment (``trust_env``). A change to those variables takes
    effect when the client is made again (a new process, or a changed ``PORTONE_CERT``).
    ``~/.netrc`` is not read at all: an entry for PortOne's host would replace the client's
    ``Authorization`` header.
    """
    found = session.merge_environment_settings(base_url, {}, None, None, None)
    session.proxies.update(found["proxies"])
    session.verify = found["verify"]
    session.trust_env = False
    return session


class HTTPClient:
    """One ``requests.Session``, an identifying User-Agent, timeouts, retries, a deadline."""

    #: "v1" or "v2": set by each version's client (a label of its metrics and spans).
    api_version = ""

    def __init__(
        self,
        *,
        base_url: str,
        timeout: tuple[float, float] | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout or app_settings.TIMEOUT
        self.session = session or settled(requests.Session(), self.base_url)
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def close(self) -> None:
        self.session.close()

    def _deadline(self, deadline: float | None) -> float:
        return deadline if deadline is not None else time.monotonic() + app_settings.DEADLINE

    def _path_kind(self, path: str) -> str:
        """The endpoint without the id, for logs."""
        return path

    @sensitive_variables()  # a body may carry an OTP request: no error report shows it
    def _send(
        self,
        method: str,
        path: str,
        deadline: float,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        json: Any = None,
        retry: bool = False,
    ) -> requests.Response:
        """One request, tried again (when ``retry``) after a transport error or a 5xx."""
        tries = 1 + (max(app_settings.RETRIES, 0) if retry else 0)
        connect, read = self.timeout
        error: PortOneCertError | None = None
        for attempt in range(tries):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                with portone_request(self.api_version, method, path) as call:
                    response = self.session.request(
                        method,
                        self.base_url + path,
                        headers=headers,
                        params=params,
                        json=json,
                        timeout=(min(connect, remaining), min(read, remaining)),
                        allow_redirects=False,
                    )
                    call.answered(response.status_code)
            except (requests.Timeout, TimeoutError) as err:
                logger.warning("PortOne timed out on %s %s.", method, self._path_kind(path))
                error = PortOneTimeout()
                error.__cause__ = err
            except (requests.RequestException, OSError) as err:
                logger.warning(
                    "PortOne could not be reached on %s %s (%s).",
                    method,
                    self._path_kind(path),
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
                    self._path_kind(path),
                )
                error = None
            if attempt < tries - 1:
                pause = min(app_settings.RETRY_BACKOFF * 2**attempt, RETRY_BACKOFF_CAP)
                time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        if error is None:
            logger.warning(
                "PortOne took longer than the deadline on %s %s.", method, self._path_kind(path)
            )
            error = PortOneTimeout()
        raise error


def v1_envelope(response: requests.Response, what: str) -> dict[str, Any]:
    """V1's envelope ``{code, message, response}``, or ``portone_error`` (logged, naming
    ``what``: a path's kind or an OTP step, never an id) when the body is not one."""
    try:
        envelope = response.json()
    except ValueError:
        envelope = None
    if not isinstance(envelope, dict) or "code" not in envelope:
        logger.warning(
            "PortOne answered %s with an unreadable body on %s.", response.status_code, what
        )
        raise PortOneAPIError(status=response.status_code)
    return envelope
