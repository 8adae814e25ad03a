"""English names of French institutions that copy names by template: a town's, or a portfolio's.

French copy names a town's court, hospital or prefecture with a fixed phrase and the place
("tribunal correctionnel de Lyon"); English copy names the same body "Lyon Criminal Court".
Translating the phrase, and the place through the alias table ("Bretagne" -> "Brittany"), gives
both one canonical name and so one id: an alert on the body fires in either language.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Optional

# French phrase (lower case, straight apostrophes) -> English name, "{}" standing for the place.
# Longer phrases first: "centre hospitalier universitaire" before "centre hospitalier".
TEMPLATES: tuple[tuple[str, str], ...] = (
    ("tribunal correctionnel", "{} Criminal Court"),
    ("tribunal de commerce", "{} Commercial Court"),
    ("tribunal judiciaire", "{} Judicial Court"),
    ("tribunal de grande instance", "{} High Court"),
    ("tribunal administratif", "{} Administrative Court"),
    ("tribunal pour enfants", "{} Juvenile Court"),
    ("cour administrative d'appel", "{} Administrative Court of Appeal"),
    ("cour d'appel", "{} Court of Appeal"),
    ("cour d'assises", "{} Assize Court"),
    ("conseil de prud'hommes", "{} Labour Court"),
    ("parquet", "{} Prosecutor's Office"),
    ("centre hospitalier universitaire", "{} University Hospital"),
    ("centre hospitalier régional", "{} Regional Hospital"),
    ("centre hospitalier", "{} Hospital"),
    ("chu", "{} University Hospital"),
    ("agence régionale de santé", "{} Regional Health Agency"),
    ("ars", "{} Regional Health Agency"),
    ("préfecture", "{} Prefecture"),
    ("conseil régional", "{} Regional Council"),
    ("conseil départemental", "{} Departmental Council"),
    ("conseil municipal", "{} City Council"),
    ("mairie", "{} City Hall"),
    ("université", "University of {}"),
    ("aéroport", "{} Airport"),
    ("observatoire", "{} Observatory"),
)

# A French ministry named by its portfolio alone is the French government's ("le ministère de la
# Santé"); English copy says "Ministry of Health". Keys: the portfolio in lower case, no accents.
MINISTRIES: dict[str, str] = {
    "sante": "Ministry of Health", "culture": "Ministry of Culture", "interieur": "Ministry of the Interior",
    "justice": "Ministry of Justice", "armees": "Ministry of the Armed Forces", "defense": "Ministry of Defence",
    "economie": "Ministry of the Economy", "economie et des finances": "Ministry of the Economy and Finance",
    "finances": "Ministry of Finance", "travail": "Ministry of Labour", "agriculture": "Ministry of Agriculture",
    "education nationale": "Ministry of National Education", "affaires etrangeres": "Ministry of Foreign Affairs",
    "transition ecologique": "Ministry of Ecological Transition", "enseignement superieur": "Ministry of Higher Education",
    "logement": "Ministry of Housing", "transports": "Ministry of Transport", "outre-mer": "Ministry of Overseas France",
}
_MINISTRY = re.compile(r"minist[eè]re\s+(?:de\s+la\s+|de\s+l'|des\s+|du\s+|de\s+)(.+)", re.IGNORECASE)

# "de Lyon", "d'Angers", "du Rhône", "des Landes", "de la Gironde", "de l'Isère"
_LINK = re.compile(r"\s+(?:de\s+la\s+|de\s+l'|des\s+|du\s+|de\s+|d')", re.IGNORECASE)
# a place: capitalised words, joined by hyphens, spaces or the particles of French place names
_PLACE = re.compile(r"[A-ZÀ-Ý][\w'-]*(?:(?:\s+|-)(?:(?:sur|sous|en|lès|les|le|la|de|du|des|d'|l')\s*)?[A-ZÀ-Ý][\w'-]*){0,4}")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def english_name(surface: str, place_in_english: Callable[[str], Optional[str]]) -> Optional[str]:
    """'tribunal correctionnel de Bordeaux' -> 'Bordeaux Criminal Court'; None when no template fits.

    ``place_in_english`` gives a place's English name when the alias table knows it.
    """
    text = " ".join(surface.replace("\u2019", "'").split())
    ministry = _MINISTRY.fullmatch(text)
    if ministry:
        return MINISTRIES.get(_fold(ministry.group(1)))
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
        return pattern.format(place_in_english(place) or place)
    return None
