"""Speakers for quotes that have no cue of their own, from the quotes around them.

A quote without a cue takes the speaker of another quote in the same paragraph or the same
multi-paragraph quotation, or of a run of quotes across paragraphs; a paragraph made only of a
quote far from the others gets the person its neighbours' reporting verbs agree on.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Optional

from streams.nlp.quotes.article_index import ArticleIndex
from streams.nlp.quotes.attribution import Attributor, QuoteCandidate
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["inherit_speakers"]


def _vote(
    attributor: Attributor, candidates: list[QuoteCandidate], k: int, lines: list[tuple[int, int]]
) -> Optional[Speaker]:
    """Quote-only paragraph far from other quotes: the person that the previous quote, the
    previous paragraph's and the next paragraph's reporting verbs agree on (two votes)."""
    q = candidates[k]
    para = q.span.para
    votes: dict[str, list] = {}

    def add(who: Optional[Speaker], tag: str) -> None:
        if who is None or who.etype != "PER":
            return
        key = who.entity_id or who.name
        entry = votes.setdefault(key, [set(), who])
        entry[0].add(tag)

    prev = next((candidates[j] for j in range(k - 1, -1, -1) if candidates[j].who is not None), None)
    if prev is not None and para - prev.span.para <= 8:
        add(prev.who, "prev")
    if para > 0:
        for who in attributor.paragraph_speakers(lines[para - 1]):
            add(who, "before")
    if para + 1 < len(lines):
        for who in attributor.paragraph_speakers(lines[para + 1]):
            add(who, "after")
        nxt = next((x for x in candidates[k + 1:] if x.span.para == para + 1 and x.own), None)
        if nxt is not None:
            add(nxt.who, "after")
    best = [(len(tags), "prev" in tags, who) for tags, who in votes.values() if len(tags) >= 2]
    if not best:
        return None
    best.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return best[0][2]


def _last_subject(attributor: Attributor, lines: list[tuple[int, int]], para: int) -> Optional[Speaker]:
    """A lone quote paragraph right after a paragraph about a named person: that person
    (the last person who is a subject there)."""
    if para == 0:
        return None
    article = attributor.article
    a, b = lines[para - 1]
    lo = bisect_left(article.mention_starts, a)
    hi = bisect_left(article.mention_starts, b)
    for k in range(hi - 1, lo - 1, -1):
        ms, me, ent, etype = article.mentions[k]
        if etype == "PER" and article.outside(ms) and attributor.is_subject_mention(ms, me):
            return article.resolve_name(article.body[ms:me], ms, me, "PER")
    return None


def inherit_speakers(
    article: ArticleIndex, candidates: list[QuoteCandidate], lines: list[tuple[int, int]], attributor: Attributor
) -> None:
    """Give unattributed quotes the speaker the text makes clear (same paragraph, chain, run)."""
    n = len(candidates)
    chain = list(range(n))
    for k in range(1, n):
        q, p = candidates[k], candidates[k - 1]
        if q.span.continues and p.span.close_at is None and p.span.para == q.span.para - 1:
            chain[k] = chain[k - 1]
    by_chain: dict[int, list[int]] = {}
    for k in range(n):
        by_chain.setdefault(chain[k], []).append(k)

    def same(a: Optional[Speaker], b: Optional[Speaker]) -> bool:
        return a is not None and b is not None and (
            (a.entity_id is not None and a.entity_id == b.entity_id) or a.name == b.name
        )

    # Pass 1: same paragraph, then same multi-paragraph chain (own attributions only).
    for k, q in enumerate(candidates):
        if q.who is not None or q.blocked:
            continue
        best = None
        for d in range(1, n):
            for j in (k - d, k + d):
                if 0 <= j < n and candidates[j].own and candidates[j].span.para == q.span.para:
                    best = candidates[j]
                    break
            if best is not None or (k - d < 0 and k + d >= n):
                break
            if (k - d < 0 or candidates[k - d].span.para != q.span.para) and (
                k + d >= n or candidates[k + d].span.para != q.span.para
            ):
                break
        if best is None:
            members = [candidates[j] for j in by_chain[chain[k]] if candidates[j].own]
            if members:
                best = min(members, key=lambda m: abs(m.start - q.start))
        if best is not None:
            q.who, q.cue = best.who, best.cue
    # Pass 2: runs of quotes across paragraphs.
    for k, q in enumerate(candidates):
        if q.who is not None or q.blocked:
            continue
        prev = candidates[k - 1] if k > 0 else None
        nxt = next((candidates[j] for j in range(k + 1, n) if candidates[j].span.para != q.span.para), None)
        line = lines[q.span.para]
        prev_ok = prev is not None and prev.who is not None and q.span.para - prev.span.para <= 3
        next_ok = nxt is not None and nxt.own and nxt.span.para - q.span.para <= 1
        if article.is_quote_only(line):
            if prev_ok:
                q.who = prev.who  # type: ignore[union-attr]
            else:
                q.who = _vote(attributor, candidates, k, lines) or _last_subject(attributor, lines, q.span.para)
        elif prev_ok and next_ok and same(prev.who, nxt.who):  # type: ignore[union-attr]
            q.who = prev.who  # type: ignore[union-attr]
