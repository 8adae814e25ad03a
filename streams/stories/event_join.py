"""Reports of one event that are not copies of one text: another dispatch, another language.

Text similarity cannot see that a French and an English report of one statement are one story;
their canonical entity ids can (OTAN and NATO have one id), with the time they were published.
One famous actor in common is not enough (a head of state is in half the wire every day), nor
is a day: two reports are one event when, within WINDOW, they quote the same speaker about the
same place or main topic, or share MIN_SHARED_ACTORS salient actors and the place or topic.

Not used by StoriesState yet (docs/stories.md: it needs measuring on dated, annotated wires).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Mapping, Optional

WINDOW = timedelta(hours=24)
MIN_SALIENCE = 0.35  # salience.py: mentioned often and early, or named in the headline
MIN_SHARED_ACTORS = 3


@dataclass(frozen=True)
class Aboutness:
    """What an article is about, in cross-lingual ids."""

    actors: frozenset[str]  # salient or quoted PER/ORG entity ids
    speakers: frozenset[str]  # entity ids of the people and bodies quoted
    places: frozenset[str]  # salient LOC entity ids
    topic: Optional[str]  # main IPTC topic code
    when: Optional[datetime]


def parse_time(value: Any) -> Optional[datetime]:
    """An RFC 3339 time, or None when absent or unreadable (then no event join is made)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def aboutness(event: Mapping[str, Any]) -> Aboutness:
    """The Aboutness of an enriched event (entities, quotes, topics, published_at)."""
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
        when=parse_time(event.get("published_at")),
    )


def same_event(a: Aboutness, b: Aboutness, window: timedelta = WINDOW) -> bool:
    """Whether two articles report one event (see the module's docstring)."""
    if a.when is None or b.when is None or abs(a.when - b.when) > window:
        return False
    context = bool(a.places & b.places) or (a.topic is not None and a.topic == b.topic)
    if not context:
        return False
    return bool(a.speakers & b.speakers) or len(a.actors & b.actors) >= MIN_SHARED_ACTORS
