"""A worker's in-memory view of a compacted topic, kept current by a group-less aiokafka reader.

Used for the alert rules (wire.rules) and the alert dedup state (wire.alert-state): every
worker reads the whole topic from the beginning and then follows it, so the topic is the
source of truth and a restarted worker needs nothing on its own disk.  Not a Faust table on
purpose: faust-streaming 0.15.3 drops records fetched for other agents while a table recovers
its changelog, which loses articles on restart (issue #7).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Callable

from streams.config import Settings
from streams.retry import Backoff, retry_forever
from streams.runtime.faust_compat import refresh_metadata
from streams.runtime.kafka_io import aiokafka_options

log = logging.getLogger("wirewatch.compacted")

ApplyRecord = Callable[[Any], None]
"""Called with each aiokafka ConsumerRecord (key, value, partition, offset), in log order per partition."""

RESTART_BACKOFF = Backoff(base=1.0, cap=30.0)


class CompactedTopicReader:
    """Reads `topic` from its beginning forever; `loaded` is set once the first end is reached,
    and `caught_up()` waits until every record written before the call has been applied."""

    def __init__(self, settings: Settings, topic: str, apply: ApplyRecord, poll_ms: int = 200):
        self.settings = settings
        self.topic = topic
        self.apply = apply
        self.poll_ms = poll_ms
        self.loaded = asyncio.Event()
        self._consumer = None
        self._partitions: list = []
        self._assigned = asyncio.Event()
        self._progress = asyncio.Condition()

    async def run(self) -> None:
        """Follow the topic for ever; on any failure (broker down, topic missing) start over
        from the beginning after a pause: applying a compacted topic again is harmless."""

        def report(exc: Exception, delay: float) -> None:
            log.warning("reading %s failed (%s); starting over in %.0f s", self.topic, exc, delay)

        await retry_forever(self._follow, RESTART_BACKOFF, report)

    async def _follow(self) -> None:
        from aiokafka import AIOKafkaConsumer, TopicPartition

        consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, auto_offset_reset="earliest",
                                    **aiokafka_options(self.settings))
        await consumer.start()
        try:
            partitions: set[int] = set()
            while not partitions:
                partitions = consumer.partitions_for_topic(self.topic) or set()
                if not partitions:  # created by ensure_topics at start-up, maybe a moment ago
                    await refresh_metadata(consumer)
                    await asyncio.sleep(0.5)
            self._partitions = [TopicPartition(self.topic, p) for p in sorted(partitions)]
            consumer.assign(self._partitions)
            await consumer.seek_to_beginning(*self._partitions)
            first_end = await consumer.end_offsets(self._partitions)
            self._consumer = consumer
            self._assigned.set()
            while True:
                batch = await consumer.getmany(timeout_ms=self.poll_ms)
                for records in batch.values():
                    for record in records:
                        self.apply(record)
                if not self.loaded.is_set() and await self._reached(consumer, first_end):
                    self.loaded.set()
                    log.info("%s loaded", self.topic)
                async with self._progress:
                    self._progress.notify_all()
        finally:
            self._assigned.clear()
            self._consumer = None
            async with self._progress:  # waiters see the reader gone and wait for the next one
                self._progress.notify_all()
            await consumer.stop()

    async def _reached(self, consumer, end: dict) -> bool:
        return all([await consumer.position(tp) >= end[tp] for tp in self._partitions])

    async def caught_up(self, timeout: float = 30.0) -> None:
        """Return once every record on the topic when this was called has been applied."""

        async def wait() -> None:
            while True:
                await self._assigned.wait()
                consumer = self._consumer
                if consumer is None:  # the reader is starting over
                    await asyncio.sleep(0.1)
                    continue
                end = await consumer.end_offsets(self._partitions)
                async with self._progress:
                    while consumer is self._consumer and not await self._reached(consumer, end):
                        await self._progress.wait()
                if consumer is self._consumer:
                    return

        try:
            await asyncio.wait_for(wait(), timeout)
        except asyncio.TimeoutError:
            raise RuntimeError(f"{self.topic} could not be read to its end within {timeout:.0f} s") from None
