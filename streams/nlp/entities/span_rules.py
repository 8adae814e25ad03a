"""The rules each span the model tagged goes through, in order, to become a mention (or not).

``SPAN_RULES`` pairs each rule with the pass that switches it off (``CORE`` for the steps every
span needs). A rule returns False to drop the span; the ones after it do not run.
"""

from __future__ import annotations

from collections.abc import Callable

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
    looks_like_demonym,
    misc_by_head,
    names_a_longer_name,
    starts_with_given_name,
    type_by_head,
)
from streams.nlp.entities.org_cues import org_is_person
from streams.nlp.entities.person_spans import extend_person, with_first_name
from streams.nlp.entities.records import inside, mention_of
from streams.nlp.entities.role_phrases import french_fragment, is_portfolio
from streams.nlp.entities.table_names import table_entry
from streams.nlp.entities.vocabulary import (
    DEFINITE_ARTICLES,
    MISC_NAME_KEYS,
    TOURNAMENT_GROUP,
)

SpanRule = Callable[[Article, Candidate], bool]
CORE: str | None = None  # a step every span goes through


def widen_person_span(article: Article, span: Candidate) -> bool:
    """The French models often tag half a name ("Marine [Le Pen]"): grow it over the proper nouns
    around; elsewhere take in a first name left out ("Adolf [Hitler]")."""
    if span.type != "PER":
        return True
    if article.language == "fr":
        span.span_start, span.span_end = extend_person(article.doc, span.span)
    else:
        span.span_start = with_first_name(article.doc, span.span)
    return True


def record_coverage(article: Article, span: Candidate) -> bool:
    article.covered.append((span.span_start, span.span_end, span.type))
    return True


def mark_tournament_group(article: Article, span: Candidate) -> bool:
    """"Group D", a stage of a competition: seen before the trim takes the letter for an initial."""
    span.group_stage = TOURNAMENT_GROUP.fullmatch(article.text, span.span_start, span.span_end) is not None
    return True


def trim_span(article: Article, span: Candidate) -> bool:
    span.start, span.end = trim(article.text, span.span_start, span.span_end, article.language)
    if span.group_stage:
        span.end = span.span_end - article.text[span.span_start:span.span_end].endswith(".")
    return True


def refine_span(article: Article, span: Candidate) -> bool:
    if not span.group_stage and span.end > span.start:
        span.start, span.end = refine(article.doc, article.text, span.start, span.end, span.type, article.language,
                                      article.places)
    return True


def _table_entry(article: Article, span: Candidate) -> AliasEntry | None:
    return table_entry(article.table, span.surface, article.language, span.type, article.person_words,
                       article.city_places)


def look_up_name(article: Article, span: Candidate) -> bool:
    """Drop an empty span or one inside metadata; find the rest in the alias table."""
    if span.end <= span.start or inside(span.start, span.end, article.meta):
        return False
    span.surface = article.text[span.start:span.end]
    span.entry = _table_entry(article, span)
    return True


def drop_french_role_fragment(article: Article, span: Candidate) -> bool:
    """"ministre de la Défense", "chef de l'État": no name; "de la France": France, if known."""
    if article.language != "fr" or span.entry is not None:
        return True
    fragment = french_fragment(article.text, span.start, span.end, span.surface)
    if fragment is None:
        return True
    if fragment < 0:
        return False
    span.start += fragment  # the name after the article, if the table knows it
    span.surface = article.text[span.start:span.end]
    span.entry = _table_entry(article, span)
    return span.entry is not None  # "ministre de la Défense", "de l'Agriculture"


def drop_noise(article: Article, span: Candidate) -> bool:
    return not is_noise(article.doc, span.span, span.start, span.end, span.surface, span.entry is not None,
                        article.lower_words, article.person_words)


def drop_portfolio(article: Article, span: Candidate) -> bool:
    return not (article.language == "en" and span.entry is None and span.type != "PER"
                and is_portfolio(article.text, span.start, span.end, span.surface))


def type_demonyms(article: Article, span: Candidate) -> bool:
    """"Russes", "Sri Lankan", and a plural tagged as a person ("Romanians", "Berliners") name a
    people: MISC."""
    if span.entry is not None:
        return True
    if span.type in ("LOC", "MISC", "ORG") and " " not in span.surface:
        if looks_like_demonym(alias_key(span.surface), article.places):
            span.type = "MISC"
    elif span.type in ("LOC", "ORG") and compound_demonym(span.surface, article.table, article.language):
        span.type = "MISC"
    if span.type == "PER" and len(span.span) == 1 and span.span[0].tag_ in ("NNS", "NNPS") \
            and span.surface.endswith("s"):
        span.type = "MISC"
    return True


def take_table_type(article: Article, span: Candidate) -> bool:
    if span.entry is not None:
        span.type = span.entry.type
    return True


def type_non_actors(article: Article, span: Candidate) -> bool:
    """Competitions, awards, faiths, eras ("Champions League", "Brexit"), treaties and events by
    their head word ("Lisbon Treaty"), tournament groups: MISC."""
    if span.entry is None and (alias_key(span.surface) in MISC_NAME_KEYS or span.group_stage
                               or span.type in ("ORG", "LOC") and misc_by_head(span.surface)):
        span.type = "MISC"
        span.non_actor = True
    return True


def type_by_head_word(article: Article, span: Candidate) -> bool:
    if span.entry is None and not span.non_actor:
        span.type = type_by_head(span.surface) or span.type
    return True


def type_named_places(article: Article, span: Candidate) -> bool:
    """"the town of Birstall", "the city of Naameh": a place, whatever the model says."""
    if span.type in ("ORG", "PER") and span.entry is None and not article.sport \
            and type_by_head(span.surface) is None and named_as_place(article.doc, span.span):
        span.type = "LOC"
    return True


def retype_persons(article: Article, span: Candidate) -> bool:
    """A person tagged as an organisation ("striker Lukas Podolski", "Cristiano Ronaldo"), a place or
    MISC ("Namibia's Hifikepunye Pohamba"); an acronym tagged as a person names a body ("la CFDT")."""
    if span.entry is not None:
        return True
    doc, surface = article.doc, span.surface
    start = span.span.start
    named = not (doc[start].lower_ in DEFINITE_ARTICLES or start > 0 and doc[start - 1].lower_ in DEFINITE_ARTICLES)
    if span.type == "ORG" and (org_is_person(doc, span.span, surface) or named and starts_with_given_name(
            surface.split(), surface, article.table, article.language)) or (span.type in ("LOC", "MISC") and named and " " in surface
          and article.table.lookup(surface, article.language) is None and not misc_by_head(surface)
          and starts_with_given_name(surface.split(), surface, article.table, article.language)):
        span.type = "PER"
    elif span.type == "PER" and len(surface) >= 3 and surface.isalpha() and surface.isupper():
        span.type = "ORG"
    return True


def drop_split_name_places(article: Article, span: Candidate) -> bool:
    """"Vietnam [War]", "Atlanta [Olympics]", "Cologne [Cathedral]": the model split a name; a
    country opening a body's name stays ("US Senate")."""
    country = span.entry is not None and span.entry.id.startswith("Q")
    return not (span.type == "LOC" and article.language == "en"
                and names_a_longer_name(article.text, span.end, country))


def make_mention(article: Article, span: Candidate) -> bool:
    span.mention = mention_of(span.start, span.end, span.surface, span.type, span.entry)
    return True


def note_team_evidence(article: Article, span: Candidate) -> bool:
    """In sports copy, note the names used as teams ("Nuremberg upset Werder Bremen") and the
    mentions used as places ("in Bremen"); article_rules.retype_teams acts on them."""
    if not article.sport or span.type not in ("LOC", "PER"):
        return True
    surface, entry = span.surface, span.entry
    if span.type == "PER" and entry is None:  # a player's goal is no team's: only a place's name
        named_place = ends_with_place(surface, article.table, article.language) or (
            alias_key(surface) not in article.person_words and exact_place(surface, article.table, article.language))
    else:
        named_place = True
    if named_place and (span.type == "PER" and entry is None and " " in surface
                        or has_team_evidence(article.doc, span.span, article.text, span.end)):
        article.team_keys.add(alias_key(surface))
    if span.type == "LOC" and has_place_evidence(article.doc, span.span, True, set(), article.table,
                                                 article.language):
        article.place_used.add(id(span.mention))
    return True


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
