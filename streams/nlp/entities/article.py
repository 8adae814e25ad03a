"""What the mention rules know of the article they read, and of the span they are cleaning."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress

import numpy as np
from spacy.attrs import IS_PUNCT, SENT_START
from spacy.tokens import Doc, Span

from streams.nlp.entities import is_enabled
from streams.nlp.entities.aliases import AliasEntry, AliasTable
from streams.nlp.entities.evidence import city_places
from streams.nlp.entities.name_shapes import place_prefixes
from streams.nlp.entities.person_spans import person_words
from streams.nlp.entities.records import Covered, Mention, SpanIndex, Tokens
from streams.nlp.entities.vocabulary import OF_WORDS, PLACE_KIND_NOUNS


def inner_capitals(doc: Doc, tokens: Tokens | None = None) -> frozenset[str]:
    """Capitalised words the article writes inside a sentence (not first, not after punctuation):
    such a word is a name even where a sentence opens with it ("Total" of "le groupe Total")."""
    if not len(doc):
        return frozenset()
    tokens = Tokens.read(doc) if tokens is None else tokens
    starts = doc.to_array(SENT_START) if doc.has_annotation("SENT_START") else np.zeros(len(doc), dtype=np.int64)
    punct = doc.to_array(IS_PUNCT)
    inner = (starts[1:] != 1) & (punct[:-1] == 0)  # tokens 1.. inside a sentence, after a word
    seen = np.zeros(len(tokens.words), dtype=bool)
    seen[tokens.which[1:][inner]] = True
    return frozenset(w for w in compress(tokens.words, seen.tolist()) if w[:1].isupper())


@dataclass
class Article:
    """One article's parse, what is known about it, and what the rules note while they run."""

    doc: Doc
    tokens: Tokens  # the doc's words and text (tokens.text), read once
    ents: tuple[Span, ...]  # doc.ents, which spaCy rebuilds on every access
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
    place_spans: dict[int, Span] = field(default_factory=dict)  # sports copy: places' spans, by id of mention
    entries: dict[tuple[str, str], AliasEntry | None] = field(default_factory=dict)  # table entry by (surface, type)
    _covered_index: SpanIndex | None = None  # covered as a SpanIndex, and how many spans it holds
    _covered_size: int = -1

    @property
    def text(self) -> str:
        return self.tokens.text

    @classmethod
    def read(cls, doc: Doc, tokens: Tokens, language: str, table: AliasTable, sport: bool, meta: SpanIndex,
             disabled: frozenset[str]) -> Article:
        text = tokens.text
        article = cls(doc, tokens, doc.ents, language, table, sport, meta, disabled)
        article.places = place_prefixes(table)
        article.person_words = person_words(doc, text, language, article.ents)
        article.person_texts = frozenset(text[e.start_char:e.end_char] for e in article.ents  # e.text, no Tokens
                                         if e.label_ in ("PERSON", "PER"))
        if article.runs("entities.towns"):
            article.city_places = city_places(doc, table, language, article.person_words, sport, article.ents, tokens)
        article.lower_words = frozenset(filter(str.islower, tokens.words))  # each distinct word once
        article.inner_capitals = inner_capitals(doc, tokens)
        return article

    def runs(self, name: str) -> bool:
        return is_enabled(name, self.disabled)

    @cached_property
    def first_place_of(self) -> int:
        """The first token after a "<place noun> of" ("the town of [X]"), past the end if none: the
        rules that look for that phrase before a name skip the look where none comes before it."""
        lower = self.tokens.lower
        if len(lower) < 3:
            return len(lower) + 1
        after_of = lower.among(OF_WORDS)[1:-1] & lower.among(PLACE_KIND_NOUNS)[:-2]  # token i: i - 1 and i - 2
        hits = np.flatnonzero(after_of)
        return int(hits[0]) + 2 if len(hits) else len(lower) + 1

    def covered_index(self) -> SpanIndex:
        """``covered`` as a SpanIndex for the article rules, built again only after spans were added
        (the rules only read it; ``covered`` only grows)."""
        if self._covered_index is None or self._covered_size != len(self.covered):
            self._covered_index = SpanIndex(self.covered)
            self._covered_size = len(self.covered)
        return self._covered_index


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
