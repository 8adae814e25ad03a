"""The arithmetic of the bench: percentiles, latency summaries, scaling and steady rates."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from streams.topology import HOP_TOPICS


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..100), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def latency_summary(values_ms: Sequence[float]) -> dict:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 1)

    return {
        "count": len(values_ms),
        "p50_ms": rounded(percentile(values_ms, 50)),
        "p95_ms": rounded(percentile(values_ms, 95)),
        "p99_ms": rounded(percentile(values_ms, 99)),
        "max_ms": rounded(max(values_ms) if values_ms else None),
    }


def scaling_ratio(n_workers_rate: float, one_worker_rate: float, workers: int) -> float | None:
    """N-worker throughput over N times one worker's (1.0 = perfect linear scaling)."""
    if not one_worker_rate or workers < 1:
        return None
    return n_workers_rate / (workers * one_worker_rate)

def steady_rate(times: Sequence[float], low: float = 0.1, high: float = 0.9) -> float | None:
    """Docs/s between the 10th and 90th percent of arrivals: throughput without pipeline fill and drain."""
    if len(times) < 40:  # arrivals come in bursts (one per fetch): too few say nothing steady
        return None
    first, last = int(len(times) * low), int(len(times) * high) - 1
    span = times[last] - times[first]
    return (last - first) / span if span > 0 else None


def mean_stage_ms(timings: Iterable[dict | None]) -> dict:
    """Mean milliseconds per stage over the events' timings_ms."""
    total: Counter[str] = Counter()
    count = 0
    for item in timings:
        if not item:
            continue
        count += 1
        for stage, ms in item.items():
            total[stage] += ms
    return {stage: round(ms / count, 2) for stage, ms in total.items()} if count else {}


def hop_latencies(sent: dict[str, float], arrivals: dict[str, dict[str, float]]) -> dict:
    """Median and p95 time of each hop (raw -> normalized -> ... -> enriched), seen by a consumer."""
    hops: dict[str, dict] = {}
    previous_name, previous = "raw", sent
    for suffix in HOP_TOPICS:
        current = arrivals.get(suffix, {})
        deltas = [(current[i] - previous[i]) * 1000 for i in sent if i in current and i in previous]
        summary = latency_summary(deltas)
        hops[f"{previous_name}->{suffix}"] = {k: summary[k] for k in ("p50_ms", "p95_ms")}
        previous_name, previous = suffix, current
    return hops


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def ratio(value: float | None, reference: float | None) -> float | None:
    """value / reference to 3 places; None when either is missing or zero."""
    return None if not value or not reference else round(value / reference, 3)
