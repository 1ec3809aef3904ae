"""What one certify does besides its GET: SQL statements, commits, Redis commands, and the time
each kind takes (``benchmarks.wire``). Counted on certifies of their own, never the timed ones."""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

#: What every authenticated request loads before the view runs.
SESSION_TABLES = ('"django_session"', '"auth_user"')
WRITES = ("INSERT", "UPDATE", "DELETE")
TABLE_AFTER = ("FROM", "INTO", "UPDATE")


class Tally:
    def __init__(self) -> None:
        self.trace: list[str] = []
        self.statements = self.app_statements = self.commits = self.redis = 0
        self.seconds = {"sql": 0.0, "commit": 0.0, "redis": 0.0, "portone": 0.0}

    def statement(self, sql: str, autocommit_write: bool, seconds: float) -> None:
        self.statements += 1
        self.seconds["sql"] += seconds
        loads_session = any(table in sql for table in SESSION_TABLES) and "SELECT" in sql[:8]
        self.app_statements += not loads_session
        self.commits += autocommit_write
        note = " (autocommit: a commit)" if autocommit_write else ""
        self.trace.append(f"{seconds * 1000:5.2f} ms  {_abridged(sql)}{note}")


def _abridged(sql: str) -> str:
    """The statement's verb and its tables, without values."""
    words = sql.replace(",", " ").replace("(", " ").split()
    # Tables once each, in order; a WITH's own name (unquoted) is not one.
    quoted = [w for prev, w in itertools.pairwise(words) if prev in TABLE_AFTER and w[:1] == '"']
    tables = [w.strip('"') for w in dict.fromkeys(quoted)]
    verb = " ".join(words[:2]) if words[:1] == ["SELECT"] and words[1:2] == ["1"] else words[0]
    extra = " FOR UPDATE" if "FOR UPDATE" in sql else ""
    return f"{verb} {', '.join(tables)}{extra}".strip()


@contextmanager
def counting(tally: Tally) -> Iterator[None]:
    """Count and time through hooks: Django's execute wrapper, the connection's commit, redis-py's
    command execution, the PortOne client's session."""
    import redis
    from django.db import connections

    from django_portone_cert.portone import get_client

    connection = connections["default"]

    def on_execute(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        verb = sql.lstrip()[:6].upper()
        # A WITH that updates or inserts (the one-statement store) writes as its verbs do.
        writes = verb in WRITES or (verb.startswith("WITH") and any(w in sql for w in WRITES))
        write = writes and not connection.in_atomic_block and connection.get_autocommit()
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            tally.statement(sql, write, time.perf_counter() - started)

    def timed(kind: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                tally.seconds[kind] += time.perf_counter() - started
                if kind == "commit":
                    tally.commits += 1
                    tally.trace.append(f"{(time.perf_counter() - started) * 1000:5.2f} ms  COMMIT")
                elif kind == "redis":
                    tally.redis += 1

        return wrapper

    session = get_client().session
    original_execute = redis.Redis.execute_command
    connection.commit = timed("commit", connection.commit)  # type: ignore[method-assign]
    session.request = timed("portone", session.request)  # type: ignore[method-assign]
    redis.Redis.execute_command = timed("redis", original_execute)  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(on_execute):
            yield
    finally:
        del connection.commit
        del session.request
        redis.Redis.execute_command = original_execute  # type: ignore[method-assign]


def count_work(certifier: Any, jobs: list[tuple[Any, str, str]]) -> dict[str, Any]:
    """The median counts and times over ``jobs``' certifies, and the last one's statements."""
    tallies = []
    elapsed = []
    for user, merchant_uid, imp_uid in jobs:
        certifier.login(user)
        tally = Tally()
        with counting(tally):
            elapsed.append(certifier.certify(merchant_uid, imp_uid))
        tallies.append(tally)

    def median(value: Callable[[Tally], float]) -> float:
        return statistics.median(value(t) for t in tallies)

    return {
        "sql": {
            "statements": round(median(lambda t: t.statements)),
            "app_statements": round(median(lambda t: t.app_statements)),
            "commits": round(median(lambda t: t.commits)),
            "trace": tallies[-1].trace,
        },
        "redis_commands": round(median(lambda t: t.redis)),
        "instrumented_ms": {
            "certify": statistics.median(elapsed) * 1000,
            **{
                kind: statistics.median(t.seconds[kind] for t in tallies) * 1000
                for kind in Tally().seconds
            },
        },
    }


def profile(certifier: Any, jobs: list[tuple[Any, str, str]], top: int = 30) -> str:
    """cProfile over ``jobs``' certifies, in CPU time (waits on the wire and the database are in
    :func:`count_work`'s figures): the functions that take the most themselves, then with what
    they call."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile(time.process_time)
    for user, merchant_uid, imp_uid in jobs:
        certifier.login(user)
        profiler.enable()
        certifier.certify(merchant_uid, imp_uid)
        profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()
