"""The words a topic is read from: an article's content tokens and a headline's words.

Why a module of its own (issue #17): a long body has hundreds of thousands of tokens but a few
thousand distinct words, so the body is read from the doc's arrays and each distinct (word,
lemma) is folded and tested once; what is left per token is numpy indexing. The result keeps
the distinct terms apart from the sequence (Terms), so the lexicon and the model's vocabulary
are consulted once per distinct term too (classify.term_counts).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from streams.text import fold

if TYPE_CHECKING:  # pragma: no cover
    from spacy.lexeme import Lexeme
    from spacy.tokens import Doc

SYMBOL_WORDS = {"%": "percent", "€": "euro", "$": "dollar", "£": "pound"}
_WORD_RE = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")

Term = tuple[str, str, bool]  # (folded lemma, folded lowercase text, capitalised mid-sentence)
PairTerm = tuple[Term, Term | None]  # a word's term, and as a capital mid-sentence (None: no capital)

MEMO_LIMIT = 50_000
"""Entries a memo of this stage keeps before it starts again: bounds a long-running worker's
memory (~230 bytes an entry, so ~12 MB a memo; 194 bench and press articles fill 12,000)."""
# (ORTH, LEMMA) hashes -> _pair_term, per language: a hash names one string in every vocab, and
# the stop list and lexical flags are the language's
_PAIR_MEMO: dict[str, dict[tuple[int, int], PairTerm | None]] = {}


def memoized(memo: dict, keys: Iterable[Hashable], compute: Callable) -> list:
    """compute(key) for each key, remembered across articles: an article's words are mostly
    words of earlier articles, and folding them or trying their endings costs more than the rest."""
    if len(memo) >= MEMO_LIMIT:
        memo.clear()
    keys = list(keys)
    out = [memo.get(key, _MISSING) for key in keys]
    for i, value in enumerate(out):
        if value is _MISSING:
            out[i] = memo[keys[i]] = compute(keys[i])
    return out


_MISSING = object()


def _stop_words(language: str) -> frozenset[str]:
    """spaCy's stop list for the language (used for headlines, which are not parsed)."""
    return _stop_words_cached(language.split("-")[0].lower())


@functools.lru_cache(maxsize=8)
def _stop_words_cached(lang: str) -> frozenset[str]:
    try:
        import spacy.util

        words = spacy.util.get_lang_class(lang).Defaults.stop_words
    except Exception:  # unknown language: no stop list rather than a crash
        words = set()
    return frozenset(fold(w) for w in words)


def _keep_word(key: str) -> bool:
    return len(key) >= 2 and any(ch.isalpha() for ch in key)


@dataclass(frozen=True)
class Terms:
    """A sequence of terms as its distinct terms and each position's index among them."""

    distinct: list[Term]
    which: np.ndarray  # (n,) int64: the term at each position is distinct[which[i]]

    @classmethod
    def of(cls, terms: Iterable[Sequence]) -> Terms:
        """From (lemma, lower, capital) tuples or lists (the training script caches lists)."""
        index: dict[Term, int] = {}
        which = [index.setdefault(tuple(t), len(index)) for t in terms]  # type: ignore[arg-type]
        return cls(list(index), np.array(which, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.which)

    def as_list(self) -> list[Term]:
        table = np.empty(len(self.distinct), dtype=object)
        for k, term in enumerate(self.distinct):  # one by one: a list of tuples would make a 2-D array
            table[k] = term
        return table[self.which].tolist()


def doc_term_ids(doc: Doc) -> Terms:
    """The content tokens of a parsed doc as Terms (see doc_terms for what a term is): the
    distinct (word, lemma) pairs from the arrays, each made a term once (_pair_term, memoized)."""
    from spacy.attrs import LEMMA, ORTH, SENT_START

    if not len(doc):
        return Terms([], np.zeros(0, dtype=np.int64))
    cols = doc.to_array([ORTH, LEMMA, SENT_START])
    vocab, strings = doc.vocab, doc.vocab.strings
    texts, text_of = np.unique(cols[:, 0], return_inverse=True)
    lemmas, lemma_of = np.unique(cols[:, 1], return_inverse=True)
    pairs, pair_of = np.unique(text_of * len(lemmas) + lemma_of, return_inverse=True)
    stops = _stop_words(doc.lang_)
    entries = memoized(
        _PAIR_MEMO.setdefault(doc.lang_, {}),  # the language: its stop list
        zip(texts[pairs // len(lemmas)].tolist(), lemmas[pairs % len(lemmas)].tolist()),
        lambda pair: _pair_term(strings[pair[0]], strings[pair[1]], stops, _no_content(vocab[pair[0]])),
    )
    kind = np.array([0 if e is None else 1 if e[1] is None else 2 for e in entries], dtype=np.int8)[pair_of]
    capital = (kind == 2) & (cols[:, 2] != 1)
    used, which = np.unique((pair_of * 2 + capital)[kind > 0], return_inverse=True)
    distinct = [entries[u >> 1][u & 1] for u in used.tolist()]
    return Terms(distinct, which.astype(np.int64))  # type: ignore[arg-type]


def _no_content(lex: Lexeme) -> bool:
    """Punctuation, space, stop word, number, URL or e-mail: lexical flags, the same for every
    token of the word (so read once per distinct word, not from each token)."""
    return lex.is_punct or lex.is_space or lex.is_stop or lex.like_num or lex.like_url or lex.like_email


def _pair_term(text: str, lemma_text: str, stops: frozenset[str], no_content: bool) -> PairTerm | None:
    """The term of one distinct (word, lemma), and the term it is where capitalised mid-sentence
    (None for words not upper-case); None when it is no content word. The symbols %, EUR and $
    stand for their English words in every language, even as punctuation; without a lemmatizer
    (blank models) the word is its own lemma."""
    if text in SYMBOL_WORDS:
        word = SYMBOL_WORDS[text]
        return (word, word, False), None
    if no_content:
        return None
    lower = fold(text)
    lemma = fold(lemma_text) if lemma_text else lower
    if not _keep_word(lemma) or lemma in stops:
        return None
    return (lemma, lower, False), (lemma, lower, True) if text[:1].isupper() else None


def doc_terms(doc: Doc) -> list[Term]:
    """(folded lemma, folded lowercase text, capitalised mid-sentence) of content tokens.

    Falls back to the token text when the pipeline has no lemmatizer (blank models).
    The symbols %, EUR and $ stand for their English words in every language."""
    return doc_term_ids(doc).as_list()


def headline_terms(headline: str | None, language: str) -> list[Term]:
    """Simple tokenisation of a headline (no parse): words minus stop words."""
    if not headline:
        return []
    stops = _stop_words(language)
    out: list[Term] = []
    for n, match in enumerate(_WORD_RE.finditer(headline)):
        word = match.group(0)
        if "'" in word:  # l'OTAN -> OTAN; aujourd'hui stays whole only if not elided
            head, _, tail = word.partition("'")
            word = tail if len(head) <= 2 else word
        key = fold(word)
        if not _keep_word(key) or key in stops:
            continue
        out.append((key, key, n > 0 and word[:1].isupper()))
    return out
