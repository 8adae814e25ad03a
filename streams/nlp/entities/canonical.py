"""An entity record from a group of mentions: its id, canonical name, type and aliases."""

from __future__ import annotations

from functools import partial

from streams.events import Entity
from streams.events import Mention as MentionRecord
from streams.nlp.entities.aliases import AliasTable, entity_id_for
from streams.nlp.entities.institutions import english_name
from streams.nlp.entities.records import Group


def _known_place(table: AliasTable, place: str) -> tuple[str, str] | None:
    """(English name, French name) of a place the table knows, for institutions.english_name."""
    entry = table.lookup(place, "fr")
    return (entry.name, entry.name_fr or entry.name) if entry is not None and entry.type == "LOC" else None


def to_entity(group: Group, body: str, language: str, table: AliasTable,
              institution_names: bool) -> tuple[Entity, list[str]]:
    """The entity and the forms the headline may name it by. An entity the table does not know is
    named by its longest mention; with ``institution_names`` a French institution by its English
    name ("tribunal correctionnel de Lyon" -> "Lyon Criminal Court")."""
    mentions = sorted(group.mentions, key=lambda m: (m.start, m.end))
    unique: list[MentionRecord] = []
    seen: set[tuple[int, int]] = set()
    for m in mentions:
        if (m.start, m.end) in seen:
            continue
        seen.add((m.start, m.end))
        unique.append({"text": body[m.start:m.end], "start": m.start, "end": m.end})
    entry = group.entry or next((m.entry for m in mentions if m.entry is not None), None)
    surfaces = [u["text"] for u in unique]
    if entry is not None:
        name, type_, ident = entry.name, entry.type, entry.id
        known = list(entry.aliases)
    else:
        type_ = group.type
        best = max(mentions, key=lambda m: (m.tokens, len(m.text), -m.start))
        name = group.known_as or body[best.start:best.end]
        if institution_names and language == "fr" and type_ in ("ORG", "LOC"):
            name = english_name(name, partial(_known_place, table)) or name
        ident = entity_id_for(type_, name)
        known = []
    entity = entity_record(ident, name, type_, [name, *surfaces, *known], unique)
    return entity, entity["aliases"]


def entity_record(ident: str, name: str, type_: str, forms: list[str], mentions: list[MentionRecord]) -> Entity:
    """The event's entity record; salience and quoted are set later, over the whole article."""
    return {
        "id": ident, "name": name, "type": type_,  # type: ignore[typeddict-item]
        "aliases": list(dict.fromkeys(forms)), "mentions": mentions, "salience": 0.0, "quoted": False,
    }
