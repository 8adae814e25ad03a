"""The alert dedup / cool-down state (matching.AlertState) of a worker: a dict in memory whose
source of truth is the compacted topic wire.alert-state (key = state key, value = JSON).

Every worker follows the whole topic, so after a rebalance or a restart the new owner of a
partition of wire.enriched knows what the previous owner already alerted: the alerts agent
calls `ensure_current()` before its first event after each assignment.  Cool-downs are thus
shared by all workers (up to the time a write takes to reach the others)."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from streams.config import Settings
from streams.runtime import codec
from streams.runtime.compacted import CompactedTopicReader

Write = Callable[[bytes, bytes | None], Awaitable[Any]]
"""Sends one record to the state topic and returns its RecordMetadata once the broker has it."""


class AlertStateStore:
    """Mapping-like `get` for matching.decide; `write` sends updates before they count as done."""

    def __init__(self, settings: Settings, write: Write):
        self.values: dict[str, Any] = {}
        self._write = write
        # key -> (partition, offset) of this worker's own latest write: an older record of the
        # same key still on its way through the reader must not undo it.
        self._own: dict[str, tuple[int, int]] = {}
        self._applied: dict[int, int] = {}  # partition -> offset of the last record read back
        self._generation = 1  # bumped by every assignment; _current is the last one caught up
        self._current = 0
        self.reader = CompactedTopicReader(settings, settings.topic("alert-state"), self._apply)

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def __len__(self) -> int:
        return len(self.values)

    def items(self):
        return self.values.items()

    def mark_stale(self) -> None:
        """Partitions moved: others may have written state this worker has not read yet."""
        self._generation += 1

    async def ensure_current(self) -> None:
        while self._current != self._generation:  # an assignment during the wait needs another
            target = self._generation
            await self.reader.caught_up()
            self._current = target

    async def write(self, updates: dict[str, Any]) -> None:
        for key, value in updates.items():
            metadata = await self._write(key.encode("utf-8"), None if value is None else codec.dumps(value))
            if metadata is not None:
                if self._applied.get(metadata.partition, -1) >= metadata.offset:
                    continue  # the reader has applied this record already, maybe a newer one too
                self._own[key] = (metadata.partition, metadata.offset)
            # set after the await: the reader may have applied an older record meanwhile
            if value is None:
                self.values.pop(key, None)
            else:
                self.values[key] = value

    def _apply(self, record) -> None:
        self._applied[record.partition] = record.offset
        if record.key is None:
            return
        key = record.key.decode("utf-8", "replace")
        own = self._own.get(key)
        if own is not None:
            if record.partition == own[0] and record.offset < own[1]:
                return  # older than what this worker wrote itself
            del self._own[key]
        if record.value is None:
            self.values.pop(key, None)
            return
        try:
            self.values[key] = codec.loads(record.value)
        except Exception:  # an unreadable record is treated as absent
            self.values.pop(key, None)

    async def run(self) -> None:
        await self.reader.run()
