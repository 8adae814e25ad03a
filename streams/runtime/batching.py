"""Batches of events for the agents that work a batch at a time, without waking while idle.

Faust's `Stream.take_events(max, within)` wakes every `within` seconds to look at its buffer,
whether or not anything arrived: 100 wake-ups a second at our 10 ms, each building tasks to
wait on, so an idle worker spent ~30 ms of CPU a second on them, and at half capacity they took
the interpreter lock from the parse ~100 times a second (docs/benchmarks.md, issue #17). An
article arriving in between also waited for the next wake-up.

`take_batches` sleeps until the first event arrives, then lets the batch fill while events keep
coming: it goes when it is full, when no event arrived for `QUIET_S` (the backlog is drained: a
worker that was busy finds its queue full and takes it at once; an idle worker takes a lone
article after 1 ms), or `within` after the first event at the latest. Events are acknowledged
after the agent's body has run on the batch, as with take_events.

It hooks into the stream the way take_events does (a processor that fills the buffer, the
stream drained passively, acks turned off while it runs): Faust's private `_enable_passive`
and `_processors` are read here, checked against the pinned release (faust_compat.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from streams.runtime.faust_compat import check_faust_version

QUIET_S = 0.001
"""A non-full batch goes once no event arrived for this long: the events already fetched come
in microseconds apart, so 1 ms only passes when there are none left to take."""


async def take_batches(stream: Any, max_size: int, within: float) -> AsyncIterator[list[Any]]:
    """Yield lists of at most `max_size` events of `stream`: the first waits for as long as it
    takes, the rest of a batch at most `within` seconds after it (see the module docstring)."""
    check_faust_version()
    events: list[Any] = []
    arrived = asyncio.Event()
    room = asyncio.Event()  # clear while the agent works on a batch, or while the buffer is full
    room.set()

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
            room.clear()
            batch = list(events)
            try:
                yield batch
            finally:
                events.clear()
                arrived.clear()
                for event in batch:
                    await stream.ack(event)
                room.set()
    finally:
        stream.enable_acks = acks_were_enabled
        stream._processors.remove(buffer_event)


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
