"""The doctor: proves the settings against PortOne without spending anything.

V1 asks for a token (``POST /users/getToken``) and looks up a made-up ``imp_uid``, which
must answer 404; V2 looks up a made-up identity verification in ``STORE_ID``, which must
answer 404. Neither sends a code or starts a verification, so neither costs money. Each
failure is said in plain words naming the setting to fix; what only the deployment shows (a
cache the workers do not share, keys that cannot read the stored rows, the sandbox) comes as
warnings. No finding ever holds a secret: only setting names, statuses and PortOne's host.

``manage.py portone_cert_doctor`` prints :func:`diagnose`'s report;
:mod:`.contrib.health_check` asks :func:`portone_problem`.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Literal
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.checks import CheckMessage
from django.core.checks import Error as CheckError
from django.db import connections

from .checks.keys import check_stored_hash_keys, check_stored_keys
from .checks.operations import check_operations
from .checks.settings import check_settings
from .conf import SETTING_NAME, app_settings
from .core.rules import CLOCK_SKEW
from .exceptions import ConfigurationError, PortOneCertError, PortOneTimeout
from .portone import PortOneClient, PortOneV2Client, api_version, get_client

Level = Literal["ok", "warning", "error"]

#: Ids no verification ever has: looking them up proves the keys and costs nothing.
MADE_UP_IMP_UID = "imp_000000000000"
MADE_UP_VERIFICATION_ID = "portonecertdoctor00000000000000000000"
#: Clocks further apart than this are worth a warning (CLOCK_SKEW refuses results).
SKEW_WARNING = 30.0
#: What a V2 refusal means, by status.
V2_REFUSALS = {
    401: "PortOne refused {secret} ({status}): copy the V2 API secret again from the PortOne "
    "console (결제 연동 > 식별코드・API Keys > V2 API).",
    403: "PortOne accepted {secret} but refused {store} ({status}): the secret belongs to "
    "another store; copy the 상점 아이디 shown beside it.",
    400: 'PortOne refused the lookup ({status}): check the form of {store} ("store-" and a UUID).',
}
#: Cache backends each process keeps to itself.
UNSHARED_CACHES = ("LocMemCache", "DummyCache")


@dataclass(frozen=True)
class Finding:
    level: Level
    #: What was looked at: "settings", "portone", "clock", "cache", "keys", "sandbox".
    topic: str
    message: str


@dataclass
class Report:
    api_version: str
    host: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(finding.level == "error" for finding in self.findings)

    def add(self, level: Level, topic: str, message: str) -> None:
        self.findings.append(Finding(level, topic, message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "api_version": self.api_version,
            "host": self.host,
            "findings": [asdict(finding) for finding in self.findings],
        }


def named(key: str) -> str:
    return f'{SETTING_NAME}["{key}"]'


def host_of(base_url: str) -> str:
    """Scheme and host only: never a path or user info that could hold a secret."""
    parts = urlsplit(base_url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}"


def diagnose(*, deployment: bool = True) -> Report:
    """The settings as the system checks judge them, PortOne's answers to them, and (when
    ``deployment``) what the deployment shows."""
    try:
        version = api_version()
        host = host_of(app_settings.API_BASE_URL)
    except ConfigurationError as error:
        report = Report(api_version=str(app_settings.API_VERSION)[:10], host="")
        report.add("error", "settings", str(error))
        return report
    report = Report(api_version=version, host=host)
    _settings_findings(report, [*check_settings(), *check_operations()])
    if report.ok:
        try:
            findings = probe_v2() if version == "v2" else probe_v1()
        except ConfigurationError as error:
            findings = [Finding("error", "settings", str(error))]
        report.findings.extend(findings)
    if deployment:
        report.findings.extend(deployment_findings())
    return report


def _settings_findings(report: Report, messages: list[CheckMessage]) -> None:
    for message in messages:
        level: Level = "error" if message.is_serious() else "warning"
        report.add(level, "settings", f"{message.id}: {message.msg}")


def probe_v1() -> list[Finding]:
    """getToken with ``IMP_KEY``/``IMP_SECRET``, then a lookup that must answer 404.

    A client of its own, so the token comes from PortOne, not from the cache."""
    client = PortOneClient()
    try:
        return _probe_v1(client)
    finally:
        client.close()


def _probe_v1(client: PortOneClient) -> list[Finding]:
    deadline = time.monotonic() + app_settings.DEADLINE
    credentials = {"imp_key": client.imp_key, "imp_secret": client.imp_secret}
    answer = _ask(client, "POST", "/users/getToken", deadline, json=credentials)
    if isinstance(answer, Finding):
        return [answer]
    if answer.status_code == 401:
        return [
            Finding(
                "error",
                "portone",
                f"PortOne refused {named('IMP_KEY')} and {named('IMP_SECRET')} (401): copy the "
                "REST API key and secret again from the PortOne console (결제 연동 > "
                "식별코드・API Keys > V1 API).",
            )
        ]
    body = _json(answer)
    data = body.get("response") if isinstance(body.get("response"), dict) else {}
    token = data.get("access_token") if isinstance(data, dict) else None
    if answer.status_code != 200 or body.get("code") != 0 or not isinstance(token, str):
        return [unexpected(answer, "getToken")]
    findings = [
        Finding("ok", "portone", f"getToken accepted {named('IMP_KEY')} and {named('IMP_SECRET')}.")
    ]
    findings.extend(clock(data.get("now") if isinstance(data, dict) else None, answer))
    bearer = {"Authorization": f"Bearer {token}"}
    lookup = _ask(client, "GET", f"/certifications/{MADE_UP_IMP_UID}", deadline, headers=bearer)
    if isinstance(lookup, Finding):
        findings.append(lookup)
    elif lookup.status_code == 404:
        findings.append(
            Finding("ok", "portone", "A lookup of a made-up imp_uid answered 404, as it should.")
        )
    else:
        findings.append(unexpected(lookup, "GET /certifications/{imp_uid}"))
    return findings


def probe_v2(client: PortOneV2Client | None = None, seconds: float | None = None) -> list[Finding]:
    """A lookup of a made-up identity verification in ``STORE_ID``: it must answer 404
    (within ``seconds``, by default ``DEADLINE``)."""
    if client is None:
        client = PortOneV2Client()
        try:
            return probe_v2(client, seconds)
        finally:
            client.close()
    deadline = time.monotonic() + (seconds or app_settings.DEADLINE)
    answer = _ask(
        client,
        "GET",
        f"/identity-verifications/{MADE_UP_VERIFICATION_ID}",
        deadline,
        headers={"Authorization": f"PortOne {client.api_secret}"},
        params={"storeId": client.store_id},
    )
    if isinstance(answer, Finding):
        return [answer]
    kind = _json(answer).get("type")
    refusal = V2_REFUSALS.get(answer.status_code)
    if refusal is not None:
        said = (
            f"{answer.status_code} {kind if isinstance(kind, str) and kind.isidentifier() else ''}"
        )
        message = refusal.format(
            secret=named("API_SECRET"), store=named("STORE_ID"), status=said.strip()
        )
        return [Finding("error", "portone", message)]
    if answer.status_code != 404 or kind != "IDENTITY_VERIFICATION_NOT_FOUND":
        return [unexpected(answer, "GET /identity-verifications/{id}")]
    found = Finding(
        "ok",
        "portone",
        f"PortOne accepted {named('API_SECRET')} and {named('STORE_ID')}: a made-up "
        "verification answered 404, as it should.",
    )
    return [found, *clock(None, answer)]


def _ask(
    client: PortOneClient | PortOneV2Client, method: str, path: str, deadline: float, **kwargs: Any
) -> requests.Response | Finding:
    """PortOne's answer (one try, no retry), or why none came."""
    try:
        return client._send(method, path, deadline, **kwargs)
    except PortOneCertError as error:
        return unreachable(error, client.base_url)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def unreachable(error: PortOneCertError, base_url: str) -> Finding:
    """Why no answer came, in words."""
    host = host_of(base_url)
    cause = error.__cause__
    if isinstance(cause, requests.exceptions.SSLError):
        message = (
            f"TLS failed with {host}: its certificate could not be verified. A proxy that "
            "intercepts TLS, an outdated CA bundle (REQUESTS_CA_BUNDLE, certifi) or a wrong "
            f"{named('API_BASE_URL')}."
        )
    elif isinstance(error, PortOneTimeout):
        message = (
            f"{host} did not answer within {named('TIMEOUT')} ({app_settings.TIMEOUT[1]:g} s "
            "to read): a firewall dropping the connection, or PortOne is slow right now."
        )
    else:
        message = (
            f"{host} could not be reached ({type(cause).__name__ if cause else 'no answer'}): "
            "DNS, a firewall or a proxy. Firewalled V1 servers may use the static-IP host "
            f"https://static-api.iamport.kr as {named('API_BASE_URL')}."
        )
    return Finding("error", "portone", message)


def unexpected(response: requests.Response, what: str) -> Finding:
    status = response.status_code
    if status >= 500:
        message = f"PortOne answered {status} to {what}: trouble on PortOne's side; try again."
    else:
        message = f"PortOne answered {status} to {what}, which the doctor did not expect."
    return Finding("error", "portone", message)


def clock(portone_now: object, response: requests.Response) -> list[Finding]:
    """PortOne's clock (getToken's ``now``, else the ``Date`` header) against ours."""
    theirs: float | None = None
    if isinstance(portone_now, int) and not isinstance(portone_now, bool):
        theirs = float(portone_now)
    else:
        try:
            theirs = parsedate_to_datetime(response.headers.get("Date", "")).timestamp()
        except (TypeError, ValueError):
            return []
    skew = time.time() - theirs
    if abs(skew) <= SKEW_WARNING:
        return []
    direction = "ahead of" if skew > 0 else "behind"
    level: Level = "error" if abs(skew) > CLOCK_SKEW.total_seconds() else "warning"
    return [
        Finding(
            level,
            "clock",
            f"This server's clock is {abs(skew):.0f} s {direction} PortOne's: results are "
            "judged by it (too old, or completed in the future). Run NTP (chrony, "
            "systemd-timesyncd).",
        )
    ]


def deployment_findings() -> list[Finding]:
    """What only the deployment shows: the cache, the stored rows' keys, the sandbox."""
    findings: list[Finding] = []
    alias = app_settings.CACHE
    backend = str(settings.CACHES.get(alias, {}).get("BACKEND", ""))
    if backend.rsplit(".", 1)[-1] in UNSHARED_CACHES:
        findings.append(
            Finding(
                "warning",
                "cache",
                f'CACHES["{alias}"] ({named("CACHE")}) is {backend.rsplit(".", 1)[-1]}: each '
                "worker process has its own, so V1 tokens are fetched per process and the "
                "visitor limits count per process. Use Redis or Memcached with several workers.",
            )
        )
    databases = list(connections)
    for message in [
        *check_stored_keys(databases=databases),
        *check_stored_hash_keys(databases=databases),
    ]:
        level: Level = "error" if isinstance(message, CheckError) else "warning"
        findings.append(Finding(level, "keys", f"{message.id}: {message.msg}"))
    if app_settings.SANDBOX:
        findings.append(
            Finding(
                "warning",
                "sandbox",
                f"{named('SANDBOX')} is on: anyone can type any identity. Never in production.",
            )
        )
    return findings


def portone_problem(seconds: float) -> str | None:
    """What keeps PortOne from answering with these keys within ``seconds``, or None.

    Cheap and never spends: V1 a token (the cached one while it is valid, else getToken),
    V2 a made-up lookup.
    """
    try:
        client = get_client()
        if isinstance(client, PortOneClient):
            client.get_token(deadline=time.monotonic() + seconds)
            return None
        found = probe_v2(client, seconds)
        errors = [f for f in found if f.level == "error" and f.topic == "portone"]
        return errors[0].message if errors else None
    except ConfigurationError as error:
        return str(error)
    except PortOneCertError as error:
        return problem_of(error)


def problem_of(error: PortOneCertError) -> str:
    if error.code in ("portone_unavailable", "portone_timeout"):
        return unreachable(error, app_settings.API_BASE_URL).message
    status = getattr(error, "status", None)
    if status == 401:
        return f"PortOne refused {named('IMP_KEY')} and {named('IMP_SECRET')} (401)."
    return f"PortOne answered {status or 'unreadably'} to getToken."
