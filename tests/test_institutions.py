"""French local institutions get the English name English copy gives them, so one id in both languages."""

from __future__ import annotations

import pytest

from streams.institutions import TEMPLATES, english_name

PLACES = {"Bretagne": "Brittany", "Normandie": "Normandy"}


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
    ("ministère de la Santé", "Ministry of Health"),  # a portfolio: the French government's ministry
    ("Ministère de l\u2019Intérieur", "Ministry of the Interior"),
    ("ministère des Armées", "Ministry of the Armed Forces"),
])
def test_template_and_place_are_translated(french, english):
    assert english_name(french, PLACES.get) == english


@pytest.mark.parametrize("surface", [
    "tribunal correctionnel",               # no place
    "Parquet national financier",           # no "de": a national body (the alias table's)
    "université de Paris pour les étudiants",  # not a place after the link
    "Université Paris-Saclay",
    "Tribunal",
    "Agence France-Presse",
    "ministère de la Pêche",                # a portfolio the table does not know: left as written
    "ministère russe de la Défense",        # another government's
])
def test_no_template_no_english_name(surface):
    assert english_name(surface, PLACES.get) is None


def test_longer_phrases_are_tried_first():
    phrases = [p for p, _ in TEMPLATES]
    for i, phrase in enumerate(phrases):
        assert not any(phrase.startswith(earlier + " ") for earlier in phrases[:i] if earlier != phrase), phrase
