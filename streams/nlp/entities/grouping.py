"""Mentions into entities: one group per real-world actor of the article. Later "Stoltenberg" joins
"Jens Stoltenberg", "EU" joins "European Union", a surname the model missed joins its person."""

from __future__ import annotations

import re
from bisect import bisect_left

from spacy.attrs import POS
from spacy.parts_of_speech import PROPN
from spacy.tokens import Doc

from streams.nlp.entities.aliases import alias_key
from streams.nlp.entities.name_shapes import (
    head_before_of,
    initials,
    is_acronym,
    is_club_name,
    name_tokens,
)
from streams.nlp.entities.records import Group, Mention, SpanIndex, Tokens, WordStarts
from streams.nlp.entities.vocabulary import (
    NAME_PARTICLES_AS_WRITTEN,
    ORG_HEADS_FIRST_KEYS,
)

_TYPE_ORDER = {"PER": 0, "ORG": 1, "LOC": 2, "MISC": 3}  # ties of the majority type
_ACRONYM_AFTER = re.compile(r"\s*\(([^)]{2,10})\)")  # "Long Name (ACR)"


def group_mentions(mentions: list[Mention]) -> list[Group]:
    """Group mentions: table entries by id; the rest by normalised text, majority type wins."""
    by_key: dict[str, Group] = {}
    for m in sorted(mentions, key=lambda m: m.start):
        key = "id:" + m.entry.id if m.entry is not None else "txt:" + alias_key(m.text)
        group = by_key.get(key)
        if group is None:
            group = by_key[key] = Group(m.type, entry=m.entry)
        group.mentions.append(m)
    for group in by_key.values():
        if group.entry is None:
            counts: dict[str, int] = {}
            for m in group.mentions:
                counts[m.type] = counts.get(m.type, 0) + 1
            group.type = min(counts, key=lambda t: (-counts[t], _TYPE_ORDER[t]))
    return list(by_key.values())


def merge_partial_names(groups: list[Group]) -> list[Group]:
    """A mention whose tokens are a contiguous part of a longer person name joins it ("Le Pen"
    tagged ORG too, if it ends the name); an organisation's partial name joins the organisation
    ("Dortmund" after "Borussia Dortmund", "the Commission"). Nearest preceding full name first,
    else the first later one."""
    # every fitting longer name holds the part's first word: look there only, and at each of a
    # group's names once with where it is written (a long body repeats names: linear)
    full_by_word: dict[str, list[tuple[Group, str, list[str], list[int]]]] = {}
    for g in groups:
        if g.type not in ("PER", "ORG"):
            continue
        starts_of_name: dict[str, list[int]] = {}
        for m in g.mentions:
            if m.tokens >= 2:
                starts_of_name.setdefault(m.text, []).append(m.start)
        for name, starts in starts_of_name.items():
            ptoks = name_tokens(name)
            for word in dict.fromkeys(ptoks):
                full_by_word.setdefault(word, []).append((g, name, ptoks, sorted(starts)))
    absorbed: set[int] = set()
    for g in groups:
        # a surname the table knows ("Gaddafi") still joins another full name the article gives
        # ("Saif al-Islam Gaddafi"): the article's own name wins over the table's best-known bearer
        surname_only = g.entry is not None and g.type == "PER" and all(m.tokens == 1 for m in g.mentions)
        if (g.entry is not None and not surname_only) or id(g) in absorbed:
            continue
        longest = max(g.mentions, key=lambda m: (m.tokens, len(m.text)))
        toks = name_tokens(longest.text)
        if not toks:
            continue
        n = len(toks)
        first = g.first
        nearest_before: tuple[int, Group] | None = None  # the fitting name's last place before the part
        earliest: tuple[int, Group] | None = None
        for pg, name, ptoks, starts in full_by_word.get(toks[0], ()):
            if pg is g or id(pg) in absorbed:
                continue
            if len(ptoks) <= n:
                continue
            if pg.type == "ORG":  # its head ("the Commission", "Dortmund"), or a club's first word ("Hertha")
                head_first = ptoks[0] in ORG_HEADS_FIRST_KEYS  # French: "la Commission" after "Commission européenne"
                fits = g.type == "ORG" and (pg.entry is None or pg.entry.type == "ORG") and (
                    ptoks[-n:] == toks or ptoks[:n] == toks and (head_first or is_club_name(name.split()))
                    or n == 1 and head_before_of(ptoks) == toks[0]  # "the Council" after "Council of Europe"
                    or ptoks[:n] == toks and "party" in ptoks[n:])  # "Green" lawmakers, of the "Green Party"
            elif g.type == "PER" or n == 1:
                fits = any(ptoks[i:i + n] == toks for i in range(len(ptoks) - n + 1))
            else:  # an ORG-tagged surname ending the name: "Le Pen", "Van Rompuy"
                fits = g.type == "ORG" and ptoks[-n:] == toks
            if fits:  # ties go to the group met first, as max() and min() do
                below = bisect_left(starts, first)
                if below and (nearest_before is None or starts[below - 1] > nearest_before[0]):
                    nearest_before = (starts[below - 1], pg)
                if earliest is None or starts[0] < earliest[0]:
                    earliest = (starts[0], pg)
        if earliest is None:
            continue
        if g.type != "PER" and (g.type == "MISC" or not toks[0][:1].isalpha()):
            continue
        target = nearest_before[1] if nearest_before is not None else earliest[1]
        if target is g:
            continue
        if surname_only:
            if target.type != "PER":
                continue
            for m in g.mentions:
                m.entry = None
        target.mentions.extend(g.mentions)
        absorbed.add(id(g))
    return [g for g in groups if id(g) not in absorbed]


def merge_acronyms(groups: list[Group], body: str) -> list[Group]:
    """"EU" joins "European Union"; "Long Name (ACR)" links explicitly."""
    # which groups could stand for an acronym: by their names' initials and the bracket after them
    # (looked up, not searched for each acronym: linear on long bodies)
    order = {id(g): i for i, g in enumerate(groups)}
    spelled: dict[str, set[int]] = {}
    keys_of: dict[int, set[str]] = {}
    for other in groups:
        keys = keys_of[id(other)] = set()
        for m in other.mentions:
            if m.tokens >= 2:
                paren = _ACRONYM_AFTER.match(body, m.end, min(len(body), m.end + 12))
                keys |= {initials(m.text)} | ({paren.group(1), paren.group(1).replace(".", "")} if paren else set())
        for key in keys:
            spelled.setdefault(key, set()).add(id(other))
    absorbed: set[int] = set()
    for g in groups:
        if id(g) in absorbed:
            continue
        acronyms = {m.text.replace(".", "") for m in g.mentions if is_acronym(m.text)}
        # "Agence nationale de l'habitat (Anah)": a short unknown word in parentheses, same first letter
        bracketed = {m.text for m in g.mentions if g.entry is None and m.tokens == 1 and len(m.text) <= 8
                     and body[m.start - 1:m.start] == "(" and body[m.end:m.end + 1] == ")"}
        if not (acronyms or bracketed) or g.type not in ("ORG", "LOC", "MISC"):
            continue
        candidates = set().union(*(spelled.get(key, ()) for key in acronyms | bracketed))
        for other in sorted((groups[order[c]] for c in candidates), key=lambda o: order[id(o)]):
            if other is g or id(other) in absorbed or other.type == "PER":
                continue
            if g.entry is not None and other.entry is not None:
                continue
            linked = False
            for m in other.mentions:
                if m.tokens < 2 or is_acronym(m.text) or acronyms & set(m.text.split()):
                    continue  # "US Senate" holds "US": it is not what "US" stands for
                paren = _ACRONYM_AFTER.match(body, m.end, min(len(body), m.end + 12))
                if (paren and paren.group(1).replace(".", "") in acronyms) or initials(m.text) in acronyms or (
                        paren and paren.group(1) in bracketed and paren.group(1)[0].lower() == m.text[0].lower()):
                    linked = True
                    break
            if not linked:
                continue
            keep, drop = (other, g) if (other.entry is not None or g.entry is None) else (g, other)
            if g.entry is not None and other.entry is None:
                keep, drop = g, other
            keep.mentions.extend(drop.mentions)
            absorbed.add(id(drop))
            for key in keys_of[id(drop)]:
                spelled[key].add(id(keep))
            if drop is g:
                break
    return [g for g in groups if id(g) not in absorbed]


def _surname(name: str) -> str:
    """The surname of a full name, with its particles ("Le Pen", "von der Leyen")."""
    words = name.split()
    surname = words[-1]
    if len(words) >= 3 and words[-2] in NAME_PARTICLES_AS_WRITTEN:
        surname = " ".join(words[-2:]) if words[-3] not in NAME_PARTICLES_AS_WRITTEN else " ".join(words[-3:])
    return surname


def _token_starts(doc: Doc, tokens: Tokens) -> tuple[WordStarts, WordStarts]:
    """Each token's text -> where it starts, in order, for every token and for the proper nouns:
    names are looked up here, not rescanned in the text."""
    return WordStarts(tokens), WordStarts(tokens, doc.to_array(POS) == PROPN if len(doc) else None)


def _occurrences(name: str, first_token: str, text: str, starts: WordStarts) -> list[int]:
    """Where name is written starting at a token, whole words only."""
    size = len(name)
    return [at for at in starts.get(first_token, ()) if text.startswith(name, at)
            and not (at + size < len(text) and (text[at + size].isalnum() or text[at + size] == "_"))]


def add_missed_surnames(doc: Doc, tokens: Tokens, groups: list[Group], meta: SpanIndex) -> None:
    """A person's full name again and bare surnames, where spaCy missed them (tokens: the doc's)."""
    text = tokens.text
    taken = SpanIndex((m.start, m.end) for g in groups for m in g.mentions)
    owner = {(m.start, m.end): id(g) for g in groups for m in g.mentions}
    starts: WordStarts | None = None
    propn: WordStarts | None = None
    for g in groups:
        if g.type != "PER" or g.entry is not None:
            continue
        longest = max(g.mentions, key=lambda m: (m.tokens, len(m.text)))
        if longest.tokens < 2:
            continue
        if starts is None or propn is None:
            starts, propn = _token_starts(doc, tokens)
        first = doc.char_span(longest.start, longest.end, alignment_mode="expand")
        first_token = first[0].text if first is not None and len(first) else longest.text.split()[0]
        replaced: set[tuple[int, int]] = set()
        for start in _occurrences(longest.text, first_token, text, starts):  # the full name again, missed
            end = start + len(longest.text)
            if meta.contains(start, end):
                continue
            clash = taken.overlapping(start, end)
            if clash:
                # only a part of it was tagged ("[Le Pen]" for "Marine Le Pen"): the full name replaces it
                own = [c for c in clash if owner.get(c) == id(g) and start <= c[0] and c[1] <= end and c != (start, end)]
                if not own or len(own) != len(clash):
                    continue
                replaced.update(own)
                for c in clash:
                    taken.remove(c)
            g.mentions.append(Mention(start, end, longest.text, "PER", longest.tokens, None))
            taken.add((start, end))
            owner[(start, end)] = id(g)
        if replaced:
            g.mentions = [m for m in g.mentions if (m.start, m.end) not in replaced]
        surname = _surname(longest.text)
        if len(surname) < 3 or not surname[:1].isupper():
            continue
        if surname.lower() in starts:  # the word written in lower case: a common word
            continue
        if " " in surname:
            positions = [at for at in _occurrences(surname, surname.split()[0], text, starts)
                         if at == 0 or not (text[at - 1].isalnum() or text[at - 1] == "_")]
        else:
            positions = propn.get(surname, [])
        for start in positions:
            end = start + len(surname)
            if taken.overlapping(start, end) or meta.contains(start, end):
                continue
            g.mentions.append(Mention(start, end, surname, "PER", 1, None))
            taken.add((start, end))
            owner[(start, end)] = id(g)
