"""Surge rules: how many articles about an actor or a topic arrived in the last `window`, against
the same count over the trailing `baseline` (pure functions over the alert state's rows).

Why rows of the alert state: every worker follows wire.alert-state whole, so the counts survive
restarts and rebalances, and the candidates of one rule all reach one partition of
wire.alert-scopes (keyed by rule id), so one worker at a time counts and decides for a rule.

Time is event time: the article's `published_at`, else the time it reached wire.raw, never later
than the wall clock. The rule's clock is the latest event time it has counted, so a replay of an
old wire is judged against that wire's own past, and a late article is counted in its own
bucket but does not move the clock back.

Rows (docs/stories.md, "Alerts per story and surge rules"; `<rule>` here is the counts id the
caller passes, candidates.counts_id: the rule id and a digest of what it counts):
- `surge|<rule>|<bucket>`: the articles counted in one window-wide bucket, `{ids: {hash: t}}`;
  an article already in its bucket (a replay, a second copy of a candidate) is not counted again.
- `surge|<rule>`: the clock, the first article's time and the episode (`active`, `started`,
  `last_hot`).

A surge fires once when the count in the window reaches `min_articles` and is `threshold`
standard deviations above the baseline's mean per window; sigma is at least sqrt(mean) and at
least 1 (article arrivals are Poisson-like: a perfectly steady synthetic flow has a std of 0,
and one more article must not be "infinitely" unusual). The baseline is made of the whole windows
of history the rule has (since it was added, or since the first article it counted if that is
earlier, e.g. a replayed wire), at most `baseline` long and at least MIN_HISTORY_WINDOWS. The
episode ends, and the rule is armed again, once the condition has been false for a whole window.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

DURATION = re.compile(r"^([1-9][0-9]*)([mhd])$")
UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400}
DEFAULTS: dict[str, Any] = {"window": "1h", "baseline": "7d", "threshold": 3.0, "min_articles": 5}
MAX_SCAN = 10_000  # buckets looked at for tombstones when the clock jumps far ahead
MIN_HISTORY_WINDOWS = 3  # whole windows of history before a rule may call anything a surge
MAX_BASELINE_WINDOWS = 2016  # a week of 5-minute windows: the rows of one rule stay bounded


def duration_seconds(text: str) -> int:
    """"90m", "1h", "7d" -> seconds; ValueError otherwise."""
    match = DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"expected a duration like 30m, 1h or 7d, got {text!r}")
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


def spec_problems(surge: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) for what the schema cannot say about a `surge` object."""
    problems: list[tuple[str, str]] = []
    if ("actor" in surge) == ("topic" in surge):
        problems.append(("", "give exactly one of actor or topic"))
    seconds = {}
    for name in ("window", "baseline"):
        value = surge.get(name, DEFAULTS[name])
        try:
            seconds[name] = duration_seconds(value)
        except ValueError as exc:
            problems.append((name, str(exc)))
    if len(seconds) == 2:
        window, baseline = seconds["window"], seconds["baseline"]
        if baseline % window or baseline < 2 * window:
            problems.append(("baseline", "must be a multiple of the window, at least twice as long"))
        elif baseline // window > MAX_BASELINE_WINDOWS:
            problems.append(("baseline", f"holds more than {MAX_BASELINE_WINDOWS} windows; use a longer window"))
    return problems


@dataclass(frozen=True)
class SurgeSpec:
    """A rule's `surge` condition, durations in seconds; `actor` or `topic` names the subject."""

    window: int
    baseline: int
    threshold: float
    min_articles: int
    actor: str | None = None
    topic: str | None = None

    @classmethod
    def from_dict(cls, surge: Mapping[str, Any]) -> SurgeSpec:
        """From a validated rule's `surge` (streams.contracts checked it)."""
        return cls(window=duration_seconds(surge.get("window", DEFAULTS["window"])),
                   baseline=duration_seconds(surge.get("baseline", DEFAULTS["baseline"])),
                   threshold=float(surge.get("threshold", DEFAULTS["threshold"])),
                   min_articles=int(surge.get("min_articles", DEFAULTS["min_articles"])),
                   actor=surge["actor"].strip() if isinstance(surge.get("actor"), str) else None,
                   topic=surge["topic"].strip() if isinstance(surge.get("topic"), str) else None)

    def to_dict(self) -> dict[str, Any]:
        subject = {"actor": self.actor} if self.actor is not None else {"topic": self.topic}
        return {**subject, "window": _duration_text(self.window), "baseline": _duration_text(self.baseline),
                "threshold": self.threshold, "min_articles": self.min_articles}

    def describe(self) -> str:
        subject = f"actor {self.actor}" if self.actor is not None else f"topic {self.topic}"
        return (f"surge of {subject}: >= {self.min_articles} articles in {_duration_text(self.window)}, "
                f"z >= {self.threshold:g} over {_duration_text(self.baseline)}")


def _duration_text(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % UNIT_SECONDS[unit] == 0:
            return f"{seconds // UNIT_SECONDS[unit]}{unit}"
    return f"{seconds // 60}m"


# ------------------------------------------------------------------ the counts


def episode_key(rule_id: str) -> str:
    return f"surge|{rule_id}"


def bucket_key(rule_id: str, bucket: int) -> str:
    return f"surge|{rule_id}|{bucket}"


def article_hash(article_id: str) -> str:
    return hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:12]


class Stats(NamedTuple):
    count: int  # articles in (clock - window, clock]
    mean: float  # per window, over the baseline
    sigma: float
    z: float
    windows: int  # whole windows of history the baseline is made of


class Observation(NamedTuple):
    fire: bool
    stats: Stats | None  # None when the article was not counted (a replay, or too old)
    updates: dict[str, Any]  # rows to write (None = tombstone)
    started: float | None  # the episode's start (event time) when it fires


def _ids(state: Mapping[str, Any], key: str) -> dict[str, float]:
    row = state.get(key)
    ids = row.get("ids") if isinstance(row, Mapping) else None
    return dict(ids) if isinstance(ids, Mapping) else {}


def window_stats(state: Mapping[str, Any], rule_id: str, spec: SurgeSpec, clock: float,
                 history_start: float) -> Stats:
    """The window's count at `clock` and the baseline it is compared with: the whole windows
    of the trailing `baseline` that lie after `history_start` (before it, nothing was counted)."""
    window = spec.window
    low = clock - window
    count = 0
    for bucket in {math.floor(low / window), math.floor(clock / window)}:
        count += sum(1 for t in _ids(state, bucket_key(rule_id, bucket)).values() if low < t <= clock)
    end = math.floor(low / window)  # the bucket the window starts in is not part of the baseline
    windows = max(0, min(spec.baseline // window, end - math.ceil(history_start / window)))
    counts = [len(_ids(state, bucket_key(rule_id, bucket))) for bucket in range(end - windows, end)]
    mean = sum(counts) / windows if windows else 0.0
    std = math.sqrt(sum((c - mean) ** 2 for c in counts) / windows) if windows else 0.0
    sigma = max(std, math.sqrt(mean), 1.0)
    return Stats(count=count, mean=mean, sigma=sigma, z=(count - mean) / sigma, windows=windows)


def observe(state: Mapping[str, Any], rule_id: str, spec: SurgeSpec, article_id: str, at: float,
            now: float, rule_added: float | None = None) -> Observation:
    """Count one article (event time `at`) for a surge rule and say whether the rule fires.

    The rule's history starts when it was added (`rule_added`, wall clock) or at the first
    article it counted, whichever is earlier; it fires only with MIN_HISTORY_WINDOWS of history
    (a rule added this minute has no baseline to call anything a surge). Idempotent: the same
    article at the same time is counted once, and a replay changes nothing."""
    t = min(at, now)
    window = spec.window
    episode = state.get(episode_key(rule_id))
    episode = dict(episode) if isinstance(episode, Mapping) else {}
    old_clock = float(episode.get("clock", t))
    if t <= old_clock - window - spec.baseline - window:
        return Observation(False, None, {}, None)  # older than anything the rule still compares
    bucket = math.floor(t / window)
    key = bucket_key(rule_id, bucket)
    ids = _ids(state, key)
    digest = article_hash(article_id)
    if digest in ids:
        return Observation(False, None, {}, None)
    ids[digest] = t
    updates: dict[str, Any] = {key: {"ids": ids, "seen_at": now}}
    clock = max(old_clock, t)
    first = min(float(episode.get("first", t)), t)
    history_start = first if rule_added is None else min(first, rule_added)
    stats = window_stats(_Overlay(state, updates), rule_id, spec, clock, history_start)
    hot = (stats.count >= spec.min_articles and stats.z >= spec.threshold
           and stats.windows >= MIN_HISTORY_WINDOWS)
    fire = False
    started = None
    if hot:
        if not episode.get("active"):
            fire, started = True, clock
            episode.update(active=True, started=clock)
        episode["last_hot"] = clock
    elif episode.get("active") and clock - float(episode.get("last_hot", clock)) >= window:
        episode["active"] = False  # quiet for a whole window: the next burst is a new surge
    episode.update(clock=clock, first=first, seen_at=now)
    updates[episode_key(rule_id)] = episode
    updates.update(_evicted(state, rule_id, spec, old_clock, clock))
    return Observation(fire, stats, updates, started)


def _evicted(state: Mapping[str, Any], rule_id: str, spec: SurgeSpec, old_clock: float,
             clock: float) -> dict[str, None]:
    """Tombstones for the buckets that fell out of the baseline as the clock moved on."""
    window = spec.window
    windows = spec.baseline // window

    def lowest(at: float) -> int:
        return math.floor((at - window) / window) - windows

    end = lowest(clock)
    start = max(min(lowest(old_clock), end) - 2, end - MAX_SCAN)
    return {bucket_key(rule_id, b): None for b in range(start, lowest(clock))
            if state.get(bucket_key(rule_id, b)) is not None}


class _Overlay(Mapping[str, Any]):
    """The state with pending updates laid over it (for the window's count after this article)."""

    def __init__(self, state: Mapping[str, Any], updates: Mapping[str, Any]):
        self.state, self.updates = state, updates

    def __getitem__(self, key: str) -> Any:
        if key in self.updates:
            return self.updates[key]
        return self.state[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.updates[key] if key in self.updates else self.state.get(key, default)

    def __iter__(self):
        raise TypeError("not iterable")

    def __len__(self) -> int:
        raise TypeError("no length")


def surge_alert_id(rule_id: str, started: float) -> str:
    """One id per (rule, episode): a replay that fires again yields the same id."""
    return hashlib.sha256(f"{rule_id}|surge|{started:.3f}".encode()).hexdigest()[:32]
