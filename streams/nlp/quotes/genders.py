"""Which persons a pronoun can stand for: 'elle' and 'she' a woman, 'il' and 'he' a man.

A person's gender is read from what the article writes ('Mme Mouraud', 'M. Caracciolo') or,
failing that, from a first name that is a woman's or a man's in the name lists of many
countries (streams/data/given-name-genders.tsv). Unknown stays unknown: only a known
mismatch rules a person out.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from streams.nlp.quotes.lexicon import every_language

__all__ = ["HONORIFIC_GENDERS", "PRONOUN_GENDERS", "first_name_gender"]

PRONOUN_GENDERS = {row.split()[0]: row.split()[1] for row in every_language("quotes", "pronoun-genders")}
HONORIFIC_GENDERS = {row.split()[0]: row.split()[1] for row in every_language("honorifics", "genders")}


@lru_cache(maxsize=1)
def _first_names() -> dict[str, str]:
    text = resources.files("streams").joinpath("data", "given-name-genders.tsv").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, gender = line.split("\t")
            found[name.lower()] = gender
    return found


def first_name_gender(name: str) -> str | None:
    """'Ludivine Hilairet' -> 'F'; 'Jean-Marie Le Pen' -> 'M' (from 'Jean-Marie' or 'Jean');
    'Adam' -> 'M' (a person named by first name); None when the first word is no first name or
    names both (a surname alone is rarely in the lists)."""
    words = name.split()
    if not words:
        return None
    first = words[0].lower()
    names = _first_names()
    return names.get(first) or (names.get(first.split("-")[0]) if "-" in first else None)
