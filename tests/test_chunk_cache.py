"""The chunk-caching tokenizer gives spaCy's own tokens and caches what spaCy leaves out."""

from __future__ import annotations

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


def suffix_searches(tokenizer, text: str) -> int:
    """How many times the tokenizer runs its suffix regex on `text`."""
    calls = []
    search = tokenizer.suffix_search

    def counting(string):
        calls.append(string)
        return search(string)

    tokenizer.suffix_search = counting
    try:
        tokenizer(text)
    finally:
        tokenizer.suffix_search = search
    return len(calls)


def test_chunks_after_a_special_case_are_cached():
    stock = spacy.blank("en").tokenizer
    wrapped = ChunkCachingTokenizer(spacy.blank("en").tokenizer)
    text = "Don't worry about the committee members today"
    for tokenizer in (stock, wrapped):
        tokenizer(text)
    assert suffix_searches(stock, text) > 0  # spaCy: no chunk after "Don't" was cached
    assert suffix_searches(wrapped, text) == 0
    assert wrapped.tokenizer.max_cache_size >= 100_000


def test_past_its_limit_it_only_tokenizes():
    wrapped = ChunkCachingTokenizer(spacy.blank("en").tokenizer, limit=3)
    wrapped("one two three four")
    wrapped("five six")
    assert wrapped.seen == {"one", "two", "three", "four"}
