"""Reading and writing topics from outside, as any user's kafka-python client would.

`TopicReader` keeps every record of one topic since its start; `Sender` keeps the delivery of
every record it sends, so "sent" can mean "acknowledged by the broker"; `TopicClient` is both
for one topic prefix (what the tests use); `TopicWatcher` notes, in a thread, when each key
first arrived on a set of topics (what the benchmark times).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from streams.harness.brokers import Broker

if TYPE_CHECKING:
    from streams.harness.workers import Worker


def decode(value: bytes | None) -> Any:
    """A record's JSON value; None for a tombstone, a marker for what is not JSON."""
    if value is None:
        return None
    try:
        return orjson.loads(value)
    except orjson.JSONDecodeError:
        return {"_undecodable": len(value)}


class TopicReader:
    """Every record of one topic since its start (group-less consumer), polled on demand."""

    def __init__(self, bootstrap: str, topic: str):
        from kafka import KafkaConsumer

        self.topic = topic
        self.consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest",
            enable_auto_commit=False, max_partition_fetch_bytes=16 * 1024 * 1024,
            fetch_max_bytes=64 * 1024 * 1024, reconnect_backoff_max_ms=1000,
        )
        self.records: list[tuple[str | None, Any]] = []
        self.written_at: list[float] = []  # epoch seconds each record was written, as records
        self.headers: list[dict[str, bytes]] = []  # each record's headers, as records

    def poll(self, timeout_ms: int = 100) -> None:
        for batch in self.consumer.poll(timeout_ms=timeout_ms).values():
            for record in batch:
                key = record.key.decode("utf-8", "replace") if record.key is not None else None
                self.records.append((key, decode(record.value)))
                self.headers.append(dict(record.headers or ()))
                self.written_at.append(record.timestamp / 1000 if record.timestamp and record.timestamp > 0
                                       else float("nan"))

    def values(self) -> list[Any]:
        return [value for _key, value in self.records]

    def close(self) -> None:
        self.consumer.close()


def topic_readers(broker: Broker, prefix: str, *suffixes: str) -> list[TopicReader]:
    return [TopicReader(broker.bootstrap, f"{prefix}.{suffix}") for suffix in suffixes]


class Sender:
    """A kafka-python producer (acks=all, retries, reconnects within a second) that keeps the
    delivery future of every record, so "sent" means "acknowledged by the broker"."""

    def __init__(self, bootstrap: str, topic: str, **options: Any):
        from kafka import KafkaProducer

        self.topic = topic
        self.producer = KafkaProducer(
            bootstrap_servers=bootstrap, acks="all", reconnect_backoff_max_ms=1000, linger_ms=2,
            max_block_ms=120_000, delivery_timeout_ms=120_000, **options,
        )
        self.futures: list[tuple[str | None, Any]] = []

    def send(self, key: str | None, value: bytes | None, topic: str | None = None) -> None:
        encoded = key.encode("utf-8") if key is not None else None
        self.futures.append((key, self.producer.send(topic or self.topic, key=encoded, value=value)))

    def send_paced(self, items: Sequence[tuple[str, bytes | None]], interval: float) -> threading.Thread:
        """Send the items one every `interval` seconds from a thread (started, returned)."""
        def run() -> None:
            for key, value in items:
                self.send(key, value)
                time.sleep(interval)
            self.producer.flush()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def confirm(self, timeout: float = 120.0) -> tuple[list[str], list[str]]:
        """Keys the broker acknowledged, and keys whose delivery failed (then forgotten)."""
        self.producer.flush(timeout=timeout)
        acked, failed = [], []
        for key, future in self.futures:
            try:
                future.get(timeout=max(1.0, timeout))
                acked.append(key)
            except Exception:  # noqa: BLE001 - any failure to deliver counts as not sent
                failed.append(key)
        self.futures = []
        return acked, failed

    def close(self) -> None:
        self.producer.close(timeout=10)


def poll_until(condition: Callable[[], bool], timeout: float, readers: Iterable[TopicReader] = (),
               worker: Worker | None = None, stall: float | None = None,
               progress: Callable[[], int] | None = None) -> bool:
    """Poll the readers until the condition holds, the time is up, the worker died, or nothing
    moved (records read, or `progress`) for `stall` seconds: a stuck pipeline fails fast."""
    readers = list(readers)
    deadline = time.monotonic() + timeout
    measure = progress or (lambda: sum(len(reader.records) for reader in readers))
    last, last_change = measure(), time.monotonic()
    while True:
        for reader in readers:
            reader.poll(50)
        if condition():
            return True
        now = time.monotonic()
        if measure() != last:
            last, last_change = measure(), now
        if (now > deadline or (worker is not None and not worker.alive())
                or (stall is not None and now - last_change > stall)):
            return condition()
        if not readers:
            time.sleep(0.1)


def settle(readers: Iterable[TopicReader], seconds: float) -> None:
    """Keep reading for a while: a duplicate that is coming gets the time to show up."""
    poll_until(lambda: False, seconds, readers)


class TopicClient:
    """A producer and readers on the topics of one prefix (`<prefix>.<suffix>`)."""

    def __init__(self, broker: Broker, prefix: str):
        self.broker = broker
        self.prefix = prefix
        self.sender = Sender(broker.bootstrap, self.topic("raw"))
        self.readers: dict[str, TopicReader] = {}

    def topic(self, suffix: str) -> str:
        return f"{self.prefix}.{suffix}"

    def send(self, value: bytes | dict, key: str | None = None, suffix: str = "raw") -> None:
        """One record, flushed; a dict is an article, keyed by its id unless `key` says otherwise."""
        if isinstance(value, dict):
            key = key or value.get("id")
            value = orjson.dumps(value)
        self.sender.send(key, value, topic=self.topic(suffix))
        self.sender.producer.flush()

    def reader(self, suffix: str) -> TopicReader:
        if suffix not in self.readers:
            self.readers[suffix] = TopicReader(self.broker.bootstrap, self.topic(suffix))
        return self.readers[suffix]

    def collect(self, suffix: str, count: int, timeout: float = 90.0, worker: Worker | None = None) -> list:
        """Read a topic until `count` records arrived since the last call (fails with the worker log)."""
        reader = self.reader(suffix)
        start = len(reader.records)
        deadline = time.monotonic() + timeout
        while len(reader.records) - start < count and time.monotonic() < deadline:
            reader.poll(500)
            if worker is not None and not worker.alive():
                break
        events = [value for _key, value in reader.records[start:]]
        if len(events) < count:
            detail = f"\n--- worker log ---\n{worker.log()}" if worker else ""
            raise AssertionError(f"expected {count} events on {self.topic(suffix)}, got {len(events)}{detail}")
        return events

    def drain(self, suffix: str, timeout: float) -> list:
        """Everything that arrives on a topic within `timeout` seconds (to check that no extra
        event, such as a duplicated alert, shows up)."""
        reader = self.reader(suffix)
        start = len(reader.records)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reader.poll(200)
        return [value for _key, value in reader.records[start:]]

    def close(self) -> None:
        self.sender.close()
        for reader in self.readers.values():
            reader.close()


class TopicWatcher(threading.Thread):
    """Reads topics from the beginning in a thread and notes when each key first arrived
    (for alerts: each article id), and how many keys came twice."""

    def __init__(self, settings, suffixes: Sequence[str], parse: bool = False):
        super().__init__(daemon=True)
        from kafka import KafkaConsumer, TopicPartition

        from streams.runtime.kafka_io import client_options

        self.parse = parse
        self.suffix_of = {settings.topic(s): s for s in suffixes}
        self.arrivals: dict[str, dict[str, float]] = {s: {} for s in suffixes}
        self.events: dict[str, dict] = {}
        self.duplicates: Counter[str] = Counter()
        self.lock = threading.Lock()
        self._stop_event = threading.Event()
        self.consumer = KafkaConsumer(group_id=None, enable_auto_commit=False, auto_offset_reset="earliest",
                                      fetch_max_wait_ms=20, **client_options(settings))
        self.consumer.assign([TopicPartition(topic, p) for topic in self.suffix_of for p in range(settings.partitions)])

    def run(self) -> None:
        try:
            while not self._stop_event.is_set():
                batch = self.consumer.poll(timeout_ms=100)
                now = time.time()
                for tp, records in batch.items():
                    suffix = self.suffix_of[tp.topic]
                    for record in records:
                        self._note(suffix, record, now)
        finally:
            self.consumer.close()

    def _note(self, suffix: str, record, now: float) -> None:
        key = (record.key or b"").decode("utf-8", "replace")
        if suffix == "alerts" or self.parse:
            value = decode(record.value)
            if not isinstance(value, dict):
                value = {}
            if suffix == "alerts":
                key = str(value.get("article_id") or key)
            elif suffix == "enriched":
                self.events[key] = {"enriched_at": value.get("enriched_at"), "timings_ms": value.get("timings_ms")}
        with self.lock:
            seen = self.arrivals[suffix]
            if key in seen:
                self.duplicates[suffix] += 1
            else:
                seen[key] = now

    def done(self, ids: Iterable[str]) -> int:
        """How many of these ids came out (enriched or dead-lettered)."""
        with self.lock:
            out = set(self.arrivals.get("enriched", {})) | set(self.arrivals.get("deadletter", {}))
        return sum(1 for i in ids if i in out)

    def wait_for(self, ids: Sequence[str], timeout: float, check: Callable[[], None] | None = None) -> bool:
        """Until every id came out; `check` runs between polls (it raises when a worker died)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.done(ids) >= len(ids):
                return True
            if check:
                check()
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        self._stop_event.set()
        self.join(10)
