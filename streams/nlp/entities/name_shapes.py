"""What a name's own words say about it: its head word, a club's or a person's shape, a demonym,
an acronym; and the alias table's places it names."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from streams.nlp.entities.aliases import AliasTable, alias_key
from streams.nlp.entities.vocabulary import (
    CLUB_FIRST_WORDS,
    CLUB_LAST_WORDS,
    CLUB_MARKERS,
    DEMONYM_COMPOUND_ENDINGS,
    DEMONYM_ENDING,
    INSIDE_NAME_WORDS,
    LOC_HEADS_FIRST,
    LOC_HEADS_LAST,
    MISC_HEAD_ADJECTIVES,
    MISC_HEADS_ALONE,
    MISC_HEADS_FIRST,
    MISC_HEADS_LAST,
    NAME_OPENING_ARTICLES,
    NAME_PARTICLES,
    ORG_HEADS_FIRST,
    ORG_HEADS_FIRST_KEYS,
    ORG_HEADS_LAST,
    PARTY_MEMBERS,
    PERSON_TITLES,
    STREET_ENDINGS,
)

_NEXT_WORD = re.compile(r" ([A-Z][a-z]+)\b")


def is_acronym(text: str) -> bool:
    letters = text.replace(".", "")
    return 2 <= len(letters) <= 8 and letters.isalpha() and letters.isupper()


@lru_cache(maxsize=1 << 16)
def initials(text: str) -> str:
    """"European Central Bank" -> "ECB": the first letters of the name's words but its small ones
    (cached: a long body asks for the same names' initials over and over)."""
    words = re.split(r"[\s\-']+", text)
    return "".join(w[0] for w in words if w and w.casefold() not in INSIDE_NAME_WORDS and w[0].isalpha()).upper()


def name_tokens(text: str) -> list[str]:
    """Words of a name, an attached Arabic article split off ("Omar al-Bashir" -> ..., al, bashir)."""
    return list(_name_tokens(text))


@lru_cache(maxsize=1 << 16)
def _name_tokens(text: str) -> tuple[str, ...]:
    """name_tokens, once per name: a long body gives the same names thousands of times."""
    return tuple(alias_key(t) for t in re.split(r"\s+|(?<=\b[Aa]l)-|(?<=\b[Ee]l)-", text) if t)


def head_before_of(tokens: list[str]) -> str | None:
    """The head word of "University of Zurich" or "Council of Europe" (an organisation's head word
    right before its first "of"), else None."""
    if "of" not in tokens[1:]:
        return None
    head = tokens[tokens.index("of", 1) - 1]
    return head if head in ORG_HEADS_LAST else None


def is_club_name(words: list[str]) -> bool:
    """"FC Augsburg", "VfB Stuttgart", "Borussia Dortmund", "Leeds United"."""
    return len(words) > 1 and (any(w.replace(".", "") in CLUB_MARKERS for w in words) or words[0] in CLUB_FIRST_WORDS
                               or words[-1] in CLUB_LAST_WORDS)


@lru_cache(maxsize=1 << 16)
def type_by_head(surface: str) -> str | None:
    """The type a multi-word name's head word settles: English heads come last ("Social Democratic
    Party", "Allianz Arena"), French heads first ("Parti socialiste", "mer Noire"). Cached: several
    rules ask it of the same name, and names recur across articles."""
    words = surface.split()
    if len(words) < 2:
        street = surface.rsplit("-", 1)[-1].casefold() if "-" in surface else ""
        if street in STREET_ENDINGS:
            return "LOC"  # "Hans-Riegel-Strasse"
        return "ORG" if surface.casefold() in PARTY_MEMBERS else None
    last, first = alias_key(words[-1]), words[0].casefold()
    if last in PARTY_MEMBERS:
        return "ORG"
    if is_club_name(words):
        return "ORG"
    linker = next((i for i, w in enumerate(words) if w in ("of", "for")), 0)
    if linker > 0 and words[linker - 1][:1].isupper():  # the head comes before "of": "Museum of Modern Art"
        head = words[linker - 1].casefold()
        if head in ORG_HEADS_LAST:
            return "ORG"
        if head in LOC_HEADS_LAST:
            return "LOC"
    if words[-1][:1].isupper() or words[-1].isupper():
        last_cf = words[-1].casefold()  # alias_key drops a leading "the": "Theater" -> "ater"
        if last in ORG_HEADS_LAST or last_cf in ORG_HEADS_LAST:
            return "ORG"
        if last in LOC_HEADS_LAST or last_cf in LOC_HEADS_LAST:
            return "LOC"
    if first in ORG_HEADS_FIRST:
        return "ORG"
    if first == "stade" and len(words) == 2 and words[1].islower() and words[1] not in NAME_PARTICLES:
        return "ORG"  # a club: "Stade rennais", "Stade toulousain" (the ground is "stade de France")
    if first in LOC_HEADS_FIRST:
        return "LOC"
    return None


@lru_cache(maxsize=1 << 16)
def misc_by_head(surface: str) -> bool:
    """"Lisbon Treaty", "Charlemagne Prize", "Traité de Lisbonne", "Jeux olympiques": not ORG/LOC
    (cached: as type_by_head)."""
    words = surface.split()
    if len(words) < 2:
        return False
    return words[-1].casefold() in MISC_HEADS_LAST or (
        words[0].casefold() in MISC_HEADS_FIRST and words[1].casefold() in INSIDE_NAME_WORDS | MISC_HEAD_ADJECTIVES
    ) or words[0].casefold() in MISC_HEADS_ALONE


def names_a_longer_name(text: str, end: int, country: bool) -> bool:
    """A place's name followed at once by a capitalised head word of an event, a body or a site
    ("Vietnam War", "Atlanta Olympics", "Cologne Cathedral") only qualifies that longer name; a
    country opening a body's name stays a mention of the country ("US Senate")."""
    after = _NEXT_WORD.match(text, end)
    if after is None:
        return False
    word = after.group(1).casefold()
    return word in MISC_HEADS_LAST or not country and (word in ORG_HEADS_LAST or word in LOC_HEADS_LAST)


def looks_like_demonym(key: str, places: dict[str, int], share: float = 0.6) -> bool:
    """"Russes", "Américains", "Parisiens": a word with a demonym ending that shares most of its
    stem with a known place name ("russie", "amerique", "paris"); ``places`` from place_prefixes.
    ``share``: how much of the place's name the stem must hold."""
    if " " in key or not DEMONYM_ENDING.search(key):
        return False
    for size in range(min(len(key) - 1, 12), 3, -1):
        shortest = places.get(key[:size])
        if shortest is not None:
            return size >= share * shortest
    return False


def compound_demonym(surface: str, table: AliasTable, language: str) -> bool:
    """"Sri Lankan", "South African", "Middle Eastern": a multi-word known place plus an adjective
    ending (English only; the table knows the place, not the adjective)."""
    if language != "en" or " " not in surface:
        return False
    for ending in DEMONYM_COMPOUND_ENDINGS:
        stem = surface[: -len(ending)]
        if surface.endswith(ending) and len(stem) > 4:
            entry = table.lookup(stem, language)
            if entry is not None and entry.type == "LOC" and stem in entry.aliases:
                return True
    return False


def place_prefixes(table: AliasTable) -> dict[str, int]:
    """Prefix (4+ letters) of a one-word place name -> length of the shortest such name."""
    cached = getattr(table, "_ww_place_prefixes", None)
    if cached is None:
        cached = {}
        for entry in table.entries:
            if entry.type != "LOC" or entry.population:
                continue  # demonyms come from countries, regions and major cities, not every town
            for form in entry.aliases:
                key = alias_key(form)
                if " " in key or len(key) < 4:
                    continue
                for size in range(4, min(len(key), 12) + 1):
                    prefix = key[:size]
                    cached[prefix] = min(cached.get(prefix, 99), len(key))
        table._ww_place_prefixes = cached
    return cached


def exact_place(surface: str, table: AliasTable, language: str) -> bool:
    """The table knows the surface, written so, as a place."""
    entry = table.lookup(surface, language)
    return entry is not None and entry.type == "LOC" and surface in entry.aliases


def ends_with_place(surface: str, table: AliasTable, language: str) -> bool:
    """"Werder Bremen", "Hertha Berlin": a name tagged as a person that ends with a town's or a
    country's name is, in sports copy, a club; a gazetteer town is not enough ("Timothy Chandler")."""
    words = surface.split()
    if len(words) < 2 or alias_key(words[0]) in PERSON_TITLES:
        return False
    entry = table.lookup(words[-1], language)  # a country or major city, not a gazetteer town ("Chandler")
    return entry is not None and entry.type == "LOC" and not entry.population and words[-1] in entry.aliases


def person_shaped(words: list[str], surface: str) -> bool:
    """Two or three capitalised words without an organisation's head word, a club's marker or a
    newspaper's article ("La Stampa", "Der Spiegel", "Al Jazeera")."""
    if not 2 <= len(words) <= 3 or not all(w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha()
                                           for w in words):
        return False
    if type_by_head(surface) is not None or misc_by_head(surface) or is_acronym(words[-1]):
        return False
    if any(alias_key(w) in ORG_HEADS_LAST or alias_key(w) in ORG_HEADS_FIRST_KEYS for w in words):
        return False
    return words[0] not in NAME_OPENING_ARTICLES


@lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    """First names of many countries (streams/data/given-names.txt, see ALIASES-SOURCES.md)."""
    raw = resources.files("streams").joinpath("data", "given-names.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in raw.splitlines() if line.strip() and not line.startswith("#"))


def starts_with_given_name(words: list[str], surface: str, table: AliasTable, language: str) -> bool:
    """"Cristiano Ronaldo", "Florian Philippot": person-shaped, opened by a first name that is no
    place's name, and not ended by one ("Paris Saint-Germain", "Victoria Melbourne")."""
    if not person_shaped(words, surface) or words[0] not in given_names():
        return False
    return not (exact_place(words[0], table, language) or exact_place(words[-1], table, language))
