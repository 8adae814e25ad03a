"""Linking a speaker's name as written to one of the article's entities.

Kept apart because it needs no parse: it works from the mentions of the entities stage (plus
spaCy's own entity spans as a fallback) and resolves a span by overlapping mention, full name,
alias or last name ("Doe" -> "Jane Doe").
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterable, Optional

from spacy.tokens import Doc

from .events import Entity

__all__ = ["Who", "Mention", "MentionIndex", "spacy_mentions", "ENT_MAP"]

ENT_MAP = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "NORP": "MISC", "GPE": "LOC",
           "LOC": "LOC", "FAC": "LOC", "MISC": "MISC"}

# A mention: (start, end, entity from the entities stage or None for a spaCy span, type).
Mention = tuple[int, int, Optional[Entity], str]


@dataclass
class Who:
    """A speaker candidate: the span as written and what it resolves to."""

    start: int
    end: int
    name: str
    entity_id: Optional[str]
    etype: Optional[str]  # PER / ORG / ... / None for a plain noun phrase or a pronoun


def spacy_mentions(doc: Doc) -> list[Mention]:
    """spaCy's own entity spans, mapped to our types, as unlinked mentions."""
    ments: list[Mention] = []
    for e in doc.ents:
        etype = ENT_MAP.get(e.label_)
        if etype:
            ments.append((e.start_char, e.end_char, None, etype))
    return ments


class MentionIndex:
    """The article's mentions sorted by offset, and its entities by name and last name."""

    def __init__(self, entities: list[Entity], extra: Iterable[Mention] = ()):
        # Entity mentions from the entities stage, then spaCy's own as a fallback.
        ments: list[Mention] = []
        self.by_name: dict[str, Entity] = {}
        self.by_last: dict[str, list[Entity]] = {}
        for ent in entities:
            for mm in ent.get("mentions", []):
                ments.append((mm["start"], mm["end"], ent, ent.get("type", "MISC")))
            for nm in [ent.get("name", "")] + list(ent.get("aliases", [])):
                if nm:
                    self.by_name.setdefault(nm.lower(), ent)
            if ent.get("type") == "PER":
                for nm in [ent.get("name", "")] + list(ent.get("aliases", [])):
                    parts = nm.split()
                    if parts:
                        self.by_last.setdefault(parts[-1].lower(), []).append(ent)
        ments.extend(extra)
        ments.sort(key=lambda x: (x[0], x[2] is None, -x[1]))
        self.ments = ments
        self.ment_starts = [x[0] for x in ments]
        self.max_ment = max((x[1] - x[0] for x in ments), default=0)

    def mentions_in(self, a: int, b: int) -> list[Mention]:
        """Mentions overlapping [a, b), entities-stage ones first."""
        lo = bisect_left(self.ment_starts, a - self.max_ment)
        hi = bisect_left(self.ment_starts, b)
        return [m for m in self.ments[lo:hi] if m[1] > a]

    def resolve_name(self, text: str, a: int, b: int, etype: Optional[str]) -> Who:
        """Link a span to an entity: overlapping mention first, then name, alias, last name."""
        found = self.mentions_in(a, b)
        linked = [m for m in found if m[2] is not None]
        pick = None
        for m in linked:
            if m[3] == "PER":
                pick = m
                break
        if pick is None and linked:
            pick = linked[0]
        if pick is not None:
            ent = pick[2]
            assert ent is not None
            if ent.get("type") == "PER":
                name = ent["name"]
                if len(text.split()) > len(name.split()) and set(name.split()) < set(text.split()):
                    name = text  # the mention was cut short; the written name is fuller
                return Who(a, b, name, ent["id"], "PER")
            return Who(a, b, text, ent["id"], ent.get("type"))
        if etype is None and found:
            etype = found[0][3]
        key = text.lower()
        ent = self.by_name.get(key)
        if ent is None and etype in (None, "PER"):
            last = text.split()[-1].lower() if text.split() else ""
            cands = self.by_last.get(last, [])
            if cands:
                ent = max(cands, key=lambda e: len(e.get("mentions", [])))
        if ent is not None:
            if ent.get("type") == "PER":
                return Who(a, b, ent["name"], ent["id"], "PER")
            return Who(a, b, text, ent["id"], ent.get("type"))
        return Who(a, b, text, None, etype)
