"""Linking a speaker's name as written to one of the article's entities.

Kept apart because it needs no parse: it works from the mentions of the entities stage (plus
spaCy's own entity spans as a fallback) and resolves a span by overlapping mention, full name,
alias or last name ("Doe" -> "Jane Doe").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from typing import Iterable, Optional

from spacy.tokens import Doc

from streams.events import Entity
from streams.nlp.entities.aliases import entity_id_for
from streams.nlp.quotes.lexicon import either_case_pattern, every_language

# Courtesy titles written before a name: not part of the person's canonical name.
HONORIFICS = every_language("honorifics", "titles")


__all__ = ["Speaker", "Mention", "MentionIndex", "spacy_mentions", "ENT_MAP", "display_name",
           "add_speaker_entities"]

# Lower-case words allowed inside a proper name ("Bank of England", "Cour des comptes").
_NAME_GLUE = every_language("quotes", "name-glue")
_ELIDED_RE = re.compile("^(?:" + "|".join(
    either_case_pattern(word) for word in sorted(every_language("quotes", "elided-words"))) + ")")
# "l’AFP", "the Washington Post": an article before a proper noun is no part of its name.
_DEFINITE_ARTICLES = sorted(every_language("quotes", "definite-articles")
                            | every_language("quotes", "plural-definite-articles"))
_LEAD_ARTICLE_RE = re.compile(
    "^(?:" + "|".join(either_case_pattern(word) for word in _DEFINITE_ARTICLES if word.endswith("'"))
    + "|(?:" + "|".join(either_case_pattern(word) for word in _DEFINITE_ARTICLES if not word.endswith("'"))
    + r")\s+)(?=[^\W\d_])")

ENT_MAP = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "NORP": "MISC", "GPE": "LOC",
           "LOC": "LOC", "FAC": "LOC", "MISC": "MISC"}

# A mention: (start, end, entity from the entities stage or None for a spaCy span, type).
Mention = tuple[int, int, Optional[Entity], str]


@dataclass
class Speaker:
    """A speaker candidate: the span as written and what it resolves to."""

    start: int
    end: int
    name: str
    entity_id: Optional[str]
    etype: Optional[str]  # PER / ORG / ... / None for a plain noun phrase or a pronoun


def _capitalised(word: str) -> bool:
    """'Conseil', 'd’État', 'l'Union': the word (after an elided article) is capitalised."""
    m = _ELIDED_RE.match(word)
    return word[m.end() if m else 0:][:1].isupper()


def display_name(text: str) -> str:
    """A proper name as written without its leading article ('l’AFP' -> 'AFP', 'the Daily
    Beast' -> 'Daily Beast'); other phrases keep it ('la ministre', 'the American people')."""
    m = _LEAD_ARTICLE_RE.match(text)
    if m is None:
        return text
    rest = text[m.end():]
    words = rest.split()
    if words and _capitalised(words[-1]) and all(
        _capitalised(w) or not w[:1].isalpha() or w.lower() in _NAME_GLUE for w in words
    ):
        return rest
    return text


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
        self.mentions = ments
        self.mention_starts = [x[0] for x in ments]
        self.longest_mention = max((x[1] - x[0] for x in ments), default=0)

    def mentions_in(self, a: int, b: int) -> list[Mention]:
        """Mentions overlapping [a, b), entities-stage ones first."""
        lo = bisect_left(self.mention_starts, a - self.longest_mention)
        hi = bisect_left(self.mention_starts, b)
        return [m for m in self.mentions[lo:hi] if m[1] > a]

    def resolve_name(self, text: str, a: int, b: int, etype: Optional[str]) -> Speaker:
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
                written = text.split()
                while len(written) > 1 and written[0].lower().rstrip(".") in HONORIFICS:
                    written = written[1:]  # "Me Nicolas Berthier": the title is not the name
                if len(written) > len(name.split()) and set(name.split()) < set(written):
                    name = " ".join(written)  # the mention was cut short; the written name is fuller
                return Speaker(a, b, name, ent["id"], "PER")
            shown = display_name(text)
            lead = _LEAD_ARTICLE_RE.match(text)  # "the alliance": a description the entity's mention covers
            bare = a + (lead.end() if lead else 0)  # display_name strips at most this article
            if pick[0] <= bare and pick[1] >= b and ent.get("name"):
                shown = ent["name"]  # the span is the entity's mention: its canonical name
            return Speaker(a, b, shown, ent["id"], ent.get("type"))
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
                return Speaker(a, b, ent["name"], ent["id"], "PER")
            return Speaker(a, b, ent.get("name") or display_name(text), ent["id"], ent.get("type"))
        return Speaker(a, b, display_name(text), None, etype)


def _occurrences(body: str, form: str) -> list[tuple[int, int]]:
    if len(form) < 2:
        return []
    pat = re.compile(r"(?<!\w)" + re.escape(form) + r"(?!\w)")
    return [(m.start(), m.end()) for m in pat.finditer(body)]


def add_speaker_entities(
    body: str, entities: list[Entity], speakers: list[tuple[Speaker, str, bool]]
) -> list[Entity]:
    """New PER entities for speakers that are persons no entity covers (the NER missed them),
    so that every quoted person has an entity id.

    `speakers` gives each unlinked speaker with its person name and whether that name may make
    a new entity (else it only joins one whose surname it is: 'Vasseur' -> 'Hélène Vasseur').
    Each Speaker is updated in place (canonical name, entity id). The mentions are every exact
    occurrence of the full name or surname that is not already another entity's."""
    taken = sorted((m["start"], m["end"]) for e in entities for m in e.get("mentions", []))
    known = {e.get("id"): e for e in entities}
    made: dict[str, Entity] = {}
    by_last: dict[str, str] = {}
    # Longest names first, so that a bare surname joins the full name said elsewhere.
    for who, name, may_create in sorted(speakers, key=lambda p: -len(p[1].split())):
        words = name.split()
        key = by_last.get(name.lower()) if len(words) == 1 else None
        if key is None:
            if not may_create:
                continue
            key = entity_id_for("PER", name)
        if key in known:
            ent = known[key]
        elif key in made:
            ent = made[key]
        else:
            spans: list[tuple[int, int]] = []
            forms = [name] + ([words[-1]] if len(words) > 1 and len(words[-1]) > 2 else [])
            for form in forms:
                for s, e in _occurrences(body, form):
                    if not any(ts < e and s < te for ts, te in taken + spans):
                        spans.append((s, e))
            if not spans and body[who.start:who.end] == name:
                spans.append((who.start, who.end))
            spans.sort()
            ent = {"id": key, "name": name, "type": "PER", "aliases": [name],
                   "mentions": [{"text": body[s:e], "start": s, "end": e} for s, e in spans],
                   "salience": 0.0, "quoted": True}  # type: ignore[assignment]
            made[key] = ent
            if len(words) > 1:
                by_last.setdefault(words[-1].lower(), key)
        who.entity_id = ent["id"]
        who.name = ent["name"]
        who.etype = "PER"
    return list(made.values())
