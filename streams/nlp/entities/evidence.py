"""Evidence in the parse that a name is used as a place, a person or a sports team, and the
gazetteer towns an article uses as places."""

from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.attrs import LEMMA
from spacy.tokens import Doc, Span, Token

from streams.nlp.entities.aliases import AliasTable, alias_key
from streams.nlp.entities.name_shapes import given_names
from streams.nlp.entities.records import LABEL_MAP, Tokens, entity_at
from streams.nlp.entities.vocabulary import (
    HONORIFIC_TOKENS,
    LOSE_VERBS,
    MOTION_VERBS,
    OF_WORDS,
    PERSON_TITLES,
    PLACE_KIND_AFTER,
    PLACE_KIND_NOUNS,
    PLACE_NOUNS,
    PLACE_OBJECT_VERBS,
    PLACE_PREPOSITIONS,
    RELATIVE_PRONOUNS,
    SAY_VERBS,
    SPORT_WORDS,
    TEAM_NOUNS,
    TEAM_PREPOSITIONS,
    TEAM_VERBS,
)

# A gazetteer town the model tags as a person is taken for the town without evidence only when it is
# at least this large: "Shimla" (170,000) is, "Obama" (Fukui, 30,000) is the president.
TOWN_BY_DEFAULT = 50_000
_MATCH_SCORE = re.compile(r"\s\d{1,2}\s?[-:\u2013]\s?\d{1,2}(?!\d)")


# lemma hash -> its lower case if a sports word, else "": a hash is its string's (the same in every
# vocab), and most of an article's lemmas were seen in earlier ones, so each is read and lowered once
_SPORT_LEMMAS: dict[int, str] = {}
_SPORT_LEMMAS_MAX = 1 << 16  # a few MB when full


def _sport_word(lemma: int, strings) -> str:
    word = strings[lemma].lower()
    if len(_SPORT_LEMMAS) >= _SPORT_LEMMAS_MAX:
        _SPORT_LEMMAS.clear()  # bounded: a long-lived worker sees new words forever
    _SPORT_LEMMAS[lemma] = found = word if word in SPORT_WORDS else ""
    return found


def is_sports_copy(doc: Doc) -> bool:
    """Three different sports words or more (each distinct lemma read once from the doc's array)."""
    strings = doc.vocab.strings
    known = _SPORT_LEMMAS
    words = set()
    for h in set(doc.to_array(LEMMA).tolist()):
        word = known.get(h)
        if word is None:
            word = _sport_word(h, strings)
        if word:
            words.add(word)
    return len(words) >= 3


def _is_known_place(doc: Doc, token: Token, table: AliasTable, language: str) -> bool:
    """The token is (the head of) a name the table knows as a country, region or major city; the
    model's own GPE tag is no proof ("firms like Escada, Bogner")."""
    if not token.ent_type_:
        return False
    span = entity_at(doc, token.i)
    if span is None:
        return False
    entry = table.lookup(span.text, language)
    return entry is not None and entry.type == "LOC" and not entry.population and span.text in entry.aliases


def named_as_place(doc: Doc, span: Span) -> bool:
    """The phrase itself says the name is a place: "the town of X", "the states of A, B and C",
    "the Uva province"."""
    first = min([span.root] + list(span.root.conjuncts), key=lambda t: t.i)
    start = min(span.start, first.i)
    if start >= 2 and doc[start - 1].lower_ in OF_WORDS and doc[start - 2].lower_ in PLACE_KIND_NOUNS:
        return True
    return span.end < len(doc) and doc[span.end].text in PLACE_KIND_AFTER


def has_place_evidence(doc: Doc, span: Span, sport: bool, places: set[int], table: AliasTable,
                       language: str) -> bool:
    root = span.root
    head = root.head
    preps = [c for c in root.children if c.dep_ == "case"]  # French: "à [Essen]"
    if root.dep_ == "pobj":
        preps.append(head)
    for prep in preps:
        word = prep.lower_
        if word in PLACE_PREPOSITIONS and not (sport and word == "at"):
            return True
        if word == "to" and not sport and prep.head.lemma_ in MOTION_VERBS:
            return True
    before = doc[max(0, span.start - 2):span.start]
    if len(before) == 2 and before[1].lower_ in OF_WORDS and before[0].lemma_.lower() in PLACE_NOUNS:
        return True  # "the city of Koblenz", "la ville de Kassel"
    if root.dep_ in ("compound", "poss", "nmod", "appos") and head.lemma_.lower() in PLACE_NOUNS:
        return True  # "the Essen station", "Ulm's cityscape", "two cities, Görlitz and Essen"
    if any(c.dep_ == "appos" and c.lemma_.lower() in PLACE_NOUNS for c in root.children):
        return True  # "Subotica, a small town"
    after = doc[span.end:span.end + 2]
    if len(after) == 2 and after[0].text == "-" and after[1].lower_ == "based":
        return True  # "the Rostock-based company"
    if len(after) == 2 and after[0].text == "," and after[1].ent_type_ in ("GPE", "LOC"):
        if not sport:
            return True  # "Kassel, Germany", "Garland, Texas"
        entity = entity_at(doc, after[1].i) if after[1].ent_iob_ == "B" else None
        country = table.lookup(entity.text, language) if entity is not None else None
        if country is not None and country.type == "LOC" and country.id.startswith("Q"):
            return True  # in sports copy a list of clubs looks the same: a country only
    if not sport:  # "Hanover, Kassel and Chemnitz"; in sport, "Dresden and Freiburg" are clubs
        partners = root.conjuncts
        if any(p.i in places or _is_known_place(doc, p, table, language) for p in partners):
            return True
        first = min(partners, key=lambda t: t.i) if partners else None
        if first is not None and first.i < root.i and first.i >= 2 and doc[first.i - 1].lower_ in ("of", "de") \
                and doc[first.i - 2].lemma_.lower() in PLACE_NOUNS:
            return True  # "the cities of Düsseldorf and Mainz"
    return False


def follows_title(doc: Doc, span: Span) -> bool:
    """An honorific or a title right before the name ("President Bush", "Mr. Churchill")."""
    if span.start == 0:
        return False
    prev = doc[span.start - 1]
    return prev.lower_ in HONORIFIC_TOKENS or alias_key(prev.text) in PERSON_TITLES


def has_relative_clause(root: Token, pronouns: frozenset[str] = RELATIVE_PRONOUNS) -> bool:
    """A relative clause opened by "who" (or "qui") hangs on the name ("Martin, who ...")."""
    return any(child.dep_ in ("relcl", "acl:relcl") and any(t.lower_ in pronouns for t in child.children)
               for child in root.children)


def has_person_evidence(doc: Doc, span: Span, key: str, person_words: frozenset[str]) -> bool:
    if key in person_words:
        return True  # "Paris Hilton ... Hilton said"
    if follows_title(doc, span):
        return True  # "President Bush", "Mayor Jordan"
    root = span.root
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_.lower() in SAY_VERBS:
        return True  # "Florence said", "explained Taylor"
    return has_relative_clause(root)  # "Martin, who ..."


def has_team_evidence(doc: Doc, span: Span, text: str, end: int) -> bool:
    """In sports copy, a place's name standing for its team ("Nuremberg upset Werder Bremen 1-0",
    "a 1-0 win over Switzerland", "Bremen's keeper", "lost at home to Nuremberg")."""
    if _MATCH_SCORE.match(text, end):
        return True  # "Werder Bremen 1-0"
    root = span.root
    while root.dep_ == "conj" and root.head.i < root.i:
        root = root.head  # "Wolfsburg and Freiburg drew": the first conjunct carries the relation
    head = root.head
    dep = root.dep_
    if dep in ("nsubj", "nsubjpass", "dobj", "obj") and head.lemma_.lower() in TEAM_VERBS:
        return True
    if dep == "pobj" and (head.lower_ in TEAM_PREPOSITIONS or head.lower_ in ("to", "with")
                          and head.head.lemma_.lower() in LOSE_VERBS):
        return True
    if dep == "poss" and (head.lemma_.lower() in TEAM_NOUNS or head.ent_type_ == "PERSON"):
        return True  # "Bremen's keeper", "Nuremberg's Timothy Chandler"
    return any(c.dep_ == "case" and c.lower_ in TEAM_PREPOSITIONS for c in root.children)  # "contre Lyon"


def city_places(doc: Doc, table: AliasTable, language: str, person_words: frozenset[str],
                sport: bool, ents: Sequence[Span] | None = None, tokens: Tokens | None = None) -> frozenset[str]:
    """Keys of the gazetteer towns (aliases-cities.tsv) the article uses as places.

    A town's name is also a surname, a first name, a word or a club ("Jackson", "Florence",
    "Mobile", "Wolfsburg"), so the small model's tag decides unless the article says otherwise:
    a name it tags as a place everywhere, or as a person but is no first name and never acts or
    undergoes what only people do ("Obama accepted", "Clinton's", "fired Bolton"), is a town unless it is also part of a longer person or
    organisation name ("Borussia Dortmund"); a name it tags as a person or organisation somewhere
    is a town only where some mention has place evidence (a locative preposition, "city of", a
    place noun, "X, Germany", a list of places). Person evidence (a title, the full name elsewhere,
    a verb of saying, "who") on any mention keeps it a person. In sports copy a club is named by
    its town, so lists and "to" or "at" are not evidence there. ``ents``: doc.ents, if read already;
    ``tokens``: the doc's, if read already (the words are read there, not from a Token each)."""
    candidates: list[tuple[Span, str]] = []
    population: dict[str, int] = {}
    tagged_other: set[str] = set()
    tagged_org: set[str] = set()
    name_words: set[str] = set(person_words)
    tokens = Tokens.read(doc) if tokens is None else tokens
    orth, idx, text = tokens.orth, tokens.idx, tokens.text
    for e in doc.ents if ents is None else ents:
        label = LABEL_MAP.get(e.label_)
        start, end = e.start, e.end
        if label == "ORG" and end - start > 1:
            name_words.update(alias_key(w) for w in orth[start:end])
        if label not in ("PER", "ORG", "LOC"):
            continue
        while end - start > 1 and (orth[end - 1] in ("'s", "'", "\u2019s") or doc[end - 1].is_punct):
            end -= 1
        if orth[start].lower() in ("the", "a", "an") or start > 0 and orth[start - 1].lower() in ("the", "a", "an"):
            continue  # "at the University": a town's name does not take an article in English
        surface = text[idx[start]:idx[end - 1] + len(orth[end - 1])]  # the span's text
        if not surface[:1].isupper():
            continue
        entry = table.lookup(surface, language)
        if entry is None or not entry.population or surface not in entry.aliases:
            continue
        candidates.append((e if end == e.end else doc[start:end], alias_key(surface)))
        population[alias_key(surface)] = entry.population
        if label != "LOC":
            tagged_other.add(alias_key(surface))
        if label == "ORG":
            tagged_org.add(alias_key(surface))
    if not candidates:
        return frozenset()
    person: dict[str, int] = {}
    for span, key in candidates:
        if has_person_evidence(doc, span, key, person_words):
            person[key] = person.get(key, 0) + 1
    blocked = {key for key in person if key in person_words}
    # a name no country gives its children ("Shimla", "Lampedusa") is a town, unless a person's evidence says otherwise
    given = given_names() if not sport else frozenset()  # in sports copy it is a club
    acting = {key for span, key in candidates if span.root.dep_ in ("nsubj", "nsubjpass", "poss")
              or span.root.dep_ in ("dobj", "obj") and span.root.head.lemma_.lower() not in PLACE_OBJECT_VERBS}
    keys = {key for span, key in candidates if (key not in tagged_other or key not in tagged_org and given
                                                and span.text not in given and key not in acting
                                                and population[key] >= TOWN_BY_DEFAULT)
            and key not in name_words and key not in person}
    places = {span.root.i for span, key in candidates if key in keys}
    for _ in range(2):  # a second pass lets a list of towns support each other
        votes: dict[str, int] = {}
        for span, key in candidates:
            if key not in blocked and key not in keys and has_place_evidence(doc, span, sport, places, table,
                                                                              language):
                votes[key] = votes.get(key, 0) + 1
        keys.update(key for key, n in votes.items() if n > person.get(key, 0))
        places = {span.root.i for span, key in candidates if key in keys}
    return frozenset(keys)
