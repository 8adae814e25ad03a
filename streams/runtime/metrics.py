"""The worker's Prometheus metrics, served on its /metrics page."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

from streams.runtime.faust_compat import read_positions

CONTENT_TYPE = "text/plain; version=0.0.4"


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

    def exposition(self) -> bytes:
        """The metrics in Prometheus' text format."""
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
