"""The chunk-caching tokenizer gives spaCy's own tokens and caches what spaCy leaves out."""

from __future__ import annotations

import copy
import pickle
import re

import pytest
import spacy

from streams.config import DEFAULT_MODELS
from streams.nlp.annotate.chunk_cache import ChunkCachingTokenizer, cache_every_chunk
from tests.test_pipeline_attribute_index import sample_bodies

AFTER_A_SPECIAL_CASE = "Don't  worry:\nthe committee's members met on Feb. 3, 2026, in\u00a0Paris (France)—again."


def test_same_docs_as_spacys_tokenizer_in_both_languages_twice_over():
    for language in ("en", "fr"):
        texts = sample_bodies(language) + [AFTER_A_SPECIAL_CASE, "", " ", "a-t-il dit «\u202fnon\u202f» ?"]
        stock = spacy.load(DEFAULT_MODELS[language], exclude=["tok2vec", "tagger", "morphologizer", "parser", "ner",
                                                             "attribute_ruler", "lemmatizer", "senter"])
        cached = spacy.blank(language)
        cached.tokenizer = stock.tokenizer.__class__(stock.vocab).from_bytes(stock.tokenizer.to_bytes())
        cache_every_chunk(cached)
        cache_every_chunk(cached)  # once only
        assert isinstance(cached.tokenizer, ChunkCachingTokenizer) and not isinstance(cached.tokenizer.tokenizer, ChunkCachingTokenizer)
        for _ in range(2):
            for text in texts + texts[::-1]:
                assert cached.make_doc(text).to_bytes() == stock.make_doc(text).to_bytes(), text[:60]


def counting_suffix_searches(tokenizer) -> list[str]:
    """Count the tokenizer's suffix-regex runs from now on (set before its first call: spaCy
    empties its cache when the regex changes)."""
    calls: list[str] = []
    search = tokenizer.suffix_search

    def counting(string):
        calls.append(string)
        return search(string)

    tokenizer.suffix_search = counting
    return calls


@pytest.mark.parametrize("limit, cached", [(100_000, True), (0, False)])
def test_chunks_after_a_special_case_are_cached(limit, cached):
    text = "Don't worry about the committee members today"
    stock = spacy.blank("en").tokenizer
    wrapped = ChunkCachingTokenizer(spacy.blank("en").tokenizer, limit=limit)  # limit 0: it only tokenizes
    counts = []
    for tokenizer in (stock, wrapped):
        calls = counting_suffix_searches(tokenizer)
        tokenizer(text)
        calls.clear()
        tokenizer(text)
        counts.append(len(calls))
    assert counts[0] > 0  # spaCy alone: no chunk after "Don't" was cached
    assert (counts[1] == 0) is cached
    assert wrapped.tokenizer.max_cache_size >= limit


def test_past_its_limit_it_only_tokenizes():
    wrapped = ChunkCachingTokenizer(spacy.blank("en").tokenizer, limit=3)
    wrapped("one two three four")
    wrapped("five six")
    assert wrapped.seen == {"one", "two", "three", "four"}


def test_settings_are_the_tokenizers_and_it_pickles():
    nlp = spacy.blank("en")
    cache_every_chunk(nlp)
    nlp.tokenizer.token_match = re.compile(r"^#\w+$").match  # written through to spaCy's tokenizer
    assert nlp.tokenizer.tokenizer.token_match is nlp.tokenizer.token_match
    copied = pickle.loads(pickle.dumps(nlp))
    assert isinstance(copied.tokenizer, ChunkCachingTokenizer)
    assert [t.text for t in copied("Tags: #wirewatch, ok")] == [t.text for t in nlp("Tags: #wirewatch, ok")]
    assert copy.deepcopy(nlp.tokenizer).limit == nlp.tokenizer.limit
