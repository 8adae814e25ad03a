"""The attribute ruler's index finds exactly the Matcher's matches, so the parse is unchanged."""

from __future__ import annotations

import json

import pytest
import spacy

from streams.config import DEFAULT_MODELS
from streams.nlp.annotate.attribute_index import AttributeIndex, index_attribute_rulers
from streams.paths import REPO_ROOT
from streams.text import nlp_view

ATTRS = ("tag_", "pos_", "morph", "lemma_", "dep_")


def sample_bodies(language: str) -> list[str]:
    lines = (REPO_ROOT / "streams" / "samples" / "articles.jsonl").read_text("utf-8").splitlines()
    articles = [json.loads(line) for line in lines if line.strip()]
    return [nlp_view(a["body"]) for a in articles if a.get("language") == language and a.get("body")]


def token_attributes(docs) -> list[list[tuple[str, ...]]]:
    return [[tuple(str(getattr(t, name)) for name in ATTRS) for t in doc] for doc in docs]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_index_finds_the_matchers_matches_and_the_same_annotations(language):
    bodies = sample_bodies(language)
    assert bodies, f"no {language} sample article"
    stock = spacy.load(DEFAULT_MODELS[language])
    indexed = spacy.load(DEFAULT_MODELS[language])
    assert index_attribute_rulers(indexed) == ["attribute_ruler"]
    ruler = stock.get_pipe("attribute_ruler")
    index = AttributeIndex(ruler)
    matches = 0
    with stock.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        for doc in stock.pipe(bodies):
            expected = ruler.match(doc)
            assert index.match(doc) == sorted(set(expected))
            matches += len(expected)
    assert matches > 0
    assert token_attributes(indexed.pipe(bodies)) == token_attributes(stock.pipe(bodies))


def test_every_operator_the_index_takes_and_token_order():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "new"}, {"LOWER": {"IN": ["york", "delhi"]}}]], {"LEMMA": "city"}, index=1)
    ruler.add([[{"LOWER": {"REGEX": "^y'?$"}}, {"LOWER": "all"}]], {"LEMMA": "you"})
    ruler.add([[{"ORTH": {"NOT_IN": ["a", "b"]}, "IS_PUNCT": True}]], {"LEMMA": "punct"})
    doc = nlp.make_doc("New York , y all ! New Delhi a")
    assert AttributeIndex(ruler).match(doc) == sorted(set(ruler.match(doc)))
    assert len(ruler.match(doc)) == 5


def test_a_pattern_the_index_cannot_express_keeps_the_matcher():
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("attribute_ruler")
    ruler.add([[{"LOWER": "very", "OP": "+"}]], {"LEMMA": "very"})
    matcher_match = ruler.match
    assert index_attribute_rulers(nlp) == []
    assert ruler.match == matcher_match
