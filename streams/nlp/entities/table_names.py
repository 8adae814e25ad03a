"""The alias table in the text: which entry a span takes, and the table's names found by scanning
the tokens (for names the model missed, and for pipelines without NER)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import repeat

import numpy as np
from spacy.tokens import Doc

from streams.nlp.entities.aliases import AliasEntry, AliasTable, alias_key
from streams.nlp.entities.name_shapes import is_acronym
from streams.nlp.entities.records import Mention, SpanIndex, Tokens, mention_of
from streams.nlp.entities.scan import matches_at

_ZONE_CITY = re.compile(r"(?:(?<=[|\n])|(?<=UTC)|^)\s*([A-Z][\w.'\-]*(?: [A-Z][\w.'\-]*){0,2}) UTC ?[+-]?\s?\d")


def _compatible(entry: AliasEntry, type_: str, surface: str, language: str) -> bool:
    """May a span spaCy typed `type_` take this table entry? Places are often typed ORG by metonymy
    ("Russia said"); organisation acronyms ("CD&V") and long names typed as places are fine; a lone
    ordinary English word typed as a place is not a company ("Amazon" the river, "Shell" the beach),
    but the French model types bodies and outlets as places: there the table's exact name holds
    ("Sénat", "Franceinfo")."""
    if entry.type == type_ or type_ == "MISC":
        return True
    if entry.type == "LOC" and type_ == "ORG":
        return True
    if entry.type == "ORG" and type_ == "LOC":  # "Snes-FSU": an acronym in a hyphenated name too
        return (any(is_acronym(part.replace("&", "")) for part in surface.split("-")) or len(surface.split()) > 1
                or language == "fr" and surface in entry.aliases)
    return False


def table_entry(table: AliasTable, surface: str, language: str, type_: str,
                person_words: frozenset[str], city_places: frozenset[str] = frozenset()) -> AliasEntry | None:
    """The table's entry for a span the model typed ``type_``, or None; a gazetteer town only where
    the article uses its name as a place (``city_places``)."""
    hint = None if type_ == "MISC" else type_
    entry = table.lookup(surface, language, hint)
    if entry is not None and entry.population and (surface not in entry.aliases
                                                    or alias_key(surface) not in city_places):
        entry = None  # a gazetteer town: its exact name, where the article uses it as a place
    if entry is not None and not _compatible(entry, type_, surface, language):
        entry = None
    if entry is None and type_ == "PER" and alias_key(surface) not in person_words:
        # the small models often tag a lone place or company name as a person ("Moscou a
        # refusé", "on Twitter"): trust an exact, case-sensitive table name
        candidate = table.lookup(surface, language)
        if candidate is not None and surface in candidate.aliases and (
                alias_key(surface) in city_places if candidate.population
                else " " not in surface or candidate.type == "ORG"):
            entry = candidate
    if entry is None and type_ in ("ORG", "LOC", "MISC") and " " in surface:
        # a known person's full name the model tagged as something else ("Vladimir Poutine" as ORG)
        candidate = table.lookup(surface, language, "PER")
        if candidate is not None and surface in candidate.aliases:
            entry = candidate
    if entry is not None and type_ == "MISC" and entry.type == "LOC":
        entry = None  # "American", "French": a demonym is not the place
    if entry is not None and surface.islower() and surface not in entry.aliases:
        entry = None  # "democrats" is not a party unless the table writes it in lower case ("dpa")
    return entry


def scan_index(table: AliasTable) -> tuple[dict[str, AliasEntry], dict[str, int]]:
    """Exact, case-sensitive surface -> entry index (and first word -> longest length in words)."""
    cached = getattr(table, "_ww_scan_index", None)
    if cached is None:
        index: dict[str, AliasEntry] = {}
        firsts: dict[str, int] = {}
        for surface, entry in table.surfaces(min_length=2):
            if entry.population:
                continue  # a town's name the model did not tag is more often a word or a person ("Spring", "Most")
            letters = surface.replace(".", "")
            if not surface[:1].isupper() or (len(letters) <= 3 and not letters.isupper()):
                continue
            index.setdefault(surface, entry)
            words = surface.split()
            first = re.split(r"[-'\u2019]", words[0])[0] if len(words) == 1 else words[0]
            firsts[first] = max(firsts.get(first, 0), len(words) + 3)
            firsts[words[0]] = max(firsts.get(words[0], 0), len(words) + 3)
        cached = (index, firsts)
        table._ww_scan_index = cached
    return cached


# a doc this short (a headline) is read token by token: the arrays' fixed cost is more than its words'
_SMALL_DOC = 64


def scan_tokens(doc: Doc, table: AliasTable, tokens: Tokens | None = None) -> list[Mention]:
    """Table names found token by token (longest first), case-sensitive; ``tokens``: the doc's, if
    already read."""
    index, firsts = scan_index(table)
    if tokens is None and len(doc) <= _SMALL_DOC:
        orths, starts = [t.text for t in doc], [t.idx for t in doc]
        widths = [firsts.get(word, 0) for word in orths]
        return _scan(index, doc.text, orths, starts, widths, [at for at, width in enumerate(widths) if width])
    tokens = Tokens.read(doc) if tokens is None else tokens
    # how many words a name opened by each distinct word may have (every word in firsts opens with a
    # capital): only the tokens that may open one are visited, not every word of a long body
    widths = np.fromiter(map(firsts.get, tokens.words, repeat(0)), dtype=np.int64, count=len(tokens.words))
    token_widths = widths[tokens.which]
    return _scan(index, tokens.text, tokens.orth, tokens.idx, token_widths, np.flatnonzero(token_widths).tolist())


def _scan(index: dict[str, AliasEntry], text: str, orths: list[str], starts: list[int], widths: Sequence[int],
          openers: list[int]) -> list[Mention]:
    """The longest table name at each opener (ascending; ``widths``: each token's most words), none
    overlapping."""
    out: list[Mention] = []
    n = len(orths)
    i = 0  # the first token not inside a name found
    for at in openers:
        if at < i:
            continue
        for size in range(min(int(widths[at]), n - at), 0, -1):
            end = starts[at + size - 1] + len(orths[at + size - 1])
            surface = text[starts[at]:end]
            entry = index.get(surface)
            if entry is not None:
                out.append(mention_of(starts[at], end, surface, entry.type, entry))
                i = at + size
                break
    return out


def scan_is_safe(doc: Doc, mention: Mention) -> bool:
    """A table name spaCy missed is kept when it cannot be an ordinary capitalised word."""
    letters = mention.text.replace(".", "")
    if letters.isupper() and len(letters) >= 2:
        return True
    if mention.tokens > 1:
        return True
    span = doc.char_span(mention.start, mention.end)
    if span is None:
        return False
    first = span[0]
    return not (first.is_sent_start or first.i == 0 or doc[first.i - 1].is_punct or doc[first.i - 1].is_space)


def _zone_list_starts(text: str) -> list[int]:
    """Where a _ZONE_CITY match may begin (its look-behinds): the start, after "|", a line break or
    "UTC"; its finditer tried every character."""
    return sorted({0} | {match.end() for match in _ZONE_LIST_MARK.finditer(text)})


_ZONE_LIST_MARK = re.compile(r"[|\n]|UTC")


def zone_cities(text: str, table: AliasTable, language: str, covered: SpanIndex) -> list[Mention]:
    """Cities of a broadcast schedule's time-zone list ("Lagos UTC +1 | Cape Town UTC +2"), which
    the model reads as one run of capitals; only names the table knows as places."""
    out = []
    for match in matches_at(_ZONE_CITY, text, _zone_list_starts(text)):
        start, end = match.span(1)
        entry = table.lookup(match.group(1), language)
        if entry is None or entry.type != "LOC" or covered.overlapping(start, end):
            continue
        out.append(mention_of(start, end, match.group(1), "LOC", entry))
    return out
