"""Reports of one event that are not copies of one text: another dispatch, another language.

Text similarity cannot see that a French and an English report of one statement are one story;
their canonical entity ids can (OTAN and NATO have one id), with the time they were published.
One famous actor in common is not enough (a head of state is in half the wire every day), nor
is a day: two reports are one event when, within WINDOW, they name the same place and agree on
the topic (each one's main topic is among the other's first LEADING_TOPICS: the French and the
English models can rank two close topics, politics and conflict, the other way round), and either
quote the same speaker and share one more salient actor, or share MIN_SHARED_ACTORS salient
actors. (Place or topic, with one shared speaker, merged 226 of the
1,126 undated dispatches-fr articles into other stories, mostly other days of one movement:
docs/stories.md.)

StoriesState applies it to an article that is no near-copy of any article of the window: it
joins the story of the earliest article (by its story's first sighting) that reports the same
event, found through EventIndex by shared actor ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

WINDOW = timedelta(hours=24)
MIN_SALIENCE = 0.35  # salience.py: mentioned often and early, or named in the headline
MIN_SHARED_ACTORS = 3
LEADING_TOPICS = 2  # how far down the other report's topics a main topic may be


@dataclass(frozen=True)
class Aboutness:
    """What an article is about, in cross-lingual ids."""

    actors: frozenset[str]  # salient or quoted PER/ORG entity ids
    speakers: frozenset[str]  # entity ids of the people and bodies quoted
    places: frozenset[str]  # salient LOC entity ids
    topic: str | None  # main IPTC topic code
    when: datetime | None
    leading: tuple[str, ...] = ()  # the first LEADING_TOPICS topic codes, the main one first


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 time, or None when absent or unreadable (then no event join is made)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def aboutness(event: Mapping[str, Any], when: Any = None) -> Aboutness:
    """The Aboutness of an enriched event (entities, quotes, topics), at ``when`` (RFC 3339: the
    stories stage passes when the article was first seen), else at its published_at."""
    entities = event.get("entities") or []
    salient = [e for e in entities if e.get("quoted") or float(e.get("salience") or 0) >= MIN_SALIENCE]
    speakers = frozenset(
        str(q["speaker"]["entity_id"]) for q in event.get("quotes") or []
        if q.get("speaker") and q["speaker"].get("entity_id"))
    topics = event.get("topics") or []
    return Aboutness(
        actors=frozenset(str(e["id"]) for e in salient if e.get("type") in ("PER", "ORG")) | speakers,
        speakers=speakers,
        places=frozenset(str(e["id"]) for e in salient if e.get("type") == "LOC"),
        topic=str(topics[0]["code"]) if topics else None,
        when=parse_time(when if when is not None else event.get("published_at")),
        leading=tuple(str(t["code"]) for t in topics[:LEADING_TOPICS]),
    )


def same_event(a: Aboutness, b: Aboutness, window: timedelta = WINDOW) -> bool:
    """Whether two articles report one event (see the module's docstring)."""
    if a.when is None or b.when is None or abs(a.when - b.when) > window:
        return False
    if not (a.places & b.places) or not topics_agree(a, b):
        return False
    shared = len(a.actors & b.actors)
    return (bool(a.speakers & b.speakers) and shared >= 2) or shared >= MIN_SHARED_ACTORS


def topics_agree(a: Aboutness, b: Aboutness) -> bool:
    """Each report's main topic is among the other's leading topics (the same main topic, or two
    close ones ranked the other way round)."""
    if a.topic is None or b.topic is None:
        return False
    return a.topic in (b.leading or (b.topic,)) and b.topic in (a.leading or (a.topic,))


def about_row(about: Aboutness) -> dict[str, Any]:
    """An Aboutness as a JSON row (persisted with its article on the stories state topic)."""
    return {"actors": sorted(about.actors), "speakers": sorted(about.speakers), "places": sorted(about.places),
            "topic": about.topic, "leading": list(about.leading),
            "when": about.when.isoformat() if about.when else None}


def about_from_row(row: Mapping[str, Any]) -> Aboutness:
    return Aboutness(frozenset(row.get("actors") or ()), frozenset(row.get("speakers") or ()),
                     frozenset(row.get("places") or ()), row.get("topic"), parse_time(row.get("when")),
                     tuple(row.get("leading") or ()))  # rows written before it: the main topic alone


class EventIndex:
    """The articles of the window by actor id: the candidates of an event join are the articles
    sharing an actor (a speaker is an actor), and same_event decides."""

    def __init__(self, window: timedelta = WINDOW) -> None:
        self.window = window
        self._about: dict[str, Aboutness] = {}
        self._by_actor: dict[str, set[str]] = {}

    def __len__(self) -> int:
        return len(self._about)

    def about(self, article_id: str) -> Aboutness | None:
        return self._about.get(article_id)

    def matches(self, about: Aboutness, exclude: str = "") -> list[str]:
        """Indexed articles that report the same event, sorted by id (callers pick by story)."""
        if about.when is None:
            return []
        candidates: set[str] = set()
        for actor in about.actors:
            candidates |= self._by_actor.get(actor, set())
        candidates.discard(exclude)
        return sorted(a for a in candidates if same_event(about, self._about[a], self.window))

    def add(self, article_id: str, about: Aboutness) -> None:
        self.forget(article_id)
        self._about[article_id] = about
        for actor in about.actors:
            self._by_actor.setdefault(actor, set()).add(article_id)

    def forget(self, article_id: str) -> None:
        about = self._about.pop(article_id, None)
        for actor in about.actors if about else ():
            bucket = self._by_actor.get(actor)
            if bucket is not None:
                bucket.discard(article_id)
                if not bucket:
                    del self._by_actor[actor]
