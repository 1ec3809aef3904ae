"""The wire model: what a V1 certify adds to the limit on a real wire (``make bench``).

PortOne's stand-in (the project's fake) answers over TLS behind a proxy that charges
``--rtt`` per round trip (``benchmarks.wire_model``). *The limit* is the bare necessary
work over that wire: one GET of the certification, with a cached token, on a kept-alive
connection (a plain ``requests.Session``). A *certify* is ``POST portone-cert/certifications/``
through Django in this process (the real view, middleware and DRF; a logged-in session with
its CSRF token, as the verify page posts; PostgreSQL and Redis on 127.0.0.1), its PortOne
client warm (token cached, connection kept alive). Each iteration times one of each, in
alternating order; the figure is certify − limit, paired.

Run alone: ``python -m benchmarks.wire`` (database ``portone_bench_wire``, created and
dropped; Redis from ``BENCH_REDIS_URL``). Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT, machine, make_users, percentile, recreate_database
from benchmarks.wire_count import count_work, profile
from benchmarks.wire_model import IMP_KEY, IMP_SECRET, self_signed, serve

WIRE_DB = "portone_bench_wire"
CERTIFY_URL = "/portone-cert/certifications/"
CSRF_SECRET = "wirebenchcsrfsecret0123456789abc"  # 32 characters: a CSRF cookie's secret
RESULTS = ROOT / "benchmarks" / "results"


class Wire:
    """The stand-in and its proxy in a child process, spoken to over a pipe."""

    def __init__(self, rtt: float, directory: Path) -> None:
        self.cert_path, key_path = self_signed(directory)
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self.process = context.Process(
            target=serve,
            args=(child, rtt, str(self.cert_path), str(key_path)),
            name="portone-wire",
            daemon=True,
        )
        self.process.start()
        if not self._conn.poll(30):
            self.process.kill()
            raise RuntimeError("the PortOne stand-in did not start")
        self.url = f"https://127.0.0.1:{self._conn.recv()}"

    def add(self, records: list[dict[str, Any]]) -> list[str]:
        self._conn.send(("add", records))
        return list(self._conn.recv())

    def stats(self) -> dict[str, int]:
        self._conn.send(("stats", None))
        return dict(self._conn.recv())

    def close(self) -> None:
        self._conn.send(None)
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


def prepared(wire: Wire, count: int, prefix: str) -> list[tuple[Any, str, str]]:
    """``count`` users, each with an attempt and a completed result at the stand-in."""
    from django_portone_cert import services

    users = make_users(count, prefix)
    attempts = [services.start_attempt(user=user) for user in users]
    imp_uids = wire.add(
        [
            {
                "name": f"{prefix}-{n}",
                "birth_date": date(1990, 1, 1),
                "merchant_uid": attempt.merchant_uid,
            }
            for n, attempt in enumerate(attempts)
        ]
    )
    return [(u, a.merchant_uid, i) for u, a, i in zip(users, attempts, imp_uids, strict=True)]


class Certifier:
    """Posts certifies as the verify page does, and times the limit beside them."""

    def __init__(self, wire: Wire) -> None:
        import requests
        from django.test import Client

        self.client = Client(enforce_csrf_checks=True)
        self.client.cookies["csrftoken"] = CSRF_SECRET
        self.base = wire.url
        self.limit = requests.Session()
        self.limit.trust_env = False  # no proxy from the environment: loopback only
        self.limit.verify = str(wire.cert_path)
        #: The last call's CPU time in this process (seconds): what the load of others cannot
        #: stretch, unlike the wall clock.
        self.cpu = 0.0

    def login(self, user: Any) -> None:
        self.client.force_login(user)

    def certify(self, merchant_uid: str, imp_uid: str) -> float:
        cpu = time.process_time()
        started = time.perf_counter()
        response = self.client.post(
            CERTIFY_URL,
            {"imp_uid": imp_uid, "merchant_uid": merchant_uid},
            content_type="application/json",
            HTTP_X_CSRFTOKEN=CSRF_SECRET,
        )
        elapsed = time.perf_counter() - started
        self.cpu = time.process_time() - cpu
        assert response.status_code == 201, response.content
        return elapsed

    def bare_write(self) -> float:
        """For scale: a DRF POST through the same stack that writes one row, no PortOne."""
        started = time.perf_counter()
        response = self.client.post(
            "/bare/", {}, content_type="application/json", HTTP_X_CSRFTOKEN=CSRF_SECRET
        )
        elapsed = time.perf_counter() - started
        assert response.status_code == 201, response.content
        return elapsed

    def take_token(self) -> None:
        """The cached token (the one the app holds: the stand-in keeps one at a time)."""
        answer = self.limit.post(
            f"{self.base}/users/getToken",
            json={"imp_key": IMP_KEY, "imp_secret": IMP_SECRET},
            timeout=10,
        )
        self.limit.headers["Authorization"] = answer.json()["response"]["access_token"]

    def bare_get(self, imp_uid: str) -> float:
        cpu = time.process_time()
        started = time.perf_counter()
        response = self.limit.get(f"{self.base}/certifications/{imp_uid}", timeout=10)
        record = response.json()["response"]
        elapsed = time.perf_counter() - started
        self.cpu = time.process_time() - cpu
        assert response.status_code == 200 and record["imp_uid"] == imp_uid
        return elapsed


def measure(certifier: Certifier, jobs: list[tuple[Any, str, str]]) -> dict[str, list[float]]:
    """One limit and one certify per job, alternating which goes first (wall and CPU times)."""
    times: dict[str, list[float]] = {
        "limit": [],
        "certify": [],
        "limit_cpu": [],
        "certify_cpu": [],
        "bare_write": [],
    }

    def limit(imp_uid: str) -> None:
        times["limit"].append(certifier.bare_get(imp_uid))
        times["limit_cpu"].append(certifier.cpu)

    def certify(merchant_uid: str, imp_uid: str) -> None:
        times["certify"].append(certifier.certify(merchant_uid, imp_uid))
        times["certify_cpu"].append(certifier.cpu)

    for n, (user, merchant_uid, imp_uid) in enumerate(jobs):
        certifier.login(user)
        if n % 2:
            certify(merchant_uid, imp_uid)
            limit(imp_uid)
        else:
            limit(imp_uid)
            certify(merchant_uid, imp_uid)
        times["bare_write"].append(certifier.bare_write())
    return times


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p10_ms": percentile(values, 0.10) * 1000,
        "median_ms": statistics.median(values) * 1000,
        "p90_ms": percentile(values, 0.90) * 1000,
    }


def run(args: argparse.Namespace, directory: Path) -> dict[str, Any]:
    from benchmarks.harness import setup_django

    wire = Wire(args.rtt, directory)
    try:
        # The app's client trusts the stand-in's certificate; nothing goes through a proxy.
        os.environ["REQUESTS_CA_BUNDLE"] = str(wire.cert_path)
        for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
            os.environ.pop(name, None)
        setup_django(wire.url, WIRE_DB)
        certifier = Certifier(wire)
        for user, merchant_uid, imp_uid in prepared(wire, args.warmup, "warm"):
            certifier.login(user)
            certifier.certify(merchant_uid, imp_uid)  # token fetched, connection opened
        certifier.take_token()
        for _, _, imp_uid in prepared(wire, 3, "warmlimit"):
            certifier.bare_get(imp_uid)
        jobs = prepared(wire, args.iterations, "wire")
        load = [os.getloadavg()[0]]
        before = wire.stats()
        timings = measure(certifier, jobs)
        after = wire.stats()
        load.append(os.getloadavg()[0])
        work = count_work(certifier, prepared(wire, args.counted, "count"))
        if args.profile:
            print(profile(certifier, prepared(wire, args.profile, "profile")))
    finally:
        wire.close()
    pairs = [c - g for c, g in zip(timings["certify"], timings["limit"], strict=True)]
    cpu_pairs = [c - g for c, g in zip(timings["certify_cpu"], timings["limit_cpu"], strict=True)]
    # What is left of a certify's cost once the limit and an authenticated DRF POST that writes
    # one row (the same iteration's) are taken away: the app's own share.
    own = [p - b for p, b in zip(pairs, timings["bare_write"], strict=True)]
    n = args.iterations
    return {
        "rtt_ms": args.rtt * 1000,
        "iterations": n,
        "machine": machine(),
        "load": load,
        "limit": summary(timings["limit"]),
        "certify": summary(timings["certify"]),
        "over_limit": summary(pairs),
        "bare_write": summary(timings["bare_write"]),
        "own_share": summary(own),
        "cpu": {
            "limit": summary(timings["limit_cpu"]),
            "certify": summary(timings["certify_cpu"]),
            "over_limit": summary(cpu_pairs),
        },
        "portone_requests_per_certify": (after["requests"] - before["requests"] - n) / n,
        "new_connections_per_certify": (after["connections"] - before["connections"]) / n,
        **work,
    }


def where_time_goes(ms: dict[str, float]) -> str:
    rest = ms["certify"] - ms["portone"] - ms["sql"] - ms["commit"] - ms["redis"]
    return (
        f"Where an instrumented certify's {ms['certify']:.1f} ms go (medians): the PortOne GET "
        f"{ms['portone']:.1f}, SQL statements {ms['sql']:.1f} (psycopg's BEGIN and an autocommit "
        f"statement's own commit included), commits "
        f"{ms['commit']:.1f}, Redis {ms['redis']:.1f}, the rest (Django, DRF, the app's Python) "
        f"{rest:.1f}."
    )


def row(name: str, ms: dict[str, float], goal: str = "", met: str = "") -> str:
    return (
        f"| {name} | {ms['p10_ms']:.1f} | {ms['median_ms']:.1f} | {ms['p90_ms']:.1f} "
        f"| {goal} | {met} |"
    )


def table(results: dict[str, Any]) -> str:
    over, limit, certify = results["over_limit"], results["limit"], results["certify"]
    met = "yes" if over["median_ms"] <= 5 else "**no**"
    sql, cpu = results["sql"], results["cpu"]["over_limit"]
    lines = [
        f"The wire: PortOne's stand-in over TLS behind a proxy charging {results['rtt_ms']:.0f} ms "
        f"round trips; {results['iterations']} certifies, each beside the limit:",
        "",
        "| per certify | p10 | median | p90 | goal | met |",
        "|---|---|---|---|---|---|",
        row("the limit: one kept-alive GET, cached token (ms)", limit),
        row("V1 certify through Django (ms)", certify),
        row("certify − limit, paired (ms)", over, "≤ 5", met),
        row("CPU time in this process, certify − limit (ms)", cpu),
        row("for scale: a DRF POST writing one row, no PortOne (ms)", results["bare_write"]),
        row("certify − limit − that POST, paired: the app's own share (ms)", results["own_share"]),
        "",
        f"Per certify: {sql['statements']} SQL statements ({sql['app_statements']} of them the "
        f"app's, {sql['statements'] - sql['app_statements']} loading the session and the user), "
        f"{sql['commits']} commits, {results['redis_commands']} Redis commands, "
        f"{results['portone_requests_per_certify']:.3f} PortOne requests, "
        f"{results['new_connections_per_certify']:.3f} new connections.",
        "",
        where_time_goes(results["instrumented_ms"]),
        "",
        "Statements of one certify:",
        "",
        *[f"    {line}" for line in sql["trace"]],
        "",
        f"Machine: {results['machine']}; load average {results['load'][0]:.1f} before, "
        f"{results['load'][1]:.1f} after.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--counted", type=int, default=5, help="certifies whose work is counted")
    parser.add_argument("--profile", type=int, default=0, help="certifies to profile (cProfile)")
    parser.add_argument("--rtt", type=float, default=0.020, help="round trip, seconds")
    args = parser.parse_args()
    os.environ["BENCH_DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{WIRE_DB}"
    try:
        with tempfile.TemporaryDirectory(prefix="portone-wire-") as directory:
            results = run(args, Path(directory))
    finally:
        from django.db import connections

        connections.close_all()
        recreate_database(WIRE_DB, create=False)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "wire.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(table(results))
    print(f"\n(JSON: {(RESULTS / 'wire.json').relative_to(ROOT)})")


if __name__ == "__main__":
    main()
