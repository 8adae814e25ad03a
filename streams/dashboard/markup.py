"""The article body cut into paragraphs and runs, each quote and entity mention marked.

Offsets in an enriched article point into its normalised body; the article page shows that body
with every quote highlighted and labelled with its speaker, and every entity mention linked to
its actor. This module only cuts the text (templates escape and draw it), so a body with
overlapping or out-of-range spans from a faulty producer still renders as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from streams.dashboard.window import entities_of, quotes_of

PARAGRAPH_BREAK = "\n\n"
# What closes a quote after its words: the closing mark and the punctuation around it, in either
# order ('," Berg said', ' », a déclaré'), so the speaker label goes after them, not inside.
_CLOSING = re.compile(r"[\s\u00a0\u202f]*(?:[,.;:!?…]*[”»\"’'])?[,.;:!?…]*")


@dataclass(frozen=True)
class EntityMark:
    """The entity a run of text mentions, as its link to the actor page needs it."""

    id: str
    name: str
    type: str


@dataclass(frozen=True)
class Run:
    """A stretch of text, part of at most one entity mention."""

    text: str
    entity: EntityMark | None = None


@dataclass(frozen=True)
class QuotePart:
    """The part of a quote inside one paragraph; `last` parts carry the speaker label."""

    number: int  # 1-based, in body order
    speaker: str
    speaker_id: str
    cue: str
    runs: tuple[Run, ...]
    last: bool
    closing: str = ""  # the closing mark and punctuation after the words, shown before the label


Piece = Run | QuotePart


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    payload: Any


def _valid(start: Any, end: Any, length: int) -> bool:
    return isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= length


def _disjoint(spans: list[_Span]) -> list[_Span]:
    """Spans sorted by start, keeping the earlier (then longer) one where two overlap."""
    kept: list[_Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def _quote_spans(article: Mapping[str, Any], length: int) -> list[_Span]:
    spans = [_Span(q["start"], q["end"], q) for q in quotes_of(article) if _valid(q.get("start"), q.get("end"), length)]
    return _disjoint(spans)


def _mention_spans(article: Mapping[str, Any], length: int) -> list[_Span]:
    spans = []
    for entity in entities_of(article):
        mark = EntityMark(entity["id"], entity["name"], str(entity.get("type") or "MISC"))
        for mention in entity.get("mentions") or ():
            if isinstance(mention, Mapping) and _valid(mention.get("start"), mention.get("end"), length):
                spans.append(_Span(mention["start"], mention["end"], mark))
    return _disjoint(spans)


def _runs(body: str, start: int, end: int, mentions: list[_Span]) -> tuple[Run, ...]:
    """body[start:end] as runs, mentions inside it marked (a mention crossing the edge is cut)."""
    runs: list[Run] = []
    cursor = start
    for span in mentions:
        if span.end <= cursor or span.start >= end:
            continue
        left, right = max(span.start, cursor), min(span.end, end)
        if left > cursor:
            runs.append(Run(body[cursor:left]))
        runs.append(Run(body[left:right], span.payload))
        cursor = right
    if cursor < end:
        runs.append(Run(body[cursor:end]))
    return tuple(runs)


def _paragraph_bounds(body: str) -> list[tuple[int, int]]:
    bounds = []
    start = 0
    while start <= len(body):
        found = body.find(PARAGRAPH_BREAK, start)
        end = len(body) if found < 0 else found
        if body[start:end].strip():
            bounds.append((start, end))
        if found < 0:
            break
        start = found + len(PARAGRAPH_BREAK)
    return bounds


def _speaker(quote: Mapping[str, Any]) -> tuple[str, str]:
    speaker = quote.get("speaker")
    if not isinstance(speaker, Mapping):
        return "", ""
    name, entity_id = speaker.get("name"), speaker.get("entity_id")
    return (name if isinstance(name, str) else ""), (entity_id if isinstance(entity_id, str) else "")


def mark_up(article: Mapping[str, Any]) -> list[list[Piece]]:
    """The body's paragraphs, each a list of plain runs and quote parts."""
    body = article.get("body")
    if not isinstance(body, str) or not body:
        return []
    quotes = _quote_spans(article, len(body))
    mentions = _mention_spans(article, len(body))
    numbers = {id(span): index + 1 for index, span in enumerate(quotes)}
    paragraphs: list[list[Piece]] = []
    for start, end in _paragraph_bounds(body):
        pieces: list[Piece] = []
        cursor = start
        for index, span in enumerate(quotes):
            if span.end <= start or span.start >= end:
                continue
            left, right = max(span.start, start), min(span.end, end)
            if left > cursor:
                pieces.extend(_runs(body, cursor, left, mentions))
            name, speaker_id = _speaker(span.payload)
            cue = span.payload.get("cue")
            last = span.end <= end
            closing = ""
            if last:
                limit = min([end] + [later.start for later in quotes[index + 1:index + 2]])
                found = _CLOSING.match(body, right, limit)
                closing = found.group().rstrip() if found else ""
            pieces.append(QuotePart(numbers[id(span)], name, speaker_id, cue if isinstance(cue, str) else "",
                                    _runs(body, left, right, mentions), last=last, closing=closing))
            cursor = right + len(closing)
        if cursor < end:
            pieces.extend(_runs(body, cursor, end, mentions))
        paragraphs.append(pieces)
    return paragraphs


def numbered_quotes(article: Mapping[str, Any]) -> list[tuple[int | None, Mapping[str, Any]]]:
    """Every quote with the number mark_up shows it under (None when its span cannot be shown),
    in body order."""
    body = article.get("body")
    spans = _quote_spans(article, len(body)) if isinstance(body, str) else []
    numbers = {id(span.payload): index + 1 for index, span in enumerate(spans)}
    numbered = [(numbers.get(id(quote)), quote) for quote in quotes_of(article)]
    numbered.sort(key=lambda pair: (pair[0] is None, pair[0] or 0))
    return numbered
