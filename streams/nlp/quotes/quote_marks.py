"""Where the quotations are, from the quotation marks alone (any language, no parse needed).

Kept apart from attribution because it is pure text processing: it pairs « », “ ”, „ “,
" ", ‘ ’ and ‹ › within each paragraph, closes a mark left open at the paragraph end, joins
hard-wrapped lines and flags quotes that reopen in the next paragraph. Everything else in the
quotes stage starts from the spans found here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = [
    "CLOSING_MARKS",
    "LINE_RE",
    "MARKS",
    "SPACE_CHARS",
    "QuoteSpan",
    "find_quote_spans",
    "is_space",
    "line_spans",
    "segment_quotes",
    "trim",
]

SPACE_CHARS = " \t\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u3000\ufeff"
_DOUBLE_OPENERS = frozenset("«“„\"”")
_SINGLE_OPENERS = frozenset("‹‘")
MARKS = frozenset("«»‹›“”„\"‘’")
CLOSING_MARKS = "»”\"’›"
_MARKS_RE = re.compile("[«»‹›“”„\"‘’]")
# A line: up to a newline, or up to a run of three or more spaces after the end of a sentence,
# which is how scraped copy often joins its paragraphs ('…gérer».    «On attend…').
LINE_RE = re.compile(r"[^\n \t\u00a0](?:[^\n \t\u00a0]|[ \t\u00a0](?![ \t\u00a0]{2})|(?<![.!?…»\"”])[ \t\u00a0]{3,})*")
_OPEN_PUNCT = "([{—–-/:;,"


@lru_cache(maxsize=2)
def line_spans(body: str) -> tuple[tuple[int, int], ...]:
    """The lines of a body (LINE_RE's matches) as offsets: the segmentation and the article
    index both need them, and the regex steps through the body character by character."""
    return tuple((m.start(), m.end()) for m in LINE_RE.finditer(body))


@dataclass
class QuoteSpan:
    """A top-level quotation found from the marks: content offsets and how it was closed."""

    start: int  # first character of the quoted words
    end: int  # one past the last quoted character
    open_at: int  # offset of the opening mark
    close_at: int | None  # offset of the closing mark, None if closed by the paragraph end
    paragraph: int  # index of the paragraph (line) holding it
    single: bool = False  # opened with a single mark (‘ or ‹) at top level
    continues: bool = False  # reopens a quote left open at the end of the previous paragraph
    dialogue: bool = False  # a line of dialogue opened by a dash ('— Vous étiez là ?')


def is_space(ch: str) -> bool:
    return ch in SPACE_CHARS


def _left_ok(text: str, i: int, lo: int) -> bool:
    """An opening mark: at the start, or after a space or opening punctuation."""
    return i == lo or is_space(text[i - 1]) or text[i - 1] in _OPEN_PUNCT or text[i - 1] in MARKS


def _pair_paragraph(text: str, lo: int, hi: int) -> list[tuple[int, int | None, bool]]:
    """Pair the marks of one paragraph; return top-level (open_at, close_at|None, single)."""
    stack: list[tuple[str, int]] = []
    out: list[tuple[int, int | None, bool]] = []

    def close(idx: int, at: int) -> None:
        opener, pos = stack[idx]
        del stack[idx:]
        if not stack:
            out.append((pos, at, opener in _SINGLE_OPENERS))

    def find(chars: str) -> int:
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] in chars:
                return k
        return -1

    for m in _MARKS_RE.finditer(text, lo, hi):
        i = m.start()
        ch = text[i]
        nxt = text[i + 1] if i + 1 < hi else ""
        prv = text[i - 1] if i > lo else ""
        closing_flank = bool(prv) and not is_space(prv) and (not nxt or not nxt.isalnum())
        if ch in "«‹„":
            stack.append((ch, i))
        elif ch == "»":
            k = find("«")
            if k >= 0:
                close(k, i)
        elif ch == "›":
            k = find("‹")
            if k >= 0:
                close(k, i)
        elif ch == "“":
            if stack and stack[-1][0] == "„":
                close(len(stack) - 1, i)
            elif stack and stack[-1][0] == "“" and closing_flank:
                close(len(stack) - 1, i)
            else:
                stack.append((ch, i))
        elif ch == "”":
            k = find("“„”\"")
            if k >= 0:
                close(k, i)
            elif _left_ok(text, i, lo) and nxt and not is_space(nxt):
                stack.append((ch, i))
        elif ch == '"':
            k = find('"')
            if k >= 0:
                close(k, i)
            elif nxt and not is_space(nxt) and (_left_ok(text, i, lo) or not prv.isalnum()
                                                   or nxt.isalpha()):
                stack.append((ch, i))
            elif closing_flank and find("“„«") >= 0:
                close(find("“„«"), i)  # mixed marks: “words" or «words"
        elif ch == "‘":
            if (not prv or not prv.isalnum()) and nxt and not is_space(nxt):
                stack.append((ch, i))
        elif ch == "’":
            k = find("‘")
            if k >= 0 and prv and not is_space(prv) and (not nxt or not nxt.isalpha()):
                close(k, i)
    # Whatever is still open is closed by the end of the paragraph (double marks only).
    if stack and stack[0][0] in _DOUBLE_OPENERS:
        out.append((stack[0][1], None, False))
    out.sort()
    return out


def trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and is_space(text[a]):
        a += 1
    while b > a and (is_space(text[b - 1]) or text[b - 1] == ","):
        b -= 1
    return a, b


def segment_quotes(body: str) -> tuple[list[tuple[int, int]], list[QuoteSpan]]:
    """Paragraphs (as offsets) and the top-level quotations in them.

    Paragraphs are lines; a line that leaves a quote open is joined to the next one when the
    break is a single newline and the next line does not reopen the quote (a hard wrap inside
    a sentence), so that the closing mark is found there.
    """
    lines = line_spans(body)
    units: list[tuple[int, int]] = []
    pairs: list[list[tuple[int, int | None, bool]]] = []
    k = 0
    while k < len(lines):
        lo, hi = lines[k]
        got = _pair_paragraph(body, lo, hi)
        joined = 0
        while (joined < 3 and got and got[-1][1] is None and k + 1 < len(lines)
               and body[hi:lines[k + 1][0]] == "\n"):
            nlo, nhi = lines[k + 1]
            first = nlo
            while first < nhi and is_space(body[first]):
                first += 1
            if first < nhi and body[first] in _DOUBLE_OPENERS:
                break
            retry = _pair_paragraph(body, lo, nhi)
            if not any(p[0] == got[-1][0] and p[1] is not None for p in retry):
                break
            got, hi = retry, nhi
            k += 1
            joined += 1
        units.append((lo, hi))
        pairs.append(got)
        k += 1
    spans: list[QuoteSpan] = []
    prev_open = False
    for paragraph, ((lo, hi), got) in enumerate(zip(units, pairs)):
        first = lo
        while first < hi and is_space(body[first]):
            first += 1
        open_at_end = False
        for open_at, close_at, single in got:
            a, b = trim(body, open_at + 1, close_at if close_at is not None else hi)
            if close_at is None:
                open_at_end = True
            if b <= a:
                continue
            spans.append(QuoteSpan(a, b, open_at, close_at, paragraph, single,
                                   continues=prev_open and open_at == first))
        prev_open = open_at_end
    spans.extend(_dialogue_spans(body, units, spans))
    spans.sort(key=lambda sp: sp.open_at)
    return units, spans


_DIALOGUE_DASHES = "—–―"
_OPEN_MARKS_RE = re.compile("[«»‹›“”„\"‘]")  # quotation marks, not the apostrophe ’
_DIALOGUE_END = ".?!…"


def _dialogue_turns(body: str, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """'— Vous étiez là ? — Non.': a paragraph opened by a long dash and a space, cut into
    turns at each further dash after a sentence end; every turn ends a sentence and holds no
    quotation marks. Returns (dash offset, text start, text end) per turn, or [] if not so."""
    a = lo
    while a < hi and is_space(body[a]):
        a += 1
    if a + 2 >= hi or body[a] not in _DIALOGUE_DASHES or not is_space(body[a + 1]):
        return []
    dashes = [a]
    for i in range(a + 2, hi - 1):
        if body[i] in _DIALOGUE_DASHES and is_space(body[i - 1]) and is_space(body[i + 1]):
            j = i - 1
            while j > a and is_space(body[j]):
                j -= 1
            if body[j] in _DIALOGUE_END:
                dashes.append(i)
    turns = []
    for k, d in enumerate(dashes):
        end = dashes[k + 1] if k + 1 < len(dashes) else hi
        ta, tb = trim(body, d + 1, end)
        if tb <= ta or body[tb - 1] not in _DIALOGUE_END:
            return []
        if _OPEN_MARKS_RE.search(body, ta, tb) or len(body[ta:tb].split()) < 2:
            return []
        turns.append((d, ta, tb))
    return turns


def _dialogue_spans(body: str, units: list[tuple[int, int]],
                    spans: list[QuoteSpan]) -> list[QuoteSpan]:
    """Dialogue set out with dashes, one speaker turn after another, in one paragraph or in
    adjacent ones: an exchange, so at least one question and one reply (dashed lists of
    facts or of prize winners are no speech)."""
    found = [_dialogue_turns(body, lo, hi) for lo, hi in units]
    out: list[QuoteSpan] = []
    paragraph = 0
    while paragraph < len(found):
        if not found[paragraph]:
            paragraph += 1
            continue
        run = paragraph
        while run < len(found) and found[run]:
            run += 1
        turns = [(p, t) for p in range(paragraph, run) for t in found[p]]
        asks = [body[b - 1] == "?" for _, (_, _, b) in turns]
        if len(turns) > 1 and any(asks) and not all(asks):
            out.extend(QuoteSpan(a, b, dash, None, p, dialogue=True) for p, (dash, a, b) in turns)
        paragraph = run
    return out


def find_quote_spans(body: str) -> list[QuoteSpan]:
    """Every top-level quotation in the text, one per paragraph segment, in order.

    A mark left open is closed at the end of its paragraph, never later: an unbalanced mark
    cannot swallow the rest of the article. A paragraph that starts by reopening a quote left
    open at the end of the previous one is flagged as a continuation (multi-paragraph quotes).
    """
    return segment_quotes(body)[1]
