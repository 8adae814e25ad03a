"""Each stage's throughput, backlog, failures and time, from what the topics show.

Throughput is read from the topics' end offsets sampled every few seconds, so the dashboard
never has to consume the large internal topics (the spaCy parse) to count them. The backlog of
a stage is its source topic's end offset minus what the workers' consumer group committed on it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from streams.dashboard.window import StageTiming
from streams.topology import STAGES, TOPICS


class RateMeter:
    """Messages per second on each topic, from (time, total end offset) samples."""

    def __init__(self, horizon_seconds: float = 120.0):
        self.horizon_seconds = horizon_seconds
        self._samples: dict[str, deque[tuple[float, int]]] = {}

    def sample(self, topic: str, total: int, at: float) -> None:
        samples = self._samples.setdefault(topic, deque())
        samples.append((at, total))
        while samples and samples[0][0] < at - self.horizon_seconds:
            samples.popleft()

    def total(self, topic: str) -> int | None:
        samples = self._samples.get(topic)
        return samples[-1][1] if samples else None

    def rate(self, topic: str, over_seconds: float) -> float | None:
        """Mean messages per second over about the last `over_seconds` (None before two samples)."""
        samples = self._samples.get(topic)
        if not samples or len(samples) < 2:
            return None
        last_at, last_total = samples[-1]
        first_at, first_total = samples[0]
        for at, total in samples:
            if at >= last_at - over_seconds:
                first_at, first_total = at, total
                break
        if last_at - first_at <= 0:
            return None
        return max(0, last_total - first_total) / (last_at - first_at)


@dataclass(frozen=True)
class StageRow:
    stage: str
    source: str  # topic name
    target: str | None
    rate: float | None  # messages/s written to the target (last 10 s)
    rate_minute: float | None  # the same over the last minute
    lag: int | None  # the workers' backlog on the source topic
    deadletters: int  # dead letters from this stage since the dashboard started
    timing: StageTiming | None


@dataclass(frozen=True)
class TopicRow:
    topic: str
    description: str
    total: int | None
    rate: float | None
    rate_minute: float | None


def stage_rows(topic_name, meter: RateMeter, lags: Mapping[str, int | None],
               deadletters: Mapping[str, int], timings: Mapping[str, StageTiming]) -> list[StageRow]:
    """One row per pipeline stage. `topic_name(suffix)` gives the full topic name; `lags` maps a
    source topic name to the workers' backlog on it."""
    rows = []
    for stage in STAGES:
        source = topic_name(stage.source)
        target = topic_name(stage.target) if stage.target else None
        rows.append(StageRow(
            stage=stage.name, source=source, target=target,
            rate=meter.rate(target, 10) if target else None,
            rate_minute=meter.rate(target, 60) if target else None,
            lag=lags.get(source), deadletters=deadletters.get(stage.name, 0),
            timing=timings.get(stage.name)))
    return rows


def topic_rows(topic_name, meter: RateMeter) -> list[TopicRow]:
    rows = []
    for topic in TOPICS:
        name = topic_name(topic.suffix)
        rows.append(TopicRow(name, topic.description, meter.total(name), meter.rate(name, 10), meter.rate(name, 60)))
    return rows


def backlog(end_offsets: Mapping[tuple[str, int], int], committed: Mapping[tuple[str, int], int]) -> dict[str, int]:
    """Per topic, the sum over its partitions of end offset minus committed offset, counting
    only partitions the group has committed on (a partition it never read says nothing)."""
    lags: dict[str, int] = {}
    for (topic, partition), end in end_offsets.items():
        done = committed.get((topic, partition))
        if done is None or done < 0:
            continue
        lags[topic] = lags.get(topic, 0) + max(0, end - done)
    return lags
