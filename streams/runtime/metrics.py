"""The worker's Prometheus metrics, served on its /metrics page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from streams.runtime.faust_compat import read_positions

CONTENT_TYPE = "text/plain; version=0.0.4"
# Latency buckets (seconds): the one-second alert promise sits in the middle, parse-heavy
# backlogs at the top.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class Metrics:
    """Articles per stage, dead letters per stage, consumer lag per topic, webhook outcomes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.processed = Counter(
            "wirewatch_articles_total", "Articles processed per stage", ["stage"], registry=self.registry
        )
        self.dead_letters = Counter(
            "wirewatch_dead_letters_total", "Dead letters per stage", ["stage"], registry=self.registry
        )
        self.lag = Gauge("wirewatch_consumer_lag", "Consumer lag per topic", ["topic"], registry=self.registry)
        self.deliveries = Counter(
            "wirewatch_alert_deliveries_total", "Webhook deliveries by outcome", ["outcome"], registry=self.registry
        )
        self.add_delivery_backlog()

        self.add_latency_histograms()

    def add_delivery_backlog(self) -> None:
        """Consumer lag on wire.alerts reads 0 as soon as the deliver agent has queued an alert,
        so the deliveries still to do are gauges of their own: per webhook target in this worker,
        and the alerts on wire.alerts not yet delivered everywhere (from wire.alert-state, the
        same figure on every worker). `refreshers` update such gauges just before exposition."""
        self.refreshers: list[Callable[[], None]] = []
        self.webhook_backlog = Gauge(
            "wirewatch_webhook_backlog", "Alerts queued or in flight per webhook target in this worker",
            ["rule", "target"], registry=self.registry)
        self.alert_delivery_backlog = Gauge(
            "wirewatch_alert_delivery_backlog", "Alerts on wire.alerts whose webhook deliveries are not finished",
            registry=self.registry)

    def add_latency_histograms(self) -> None:
        """Per stage: from the event on the stage's input topic to its result acknowledged by the
        broker (queueing included). End to end: from the article on wire.raw to its enriched
        event on wire.enriched."""
        self.stage_latency = Histogram(
            "wirewatch_stage_latency_seconds", "Input record to acknowledged output, per stage", ["stage"],
            buckets=LATENCY_BUCKETS, registry=self.registry)
        self.end_to_end_latency = Histogram(
            "wirewatch_end_to_end_latency_seconds", "Article on wire.raw to enriched event on wire.enriched",
            buckets=LATENCY_BUCKETS, registry=self.registry)

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
        for refresh in self.refreshers:
            refresh()
        return generate_latest(self.registry)

    def record_lag(self, consumer: Any) -> None:
        for topic, lag in consumer_lag(consumer).items():
            self.lag.labels(topic).set(lag)


def consumer_lag(consumer: Any) -> dict[str, int]:
    """Records not yet read, per topic, over the partitions assigned to this Faust consumer:
    the high-water mark minus the offset after the last record read."""
    lag: dict[str, int] = {}
    positions = read_positions(consumer)
    for partition in consumer.assignment():
        highwater = consumer.highwater(partition)
        last_read = positions.get(partition)
        if highwater is not None and last_read is not None:
            lag[partition.topic] = lag.get(partition.topic, 0) + max(0, highwater - last_read - 1)
    return lag
