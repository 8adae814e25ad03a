"""The knowledge base of French public life (streams/data/actors-fr.tsv) and the seats-of-power
pass. The sentences are written for these tests."""

from __future__ import annotations

import pytest

from streams.nlp.entities.aliases import load_alias_table, read_tsv
from streams.nlp.entities.records import Group, mention_of
from streams.nlp.entities.seats import type_seats
from streams.paths import DATA_DIR


@pytest.fixture(scope="module")
def table():
    return load_alias_table()


@pytest.mark.parametrize("surface, name, type_", [
    ("MoDem", "Democratic Movement (France)", "ORG"),
    ("CFDT", "French Democratic Confederation of Labour", "ORG"),
    ("N-VA", "New Flemish Alliance", "ORG"),
    ("M5S", "Five Star Movement", "ORG"),
    ("Mouvement 5 étoiles", "Five Star Movement", "ORG"),
    ("LREM", "La République En Marche!", "ORG"),
    ("Républicain lorrain", "Le Républicain Lorrain", "ORG"),
    ("Bercy", "Ministry of the Economy and Finance (France)", "ORG"),
    ("Macron", "Emmanuel Macron", "PER"),
])
def test_short_forms_reach_the_canonical_actor(table, surface, name, type_):
    entry = table.lookup(surface, "fr")
    assert entry is not None and (entry.name, entry.type) == (name, type_)


def test_known_qids_are_the_ids(table):
    assert table.lookup("Emmanuel Macron", "fr").id == "Q3052772"
    assert table.lookup("Assemblée nationale", "fr").id == "Q193582"
    assert table.lookup("Alliance Police nationale", "fr").id.startswith("ww:ORG:")  # no QID recorded


def test_every_row_has_a_type_a_name_and_a_source():
    rows = read_tsv(DATA_DIR / "actors-fr.tsv")
    assert len(rows) > 100
    for row in rows:
        assert row["type"] in ("PER", "ORG", "LOC") and row["name"] and row["source"], row
        assert not row["id"] or row["id"][1:].isdigit() and row["id"][0] == "Q", row


def test_no_common_english_acronym_is_taken(table):
    for word in ("DNA", "SUD", "MR", "LO"):
        entry = table.lookup(word, "en")
        assert entry is None or entry.name not in {r["name"] for r in read_tsv(DATA_DIR / "actors-fr.tsv")}, word


def _group(text: str, type_: str = "LOC") -> Group:
    return Group(type_, [mention_of(0, len(text), text, type_)])


def test_a_seat_named_short_is_the_body_a_building_the_place(table):
    short, building = type_seats([_group("Matignon"), _group("palais de l'Élysée")], table, "fr")
    assert (short.type, short.entry.name) == ("ORG", "Hôtel Matignon")
    assert (building.type, building.entry.name) == ("LOC", "Élysée Palace")


def test_two_groups_of_one_seat_become_one(table):
    groups = type_seats([_group("Élysée"), _group("Elysée", "ORG")], table, "fr")
    assert len(groups) == 1 and groups[0].type == "ORG" and len(groups[0].mentions) == 2


def test_other_places_are_left_alone(table):
    (group,) = type_seats([_group("Lyon")], table, "fr")
    assert group.type == "LOC" and group.entry is None
