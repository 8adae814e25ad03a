"""The rules that run over all of an article's mentions once each span has been cleaned: retyping
by what the whole article says, and names the model missed.

``ARTICLE_RULES`` pairs each rule with the pass that switches it off, in the order they run.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from streams.nlp.entities.aliases import alias_key
from streams.nlp.entities.article import Article
from streams.nlp.entities.cleaning import common_noun_acronyms, credited_names
from streams.nlp.entities.evidence import TOWN_BY_DEFAULT
from streams.nlp.entities.name_shapes import given_names, is_club_name
from streams.nlp.entities.org_cues import org_person_keys, retype_by_org_cues
from streams.nlp.entities.party_members import party_members
from streams.nlp.entities.records import Mention, SpanIndex, mention_of
from streams.nlp.entities.role_phrases import institution_start, is_craft
from streams.nlp.entities.span_rules import used_as_place
from streams.nlp.entities.term_acronyms import term_acronyms
from streams.nlp.entities.table_names import scan_is_safe, scan_tokens, zone_cities
from streams.nlp.entities.untagged import (
    described_places,
    listed_places,
    named_parties,
    untagged_persons,
    untagged_places,
)
from streams.nlp.entities.vocabulary import DEFINITE_ARTICLES

ArticleRule = Callable[[Article, list[Mention]], list[Mention]]
_BEFORE_NESTED_COUNTRY = DEFINITE_ARTICLES | {"", "l'"}  # "[the US] State Department"


def retype_org_persons(article: Article, out: list[Mention]) -> list[Mention]:
    """Names tagged as an organisation here and as a person elsewhere ("Rolf-Dieter Heuer")."""
    persons = org_person_keys(article.doc, out, article.text, article.table, article.language, article.ents)
    for m in out:
        if m.type == "ORG" and m.entry is None and alias_key(m.text) in persons:
            m.type = "PER"
    return out


def retype_teams(article: Article, out: list[Mention]) -> list[Mention]:
    """In sports copy a town or a country beaten, hosted or drawn with is its team, and a word of a
    club's name alone is the club ("Hertha", "Dortmund" after "Borussia Dortmund")."""
    for m in out:
        if m.type in ("LOC", "PER") and alias_key(m.text) in article.team_keys and not used_as_place(article, m):
            m.type, m.entry = "ORG", None
    if article.sport:
        club_words = {alias_key(w) for m in out if m.type == "ORG" and m.tokens > 1
                      and (alias_key(m.text) in article.team_keys or is_club_name(m.text.split()))
                      for w in m.text.split()}
        for m in out:
            if m.type in ("LOC", "PER") and m.tokens == 1 and alias_key(m.text) in club_words \
                    and not used_as_place(article, m):
                m.type, m.entry = "ORG", None
    return out


def retype_outlets_and_companies(article: Article, out: list[Mention]) -> list[Mention]:
    retype_by_org_cues(article.doc, out, article.person_words, article.tokens)
    return out


def drop_plain_acronyms(article: Article, out: list[Mention]) -> list[Mention]:
    """"personal consumption expenditures (PCE)": an English acronym of common nouns is no name, nor
    are its words. French writes bodies' names in lower case after the first word ("Ligue de
    football professionnel (LFP)"), so the case of the words tells nothing there."""
    if article.language != "en":
        return out
    plain, phrases = common_noun_acronyms(article.text)
    if not plain:
        return out
    inside = SpanIndex(phrases)
    return [m for m in out if m.entry is not None or m.text not in plain and not inside.contains(m.start, m.end)]


def drop_term_acronyms(article: Article, out: list[Mention]) -> list[Mention]:
    """French acronyms the article spells out in lower case ("le RIC [référendum d'initiative citoyenne]")."""
    if article.language != "fr":
        return out
    return term_acronyms(article.text, out, lambda acronym: article.table.lookup(acronym, article.language) is not None)


def add_time_zone_cities(article: Article, out: list[Mention]) -> list[Mention]:
    if "UTC" not in article.text:
        return out
    return out + zone_cities(article.text, article.table, article.language, article.covered_index())


def add_untagged_persons(article: Article, out: list[Mention]) -> list[Mention]:
    if article.language != "en":
        return out
    found = untagged_persons(article.doc, article.covered_index(), article.table, article.language, article.places,
                             article.tokens)
    return out + [m for m in found if not article.meta.contains(m.start, m.end)]


def add_untagged_places(article: Article, out: list[Mention]) -> list[Mention]:
    """"the town of Pleurtuit", a known place listed after a tagged one ("Lyon, Toulouse"), a name
    an apposition calls a town ("Bourges, a town of 66,000 people")."""
    lower = article.tokens.lower  # read once for both
    found = untagged_places(article.doc, article.text, article.covered_index(), lower)
    found += listed_places(article.doc, article.text, article.table, article.language, article.ents, article.tokens)
    found += described_places(article.doc, article.text, article.covered_index(), lower)
    return out + [m for m in found if not article.meta.contains(m.start, m.end)]


def add_parties(article: Article, out: list[Mention]) -> list[Mention]:
    """English parties the model missed; a party replaces the mentions inside it."""
    if article.language != "en":
        return out
    parties = named_parties(article.doc, article.text, article.covered_index(), out, article.table, article.language,
                            article.tokens)
    spans = SpanIndex({(p.start, p.end) for p in parties})  # not a scan of every party per mention
    out = [m for m in out if not spans.contains(m.start, m.end)] + parties
    article.covered += [(p.start, p.end, "ORG") for p in parties]
    return out


def type_party_members(article: Article, out: list[Mention]) -> list[Mention]:
    return party_members(article.doc, article.text, out, article.covered_index(), article.table, article.language,
                         article.tokens)


def add_table_names(article: Article, out: list[Mention]) -> list[Mention]:
    """Names the table knows that spaCy missed, and a country opening an organisation's name ("US
    State Department"); other nested places ("London School of Economics") are not actors of the
    story. A known name the model tagged only part of wins over that part ("[La France] insoumise")."""
    text = article.text
    covered = article.covered_index()
    added: list[Mention] = []
    winning: list[tuple[int, int]] = []  # known names that replace the mentions inside them
    for m in scan_tokens(article.doc, article.table, article.tokens):
        if article.meta.contains(m.start, m.end):
            continue
        covering = covered.overlapping(m.start, m.end)
        if not covering:
            if scan_is_safe(article.doc, m):
                added.append(m)
        elif m.entry is not None and m.entry.type == "LOC" and m.entry.id.startswith("Q") and all(
            c[2] in ("ORG", "MISC") and c[0] <= m.start and m.end < c[1]
            and alias_key(text[c[0]:m.start]) in _BEFORE_NESTED_COUNTRY
            for c in covering
        ):
            added.append(m)
        elif (m.tokens >= 2 or "-" in m.text) and all(
                m.start <= c[0] and c[1] <= m.end and (c[0], c[1]) != (m.start, m.end) for c in covering):
            winning.append((m.start, m.end))
            added.append(m)
    # the scan's names do not overlap, so only the mentions found before may fall inside one: they
    # are dropped in one pass (a pass per name made long bodies quadratic)
    if not winning:
        return out + added
    inside = SpanIndex(winning)
    return [o for o in out if not inside.contains(o.start, o.end)] + added


_PAIR = re.compile(r"([^\W\d_][\w.&']*)[-\u2013]([^\W\d_][\w.&']*)")


def _body_then_person(article: Article, m: Mention) -> list[Mention]:
    """"explique à l'AFP Alex", "La Repubblica Lucio Caracciolo": a body the table knows run into a
    person's name opened by a first name is the two; [] when the mention is not that."""
    words = m.text.split()
    if m.entry is not None or len(words) < 2:
        return []
    given = given_names()
    for k in range(len(words) - 1, 0, -1):
        if words[k] not in given:
            continue
        head = " ".join(words[:k])
        entry = article.table.lookup(head, article.language, "ORG")
        if entry is not None and entry.type == "ORG" and not entry.population:
            at = m.start + m.text.index(words[k], len(head))
            return [mention_of(m.start, m.start + len(head), head, "ORG", entry),
                    mention_of(at, m.end, article.text[at:m.end], "PER")]
    return []


def split_pairs(article: Article, out: list[Mention]) -> list[Mention]:
    """"la liaison Lyon-Turin", "le match PSG-Montpellier": a name the table does not know, made of
    two names it knows, is those two; a gazetteer town only by its exact name, if large, and no
    half the article writes in lower case ("Unsa-Police"). A known body run into a person's name
    is the two as well."""
    kept: list[Mention] = []
    for m in out:
        parts = _body_then_person(article, m)
        if parts:
            kept += parts
            continue
        pair = _PAIR.fullmatch(m.text) if m.entry is None and m.type in ("LOC", "ORG") else None
        halves = [(article.table.lookup(part, article.language), part, m.start + pair.start(i))
                  for i, part in ((1, pair.group(1)), (2, pair.group(2)))] if pair else []
        if not halves or any(entry is None or entry.type == "PER" or part.lower() in article.lower_words
                             or entry.population and (part not in entry.aliases or entry.population < TOWN_BY_DEFAULT)
                             for entry, part, _ in halves):
            kept.append(m)
            continue
        kept += [mention_of(at, at + len(part), part, entry.type, entry) for entry, part, at in halves]
    return kept


def add_credited_names(article: Article, out: list[Mention]) -> list[Mention]:
    """The agency or paper a foot credit names, where the table knows it as a body."""
    for start, end in credited_names(article.text):
        surface = article.text[start:end].strip()
        entry = article.table.lookup(surface, article.language, "ORG")
        if entry is not None and entry.type == "ORG":
            out.append(mention_of(start, start + len(surface), surface, "ORG", entry))
    return out


def retype_crafts(article: Article, out: list[Mention]) -> list[Mention]:
    """"la sonde européenne Hera ... Hera vient": every mention of a craft is MISC."""
    crafts = {alias_key(m.text) for m in out if m.entry is None and m.type in ("PER", "ORG", "LOC")
              and is_craft(article.text, m.start, article.language)}
    for m in out:
        if m.entry is None and alias_key(m.text) in crafts:
            m.type = "MISC"
    return out


def extend_french_institutions(article: Article, out: list[Mention]) -> list[Mention]:
    """"le tribunal correctionnel de [Lyon]": the institution, not the town, is the actor."""
    if article.language != "fr":
        return out
    spans = SpanIndex((m.start, m.end, i) for i, m in enumerate(out))  # a scan of all per place was quadratic
    for i, m in enumerate(out):
        if m.type != "LOC":
            continue
        begin = institution_start(article.text, m.start)
        # no other mention starts before the place and runs past where the phrase begins
        if begin is not None and not any(j != i for _s, _e, j in spans.overlapping(begin, m.start)):
            out[i] = mention_of(begin, m.end, article.text[begin:m.end], "ORG")
            spans.remove((m.start, m.end, i))
            spans.add((begin, m.end, i))
    return out


ARTICLE_RULES: tuple[tuple[str, ArticleRule], ...] = (
    ("entities.person-evidence", retype_org_persons),
    ("entities.sports-teams", retype_teams),
    ("entities.org-cues", retype_outlets_and_companies),
    ("entities.noise", drop_plain_acronyms),
    ("entities.term-acronyms", drop_term_acronyms),
    ("entities.table-names", add_time_zone_cities),
    ("entities.untagged-persons", add_untagged_persons),
    ("entities.place-phrases", add_untagged_places),
    ("entities.parties", add_parties),
    ("entities.party-members", type_party_members),
    ("entities.table-names", add_table_names),
    ("entities.credits", add_credited_names),
    ("entities.pairs", split_pairs),
    ("entities.non-actors", retype_crafts),
    ("entities.french-institutions", extend_french_institutions),
)
