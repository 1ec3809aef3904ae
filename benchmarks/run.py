"""Benchmarks: this app against the naive flow and iamport-rest-client (``make bench``).

Prints a Markdown table and writes ``benchmarks/results/bench.json``. Needs
PostgreSQL and Redis on 127.0.0.1 (like the CI machines); the fake PortOne is
served over loopback HTTP with ``--latency`` seconds added to every answer.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import metrics
from benchmarks.harness import (
    ROOT,
    Gunicorn,
    basic_auth,
    machine,
    make_users,
    percentile,
    setup_django,
)

RESULTS = ROOT / "benchmarks" / "results"
IAMPORT_PYTHON = ROOT / ".venv-iamport" / "bin" / "python"
#: Where the gunicorn workers write their metrics (benchmarks.metrics); set by main().
WORKERS: dict[str, str] = {}


def prepared_jobs(fake: Any, count: int, prefix: str) -> list[tuple[Any, str, str]]:
    """``count`` users, each with an attempt and a completed result at the fake (distinct people)."""
    from django_portone_cert import services

    jobs = []
    for n, user in enumerate(make_users(count, prefix)):
        attempt = services.start_attempt(user=user)
        imp_uid = fake.add_certification(
            name=f"{prefix}-{n}", birth_date=date(1990, 1, 1), merchant_uid=attempt.merchant_uid
        )
        jobs.append((user, attempt.merchant_uid, imp_uid))
    return jobs


def per_verification(fake: Any, server: Any, count: int, tag: str) -> dict[str, Any]:
    """Scenario 1: requests, new connections and latency per POST certifications/."""
    from django.conf import settings
    from django.test import Client

    settings.PORTONE_CERT["API_BASE_URL"] = server.url

    results: dict[str, Any] = {}
    for flavour, url in (
        ("app", "/portone-cert/certifications/"),
        ("naive", "/naive/certifications/"),
    ):
        jobs = prepared_jobs(fake, count, f"s1{tag}{flavour}")
        fake.reset_counters()
        connections_before = server.connections
        client = Client()
        latencies = []
        for user, merchant_uid, imp_uid in jobs:
            started = time.perf_counter()
            response = client.post(
                url,
                {"imp_uid": imp_uid, "merchant_uid": merchant_uid},
                content_type="application/json",
                HTTP_AUTHORIZATION=basic_auth(user),
            )
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 201, response.content
        results[flavour] = {
            "requests_per_verification": fake.count() / count,
            "new_connections_per_verification": (server.connections - connections_before) / count,
            "latency_median_ms": statistics.median(latencies) * 1000,
            "latency_p95_ms": percentile(latencies, 0.95) * 1000,
        }

    if IAMPORT_PYTHON.exists():
        imp_uids = [fake.add_certification(name=f"iamport{n}") for n in range(count)]
        fake.reset_counters()
        connections_before = server.connections
        out = subprocess.run(
            [str(IAMPORT_PYTHON), str(ROOT / "benchmarks" / "iamport_baseline.py")],
            input=json.dumps(
                {
                    "url": server.url,
                    "imp_key": "bench-key",
                    "imp_secret": "bench-secret",
                    "imp_uids": imp_uids,
                }
            ),
            capture_output=True,
            text=True,
            check=True,
        )
        latencies = json.loads(out.stdout)["latencies"]
        results["iamport"] = {
            "requests_per_verification": fake.count() / count,
            "new_connections_per_verification": (server.connections - connections_before) / count,
            "latency_median_ms": statistics.median(latencies) * 1000,
            "latency_p95_ms": percentile(latencies, 0.95) * 1000,
            "note": "PortOne calls only (its own virtualenv, no Django view around them)",
        }
    return results


def many_workers_one_token(fake: Any, server: Any, count: int) -> dict[str, Any]:
    """Scenario 2: 4 gunicorn workers sharing Redis, cold start, `count` concurrent verifications."""
    from django.core.cache import cache

    jobs = [(basic_auth(u), m, i) for u, m, i in prepared_jobs(fake, count, "s2")]
    cache.clear()  # cold: no token anywhere
    gunicorn = Gunicorn(4, {"BENCH_PORTONE_URL": server.url, **WORKERS})
    try:
        fake.reset_counters()
        statuses = _fire(gunicorn.url + "/portone-cert/certifications/", jobs, threads=count)
    finally:
        gunicorn.stop()
    return {
        "get_token_calls": fake.token_requests,
        "verifications": count,
        "succeeded": statuses.count(201),
    }


def _fire(url: str, jobs: list[tuple[str, str, str]], threads: int) -> list[int]:
    import requests

    barrier = threading.Barrier(min(threads, len(jobs)))
    local = threading.local()

    def one(job: tuple[str, str, str]) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            barrier.wait()
        auth, merchant_uid, imp_uid = job
        response = local.session.post(
            url,
            json={"imp_uid": imp_uid, "merchant_uid": merchant_uid},
            headers={"Authorization": auth},
            timeout=60,
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(one, jobs))


def gate_cost(iterations: int) -> dict[str, Any]:
    """Scenario 3: a view behind age_required vs the same view ungated, in process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from django_portone_cert.models import VerifiedIdentity

    (user,) = make_users(1, "s3")
    now = timezone.now()
    VerifiedIdentity.objects.create(
        user=user,
        name="게이트",
        birth_date=date(1990, 1, 1),
        imp_uid="imp_gate",
        certified_at=now,
        verified_at=now,
    )
    client = Client()
    client.force_login(user)
    paths = ("/ungated/", "/gated/", "/ungated-page/", "/gated-page/")
    queries = {}
    for path in paths:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        queries[path] = len(captured)
    timings: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(iterations // 100):
        for path in paths:
            started = time.perf_counter()
            for _ in range(100):
                client.get(path)
            timings[path].append((time.perf_counter() - started) / 100)
    ms = {path: statistics.median(values) * 1000 for path, values in timings.items()}
    return {
        "queries_ungated": queries["/ungated/"],
        "queries_gated": queries["/gated/"],
        "gate_queries": queries["/gated/"] - queries["/ungated/"],
        "ungated_ms": ms["/ungated/"],
        "gated_ms": ms["/gated/"],
        "time_ratio": ms["/gated/"] / ms["/ungated/"],
        "page_ungated_ms": ms["/ungated-page/"],
        "page_gated_ms": ms["/gated-page/"],
        "page_time_ratio": ms["/gated-page/"] / ms["/ungated-page/"],
    }


def throughput(fake: Any, server: Any, count: int) -> dict[str, Any]:
    """Scenario 4: verifications per second, 4 workers on PostgreSQL, no upstream latency."""

    fake.latency = 0.0
    jobs = [(basic_auth(u), m, i) for u, m, i in prepared_jobs(fake, count, "s4")]
    gunicorn = Gunicorn(4, {"BENCH_PORTONE_URL": server.url, **WORKERS})
    try:
        _fire(gunicorn.url + "/bare/", jobs[:8], threads=8)  # warm the workers
        started = time.perf_counter()
        statuses = _fire(gunicorn.url + "/portone-cert/certifications/", jobs, threads=16)
        app_seconds = time.perf_counter() - started
        started = time.perf_counter()
        bare = _fire(gunicorn.url + "/bare/", jobs, threads=16)
        bare_seconds = time.perf_counter() - started
    finally:
        gunicorn.stop()
    assert statuses.count(201) == count and bare.count(201) == count
    app_rate, bare_rate = count / app_seconds, count / bare_seconds
    return {
        "verifications_per_second": app_rate,
        "bare_writes_per_second": bare_rate,
        "ratio": app_rate / bare_rate,
    }


def table(results: dict[str, Any]) -> str:
    s1, s2, s3, s4 = (results[k] for k in ("per_verification", "one_token", "gate", "throughput"))
    app, naive = s1["app"], s1["naive"]
    iam = s1.get("iamport")
    ratio = app["latency_median_ms"] / naive["latency_median_ms"]

    def row(name: str, a: str, n: str, i: str, goal: str, met: bool | None) -> str:
        verdict = "" if met is None else ("yes" if met else "**no**")
        return f"| {name} | {a} | {n} | {i} | {goal} | {verdict} |"

    def iv(key: str, fmt: str) -> str:
        return format(iam[key], fmt) if iam else "n/a"

    hs = results["per_verification_with_handshake"]
    hs_ratio = hs["app"]["latency_median_ms"] / hs["naive"]["latency_median_ms"]
    lines = [
        f"Per verification ({results['count']} verifications, {results['latency_ms']:.0f} ms "
        "per PortOne answer):",
        "",
        "| metric | this app | naive flow | iamport-rest-client | goal | met |",
        "|---|---|---|---|---|---|",
        row(
            "PortOne requests / verification",
            f"{app['requests_per_verification']:.3f}",
            f"{naive['requests_per_verification']:.3f}",
            iv("requests_per_verification", ".3f"),
            "≤ 1.02",
            app["requests_per_verification"] <= 1.02,
        ),
        row(
            "new connections / verification",
            f"{app['new_connections_per_verification']:.3f}",
            f"{naive['new_connections_per_verification']:.3f}",
            iv("new_connections_per_verification", ".3f"),
            "≤ 0.05",
            app["new_connections_per_verification"] <= 0.05,
        ),
        row(
            "latency median (ms)",
            f"{app['latency_median_ms']:.1f}",
            f"{naive['latency_median_ms']:.1f}",
            iv("latency_median_ms", ".1f") + ("¹" if iam else ""),
            f"≤ 0.55 × naive (ratio {ratio:.2f})",
            ratio <= 0.55,
        ),
        row(
            "latency p95 (ms)",
            f"{app['latency_p95_ms']:.1f}",
            f"{naive['latency_p95_ms']:.1f}",
            iv("latency_p95_ms", ".1f") + ("¹" if iam else ""),
            "",
            None,
        ),
        row(
            "latency median (ms), + one round trip per new connection²",
            f"{hs['app']['latency_median_ms']:.1f}",
            f"{hs['naive']['latency_median_ms']:.1f}",
            (f"{hs['iamport']['latency_median_ms']:.1f}¹" if "iamport" in hs else "n/a"),
            f"≤ 0.55 × naive (ratio {hs_ratio:.2f})",
            hs_ratio <= 0.55,
        ),
        "",
        "| scenario | result | goal | met |",
        "|---|---|---|---|",
        f"| 4 gunicorn workers, Redis, cold start, {s2['verifications']} concurrent "
        f"verifications: getToken calls | {s2['get_token_calls']} ({s2['succeeded']} succeeded) "
        f"| exactly 1 | {'yes' if s2['get_token_calls'] == 1 else '**no**'} |",
        f"| gate: queries per request added by `age_required` | {s3['gate_queries']} "
        f"({s3['queries_ungated']} → {s3['queries_gated']}) | ≤ 1 | "
        f"{'yes' if s3['gate_queries'] <= 1 else '**no**'} |",
        f"| gate: time gated / ungated, a view that returns a string | {s3['time_ratio']:.2f} "
        f"({s3['gated_ms']:.2f} ms vs {s3['ungated_ms']:.2f} ms) | ≤ 1.3 | "
        f"{'yes' if s3['time_ratio'] <= 1.3 else '**no**'} |",
        f"| gate: time gated / ungated, a view with one query and a template | "
        f"{s3['page_time_ratio']:.2f} ({s3['page_gated_ms']:.2f} ms vs "
        f"{s3['page_ungated_ms']:.2f} ms) | ≤ 1.3 | "
        f"{'yes' if s3['page_time_ratio'] <= 1.3 else '**no**'} |",
        f"| throughput, 4 workers, PostgreSQL, no upstream latency | "
        f"{s4['verifications_per_second']:.0f} verifications/s vs {s4['bare_writes_per_second']:.0f} "
        f"bare one-row writes/s (ratio {s4['ratio']:.2f}) | reported | |",
    ]
    if iam:
        lines += ["", f"¹ {iam['note']}."]
    lines += [
        "",
        "² The same run with the TCP handshake's round trip charged to each new connection, as "
        "on a real network (HTTPS to PortOne adds one or two more for TLS, not modelled).",
    ]
    lines += ["", f"Machine: {results['machine']}."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.020)
    parser.add_argument("--gate-iterations", type=int, default=2000)
    args = parser.parse_args()

    from django_portone_cert.testing import FakePortOne, FakePortOneServer

    fake = FakePortOne(imp_key="bench-key", imp_secret="bench-secret")
    fake.latency = args.latency
    with (
        FakePortOneServer(fake) as server,
        FakePortOneServer(fake, connect_latency=args.latency) as handshaking,
        metrics.collecting() as recorded,
    ):
        WORKERS.update(recorded)
        setup_django(server.url)
        results: dict[str, Any] = {
            "count": args.count,
            "latency_ms": args.latency * 1000,
            "machine": machine(),
            "per_verification_with_handshake": per_verification(fake, handshaking, args.count, "h"),
            "per_verification": per_verification(fake, server, args.count, "r"),
            "one_token": many_workers_one_token(fake, server, args.count),
            "gate": gate_cost(args.gate_iterations),
            "throughput": throughput(fake, server, args.count * 2),
        }
        recorded_metrics = metrics.table(recorded)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(table(results))
    print(f"\n(JSON: {Path(RESULTS / 'bench.json').relative_to(ROOT)})")
    print("\nWhat the app's metrics recorded (this process and the workers, summed):\n")
    print(recorded_metrics)


if __name__ == "__main__":
    main()
