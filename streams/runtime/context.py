"""What the agents of one worker share: settings, topics, metrics, the alert rules, and the sends
that make delivery at-least-once.

Sends are awaited until the broker has them before the source event is acknowledged, which
with Faust's commit-after-ack gives at-least-once delivery end to end; whatever cannot be
processed or sent becomes a dead letter, so that no article can stop an agent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiokafka.errors
import faust

from streams.alerts.store import RulesView
from streams.config import Settings
from streams.nlp.pipeline import Enricher, dead_letter
from streams.retry import Backoff, retry_forever
from streams.runtime import codec
from streams.runtime.metrics import Metrics
from streams.runtime.readiness import HealthState

log = logging.getLogger("wirewatch")

TOO_LARGE_ERRORS = (aiokafka.errors.MessageSizeTooLargeError, aiokafka.errors.RecordTooLargeError,
                    aiokafka.errors.RecordListTooLargeError)
"""The broker or producer refuses the message itself: retrying cannot help."""

BROKER_ERRORS = (aiokafka.errors.KafkaError, OSError, asyncio.TimeoutError)
"""The broker is down, a leader is moving, a request timed out: retried until it goes through."""

SEND_BACKOFF = Backoff(base=0.2, cap=5.0)

ORIGIN_HEADER = "wirewatch-origin-ms"
"""Record header carried from stage to stage: when the article reached wire.raw (ms since the
epoch), for the end-to-end latency histogram; not part of any event's JSON."""

RECENT_ALERTS_KEPT = 200

HANDLED_HEADER = "wirewatch-handled"
"""Record header: the stage that reads this record has already been run on it, and its result
sent, by the worker that wrote it (one agent ran both: streams/runtime/agents.py); that stage's
own agent passes the record by. Absent, the record is processed as usual."""

EventValue = tuple[Any, dict]
"""(a Faust event, the JSON object decoded from it or computed from it)."""


@dataclass(frozen=True)
class Outgoing:
    """One record to send on: the stage that made it, the event it was made from, where it goes."""

    stage: str
    event: Any
    target: str
    result: dict
    handled: bool = False  # the target's reader stage was run too (HANDLED_HEADER)


@dataclass
class WorkerContext:
    """One worker's shared parts, handed to each `add_*` function that registers agents.

    `raw_topics` carry bytes as they are (agents read them, so a payload that does not decode
    becomes a dead letter rather than a crash inside Faust; tombstones are sent through them);
    `json_topics` encode what is sent with the orjson codec."""

    app: faust.App
    settings: Settings
    stages: list[str]
    enricher: Enricher
    raw_topics: dict[str, Any]
    json_topics: dict[str, Any]
    rules: RulesView
    metrics: Metrics = field(default_factory=Metrics)
    recent_alerts: deque[dict] = field(default_factory=lambda: deque(maxlen=RECENT_ALERTS_KEPT))
    health: HealthState = field(default_factory=HealthState)

    def runs(self, *stages: str) -> bool:
        """Whether this worker runs any of `stages`."""
        return any(stage in self.stages for stage in stages)

    async def send(self, topic: str, key: str | bytes | None, value: Any, *, raw: bool = False,
                   headers: dict[str, bytes] | None = None) -> Any:
        """Deliver to the broker before the source event is acknowledged (at-least-once);
        returns the record's metadata (partition, offset).

        A refused message (too large, not encodable) raises at once so the caller can
        dead-letter it; a broker failure is retried until the write goes through, holding the
        partition back rather than acknowledging an article that was never written. `raw`
        sends bytes (or None, a tombstone) as they are."""
        if isinstance(key, str):
            key = key.encode("utf-8")

        async def send_once() -> Any:
            return await (await self.hand_over(topic, key, value, raw=raw, headers=headers))

        def report(exc: Exception, delay: float) -> None:
            log.warning("send to %s failed (%s); retrying in %.1fs", self.settings.topic(topic), exc, delay)

        return await retry_forever(send_once, SEND_BACKOFF, report,
                                   retry_on=BROKER_ERRORS, give_up_on=TOO_LARGE_ERRORS)

    async def hand_over(self, topic: str, key: bytes | None, value: Any, *, raw: bool = False,
                        headers: dict[str, bytes] | None = None) -> Awaitable[Any]:
        """Give one record to the producer; returns the future of the broker's acknowledgement.

        Straight to Faust's producer rather than through `Topic.send`: that path (a future
        message, the schema and codec registry, the send sensors, a callback per record) cost a
        loaded worker more than aiokafka's own work per record (docs/benchmarks.md, issue #17).
        The bytes are the same: orjson, the codec of `json_topics`; `raw` sends bytes as they
        are (None: a tombstone)."""
        producer = self.app.producer
        await producer.maybe_start()
        data = value if raw else codec.dumps(value)
        return await producer.send(self.settings.topic(topic), key, data, partition=None, timestamp=None,
                                   headers=headers)

    async def send_dead_letter(self, stage: str, event: Any, payload: Any, error: BaseException | str) -> None:
        """Send what `stage` could not process to the dead-letter topic, with the reason and
        where it was read from."""
        self.metrics.dead_letters.labels(stage).inc()
        message = getattr(event, "message", None)
        key = getattr(message, "key", None)
        letter = dead_letter(
            payload,
            stage,
            error,
            topic=getattr(message, "topic", None),
            partition=getattr(message, "partition", None),
            offset=getattr(message, "offset", None),
            key=text_key(key),
        )
        log.warning("dead letter from %s: %s", stage, letter["error"])
        try:
            await self.send("deadletter", key, letter)
        except TOO_LARGE_ERRORS:  # dead_letter() caps payloads, so only a huge error text gets here
            letter["payload"], letter["payload_truncated"] = "", True
            await self.send("deadletter", key, letter)

    async def dead_letter_unfinished(self, stage: str, events: list, error: BaseException,
                                     payload: Callable[[Any], Any] = lambda event: event.value,
                                     agent: str | None = None) -> None:
        """Dead-letter the events an unexpected exception cut short, as the agent's last word.

        Why: an exception that leaves an agent makes Faust acknowledge the events in flight (its
        stream acks in a `finally`) and the agent restarts past them: unforwarded articles would
        be committed and lost. Should the letter itself fail (not the broker: send retries that),
        a letter without the payload still says where it was read from and why."""
        agent = agent or stage
        log.error("%s: unexpected failure outside the stage (%s: %s); %d event(s) dead-lettered",
                  agent, type(error).__name__, error, len(events), exc_info=error)
        reason = f"unfinished: the {agent} agent failed outside its stage function ({type(error).__name__}: {error})"
        for event in events:
            try:
                await self.send_dead_letter(stage, event, payload(event), reason)
            except Exception as again:
                await self.send_dead_letter(stage, event, b"", f"{reason}; payload dropped ({type(again).__name__}: {again})")

    async def forward(self, stage: str, event: Any, target: str, result: dict) -> None:
        """Send a stage's result on; if the broker refuses it (too large, unencodable), dead-letter it."""
        try:
            await self.send(target, result["id"], result, headers=origin_headers(event))
        except Exception as exc:
            await self.send_dead_letter(stage, event, without_key(result, "annotation"), exc)
            return
        self.metrics.processed.labels(stage).inc()
        self.observe_latency(stage, event, target)

    async def forward_batch(self, stage: str, target: str, results: list[EventValue]) -> None:
        """forward() for a batch of one stage's results (see forward_records)."""
        await self.forward_records([Outgoing(stage, event, target, result) for event, result in results])

    async def forward_records(self, records: list["Outgoing"]) -> None:
        """forward() for many records: every record is handed to the producer first and the acks
        are awaited together (one round trip per batch, not per article); a record that failed
        goes through forward() again, with its retries and its dead letter."""
        await self.confirm_records(await self.hand_over_records(records))

    async def hand_over_records(self, records: list["Outgoing"]) -> list[tuple["Outgoing", Any]]:
        """The first half of forward_records: each record given to the producer, with the future
        of its acknowledgement (None when the producer refused it)."""
        pending = []
        for record in records:
            headers = origin_headers(record.event)
            if record.handled:
                headers = {**(headers or {}), HANDLED_HEADER: b"1"}
            try:
                ack = await self.hand_over(record.target, record.result["id"].encode("utf-8"), record.result,
                                           headers=headers)
            except Exception:
                ack = None
            pending.append((record, ack))
        return pending

    async def confirm_records(self, pending: list[tuple["Outgoing", Any]]) -> None:
        """The second half: wait for the acknowledgements; a record the broker did not take goes
        through forward() again (its retries, then its dead letter)."""
        for record, ack in pending:
            try:
                if ack is None:
                    raise RuntimeError("not accepted by the producer")
                await ack
            except Exception:
                await self.forward(record.stage, record.event, record.target, record.result)
                continue
            self.metrics.processed.labels(record.stage).inc()
            self.observe_latency(record.stage, record.event, record.target)

    def observe_latency(self, stage: str, event: Any, target: str) -> None:
        """Record the stage's latency, and the end-to-end one when the result is the public event."""
        now_ms = time.time() * 1000
        arrived = record_time_ms(event)
        if arrived is not None and now_ms >= arrived:
            self.metrics.stage_latency.labels(stage).observe((now_ms - arrived) / 1000)
        origin = origin_ms(event)
        if target == "enriched" and origin is not None and now_ms >= origin:
            self.metrics.end_to_end_latency.observe((now_ms - origin) / 1000)


def record_time_ms(event: Any) -> float | None:
    """When the event's record was written to its topic (Faust gives seconds)."""
    timestamp = getattr(getattr(event, "message", None), "timestamp", None)
    return float(timestamp) * 1000 if isinstance(timestamp, (int, float)) and timestamp > 0 else None


def record_header(event: Any, wanted: str) -> bytes | None:
    """A header of the event's record (Faust gives a list of pairs or a dict)."""
    headers = getattr(getattr(event, "message", None), "headers", None) or ()
    pairs = headers.items() if isinstance(headers, dict) else headers
    for name, value in pairs:
        if name == wanted:
            return bytes(value) if value is not None else None
    return None


def origin_ms(event: Any) -> float | None:
    """When the article reached wire.raw: the header set by the first stage, else this record's time."""
    value = record_header(event, ORIGIN_HEADER)
    if value is not None:
        try:
            return float(value.decode("ascii"))
        except (TypeError, ValueError):
            pass
    return record_time_ms(event)


def handled_upstream(event: Any) -> bool:
    """Whether the worker that wrote this record already ran the stage that reads it (HANDLED_HEADER)."""
    return record_header(event, HANDLED_HEADER) is not None


def origin_headers(event: Any) -> dict[str, bytes] | None:
    origin = origin_ms(event)
    return {ORIGIN_HEADER: str(int(origin)).encode("ascii")} if origin is not None else None


def decode_event(value: Any) -> dict:
    """An internal event (a JSON object) from the bytes an agent read."""
    if isinstance(value, dict):
        return value
    decoded = codec.loads(value)
    if not isinstance(decoded, dict):
        raise ValueError(f"internal event is a JSON {type(decoded).__name__}, expected an object")
    return decoded


def without_annotation(value: Any) -> Any:
    """Dead letters keep the payload but not the (large, binary) spaCy parse."""
    try:
        decoded = decode_event(value)
    except Exception:
        return value
    decoded.pop("annotation", None)
    return decoded


def without_key(mapping: dict, key: str) -> dict:
    return {name: value for name, value in mapping.items() if name != key}


def text_key(key: Any) -> str | None:
    if isinstance(key, bytes):
        return key.decode("utf-8", "replace")
    return key
