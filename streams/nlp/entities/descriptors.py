"""Definite descriptions of known organisations: "the alliance" after "NATO", "l'Alliance" after "l'OTAN".

Why: wire copy names a body once and then describes it ("NATO ministers met ... 'We stand together,'
the alliance said"). Without these mentions the quote has no speaker entity and an alert on NATO
misses it. The descriptions are a curated table (data/descriptors.tsv), a user's aliases file, and
the head word of a body's name ("the ministry", lang/<code>/head-descriptors.txt); a description
counts only after the article has named its entity, and only when no other entity of the article
claims it.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.lang import words
from streams.nlp.entities.aliases import read_tsv
from streams.nlp.entities.records import Group, Mention, mention_of
from streams.nlp.entities.salience import is_in_headline
from streams.nlp.entities.scan import matches_at, starts_of
from streams.paths import DATA_DIR

DESCRIPTORS_FILE = DATA_DIR / "descriptors.tsv"

# The definite article a description takes: "the alliance", "l'Alliance", "le Fonds": its first
# letter (either case) and the rest, apart so that a scan can jump from one such letter to the next.
_ARTICLE_PARTS = {
    "en": ("Tt", r"he\s+"),
    "fr": ("Ll", r"['\u2019]\s*|[ea]\s+"),
}
_ARTICLES = {language: rf"[{first}](?:{rest})" for language, (first, rest) in _ARTICLE_PARTS.items()}


@dataclass(frozen=True)
class Description:
    """A description found in a text: [start, end) covers the words after the article."""

    start: int
    end: int
    name: str  # the canonical English name of the entity it describes


@functools.lru_cache(maxsize=1)
def load_descriptors(path: Path = DESCRIPTORS_FILE) -> Mapping[tuple[str, str], tuple[str, ...]]:
    """(language, canonical name) -> descriptions, longest first."""
    table: dict[tuple[str, str], list[str]] = {}
    for row in read_tsv(path):
        words = [d.strip() for d in row.get("descriptors", "").split("|") if d.strip()]
        table.setdefault((row["language"].strip(), row["name"].strip()), []).extend(words)
    return {key: tuple(sorted(set(v), key=len, reverse=True)) for key, v in table.items()}


def _words(descriptor: str) -> str:
    return r"\s+".join(re.escape(w) for w in descriptor.split())


@functools.lru_cache(maxsize=256)
def _pattern(language: str, descriptor: str) -> re.Pattern[str]:
    flags = 0 if any(ch.isupper() for ch in descriptor) else re.IGNORECASE
    article = _ARTICLES[language]
    # the article itself matches in either case; the case rule is the descriptor's
    return re.compile(rf"(?<![\w-]){article}({_words(descriptor)})(?![\w-])", flags)


def _description_starts(text: str, language: str, descriptors: Sequence[str]) -> list[int]:
    """Every offset where one of the descriptions may match (in any case: more is fine), found in
    one pass for all: a pass per description made the stage quadratic, as long bodies name more
    bodies. The article's first letter opens the pattern, so the scan jumps between those letters."""
    first, rest = _ARTICLE_PARTS[language]
    either = "|".join(sorted({_words(d) for d in descriptors}))
    return starts_of(re.compile(rf"[{first}](?<![\w-].)(?i:(?=(?:{rest})(?:{either})(?![\w-])))"), text)


# The indefinite phrases that introduce another thing of a kind ("an alliance", "une autre
# alliance"), each a regex opening with a letter.
_INDEFINITE_WORDS = {"en": ("an?", "another", "one"), "fr": ("une?", "une autre", "un autre", "nouvelle?")}
_INDEFINITE = {language: "(?:" + "|".join(words) + ")" for language, words in _INDEFINITE_WORDS.items()}


@functools.lru_cache(maxsize=256)
def _introduction(language: str, heads: str) -> re.Pattern[str]:
    """An indefinite article, up to two words, then one of the head words (a regex alternation)."""
    return re.compile(rf"(?<!\w){_INDEFINITE[language]}\s+(?:[\w-]+\s+){{0,2}}{heads}(?!\w)", re.IGNORECASE)


def _introductions(text: str, language: str, head: str, starts: Sequence[int]) -> list[int]:
    """Offsets where the text introduces a thing of that kind ("a new alliance", "une alliance de
    partis"), in order: a description after one of them is not the named entity's. ``starts``:
    where an introduction of any head word begins (_introduction_starts)."""
    return [m.start() for m in matches_at(_introduction(language, re.escape(head)), text, starts)]


def _introduction_starts(text: str, language: str, heads: Iterable[str]) -> list[int]:
    """Where an introduction of one of the head words begins, all heads in one pass. The phrase's
    first letter opens the pattern, so the scan jumps between those letters; the rest of each
    phrase is matched after a look back at that letter."""
    rests: dict[str, list[str]] = {}
    for phrase in _INDEFINITE_WORDS[language]:
        rests.setdefault(phrase[0].lower(), []).append(phrase[1:])
    letters = "".join(letter + letter.upper() for letter in rests)
    indefinite = "|".join(f"(?<={letter})(?:{'|'.join(rest)})" for letter, rest in rests.items())
    either = "|".join(sorted(re.escape(h) for h in heads))
    tail = rf"\s+(?:[\w-]+\s+){{0,2}}(?:{either})(?!\w)"
    return starts_of(re.compile(rf"[{letters}](?<!\w.)(?i:(?=(?:{indefinite}){tail}))"), text)


def shipped_descriptors(language: str, name: str) -> tuple[str, ...]:
    """The curated descriptions of an entity (by canonical English name) in a language."""
    return load_descriptors().get(((language or "").split("-")[0].lower(), name), ())


def find_descriptions(text: str, language: str, described: Mapping[str, tuple[int, Sequence[str]]]) -> list[Description]:
    """Descriptions in text of the entities named: canonical name -> (offset of its first mention,
    its descriptions in this language; see shipped_descriptors).

    A description before its entity's first mention is not taken (it could be another body), nor
    one that two of the article's entities could claim ("the bloc" with both the EU and ASEAN), nor
    one after the text introduced another thing of that kind ("an alliance of opposition parties").
    Linear in the text: one pass for every description, one for every head word."""
    lang = (language or "").split("-")[0].lower()
    if lang not in _ARTICLES:
        return []
    claims: dict[str, set[str]] = {}  # a descriptor, and a head word alone, -> who could mean it
    for name, (_first, descriptors) in described.items():
        for descriptor in descriptors:
            words = descriptor.casefold().split()
            claims.setdefault(" ".join(words), set()).add(name)
            claims.setdefault(words[-1], set()).add(name)  # "the bloc": EU's, or ASEAN's "regional bloc"
    every = [d for _first, descriptors in described.values() for d in descriptors]
    if not every:
        return []
    starts = _description_starts(text, lang, every)  # where any may be; each is then tried there only
    intro_starts = _introduction_starts(text, lang, {d.split()[-1].casefold() for d in every})
    found: list[Description] = []
    taken = bytearray(len(text))  # characters already given to a description
    introduced: dict[str, list[int]] = {}
    for name, (first, descriptors) in described.items():
        for descriptor in sorted(set(descriptors), key=len, reverse=True):
            if len(claims[" ".join(descriptor.casefold().split())]) > 1:
                continue
            head = descriptor.split()[-1].casefold()
            if head not in introduced:
                introduced[head] = _introductions(text, lang, head, intro_starts)
            for match in matches_at(_pattern(lang, descriptor), text, starts):
                start, end = match.span(1)
                if start <= first or any(taken[start:end]):
                    continue
                intros = introduced[head]
                i = bisect_right(intros, max(first, 0))
                if i < len(intros) and intros[i] < start:
                    continue  # "an alliance of opposition parties ... the alliance said": not NATO
                taken[start:end] = b"\x01" * (end - start)
                found.append(Description(start, end, name))
    return sorted(found, key=lambda d: d.start)


@functools.lru_cache(maxsize=8)
def _head_descriptors(language: str) -> frozenset[str]:
    return words(language, "head-descriptors")


def head_descriptor(name: str, language: str) -> str | None:
    """"ministry" for "Russian Ministry of Defence", "commission" for "European Commission",
    "ministère" for "ministère des Armées": the head word of a body's name, if it is a descriptor."""
    heads = _head_descriptors(language)
    name_words = name.split()
    if not heads or len(name_words) < 2:
        return None
    linker = next((i for i, w in enumerate(name_words) if w.casefold() in ("of", "for")), 0)
    candidates = [name_words[linker - 1]] if linker > 0 else []
    candidates += [name_words[0], name_words[-1]] if language == "fr" else [name_words[-1]]
    for word in candidates:
        if word.casefold() in heads:
            return word.casefold()
    return None


def add_descriptions(groups: list[Group], text: str, language: str, headline_key: str,
                     headline_names: list[Mention]) -> list[Group]:
    """"the alliance" after "NATO", "l'Alliance" after "l'OTAN", "the ministry" after "Defence
    Ministry" join the body they describe; a group the model made of such descriptions alone
    ("Alliance" as MISC) is folded into it. An entity the headline names is named before the whole
    body, even one the body only describes ("NATO: …" over "the alliance said")."""
    named: dict[str, Group] = {}
    for g in groups:  # bodies, and any entity a user's aliases file gives descriptions
        if g.type == "ORG" or g.entry is not None and g.entry.descriptors:
            named.setdefault(g.entry.name if g.entry is not None else max(g.mentions, key=lambda m: m.tokens).text, g)
    for m in headline_names:
        entry = m.entry
        if entry is not None and entry.name not in named and (
                shipped_descriptors(language, entry.name) or entry.descriptors):
            named[entry.name] = Group(entry.type, entry=entry)  # no mention in the body yet
    if not named:
        return groups
    described = {}
    for name, g in named.items():
        descriptors = tuple(d for lang, d in g.entry.descriptors if lang == language) if g.entry is not None else ()
        if g.entry is not None:
            descriptors += shipped_descriptors(language, name)
        if g.type == "ORG":
            forms = sorted({m.text for m in g.mentions}, key=len, reverse=True) + ([name] if language == "en" else [])
            head = next((h for h in (head_descriptor(f, language) for f in forms) if h), None)
            descriptors += (head,) if head else ()
        if descriptors:
            forms = [m.text for m in g.mentions] + (list(g.entry.aliases) if g.entry is not None else [])
            in_head = bool(headline_key) and is_in_headline(headline_key, forms)
            described[name] = (-1 if in_head or not g.mentions else g.first, descriptors)
    found = find_descriptions(text, language, described)
    if not found:
        return groups
    described_names = {d.name for d in found}  # a headline's body the text describes becomes a group
    groups = groups + [g for name, g in named.items() if not g.mentions and name in described_names]
    starts = [d.start for d in found]  # sorted, and the descriptions do not overlap

    def described_at(start: int, end: int) -> bool:
        i = bisect_right(starts, start) - 1
        return i >= 0 and found[i].end >= end

    # the model's own "Alliance" (MISC, or a gazetteer town of that name) is the description
    kept = [g for g in groups if not ((g.entry is None or g.entry.population)
                                      and all(described_at(m.start, m.end) for m in g.mentions))]
    occupied = bytearray(len(text))  # characters of the other names the article gives
    for g in kept:
        for m in g.mentions:
            occupied[m.start:m.end] = b"\x01" * (m.end - m.start)
    for d in found:
        target = named[d.name]
        if any(occupied[d.start:d.end]):
            continue  # part of another name the article gives
        target.mentions.append(mention_of(d.start, d.end, text[d.start:d.end], target.type, target.entry))
    return [g for g in kept if g.mentions]  # a headline's body whose descriptions were all taken: none
