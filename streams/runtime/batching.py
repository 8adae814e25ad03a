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
article after 1 ms), or `within` after its first event arrived at the latest. While the agent
works on a batch, the next one fills.

Events are acknowledged (their offsets may be committed) only after the agent is done with their
batch: when the agent's body returns for it. An agent that has handed its records to the
producer may leave the waiting for the broker's acknowledgements to `batch.finish` (an
awaitable): the next batch is then taken at once, and the parse runs while the broker confirms
the last batch's records (a loaded worker's parse thread otherwise idled ~5 % of the time on
that round trip). At most one batch finishes behind the one being worked on, and batches are
acknowledged in order. A batch whose body never returned (the agent was stopped or crashed in
it) is not acknowledged: it goes back to the front of the buffer, for the agent Faust restarts
on the same stream, and a worker that stops leaves it to be delivered again.

It hooks into the stream the way take_events does (a processor that fills the buffer, the
stream drained passively, acks turned off), once per stream: the buffer outlives a crashed
agent's generator. Faust's private `_enable_passive` is called here, checked against the pinned
release (faust_compat.py).
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


class _Buffer:
    """What a stream's batches are taken from; one per stream, kept on it."""

    def __init__(self, stream: Any, max_size: int):
        self.stream = stream
        self.max_size = max_size
        self.events: list[Any] = []
        self.arrived = asyncio.Event()
        self.room = asyncio.Event()  # clear while the next batch is full
        self.room.set()
        self.first_arrival = 0.0  # loop time the oldest buffered event arrived
        self.finishing: asyncio.Future | None = None  # the last batch handed on, finishing then acknowledged

    async def add(self, value: Any) -> Any:
        """The stream's processor: every event the stream reads joins the buffer."""
        await self.room.wait()
        event = self.stream.current_event
        if event is None:  # as Faust's take_events does: the stream crashes, its agent restarts
            await self.stream.crash(RuntimeError("take_batches: the stream has no current event"))
            return value
        if not self.events:
            self.first_arrival = asyncio.get_running_loop().time()
        self.events.append(event)
        self.arrived.set()
        if len(self.events) >= self.max_size:
            self.room.clear()
        return value

    def take(self) -> Batch:
        batch = Batch(self.events[:self.max_size])
        del self.events[:self.max_size]
        if len(self.events) < self.max_size:
            self.room.set()
        if not self.events:
            self.arrived.clear()
        return batch

    def put_back(self, batch: Batch) -> None:
        """A batch the agent did not finish goes back to the front, unacknowledged."""
        close = getattr(batch.finish, "close", None)
        if close is not None:  # a coroutine that will never be awaited
            close()
        self.events[:0] = batch
        self.first_arrival = asyncio.get_running_loop().time()
        self.arrived.set()
        if len(self.events) >= self.max_size:
            self.room.clear()


def _buffer_of(stream: Any, max_size: int) -> _Buffer:
    buffer = getattr(stream, "_wirewatch_batches", None)
    if buffer is None:
        buffer = _Buffer(stream, max_size)
        stream._wirewatch_batches = buffer
        stream.enable_acks = False  # this module acknowledges every event itself
        stream.add_processor(buffer.add)
        stream._enable_passive(aiter(stream.channel))
    return buffer


async def take_batches(stream: Any, max_size: int, within: float) -> AsyncIterator[Batch]:
    """Yield batches of at most `max_size` events of `stream`: the first event is waited for as
    long as it takes, the rest of a batch at most `within` seconds after it arrived (see the
    module docstring)."""
    check_faust_version()
    buffer = _buffer_of(stream, max_size)
    while not stream.should_stop:
        if not buffer.events:
            if await stream.wait_for_stopped(buffer.arrived):
                break
            if not buffer.events:
                buffer.arrived.clear()
                continue
        await _fill(buffer, buffer.first_arrival + within)
        batch = buffer.take()
        finished = False
        try:
            yield batch
            finished = True
        finally:
            if finished:
                await _hand_on(stream, buffer, batch)
            else:
                buffer.put_back(batch)


async def _hand_on(stream: Any, buffer: _Buffer, batch: Batch) -> None:
    """Acknowledge a batch the agent is done with, after the one before it; with a finish, in a
    task of its own, waiting here only for the one before (one batch finishing at most)."""
    previous = buffer.finishing
    if batch.finish is None:
        buffer.finishing = None
        if previous is not None:
            await asyncio.shield(previous)  # a stop while waiting must not cancel the other batch's finish
        await _acknowledge(stream, batch)
        return
    buffer.finishing = asyncio.ensure_future(_finish_then_acknowledge(stream, batch, previous))
    if previous is not None:
        await asyncio.shield(previous)


async def _fill(buffer: _Buffer, deadline: float) -> None:
    """Wait while events keep arriving, until the batch is full or `deadline` (loop time)."""
    loop = asyncio.get_running_loop()
    while len(buffer.events) < buffer.max_size:
        buffer.arrived.clear()
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        try:
            async with asyncio.timeout(min(QUIET_S, remaining)):
                await buffer.arrived.wait()
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
