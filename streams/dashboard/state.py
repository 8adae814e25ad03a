"""Everything the dashboard knows, and how one topic record changes it.

The Kafka reader (feed.py) hands every record it reads to `Dashboard.on_record`; pages read the
window, the actor board and the rules from here; each change is published to the hub for the
open pages. No Kafka and no HTTP here, so a test drives it with plain records.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from streams.alerts.store import apply_rule_record
from streams.config import Settings
from streams.dashboard.actors import ActorBoard
from streams.dashboard.health import RateMeter
from streams.dashboard.hub import Hub
from streams.dashboard.window import Window
from streams.runtime import codec

log = logging.getLogger("wirewatch.dashboard")

# The topics the dashboard reads record by record (the others it only counts, by offsets).
READ_TOPICS: tuple[str, ...] = ("enriched", "alerts", "deadletter", "raw")
RAW_TIMES_KEPT = 20000  # raw arrival times remembered to measure end-to-end latency


@dataclass
class FeedStatus:
    """What the reader last said about the broker, shown in every page's footer."""

    connected: bool = False
    loaded: bool = False  # the history read at start-up is in
    error: str = ""
    unreadable: int = 0  # records on the public topics that were not JSON objects


class Dashboard:
    def __init__(self, settings: Settings, *, max_articles: int = 500, group_id: str | None = None):
        self.settings = settings
        self.group_id = group_id or settings.app_id
        self.window = Window(max_articles=max_articles)
        self.board = ActorBoard()
        self.meter = RateMeter()
        self.hub = Hub()
        self.status = FeedStatus()
        self.rules: dict[str, dict[str, Any]] = {}
        self.rules_loaded = False
        self.lags: dict[str, int] = {}
        self.positions: dict[tuple[str, int], int] = {}  # (topic, partition) -> next offset to read
        self._raw_times: OrderedDict[bytes, int] = OrderedDict()
        self._suffixes = {settings.topic(suffix): suffix for suffix in READ_TOPICS}

    def topic(self, suffix: str) -> str:
        return self.settings.topic(suffix)

    def on_record(self, topic: str, key: bytes | None, value: bytes | None, timestamp_ms: int) -> None:
        """Fold one record of a read topic into the window and tell the open pages."""
        suffix = self._suffixes.get(topic)
        if suffix == "raw":
            self._note_raw(key, timestamp_ms)
            return
        if suffix is None or value is None:
            return
        try:
            event = codec.loads(value)
        except Exception:  # noqa: BLE001 - counted below as unreadable
            event = None
        if not isinstance(event, dict):
            self.status.unreadable += 1
            return
        if suffix == "enriched":
            self.on_enriched(event, key, timestamp_ms)
        elif suffix == "alerts":
            self.window.add_alert(event)
            self.hub.publish("alert", event)
            self.hub.publish("rules", None)  # the rules list counts each rule's alerts
        elif suffix == "deadletter":
            self.window.add_deadletter(event)
            self.hub.publish("deadletter", event)

    def on_enriched(self, article: dict[str, Any], key: bytes | None, timestamp_ms: int) -> None:
        raw_ms = self._raw_times.get(key) if key is not None else None
        latency = float(timestamp_ms - raw_ms) if raw_ms is not None and timestamp_ms >= raw_ms else None
        entry = self.window.add_article(article, timestamp_ms, latency)
        if entry is None:
            return
        self.board.add(article, timestamp_ms / 1000)
        self.hub.publish("article", entry)

    def _note_raw(self, key: bytes | None, timestamp_ms: int) -> None:
        if key is None:
            return
        self._raw_times.pop(key, None)
        self._raw_times[key] = timestamp_ms
        while len(self._raw_times) > RAW_TIMES_KEPT:
            self._raw_times.popitem(last=False)

    def on_rule_record(self, key: bytes | None, value: bytes | None) -> None:
        apply_rule_record(self.rules, key, value)
        self.hub.publish("rules", None)

    def prune(self, now: float | None = None) -> None:
        self.board.prune(time.time() if now is None else now)
