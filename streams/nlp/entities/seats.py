"""Seats of power standing for the bodies they house.

Why: French copy names the presidency "l'Élysée", the prime minister's office "Matignon", the
interior ministry "Beauvau", the economy ministry "Bercy". The model tags these as places; an
alert on the body needs them typed and named as the body (the gold sets do so even in "reçus à
Matignon"). A seat named as a building ("le palais de l'Élysée", "l'hôtel Matignon") stays the
place. The words are in streams/lang/<code>/seats-of-power.txt.

A capital acting for its government ("Rome a répliqué") is left a place here: the quotes stage
(quotes/acting_places.py) finds such speakers among the article's places.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache

from streams.lang import words
from streams.nlp.entities.aliases import AliasEntry, AliasTable, alias_key
from streams.nlp.entities.records import Group, Mention
from streams.text import strip_diacritics


def _folded(word: str) -> str:
    return strip_diacritics(word).casefold()


@lru_cache(maxsize=32)
def _section(language: str, name: str) -> frozenset[str]:
    return frozenset(_folded(w) for w in words(language, "seats-of-power", name))


@lru_cache(maxsize=16)
def _seat_keys(language: str) -> frozenset[str]:
    """The seats' keys, built once per language (the word list does not change while running)."""
    return frozenset(alias_key(w) for w in words(language, "seats-of-power", "seats"))


@lru_cache(maxsize=1 << 12)
def _alias_keys(aliases: tuple[str, ...]) -> frozenset[str]:
    """The keys of a table entry's aliases, once per entry: the same entries come back in every article."""
    return frozenset(alias_key(a) for a in aliases)


def _as_type(entry: AliasEntry | None, type_: str) -> AliasEntry | None:
    return entry if entry is None or entry.type == type_ else replace(entry, type=type_)


def _retype(group: Group, type_: str, entry: AliasEntry | None) -> None:
    entry = _as_type(entry, type_)
    group.type, group.entry = type_, entry
    for m in group.mentions:
        m.type, m.entry = type_, entry


def _is_building(m: Mention, language: str) -> bool:
    """"palais de l'Élysée", "Hôtel Matignon": the seat named by its building noun."""
    first = _folded(m.text.split()[0]) if m.text.split() else ""
    return first in _section(language, "building-nouns")


def type_seats(groups: list[Group], table: AliasTable, language: str) -> list[Group]:
    """Seats named short are their body (ORG), seats named as buildings are places (LOC)."""
    seats = _seat_keys(language)
    for group in groups:
        entry = group.entry or next((e for e in (table.lookup(m.text, language) for m in group.mentions)
                                     if e is not None), None)
        keys = {alias_key(m.text) for m in group.mentions}
        if entry is not None:
            keys |= _alias_keys(entry.aliases)
        if keys & seats:
            building = all(_is_building(m, language) for m in group.mentions)
            _retype(group, "LOC" if building else "ORG", entry)
    return _merged(groups)


def _merged(groups: list[Group]) -> list[Group]:
    """One group per table entry: "Matignon" the model tagged twice, once as a place, is one body."""
    by_id: dict[tuple[str, str], Group] = {}
    out: list[Group] = []
    for group in groups:
        key = (group.entry.id, group.type) if group.entry is not None else None
        if key is not None and key in by_id:
            by_id[key].mentions.extend(group.mentions)
            continue
        if key is not None:
            by_id[key] = group
        out.append(group)
    return out
