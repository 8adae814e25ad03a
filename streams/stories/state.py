"""The stories stage: what it adds to an enriched event, and its state as rows.

One sequencer applies the articles in order (docs/stories.md). After each article it writes the
rows that changed to a compacted topic, keyed ``a:<article id>``, ``s:<story id>``,
``q:<quote id>``; a worker that takes over reads the topic back with ``load`` and has the same
state. An article row keeps what the stage added to each version, so a replayed article gets
the event it got the first time, even after its story has grown.

An article with no near-copy in the window may still join a story by an event join (another
dispatch or language reporting the same event: event_join.py). The state is bounded by the
window: ``evict_window`` drops the articles first seen before it, then the stories and quotes
no longer seen in it, and returns their tombstones for the compacted topic."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Optional

from streams.stories.event_join import (
    EventIndex,
    about_from_row,
    about_row,
    aboutness,
    parse_time,
)
from streams.stories.index import (
    Story,
    StoryIndex,
    fingerprint,
    fingerprint_of_shingles,
)
from streams.stories.quote_identity import QuoteRecord, QuoteRegistry

ARTICLE, STORY, QUOTE = "a:", "s:", "q:"
Row = tuple[str, dict[str, Any] | None]  # (key, value); a None value is a tombstone


class StoriesState:
    """The story index, the quote registry and what was added to each article version."""

    def __init__(self, index: StoryIndex | None = None) -> None:
        self.index = index or StoryIndex()
        self.quotes = QuoteRegistry()
        self.events = EventIndex()
        self._added: dict[str, dict[str, dict]] = {}  # article id -> version -> additions
        self.latest_seen = ""  # the latest first-seen time applied or loaded: the stream's clock

    def apply(self, event: Mapping[str, Any], seen: str) -> tuple[dict, list[Row]]:
        """Assign the article (an enriched event) its story and its quotes their ids.

        ``seen`` is when the article was first seen (RFC 3339: its ``published_at``, else its
        message's timestamp, so a replay passes the same value). Returns the additions
        ({"story": ..., "quotes": [{"quote_id", "seen"}, ...]}, see ``decorate``) and the rows
        to persist; a version already applied returns its additions again and no rows."""
        article_id = str(event["id"])
        version = str(event.get("version") or 1)
        done = self._added.get(article_id, {})
        if version in done:
            return done[version], []
        source = str(event.get("source") or "")
        fp = fingerprint(str(event.get("headline") or ""), str(event.get("body") or ""))
        about = aboutness(event, when=seen)
        copies = self.index.matches(fp, exclude=article_id)
        joined = None if done or copies else self.event_story(article_id, about)
        story, _ = self.index.add(article_id, source, fp, seen, found=copies, fallback=joined)
        self.events.add(article_id, about)
        self.latest_seen = max(self.latest_seen, seen)
        summarise(story, event, seen, new_version=len(done) > 0)
        quotes, touched = [], []
        for quote in event.get("quotes") or []:
            rec = self.quotes.record(str(quote.get("text") or ""), quote.get("speaker"), article_id, source, seen)
            quotes.append({"quote_id": rec.id, "seen": {"articles": len(rec.articles), "sources": list(rec.sources)}})
            touched.append(rec)
        added = {"story": story.as_event(), "quotes": quotes}
        self._added.setdefault(article_id, {})[version] = added
        rows = [self._article_row(article_id), self._story_row(story)]
        rows += [self._quote_row(rec) for rec in {rec.id: rec for rec in touched}.values()]
        return added, rows

    def event_story(self, article_id: str, about) -> str | None:
        """The story an article joins by an event join: of the window's articles that report the
        same event, the one whose story was first seen earliest; None when there is none."""
        stories = [self.index.stories[e[1]] for other in self.events.matches(about, exclude=article_id)
                   if (e := self.index.entry(other)) is not None and e[1] in self.index.stories]
        return min(stories, key=lambda st: (st.first_seen, st.id)).id if stories else None

    def evict_before(self, seen: str) -> list[Row]:
        """Forget the articles first seen before ``seen``, then the stories with none of their
        articles left and last seen before it, and the quotes last seen before it; returns
        their tombstones, and the new rows of the stories that lost old articles but live on
        (they count them, not list them)."""
        old = [a for a in self._added if (e := self.index.entry(a)) is not None and e[2] < seen]
        story_of = {a: self.index.entry(a)[1] for a in old}  # type: ignore[index]
        for article_id in old:
            self.index.forget(article_id)
            self.events.forget(article_id)
            del self._added[article_id]
        gone, shrunk = [], []
        for story_id in sorted(set(story_of.values()) & set(self.index.stories)):
            story = self.index.stories[story_id]
            left = [a for a in story.articles if self.index.entry(a) is not None]
            if not left and (story.last_seen or story.first_seen) < seen:
                del self.index.stories[story_id]
                gone.append((STORY + story_id, None))
            else:
                story.earlier += len(story.articles) - len(left)
                story.articles = left
                shrunk.append(self._story_row(story))
        quotes = self.quotes.stale(seen)
        for quote_id in quotes:
            self.quotes.forget(quote_id)
        return [(ARTICLE + a, None) for a in old] + gone + shrunk + [(QUOTE + q, None) for q in quotes]

    def evict_window(self, window: timedelta, now: datetime) -> list[Row]:
        """``evict_before`` the start of the window ending at the stream's clock (the latest
        first-seen time, so a replay of last month's wire keeps last month's window), never
        later than ``now`` (one article dated in the future does not empty the state)."""
        clock = parse_time(self.latest_seen) or now
        return self.evict_before(to_utc(min(clock, now) - window))

    def load(self, key: str, value: Mapping[str, Any] | None) -> None:
        """Apply one persisted row (in the topic's order) to rebuild the state."""
        kind, _, ident = key.partition(":")
        kind += ":"
        if kind == ARTICLE:
            if value is None:
                self.index.forget(ident)
                self.events.forget(ident)
                self._added.pop(ident, None)
                return
            fp = fingerprint_of_shingles(value["shingles"])
            self.index.restore(ident, fp, value["story"], value["seen"])
            self.events.add(ident, about_from_row(value.get("about") or {}))
            self._added[ident] = dict(value["added"])
            self.latest_seen = max(self.latest_seen, value["seen"])
        elif value is None:
            if kind == STORY:
                self.index.stories.pop(ident, None)
            elif kind == QUOTE:
                self.quotes.forget(ident)
        elif kind == STORY:
            self.index.stories[ident] = Story(
                ident, value["first_seen"], list(value["articles"]), list(value["sources"]),
                headline=value.get("headline", ""), last_seen=value.get("last_seen", ""),
                languages=list(value.get("languages", [])), actors=dict(value.get("actors", {})),
                earlier=int(value.get("earlier", 0)))
        elif kind == QUOTE:
            rec = QuoteRecord(ident, value["speaker"], value["first_seen"], list(value["articles"]),
                              list(value["sources"]), value.get("last_seen", ""))
            self.quotes.restore(rec, [(tuple(words), who) for words, who in value["variants"]])

    def _article_row(self, article_id: str) -> Row:
        fp, story_id, seen = self.index.entry(article_id)  # type: ignore[misc]
        about = self.events.about(article_id)
        return ARTICLE + article_id, {"story": story_id, "seen": seen, "shingles": sorted(fp.shingles),
                                      "about": about_row(about) if about else {}, "added": self._added[article_id]}

    @staticmethod
    def _story_row(story: Story) -> Row:
        return STORY + story.id, {"first_seen": story.first_seen, "articles": list(story.articles),
                                  "sources": list(story.sources), "headline": story.headline,
                                  "last_seen": story.last_seen, "languages": list(story.languages),
                                  "actors": dict(story.actors), "earlier": story.earlier}

    def _quote_row(self, rec: QuoteRecord) -> Row:
        return QUOTE + rec.id, {"speaker": rec.speaker, "first_seen": rec.first_seen, "last_seen": rec.last_seen,
                                "articles": list(rec.articles),
                                "sources": list(rec.sources),
                                "variants": [[list(words), who] for words, who in self.quotes.variants_of(rec.id)]}


MIN_ACTOR_SALIENCE = 0.35  # as event_join: named often and early, or in the headline, or quoted


def summarise(story: Story, event: Mapping[str, Any], seen: str, new_version: bool) -> None:
    """Keep what `wirewatch stories` shows: the first headline, the latest time, the languages
    and the salient people and bodies (counted once per article, not again for a new version)."""
    if not story.headline:
        story.headline = str(event.get("headline") or "")
    story.last_seen = max(story.last_seen, seen)
    language = event.get("language")
    if isinstance(language, str) and language and language not in story.languages:
        story.languages.append(language)
    if new_version:
        return
    for entity in event.get("entities") or []:
        if entity.get("type") in ("PER", "ORG") and (
                entity.get("quoted") or float(entity.get("salience") or 0) >= MIN_ACTOR_SALIENCE):
            name = str(entity.get("name") or "")
            if name:
                story.actors[name] = story.actors.get(name, 0) + 1


def utc_time(value: Any) -> str | None:
    """An RFC 3339 time in UTC ("...Z"), so that first-seen times compare as strings; None when
    ``value`` is not a time with an offset."""
    parsed = parse_time(value)
    return None if parsed is None else to_utc(parsed)


def to_utc(parsed: datetime) -> str:
    """A time with an offset as an RFC 3339 UTC string."""
    spec = "milliseconds" if parsed.microsecond else "seconds"
    return parsed.astimezone(UTC).isoformat(timespec=spec).replace("+00:00", "Z")


def decorate(event: Mapping[str, Any], added: Mapping[str, Any]) -> dict:
    """The enriched event with ``story`` and, on each quote, ``quote_id`` and ``seen`` (a new
    dict; the event's other fields are shared, not copied: an event can be large)."""
    out = dict(event)
    out["story"] = copy.deepcopy(added["story"])
    quotes = list(out.get("quotes") or [])
    for n, extra in enumerate(added["quotes"][:len(quotes)]):
        quotes[n] = dict(quotes[n], quote_id=extra["quote_id"], seen=copy.deepcopy(extra["seen"]))
    if "quotes" in out:
        out["quotes"] = quotes
    return out
