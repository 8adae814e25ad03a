"""French acronyms spelled out in lower case name things, not actors.

Why: French writes a body's name with a capital ("Ligue de football professionnel (LFP)") but a
procedure, a tax or a measure in lower case ("comparution avec reconnaissance préalable de
culpabilité (CRPC)", "le RIC [référendum d'initiative citoyenne]", "«RIC», un référendum
d'initiative citoyenne"); the small model tags those acronyms as organisations. The English rule
(cleaning.common_noun_acronyms) reads the case of every word; in French only the first one tells.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from streams.nlp.entities.name_shapes import initials, is_acronym
from streams.nlp.entities.records import Mention, SpanIndex

_REACH = 120  # characters either side of the acronym where its spelling-out may be
_WORD = re.compile(r"[^\W\d_][\w'-]*")
_ELIDED = re.compile(r"^[^\W\d_]'(?=\w)")  # "d'initiative": the initial is the i
_ARTICLE = re.compile(r"(?:un|une|le|la|les|des|du|l')$", re.IGNORECASE)


def _words(text: str) -> list[str]:
    return [_ELIDED.sub("", w) for w in _WORD.findall(text)]


def _spelled_from(words: list[str], acronym: str) -> bool:
    """Whether the words, from the first on, spell the acronym and open in lower case (the first
    word gives the first letter: "par la Ligue de football professionnel" does not spell LFP)."""
    if not words or not initials(words[0]):
        return False
    for size in range(1, min(len(words), 3 * len(acronym)) + 1):
        found = initials(" ".join(words[:size]))
        if found == acronym:
            return words[0][:1].islower() and not _ARTICLE.match(words[0])
        if not acronym.startswith(found):
            return False
    return False


_AFTER = re.compile(r"[\s\u00a0\u00bb\u201d\"),:\[(-]*")
_MARKS = frozenset("\u00bb\u201d\"),:[(-")


def _spelled_out(text: str, start: int, end: int, acronym: str) -> bool:
    """The lower-case words right before the acronym's bracket, or right after it (past brackets,
    quotes, a comma and an article), spell it."""
    if text[max(0, start - 2):start].strip(" \u00a0").endswith("("):
        words = _words(text[max(0, start - _REACH):start].rstrip(" \u00a0([\u00ab\""))
        for size in range(len(acronym), min(len(words), 3 * len(acronym)) + 1):
            if _spelled_from(words[-size:], acronym) and initials(" ".join(words[-size:])) == acronym:
                return True
    after = _AFTER.match(text, end, end + _REACH)
    if after is None or not _MARKS.intersection(after.group()):
        return False  # "le RIC divise": no bracket, quote or comma, no spelling-out
    rest = _words(text[after.end():end + _REACH])
    if rest and _ARTICLE.match(rest[0]):
        rest = rest[1:]
    return bool(rest) and _spelled_from(rest, acronym)


# what is_acronym may accept, as written: \b[A-Z][A-Z.]*[A-Z]\b, with the first \b checked after the
# first capital so that the scan jumps from capital to capital
_CAPITALS = re.compile(r"[A-Z](?<!\w.)[A-Z.]*[A-Z]\b")
_DEFINED = re.compile(r"\(([A-Z]{2,6})\)")


def untagged_term_phrases(text: str, tagged: set[str], known: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Where the words of "Produit intérieur brut (PIB)" are: an acronym neither the model nor the
    alias table (``known``) takes for a name, spelled out by a capital and then lower-case words
    only, names a thing ("Ligue de football professionnel (LFP)" has the same shape, but its
    acronym is a body's)."""
    out = []
    for hit in _DEFINED.finditer(text):
        acronym = hit.group(1)
        if acronym in tagged or known(acronym):
            continue
        before = text[max(0, hit.start() - _REACH):hit.start()]
        spans = [(w.start(), w.end()) for w in _WORD.finditer(before)]
        for size in range(len(acronym), min(len(spans), 3 * len(acronym)) + 1):
            phrase = before[spans[-size][0]:spans[-1][1]]
            words = _words(phrase)
            if initials(" ".join(words)) != acronym:
                continue
            if words[0][:1].isupper() and all(w[:1].islower() for w in words[1:]):
                offset = hit.start() - len(before)
                out.append((offset + spans[-size][0], offset + spans[-1][1]))
            break
    return out


def term_acronyms(text: str, mentions: list[Mention], known: Callable[[str], bool]) -> list[Mention]:
    """Drop the mentions of acronyms the article spells out in lower case, and those inside the
    spelling-out of an acronym the model did not tag (no table name is dropped)."""
    acronyms = {m.text for m in mentions if m.entry is None and is_acronym(m.text)}
    terms: set[str] = set()
    if acronyms:  # one scan of the body for all of them: linear on long bodies
        for hit in _CAPITALS.finditer(text):
            word = hit.group()
            if word in acronyms and word not in terms and _spelled_out(text, hit.start(), hit.end(), word):
                terms.add(word)
    phrases = SpanIndex(untagged_term_phrases(text, {m.text for m in mentions}, known))
    return [m for m in mentions if m.entry is not None
            or m.text not in terms and not phrases.contains(m.start, m.end)]
