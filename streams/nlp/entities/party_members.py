"""A party named by its adjective or short name right before a member's role is the party.

Why: English copy names parties through their members ("the Conservative MP Anna Soubry", "the
Communist mayor of Grigny", "former Ukip candidate Jack Sen"); the small model tags the adjective
as a nationality or misses it, and types a party's short name as a place. The families and the
role nouns are in lang/<code>/party-members.txt.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from spacy.tokens import Doc

from streams.lang import words
from streams.nlp.entities.aliases import AliasEntry, AliasTable
from streams.nlp.entities.records import Mention, SpanIndex, Tokens, mention_of


@lru_cache(maxsize=8)
def _lists(language: str) -> tuple[frozenset[str], frozenset[str]]:
    return words(language, "party-members", "families"), words(language, "party-members", "member-nouns")


def _party(table: AliasTable, word: str, language: str) -> AliasEntry | None:
    """The table's party for the word ("Ukip") or for "<word> Party" ("Conservative Party")."""
    for surface in (word, f"{word} Party"):
        entry = table.lookup(surface, language, "ORG")
        if entry is not None and entry.type == "ORG" and not entry.population:
            return entry
    return None


def party_members(doc: Doc, text: str, mentions: list[Mention], covered: SpanIndex, table: AliasTable,
                  language: str, tokens: Tokens | None = None) -> list[Mention]:
    """Type as the party (ORG) a one-word name before a member's role that is a political family or
    a party the table knows; add the family word where the model tagged nothing. ``tokens``: the
    doc's, if read already."""
    families, roles = _lists(language)
    if not families and not roles:
        return mentions
    by_start = {m.start: m for m in mentions if m.tokens == 1}
    out = list(mentions)
    tokens = Tokens.read(doc) if tokens is None else tokens
    before_role = np.flatnonzero(tokens.among(roles)[2:]) + 1  # tokens 1 .. n - 2 a role follows
    for tok in (doc[i] for i in before_role.tolist()):
        if not tok.text[:1].isupper() or tok.is_sent_start:
            continue
        mention = by_start.get(tok.idx)
        if mention is not None and mention.end != tok.idx + len(tok.text):
            continue
        entry = _party(table, tok.text, language)
        if tok.text not in families and entry is None:
            continue
        if mention is not None:
            if mention.type == "PER" or mention.entry is not None and mention.entry.type != "ORG":
                continue
            mention.type, mention.entry = "ORG", entry or mention.entry
        elif tok.text in families and not covered.overlapping(tok.idx, tok.idx + len(tok.text)):
            out.append(mention_of(tok.idx, tok.idx + len(tok.text), tok.text, "ORG", entry))
    return out
