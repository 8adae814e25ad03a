"""Lenient text comparison for scoring: names, words, quote spans found in a body, overlaps."""

from __future__ import annotations

import difflib
import re

from streams.text import fold_loose, fold_with_map

__all__ = ["locate", "normalize_name", "span_overlap", "text_overlap", "word_tokens"]


def normalize_name(name: str | None) -> str:
    """Compare names leniently: casefold, strip diacritics, unify apostrophes, collapse spaces, trim punctuation."""
    if not name:
        return ""
    return fold_loose(name).strip(" .,;:!?\"'()[]")


def word_tokens(text: str) -> list[str]:
    """The folded words of a text."""
    return re.findall(r"\w+", fold_loose(text))


def _find_all(haystack: str, needle: str) -> list[int]:
    found, start = [], haystack.find(needle)
    while start != -1 and needle:
        found.append(start)
        start = haystack.find(needle, start + 1)
    return found


def locate(body: str, text: str) -> list[tuple[int, int]]:
    """Every span of body holding text: exact first, else after folding; [] when absent."""
    text = text.strip()
    if not text:
        return []
    exact = _find_all(body, text)
    if exact:
        return [(start, start + len(text)) for start in exact]
    folded_body, index = fold_with_map(body)
    folded_text = fold_loose(text)
    return [(index[start], index[start + len(folded_text) - 1] + 1) for start in _find_all(folded_body, folded_text)]


def span_overlap(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Shared characters over the longer span."""
    longer = max(a[1] - a[0], b[1] - b[0])
    if longer <= 0:
        return 0.0
    shared = min(a[1], b[1]) - max(a[0], b[0])
    return max(shared, 0) / longer


def text_overlap(a: str, b: str) -> float:
    """Longest common substring of the folded texts over the longer one (when no span is known)."""
    folded_a, folded_b = fold_loose(a), fold_loose(b)
    longer = max(len(folded_a), len(folded_b))
    if not longer:
        return 0.0
    matcher = difflib.SequenceMatcher(None, folded_a, folded_b, autojunk=False)
    return matcher.find_longest_match(0, len(folded_a), 0, len(folded_b)).size / longer
