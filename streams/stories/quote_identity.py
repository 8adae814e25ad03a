"""Quote identity: the same words of the same speaker get one ``quote_id`` wherever reprinted.

Outlets reprint a quote with other quotation marks and apostrophes, trimmed at either end
("nous ne céderons pas" out of "nous ne céderons pas à la violence"), with a word or a comma
changed. The id of an exact reprint is a hash of the folded words and the speaker, the same in
every process; trimmed and edited reprints are found by the share of their words found in
order in a quote seen before (candidates: quotes sharing a word trigram) (QuoteRegistry) and take the id of the first one seen.

A quote whose speaker is unknown in one article matches the same words attributed in another
(attribution fails more often than reprinting changes words); two different named speakers
never share an id. Short quotes (fewer than MIN_FUZZY_WORDS words: "scènes de chaos") match
exactly only, with the same speaker: such fragments are too common to identify a statement; a
short quote found inside a much longer one is not taken for a trimmed reprint of it; and where
a speaker is unknown, only quotes of DISTINCTIVE_WORDS words match inexactly, since "par les
forces de l'ordre" is in many statements and is none of them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from hashlib import blake2b
from typing import Optional

from streams.stories.words import fold_words
from streams.text import name_key

MIN_FUZZY_WORDS = 6
# A trimmed quote matches the longer one it is cut from when it covers this share of it, or
# is DISTINCTIVE_WORDS long.
MIN_COVER = 0.3
DISTINCTIVE_WORDS = 12
MIN_SHARED_WORDS = 0.8  # an edited quote: share of the longer quote's words matched, in order, by the other
UNKNOWN = ""


def speaker_key(speaker: Mapping | None) -> str:
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


def same_statement(a: tuple[str, ...], b: tuple[str, ...], min_words: int = MIN_FUZZY_WORDS) -> bool:
    """Whether two folded quotes are one statement: equal; the shorter a trimmed run of the
    longer, covering MIN_COVER of it or DISTINCTIVE_WORDS long; or a small edit (a word changed,
    added or dropped): MIN_SHARED_WORDS of each quote's words found in the other, in order.
    Inexact matches need ``min_words`` words in the shorter quote."""
    if a == b:
        return bool(a)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < min_words:
        return False
    if is_run_of(short, long):
        return len(short) >= DISTINCTIVE_WORDS or len(short) >= MIN_COVER * len(long)
    blocks = SequenceMatcher(None, short, long, autojunk=False).get_matching_blocks()
    return sum(block.size for block in blocks) >= MIN_SHARED_WORDS * len(long)


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
    last_seen: str = ""


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
        self._forms: dict[str, list[tuple[tuple[str, ...], str]]] = {}

    def identify(self, text: str, speaker: Mapping | None = None) -> str:
        """The quote id of ``text`` said by ``speaker``, without recording it."""
        words, who = tuple(fold_words(text)), speaker_key(speaker)
        found = self._find(words, who)
        return found.quote_id if found else exact_quote_id(words, who)

    def record(self, text: str, speaker: Mapping | None, article_id: str, source: str, seen: str) -> QuoteRecord:
        """Identify a quote and record this sighting; returns the statement's record."""
        words, who = tuple(fold_words(text)), speaker_key(speaker)
        found = self._find(words, who)
        quote_id = found.quote_id if found else exact_quote_id(words, who)
        rec = self.records.setdefault(quote_id, QuoteRecord(quote_id, who, seen))
        rec.last_seen = max(rec.last_seen, seen)
        if rec.speaker == UNKNOWN and who != UNKNOWN:
            rec.speaker = who
        if article_id not in rec.articles:
            rec.articles.append(article_id)
        if source and source not in rec.sources:
            rec.sources.append(source)
        self._add_variant(words, who, quote_id)
        return rec

    def variants_of(self, quote_id: str) -> list[tuple[tuple[str, ...], str]]:
        """The (folded words, speaker key) forms a statement was seen in, for persisting it."""
        return list(self._forms.get(quote_id, []))

    def restore(self, record: QuoteRecord, variants: list[tuple[tuple[str, ...], str]]) -> None:
        """Put back a statement read from persisted state."""
        self.records[record.id] = record
        for words, who in variants:
            self._add_variant(tuple(words), who, record.id)

    def stale(self, seen: str) -> list[str]:
        """Ids of the statements last seen before ``seen`` (RFC 3339 UTC strings)."""
        return [q for q, rec in self.records.items() if (rec.last_seen or rec.first_seen) < seen]

    def forget(self, quote_id: str) -> None:
        """Drop a statement and its forms: a later reprint starts a new id."""
        self.records.pop(quote_id, None)
        for key in self._forms.pop(quote_id, []):
            self._variants.pop(key, None)
            for gram in trigrams(key[0]):
                bucket = self._by_trigram.get(gram)
                if bucket is not None:
                    bucket.discard(key)
                    if not bucket:
                        del self._by_trigram[gram]

    def _add_variant(self, words: tuple[str, ...], who: str, quote_id: str) -> None:
        key = (words, who)
        if words and key not in self._variants:
            self._variants[key] = _Variant(words, who, quote_id)
            self._forms.setdefault(quote_id, []).append(key)
            for gram in trigrams(words):
                self._by_trigram.setdefault(gram, set()).add(key)

    def _find(self, words: tuple[str, ...], who: str) -> _Variant | None:
        if not words:
            return None
        exact = self._variants.get((words, who))
        if exact is not None:
            return exact
        hits: Counter[tuple[tuple[str, ...], str]] = Counter()
        for gram in trigrams(words):
            hits.update(self._by_trigram.get(gram, ()))
        best: tuple[tuple, _Variant] | None = None
        for key, shared in hits.items():
            variant = self._variants[key]
            # 80 % of the words in order leaves at least 0.4 n - 2 of the n - 2 trigrams whole
            if shared < 0.4 * min(len(words), len(variant.words)) - 2:
                continue
            speaker = self.records[variant.quote_id].speaker
            if not speakers_agree(who, speaker) or not speakers_agree(who, variant.speaker):
                continue
            if variant.words == words:
                if len(words) < MIN_FUZZY_WORDS and variant.speaker != who:
                    continue
            else:
                # with no speaker to tell them apart, only long quotes match inexactly
                named = who != UNKNOWN and variant.speaker != UNKNOWN
                if not same_statement(words, variant.words, MIN_FUZZY_WORDS if named else DISTINCTIVE_WORDS):
                    continue
            rank = (self.records[variant.quote_id].first_seen, variant.quote_id)
            if best is None or rank < best[0]:
                best = (rank, variant)
        return best[1] if best else None
