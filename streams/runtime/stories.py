"""The stories stage in a worker: one sequencer over wire.stories-in, which has one partition.

Story assignment needs every article of the window in one place and in one order, so the stage
reads a one-partition topic: whichever worker is assigned it runs the stage, the others stand
by. Its state is the compacted wire.story-state (streams/stories/state.py rows), read to its
end before the first article after every assignment, so the worker that takes over after a
kill -9 starts from what the dead one had written. Per batch of articles: apply each, write
their changed rows (acknowledged), then forward the events; a replayed article finds its own rows
and gets the same additions. Not a Faust table, for the reason streams/runtime/compacted.py gives. docs/stories.md
has the design."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from streams.retry import Backoff, retry_forever
from streams.runtime import codec
from streams.runtime.batching import take_batches
from streams.runtime.context import WorkerContext, decode_event
from streams.runtime.faust_compat import refresh_metadata
from streams.runtime.kafka_io import aiokafka_options
from streams.stories.state import StoriesState, decorate, utc_time
from streams.topology import stage_topics

log = logging.getLogger("wirewatch.stories")

LOAD_BACKOFF = Backoff(base=1.0, cap=30.0)
WINDOW = timedelta(hours=48)  # articles older than this no longer attract copies
EVICT_EVERY = 200  # articles between two evictions


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def first_seen(value: dict, event: Any) -> str:
    """When the article was first seen: its published_at, else its message's timestamp (the same
    on a replay), else now."""
    published = utc_time(value.get("published_at"))
    if published is not None:
        return published
    timestamp = getattr(getattr(event, "message", None), "timestamp", None)
    if isinstance(timestamp, (int, float)) and timestamp > 0:
        return rfc3339(datetime.fromtimestamp(float(timestamp), UTC))
    return rfc3339(datetime.now(UTC))


async def load_state(ctx: WorkerContext) -> StoriesState:
    """The stage's state as wire.story-state holds it now (read from its beginning to its end)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    topic = ctx.settings.topic("story-state")
    state = StoriesState()
    consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, auto_offset_reset="earliest",
                                **aiokafka_options(ctx.settings))
    await consumer.start()
    try:
        partitions: set[int] = set()
        while not partitions:
            partitions = consumer.partitions_for_topic(topic) or set()
            if not partitions:
                await refresh_metadata(consumer)
                await asyncio.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        end = await consumer.end_offsets(tps)
        rows = 0
        while any([await consumer.position(tp) < end[tp] for tp in tps]):
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    try:
                        key = record.key.decode("utf-8") if record.key is not None else ""
                        state.load(key, codec.loads(record.value) if record.value is not None else None)
                        rows += 1
                    except Exception as exc:  # only this stage writes the topic; never stop the stage on a row
                        log.warning("%s: row at offset %s skipped (%s)", topic, record.offset, exc)
        log.info("stories state loaded from %s: %d rows, %d articles", topic, rows, len(state.index))
    finally:
        await consumer.stop()
    return state


async def write_rows(ctx: WorkerContext, rows: list) -> None:
    """Write state rows to wire.story-state (a None value as a tombstone), acknowledged when this
    returns (see hand_over_rows and confirm_rows)."""
    await confirm_rows(ctx, await hand_over_rows(ctx, rows))


async def hand_over_rows(ctx: WorkerContext, rows: list) -> list:
    """Give every row to the producer; (key, row, future of its ack, or None if refused)."""
    pending = []
    for key, row in rows:
        try:
            pending.append((key, row, await ctx.hand_over("story-state", key.encode("utf-8"), row, raw=row is None)))
        except Exception:
            pending.append((key, row, None))
    return pending


async def confirm_rows(ctx: WorkerContext, pending: list, latest: dict[str, Any] | None = None) -> None:
    """Wait for the rows' acks; a row whose first try failed is sent again with retries
    (WorkerContext.send), and raises if the broker refuses it. What is sent again is the newest
    row of its key in `latest` (the rows of a whole batch), so that a retried row never lands
    after, and hides, a newer one of the same key."""
    for key, row, ack in pending:
        try:
            if ack is None:
                raise RuntimeError("not accepted by the producer")
            await ack
        except Exception:
            row = (latest or {}).get(key, row)
            await ctx.send("story-state", key, row, raw=row is None)


def report_load(exc: Exception, delay: float) -> None:
    log.warning("reading the stories state failed (%s); retrying in %.0f s", exc, delay)


def add_stories_agent(ctx: WorkerContext) -> None:
    """wire.stories-in -> wire.enriched, with the story state on wire.story-state."""
    source, target = stage_topics("stories")
    held: dict[str, Any] = {"state": None, "applied": 0}

    @ctx.app.on_partitions_assigned.connect
    async def state_is_stale(app, assigned, **kwargs):  # another worker may have written since
        held["state"] = None

    @ctx.app.agent(ctx.raw_topics[source], name="stories")
    async def stories_agent(stream):
        async for batch in take_batches(stream, ctx.settings.batch_size, ctx.settings.batch_within):
            events = list(batch)
            try:
                await assign_stories(ctx, held, events, target)
            except Exception as exc:  # outside the stage's own handling: see dead_letter_unfinished
                held["state"] = None
                await ctx.dead_letter_unfinished("stories", events, exc)


async def current_state(ctx: WorkerContext, held: dict[str, Any]) -> StoriesState:
    """The state held, read from wire.story-state first when it is not (broker trouble: the
    partition is held until it is read)."""
    if held["state"] is None:
        held["state"] = await retry_forever(lambda: load_state(ctx), LOAD_BACKOFF, report_load)
    return held["state"]


async def assign_stories(ctx: WorkerContext, held: dict[str, Any], events: list, target: str) -> None:
    """A batch of articles, in order: each applied to the state; then the rows of all of them
    written (acks awaited together), then all forwarded with their stories. One round trip to
    the broker for the rows and one for the events per batch, not per article: the stage runs
    on the worker's event loop, beside the parse (docs/benchmarks.md, issue #17).

    An article the stage cannot apply is dead-lettered after the ones before it are written and
    forwarded, and the state is read back before the next one (memory may be ahead of the topic)."""
    applied: list[tuple[Any, dict, list]] = []
    for event in events:
        state = await current_state(ctx, held)
        try:
            value = decode_event(event.value)
            added, rows = state.apply(value, first_seen(value, event))
        except Exception as exc:
            held["state"] = None  # partly applied: no eviction from it, and read back for the next
            await write_and_forward(ctx, held, applied, target)
            applied = []
            await ctx.send_dead_letter("stories", event, event.value, exc)
            continue
        applied.append((event, decorate(value, added), rows))
    await write_and_forward(ctx, held, applied, target)


async def write_and_forward(ctx: WorkerContext, held: dict[str, Any], applied: list[tuple[Any, dict, list]],
                            target: str) -> None:
    """The applied articles' rows written, then the articles forwarded; an article whose row the
    broker refuses is dead-lettered instead, and the state read back before the next batch."""
    if not applied:
        return
    latest = {key: row for _event, _result, rows in applied for key, row in rows}
    handed = [(event, result, await hand_over_rows(ctx, rows)) for event, result, rows in applied]
    written: list[tuple[Any, dict]] = []
    for event, result, pending in handed:
        try:
            await confirm_rows(ctx, pending, latest)
        except Exception as exc:
            held["state"] = None
            await ctx.send_dead_letter("stories", event, event.value, exc)
            continue
        written.append((event, result))
    before = held["applied"]
    held["applied"] += len(written)
    state = held["state"]
    if state is not None and held["applied"] // EVICT_EVERY > before // EVICT_EVERY:
        await write_rows(ctx, state.evict_window(WINDOW, datetime.now(UTC)))
    await ctx.forward_batch("stories", target, written)
