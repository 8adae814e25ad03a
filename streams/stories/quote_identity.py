"""Quote identity: the same words of the same speaker get one ``quote_id`` wherever reprinted.

Outlets reprint a quote with other quotation marks and apostrophes, trimmed at either end
("nous ne céderons pas" out of "nous ne céderons pas à la violence"), with a word or a comma
changed. The id of an exact reprint is a hash of the folded words and the speaker, the same in
every process; trimmed and edited reprints are found by word-trigram containment against the
quotes seen before (QuoteRegistry) and take the id of the first one seen.

A quote whose speaker is unknown in one article matches the same words attributed in another
(attribution fails more often than reprinting changes words); two different named speakers
never share an id. Short quotes (fewer than MIN_FUZZY_WORDS words: "scènes de chaos") match
exactly only, with the same speaker: such fragments are too common to identify a statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import blake2b
from typing import Mapping, Optional

from streams.stories.words import fold_words
from streams.text import name_key

MIN_FUZZY_WORDS = 5
MIN_CONTAINMENT = 0.8  # share of the shorter quote's word trigrams found in the longer
UNKNOWN = ""


def speaker_key(speaker: Optional[Mapping]) -> str:
    """Who said it, as a key: the entity id when linked, else the folded name, else UNKNOWN."""
    if not speaker:
        return UNKNOWN
    if speaker.get("entity_id"):
        return "id:" + str(speaker["entity_id"])
    name = name_key(str(speaker.get("name") or ""))
    return "name:" + name if name else UNKNOWN


def exact_quote_id(words: tuple[str, ...], speaker: str) -> str:
    """The id of exactly these folded words by this speaker: stable across processes."""
    digest = blake2b(digest_size=8, person=b"ww-quote1")
    digest.update(speaker.encode("utf-8") + b"\x1f" + " ".join(words).encode("utf-8"))
    return "q-" + digest.hexdigest()


def trigrams(words: tuple[str, ...]) -> frozenset[str]:
    """Word trigrams (the whole quote when shorter)."""
    if len(words) < 3:
        return frozenset({" ".join(words)}) if words else frozenset()
    return frozenset(" ".join(words[i:i + 3]) for i in range(len(words) - 2))


def is_run_of(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """Whether ``short`` occurs in ``long`` as a contiguous run of words (a trimmed quote)."""
    n = len(short)
    return any(long[i:i + n] == short for i in range(len(long) - n + 1))


def same_statement(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two folded quotes are one statement: equal, one a trimmed run of the other, or
    the shorter's trigrams found in the longer at MIN_CONTAINMENT (small edits)."""
    if a == b:
        return bool(a)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < MIN_FUZZY_WORDS:
        return False
    if is_run_of(short, long):
        return True
    ts, tl = trigrams(short), trigrams(long)
    return len(ts & tl) / len(ts) >= MIN_CONTAINMENT


def speakers_agree(a: str, b: str) -> bool:
    return a == b or a == UNKNOWN or b == UNKNOWN


@dataclass
class QuoteRecord:
    """A known statement: its id, speaker, and where it was seen."""

    id: str
    speaker: str
    first_seen: str
    articles: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Variant:
    words: tuple[str, ...]
    speaker: str
    quote_id: str


class QuoteRegistry:
    """Quotes seen so far, by trigram, so a reprint finds the first sighting's id."""

    def __init__(self) -> None:
        self.records: dict[str, QuoteRecord] = {}
        self._variants: dict[tuple[tuple[str, ...], str], _Variant] = {}
        self._by_trigram: dict[str, set[tuple[tuple[str, ...], str]]] = {}

    def identify(self, text: str, speaker: Optional[Mapping] = None) -> str:
        """The quote id of ``text`` said by ``speaker``, without recording it."""
        words, who = tuple(fold_words(text)), speaker_key(speaker)
        found = self._find(words, who)
        return found.quote_id if found else exact_quote_id(words, who)

    def record(self, text: str, speaker: Optional[Mapping], article_id: str, source: str, seen: str) -> QuoteRecord:
        """Identify a quote and record this sighting; returns the statement's record."""
        words, who = tuple(fold_words(text)), speaker_key(speaker)
        found = self._find(words, who)
        quote_id = found.quote_id if found else exact_quote_id(words, who)
        rec = self.records.setdefault(quote_id, QuoteRecord(quote_id, who, seen))
        if rec.speaker == UNKNOWN and who != UNKNOWN:
            rec.speaker = who
        if article_id not in rec.articles:
            rec.articles.append(article_id)
        if source and source not in rec.sources:
            rec.sources.append(source)
        key = (words, who)
        if words and key not in self._variants:
            self._variants[key] = _Variant(words, who, quote_id)
            for gram in trigrams(words):
                self._by_trigram.setdefault(gram, set()).add(key)
        return rec

    def _find(self, words: tuple[str, ...], who: str) -> Optional[_Variant]:
        if not words:
            return None
        exact = self._variants.get((words, who))
        if exact is not None:
            return exact
        candidates: set[tuple[tuple[str, ...], str]] = set()
        for gram in trigrams(words):
            candidates |= self._by_trigram.get(gram, set())
        best: Optional[tuple[tuple, _Variant]] = None
        for key in candidates:
            variant = self._variants[key]
            speaker = self.records[variant.quote_id].speaker
            if not speakers_agree(who, speaker) or not speakers_agree(who, variant.speaker):
                continue
            if len(words) < MIN_FUZZY_WORDS or len(variant.words) < MIN_FUZZY_WORDS:
                if variant.words != words or variant.speaker != who:
                    continue
            elif not same_statement(words, variant.words):
                continue
            rank = (self.records[variant.quote_id].first_seen, variant.quote_id)
            if best is None or rank < best[0]:
                best = (rank, variant)
        return best[1] if best else None
