"""English names of French institutions that copy names by template: a town's, or a portfolio's.

French copy names a town's court, hospital or prefecture with a fixed phrase and the place
("tribunal correctionnel de Lyon"); English copy names the same body "Lyon Criminal Court".
Translating the phrase, and the place where the alias table gives it another English name
("Bretagne" -> "Brittany"), gives both one canonical name and so one id: an alert on the body
fires in either language.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from streams.lang import entries
from streams.text import lower_ascii


def _pairs(section: str) -> tuple[tuple[str, str], ...]:
    """The "French -> English" lines of a section of lang/fr/institution-names.txt."""
    pairs = []
    for line in entries("fr", "institution-names", section):
        french, english = line.split("->", 1)
        pairs.append((french.strip(), english.strip()))
    return tuple(pairs)


# French phrase (lower case, straight apostrophes) -> English name, "{}" standing for the place;
# longer phrases first.
TEMPLATES: tuple[tuple[str, str], ...] = _pairs("templates")
# A ministry named by its portfolio alone is the French government's ("le ministère de la
# Santé"): "French Ministry of Health", never the bare name English copy gives every country's.
# Keys: the portfolio in lower case, without accents.
MINISTRIES: dict[str, str] = {lower_ascii(french): english for french, english in _pairs("ministries")}
_MINISTRY = re.compile(r"minist[eè]re\s+(?:de\s+la\s+|de\s+l'|des\s+|du\s+|de\s+)(.+)", re.IGNORECASE)

# "de Lyon", "d'Angers", "du Rhône", "des Landes", "de la Gironde", "de l'Isère"; a capitalised
# article belongs to the name ("de La Grande-Motte").
_LINK = re.compile(r"\s+(?:de\s+la\s+|de\s+l'|des\s+|du\s+|de\s+|d')")
# a place: capitalised words joined by hyphens or spaces, with the particles of French place names
# inside ("Côte d'Azur", "Bourg-en-Bresse"); "Police de Paris" is a body, not a place
_PLACE = re.compile(r"[A-ZÀ-Ý][\w'-]*(?:(?:\s+|-)(?:(?:sur|sous|en|lès|d')\s*)?[A-ZÀ-Ý][\w'-]*){0,4}")

PlaceLookup = Callable[[str], tuple[str, str] | None]



def _english_place(place: str, known: tuple[str, str] | None) -> str:
    """The place's English name when the table writes this French name another way ("Bretagne" ->
    "Brittany"); otherwise the place as written ("Gaza" stays, not "Gaza Strip")."""
    if known is None:
        return place
    english, french = known
    return english if lower_ascii(french) == lower_ascii(place) and "," not in english else place


def english_name(surface: str, place_lookup: PlaceLookup) -> str | None:
    """'tribunal correctionnel de Bordeaux' -> 'Bordeaux Criminal Court'; None when no template fits.

    ``place_lookup`` gives the (English name, French name) of a place the alias table knows.
    """
    text = " ".join(surface.replace("\u2019", "'").split())
    ministry = _MINISTRY.fullmatch(text)
    if ministry:
        portfolio = MINISTRIES.get(lower_ascii(ministry.group(1)))
        return f"French Ministry of {portfolio}" if portfolio else None
    lowered = text.lower()
    for phrase, pattern in TEMPLATES:
        if not lowered.startswith(phrase):
            continue
        link = _LINK.match(text, len(phrase))
        if link is None:
            continue
        place = text[link.end():]
        if not _PLACE.fullmatch(place):
            return None
        known = place_lookup(place)
        head = pattern.replace("{}", "").strip()
        if known is not None and known[0].endswith(head):
            return known[0]  # "aéroport de Paris-Orly" is the table's "Orly Airport"
        return pattern.format(_english_place(place, known))
    return None
