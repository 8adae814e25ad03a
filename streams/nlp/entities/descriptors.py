"""Definite descriptions of known organisations: "the alliance" after "NATO", "l'Alliance" after "l'OTAN".

Why: wire copy names a body once and then describes it ("NATO ministers met ... 'We stand together,'
the alliance said"). Without these mentions the quote has no speaker entity and an alert on NATO
misses it. The descriptions are a curated table (data/descriptors.tsv), a user's aliases file, and
the head word of a body's name ("the ministry", entities.py); a description counts only after the
article has named its entity, and only when no other entity of the article claims it.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from streams.nlp.entities.aliases import read_tsv
from streams.paths import DATA_DIR

DESCRIPTORS_FILE = DATA_DIR / "descriptors.tsv"

# The definite article a description takes: "the alliance", "l'Alliance", "le Fonds".
_ARTICLES = {
    "en": r"(?:[Tt]he)\s+",
    "fr": r"(?:[Ll]['\u2019]\s*|[Ll][ea]\s+)",
}


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


@functools.lru_cache(maxsize=256)
def _pattern(language: str, descriptor: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in descriptor.split())
    flags = 0 if any(ch.isupper() for ch in descriptor) else re.IGNORECASE
    article = _ARTICLES[language]
    # the article itself matches in either case; the case rule is the descriptor's
    return re.compile(rf"(?<![\w-]){article}({words})(?![\w-])", flags)


_INDEFINITE = {"en": r"(?:an?|another|one)", "fr": r"(?:une?|une autre|un autre|nouvelle?)"}


def _introductions(text: str, language: str, head: str) -> list[int]:
    """Offsets where the text introduces a thing of that kind ("a new alliance", "une alliance de
    partis"), in order: a description after one of them is not the named entity's."""
    pattern = rf"(?<!\w){_INDEFINITE[language]}\s+(?:[\w-]+\s+){{0,2}}{re.escape(head)}(?!\w)"
    return [m.start() for m in re.finditer(pattern, text, re.IGNORECASE)]


def shipped_descriptors(language: str, name: str) -> tuple[str, ...]:
    """The curated descriptions of an entity (by canonical English name) in a language."""
    return load_descriptors().get(((language or "").split("-")[0].lower(), name), ())


def find_descriptions(text: str, language: str, described: Mapping[str, tuple[int, Sequence[str]]]) -> list[Description]:
    """Descriptions in text of the entities named: canonical name -> (offset of its first mention,
    its descriptions in this language; see shipped_descriptors).

    A description before its entity's first mention is not taken (it could be another body), nor
    one that two of the article's entities could claim ("the bloc" with both the EU and ASEAN), nor
    one after the text introduced another thing of that kind ("an alliance of opposition parties").
    Linear in the text: one pass per description and per head word."""
    lang = (language or "").split("-")[0].lower()
    if lang not in _ARTICLES:
        return []
    claims: dict[str, set[str]] = {}  # a descriptor, and a head word alone, -> who could mean it
    for name, (_first, descriptors) in described.items():
        for descriptor in descriptors:
            words = descriptor.casefold().split()
            claims.setdefault(" ".join(words), set()).add(name)
            claims.setdefault(words[-1], set()).add(name)  # "the bloc": EU's, or ASEAN's "regional bloc"
    found: list[Description] = []
    taken = bytearray(len(text))  # characters already given to a description
    introduced: dict[str, list[int]] = {}
    for name, (first, descriptors) in described.items():
        for descriptor in sorted(set(descriptors), key=len, reverse=True):
            if len(claims[" ".join(descriptor.casefold().split())]) > 1:
                continue
            head = descriptor.split()[-1].casefold()
            if head not in introduced:
                introduced[head] = _introductions(text, lang, head)
            for match in _pattern(lang, descriptor).finditer(text):
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
