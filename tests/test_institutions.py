"""French local institutions get the English name English copy gives them, so one id in both languages."""

from __future__ import annotations

import pytest

from streams.nlp.entities.institutions import TEMPLATES, english_name

KNOWN = {"Bretagne": ("Brittany", "Bretagne"), "Normandie": ("Normandy", "Normandie"),
         "Gaza": ("Gaza Strip", "bande de Gaza"), "Washington": ("Washington, D.C.", "Washington"),
         "Paris-Orly": ("Orly Airport", "aéroport d'Orly")}
lookup = KNOWN.get


@pytest.mark.parametrize("french, english", [
    ("tribunal correctionnel de Bordeaux", "Bordeaux Criminal Court"),
    ("Tribunal de commerce de Sedan", "Sedan Commercial Court"),
    ("cour d'appel d'Aix-en-Provence", "Aix-en-Provence Court of Appeal"),
    ("centre hospitalier universitaire de Saint-Étienne", "Saint-Étienne University Hospital"),
    ("centre hospitalier de Quimper", "Quimper Hospital"),
    ("Agence régionale de santé de Bretagne", "Brittany Regional Health Agency"),  # the place in English
    ("ARS de Normandie", "Normandy Regional Health Agency"),
    ("Observatoire de la Côte d\u2019Azur", "Côte d'Azur Observatory"),
    ("conseil départemental de la Seine-Saint-Denis", "Seine-Saint-Denis Departmental Council"),
    ("préfecture du Rhône", "Rhône Prefecture"),
    ("parquet de Paris", "Paris Prosecutor's Office"),
    ("université de Strasbourg", "University of Strasbourg"),
    ("ministère de la Santé", "French Ministry of Health"),  # a portfolio: the French government's
    ("Ministère de l\u2019Intérieur", "French Ministry of the Interior"),
    ("ministère des Affaires étrangères", "French Ministry of Foreign Affairs"),  # an alias of the Quai d'Orsay's entry
    ("mairie de La Grande-Motte", "La Grande-Motte City Hall"),  # a capitalised article is the name's
    ("mairie de Gaza", "Gaza City Hall"),  # the table's "Gaza Strip" is not a town's other name
    ("mairie de Washington", "Washington City Hall"),
    ("aéroport de Paris-Orly", "Orly Airport"),  # the place is the institution: no "Airport Airport"
])
def test_template_and_place_are_translated(french, english):
    assert english_name(french, lookup) == english


@pytest.mark.parametrize("surface", [
    "tribunal correctionnel",               # no place
    "Parquet national financier",           # no "de": a national body (the alias table's)
    "université de Paris pour les étudiants",  # not a place after the link
    "Université Paris-Saclay",
    "Tribunal",
    "Agence France-Presse",
    "ministère de la Pêche",                # a portfolio the table does not know: left as written
    "ministère russe de la Défense",        # another government's
    "Préfecture de Police de Paris",        # "Police de Paris" is no place
    "université de Technologie de Compiègne",
])
def test_no_template_no_english_name(surface):
    assert english_name(surface, lookup) is None


def test_longer_phrases_are_tried_first():
    phrases = [p for p, _ in TEMPLATES]
    for i, phrase in enumerate(phrases):
        assert not any(phrase.startswith(earlier + " ") for earlier in phrases[:i] if earlier != phrase), phrase
