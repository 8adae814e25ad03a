"""Entities stage: spaCy mentions -> cleaned, merged, canonical, cross-lingual entities.

- spaCy's small models tag noise and cut names badly; mentions are trimmed, filtered and typed by
  the span and article rules (mentions.py) before use.
- One entity per real-world actor per article: later "Stoltenberg" joins "Jens Stoltenberg",
  "EU" joins "European Union", "OTAN" joins "Organisation du traité de l'Atlantique nord".
- Ids come from the multilingual alias table (Wikidata QIDs where known) so that NATO in an English
  story and OTAN in a French one are the same entity; otherwise a readable deterministic id.
"""

from __future__ import annotations

from spacy.tokens import Doc

from streams.events import Entity
from streams.nlp.entities import is_enabled
from streams.nlp.entities.aliases import AliasTable, load_alias_table
from streams.nlp.entities.canonical import to_entity
from streams.nlp.entities.cleaning import metadata_spans
from streams.nlp.entities.descriptors import add_descriptions
from streams.nlp.entities.evidence import is_sports_copy
from streams.nlp.entities.grouping import (
    add_missed_surnames,
    group_mentions,
    merge_acronyms,
    merge_partial_names,
)
from streams.nlp.entities.headline import headline_names, headline_only
from streams.nlp.entities.mentions import raw_mentions, scan_aliases
from streams.nlp.entities.real_names import join_real_names
from streams.nlp.entities.records import SpanIndex, Tokens
from streams.nlp.entities.salience import is_in_headline, mark_quoted, salience
from streams.nlp.entities.seats import type_seats
from streams.text import search_key

__all__ = ["extract_entities", "mark_quoted", "salience"]


def extract_entities(
    doc: Doc,
    body: str,
    *,
    language: str,
    headline: str | None = None,
    aliases: AliasTable | None = None,
    disabled: frozenset[str] = frozenset(),
) -> list[Entity]:
    """Entities of one article from its spaCy parse (of nlp_view(body)), ordered by first mention.

    Mentions are offsets into body and their text is body[start:end]. A pipeline without NER
    (spacy.blank) yields only alias-table matches. Known places and organisations that only the
    headline names come first, with no mentions. ``disabled`` names passes (``PASSES``) to skip.
    """
    def runs(name: str) -> bool:
        return is_enabled(name, disabled)

    table = aliases if aliases is not None else load_alias_table()
    lang = (language or "").split("-")[0].lower()
    has_ner = doc.has_annotation("ENT_IOB")
    sport = has_ner and is_sports_copy(doc)
    tokens = Tokens.read(doc)  # the words and doc.text, read once from the doc's arrays
    text = tokens.text
    meta = SpanIndex(metadata_spans(text) if runs("entities.metadata") else [])
    raw = raw_mentions(doc, tokens, lang, table, sport, meta, disabled) if has_ner else scan_aliases(doc, tokens, table, meta)
    groups = group_mentions(raw) if raw else []
    if has_ner and runs("entities.seats-of-power"):
        groups = type_seats(groups, table, lang)
    if runs("entities.real-names"):
        groups = join_real_names(groups, text, lang)
    if runs("entities.partial-names"):
        groups = merge_partial_names(groups)
    if runs("entities.acronyms"):
        groups = merge_acronyms(groups, text)
    if has_ner and runs("entities.missed-surnames"):
        add_missed_surnames(doc, tokens, groups, meta)
    # the headline is searched once: for descriptions' entities and for names only it gives
    headline_key = search_key(headline) if headline else ""
    names_in_headline = headline_names(headline, lang, table) if headline else []
    if runs("entities.descriptions"):
        groups = add_descriptions(groups, text, lang, headline_key, names_in_headline)
    groups.sort(key=lambda g: g.first)
    institution_names = runs("entities.french-institutions")
    built = [to_entity(g, body, lang, table, institution_names) for g in groups]
    head_only = []
    if headline and runs("entities.headline-names"):
        head_only = headline_only(headline, names_in_headline, {e["id"] for e, _ in built}, sport)
    if not built and not head_only:
        return []
    max_mentions = max([len(e["mentions"]) for e, _ in built] + [1])
    out: list[Entity] = []
    for entity, forms in head_only + built:
        first = entity["mentions"][0]["start"] if entity["mentions"] else len(body)  # no position credit
        in_head = bool(headline_key) and is_in_headline(headline_key, forms)
        entity["salience"] = salience(len(entity["mentions"]), first, len(body), max_mentions, in_head, False)
        out.append(entity)
    return out
