"""The lemmatizer's lemmas remembered by (word, part of speech, morphology).

Why: spaCy's rule lemmatizer makes a Token and a MorphAnalysis for every word of every document
to look its own cache up, and does not cache English base forms at all: under load that is
about a sixth of a worker's interpreter time, more than the neural network (docs/benchmarks.md,
issue #17). In the rule and lookup modes a lemma depends on nothing but the word's text, its
part of speech and its morphology, so one dictionary lookup per word on the document's arrays
gives the very same lemmas; only a word not seen before goes through the lemmatizer itself.
"""

from __future__ import annotations

import numpy
from spacy.attrs import LEMMA, MORPH, ORTH, POS
from spacy.language import Language
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc

MEMO_LIMIT = 300_000
"""Distinct (word, POS, morphology) triples kept before the memo starts again: bounds a
long-running worker's memory (a news vocabulary of a day fits many times)."""

PURE_MODES = ("rule", "lookup")
"""Lemmatizer modes whose lemma is a function of the word's text, POS and morphology alone."""


class MemoLemmatizer:
    """Mixed in before a pipeline's own lemmatizer class (memoize_lemmatizers): same lemmas,
    one lookup per known word."""

    _memo: dict[tuple[int, int, int], tuple[int, str]]

    def __call__(self, doc: Doc) -> Doc:
        if not self._validated:
            self._validate_tables()
        try:
            return lemmatize_by_memo(self, doc)
        except Exception as exc:
            self.get_error_handler()(self.name, self, [doc], exc)
            return doc


def lemmatize_by_memo(lemmatizer: Lemmatizer, doc: Doc) -> Doc:
    """Set every lemma the stock lemmatizer would set (a word the attribute ruler gave a lemma
    keeps it, unless the lemmatizer overwrites), asking it only for triples not seen before."""
    memo = lemmatizer._memo
    strings = doc.vocab.strings
    rows = doc.to_array([ORTH, POS, MORPH, LEMMA]).tolist()
    lemmas = []
    for index, (orth, pos, morph, lemma) in enumerate(rows):
        if lemma and not lemmatizer.overwrite:
            lemmas.append(lemma)
            continue
        key = (orth, pos, morph)
        known = memo.get(key)
        if known is None:
            text = lemmatizer.lemmatize(doc[index])[0]
            known = (strings.add(text), text)
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            memo[key] = known
        elif known[0] not in strings:  # a fresh string store (spaCy memory zones): the text goes in again
            strings.add(known[1])
        lemmas.append(known[0])
    if lemmas:
        doc.from_array([LEMMA], numpy.array(lemmas, dtype=numpy.uint64).reshape(-1, 1))
    return doc


def memoize_lemmatizers(nlp: Language) -> list[str]:
    """Give each rule or lookup lemmatizer of `nlp` the memo; returns the components that took it."""
    done = []
    for name, component in nlp.pipeline:
        if not isinstance(component, Lemmatizer) or isinstance(component, MemoLemmatizer):
            continue
        if component.mode not in PURE_MODES:
            continue
        base = type(component)
        component.__class__ = type(f"Memo{base.__name__}", (MemoLemmatizer, base), {})
        component._memo = {}
        done.append(name)
    return done
