"""What the mention rules know of the article they read, and of the span they are cleaning."""

from __future__ import annotations

from dataclasses import dataclass, field

from spacy.attrs import IS_PUNCT, ORTH, SENT_START
from spacy.tokens import Doc, Span

from streams.nlp.entities import is_enabled
from streams.nlp.entities.aliases import AliasEntry, AliasTable
from streams.nlp.entities.evidence import city_places
from streams.nlp.entities.name_shapes import place_prefixes
from streams.nlp.entities.person_spans import person_words
from streams.nlp.entities.records import Covered, Mention, SpanIndex


def inner_capitals(doc: Doc) -> frozenset[str]:
    """Capitalised words the article writes inside a sentence (not first, not after punctuation):
    such a word is a name even where a sentence opens with it ("Total" of "le groupe Total")."""
    if not len(doc):
        return frozenset()
    strings = doc.vocab.strings
    orths = doc.to_array(ORTH).tolist()
    starts = doc.to_array(SENT_START).tolist() if doc.has_annotation("SENT_START") else [0] * len(doc)
    punct = doc.to_array(IS_PUNCT).tolist()
    inner = {orths[i] for i in range(1, len(orths)) if starts[i] != 1 and not punct[i - 1]}
    return frozenset(w for w in map(strings.__getitem__, inner) if w[:1].isupper())


@dataclass
class Article:
    """One article's parse, what is known about it, and what the rules note while they run."""

    doc: Doc
    text: str  # doc.text, which spaCy rebuilds on every access
    language: str
    table: AliasTable
    sport: bool
    meta: SpanIndex  # bylines, credits, sign-offs
    disabled: frozenset[str]
    places: dict[str, int] = field(default_factory=dict)  # place-name prefixes, for demonyms
    person_words: frozenset[str] = frozenset()  # words of the multi-word person names
    person_texts: frozenset[str] = frozenset()  # texts of the model's person entities
    city_places: frozenset[str] = frozenset()  # gazetteer towns used as places
    lower_words: frozenset[str] = frozenset()  # words the article writes in lower case
    inner_capitals: frozenset[str] = frozenset()  # capitalised words it writes inside a sentence
    covered: list[Covered] = field(default_factory=list)  # spans the model tagged
    team_keys: set[str] = field(default_factory=set)  # sports copy: names used as teams
    place_used: set[int] = field(default_factory=set)  # sports copy: ids of mentions used as places

    @classmethod
    def read(cls, doc: Doc, text: str, language: str, table: AliasTable, sport: bool, meta: SpanIndex,
             disabled: frozenset[str]) -> Article:
        article = cls(doc, text, language, table, sport, meta, disabled)
        article.places = place_prefixes(table)
        article.person_words = person_words(doc, text, language)
        article.person_texts = frozenset(e.text for e in doc.ents if e.label_ in ("PERSON", "PER"))
        if article.runs("entities.towns"):
            article.city_places = city_places(doc, table, language, article.person_words, sport)
        strings = doc.vocab.strings  # each distinct word once, not a Token per word
        article.lower_words = frozenset(w for w in map(strings.__getitem__, set(doc.to_array("ORTH").tolist()))
                                        if w.islower())
        article.inner_capitals = inner_capitals(doc)
        return article

    def runs(self, name: str) -> bool:
        return is_enabled(name, self.disabled)


@dataclass
class Candidate:
    """A span the model tagged, on its way to becoming a mention."""

    span: Span
    type: str
    span_start: int  # the span's bounds before trimming
    span_end: int
    start: int = 0
    end: int = 0
    surface: str = ""
    entry: AliasEntry | None = None
    group_stage: bool = False  # "Group D": a stage of a competition
    non_actor: bool = False  # typed MISC as a named thing that is no actor
    mention: Mention | None = None
