"""Bodies and persons the model mixes up: a news outlet or a company tagged as a person or a place
("the newspaper Cumhuriyet", "Adidas shares"), a person tagged as an organisation ("striker Lukas
Podolski", "Rolf-Dieter Heuer" tagged a person elsewhere)."""

from __future__ import annotations

from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token

from streams.nlp.entities.aliases import AliasTable, alias_key
from streams.nlp.entities.cleaning import trim
from streams.nlp.entities.evidence import follows_title, has_relative_clause
from streams.nlp.entities.name_shapes import ends_with_place, exact_place, person_shaped
from streams.nlp.entities.records import LABEL_MAP, Mention, Tokens, entity_at
from streams.nlp.entities.vocabulary import (
    AIRCRAFT_NOUNS,
    BROADCAST_NOUNS,
    CHIEF_OF_WORDS,
    COMPANY_NOUNS,
    COMPANY_SUFFIXES,
    ENGLISH_RELATIVE_PRONOUNS,
    HONORIFIC_TOKENS,
    LEADERS_AFTER,
    LIST_OPENERS,
    MEDIA_NOUNS,
    NAME_OPENING_ARTICLES,
    OWNED,
    OWNER_NOUNS,
    PERSON_TITLES,
    POSSESSED_ORG_NOUNS,
    POSSESSIVES,
    SAY_VERBS,
    SAY_VERBS_AGAINST_CUES,
    SPOKESPEOPLE,
    STAFF_NOUNS,
    TELL_VERBS,
    WEB_MODIFIERS,
    WEB_NOUNS,
)


def _org_cue(doc: Doc, start: int, end: int, weak: bool = True, root: Token | None = None) -> int:
    """Strength (0 none, 1 weak, 2 strong) of the organisation evidence around doc[start:end]; the
    weak cues (a verb of reporting, "told", "according to") fit persons too and are skipped unless
    `weak`. ``root``: doc[start:end].root, if found already (spaCy walks the span's heads for it)."""
    n = len(doc)
    before = start
    while before > 0 and doc[before - 1].is_quote:
        before -= 1  # news magazine "Der Spiegel"
    prev = doc[before - 1].lower_ if before > 0 else ""
    prev2 = doc[before - 2].lower_ if before > 1 else ""
    nxt = doc[end].lower_ if end < n else ""
    nxt2 = doc[end + 1].lower_ if end + 1 < n else ""
    if (prev in MEDIA_NOUNS or prev in COMPANY_NOUNS or prev in WEB_NOUNS) and doc[before - 1].is_lower and prev2 != "-" \
            and prev2 not in POSSESSIVES:
        return 2  # "the newspaper Cumhuriyet", "news magazine Der Spiegel", "carmaker Dongfeng"
    if before > 1 and doc[before - 1].pos_ == "ADJ" and doc[before - 1].is_lower and doc[before - 2].is_lower \
            and (prev2 in MEDIA_NOUNS or prev2 in COMPANY_NOUNS):
        return 2  # French puts the adjective between: "l'institut français Pollingvox", "le quotidien italien X"
    if before > 0 and doc[before - 1].tag_ == "NNS" and doc[before - 1].lemma_ in COMPANY_NOUNS | MEDIA_NOUNS:
        return 2  # "the airlines Emirates and Etihad"
    if prev in LIST_OPENERS and before > 2:
        noun = doc[before - 3] if prev == "as" and prev2 == "such" else doc[before - 2]
        if noun.tag_ == "NNS" and noun.lemma_ in COMPANY_NOUNS | MEDIA_NOUNS:
            return 2  # "companies such as Yingli", "firms like Escada"
    root = doc[start:end].root if root is None else root
    if root.dep_ == "appos" and root.head.i < start and doc[start - 1].text != "(" and (root.head.lower_ in COMPANY_NOUNS
                                                         or root.head.lower_ in MEDIA_NOUNS):
        return 2  # "the country's biggest utility, E.ON"
    if nxt in LEADERS_AFTER and end + 1 < n and doc[end + 1].text[:1].isupper():
        return 2  # "Adidas CEO Herbert Hainer"
    if nxt in MEDIA_NOUNS and nxt not in BROADCAST_NOUNS:
        return 2  # "the Cumhuriyet newspaper"
    if nxt in COMPANY_SUFFIXES and doc[end].text[:1].isupper() or nxt == "shares" or nxt in COMPANY_NOUNS:
        return 2  # "Ritter Sport GmbH", "Adidas shares"
    if nxt in ("'s", "'") and (nxt2 in POSSESSED_ORG_NOUNS or nxt2 == "chief" and end + 2 < n
                                and doc[end + 2].lower_ in CHIEF_OF_WORDS):
        return 2  # "E.ON's chief executive", "Handelsblatt's website"
    if nxt in AIRCRAFT_NOUNS and not doc[end].is_title:
        return 2  # "the Germanwings plane crash", "AirAsia flight 8501"
    if nxt == "-" and nxt2 in OWNED:
        return 2  # "Etihad-owned"
    if prev in ("in", "of", "at") and prev2 in OWNER_NOUNS:
        return 2  # "shares in Etihad", "chief executive of E.ON"
    if end < n and doc[end].text == "," and any(
            c.dep_ == "appos" and end < c.i <= end + 8 and doc[c.i - 1].text != "-"
            and (c.lower_ in COMPANY_NOUNS or c.lower_ in MEDIA_NOUNS) for c in root.children):
        return 2  # "Adidas, the sportswear maker"
    if end < n and doc[end].text == "," and any(
            c.dep_ == "appos" and end < c.i <= end + 8 and c.lower_ in WEB_NOUNS
            and any(m.lower_ in WEB_MODIFIERS for m in c.children if m.i < c.i) for c in root.children):
        return 2  # "Gab, a social media site"; not "Reichenau Island, a World Heritage site"
    if not weak:
        return 0
    if prev in TELL_VERBS and root.dep_ in ("dobj", "dative", "obj") or prev == "to" and prev2 == "according":
        return 1  # "told Der Spiegel", "according to Handelsblatt"
    if prev == "for" and prev2 in SPOKESPEOPLE and root.dep_ == "pobj":
        return 1  # "a spokesman for Haribo"
    if nxt in STAFF_NOUNS and root.dep_ == "compound":
        return 1  # "Krones workers"
    if root.dep_ == "nsubj" and root.head.lemma_ == "report" and root.head.i == end:
        return 1  # "Der Spiegel reported"
    return 0


def _list_cue(doc: Doc, token: Token) -> int:
    """The strong cue of the head of the list the token belongs to: one cue types every member
    ("the airlines Emirates and Etihad"); the head must be a name too ("Adidas shares and Puma")."""
    first = token
    while first.dep_ == "conj" and first.head.i < first.i:
        first = first.head
    if first is token or not first.ent_type_ or first.ent_type_ not in ("PERSON", "ORG", "GPE", "LOC"):
        return 0
    head = entity_at(doc, first.i)
    if head is None:
        return 0
    if head.end >= len(doc) or doc[head.end].text not in (",", "and"):
        return 0
    return 2 if _org_cue(doc, head.start, head.end, False) == 2 else 0


def _span(doc: Doc, m: Mention, tokens: Tokens | None) -> Span | None:
    """doc.char_span(m.start, m.end, alignment_mode="expand"), by bisection in ``tokens`` if read."""
    if tokens is None:
        return doc.char_span(m.start, m.end, alignment_mode="expand")
    ids = tokens.expanded(m.start, m.end)
    return None if ids is None else doc[ids.start:ids.stop]


def retype_by_org_cues(doc: Doc, out: list[Mention], person_words: frozenset[str],
                       tokens: Tokens | None = None) -> None:
    """Retype as ORG the person or place names (unknown to the table) that the article uses as a news
    outlet or a company, unless a mention has a person's evidence (a title, "who", the surname of a
    longer person name). ``tokens``: the doc's, if read already (a mention's tokens are found there)."""
    cues: dict[str, int] = {}
    vetoed: set[str] = set()
    said: set[str] = set()  # a person's verb of saying weighs against a weak cue
    for m in out:
        if m.type not in ("PER", "LOC") or m.entry is not None:
            continue
        key = alias_key(m.text)
        if key in vetoed:
            continue  # for good: nothing another mention says flips it (a long body repeats names)
        span = _span(doc, m, tokens)
        if span is None:
            continue
        if m.tokens == 1 and key in person_words:
            vetoed.add(key)  # "Merkel" of "Angela Merkel"
            continue
        if follows_title(doc, span):
            vetoed.add(key)
            continue
        root = span.root  # once: spaCy walks the span's heads on every access
        if has_relative_clause(root) or any(c.dep_ == "appos" and alias_key(c.text) in PERSON_TITLES
                                            for c in root.children):
            vetoed.add(key)
            continue
        if cues.get(key) == 2:
            continue  # the strongest cue already: only a veto still matters
        words = m.text.split()
        # "according to Thomas Fatheuer": a weak cue needs a one-word name or a newspaper's article
        weak = m.tokens == 1 or words[0] in NAME_OPENING_ARTICLES
        cue = _org_cue(doc, span.start, span.end, weak, root)
        if not cue and root.dep_ == "conj":
            cue = _list_cue(doc, root)  # "... such as Yingli, Suntech and Trina"
        if cue:
            cues[key] = max(cues.get(key, 0), cue)
        elif m.type == "PER" and root.dep_ in ("nsubj", "nsubjpass") \
                and root.head.lemma_.lower() in SAY_VERBS_AGAINST_CUES:
            said.add(key)
    flip = {k for k, v in cues.items() if k not in vetoed and (v > 1 or k not in said)}
    if not flip:
        return
    for m in out:  # "Der Tagesspiegel" ... "Tagesspiegel"
        words = m.text.split()
        if len(words) == 2 and words[0] in NAME_OPENING_ARTICLES and alias_key(m.text) in flip:
            short = alias_key(words[1])
            if short not in vetoed:
                flip.add(short)
    for m in out:
        if m.type in ("PER", "LOC") and m.entry is None and alias_key(m.text) in flip:
            m.type, m.entry = "ORG", None


def org_is_person(doc: Doc, span: Span, surface: str, person_texts: frozenset[str]) -> bool:
    """A two- or three-word name tagged as an organisation with a person's evidence: a title or
    honorific before it ("striker Lukas Podolski"), or a verb of saying ("Winston Churchill said")
    where its last word is tagged as a person elsewhere ("Churchill"); organisations say things and
    are "who" too, and a name with an organisation's head word is left alone. ``person_texts``: the
    texts of the model's person entities."""
    words = surface.split()
    if not person_shaped(words, surface):
        return False
    if span.start > 0:
        prev = doc[span.start - 1]
        if prev.lower_ in HONORIFIC_TOKENS or prev.is_lower and alias_key(prev.text) in PERSON_TITLES:
            return True  # "striker Lukas Podolski", "Mr. Churchill"
    root = span.root
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_.lower() in SAY_VERBS:
        last = words[-1]  # newspapers and companies say things too: the surname must be a person elsewhere
        return last in person_texts
    return False


def _person_tags(doc: Doc, text: str, language: str, ents: Sequence[Span] | None) -> tuple[set[str], dict[str, int]]:
    """Keys of the full person names the model tagged, and one-word names: tagged as a person (+1)
    or otherwise (-1)."""
    full: set[str] = set()
    single: dict[str, int] = {}
    for e in doc.ents if ents is None else ents:  # doc.ents, if not read already
        label = LABEL_MAP.get(e.label_)
        if len(e) == 1:
            single[e.text] = single.get(e.text, 0) + (1 if label == "PER" else -1)
        if label != "PER":
            continue
        start, end = trim(text, e.start_char, e.end_char, language)
        if " " in text[start:end].strip():
            full.add(alias_key(text[start:end]))
    return full, single


def org_person_keys(doc: Doc, out: list[Mention], text: str, table: AliasTable, language: str,
                    ents: Sequence[Span] | None = None) -> set[str]:
    """Keys of the names the small model tags as an organisation in some places and that are persons:
    the model tags the same full name as a person elsewhere ("Rolf-Dieter Heuer"), or tags its last
    word alone as a person ("Duvalier"), or a mention has a person's apposition or relative clause
    ("Eli Shaked, a former ambassador", "X, who"). Names shaped like organisations (a head word, an
    article, a club's name, a town's name last: "Werder Bremen") are left alone."""
    tagged: tuple[set[str], dict[str, int]] | None = None  # read once a mention needs it: most articles have none
    keys: set[str] = set()
    for m in out:
        if m.type != "ORG" or m.entry is not None or not 2 <= m.tokens <= 3:
            continue
        key = alias_key(m.text)
        if key in keys:
            continue  # found already (a long body repeats names)
        words = m.text.split()
        if not person_shaped(words, m.text) or ends_with_place(m.text, table, language):
            continue
        if tagged is None:
            tagged = _person_tags(doc, text, language, ents)
        full, single = tagged
        if key in full or single.get(words[-1], 0) >= 2 and not exact_place(words[-1], table, language):
            keys.add(key)
            continue
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is None:
            continue
        for child in span.root.children:
            if child.i < span.end:
                continue
            if child.dep_ == "appos" and (alias_key(child.text) in PERSON_TITLES or child.lemma_.lower() in PERSON_TITLES):
                keys.add(key)  # "Ludwig Braun, the president of ..."
            elif child.dep_ in ("relcl", "acl:relcl") and any(t.lower_ in ENGLISH_RELATIVE_PRONOUNS
                                                               for t in child.children):
                keys.add(key)  # "Eli Shaked, who ..."
    return keys
