"""The rules each span the model tagged goes through, in order, to become a mention (or not).

``SPAN_RULES`` pairs each rule with the pass that switches it off (``CORE`` for the steps every
span needs). A rule returns False to drop the span; the ones after it do not run.
"""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Span

from streams.nlp.entities.aliases import AliasEntry, alias_key
from streams.nlp.entities.article import Article, Candidate
from streams.nlp.entities.cleaning import is_noise, refine, trim
from streams.nlp.entities.evidence import (
    has_place_evidence,
    has_team_evidence,
    named_as_place,
)
from streams.nlp.entities.name_shapes import (
    compound_demonym,
    ends_with_place,
    exact_place,
    given_names,
    looks_like_demonym,
    misc_by_head,
    names_a_longer_name,
    starts_with_given_name,
    type_by_head,
)
from streams.nlp.entities.org_cues import org_is_person
from streams.nlp.entities.person_spans import (
    body_after_name,
    extend_person,
    with_first_name,
)
from streams.nlp.entities.records import Mention, mention_of
from streams.nlp.entities.role_phrases import french_fragment, is_portfolio
from streams.nlp.entities.table_names import table_entry
from streams.nlp.entities.vocabulary import (
    DEFINITE_ARTICLES,
    MISC_NAME_KEYS,
    OF_WORDS,
    PLACE_KIND_AFTER,
    PLACE_KIND_NOUNS,
    TOURNAMENT_GROUP,
)

SpanRule = Callable[[Article, Candidate], bool]
CORE: str | None = None  # a step every span goes through


def widen_person_span(article: Article, candidate: Candidate) -> bool:
    """The French models often tag half a name ("Marine [Le Pen]"): grow it over the proper nouns
    around; elsewhere take in a first name left out ("Adolf [Hitler]")."""
    if candidate.type != "PER":
        return True
    if article.language == "fr":
        candidate.span_start, candidate.span_end = extend_person(article.doc, candidate.span)
        candidate.span_end = body_after_name(article.text, candidate.span_start, candidate.span_end, article.table,
                                             article.language)
    elif candidate.span.start > 0 and article.tokens.orth[candidate.span.start - 1] in given_names():
        candidate.span_start = with_first_name(article.doc, candidate.span)  # its parse is read only then
    else:
        candidate.span_start = candidate.span.start_char
    return True


def record_coverage(article: Article, candidate: Candidate) -> bool:
    article.covered.append((candidate.span_start, candidate.span_end, candidate.type))
    return True


def mark_tournament_group(article: Article, candidate: Candidate) -> bool:
    """"Group D", a stage of a competition: seen before the trim takes the letter for an initial."""
    match = TOURNAMENT_GROUP.fullmatch(article.text, candidate.span_start, candidate.span_end)
    candidate.group_stage = match is not None
    return True


def trim_span(article: Article, candidate: Candidate) -> bool:
    candidate.start, candidate.end = trim(article.text, candidate.span_start, candidate.span_end, article.language)
    if candidate.group_stage:
        candidate.end = candidate.span_end - article.text[candidate.span_start:candidate.span_end].endswith(".")
    return True


def refine_span(article: Article, candidate: Candidate) -> bool:
    if not candidate.group_stage and candidate.end > candidate.start:
        candidate.start, candidate.end = refine(article.doc, article.text, candidate.start, candidate.end,
                                                candidate.type, article.language, article.places, article.tokens)
    return True


def _table_entry(article: Article, candidate: Candidate) -> AliasEntry | None:
    """table_entry, once per surface and type in the article (the rest of its input is the article's)."""
    key = (candidate.surface, candidate.type)
    if key not in article.entries:
        article.entries[key] = table_entry(article.table, candidate.surface, article.language, candidate.type,
                                           article.person_words, article.city_places)
    return article.entries[key]


def look_up_name(article: Article, candidate: Candidate) -> bool:
    """Drop an empty span or one inside metadata; find the rest in the alias table."""
    if candidate.end <= candidate.start or article.meta.contains(candidate.start, candidate.end):
        return False
    candidate.surface = article.text[candidate.start:candidate.end]
    candidate.entry = _table_entry(article, candidate)
    return True


def drop_french_role_fragment(article: Article, candidate: Candidate) -> bool:
    """"ministre de la Défense", "chef de l'État": no name; "de la France": France, if known."""
    if article.language != "fr" or candidate.entry is not None:
        return True
    fragment = french_fragment(article.text, candidate.start, candidate.end, candidate.surface)
    if fragment is None:
        return True
    if fragment < 0:
        return False
    candidate.start += fragment  # the name after the article, if the table knows it
    candidate.surface = article.text[candidate.start:candidate.end]
    candidate.entry = _table_entry(article, candidate)
    return candidate.entry is not None  # "ministre de la Défense", "de l'Agriculture"


def drop_noise(article: Article, candidate: Candidate) -> bool:
    return not is_noise(article.doc, article.text, candidate.span, candidate.start, candidate.end, candidate.surface,
                        candidate.entry is not None, article.lower_words, article.person_words,
                        article.inner_capitals, article.tokens)


def drop_portfolio(article: Article, candidate: Candidate) -> bool:
    return not (article.language == "en" and candidate.entry is None and candidate.type != "PER"
                and is_portfolio(article.text, candidate.start, candidate.end, candidate.surface))


def type_demonyms(article: Article, candidate: Candidate) -> bool:
    """"Russes", "Sri Lankan", and a plural tagged as a person ("Romanians", "Berliners") name a
    people: MISC."""
    if candidate.entry is not None:
        return True
    if candidate.type in ("LOC", "MISC", "ORG") and " " not in candidate.surface:
        start = candidate.span.start
        # after an article a shorter stem will do: "le Belge Charles Michel", "la Bretonne" (of
        # "Belgique", "Bretagne"); a place's own name takes none ("in Stanmore")
        share = 0.5 if start > 0 and article.tokens.orth[start - 1].lower() in DEFINITE_ARTICLES else 0.6
        if looks_like_demonym(alias_key(candidate.surface), article.places, share):
            candidate.type = "MISC"
    elif candidate.type in ("LOC", "ORG") and compound_demonym(candidate.surface, article.table, article.language):
        candidate.type = "MISC"
    if candidate.type == "PER" and len(candidate.span) == 1 and candidate.span[0].tag_ in ("NNS", "NNPS") \
            and candidate.surface.endswith("s"):
        candidate.type = "MISC"
    return True


def take_table_type(article: Article, candidate: Candidate) -> bool:
    if candidate.entry is not None:
        candidate.type = candidate.entry.type
    return True


def type_non_actors(article: Article, candidate: Candidate) -> bool:
    """Competitions, awards, faiths, eras ("Champions League", "Brexit"), treaties and events by
    their head word ("Lisbon Treaty"), tournament groups: MISC."""
    if candidate.entry is None and (alias_key(candidate.surface) in MISC_NAME_KEYS or candidate.group_stage
                               or candidate.type in ("ORG", "LOC") and misc_by_head(candidate.surface)):
        candidate.type = "MISC"
        candidate.non_actor = True
    return True


def type_by_head_word(article: Article, candidate: Candidate) -> bool:
    if candidate.entry is None and not candidate.non_actor:
        candidate.type = type_by_head(candidate.surface) or candidate.type
    return True


def type_named_places(article: Article, candidate: Candidate) -> bool:
    """"the town of Birstall", "the city of Naameh": a place, whatever the model says; a name typed
    MISC only after "<place noun> of" ("the city of Orléans"), as "the Kurdish region" is a people's."""
    if candidate.entry is not None or article.sport or candidate.non_actor or type_by_head(candidate.surface):
        return True
    span = candidate.span
    if candidate.type in ("ORG", "PER") and _named_as_place(article, span) or candidate.type == "MISC" \
            and span.start >= article.first_place_of and article.doc[span.start - 1].lower_ in OF_WORDS \
            and article.doc[span.start - 2].lower_ in PLACE_KIND_NOUNS:
        candidate.type = "LOC"
    return True


def _named_as_place(article: Article, span: Span) -> bool:
    """named_as_place; where no "<place noun> of" comes before the span (most articles have none)
    only its look after the name, without the parse's root and conjuncts, which cost the most."""
    if article.first_place_of > span.start:
        orth = article.tokens.orth
        return span.end < len(orth) and orth[span.end] in PLACE_KIND_AFTER
    return named_as_place(article.doc, span)


def retype_persons(article: Article, candidate: Candidate) -> bool:
    """A person tagged as an organisation ("striker Lukas Podolski", "Cristiano Ronaldo"), a place or
    MISC ("Namibia's Hifikepunye Pohamba"); an acronym tagged as a person names a body ("la CFDT")."""
    if candidate.entry is not None:
        return True
    doc, surface = article.doc, candidate.surface
    start = candidate.span.start
    orth = article.tokens.orth  # the words, without a Token each (LOWER is the text in lower case)
    named = not (orth[start].lower() in DEFINITE_ARTICLES or start > 0 and orth[start - 1].lower() in DEFINITE_ARTICLES)
    if candidate.type == "ORG":
        is_person = org_is_person(doc, candidate.span, surface, article.person_texts) or named and starts_with_given_name(
            surface.split(), surface, article.table, article.language)
    elif candidate.type in ("LOC", "MISC"):
        is_person = (named and " " in surface and article.table.lookup(surface, article.language) is None
                     and not misc_by_head(surface)
                     and starts_with_given_name(surface.split(), surface, article.table, article.language))
    else:
        is_person = False
    if is_person:
        candidate.type = "PER"
    elif candidate.type == "PER" and len(surface) >= 3 and surface.isalpha() and surface.isupper():
        candidate.type = "ORG"
    return True


def drop_split_name_places(article: Article, candidate: Candidate) -> bool:
    """"Vietnam [War]", "Atlanta [Olympics]", "Cologne [Cathedral]": the model split a name; a
    country opening a body's name stays ("US Senate")."""
    country = candidate.entry is not None and candidate.entry.id.startswith("Q")
    return not (candidate.type == "LOC" and article.language == "en"
                and names_a_longer_name(article.text, candidate.end, country))


def make_mention(article: Article, candidate: Candidate) -> bool:
    candidate.mention = mention_of(candidate.start, candidate.end, candidate.surface, candidate.type, candidate.entry)
    return True


def note_team_evidence(article: Article, candidate: Candidate) -> bool:
    """In sports copy, note the names used as teams ("Nuremberg upset Werder Bremen") and the
    places' mentions, whose use as a place ("in Bremen") article_rules.retype_teams reads where it
    matters (used_as_place); a name already known as a team is not looked at again."""
    if not article.sport or candidate.type not in ("LOC", "PER"):
        return True
    surface, entry = candidate.surface, candidate.entry
    key = alias_key(surface)
    if key not in article.team_keys:
        if candidate.type == "PER" and entry is None:  # a player's goal is no team's: only a place's name
            named_place = ends_with_place(surface, article.table, article.language) or (
                key not in article.person_words and exact_place(surface, article.table, article.language))
        else:
            named_place = True
        if named_place and (candidate.type == "PER" and entry is None and " " in surface
                            or has_team_evidence(article.doc, candidate.span, article.text, candidate.end)):
            article.team_keys.add(key)
    if candidate.type == "LOC":
        article.place_spans[id(candidate.mention)] = candidate.span
    return True


def used_as_place(article: Article, mention: Mention) -> bool:
    """In sports copy, a place's mention the phrase uses as a place ("in Bremen"): no team there."""
    span = article.place_spans.get(id(mention))
    return span is not None and has_place_evidence(article.doc, span, True, set(), article.table, article.language)


SPAN_RULES: tuple[tuple[str | None, SpanRule], ...] = (
    ("entities.person-spans", widen_person_span),
    (CORE, record_coverage),
    ("entities.non-actors", mark_tournament_group),
    (CORE, trim_span),
    ("entities.boundaries", refine_span),
    (CORE, look_up_name),
    ("entities.role-phrases", drop_french_role_fragment),
    ("entities.noise", drop_noise),
    ("entities.role-phrases", drop_portfolio),
    ("entities.demonyms", type_demonyms),
    (CORE, take_table_type),
    ("entities.non-actors", type_non_actors),
    ("entities.head-words", type_by_head_word),
    ("entities.place-phrases", type_named_places),
    ("entities.person-evidence", retype_persons),
    ("entities.split-names", drop_split_name_places),
    (CORE, make_mention),
    ("entities.sports-teams", note_team_evidence),
)
