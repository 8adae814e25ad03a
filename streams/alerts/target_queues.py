"""One bounded queue and a few delivery tasks per webhook target (asyncio, no Kafka).

Why: with one queue for every target, a target that answers 500 or refuses connections keeps
retrying at the head of the line and the healthy targets behind it wait (issue 18: 94 of 200
alerts in 244 s). Here each target has its own queue, its own tasks and so its own retry
schedule; when a target's queue is full the job is refused at once (the caller dead-letters
it) instead of blocking the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("wirewatch.deliveries")

QUEUE_SIZE = 1000  # jobs waiting per target before new ones are refused
CONCURRENCY = 8  # deliveries in flight per target


@dataclass(frozen=True)
class Job:
    """One alert to one webhook target."""

    target: Hashable  # (rule id, url digest)
    alert_id: str
    partition: int  # of the alert on wire.alerts: the jobs of a partition go with it
    payload: Any = field(compare=False, hash=False, repr=False)

    @property
    def name(self) -> tuple[str, Hashable]:
        return (self.alert_id, self.target)


@dataclass
class _Lane:
    queue: asyncio.Queue
    workers: list[asyncio.Task]
    running: dict[asyncio.Task, Job] = field(default_factory=dict)


class TargetQueues:
    """Runs `run(job)` for each offered job, per target in order of arrival, up to
    `concurrency` at a time per target; `on_change(target, backlog)` after every change."""

    def __init__(self, run: Callable[[Job], Awaitable[None]], *, size: int = QUEUE_SIZE,
                 concurrency: int = CONCURRENCY,
                 on_change: Callable[[Hashable, int], None] = lambda target, backlog: None):
        self._run = run
        self._size = size
        self._concurrency = concurrency
        self._on_change = on_change
        self._lanes: dict[Hashable, _Lane] = {}
        self._active: set[tuple[str, Hashable]] = set()  # queued or running
        self._dropped: set[tuple[str, Hashable]] = set()  # queued, then dropped with their partition

    def has(self, job: Job) -> bool:
        return job.name in self._active

    def offer(self, job: Job) -> bool:
        """Queue `job`; False when its target's queue is full. A job already queued or running
        is not queued twice (and counts as accepted)."""
        if job.name in self._active:
            return True
        lane = self._lane(job.target)
        try:
            lane.queue.put_nowait(job)
        except asyncio.QueueFull:
            return False
        self._active.add(job.name)
        self._changed(job.target)
        return True

    def backlog(self, target: Hashable) -> int:
        lane = self._lanes.get(target)
        return 0 if lane is None else lane.queue.qsize() + len(lane.running)

    def total(self) -> int:
        return sum(self.backlog(target) for target in self._lanes)

    def drop_partitions(self, partitions: set[int]) -> int:
        """Forget the jobs of partitions this worker no longer owns (the new owner resumes them
        from the state topic); running ones are cancelled. Returns how many were dropped."""
        dropped = 0
        for target, lane in self._lanes.items():
            for task, job in list(lane.running.items()):
                if job.partition in partitions:
                    task.cancel()
                    dropped += 1
            for job in list(lane.queue._queue):  # asyncio.Queue has no public scan
                if job.partition in partitions and job.name not in self._dropped:
                    self._dropped.add(job.name)
                    self._active.discard(job.name)
                    dropped += 1
            self._changed(target)
        return dropped

    async def close(self) -> None:
        tasks = [task for lane in self._lanes.values() for task in (*lane.workers, *lane.running)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._lanes.clear()
        self._active.clear()

    def _lane(self, target: Hashable) -> _Lane:
        lane = self._lanes.get(target)
        if lane is None:
            lane = _Lane(asyncio.Queue(self._size), [])
            lane.workers = [asyncio.create_task(self._work(target, lane)) for _ in range(self._concurrency)]
            self._lanes[target] = lane
        return lane

    async def _work(self, target: Hashable, lane: _Lane) -> None:
        while True:
            job: Job = await lane.queue.get()
            if job.name in self._dropped:
                self._dropped.discard(job.name)
                continue
            task = asyncio.create_task(self._run(job))
            lane.running[task] = job
            self._changed(target)
            try:
                await asyncio.wait({task})  # a cancelled job must not cancel this loop
                if not task.cancelled() and task.exception() is not None:
                    log.error("delivery of alert %s failed unexpectedly: %r", job.alert_id, task.exception())
            finally:
                lane.running.pop(task, None)
                self._active.discard(job.name)
                self._changed(target)

    def _changed(self, target: Hashable) -> None:
        self._on_change(target, self.backlog(target))
