"""Faults under load: 4 gunicorn workers on PostgreSQL + Redis, 500 verifications by 100
users while the fake PortOne answers 10 % with a 5xx, 5 % with a timeout, 5 % with a
connection reset, and ends the access token every few seconds.

Prints the tally and checks: every answer is a documented status (never a 500), the
successes and the stored results agree exactly, no attempt is half-consumed, nobody has
two identities and no result was used twice. Exits 1 if any check fails.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import requests

from benchmarks import metrics
from benchmarks.harness import Gunicorn, basic_auth, make_users, setup_django

DOCUMENTED = {201, 400, 409, 429, 502, 503, 504}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()

    from django_portone_cert.testing import FakePortOne, FakePortOneServer

    fake = FakePortOne(imp_key="bench-key", imp_secret="bench-secret")
    fake.latency = 0.005
    fake.set_fault_rates(
        {"http_500": 0.05, "http_503": 0.05, "timeout": 0.05, "reset": 0.05}, seed=args.seed
    )
    with FakePortOneServer(fake, hang_seconds=2) as server, metrics.collecting() as recorded:
        setup_django(server.url)
        users = make_users(args.users, "f")
        gunicorn = Gunicorn(
            4,
            {
                "BENCH_PORTONE_URL": server.url,
                "BENCH_READ_TIMEOUT": "0.5",
                "BENCH_DEADLINE": "4",
                **recorded,
            },
        )
        stop = threading.Event()
        expiries = 0

        def expire() -> None:
            nonlocal expiries
            while not stop.wait(1.5):
                fake.expire_tokens()
                expiries += 1

        expirer = threading.Thread(target=expire, daemon=True)
        expirer.start()
        local = threading.local()

        def verify(job: tuple[int, Any]) -> tuple[str, int, str]:
            n, user = job
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            auth = {"Authorization": basic_auth(user)}
            prepared = session.post(
                gunicorn.url + "/portone-cert/prepare/", headers=auth, timeout=30
            )
            if prepared.status_code != 201:
                return ("prepare", prepared.status_code, _code(prepared))
            merchant_uid = prepared.json()["merchant_uid"]
            imp_uid = fake.add_certification(
                name=f"사용자{n}", birth_date=date(1990, 1, 1), merchant_uid=merchant_uid
            )
            answer = session.post(
                gunicorn.url + "/portone-cert/certifications/",
                json={"imp_uid": imp_uid, "merchant_uid": merchant_uid},
                headers=auth,
                timeout=30,
            )
            return ("certify", answer.status_code, _code(answer))

        jobs = [(n, user) for _ in range(args.rounds) for n, user in enumerate(users)]
        started = time.perf_counter()
        try:
            with ThreadPoolExecutor(max_workers=args.threads) as pool:
                outcomes = list(pool.map(verify, jobs))
        finally:
            stop.set()
            gunicorn.stop()
        seconds = time.perf_counter() - started
        status = report(outcomes, users, fake, expiries, seconds)
        print("\nWhat the app's metrics recorded (4 workers, summed):\n")
        print(metrics.table(recorded))
    return status


def _code(response: requests.Response) -> str:
    try:
        return str(response.json().get("code", ""))
    except ValueError:
        return "(not JSON)"


def report(
    outcomes: list[tuple[str, int, str]], users: list[Any], fake: Any, expiries: int, seconds: float
) -> int:
    from django.db.models import Count

    from django_portone_cert.models import CertificationAttempt, VerifiedIdentity

    tally = Counter(outcomes)
    successes = sum(
        n for (kind, status, _), n in tally.items() if (kind, status) == ("certify", 201)
    )
    verified = CertificationAttempt.objects.filter(status="verified")
    succeeded_users = verified.values("user_id").distinct().count()
    checks = {
        "every answer is a documented status (no 500)": all(
            status in DOCUMENTED for (_, status, _) in tally
        ),
        "successes == attempts marked verified": successes == verified.count(),
        "identities == users with a success": VerifiedIdentity.objects.count() == succeeded_users,
        "no attempt half-consumed (imp_uid kept but not verified)": not CertificationAttempt.objects.exclude(
            status="verified"
        )
        .filter(imp_uid__isnull=False)
        .exists(),
        "nobody has two identities": not VerifiedIdentity.objects.values("user_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists(),
        "no result used twice": verified.values("imp_uid").distinct().count() == verified.count(),
        "each identity holds one of its user's verified results": all(
            verified.filter(user_id=i.user_id, imp_uid=i.imp_uid).exists()
            for i in VerifiedIdentity.objects.all()
        ),
    }
    print(
        f"Fault load: {len(outcomes)} verifications by {len(users)} users, 4 workers, "
        f"{seconds:.1f} s; PortOne saw {fake.count()} requests "
        f"({fake.token_requests} getToken), {expiries} token expiries.\n"
    )
    print("| step | status | code | count |")
    print("|---|---|---|---|")
    for (kind, status, code), count in sorted(tally.items()):
        print(f"| {kind} | {status} | {code or '—'} | {count} |")
    print("\n| check | holds |")
    print("|---|---|")
    for name, holds in checks.items():
        print(f"| {name} | {'yes' if holds else '**NO**'} |")
    print(f"\nfaults: {sum(checks.values())} passed, {len(checks) - sum(checks.values())} failed")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
