"""Names in the headline: the table's names it gives, and the entities only it names."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from streams.events import Entity
from streams.nlp.entities.aliases import AliasTable
from streams.nlp.entities.canonical import entity_record
from streams.nlp.entities.records import Mention
from streams.nlp.entities.table_names import scan_tokens
from streams.nlp.entities.vocabulary import HEADLINE_ARTICLES, NAME_PARTICLES


@lru_cache(maxsize=8)
def _tokenizer(language: str) -> Any:
    import spacy

    try:
        return spacy.blank(language).tokenizer
    except (ImportError, KeyError, ValueError):
        return spacy.blank("xx").tokenizer


def headline_names(headline: str, language: str, table: AliasTable) -> list[Mention]:
    """The table's names in the headline, offsets into the headline."""
    return list(scan_tokens(_tokenizer(language or "xx")(headline), table))


def headline_only(headline: str, names: list[Mention], known: set[str],
                  sport: bool) -> list[tuple[Entity, list[str]]]:
    """Places and organisations the alias table knows that only the headline names ("Ukraine :
    les Européens promettent à Kiev …" when the body says "l’Ukraine" and "Kyiv" never again):
    an entity with no mentions (they are offsets into the body), the headline form among its
    aliases. Only multi-word names, acronyms and names inside the headline (not its first word,
    which every headline capitalises) are taken."""
    out: list[tuple[Entity, list[str]]] = []
    for m in names:
        entry = m.entry
        if entry is None or entry.id in known:
            continue
        letters = m.text.replace(".", "")
        if not (m.tokens > 1 or letters.isupper() and len(letters) >= 2 or m.start > 0):
            continue
        before, after = headline[:m.start].split()[-2:], headline[m.end:].split()[:1]
        if len(before) == 2 and before[1].lower() not in NAME_PARTICLES | {"of"}:
            before = before[1:]  # look past "de": "Tour de France", "Gare de Lyon"
        if any(w[:1].isupper() and w.isalpha() and w not in HEADLINE_ARTICLES for w in before[:1] + after):
            continue  # part of a longer name the table does not know ("Air France", "Tour de France")
        if sport and entry.type == "LOC":
            continue  # a town in a sports headline is its club
        known.add(entry.id)
        forms = [entry.name, m.text, *entry.aliases]
        out.append((entity_record(entry.id, entry.name, entry.type, forms, []), [m.text]))
    return out
