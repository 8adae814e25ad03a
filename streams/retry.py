"""One exponential backoff policy for every retry loop: broker sends, readers of compacted
topics, waits for state to become current, webhook deliveries."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# 2**60 already exceeds any cap; a larger exponent would only risk an overflow.
_MAX_EXPONENT = 60


@dataclass(frozen=True)
class Backoff:
    """Retry number `attempt` (1 = after the first failure) waits `base * factor**(attempt-1)`,
    at most `cap`. With `jitter` (full jitter) it waits a uniform draw below that ceiling
    instead, so that many clients failing together do not retry together."""

    base: float
    cap: float
    factor: float = 2.0
    jitter: bool = False

    def ceiling(self, attempt: int) -> float:
        exponent = min(max(attempt - 1, 0), _MAX_EXPONENT)
        return min(self.cap, self.base * self.factor**exponent)

    def delay(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        ceiling = self.ceiling(attempt)
        return rng() * ceiling if self.jitter else ceiling


OnFailure = Callable[[Exception, float], None]
"""Told each failure and the delay before the next try (to log it)."""


async def retry_forever(
    action: Callable[[], Awaitable[T]],
    backoff: Backoff,
    on_failure: OnFailure,
    *,
    retry_on: tuple[type[Exception], ...] = (Exception,),
    give_up_on: tuple[type[Exception], ...] = (),
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> T:
    """Await `action()` until it succeeds, waiting `backoff` between tries; never gives up on
    a `retry_on` error (the caller holds its partition rather than lose work). A `give_up_on`
    error, or any other, is raised at once; so is cancellation."""
    attempt = 0
    while True:
        try:
            return await action()
        except give_up_on:
            raise
        except retry_on as exc:
            attempt += 1
            delay = backoff.delay(attempt)
            on_failure(exc, delay)
            await sleep(delay)
