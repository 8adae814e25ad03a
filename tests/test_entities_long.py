"""Entities rules on scraped press and the helpers that keep the stage linear on long bodies."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc

from streams.config import DEFAULT_MODELS
from streams.nlp.entities.aliases import load_alias_table
from streams.nlp.entities.cleaning import credited_names, refine, trim
from streams.nlp.entities.extract import extract_entities
from streams.nlp.entities.person_spans import body_after_name
from streams.nlp.entities.records import SpanIndex, Tokens, entity_at


@pytest.fixture(scope="module")
def fr():
    return spacy.load(DEFAULT_MODELS["fr"])


@pytest.fixture(scope="module")
def en():
    return spacy.load(DEFAULT_MODELS["en"])


def tagged(nlp, body: str, tags: list[tuple[str, str]]) -> Doc:
    doc = nlp(body)
    spans = []
    for text, label in tags:
        start = body.index(text)
        spans.append(doc.char_span(start, start + len(text), label=label))
    doc.ents = spans
    return doc


def names(doc: Doc, body: str) -> dict[str, str]:
    return {e["name"]: e["type"] for e in extract_entities(doc, body, language="fr")}


def test_span_index_answers_like_a_scan():
    spans = [(0, 5), (3, 9), (10, 40), (12, 14), (50, 51)]
    index = SpanIndex(spans)
    for start, end in [(4, 6), (11, 13), (41, 49), (0, 60), (50, 51), (14, 15)]:
        scan = [s for s in spans if s[0] < end and start < s[1]]
        assert sorted(index.overlapping(start, end)) == sorted(scan)
        assert index.contains(start, end) == any(s <= start and end <= e for s, e in spans)
    index.add((41, 49))
    assert index.contains(42, 43)
    index.remove((10, 40))
    assert not index.contains(20, 30)
    assert index.overlapping(20, 30) == []


def test_entity_at_is_the_entity_holding_the_token(fr):
    body = "Jean Dupont a vu Marie Curie à Paris."
    doc = tagged(fr, body, [("Jean Dupont", "PER"), ("Marie Curie", "PER"), ("Paris", "LOC")])
    for ent in doc.ents:
        for i in range(ent.start, ent.end):
            found = entity_at(doc, i)
            assert (found.start, found.end, found.label_) == (ent.start, ent.end, ent.label_)
    assert entity_at(doc, 2) is None


def test_tokens_expanded_is_char_span_expand(en):
    body = "  The U.S. Senate (AFP) voted.\n\nMr.  Smith   left, he said ."
    doc = en(body)
    tokens = Tokens.read(doc)
    assert tokens.text == body
    for start in range(-1, len(body) + 1):
        for end in range(start + 1, len(body) + 2):
            try:
                span = doc.char_span(start, end, alignment_mode="expand")
            except (IndexError, ValueError):
                continue
            ids = tokens.expanded(start, end)
            assert (None if span is None else (span.start, span.end)) == (
                None if ids is None else (ids.start, ids.stop)), (start, end)


def test_agency_credit_takes_six_words_at_most_and_a_joining_and_is_none():
    def credited(body: str) -> list[str]:
        return [body[s:e] for s, e in credited_names(body)]

    assert credited("Fin. (a b c d e f)") == ["a b c d e f"]
    assert credited("Fin. (a b c d e f g)") == []
    assert credited("Fin. (a and b c d e f)") == ["a", "b c d e f"]
    assert credited("Fin. (Ab et Cd Ef Gh Ij Kl)") == ["Ab", "Cd Ef Gh Ij Kl"]
    assert credited("Fin. (Ab; Cd, Ef/Gh Ij Kl Mn)") == []
    # too many words to match: skipped, not backtracked through (this took milliseconds)
    assert credited("It ended. (Reporting by Valerie Volcovici; Additional reporting by Lawrence Hurley;"
                    " Editing by Jo Doe)") == []


def test_foot_credits_name_the_agency_but_bylines_and_sign_offs_do_not():
    body = "Le texte a été voté. (afp/nxp)"
    assert [body[s:e] for s, e in credited_names(body)] == ["afp", "nxp"]
    assert credited_names("Fin.\nAuthor: Jane Roe (AFP, dpa) Editor: John Doe") == []
    assert credited_names("It ended.\nmm/rc (AFP, dpa)") == []


def test_credit_at_the_foot_is_an_entity(fr):
    body = "Le gouvernement a reculé mardi à Genève. (ats/nxp)"
    found = names(tagged(fr, body, [("Genève", "LOC")]), body)
    assert found.get("Keystone-SDA") == "ORG"


def test_person_span_stops_before_the_paper_it_works_for():
    table = load_alias_table()
    body = "s'amuse Bernard Maillard du Républicain lorrain."
    start = body.index("Bernard")
    end = body.index(" lorrain")
    assert body[start:body_after_name(body, start, end, table, "fr")] == "Bernard Maillard"
    other = "selon Maximilien de Robespierre hier"
    begin = other.index("Maximilien")
    finish = other.index(" hier")
    assert body_after_name(other, begin, finish, table, "fr") == finish


def test_particle_before_a_first_name_is_not_the_name(fr):
    body = "la décision de François Bayrou surprend"
    doc = fr(body)
    start = body.index("de François")
    end = body.index(" surprend")
    assert body[slice(*refine(doc, body, start, end, "PER", "fr", {}))] == "François Bayrou"
    body = "le général de Gaulle parlait"
    start = body.index("de Gaulle")
    assert body[slice(*refine(fr(body), body, start, start + 9, "PER", "fr", {}))] == "de Gaulle"


def test_run_together_sentences_are_cut(fr):
    body = "a déclaré une source à l'AFP.Ce rappel est rare"
    start = body.index("AFP")
    end = body.index(" rappel")
    assert body[slice(*refine(fr(body), body, start, end, "ORG", "fr", {}))] == "AFP"
    assert trim("U.S.", 0, 4, "en") == (0, 4)


def test_weekday_alone_is_no_person(fr):
    body = "Lundi, les syndicats policiers ont manifesté à Paris."
    found = names(tagged(fr, body, [("Lundi", "PER"), ("Paris", "LOC")]), body)
    assert "Lundi" not in found and found.get("Paris") == "LOC"


def test_known_pair_is_split_but_a_lower_case_half_keeps_the_name(fr):
    body = "Le match PSG-Montpellier est reporté."
    found = names(tagged(fr, body, [("PSG-Montpellier", "ORG")]), body)
    assert found.get("Paris Saint-Germain F.C.") == "ORG" and found.get("Montpellier") == "LOC"
    body = "Le syndicat Unsa-Police appelle la police à manifester."
    found = names(tagged(fr, body, [("Unsa-Police", "ORG")]), body)
    assert "Unsa-Police" in found


def test_french_body_typed_as_a_place_takes_its_table_entry(fr):
    body = "Le Sénat a voté le texte mardi."
    found = names(tagged(fr, body, [("Sénat", "LOC")]), body)
    assert found.get("Senate (France)") == "ORG"


def test_known_body_run_into_a_person_is_the_two(fr):
    body = "«Il faut agir», explique à l'AFP Alex, organisateur des manifestations."
    found = names(tagged(fr, body, [("AFP Alex", "ORG")]), body)
    assert found.get("Agence France-Presse") == "ORG" and found.get("Alex") == "PER"


def test_courtesy_title_alone_is_no_person(fr):
    body = "Il est venu voir M. [Jean] Valmont à Lyon."
    found = names(tagged(fr, body, [("M.", "PER"), ("Lyon", "LOC")]), body)
    assert "M." not in found and found.get("Lyon") == "LOC"


def test_known_place_listed_after_a_tagged_one_is_a_place(en):
    body = "There were protests in other cities including Lyon, Toulouse and Bordeaux."
    doc = tagged(en, body, [("Lyon", "GPE"), ("Bordeaux", "GPE")])
    found = {e["name"]: e["type"] for e in extract_entities(doc, body, language="en")}
    assert found.get("Toulouse") == "LOC"


def test_a_name_typed_misc_after_city_of_is_the_place(en):
    body = "The party met in the city of Orléans on Sunday."
    found = {e["name"]: e["type"] for e in extract_entities(tagged(en, body, [("Orléans", "NORP")]), body,
                                                            language="en")}
    assert found.get("Orléans") == "LOC"
