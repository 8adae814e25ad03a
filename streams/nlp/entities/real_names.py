"""A person's other name given in apposition is the same person.

Why: copy introduces pseudonyms and birth names side by side ("Tommy Robinson, whose real name is
Stephen Yaxley-Lennon", "X, de son vrai nom Y"); without this the second name is a second person,
and an alert on the first misses it. The linking phrases are in lang/<code>/real-names.txt.
"""

from __future__ import annotations

import re
from functools import lru_cache

from streams.lang import entries
from streams.nlp.entities.records import Group


@lru_cache(maxsize=8)
def _between(language: str) -> re.Pattern[str] | None:
    """What may stand between the two names: punctuation, the phrase, punctuation."""
    phrases = sorted(entries(language, "real-names", "between"), key=len, reverse=True)
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in phrases)
    return re.compile(rf"[\s,(\u2013\u2014-]*(?:{alternatives})[\s,:]*", re.IGNORECASE)


def join_real_names(groups: list[Group], text: str, language: str) -> list[Group]:
    """Fold the person named right after a linking phrase into the person named before it; the
    earlier-named group keeps its name."""
    pattern = _between(language)
    persons = [g for g in groups if g.type == "PER"]
    if pattern is None or len(persons) < 2:
        return groups
    by_start = {m.start: g for g in persons for m in g.mentions}
    absorbed: dict[int, Group] = {}
    for g in persons:
        for m in list(g.mentions):
            link = pattern.match(text, m.end)
            if link is None or link.end() == m.end:
                continue
            other = by_start.get(link.end())
            host = absorbed.get(id(g), g)
            if other is None or other is g or absorbed.get(id(other), other) is host:
                continue
            first, second = sorted((host, absorbed.get(id(other), other)), key=lambda x: x.first)
            if first.known_as is None:  # the name the article leads with is the one the person goes by
                lead = min(first.mentions, key=lambda x: x.start)
                first.known_as = max((x for x in first.mentions if x.tokens >= lead.tokens),
                                     key=lambda x: (x.tokens, len(x.text), -x.start)).text
            first.mentions.extend(second.mentions)
            first.mentions.sort(key=lambda x: x.start)
            first.entry = first.entry or second.entry
            absorbed[id(second)] = first
            for key, value in list(absorbed.items()):
                if value is second:
                    absorbed[key] = first
    return [g for g in groups if id(g) not in absorbed]
