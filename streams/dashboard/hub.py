"""Fan-out of dashboard updates to the browsers' Server-Sent Event streams.

Each open page is a Subscription with its own bounded queue and its own filter. Publishing never
blocks and never waits for a slow browser: a subscriber whose queue is full is told to reload
(the page then renders the current window) instead of holding the feed back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RELOAD = "reload"
CLOSING = "closing"  # the server is stopping: every stream ends

Accept = Callable[[str, Any], bool]


def _accept_all(kind: str, item: Any) -> bool:
    return True


@dataclass(eq=False)
class Subscription:
    kinds: frozenset[str]
    accept: Accept = _accept_all
    queue: asyncio.Queue = field(default_factory=lambda: asyncio.Queue(maxsize=500))
    overflowed: bool = False

    def offer(self, kind: str, item: Any) -> None:
        if self.overflowed or kind not in self.kinds or not self.accept(kind, item):
            return
        try:
            self.queue.put_nowait((kind, item))
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait((RELOAD, None))

    def drain(self, limit: int) -> list[tuple[str, Any]]:
        items = []
        while len(items) < limit and not self.queue.empty():
            items.append(self.queue.get_nowait())
        return items


class Hub:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()

    def subscribe(self, kinds: frozenset[str], accept: Accept = _accept_all) -> Subscription:
        subscription = Subscription(kinds, accept)
        self._subscriptions.add(subscription)
        return subscription

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    def publish(self, kind: str, item: Any) -> None:
        for subscription in list(self._subscriptions):
            subscription.offer(kind, item)

    def close(self) -> None:
        """End every open stream (the server is stopping)."""
        for subscription in list(self._subscriptions):
            try:
                subscription.queue.put_nowait((CLOSING, None))
            except asyncio.QueueFull:
                subscription.drain(1)
                subscription.queue.put_nowait((CLOSING, None))

    def wanted(self, kind: str) -> bool:
        """Whether any open page listens to `kind` (panels are rendered only then)."""
        return any(kind in subscription.kinds for subscription in self._subscriptions)

    def __len__(self) -> int:
        return len(self._subscriptions)


def sse_message(event: str, data: str) -> bytes:
    """One Server-Sent Event; every line of `data` becomes a data: line (the browser joins them
    with newlines again; a carriage return would end a line too, so it is one)."""
    text = data.replace("\r\n", "\n").replace("\r", "\n")
    lines = [f"event: {event}"] + [f"data: {line}" for line in text.split("\n")]
    return ("\n".join(lines) + "\n\n").encode("utf-8")


def group_by_kind(items: list[tuple[str, Any]]) -> list[tuple[str, list[Any]]]:
    """Consecutive items of one kind together, order kept: one message per run of a kind."""
    groups: list[tuple[str, list[Any]]] = []
    for kind, item in items:
        if groups and groups[-1][0] == kind:
            groups[-1][1].append(item)
        else:
            groups.append((kind, [item]))
    return groups
