"""Definite descriptions of known organisations ("the alliance" after "NATO")."""

from __future__ import annotations

import pytest
import spacy

from streams.config import DEFAULT_MODELS
from streams.nlp.annotate.parse import ModelRegistry
from streams.nlp.entities.aliases import load_alias_table
from streams.nlp.entities.descriptors import (
    find_descriptions,
    load_descriptors,
    shipped_descriptors,
)
from streams.nlp.entities.extract import extract_entities
from streams.text import nlp_view


@pytest.fixture(scope="module")
def en():
    return ModelRegistry({"en": DEFAULT_MODELS["en"]}).get("en")


@pytest.fixture(scope="module")
def fr():
    return spacy.load(DEFAULT_MODELS["fr"])


def test_every_described_name_is_a_known_organisation():
    table = load_alias_table()
    for (language, name), descriptors in load_descriptors().items():
        assert language in ("en", "fr"), name
        entry = table.lookup(name, "en")
        assert entry is not None and entry.name == name and entry.type == "ORG", name
        assert descriptors, name


def test_a_description_counts_after_its_entity_is_named():
    text = "The alliance grew. NATO ministers met. The alliance said no, and the Atlantic alliance agreed."
    found = find_descriptions(text, "en", {"NATO": (text.index("NATO"), shipped_descriptors("en", "NATO"))})
    assert [text[d.start:d.end] for d in found] == ["alliance", "Atlantic alliance"]
    assert {d.name for d in found} == {"NATO"}


def test_a_description_two_entities_could_claim_links_neither():
    text = "The EU and ASEAN signed a deal. The bloc said trade would grow."
    both = {"European Union": (4, shipped_descriptors("en", "European Union")),
            "ASEAN": (11, shipped_descriptors("en", "ASEAN"))}
    assert find_descriptions(text, "en", both) == []
    assert [d.name for d in find_descriptions(text, "en", {"European Union": both["European Union"]})] == ["European Union"]
    specific = "The EU and ASEAN signed a deal. The regional bloc said trade would grow."
    assert [d.name for d in find_descriptions(specific, "en", both)] == ["ASEAN"]


def test_capitalised_descriptors_match_only_as_written():
    text = "The IMF lent $3bn. The Fund said reforms must follow, and the fund manager agreed."
    imf = {"International Monetary Fund": (4, shipped_descriptors("en", "International Monetary Fund"))}
    found = find_descriptions(text, "en", imf)
    assert [text[d.start:d.end] for d in found] == ["Fund"]
    assert find_descriptions(text, "de", imf) == []


def test_the_alliance_is_nato_in_both_languages(en, fr):
    body = 'NATO defence ministers met in Brussels. "We stand together," the alliance said.'
    ents = {e["name"]: e for e in extract_entities(en(nlp_view(body)), body, language="en")}
    assert [m["text"] for m in ents["NATO"]["mentions"]] == ["NATO", "alliance"]
    body_fr = "Les ministres de l’OTAN se sont réunis. « Nous restons unis », a déclaré l’Alliance."
    ents_fr = {e["name"]: e for e in extract_entities(fr(nlp_view(body_fr)), body_fr, language="fr")}
    assert [m["text"] for m in ents_fr["NATO"]["mentions"]] == ["OTAN", "Alliance"]
    assert "Alliance" not in ents_fr  # the model's own "Alliance" entity is folded into NATO
    seat = "L’OTAN a réagi. Au siège de l’Alliance, à Bruxelles, le ton se veut serein."
    ents_seat = {e["name"]: e for e in extract_entities(fr(nlp_view(seat)), seat, language="fr")}
    assert "Alliance" not in ents_seat  # nor the gazetteer's town of Alliance, Ohio
    assert [m["text"] for m in ents_seat["NATO"]["mentions"]] == ["OTAN", "Alliance"]
    # negative: without NATO named, "the alliance" is nobody's
    alone = extract_entities(en(nlp_view("The alliance said it would meet.")), "The alliance said it would meet.",
                             language="en")
    assert all(e["name"] != "NATO" for e in alone)


def test_another_body_of_that_kind_introduced_in_between_takes_the_description():
    text = ("NATO ministers met on Monday. Opposition parties formed an alliance of their own, "
            "and the alliance said it would field one candidate.")
    assert find_descriptions(text, "en", {"NATO": (0, shipped_descriptors("en", "NATO"))}) == []
    text_fr = "L'OTAN s'est réunie. Les partis ont formé une nouvelle alliance ; l'Alliance a désigné un candidat."
    assert find_descriptions(text_fr, "fr", {"NATO": (2, shipped_descriptors("fr", "NATO"))}) == []


def test_an_entity_the_headline_names_is_named_before_the_whole_body(fr):
    body = "Quelque 30 000 soldats de l’Alliance participent aux manœuvres. L’OTAN dit ne menacer personne."
    ents = {e["name"]: e for e in extract_entities(fr(nlp_view(body)), body, language="fr",
                                                   headline="Moscou dénonce des manœuvres de l’OTAN")}
    assert [m["text"] for m in ents["NATO"]["mentions"]] == ["Alliance", "OTAN"]
    without = {e["name"]: e for e in extract_entities(fr(nlp_view(body)), body, language="fr")}
    assert [m["text"] for m in without["NATO"]["mentions"]] == ["OTAN"]  # before its name: not taken


def test_a_users_aliases_file_adds_descriptions(tmp_path, en):
    import json

    from streams.nlp.entities.aliases import AliasFileError, load_user_aliases
    path = tmp_path / "aliases.jsonl"
    path.write_text(json.dumps({"name": "Transport Workers Union", "type": "ORG", "aliases": ["TWU"],
                                "descriptors": {"en": ["union"]}}) + "\n", encoding="utf-8")
    table = load_alias_table(str(path))
    body = 'The TWU called a strike on Monday. "We will not back down," the union said.'
    ents = {e["name"]: e for e in extract_entities(en(nlp_view(body)), body, language="en", aliases=table)}
    assert [m["text"] for m in ents["Transport Workers Union"]["mentions"]] == ["TWU", "union"]
    person = tmp_path / "people.jsonl"
    person.write_text(json.dumps({"name": "Olaf Scholz", "type": "PER", "aliases": ["Scholz"],
                                  "descriptors": {"en": ["chancellor"]}}) + "\n", encoding="utf-8")
    said = 'Olaf Scholz met workers. "We hear you," the chancellor said.'
    by_person = {e["name"]: e for e in extract_entities(en(nlp_view(said)), said, language="en",
                                                        aliases=load_alias_table(str(person)))}
    assert [m["text"] for m in by_person["Olaf Scholz"]["mentions"]] == ["Olaf Scholz", "chancellor"]
    shipped = {e["name"]: e for e in extract_entities(en(nlp_view(body)), body, language="en")}
    assert all("union" not in [m["text"] for m in e["mentions"]] for e in shipped.values())
    path.write_text(json.dumps({"name": "X", "type": "ORG", "descriptors": {"de": ["Gewerkschaft"]}}) + "\n",
                    encoding="utf-8")
    with pytest.raises(AliasFileError, match="descriptors"):
        load_user_aliases(path)


def test_a_quote_the_alliance_gives_is_a_nato_quote():
    from streams.config import Settings
    from streams.nlp.pipeline import Enricher
    raw = {"id": "desc-1", "version": 1, "source": "test", "language": "en", "headline": "NATO ministers meet",
           "body": 'NATO defence ministers met in Brussels on Wednesday. "We will stand together," the alliance '
                   'said in a statement.'}
    ((kind, event),) = Enricher(Settings()).enrich_many([raw])
    assert kind == "enriched"
    (quote,) = event["quotes"]
    assert quote["speaker"]["entity_id"] == "Q7184" and quote["speaker"]["name"] == "NATO"
    assert quote["speaker"]["span"]["text"] == "the alliance"  # the words as written stay in the span
    nato = next(e for e in event["entities"] if e["id"] == "Q7184")
    assert nato["quoted"] is True


def test_a_bodys_head_word_after_the_article_is_that_body(en, fr):
    from streams.nlp.entities.descriptors import head_descriptor
    assert head_descriptor("Russian Ministry of Defence", "en") == "ministry"
    assert head_descriptor("European Commission", "en") == "commission"
    assert head_descriptor("ministère des Armées", "fr") == "ministère"
    assert head_descriptor("Social Democratic Party", "en") is None  # "the party" is often a celebration
    assert head_descriptor("Commission", "en") is None
    body = ('Russia\u2019s Defence Ministry said its forces took a village. "Our troops advance," the ministry said.')
    ents = {e["name"]: e for e in extract_entities(en(nlp_view(body)), body, language="en")}
    assert [m["text"] for m in ents["Defence Ministry"]["mentions"]] == ["Defence Ministry", "ministry"]
    body_fr = "Le ministère russe de la Défense a pris un village. « Nous avançons », a indiqué le ministère."
    ents_fr = extract_entities(fr(nlp_view(body_fr)), body_fr, language="fr")
    assert [[m["text"] for m in e["mentions"]] for e in ents_fr if e["type"] == "ORG"] == [
        ["ministère russe de la Défense", "ministère"]]
    # two bodies with that head: "the court" is neither's
    two = "The Federal Constitutional Court and the European Court of Justice ruled. The court said no."
    ents_two = extract_entities(en(nlp_view(two)), two, language="en")
    assert all(m["text"] != "court" for e in ents_two for m in e["mentions"])


def test_a_body_only_the_headline_names_is_the_one_the_body_describes(en):
    body = 'Defence ministers met on Wednesday. "We will stand together," the alliance said.'
    ents = {e["name"]: e for e in extract_entities(en(nlp_view(body)), body, language="en",
                                                   headline="NATO steps up patrols")}
    assert [m["text"] for m in ents["NATO"]["mentions"]] == ["alliance"]
    nobody = extract_entities(en(nlp_view(body)), body, language="en", headline="Patrols stepped up")
    assert all(e["name"] != "NATO" for e in nobody)


def test_a_description_inside_another_name_leaves_the_headlines_body_alone(en):
    from spacy.tokens import Span
    body = "The Alliance for Progress said it would meet."
    doc = en(nlp_view(body))
    doc.ents = [Span(doc, 1, 4, label="ORG")]
    ents = {e["name"]: e for e in extract_entities(doc, body, language="en", headline="NATO meets")}
    assert ents["NATO"]["mentions"] == []  # named by the headline only
    assert [m["text"] for m in ents["Alliance for Progress"]["mentions"]] == ["Alliance for Progress"]
