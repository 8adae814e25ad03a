"""The records the entities rules share: a mention, a group of mentions, and span helpers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from streams.nlp.entities.aliases import AliasEntry

# spaCy labels (OntoNotes for English, WikiNER for French) -> our four types; others are dropped.
LABEL_MAP: dict[str, str] = {
    "PERSON": "PER", "PER": "PER",
    "ORG": "ORG",
    "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
    "NORP": "MISC", "EVENT": "MISC", "WORK_OF_ART": "MISC", "LAW": "MISC", "PRODUCT": "MISC",
    "LANGUAGE": "MISC", "MISC": "MISC",
}

Covered = tuple[int, int, str]  # (start, end, type) of a span the model tagged


@dataclass
class Mention:
    start: int
    end: int
    text: str  # NLP-view text (ASCII apostrophes), used for matching
    type: str
    tokens: int
    entry: AliasEntry | None = None


@dataclass
class Group:
    """The mentions of one entity of the article."""

    type: str
    mentions: list[Mention] = field(default_factory=list)
    entry: AliasEntry | None = None

    @property
    def first(self) -> int:
        return min(m.start for m in self.mentions)


def mention_of(start: int, end: int, surface: str, type_: str, entry: AliasEntry | None = None) -> Mention:
    """A mention of the surface's words at [start, end)."""
    return Mention(start, end, surface, type_, len(surface.split()), entry)


def inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def overlapping(start: int, end: int, covered: Iterable[Covered]) -> list[Covered]:
    """The covered spans (start, end, type) that share a character with [start, end)."""
    return [c for c in covered if c[0] < end and start < c[1]]
