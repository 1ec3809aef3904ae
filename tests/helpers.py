"""What many tests do: configure the app, verify a person through the API, look at the tables."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.apps import apps
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import RequestFactory
from rest_framework.test import APIClient

from django_portone_cert.testing import FakePortOne
from tests.versions import certify_body

PERSON = {"name": "홍길동", "birth_date": date(1990, 5, 17)}


def configure(settings: Any, **extra: Any) -> None:
    """Add or change keys of ``PORTONE_CERT`` for this test."""
    settings.PORTONE_CERT = {**settings.PORTONE_CERT, **extra}


def verify(client: APIClient, portone: FakePortOne, **person: Any) -> Any:
    """prepare/ → a result at the fake PortOne → certifications/, for the active version."""
    attempt = client.post("/portone-cert/prepare/").json()
    imp_uid = portone.add_certification(merchant_uid=attempt["merchant_uid"], **(person or PERSON))
    return client.post(
        "/portone-cert/certifications/",
        certify_body(imp_uid, attempt["merchant_uid"]),
        format="json",
    )


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def raw_dump() -> str:
    """Every cell of the app's tables, as the database holds them."""
    cells: list[str] = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("portone_cert").get_models():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            cells.extend(str(cell) for row in cursor.fetchall() for cell in row)
    return "\n".join(cells)


def request_with_session(session_key: str | None) -> Any:
    """A request carrying the session stored under ``session_key``."""
    request = RequestFactory().get("/")
    request.session = SessionStore(session_key)
    return request


def session_request(client: APIClient) -> Any:
    """A request carrying ``client``'s session."""
    cookie = client.cookies.get("sessionid")
    return request_with_session(cookie.value if cookie else None)
