"""The admin's statistics page (``admin:portone_cert_statistics``): the last 30 days.

Verifications by day and outcome, failures by code, verified people by provider and API
version, from two aggregate queries; drawn on the server as SVG bars (no script, no CDN).
Only counts: never a person, an account or an id. Staff with the view permission on
attempts and identities may see it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.contrib import admin
from django.contrib.admin import AdminSite
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CertificationAttempt, VerifiedIdentity

DAYS = 30
URL_NAME = "portone_cert_statistics"
#: What the page needs: the view permission on both models it counts.
PERMISSIONS = ("portone_cert.view_certificationattempt", "portone_cert.view_verifiedidentity")
STATUSES = ("verified", "failed", "pending")


@dataclass(frozen=True)
class Bar:
    """One row of a chart: its label, its counts by part, and its drawn segments."""

    label: str
    counts: dict[str, int]
    #: (part, x, width): per cent of the longest row, the SVG's coordinates.
    segments: list[tuple[str, float, float]]


def bars(rows: list[tuple[str, dict[str, int]]], parts: tuple[str, ...]) -> list[Bar]:
    """Stacked bars scaled to the longest row."""
    longest = max((sum(counts.values()) for _, counts in rows), default=0) or 1
    drawn = []
    for label, counts in rows:
        segments, x = [], 0.0
        for part in parts:
            width = round(100.0 * counts.get(part, 0) / longest, 2)
            if width:
                segments.append((part, x, width))
            x += width
        drawn.append(Bar(label, {part: counts.get(part, 0) for part in parts}, segments))
    return drawn


@dataclass(frozen=True)
class Statistics:
    since: date
    days: list[Bar]
    codes: list[Bar]
    providers: list[Bar]
    totals: dict[str, int]

    @property
    def success_rate(self) -> float | None:
        done = self.totals["verified"] + self.totals["failed"]
        return round(100.0 * self.totals["verified"] / done, 1) if done else None


def gather(today: date | None = None) -> Statistics:
    """The last :data:`DAYS` days (today included, in the current time zone): two queries."""
    today = today or timezone.localdate()
    since = today - timedelta(days=DAYS - 1)
    start = timezone.make_aware(datetime.combine(since, time.min))
    attempts = (
        CertificationAttempt.objects.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at"))
        .values_list("day", "status", "failure_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_day: dict[date, Counter[str]] = {since + timedelta(days=n): Counter() for n in range(DAYS)}
    by_code: Counter[str] = Counter()
    for day, status, code, n in attempts:
        if day in by_day:
            by_day[day][status] += n
        if status == "failed":
            by_code[code or "—"] += n
    people = (
        VerifiedIdentity.objects.filter(verified_at__gte=start)
        .values_list("provider", "api_version")
        .annotate(n=Count("pk"))
        .order_by("-n", "provider", "api_version")
    )
    totals = Counter[str]()
    for counts in by_day.values():
        totals.update(counts)
    return Statistics(
        since=since,
        days=bars([(d.isoformat(), dict(c)) for d, c in sorted(by_day.items())], STATUSES),
        codes=bars([(code, {"failed": n}) for code, n in by_code.most_common()], ("failed",)),
        providers=bars(
            [(f"{p or '—'} ({v.upper()})", {"verified": n}) for p, v, n in people], ("verified",)
        ),
        totals={status: totals[status] for status in STATUSES},
    )


def statistics_view(request: HttpRequest, admin_site: AdminSite) -> HttpResponse:
    if not all(request.user.has_perm(permission) for permission in PERMISSIONS):
        raise PermissionDenied
    context = {
        **admin_site.each_context(request),
        "title": _("Identity verification statistics"),
        "opts": CertificationAttempt._meta,
        "app_label": CertificationAttempt._meta.app_label,
        "stats": gather(),
        "days": DAYS,
    }
    return TemplateResponse(request, "admin/portone_cert/statistics.html", context)


class WithStatistics(admin.ModelAdmin):  # type: ignore[type-arg]
    """For the app's attempts admin: the statistics page's URL among its own."""

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(partial(statistics_view, admin_site=self.admin_site))
        return [path("statistics/", view, name=URL_NAME), *super().get_urls()]
