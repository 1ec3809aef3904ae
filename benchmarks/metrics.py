"""What the app's Prometheus metrics said during a run: this process's and the gunicorn
workers' (prometheus_client's multiprocess mode), summed, as Markdown tables.

Without prometheus_client (the ``metrics`` extra) the tables say so and the run goes on.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PREFIX = "portone_cert_"


@contextmanager
def collecting() -> Iterator[dict[str, str]]:
    """The environment for gunicorn's workers: each writes its metrics where this process
    can read them (an empty directory for this run)."""
    with tempfile.TemporaryDirectory(prefix="portone-metrics-") as directory:
        yield {"PROMETHEUS_MULTIPROC_DIR": directory}


def samples(workers_env: dict[str, str] | None = None) -> dict[tuple[str, tuple[Any, ...]], float]:
    """Every ``portone_cert_*`` sample, summed over this process and the workers."""
    try:
        from prometheus_client import REGISTRY, CollectorRegistry
        from prometheus_client.multiprocess import MultiProcessCollector
    except ImportError:
        return {}
    registries = [REGISTRY]
    directory = (workers_env or {}).get("PROMETHEUS_MULTIPROC_DIR")
    if directory and os.listdir(directory):
        workers = CollectorRegistry()
        MultiProcessCollector(workers, path=directory)
        registries.append(workers)
    summed: dict[tuple[str, tuple[Any, ...]], float] = defaultdict(float)
    for registry in registries:
        for metric in registry.collect():
            for sample in metric.samples:
                if sample.name.startswith(PREFIX) and not sample.name.endswith("_created"):
                    summed[(sample.name, tuple(sorted(sample.labels.items())))] += sample.value
    return dict(summed)


def table(workers_env: dict[str, str] | None = None) -> str:
    found = samples(workers_env)
    if not found:
        return "Metrics: none recorded (pip install django-portone-cert[metrics])."
    lines = ["| metric | labels | value |", "|---|---|---|"]
    for (name, labels), value in sorted(found.items()):
        if name.endswith("_total"):
            shown = ", ".join(f"{k}={v or '—'}" for k, v in labels)
            lines.append(f"| {name} | {shown} | {value:.0f} |")
    lines += ["", "| PortOne endpoint | requests | mean | p90 ≤ |", "|---|---|---|---|"]
    for (api_version, endpoint), (count, total, p90) in sorted(durations(found).items()):
        lines.append(
            f"| {api_version} {endpoint} | {count:.0f} | {1000 * total / count:.1f} ms | {p90} |"
        )
    return "\n".join(lines)


def durations(
    found: dict[tuple[str, tuple[Any, ...]], float],
) -> dict[tuple[str, str], tuple[float, float, str]]:
    """Per endpoint: requests, seconds in all, the bucket bound under which 90 % fell."""
    name = PREFIX + "portone_request_duration_seconds"
    counts: dict[tuple[str, str], float] = defaultdict(float)
    sums: dict[tuple[str, str], float] = defaultdict(float)
    buckets: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for (sample, labels), value in found.items():
        label = dict(labels)
        key = (label.get("api_version", ""), label.get("endpoint", ""))
        if sample == name + "_count":
            counts[key] += value
        elif sample == name + "_sum":
            sums[key] += value
        elif sample == name + "_bucket":
            buckets[key].append((float(label["le"]), value))
    result = {}
    for key, count in counts.items():
        if not count:
            continue
        bound = next(
            (le for le, cumulative in sorted(buckets[key]) if cumulative >= 0.9 * count),
            float("inf"),
        )
        result[key] = (count, sums[key], "∞" if bound == float("inf") else f"{bound:g} s")
    return result
