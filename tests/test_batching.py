"""take_batches (streams/runtime/batching.py) on a Faust agent's stream in Faust's test context
(no broker): what is queued goes in one batch, a lone event goes alone without waiting for
company, a batch never exceeds its size, and events are acknowledged only after the agent's body
has run on their batch."""

from __future__ import annotations

import asyncio

import faust
import pytest

from streams.runtime import batching
from streams.runtime.batching import take_batches


@pytest.fixture(autouse=True)
def quiet_long_enough(monkeypatch):
    """Puts in a row come microseconds apart, but a loaded machine may pause for a millisecond:
    the quiet period is stretched so that only the pauses the tests make close a batch."""
    monkeypatch.setattr(batching, "QUIET_S", 0.05)


def run(max_size: int, rounds: list[list[int]], pause: float = 0.3) -> tuple[list[list[int]], list[bool]]:
    """Feed the agent each round's values at once, pausing between rounds; return the batches it
    saw and, per batch, whether any of its events was already acknowledged inside the body."""
    app = faust.App("test-batching", broker="kafka://localhost:1", store="memory://")
    batches: list[list[int]] = []
    acked_inside: list[bool] = []

    @app.agent(app.channel(value_type=int))
    async def agent(stream):
        async for batch in take_batches(stream, max_size, within=0.5):
            acked_inside.append(any(event.message.acked for event in batch))
            batches.append([event.value for event in batch])

    async def main():
        async with agent.test_context() as context:
            expected = sum(len(values) for values in rounds)
            for values in rounds:
                for value in values:
                    await context.put(value)
                await asyncio.sleep(pause)
            for _ in range(100):
                if sum(len(b) for b in batches) >= expected:
                    break
                await asyncio.sleep(0.02)

    asyncio.run(main())
    return batches, acked_inside


def test_what_is_queued_goes_together_and_a_lone_event_alone():
    batches, acked_inside = run(16, [[1, 2, 3, 4, 5], [6], [7, 8]])
    assert batches == [[1, 2, 3, 4, 5], [6], [7, 8]]
    assert acked_inside == [False, False, False]


def test_a_batch_never_exceeds_its_size():
    batches, _ = run(4, [list(range(10))])
    assert [len(batch) for batch in batches] == [4, 4, 2]
    assert [value for batch in batches for value in batch] == list(range(10))


def test_the_next_batch_is_worked_on_while_the_last_finishes_and_acks_stay_in_order():
    """An agent that leaves the broker's confirmation to `batch.finish` gets the next batch at
    once; the first batch is acknowledged only when its finish is done, and before the second."""
    app = faust.App("test-batching-finish", broker="kafka://localhost:1", store="memory://")
    first_released = asyncio.Event()
    seen: dict[str, bool] = {}
    batches: list[list[int]] = []

    @app.agent(app.channel(value_type=int))
    async def agent(stream):
        async for batch in take_batches(stream, 2, within=0.5):
            batches.append([event.value for event in batch])
            if len(batches) == 1:
                first = list(batch)

                async def finish_first():
                    await first_released.wait()

                batch.finish = finish_first()
            else:
                seen["first acked when the second arrived"] = any(e.message.acked for e in first)
                first_released.set()

                async def finish_second():
                    seen["first acked before the second finishes"] = all(e.message.acked for e in first)

                batch.finish = finish_second()

    async def main():
        async with agent.test_context() as context:
            for value in (1, 2, 3, 4):
                await context.put(value)
            for _ in range(100):
                if len(seen) == 2:
                    break
                await asyncio.sleep(0.02)

    asyncio.run(main())
    assert batches == [[1, 2], [3, 4]]
    assert seen == {"first acked when the second arrived": False, "first acked before the second finishes": True}


def test_a_batch_cut_short_is_not_acknowledged_and_goes_to_the_next_agent_on_the_stream():
    """An agent stopped or crashed inside a batch closes its generator there; Faust restarts a
    crashed agent on the same stream. The batch comes again, unacknowledged until the next
    agent is done with it."""
    app = faust.App("test-batching-cut", broker="kafka://localhost:1", store="memory://")
    seen: list[tuple[list[int], bool]] = []
    kept: list = []

    @app.agent(app.channel(value_type=int))
    async def agent(stream):
        first = take_batches(stream, 16, within=0.5)
        batch = await anext(first)
        seen.append(([event.value for event in batch], any(event.message.acked for event in batch)))
        await first.aclose()  # what a crash or a stop does to the generator, mid-batch
        async for batch in take_batches(stream, 16, within=0.5):  # the agent Faust restarts
            seen.append(([event.value for event in batch], any(event.message.acked for event in batch)))
            kept.extend(batch)

    async def main():
        async with agent.test_context() as context:
            for value in (1, 2, 3):
                await context.put(value)
            for _ in range(100):
                if len(seen) >= 2 and all(event.message.acked for event in kept):
                    break
                await asyncio.sleep(0.05)

    asyncio.run(main())
    assert seen == [([1, 2, 3], False), ([1, 2, 3], False)]
    assert len(kept) == 3 and all(event.message.acked for event in kept)
