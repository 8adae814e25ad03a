"""Linking a speaker's name as written to one of the article's entities.

Kept apart because it needs no parse: it works from the mentions of the entities stage (plus
spaCy's own entity spans as a fallback) and resolves a span by overlapping mention, full name,
alias or last name ("Doe" -> "Jane Doe").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

import numpy
from spacy.attrs import ENT_IOB, ENT_TYPE
from spacy.tokens import Doc, Span

from streams.events import Entity
from streams.nlp.quotes.lexicon import either_case_pattern, every_language

__all__ = [
    "ENT_MAP",
    "HONORIFICS",
    "Mention",
    "MentionIndex",
    "Speaker",
    "display_name",
    "spacy_mentions",
    "without_honorifics",
]

# Courtesy titles written before a name: not part of the person's canonical name.
HONORIFICS = every_language("honorifics", "titles")
# Lower-case words allowed inside a proper name ("Bank of England", "Cour des comptes").
_NAME_GLUE = every_language("quotes", "name-glue")
_ELIDED_RE = re.compile(
    "^(?:" + "|".join(either_case_pattern(word) for word in sorted(every_language("quotes", "elided-words"))) + ")"
)
# "l’AFP", "the Washington Post": an article before a proper noun is no part of its name.
_DEFINITE_ARTICLES = sorted(
    every_language("quotes", "definite-articles") | every_language("quotes", "plural-definite-articles")
)
_LEAD_ARTICLE_RE = re.compile(
    "^(?:"
    + "|".join(either_case_pattern(word) for word in _DEFINITE_ARTICLES if word.endswith("'"))
    + "|(?:"
    + "|".join(either_case_pattern(word) for word in _DEFINITE_ARTICLES if not word.endswith("'"))
    + r")\s+)(?=[^\W\d_])"
)

ENT_MAP = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "NORP": "MISC", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
           "MISC": "MISC"}


class Mention(NamedTuple):
    """A named span of the article."""

    start: int
    end: int
    entity: Entity | None  # from the entities stage; None for a span only spaCy tagged
    etype: str


@dataclass
class Speaker:
    """A speaker candidate: the span as written and what it resolves to."""

    start: int
    end: int
    name: str
    entity_id: str | None
    etype: str | None  # PER / ORG / ... / None for a plain noun phrase or a pronoun


def without_honorifics(words: list[str]) -> list[str]:
    """'Me Nicolas Berthier' -> 'Nicolas Berthier': courtesy titles are no part of a name."""
    while len(words) > 1 and words[0].lower().rstrip(".") in HONORIFICS:
        words = words[1:]
    return words


def _capitalised(word: str) -> bool:
    """'Conseil', 'd’État', 'l'Union': the word (after an elided article) is capitalised."""
    elided = _ELIDED_RE.match(word)
    return word[elided.end() if elided else 0:][:1].isupper()


def display_name(text: str) -> str:
    """A proper name as written without its leading article ('l’AFP' -> 'AFP', 'the Daily
    Beast' -> 'Daily Beast'); other phrases keep it ('la ministre', 'the American people')."""
    article = _LEAD_ARTICLE_RE.match(text)
    if article is None:
        return text
    rest = text[article.end():]
    words = rest.split()
    if words and _capitalised(words[-1]) and all(
        _capitalised(word) or not word[:1].isalpha() or word.lower() in _NAME_GLUE for word in words
    ):
        return rest
    return text


def spacy_mentions(doc: Doc, starts: list[int] | None = None, ends: list[int] | None = None) -> list[Mention]:
    """spaCy's own entity spans, mapped to our types, as unlinked mentions.

    With the tokens' character `starts` and `ends`, the spans are read from the IOB arrays as
    doc.ents reads them, without a Span object per entity (which costs more than the rest)."""
    if starts is None or ends is None:
        return _mentions_of(doc.ents)
    iob_array = doc.to_array(ENT_IOB)
    iobs = iob_array.tolist()
    labels = doc.to_array(ENT_TYPE).tolist()
    strings = doc.vocab.strings
    mentions: list[Mention] = []
    begin, label, previous = -1, 0, -2
    for i in numpy.flatnonzero(iob_array != 2).tolist():  # O tokens (most) only close an entity
        if begin != -1 and i != previous + 1:  # O tokens in between: the entity ended at previous
            _add_mention(mentions, starts[begin], ends[previous], strings[label])
            begin, label = -1, 0
        previous = i
        iob = iobs[i]
        if iob == 1:  # I: inside the open entity
            if begin == -1:
                return _mentions_of(doc.ents)  # an I with no B: doc.ents says what is wrong
            continue
        if begin != -1:
            _add_mention(mentions, starts[begin], ends[i - 1], strings[label])
        begin, label = (i, labels[i]) if iob == 3 and labels[i] else (-1, 0)
    if begin != -1:
        _add_mention(mentions, starts[begin], ends[previous], strings[label])
    return mentions


def _mentions_of(spans: Iterable[Span]) -> list[Mention]:
    mentions: list[Mention] = []
    for span in spans:
        _add_mention(mentions, span.start_char, span.end_char, span.label_)
    return mentions


def _add_mention(mentions: list[Mention], start: int, end: int, label: str) -> None:
    etype = ENT_MAP.get(label)
    if etype:
        mentions.append(Mention(start, end, None, etype))


class MentionIndex:
    """The article's mentions sorted by offset, and its entities by name and last name."""

    def __init__(self, entities: list[Entity], extra: Iterable[Mention] = ()):
        # Entity mentions from the entities stage, then spaCy's own as a fallback.
        mentions: list[Mention] = []
        self.entities = entities
        self.by_name: dict[str, Entity] = {}
        self.by_last: dict[str, list[Entity]] = {}
        for entity in entities:
            for mention in entity.get("mentions", []):
                mentions.append(Mention(mention["start"], mention["end"], entity, entity.get("type", "MISC")))
            names = [entity.get("name", "")] + list(entity.get("aliases", []))
            for name in names:
                if name:
                    self.by_name.setdefault(name.lower(), entity)
            if entity.get("type") == "PER":
                for name in names:
                    parts = name.split()
                    if parts:
                        self.by_last.setdefault(parts[-1].lower(), []).append(entity)
        mentions.extend(extra)
        mentions.sort(key=lambda mention: (mention.start, mention.entity is None, -mention.end))
        self.mentions = mentions
        self.mention_starts = [mention.start for mention in mentions]
        self.longest_mention = max((mention.end - mention.start for mention in mentions), default=0)

    def mentions_in(self, a: int, b: int) -> list[Mention]:
        """Mentions overlapping [a, b), entities-stage ones first."""
        lo = bisect_left(self.mention_starts, a - self.longest_mention)
        hi = bisect_left(self.mention_starts, b)
        return [mention for mention in self.mentions[lo:hi] if mention.end > a]

    def resolve_name(self, text: str, a: int, b: int, etype: str | None) -> Speaker:
        """Link a span to an entity: overlapping mention first, then name, alias, last name."""
        found = self.mentions_in(a, b)
        linked = [mention for mention in found if mention.entity is not None]
        pick = next((mention for mention in linked if mention.etype == "PER"), linked[0] if linked else None)
        if pick is not None:
            entity = pick.entity
            assert entity is not None
            if entity.get("type") == "PER":
                name = entity["name"]
                written = without_honorifics(text.split())
                if len(name.split()) == 1 and len(written) > 1 and set(name.split()) < set(written):
                    name = " ".join(written)  # the mention was cut short; the written name is fuller
                return Speaker(a, b, name, entity["id"], "PER")
            shown = display_name(text)
            lead = _LEAD_ARTICLE_RE.match(text)  # "the alliance": a description the entity's mention covers
            bare = a + (lead.end() if lead else 0)  # display_name strips at most this article
            if pick.start <= bare and pick.end >= b and entity.get("name"):
                shown = entity["name"]  # the span is the entity's mention: its canonical name
            return Speaker(a, b, shown, entity["id"], entity.get("type"))
        if etype is None and found:
            etype = found[0].etype
        entity = self.by_name.get(text.lower())
        if entity is None and etype in (None, "PER"):
            last = text.split()[-1].lower() if text.split() else ""
            namesakes = self.by_last.get(last, [])
            if namesakes:
                entity = max(namesakes, key=lambda namesake: len(namesake.get("mentions", [])))
        if entity is not None:
            if entity.get("type") == "PER":
                return Speaker(a, b, entity["name"], entity["id"], "PER")
            return Speaker(a, b, entity.get("name") or display_name(text), entity["id"], entity.get("type"))
        return Speaker(a, b, display_name(text), None, etype)
