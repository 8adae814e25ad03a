"""Names the model did not tag, found by the phrase around them: "the town of Pleurtuit",
"Orban's Fidesz party", "Diplomat Espen Barth Eide"."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from spacy.attrs import LOWER
from spacy.tokens import Doc, Span

from streams.nlp.entities.aliases import AliasTable, alias_key
from streams.nlp.entities.name_shapes import (
    exact_place,
    given_names,
    looks_like_demonym,
    misc_by_head,
    person_shaped,
    type_by_head,
)
from streams.nlp.entities.person_spans import is_name_token
from streams.nlp.entities.records import Column, Mention, SpanIndex, Tokens, mention_of
from streams.nlp.entities.vocabulary import (
    NAME_PARTICLES_AS_WRITTEN,
    OF_WORDS,
    PERSON_TITLES,
    PLACE_KIND_NOUNS,
)


def named_parties(doc: Doc, text: str, covered: SpanIndex, out: list[Mention], table: AliasTable,
                  language: str, tokens: Tokens | None = None) -> list[Mention]:
    """Parties spaCy-small misses or calls a nationality: the capitalised name before a lower-case
    "party" ("Orban's Fidesz party", "the Law and Justice party", "the Left party"). A lone ordinary
    word keeps "party" in its name ("Left party"); a proper name does not ("Fidesz"). A name the
    table knows keeps its entry ("the Labour party"); one an entity already covers is left alone
    ("the AfD party"), and so is "a Christmas party". ``tokens``: the doc's, if read already."""
    known = SpanIndex((m.start, m.end) for m in out if m.entry is not None)
    found = []
    tokens = Tokens.read(doc) if tokens is None else tokens
    for i in np.flatnonzero(tokens.among({"party"})).tolist():  # those tokens only, not a Token per word
        tok = doc[i]
        if tok.i == 0:
            continue
        start = tok.i
        while start > 0 and (doc[start - 1].text[:1].isupper() and doc[start - 1].is_alpha
                             or doc[start - 1].lower_ in ("and", "of", "for") and start - 1 > 0
                             and doc[start - 2].text[:1].isupper() and start < tok.i):
            start -= 1
        if start < tok.i and doc[start].lower_ == "the":
            start += 1  # "The Law and Justice party lost": the article opens the sentence
        if start == tok.i or doc[start].lower_ in ("and", "of", "for") or start == 0:
            continue
        before = doc[start - 1]
        if before.is_punct or before.lower_ in ("a", "an") or doc[start].is_sent_start and before.lower_ != "the":
            continue  # a sentence's first word, or "a Christmas party"
        span = doc[start:tok.i]
        common = len(span) == 1 and span[0].pos_ != "PROPN"
        end_tok = tok if common else span[-1]
        begin, end = span[0].idx, end_tok.idx + len(end_tok.text)
        if any(not (begin <= c[0] and c[1] <= end) for c in covered.overlapping(begin, end)):
            continue  # a name running across it
        if known.overlapping(begin, end):
            continue  # "the AfD party", "the CDU": the table already knows it
        surface = text[begin:end]
        entry = table.lookup(text[span[0].idx:span[-1].idx + len(span[-1].text)], language)
        if entry is not None and entry.type != "ORG":
            continue  # "a Downing Street party"
        found.append(mention_of(begin, end, surface, "ORG", entry))
    return found


def untagged_places(doc: Doc, text: str, covered: SpanIndex, lower: Column | None = None) -> list[Mention]:
    """Places the model missed where the phrase names them as places: "the town of Pleurtuit",
    "the Athens district of Perama" (one to three capitalised proper nouns after "<place noun> of").
    ``lower``: the tokens' LOWER, if read already."""
    out = []
    lower = Column.read(doc, LOWER) if lower is None else lower
    if len(lower) < 3:
        return out
    after_of = lower.among(OF_WORDS)[1:-1] & lower.among(PLACE_KIND_NOUNS)[:-2]  # token i: i - 1 and i - 2
    for i in (np.flatnonzero(after_of) + 2).tolist():
        if doc[i].ent_type_ or not is_name_token(doc[i]):
            continue
        j = i + 1
        while j < len(doc) and j - i < 3 and not doc[j].ent_type_ and is_name_token(doc[j]):
            j += 1
        begin, end = doc[i].idx, doc[j - 1].idx + len(doc[j - 1].text)
        if covered.overlapping(begin, end):
            continue
        out.append(mention_of(begin, end, text[begin:end], "LOC"))
    return out


_INDEFINITE = frozenset({"a", "an", "un", "une"})


def described_places(doc: Doc, text: str, covered: SpanIndex, lower: Column | None = None) -> list[Mention]:
    """"In Bourges, a town of 66,000 people", "Bidart, une petite commune": an untagged name that an
    apposition right after it calls a town or a city (a few lower-case words may stand between the
    article and the noun, and the noun heads its phrase: "a city councillor" is a person). ``lower``:
    the tokens' LOWER, if read already."""
    out: list[Mention] = []
    lower = Column.read(doc, LOWER) if lower is None else lower
    n = len(lower)
    if n < 4:
        return out
    opening = (lower.among({","}) & np.roll(lower.among(_INDEFINITE), -1))[1:n - 2]  # token i: ",", then "a"
    for i in (np.flatnonzero(opening) + 1).tolist():
        k = i + 2
        while k < n and k - i < 5 and lower[k] not in PLACE_KIND_NOUNS and doc[k].is_lower and doc[k].is_alpha:
            k += 1
        if k >= n - 1 or lower[k] not in PLACE_KIND_NOUNS or doc[k + 1].pos_ in ("NOUN", "PROPN"):
            continue
        j = i
        while j > 0 and i - j < 3 and not doc[j - 1].ent_type_ and is_name_token(doc[j - 1]):
            j -= 1
        if j == i or doc[j].is_sent_start:
            continue
        begin, end = doc[j].idx, doc[i - 1].idx + len(doc[i - 1].text)
        if not covered.overlapping(begin, end):
            out.append(mention_of(begin, end, text[begin:end], "LOC"))
    return out


_LIST_JOINS = {",", "and", "et"}


def listed_places(doc: Doc, text: str, table: AliasTable, language: str,
                  ents: Sequence[Span] | None = None, tokens: Tokens | None = None) -> list[Mention]:
    """"cities including Lyon, Toulouse, Bordeaux": an untagged name right after a place the model
    tagged and a comma or "and", which the table knows as a place by that exact name (looked for
    after each entity only: linear on long bodies). A list's tagged name may be mistyped ("Lyon" as
    an organisation): one the table knows as a place by that exact name opens the list too.
    ``tokens``: the doc's, if read already (the word after each entity is read there)."""
    out = []
    orth = (Tokens.read(doc) if tokens is None else tokens).orth
    for ent in doc.ents if ents is None else ents:  # doc.ents, if not read already
        if ent.end + 1 >= len(orth) or orth[ent.end].lower() not in _LIST_JOINS:
            continue
        if ent.label_ not in ("GPE", "LOC") and not (ent.label_ in ("ORG", "PERSON", "PER")
                                                     and exact_place(ent.text, table, language)):
            continue
        tok = doc[ent.end + 1]
        if tok.ent_type_ or not tok.text[:1].isupper() or not tok.is_alpha:
            continue
        entry = table.lookup(tok.text, language, "LOC")
        if entry is not None and entry.type == "LOC" and tok.text in entry.aliases:
            out.append(mention_of(tok.idx, tok.idx + len(tok.text), tok.text, "LOC", entry))
    return out


def untagged_persons(doc: Doc, covered: SpanIndex, table: AliasTable,
                     language: str, places: dict[str, int], tokens: Tokens | None = None) -> list[Mention]:
    """Persons the model missed: two to four capitalised proper nouns opened by a first name
    ("Diplomat Espen Barth Eide", "Brazilian Gonzalo Higuain"), none of them tagged, none a place's
    name and no organisation's head word among them. ``tokens``: the doc's, if read already."""
    given = given_names()
    out = []
    tokens = Tokens.read(doc) if tokens is None else tokens
    i = 0  # the first token not inside a name found
    for at in np.flatnonzero(tokens.among(given)).tolist():  # a first name opens the name: those only
        if at < i:
            continue
        i = at
        tok = doc[i]
        if (tok.ent_type_ or tok.pos_ != "PROPN" or tok.text not in given or exact_place(tok.text, table, language)
                or i > 0 and doc[i - 1].text[:1].isupper() and doc[i - 1].pos_ == "PROPN"
                and not doc[i - 1].is_sent_start and alias_key(doc[i - 1].text) not in PERSON_TITLES
                and not looks_like_demonym(alias_key(doc[i - 1].text), places)):
            continue
        j = i + 1
        while j < len(doc) and j - i < 4 and not doc[j].ent_type_ and alias_key(doc[j].text) not in PERSON_TITLES and (
                is_name_token(doc[j]) or doc[j].text in NAME_PARTICLES_AS_WRITTEN and j + 1 < len(doc)
                and is_name_token(doc[j + 1])):
            j += 1
        words = [t.text for t in doc[i:j]]
        surface = doc[i:j].text
        begin, end = tok.idx, doc[j - 1].idx + len(doc[j - 1].text)
        four = j - i == 4 and type_by_head(surface) is None and not misc_by_head(surface)
        if (j - i >= 2 and person_shaped(words, surface) if len(words) <= 3 else four) and not covered.overlapping(
                begin, end) and not any(
                exact_place(w, table, language) for w in words[1:]) and table.lookup(surface, language) is None:
            out.append(Mention(begin, end, surface, "PER", len(words), None))
        i = max(j, i + 1)
    return out
