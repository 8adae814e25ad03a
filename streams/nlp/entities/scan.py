"""Regex scans of long bodies: a pattern tried only where it can begin.

Why: ``finditer`` tries a pattern at every character, and a pattern that opens with a look-behind or
backtracks inside brackets ("(AFP, dpa)") costs far more per character than a cheap search for the
places it can start. The scans here give exactly the matches of ``finditer``, only faster.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# what may end the text before a byline or a sign-off: a sentence's end then a space, or a line break
_CLAUSE_END = re.compile(r"[.!?\"\u00bb\u201d\u2019)\]\n](?=\s)")


def matches_at(pattern: re.Pattern[str], text: str, starts: Iterable[int]) -> Iterator[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern that never matches empty and whose every match begins
    at one of ``starts`` (ascending; more, or repeated, are fine): tried there only, non-overlapping as finditer."""
    end = -1
    for at in starts:
        if at < end:
            continue
        match = pattern.match(text, at)
        if match is not None:
            yield match
            end = match.end()


def line_breaks(text: str) -> list[int]:
    """The offset of every line break."""
    return [match.start() for match in re.finditer("\n", text)]


def clause_starts(text: str) -> list[int]:
    """Where a byline or a sign-off may begin (vocabulary.BYLINE, SIGN_OFF): the text's start, after
    a line break, and after a sentence's end (or a closing bracket or quote) and one space."""
    found = {0}
    found.update(at + 1 for at in line_breaks(text))
    found.update(match.end() + 1 for match in _CLAUSE_END.finditer(text))
    return sorted(found)


def starts_of(pattern: re.Pattern[str], text: str) -> list[int]:
    """Where ``pattern`` (a cheap over-approximation of the real one, often zero-width) matches."""
    return [match.start() for match in pattern.finditer(text)]
