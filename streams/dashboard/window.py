"""The dashboard's memory: the latest enriched articles, alerts and dead letters, bounded.

A dashboard that follows a wire for days must not grow: every collection here has a fixed
maximum and the oldest item goes first. Articles are kept by id, latest version only (a wire
update replaces its story in place; a replayed older version is ignored).
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

# Entity types that count as actors (people and bodies, not places or events).
ACTOR_TYPES: frozenset[str] = frozenset({"PER", "ORG"})


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _version(article: Mapping[str, Any]) -> int:
    version = article.get("version", 1)
    return version if isinstance(version, int) and not isinstance(version, bool) else 1


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def entities_of(article: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The article's entities that have an id and a name (anything else cannot be shown or linked)."""
    return [e for e in _dicts(article.get("entities")) if _text(e.get("id")) and _text(e.get("name"))]


def quotes_of(article: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return _dicts(article.get("quotes"))


def topics_of(article: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [t for t in _dicts(article.get("topics")) if _text(t.get("code"))]


def top_actors(article: Mapping[str, Any], limit: int = 3) -> list[Mapping[str, Any]]:
    """The people and bodies an article is most about: quoted ones first, then by salience."""
    actors = [e for e in entities_of(article) if e.get("type") in ACTOR_TYPES]
    actors.sort(key=lambda e: (not e.get("quoted"), -float(e.get("salience") or 0.0)))
    return actors[:limit]


@dataclass
class ArticleEntry:
    """One article as the dashboard holds it: the event, when it arrived, and its end-to-end
    latency (raw record in -> enriched record out) when the raw record was seen."""

    article: dict[str, Any]
    received_ms: int
    latency_ms: float | None = None
    rendered: dict[str, str] = field(default_factory=dict)  # template name -> HTML, rendered once

    @property
    def id(self) -> str:
        return str(self.article.get("id"))

    @property
    def version(self) -> int:
        return _version(self.article)


@dataclass(frozen=True)
class ArticleFilter:
    """The live page's filters; empty fields match everything. Built from the page's query string
    and applied both to the first render and to the article events pushed to that page."""

    language: str = ""
    topic: str = ""  # a medtop code
    source: str = ""
    actor: str = ""  # a canonical entity id

    FIELDS = ("language", "topic", "source", "actor")

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> ArticleFilter:
        return cls(**{name: (query.get(name) or "").strip()[:512] for name in cls.FIELDS})

    def as_query(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in self.FIELDS if getattr(self, name)}

    @property
    def active(self) -> bool:
        return bool(self.as_query())

    def matches(self, article: Mapping[str, Any]) -> bool:
        if self.language and not _same_language(_text(article.get("language")), self.language):
            return False
        if self.source and _text(article.get("source")).casefold() != self.source.casefold():
            return False
        if self.topic and all(t.get("code") != self.topic for t in topics_of(article)):
            return False
        return not self.actor or any(e.get("id") == self.actor for e in entities_of(article))


def _same_language(tag: str, wanted: str) -> bool:
    """'fr' matches 'fr' and 'fr-CA'."""
    tag, wanted = tag.casefold(), wanted.casefold()
    return tag == wanted or tag.startswith(wanted + "-")


@dataclass(frozen=True)
class Facet:
    """One choice of a filter menu: what it filters on, what it shows, how many articles have it."""

    value: str
    label: str
    count: int


@dataclass(frozen=True)
class Facets:
    """The values the live page offers in its filter menus, most frequent first."""

    languages: list[Facet]
    topics: list[Facet]
    sources: list[Facet]
    actors: list[Facet]


def _facet(counts: dict[str, list], limit: int) -> list[Facet]:
    ranked = sorted(counts.items(), key=lambda item: (-item[1][1], item[1][0].casefold()))
    return [Facet(value, label, count) for value, (label, count) in ranked[:limit]]


def _tally(counts: dict[str, list], value: str, label: str) -> None:
    if value:
        counts.setdefault(value, [label or value, 0])[1] += 1


@dataclass(frozen=True)
class StageTiming:
    stage: str
    mean_ms: float
    p95_ms: float
    samples: int


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))
    return ordered[rank]


class Window:
    """Bounded collections of what the dashboard has read, newest last."""

    def __init__(self, max_articles: int = 500, max_alerts: int = 300, max_deadletters: int = 200,
                 max_samples: int = 1000):
        self.max_articles = max_articles
        self._articles: OrderedDict[str, ArticleEntry] = OrderedDict()
        self.alerts: deque[dict[str, Any]] = deque(maxlen=max_alerts)
        self.deadletters: deque[dict[str, Any]] = deque(maxlen=max_deadletters)
        self._timings: deque[Mapping[str, Any]] = deque(maxlen=max_samples)
        self._latencies: deque[float] = deque(maxlen=max_samples)
        self.deadletters_by_stage: dict[str, int] = {}
        self.articles_seen = 0
        self.alerts_seen = 0

    # --- adding ---------------------------------------------------------------------------

    def add_article(self, article: dict[str, Any], received_ms: int,
                    latency_ms: float | None = None) -> ArticleEntry | None:
        """Keep the latest version of an article; None when an older version arrives late."""
        article_id = article.get("id")
        if not isinstance(article_id, str) or not article_id:
            return None
        held = self._articles.get(article_id)
        if held is not None and held.version > _version(article):
            return None
        entry = ArticleEntry(article, received_ms, latency_ms)
        self._articles.pop(article_id, None)
        self._articles[article_id] = entry
        while len(self._articles) > self.max_articles:
            self._articles.popitem(last=False)
        self.articles_seen += 1
        timings = article.get("timings_ms")
        if isinstance(timings, Mapping):
            self._timings.append(timings)
        if latency_ms is not None:
            self._latencies.append(latency_ms)
        return entry

    def add_alert(self, alert: dict[str, Any]) -> None:
        self.alerts.append(alert)
        self.alerts_seen += 1

    def add_deadletter(self, letter: dict[str, Any]) -> None:
        self.deadletters.append(letter)
        stage = _text(letter.get("stage")) or "?"
        self.deadletters_by_stage[stage] = self.deadletters_by_stage.get(stage, 0) + 1

    # --- reading --------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._articles)

    def article(self, article_id: str) -> ArticleEntry | None:
        return self._articles.get(article_id)

    def entries(self) -> Iterator[ArticleEntry]:
        """Every article held, newest first."""
        return reversed(self._articles.values())

    def articles(self, article_filter: ArticleFilter = ArticleFilter(), limit: int = 100) -> list[ArticleEntry]:
        found: list[ArticleEntry] = []
        for entry in self.entries():
            if article_filter.matches(entry.article):
                found.append(entry)
                if len(found) >= limit:
                    break
        return found

    def latest_alerts(self, limit: int = 100, article_id: str | None = None) -> list[dict[str, Any]]:
        """Alerts newest first, optionally only those an article fired."""
        found = []
        for alert in reversed(self.alerts):
            if article_id is None or alert.get("article_id") == article_id:
                found.append(alert)
                if len(found) >= limit:
                    break
        return found

    def latest_deadletters(self, limit: int = 50) -> list[dict[str, Any]]:
        return list(reversed(self.deadletters))[:limit]

    def facets(self, limit: int = 40) -> Facets:
        languages: dict[str, list] = {}
        topics: dict[str, list] = {}
        sources: dict[str, list] = {}
        actors: dict[str, list] = {}
        for entry in self._articles.values():
            article = entry.article
            _tally(languages, _text(article.get("language")), "")
            _tally(sources, _text(article.get("source")), "")
            for topic in topics_of(article):
                _tally(topics, topic["code"], _text(topic.get("label")))
            for entity in entities_of(article):
                if entity.get("type") in ACTOR_TYPES:
                    _tally(actors, entity["id"], entity["name"])
        return Facets(_facet(languages, limit), _facet(topics, limit), _facet(sources, limit), _facet(actors, limit))

    def stage_timings(self) -> dict[str, StageTiming]:
        """Mean and 95th percentile of each stage's time over the recent articles."""
        by_stage: dict[str, list[float]] = {}
        for timings in self._timings:
            for stage, value in timings.items():
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    by_stage.setdefault(str(stage), []).append(float(value))
        return {stage: StageTiming(stage, sum(values) / len(values), percentile(values, 0.95), len(values))
                for stage, values in by_stage.items()}

    def latency(self) -> tuple[float, float, int] | None:
        """(median, 95th percentile, samples) of the end-to-end latency in ms, if measured."""
        values = list(self._latencies)
        if not values:
            return None
        return percentile(values, 0.5), percentile(values, 0.95), len(values)
