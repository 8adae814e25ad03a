"""Batches of events for the agents that work a batch at a time, without waking while idle, and
with the next batch read while the broker confirms the last one.

Faust's `Stream.take_events(max, within)` wakes every `within` seconds to look at its buffer,
whether or not anything arrived: 100 wake-ups a second at our 10 ms, each building tasks to
wait on, so an idle worker spent ~30 ms of CPU a second on them, and at half capacity they took
the interpreter lock from the parse ~100 times a second (docs/benchmarks.md, issue #17). An
article arriving in between also waited for the next wake-up.

`take_batches` sleeps until the first event arrives, then lets the batch fill while events keep
coming: it goes when it is full, when no event arrived for `QUIET_S` (the backlog is drained: a
worker that was busy finds its queue full and takes it at once; an idle worker takes a lone
article after 1 ms), or `within` after the first event at the latest. While the agent works on
a batch, the next one fills.

Events are acknowledged (their offsets may be committed) only after the agent is done with their
batch. An agent that has handed its records to the producer may leave the waiting for the
broker's acknowledgements to `batch.finish` (an awaitable): the next batch is then taken at once,
and the parse runs while the broker confirms the last batch's records (a loaded worker's parse
thread otherwise idled ~5 % of the time on that round trip). At most one batch finishes behind
the one being worked on, and batches are acknowledged in order.

It hooks into the stream the way take_events does (a processor that fills the buffer, the
stream drained passively, acks turned off while it runs): Faust's private `_enable_passive`
and `_processors` are read here, checked against the pinned release (faust_compat.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from streams.runtime.faust_compat import check_faust_version

log = logging.getLogger(__name__)

QUIET_S = 0.001
"""A non-full batch goes once no event arrived for this long: the events already fetched come
in microseconds apart, so 1 ms only passes when there are none left to take."""


class Batch(list):
    """The events of one batch. `finish`, when the agent sets it, is awaited before the events
    are acknowledged; the agent has already done everything else with them."""

    finish: Awaitable[Any] | None = None


async def take_batches(stream: Any, max_size: int, within: float) -> AsyncIterator[Batch]:
    """Yield batches of at most `max_size` events of `stream`: the first event is waited for as
    long as it takes, the rest of a batch at most `within` seconds after it (see the module
    docstring)."""
    check_faust_version()
    events: list[Any] = []
    arrived = asyncio.Event()
    room = asyncio.Event()  # clear while the next batch is full
    room.set()
    finishing: asyncio.Future | None = None  # the previous batch, finishing and then acknowledged

    async def buffer_event(value: Any) -> Any:
        await room.wait()
        event = stream.current_event
        if event is None:
            raise RuntimeError("take_batches: the stream has no current event")
        events.append(event)
        arrived.set()
        if len(events) >= max_size:
            room.clear()
        return value

    acks_were_enabled = stream.enable_acks
    stream.enable_acks = False
    stream.add_processor(buffer_event)
    stream._enable_passive(aiter(stream.channel))
    loop = asyncio.get_running_loop()
    try:
        while not stream.should_stop:
            if not events and await stream.wait_for_stopped(arrived):
                break
            await _fill(events, arrived, max_size, loop.time() + within)
            batch = Batch(events)
            events.clear()
            arrived.clear()
            room.set()
            try:
                yield batch
            finally:
                previous = finishing
                if batch.finish is None:
                    finishing = None
                    if previous is not None:
                        await previous
                    await _acknowledge(stream, batch)
                else:
                    finishing = asyncio.ensure_future(_finish_then_acknowledge(stream, batch, previous))
                    if previous is not None:  # one batch finishing behind the one worked on, no more
                        await previous
    finally:
        stream.enable_acks = acks_were_enabled
        stream._processors.remove(buffer_event)
        if finishing is not None:
            await finishing


async def _fill(events: list[Any], arrived: asyncio.Event, max_size: int, deadline: float) -> None:
    """Wait while events keep arriving, until the batch is full or `deadline` (loop time)."""
    loop = asyncio.get_running_loop()
    while len(events) < max_size:
        arrived.clear()
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        try:
            async with asyncio.timeout(min(QUIET_S, remaining)):
                await arrived.wait()
        except TimeoutError:
            return


async def _finish_then_acknowledge(stream: Any, batch: Batch, previous: asyncio.Future | None) -> None:
    if previous is not None:
        await previous
    try:
        await batch.finish
    except Exception:  # the agent's finish handles its own failures; this is the last resort
        log.exception("finishing a batch of %d event(s) failed; acknowledging them as Faust would", len(batch))
    await _acknowledge(stream, batch)


async def _acknowledge(stream: Any, batch: Batch) -> None:
    for event in batch:
        await stream.ack(event)
