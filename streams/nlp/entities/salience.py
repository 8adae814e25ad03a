"""Salience: how central an entity is to its article, from counts, position, headline and quotes."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from functools import lru_cache

from streams.events import Entity
from streams.text import search_key

# Salience weights (documented in `salience`).
W_FREQ, W_POS, W_HEAD, W_QUOTE = 0.35, 0.25, 0.25, 0.15


# an entity's forms are mostly the table's aliases, the same in article after article: each is keyed once
_form_key = lru_cache(maxsize=1 << 16)(search_key)


def is_in_headline(headline_key: str, forms: Iterable[str]) -> bool:
    """Whether the headline (as ``search_key`` gives it) names one of the forms as whole words."""
    for form in forms:
        key = _form_key(form)
        if len(key) >= 2 and key in headline_key and re.search(r"(?<!\w)" + re.escape(key) + r"(?!\w)", headline_key):
            return True
    return False


def salience(mentions: int, first_start: int, body_length: int, max_mentions: int,
             in_headline: bool, quoted: bool) -> float:
    """Salience in [0, 1], deterministic:

        0.35 * log(1 + mentions) / log(1 + max_mentions in the article)
      + 0.25 * (1 - first_start / body_length)        earlier first mention = more central
      + 0.25 * [named in the headline]
      + 0.15 * [quoted]                               set by mark_quoted
    rounded to 4 decimals.
    """
    freq = math.log1p(mentions) / math.log1p(max(max_mentions, mentions, 1))
    position = 1.0 - min(max(first_start, 0), body_length) / body_length if body_length > 0 else 1.0
    score = W_FREQ * freq + W_POS * position + W_HEAD * float(in_headline) + W_QUOTE * float(quoted)
    return round(min(1.0, max(0.0, score)), 4)


def mark_quoted(entities: list[Entity], quoted_ids: set[str], body_length: int) -> list[Entity]:
    """Copy of `entities` with quoted=True for ids in `quoted_ids` and salience recomputed.

    The headline term is not stored, so it is recovered from the previous salience (it is the only
    unknown in the formula and is 0 or 0.25).
    """
    if not entities:
        return []
    max_mentions = max(len(e["mentions"]) for e in entities)
    out: list[Entity] = []
    for e in entities:
        count = len(e["mentions"])
        first = min((m["start"] for m in e["mentions"]), default=body_length)
        base = salience(count, first, body_length, max_mentions, False, False)
        rest = e["salience"] - base - (W_QUOTE if e.get("quoted") else 0.0)
        named_in_headline = rest >= W_HEAD / 2
        quoted = bool(e.get("quoted")) or e["id"] in quoted_ids
        new: Entity = dict(e)  # type: ignore[assignment]
        new["quoted"] = quoted
        new["salience"] = salience(count, first, body_length, max_mentions, named_in_headline, quoted)
        out.append(new)
    return out
