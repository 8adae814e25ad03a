"""Persons' spans as the small models miss them: split at a particle, cut short of a first name."""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token

from streams.nlp.entities.aliases import AliasTable, alias_key
from streams.nlp.entities.cleaning import trim
from streams.nlp.entities.name_shapes import given_names
from streams.nlp.entities.records import LABEL_MAP
from streams.nlp.entities.vocabulary import NAME_PARTICLES_AS_WRITTEN

_FRENCH_DE = {"de", "du", "des", "d'"}  # "de" and its contracted forms


def is_name_token(token: Token) -> bool:
    return token.is_alpha and token.text[:1].isupper() and token.pos_ == "PROPN" and not token.is_stop


def particle_joined(doc: Doc, table: AliasTable, language: str, ents: Sequence[Span] | None = None) -> list[Span]:
    """doc.ents with a person's name rejoined across its particles: spaCy-small splits
    "[Ursula von] der [Leyen]" into a PERSON and a GPE. A name the table knows after "de", "du" or
    "des" is not a surname: "Olivier Faure du [PS]", "Michel Durand de [Lyon]"."""
    ents = list(doc.ents if ents is None else ents)  # doc.ents, if not read already
    out: list[Span] = []
    i = 0
    while i < len(ents):
        span = ents[i]
        i += 1
        if span.label_ not in ("PERSON", "PER") or len(span) > 4:
            out.append(span)
            continue
        k = span.end
        while k < len(doc) and doc[k].text.islower() and doc[k].text in NAME_PARTICLES_AS_WRITTEN:
            k += 1
        if (k == span.end and doc[span.end - 1].text not in NAME_PARTICLES_AS_WRITTEN) or k >= len(doc) or not (
                doc[k].is_alpha and doc[k].text[:1].isupper()):
            out.append(span)
            continue
        ends_in_particle = doc[span.end - 1].text in NAME_PARTICLES_AS_WRITTEN
        if i < len(ents) and ents[i].start == k and len(ents[i]) <= 2 and (
                ends_in_particle or ents[i].label_ in ("PERSON", "PER")
                or table.lookup(ents[i].text, language) is None
                and not {t.lower_ for t in doc[span.end:k]} & _FRENCH_DE):
            end = ents[i].end
            i += 1
        elif not doc[k].ent_type_ and is_name_token(doc[k]):
            end = k + 1
        else:
            out.append(span)
            continue
        out.append(Span(doc, span.start, end, label=span.label_))
    return out


def extend_person(doc: Doc, span: Span) -> tuple[int, int]:
    """Character bounds of a PER span grown over the proper nouns that touch it: the small
    models often tag only part of a name ("Marine [Le Pen]", "[Emmanuel] Macron")."""
    start, end = span.start, span.end
    while start > 0 and (is_name_token(doc[start - 1])
                         or (doc[start - 1].text in NAME_PARTICLES_AS_WRITTEN and start > 1
                             and is_name_token(doc[start - 2]))) and not doc[start - 1].ent_type_:
        start -= 1
    while end < len(doc) and (is_name_token(doc[end]) or (
            doc[end].text in NAME_PARTICLES_AS_WRITTEN and end + 1 < len(doc) and is_name_token(doc[end + 1])
    )) and not doc[end].ent_type_:
        end += 1
    return doc[start].idx, doc[end - 1].idx + len(doc[end - 1].text)


_OF_BODY = re.compile(r"\s(?:du|des|de la|de l['\u2019])\s?(?=[A-ZÀ-Ý])")


def body_after_name(text: str, start: int, end: int, table: AliasTable, language: str) -> int:
    """The end of a French person's span that ran on into the body the person is of ("Bernard
    Maillard [du Républicain lorrain]"): cut before "du", "de la", "des" when a name the table
    knows as a body starts after it; else ``end``."""
    for match in _OF_BODY.finditer(text, start, end):
        words = text[match.end():match.end() + 80].split()
        for size in range(min(5, len(words)), 0, -1):
            entry = table.lookup(" ".join(words[:size]).rstrip(".,;:!?»\"'"), language)
            if entry is not None and entry.type == "ORG":
                return match.start()
    return end


def with_first_name(doc: Doc, span: Span) -> int:
    """The start of a person's span with the first name before it the model left out ("Adolf
    [Hitler]"), or the span's own start."""
    if span.start > 0:
        before = doc[span.start - 1]
        if before.pos_ == "PROPN" and not before.ent_type_ and before.text in given_names():
            return before.idx
    return span.start_char


def person_words(doc: Doc, text: str, language: str, ents: Sequence[Span] | None = None) -> frozenset[str]:
    """Words of the multi-word person names of the article ("Paris Hilton" -> paris, hilton), from
    the trimmed spans: a time-zone table ("Edmonton UTC -7") is not a person's name. ``ents``:
    doc.ents, if read already."""
    words: set[str] = set()
    for e in doc.ents if ents is None else ents:
        if LABEL_MAP.get(e.label_) != "PER" or len(e) < 2:
            continue
        start, end = trim(text, e.start_char, e.end_char, language)
        parts = text[start:end].split()
        if len(parts) > 1:
            words.update(alias_key(w) for w in parts)
    return frozenset(words)
