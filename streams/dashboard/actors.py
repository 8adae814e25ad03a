"""Who is being quoted and mentioned, over the last hour and day, across languages.

Counts are kept per actor in five-minute buckets, keyed by the canonical entity id, so NATO in a
French and an English story add up. An article counts once per actor however often it names
it; a new version of an article replaces its earlier contribution instead of adding to it.
Memory is bounded: buckets older than the longest span are dropped, actors with no bucket left
are forgotten, and only the most recent articles' contributions are remembered for replacement.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from streams.dashboard.window import ACTOR_TYPES, entities_of, quotes_of

BUCKET_SECONDS = 300
HOUR = 3600
DAY = 86400
SPANS: dict[str, int] = {"hour": HOUR, "day": DAY}
Ranking = Literal["quoted", "mentioned"]


@dataclass(frozen=True)
class QuoteRecord:
    """One quote an actor gave, with enough of its article to show and link it."""

    text: str
    cue: str
    language: str
    article_id: str
    headline: str
    source: str
    at: float  # epoch seconds when the article arrived


@dataclass
class ActorRecord:
    id: str
    name: str
    type: str
    languages: dict[str, int] = field(default_factory=dict)  # language -> articles
    buckets: dict[int, list[int]] = field(default_factory=dict)  # bucket start -> [articles, quotes]
    quotes: deque[QuoteRecord] = field(default_factory=lambda: deque(maxlen=30))


@dataclass(frozen=True)
class ActorStat:
    id: str
    name: str
    type: str
    mentioned: int  # articles that name the actor in the span
    quoted: int  # quotes the actor gave in the span
    languages: tuple[str, ...]
    latest_quote: QuoteRecord | None


@dataclass(frozen=True)
class _Contribution:
    bucket: int
    counts: dict[str, tuple[int, int]]  # actor id -> (articles, quotes)
    languages: dict[str, str]  # actor id -> language counted


def _bucket(at: float) -> int:
    return int(at // BUCKET_SECONDS) * BUCKET_SECONDS


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


class ActorBoard:
    """Per-actor counts by time bucket, and each actor's latest quotes in every language."""

    def __init__(self, retention_seconds: int = DAY + HOUR, remembered_articles: int = 20000,
                 quotes_per_actor: int = 30):
        self.retention_seconds = retention_seconds
        self.remembered_articles = remembered_articles
        self.quotes_per_actor = quotes_per_actor
        self._actors: dict[str, ActorRecord] = {}
        self._contributions: OrderedDict[str, _Contribution] = OrderedDict()
        self._latest: deque[tuple[str, QuoteRecord]] = deque(maxlen=50)  # (actor id, quote), any actor

    def __len__(self) -> int:
        return len(self._actors)

    def actor(self, actor_id: str) -> ActorRecord | None:
        return self._actors.get(actor_id)

    def add(self, article: Mapping[str, Any], at: float) -> None:
        """Count an article's actors (replacing what an earlier version of it counted)."""
        article_id = _text(article.get("id"))
        if not article_id:
            return
        self._withdraw(article_id)
        language = _text(article.get("language")).split("-")[0].lower()
        counts: dict[str, tuple[int, int]] = {}
        for entity in entities_of(article):
            if entity.get("type") in ACTOR_TYPES:
                self._record(entity["id"], entity["name"], _text(entity.get("type")))
                counts[entity["id"]] = (1, 0)
        for quote in quotes_of(article):
            speaker = quote.get("speaker")
            speaker_id = _text(speaker.get("entity_id")) if isinstance(speaker, Mapping) else ""
            if not speaker_id:
                continue
            record = self._record(speaker_id, _text(speaker.get("name")) or speaker_id, "PER")
            articles, quotes = counts.get(speaker_id, (1, 0))
            counts[speaker_id] = (articles, quotes + 1)
            said = QuoteRecord(text=_text(quote.get("text")), cue=_text(quote.get("cue")), language=language,
                               article_id=article_id, headline=_text(article.get("headline")),
                               source=_text(article.get("source")), at=at)
            record.quotes.append(said)
            self._latest.append((speaker_id, said))
        bucket = _bucket(at)
        for actor_id, (articles, quotes) in counts.items():
            record = self._actors[actor_id]
            slot = record.buckets.setdefault(bucket, [0, 0])
            slot[0] += articles
            slot[1] += quotes
            if language:
                record.languages[language] = record.languages.get(language, 0) + 1
        self._contributions[article_id] = _Contribution(bucket, counts, {a: language for a in counts})
        while len(self._contributions) > self.remembered_articles:
            self._contributions.popitem(last=False)

    def _record(self, actor_id: str, name: str, entity_type: str) -> ActorRecord:
        record = self._actors.get(actor_id)
        if record is None:
            record = ActorRecord(actor_id, name, entity_type or "PER", quotes=deque(maxlen=self.quotes_per_actor))
            self._actors[actor_id] = record
        elif name and record.type == "PER" and entity_type and entity_type != "PER":
            record.type = entity_type  # a speaker seen first may be a body (a ministry "said")
        return record

    def _withdraw(self, article_id: str) -> None:
        earlier = self._contributions.pop(article_id, None)
        if earlier is None:
            return
        for actor_id, (articles, quotes) in earlier.counts.items():
            record = self._actors.get(actor_id)
            if record is None:
                continue
            slot = record.buckets.get(earlier.bucket)
            if slot is not None:
                slot[0] -= articles
                slot[1] -= quotes
                if slot[0] <= 0 and slot[1] <= 0:
                    del record.buckets[earlier.bucket]
            language = earlier.languages.get(actor_id)
            if language and record.languages.get(language, 0) > 0:
                record.languages[language] -= 1
                if not record.languages[language]:
                    del record.languages[language]
            if quotes:
                _drop_article(record.quotes, article_id, lambda item: item.article_id)
        _drop_article(self._latest, article_id, lambda item: item[1].article_id)

    def prune(self, now: float) -> None:
        """Drop buckets older than the retention, and actors left with none."""
        oldest = _bucket(now - self.retention_seconds)
        for actor_id in list(self._actors):
            record = self._actors[actor_id]
            for bucket in [b for b in record.buckets if b < oldest]:
                del record.buckets[bucket]
            if not record.buckets:
                del self._actors[actor_id]

    def counts(self, record: ActorRecord, now: float, span_seconds: int) -> tuple[int, int]:
        """(articles naming the actor, quotes it gave) over the last `span_seconds`."""
        since = _bucket(now - span_seconds)
        mentioned = quoted = 0
        for bucket, (articles, quotes) in record.buckets.items():
            if bucket >= since:
                mentioned += articles
                quoted += quotes
        return mentioned, quoted

    def top(self, now: float, span_seconds: int, by: Ranking, limit: int = 20) -> list[ActorStat]:
        """The most quoted (or mentioned) actors of the span; ties broken by the other count."""
        stats = []
        for record in self._actors.values():
            mentioned, quoted = self.counts(record, now, span_seconds)
            if (quoted if by == "quoted" else mentioned) <= 0:
                continue
            stats.append(self.stat(record, mentioned, quoted))
        if by == "quoted":
            stats.sort(key=lambda s: (-s.quoted, -s.mentioned, s.name.casefold()))
        else:
            stats.sort(key=lambda s: (-s.mentioned, -s.quoted, s.name.casefold()))
        return stats[:limit]

    @staticmethod
    def stat(record: ActorRecord, mentioned: int, quoted: int) -> ActorStat:
        languages = tuple(sorted(record.languages, key=lambda lang: (-record.languages[lang], lang)))
        return ActorStat(record.id, record.name, record.type, mentioned, quoted, languages,
                         record.quotes[-1] if record.quotes else None)

    def latest_quotes(self, limit: int = 20) -> list[tuple[ActorRecord, QuoteRecord]]:
        """The newest quotes of any actor still on the board, newest first."""
        found = []
        for actor_id, quote in reversed(self._latest):
            record = self._actors.get(actor_id)
            if record is not None:
                found.append((record, quote))
                if len(found) >= limit:
                    break
        return found


def _drop_article(items: deque, article_id: str, article_of) -> None:
    """Remove, in place, the items of a deque that came from one article."""
    kept = [item for item in items if article_of(item) != article_id]
    if len(kept) != len(items):
        items.clear()
        items.extend(kept)
