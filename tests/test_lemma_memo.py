"""Lemmas remembered by (word, POS, morphology) are the stock lemmatizer's lemmas (issue #17)."""

from __future__ import annotations

import pytest
import spacy

from streams.config import DEFAULT_MODELS
from streams.nlp.annotate import lemma_memo
from streams.nlp.annotate.lemma_memo import memoize_lemmatizers
from tests.test_pipeline_attribute_index import sample_bodies


def lemmas(nlp, bodies) -> list[list[str]]:
    return [[token.lemma_ for token in doc] for doc in nlp.pipe(bodies)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_memo_gives_the_stock_lemmas_cold_warm_and_after_a_reset(language, monkeypatch):
    bodies = sample_bodies(language)
    assert bodies
    stock = spacy.load(DEFAULT_MODELS[language])
    memo = spacy.load(DEFAULT_MODELS[language])
    assert memoize_lemmatizers(memo) == ["lemmatizer"]
    assert memoize_lemmatizers(memo) == []  # once is enough
    expected = lemmas(stock, bodies)
    assert lemmas(memo, bodies) == expected  # cold: every triple goes through the lemmatizer
    remembered = len(memo.get_pipe("lemmatizer")._memo)
    assert remembered > 100
    assert lemmas(memo, bodies) == expected  # warm: from the memo
    monkeypatch.setattr(lemma_memo, "MEMO_LIMIT", 10)
    memo.get_pipe("lemmatizer")._memo.clear()
    assert lemmas(memo, bodies) == expected  # starting again as the memo fills
    assert len(memo.get_pipe("lemmatizer")._memo) <= 10


def test_a_lemma_the_attribute_ruler_set_is_kept_unless_the_lemmatizer_overwrites():
    nlp = spacy.load(DEFAULT_MODELS["en"])
    memoize_lemmatizers(nlp)
    ruler = nlp.get_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "wirewatching"}]], {"LEMMA": "WIREWATCH-LEMMA"})
    doc = nlp("She was wirewatching the feeds.")
    assert doc[2].lemma_ == "WIREWATCH-LEMMA" and doc[1].lemma_ == "be"
    nlp.get_pipe("lemmatizer").overwrite = True
    assert nlp("She was wirewatching the feeds.")[2].lemma_ != "WIREWATCH-LEMMA"


def test_a_pipeline_without_a_lemmatizer_is_left_as_it_is():
    assert memoize_lemmatizers(spacy.blank("en")) == []
