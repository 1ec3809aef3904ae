"""The access log and the person's rights: ``ACCESS_LOG_RETENTION``, ``STEP_UP_MAX_AGE``,
the log's hash chain (E070–E072, W070, W071)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Error, Warning
from django.db import DatabaseError, router, transaction

from ..accesslog import verify_chain
from ..conf import as_timedelta
from ..models import PersonalDataAccess
from .base import configured_values, is_duration, named

#: 개인정보의 안전성 확보조치 기준 §8: at least one year (two from 50,000 people).
LEGAL_MINIMUM = timedelta(days=365)
#: The access log's newest rows the database check walks (a deploy's migrate stays quick).
CHECKED_ROWS = 10_000
#: Beyond this a verification is no proof that the person is at the keyboard now.
FRESH_AT_MOST = timedelta(hours=1)


def check_rights(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """E070, W070: ``ACCESS_LOG_RETENTION``; E071, W071: ``STEP_UP_MAX_AGE``."""
    value = configured_values()
    if value is None:
        return []
    errors: list[CheckMessage] = []
    retention = value("ACCESS_LOG_RETENTION")
    if not is_duration(retention, optional=False):
        errors.append(
            Error(
                f"{named('ACCESS_LOG_RETENTION')} must be a positive duration (a timedelta or "
                "seconds).",
                hint="The default keeps the access log two years, as a site holding 50,000 "
                "people or more must.",
                id="portone_cert.E070",
            )
        )
    elif as_timedelta(retention) < LEGAL_MINIMUM:  # type: ignore[operator]
        errors.append(
            Warning(
                f"{named('ACCESS_LOG_RETENTION')} keeps the access log less than a year, the "
                "least 개인정보의 안전성 확보조치 기준 §8 allows.",
                hint="timedelta(days=730) (the default) for 50,000 people or more, else at "
                "least timedelta(days=365).",
                id="portone_cert.W070",
            )
        )
    step_up = value("STEP_UP_MAX_AGE")
    if not is_duration(step_up, optional=False):
        errors.append(
            Error(
                f"{named('STEP_UP_MAX_AGE')} must be a positive duration (a timedelta or seconds).",
                hint="The default, timedelta(minutes=10), asks for a 본인인증 made just now.",
                id="portone_cert.E071",
            )
        )
    elif as_timedelta(step_up) > FRESH_AT_MOST:  # type: ignore[operator]
        errors.append(
            Warning(
                f"{named('STEP_UP_MAX_AGE')} is longer than an hour: an old verification lets "
                "whoever holds the session export or withdraw the person's data.",
                id="portone_cert.W071",
            )
        )
    return errors


def check_access_log(
    app_configs: Sequence[AppConfig] | None = None,
    databases: Sequence[str] | None = None,
    **kwargs: Any,
) -> list[CheckMessage]:
    """E072: a row of the newest ``CHECKED_ROWS`` of the access log was changed, inserted or
    removed out of its order (``portone_cert_access_report`` checks the whole log).

    Reads the database, so it runs only when asked for databases (``migrate``, ``check
    --database default``); a database that cannot answer yet is left to Django's own checks.
    """
    errors: list[CheckMessage] = []
    for alias in databases or ():
        if not router.allow_migrate_model(alias, PersonalDataAccess):
            continue
        try:
            with transaction.atomic(using=alias):
                state = verify_chain(using=alias, newest=CHECKED_ROWS)
        except DatabaseError:
            continue
        if not state.intact:
            errors.append(
                Error(
                    f"The personal-data access log in database {alias!r} does not hold from "
                    f"row #{state.broken_at}: a row was changed, or removed between others.",
                    hint="Compare with a backup; the rows from that one on cannot be trusted.",
                    id="portone_cert.E072",
                )
            )
    return errors
