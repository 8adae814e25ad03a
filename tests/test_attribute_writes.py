"""The attribute ruler written by array (nlp.pipe) gives the Doc its own __call__ gives."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from streams.config import DEFAULT_MODELS
from streams.nlp.annotate.attribute_index import index_attribute_rulers
from streams.nlp.annotate.attribute_writes import AttributeWriter, Unwritable, write_by_array
from tests.test_pipeline_attribute_index import sample_bodies


def same_docs(left: list[Doc], right: list[Doc]) -> bool:
    return [d.to_bytes() for d in left] == [d.to_bytes() for d in right]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_stock_pipeline_parses_the_same_with_the_writer(language):
    bodies = sample_bodies(language)
    own = spacy.load(DEFAULT_MODELS[language])
    written = spacy.load(DEFAULT_MODELS[language])
    index_attribute_rulers(written)
    assert write_by_array(written.get_pipe("attribute_ruler"))
    assert "pipe" in vars(written.get_pipe("attribute_ruler"))
    assert same_docs(list(written.pipe(bodies)), list(own.pipe(bodies)))


def blank_ruler():
    nlp = spacy.blank("en")
    return nlp, nlp.add_pipe("attribute_ruler")


def both_ways(nlp, ruler, text: str, tags: list[str]) -> tuple[Doc, Doc]:
    """(the ruler's own __call__, the writer) on one doc with these tags."""
    docs = []
    for call in (ruler, AttributeWriter(ruler)):
        doc = nlp.make_doc(text)
        for token, tag in zip(doc, tags):
            token.tag_ = tag
        docs.append(call(doc))
    return docs[0], docs[1]


def test_the_last_rule_wins_across_one_token_and_longer_patterns():
    nlp, ruler = blank_ruler()
    ruler.add([[{"TAG": "NN"}]], {"POS": "NOUN", "MORPH": "Number=Sing"})
    ruler.add([[{"LOWER": "new"}, {"LOWER": {"IN": ["york", "delhi"]}}]], {"POS": "PROPN", "LEMMA": "city"}, index=1)
    ruler.add([[{"TAG": "NN", "LOWER": {"IN": ["delhi"]}}]], {"POS": "X"})  # later: wins over the city rule
    ruler.add([[{"LOWER": {"REGEX": "^y'?$"}}, {"LOWER": "all"}]], {"LEMMA": "you"}, index=-1)
    ruler.add([[{"ORTH": {"NOT_IN": ["a", "b"]}, "IS_PUNCT": True}]], {"POS": "PUNCT"})
    own, written = both_ways(nlp, ruler, "New York , y all ! New Delhi a", ["NNP", "NN", ",", "PRP", "DT", ".", "NNP", "NN", "DT"])
    assert own.to_bytes() == written.to_bytes()
    assert [t.pos_ for t in written] == ["", "PROPN", "PUNCT", "", "", "PUNCT", "", "X", ""]
    assert [t.lemma_ for t in written][1::3] == ["city", "you", "city"]  # York, all, Delhi
    assert str(written[1].morph) == "Number=Sing"


def test_a_rule_whose_index_falls_outside_its_match_raises_as_the_ruler_does():
    nlp, ruler = blank_ruler()
    ruler.add([[{"LOWER": "new"}, {"LOWER": "york"}]], {"LEMMA": "city"}, index=2)
    writer = AttributeWriter(ruler)
    with pytest.raises(ValueError, match="E1001"):
        writer(nlp.make_doc("New York"))


def test_a_ruler_setting_what_the_array_cannot_hold_keeps_spacys_path():
    nlp, ruler = blank_ruler()
    ruler.add([[{"LOWER": "nyc"}]], {"NORM": "new york"})  # NORM also lands on the lexeme
    with pytest.raises(Unwritable):
        AttributeWriter(ruler)
    assert not write_by_array(ruler)
    assert "pipe" not in vars(ruler)


def test_patterns_without_constraints_match_every_token():
    for patterns, index, expected in (([[{}]], 0, ["XX"] * 4), ([[{}, {}]], 1, ["A", "XX", "XX", "XX"])):
        nlp, ruler = blank_ruler()
        ruler.add(patterns, {"TAG": "XX"}, index=index)
        own, written = both_ways(nlp, ruler, "one two three four", ["A", "B", "C", "D"])
        assert [t.tag_ for t in own] == expected
        assert own.to_bytes() == written.to_bytes()


def test_rules_added_after_the_writer_was_built_are_not_missed():
    nlp, ruler = blank_ruler()
    ruler.add([[{"LOWER": "one"}]], {"TAG": "A"})
    writer = AttributeWriter(ruler)
    ruler.add([[{"LOWER": "two"}]], {"TAG": "B"})
    assert [t.tag_ for t in writer(nlp.make_doc("one two"))] == ["A", "B"]


def test_a_combination_worked_out_while_another_call_runs_lands_in_its_own_row():
    """Two threads may meet new class combinations at once (re-entered here, deterministically)."""
    nlp = spacy.load(DEFAULT_MODELS["en"])
    ruler = nlp.get_pipe("attribute_ruler")
    with nlp.select_pipes(disable=["attribute_ruler", "lemmatizer", "ner"]):
        first, second = nlp("They run fast."), nlp("The cat sleeps on a mat in the house.")
    expected = [ruler(d.copy()).to_bytes() for d in (first, second)]
    writer = AttributeWriter(ruler)
    row = writer._row
    interrupted = []

    def interrupting(classes):
        if not interrupted:
            interrupted.append(writer(second.copy()).to_bytes())  # the other thread, mid-way
        return row(classes)

    writer._row = interrupting
    assert [writer(first.copy()).to_bytes(), interrupted[0]] == expected
    writer._row = row
    assert [writer(d.copy()).to_bytes() for d in (first, second)] == expected
