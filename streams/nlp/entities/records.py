"""The records the entities rules share: a mention, a group of mentions, and span helpers."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from spacy.attrs import IDX, ORTH, SPACY
from spacy.tokens import Doc, Span

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
    known_as: str | None = None  # the name to show when it is not the longest mention (real_names.py)

    @property
    def first(self) -> int:
        return min(m.start for m in self.mentions)


def mention_of(start: int, end: int, surface: str, type_: str, entry: AliasEntry | None = None) -> Mention:
    """A mention of the surface's words at [start, end)."""
    return Mention(start, end, surface, type_, len(surface.split()), entry)


# hash -> string, for every vocab (a hash is its string's): an article's words were mostly seen in
# earlier articles, and a dict costs a third of a StringStore look-up
_STRINGS: dict[int, str] = {}
_STRINGS_MAX = 1 << 16  # ~10 MB when full


def strings_of(doc: Doc, hashes: list[int]) -> list[str]:
    """The strings of the hashes, each looked up in the doc's vocab once per process (another
    thread may clear the memo meanwhile: what this call found is kept in its own list)."""
    known = _STRINGS
    found: list[str | None] = list(map(known.get, hashes))
    if None in found:
        if len(known) >= _STRINGS_MAX:
            known.clear()  # bounded: a long-lived worker sees new words forever
        store = doc.vocab.strings
        for k, h in enumerate(hashes):
            if found[k] is None:
                found[k] = known[h] = store[h]
    return found  # type: ignore[return-value]


def _distinct_strings(doc: Doc, attr: int) -> tuple[list[str], np.ndarray]:
    """The distinct strings of one attribute, and each token's index among them."""
    distinct, where = np.unique(doc.to_array(attr), return_inverse=True)
    return strings_of(doc, distinct.tolist()), where


def _each_in(strings: list[str], words: Container[str]) -> np.ndarray:
    """Whether each string is one of ``words``, as a bool array: the tests run in map's C loop."""
    return np.fromiter(map(words.__contains__, strings), dtype=bool, count=len(strings))


@dataclass(frozen=True)
class Column:
    """One string attribute of every token (LOWER...) as its distinct strings and each token's index
    among them: a rule can pick the tokens whose word is in a list with one test per distinct word,
    then visit those only, not every token of a long body."""

    words: list[str]
    which: np.ndarray
    _masks: dict[int, tuple[Container[str], np.ndarray]] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def read(cls, doc: Doc, attr: int) -> Column:
        return cls(*_distinct_strings(doc, attr)) if len(doc) else cls([], np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.which)

    def __getitem__(self, i: int) -> str:
        return self.words[self.which[i]]

    def among(self, words: Container[str]) -> np.ndarray:
        """Whether each token's string is one of ``words`` (one test per distinct string, in C); kept
        per word list, as several rules ask the same (read-only: a rule combines it into a new array)."""
        known = self._masks.get(id(words))
        if known is not None and known[0] is words:
            return known[1]
        mask = _each_in(self.words, words)[self.which]
        mask.flags.writeable = False
        self._masks[id(words)] = (words, mask)
        return mask


def token_strings(doc: Doc, attr: int) -> list[str]:
    """One string attribute (ORTH, LOWER, LEMMA...) of every token, read from the doc's array: each
    distinct word is looked up once, and no Token object is made per word on long bodies."""
    if not len(doc):
        return []
    words, where = _distinct_strings(doc, attr)
    return np.array(words, dtype=object)[where].tolist()


@dataclass(frozen=True)
class Tokens:
    """The doc's words, offsets and text, read once from its arrays for every rule that walks all
    the tokens: on a long body a re-read per rule, or a Token object per word, costs more than the
    rules themselves (Doc.text alone makes a Token of every word)."""

    words: list[str]  # the distinct token texts
    which: np.ndarray  # each token's index in words
    by_word: np.ndarray  # the tokens grouped by word (words[k]'s: by_word[bounds[k]:bounds[k + 1]]), in order
    bounds: np.ndarray
    orth: list[str]  # each token's text
    idx: list[int]  # each token's offset in text
    offsets: np.ndarray  # the same, as an array
    text: str  # doc.text

    @classmethod
    def read(cls, doc: Doc) -> Tokens:
        if not len(doc):
            empty = np.zeros(0, dtype=np.int64)
            return cls([], empty, empty, np.zeros(1, dtype=np.int64), [], [], empty, "")
        hashes, spaces, starts = doc.to_array([ORTH, SPACY, IDX]).T  # one read of the three
        by_word = np.argsort(hashes, kind="stable")
        ordered = hashes[by_word]
        new = np.concatenate(([True], ordered[1:] != ordered[:-1]))  # where each distinct word starts
        which = np.empty(len(hashes), dtype=np.int64)
        which[by_word] = np.cumsum(new) - 1
        bounds = np.append(np.flatnonzero(new), len(hashes))
        words = strings_of(doc, ordered[new].tolist())
        bare = np.array(words, dtype=object)
        spaced = np.array([w + " " for w in words], dtype=object)
        orth = bare[which]
        text = "".join(np.where(spaces.astype(bool), spaced[which], orth).tolist())
        return cls(words, which, by_word, bounds, orth.tolist(), starts.tolist(), starts.astype(np.int64), text)

    def among(self, words: Container[str]) -> np.ndarray:
        """Whether each token's text is one of ``words``: a rule visits those tokens only."""
        return _each_in(self.words, words)[self.which]

    def expanded(self, start: int, end: int) -> range | None:
        """The tokens doc.char_span(start, end, alignment_mode="expand") holds, found by bisection in
        the offsets (the tokens tile the text, each with its trailing space): no Span, no Token."""
        idx, size = self.idx, len(self.text)
        if not (0 <= start < size and 0 <= end - 1 < size):
            return None
        first = bisect_right(idx, start) - 1
        if start == idx[first] + len(self.orth[first]):
            first += 1  # the token's trailing space is not the token
        return range(first, bisect_right(idx, end - 1))

    @cached_property
    def number(self) -> dict[str, int]:
        """Each distinct word's index in ``words``, built once for every WordStarts of the article."""
        return dict(zip(self.words, range(len(self.words))))

    @cached_property
    def lower(self) -> Column:
        """The tokens' LOWER (their text in lower case), from the words read already: no second
        read of the doc (its words may repeat there: "Paris" and "PARIS" are both "paris")."""
        return Column([w.lower() for w in self.words], self.which)


class WordStarts:
    """Where each word (a token's text) starts, in order, for the tokens kept by ``mask``: looked up
    for a few names, so each word's list is cut from the tokens grouped by word (and masked) when
    asked, not built for all."""

    def __init__(self, tokens: Tokens, mask: np.ndarray | None = None) -> None:
        self._by_word, self._bounds, self._offsets = tokens.by_word, tokens.bounds, tokens.offsets
        self._mask = mask
        self._number = tokens.number

    def get(self, word: str, default: list[int] | tuple = ()) -> list[int] | tuple:
        k = self._number.get(word)
        if k is None:
            return default
        kept = self._by_word[self._bounds[k]:self._bounds[k + 1]]  # its tokens, in order
        if self._mask is not None:
            kept = kept[self._mask[kept]]
        return self._offsets[kept].tolist() if len(kept) else default

    def __contains__(self, word: str) -> bool:
        return self.get(word, None) is not None


def entity_at(doc: Doc, i: int) -> Span | None:
    """The model's entity holding token i, found from its IOB tags: doc.ents rebuilds every entity
    of the body on each access."""
    if not doc[i].ent_type_:
        return None
    start = i
    while start > 0 and doc[start].ent_iob_ == "I" and doc[start - 1].ent_type_:
        start -= 1
    end = i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return Span(doc, start, end, label=doc[i].ent_type_)


def inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


class SpanIndex:
    """Spans (start, end, ...) kept sorted by start, so that an overlap or containment query costs
    a bisection and its hits, not a scan of every span: the stage stays linear in the body's length."""

    def __init__(self, spans: Iterable[tuple] = ()) -> None:
        self._items: list[tuple] = sorted(spans)
        self._starts = [item[0] for item in self._items]
        self._longest = max((item[1] - item[0] for item in self._items), default=0)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self):
        return iter(self._items)

    def add(self, span: tuple) -> None:
        at = bisect_right(self._starts, span[0])
        self._items.insert(at, span)
        self._starts.insert(at, span[0])
        self._longest = max(self._longest, span[1] - span[0])

    def remove(self, span: tuple) -> None:
        at = bisect_left(self._starts, span[0])
        while self._items[at] != span:
            at += 1
        del self._items[at], self._starts[at]

    def overlapping(self, start: int, end: int) -> list[tuple]:
        """The spans that share a character with [start, end)."""
        if not self._items:
            return []  # most indexes of an article are empty: no bisection
        low = bisect_left(self._starts, start - self._longest)
        return [item for item in self._items[low:bisect_left(self._starts, end)] if item[0] < end and start < item[1]]

    def contains(self, start: int, end: int) -> bool:
        """Whether one span holds all of [start, end)."""
        if not self._items:
            return False
        low = bisect_left(self._starts, end - self._longest)
        return any(item[0] <= start and end <= item[1] for item in self._items[low:bisect_right(self._starts, start)])


def overlapping(start: int, end: int, covered: Iterable[Covered]) -> list[Covered]:
    """The covered spans (start, end, type) that share a character with [start, end)."""
    return [c for c in covered if c[0] < end and start < c[1]]
