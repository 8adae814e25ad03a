"""The dashboard's Kafka side: a group-less reader of the public topics, an end-offset sampler
for throughput and backlog, and the rules reader.

None of these joins a consumer group, so the dashboard never takes partitions from a worker and
never triggers a rebalance; it only reads. At start-up the reader begins a little before the end
of each topic (enough to fill the window) instead of replaying the whole history.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from typing import Any

from streams.dashboard.health import backlog
from streams.dashboard.state import READ_TOPICS, Dashboard
from streams.runtime.kafka_io import (
    _client_options,
    aiokafka_options,
    ensure_topics,
    wait_for_broker,
)
from streams.topology import ALL_TOPIC_SUFFIXES, STAGES

log = logging.getLogger("wirewatch.dashboard")

SAMPLE_SECONDS = 2.0
METADATA_SECONDS = 30.0  # partitions rarely change: their list is refreshed this often
LAG_SAMPLES = 3  # the workers' committed offsets are read every third sample
# Fetches wait at most this long for data: a broker answers as soon as data comes (the embedded
# broker holds each fetch for the whole wait), so this bounds the delay without polling hard.
FETCH_WAIT_MS = 250


def history_sizes(max_articles: int) -> dict[str, int]:
    """How many of the latest records of each read topic to load at start-up."""
    return {"enriched": max_articles, "raw": max_articles, "alerts": 300, "deadletter": 200}


def start_offsets(begins: dict[Any, int], ends: dict[Any, int], wanted: dict[str, int],
                  suffix_of: dict[str, str]) -> dict[Any, int]:
    """Per partition, where to start so that about wanted[topic] records are read in all: the
    wanted count is shared among the topic's partitions, never before a partition's beginning."""
    partitions_per_topic: dict[str, int] = {}
    for tp in ends:
        partitions_per_topic[tp.topic] = partitions_per_topic.get(tp.topic, 0) + 1
    offsets = {}
    for tp, end in ends.items():
        share = math.ceil(wanted.get(suffix_of[tp.topic], 0) / partitions_per_topic[tp.topic])
        offsets[tp] = max(begins.get(tp, 0), end - share)
    return offsets


async def _backoff(status, error: Exception, delay: float) -> float:
    status.connected = False
    status.error = str(error) or type(error).__name__
    log.warning("dashboard reader: %s; retrying in %.0f s", status.error, delay)
    await asyncio.sleep(delay)
    return min(delay * 2, 15.0)


class TopicFeed:
    """Follows wire.enriched, wire.alerts, wire.deadletter and wire.raw into the dashboard."""

    def __init__(self, dash: Dashboard, poll_ms: int = 100):
        self.dash = dash
        self.poll_ms = poll_ms
        self.wanted = history_sizes(dash.window.max_articles)

    async def run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._prepare()
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - any failure: show it, wait, start over
                delay = await _backoff(self.dash.status, exc, delay)

    async def _prepare(self) -> None:
        """Wait for the broker and create the topics a worker would create (a topic left to
        auto-creation would get the broker's default partitions)."""
        settings = self.dash.settings
        await asyncio.to_thread(wait_for_broker, settings, 10.0)
        await asyncio.to_thread(ensure_topics, settings)

    async def _follow(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        dash = self.dash
        suffix_of = {dash.topic(suffix): suffix for suffix in READ_TOPICS}
        consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, fetch_max_wait_ms=FETCH_WAIT_MS,
                                    **aiokafka_options(dash.settings))
        await consumer.start()
        try:
            partitions = []
            for topic in suffix_of:
                numbers = consumer.partitions_for_topic(topic)
                while not numbers:
                    await consumer._client.force_metadata_update()
                    await asyncio.sleep(0.5)
                    numbers = consumer.partitions_for_topic(topic)
                partitions.extend(TopicPartition(topic, number) for number in sorted(numbers))
            consumer.assign(partitions)
            begins = await consumer.beginning_offsets(partitions)
            ends = await consumer.end_offsets(partitions)
            for tp, offset in start_offsets(begins, ends, self.wanted, suffix_of).items():
                consumer.seek(tp, dash.positions.get((tp.topic, tp.partition), offset))
            dash.status.connected, dash.status.error = True, ""
            await self._load_history(consumer, ends)
            while True:
                batch = await consumer.getmany(timeout_ms=self.poll_ms, max_records=1000)
                for tp, records in batch.items():
                    for record in records:
                        dash.on_record(tp.topic, record.key, record.value, record.timestamp)
                    if records:
                        dash.positions[(tp.topic, tp.partition)] = records[-1].offset + 1
        finally:
            await consumer.stop()

    async def _load_history(self, consumer, ends: dict) -> None:
        """Read up to the end offsets seen at start, then apply those records in time order (so
        the window is ordered by time across partitions, not partition by partition)."""
        if self.dash.status.loaded:
            return
        buffered = []
        deadline = time.monotonic() + 30
        reached_at = None
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=self.poll_ms, max_records=2000)
            # one idle poll (or a second) past the ends seen: the embedded broker reports a
            # partition's end at the start of its last batch
            if reached_at is not None and (not batch or time.monotonic() - reached_at > 1.0):
                break
            if reached_at is None and all([await consumer.position(tp) >= end for tp, end in ends.items()]):
                reached_at = time.monotonic()
            for tp, records in batch.items():
                buffered.extend((record.timestamp, tp.topic, record.key, record.value) for record in records)
                if records:
                    self.dash.positions[(tp.topic, tp.partition)] = records[-1].offset + 1
        buffered.sort(key=lambda item: item[0])
        for timestamp, topic, key, value in buffered:
            self.dash.on_record(topic, key, value, timestamp)
        self.dash.status.loaded = True


class OffsetSampler:
    """Samples every topic's end offsets (throughput) and the workers' committed offsets
    (backlog) every few seconds, with a consumer that is assigned nothing and so fetches nothing."""

    def __init__(self, dash: Dashboard, every: float = SAMPLE_SECONDS):
        self.dash = dash
        self.every = every

    async def run(self) -> None:
        delay = 1.0
        while True:
            try:
                await self._sample_forever()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - figures stop updating; start over
                log.info("offset sampler: %s", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 15.0)

    async def _sample_forever(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition
        from kafka import KafkaAdminClient

        dash = self.dash
        consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, **aiokafka_options(dash.settings))
        # committed offsets through kafka-python: aiokafka 0.14's OffsetFetch fails to decode the
        # embedded broker's answer
        admin = await asyncio.to_thread(KafkaAdminClient, request_timeout_ms=5000, **_client_options(dash.settings))
        await consumer.start()
        try:
            partitions: list = []
            refreshed = 0.0
            for sample in itertools.count():
                if not partitions or time.monotonic() - refreshed > METADATA_SECONDS:
                    await consumer._client.force_metadata_update()
                    partitions = [TopicPartition(dash.topic(suffix), number) for suffix in ALL_TOPIC_SUFFIXES
                                  for number in sorted(consumer.partitions_for_topic(dash.topic(suffix)) or ())]
                    refreshed = time.monotonic()
                ends = await consumer.end_offsets(partitions) if partitions else {}
                # the embedded broker reports a partition's end at the start of its last batch;
                # where the dashboard has read further, it knows better
                ends = {tp: max(end, dash.positions.get((tp.topic, tp.partition), 0)) for tp, end in ends.items()}
                now = time.monotonic()
                totals: dict[str, int] = {}
                for tp, end in ends.items():
                    totals[tp.topic] = totals.get(tp.topic, 0) + end
                for topic, total in totals.items():
                    dash.meter.sample(topic, total, now)
                if sample % LAG_SAMPLES == 0:
                    dash.lags = await asyncio.to_thread(self._lags, admin, ends)
                await asyncio.sleep(self.every)
        finally:
            await consumer.stop()
            await asyncio.to_thread(admin.close)

    def _lags(self, admin, ends: dict) -> dict[str, int]:
        """The workers' backlog per source topic (blocking: runs in a thread)."""
        sources = {self.dash.topic(stage.source) for stage in STAGES}
        group = self.dash.group_id
        try:
            committed = admin.list_group_offsets({group: None}).get(group) or {}
        except Exception as exc:  # noqa: BLE001 - no such group yet, or no such API: no backlog shown
            log.debug("committed offsets of %s: %s", group, exc)
            return {}
        return backlog({(tp.topic, tp.partition): end for tp, end in ends.items() if tp.topic in sources},
                       {(tp.topic, tp.partition): meta.offset for tp, meta in committed.items()})


class RulesFeed:
    """The rules on the compacted wire.rules, read from the beginning and followed."""

    def __init__(self, dash: Dashboard):
        from streams.runtime.compacted import CompactedTopicReader

        self.dash = dash
        self.reader = CompactedTopicReader(dash.settings, dash.topic("rules"), self._apply)

    def _apply(self, record) -> None:
        self.dash.on_rule_record(record.key, record.value)

    async def run(self) -> None:
        waiter = asyncio.create_task(self._mark_loaded())
        try:
            await self.reader.run()
        finally:
            waiter.cancel()

    async def _mark_loaded(self) -> None:
        await self.reader.loaded.wait()
        self.dash.rules_loaded = True
        self.dash.hub.publish("rules", None)

    async def caught_up(self, timeout: float = 10.0) -> None:
        """Return once the rules written before this call are applied (after a form's change)."""
        await self.reader.caught_up(timeout)
