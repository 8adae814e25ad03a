"""The entities stage's word lists, read once from streams/lang/<code>/ (see streams.lang).

Most rules run whatever the article's language and must accept a foreign word in running text (a
French title in an English story, a German street name in either), so they read the union of every
language folder; a rule that only runs in one language reads that language's list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from streams.lang import entries, words, words_any
from streams.nlp.entities.aliases import alias_key

RULE_LANGUAGES = ("any", "en", "fr")


def every_language(name: str, section: str = "") -> frozenset[str]:
    """One section of a word list, over every language folder."""
    return words_any(RULE_LANGUAGES, name, section)


def alternation(items: Iterable[str], *, apostrophe: str = "'", either_case_first: bool = False) -> str:
    """A regex group matching any of the phrases literally, longest first: an apostrophe matches
    ``apostrophe`` (a character class such as ANY_APOSTROPHE), and with ``either_case_first`` the
    first letter matches in either case ("[Mm]inister")."""
    patterns = []
    for item in sorted(set(items), key=lambda phrase: (-len(phrase), phrase)):
        pattern = apostrophe.join(re.escape(part) for part in item.split("'"))
        if either_case_first and item[:1].isalpha():
            pattern = f"[{item[0].upper()}{item[0].lower()}]" + pattern[1:]
        patterns.append(pattern)
    return "(?:" + "|".join(patterns) + ")"


def keys(items: Iterable[str]) -> frozenset[str]:
    """The alias keys of the words (accents, case and a leading article folded)."""
    return frozenset(alias_key(item) for item in items)


ANY_APOSTROPHE = "['\u2019]"

# --- names and what never is one ------------------------------------------------------------
FUNCTION_WORDS = every_language("function-words", "never-a-name")
INSIDE_NAME_WORDS = every_language("function-words", "inside-names")
TRAILING_WORDS = every_language("function-words", "never-end-a-name")
DEFINITE_ARTICLES = every_language("function-words", "definite-articles")
OF_WORDS = every_language("function-words", "of")  # "the town [of] X", "la ville [de] X"
NAME_PARTICLES = words("any", "name-particles", "joining")  # lower case: "de", "von", "al"
NAME_PARTICLES_AS_WRITTEN = NAME_PARTICLES | words("any", "name-particles", "joining-capitalised")
WEEKDAYS = every_language("weekdays")
PERSON_TITLES = every_language("person-titles")
ROLE_ADJECTIVE_KEYS = keys(every_language("person-titles", "role-adjectives"))
HONORIFIC_TOKENS = words_any(("en", "fr"), "honorifics", "tokens")  # lower case, as tokens
NAME_OPENING_ARTICLES = every_language("name-articles", "openers")
HEADLINE_ARTICLES = every_language("name-articles", "headline")

# --- head words that type a name ------------------------------------------------------------
MISC_HEADS_LAST = every_language("misc-heads", "last")
MISC_HEADS_FIRST = every_language("misc-heads", "first")
MISC_HEAD_ADJECTIVES = every_language("misc-heads", "first-adjectives")
MISC_HEADS_ALONE = every_language("misc-heads", "first-alone")
MISC_NAME_KEYS = keys(every_language("misc-names"))
COMMON_CAPITAL_KEYS = keys(every_language("common-capitals"))
ORG_HEADS_LAST = every_language("org-heads", "last")
ORG_HEADS_FIRST = every_language("org-heads", "first")
ORG_HEADS_FIRST_KEYS = keys(ORG_HEADS_FIRST)  # accents folded, as name tokens give them
PARTY_MEMBERS = every_language("org-heads", "party-members")
LOC_HEADS_LAST = every_language("loc-heads", "last")
LOC_HEADS_FIRST = every_language("loc-heads", "first")
STREET_ENDINGS = every_language("loc-heads", "hyphenated-last")
# Lower-case words that do open a name: particles and French generic place and body words.
LOWER_CASE_OPENERS = NAME_PARTICLES | LOC_HEADS_FIRST | ORG_HEADS_FIRST | every_language("loc-heads", "name-openers")
CLUB_MARKERS = every_language("sports-clubs", "markers")
CLUB_FIRST_WORDS = every_language("sports-clubs", "first-words")
CLUB_LAST_WORDS = every_language("sports-clubs", "last-words")
PORTFOLIO_WORDS = words("en", "portfolio-words", "portfolios")
FRENCH_STATE_KEYS = keys(words("fr", "portfolio-words", "state"))
DEMONYM_COMPOUND_ENDINGS = entries("en", "demonym-endings", "compound-endings")

# --- evidence around a name -----------------------------------------------------------------
PLACE_OBJECT_VERBS = every_language("place-evidence", "object-verbs")
PLACE_PREPOSITIONS = every_language("place-evidence", "prepositions")
MOTION_VERBS = every_language("place-evidence", "motion-verbs")
PLACE_NOUNS = every_language("place-evidence", "place-nouns")
PLACE_KIND_NOUNS = every_language("place-evidence", "kind-nouns")
PLACE_KIND_AFTER = every_language("place-evidence", "kind-after")
SAY_VERBS = every_language("person-evidence", "say-verbs")
SAY_VERBS_AGAINST_CUES = every_language("person-evidence", "say-verbs-against-cues")
RELATIVE_PRONOUNS = every_language("person-evidence", "relative-pronouns")
ENGLISH_RELATIVE_PRONOUNS = words("en", "person-evidence", "relative-pronouns")
SPORT_WORDS = every_language("sports", "topic-words")
TEAM_VERBS = every_language("sports", "team-verbs")
TEAM_PREPOSITIONS = every_language("sports", "team-prepositions")
TEAM_NOUNS = every_language("sports", "team-nouns")
LOSE_VERBS = every_language("sports", "lose-verbs")
MEDIA_NOUNS = every_language("org-evidence", "media-nouns")
BROADCAST_NOUNS = every_language("org-evidence", "broadcast-nouns")
COMPANY_NOUNS = every_language("org-evidence", "company-nouns")
WEB_NOUNS = every_language("org-evidence", "web-nouns")
WEB_MODIFIERS = every_language("org-evidence", "web-modifiers")
COMPANY_SUFFIXES = every_language("org-evidence", "company-suffixes")
OWNER_NOUNS = every_language("org-evidence", "owner-nouns")
POSSESSED_ORG_NOUNS = every_language("org-evidence", "possessed-nouns")
CHIEF_OF_WORDS = every_language("org-evidence", "chief-of")
LEADERS_AFTER = every_language("org-evidence", "leaders-after")
OWNED = every_language("org-evidence", "owned")
TELL_VERBS = every_language("org-evidence", "tell-verbs")
LIST_OPENERS = every_language("org-evidence", "list-openers")
POSSESSIVES = every_language("org-evidence", "possessives")
AIRCRAFT_NOUNS = every_language("org-evidence", "aircraft-nouns")
SPOKESPEOPLE = every_language("org-evidence", "spokespeople")
STAFF_NOUNS = every_language("org-evidence", "staff-nouns")

# --- patterns built from the lists ----------------------------------------------------------
ELISION = re.compile(
    "^" + alternation(every_language("function-words", "elided"), either_case_first=True) + ANY_APOSTROPHE)
LEADING_ARTICLE = re.compile(
    "^" + alternation(every_language("function-words", "stripped-articles")) + r"\s+(?=[\w\"'\u00ab\u201c])")
COURTESY_TITLE_WORDS = frozenset(t.casefold() for t in every_language("courtesy-titles", "stripped")
                                  | every_language("courtesy-titles", "stripped-before-capital"))
COURTESY_TITLE = re.compile("^" + alternation(every_language("courtesy-titles", "stripped")) + r"\s+")
FRENCH_COURTESY_TITLE = re.compile(
    "^" + alternation(entries("fr", "courtesy-titles", "stripped-before-capital")) + r"\s+(?=[A-Z\u00c0-\u00dd])")
ABBREVIATION_END = re.compile(
    r"(?:\b[A-Z]\.)+$|\b" + alternation(every_language("name-abbreviations")) + r"\.$")
TIME_ZONE = re.compile(r"(?:\s+|^)" + alternation(every_language("time-zones")) + r"(?:\s*[+-]\s*\d+)?$")
STANCE = re.compile("^" + alternation(every_language("stance-prefixes")) + r"-(?=[A-Z\u00c0-\u00dd])", re.IGNORECASE)
TOURNAMENT_GROUP = re.compile(alternation(every_language("tournament-groups")) + r" [A-L]\.?")
DEMONYM_ENDING = re.compile(alternation(every_language("demonym-endings", "endings")) + "$")
ADJECTIVE_DEMONYM_ENDING = re.compile(alternation(every_language("demonym-endings", "adjective-endings")) + "$")

# Bylines and source credits are metadata, not actors of the story: "Author: ... (AFP, Reuters)". A
# label needs its colon: "Credit Kaiserslautern defender X with an assist" is prose.
BYLINE = re.compile(
    r"(?:^|(?<=[.!?\"\u00bb\u201d\u2019)\n]\s)|(?<=\n))"
    r"(?:(?:" + alternation(every_language("bylines", "labels"))
    + "|" + alternation(every_language("bylines", "slash-labels")) + r"(?=\s?:[^\n]{0,60}/))\s?:|"
    + alternation(every_language("bylines", "phrases")) + r")\s?[^\n]{0,300}",
)
# Wire sign-offs: staff initials and agencies joined by slashes closing a story, then any credits
# and labels ("... created. hf/glb/Reuters/dpa/AFP/AP Editor: Chuck Penfold", "mm/rc (AFP, dpa)").
SIGN_OFF = re.compile(
    r"(?:(?<=[.!?\"\u00bb\u201d)\]]\s)|(?<=\n)|^)[a-z]{1,5}(?:/[A-Za-z]{1,14}){1,8}"
    r"(?=\s*(?:\(|$|\n|[A-Z]))(?:\s*\([^()\n]{1,80}\))?"
    r"(?:\s+" + alternation(every_language("bylines", "sign-off-labels")) + r"\s?:\s?[^\n]{0,120})?"
)
_AFTER_CREDIT = r"\s*(?=$|\n|" + alternation(every_language("bylines", "after-credit")) + ")"
AGENCY_CREDIT = re.compile(r"\((?:\s*[A-Za-z][\w.&\-]{0,14}\s*(?:[,/;]|\band\b|\bet\b)?){1,6}\)" + _AFTER_CREDIT)
# Where AGENCY_CREDIT may match: brackets holding only its characters, read without backtracking (the
# credit's own pattern backtracks through every way to cut each bracket's words).
AGENCY_CREDIT_BRACKETS = re.compile(r"\([\w.&\-\s,/;]*+\)" + _AFTER_CREDIT)

PERSON_ROLE_AFTER = re.compile(
    r"\s+" + alternation(entries("en", "portfolio-words", "roles"), either_case_first=True) + r"\b")
PERSON_ROLE_BEFORE = re.compile(
    r"\b" + alternation(entries("en", "portfolio-words", "roles"), either_case_first=True)
    + r"\s+(?:of|for)\s+(?:the\s+)?$")
FRENCH_OF_ARTICLE = re.compile("^" + alternation(entries("fr", "function-words", "of-articles")) + r"\s*(?=\S)")
FRENCH_PORTFOLIO_TITLES = entries("fr", "portfolio-words", "titles")
# what every FRENCH_PORTFOLIO_BEFORE match holds as written: a title up to its first apostrophe
FRENCH_PORTFOLIO_TITLE_HEADS = tuple(sorted({title.split("'")[0] for title in FRENCH_PORTFOLIO_TITLES}))
FRENCH_PORTFOLIO_BEFORE = re.compile(
    r"\b" + alternation(FRENCH_PORTFOLIO_TITLES, apostrophe=ANY_APOSTROPHE)
    + r"(?:(?:\s+(?:d['\u2019])?[a-z\u00e0-\u00ff-]+){0,2}?\s+(?:de la\s+|de l['\u2019]|du\s+|des\s+|d['\u2019])"
    # "au Climat", "à la Mer": only right after the title or a word of it ("commissaire européen au"),
    # not after a verb ("le ministre a écrit à la Fondation Abbé Pierre")
    r"|(?:\s+" + alternation(entries("fr", "portfolio-words", "title-qualifiers")) + ")?"
    r"\s+(?:au\s+|\u00e0 la\s+|\u00e0 l['\u2019]|aux\s+))$")


def _institution_names() -> str:
    """The institutions of fr/institutions.txt, each with the words that may follow it."""
    names = []
    for name in entries("fr", "institutions", "before-town"):
        qualifiers = entries("fr", "institutions", name)
        pattern = alternation([name], apostrophe=ANY_APOSTROPHE)
        if qualifiers:
            pattern += r"(?:\s+" + alternation(qualifiers) + ")?"
        names.append(pattern)
    return "(?:" + "|".join(names) + ")"


# Lower-case French institution phrases completed by a town's name: the institution is the actor
# ("le tribunal correctionnel de Lyon", "le centre hospitalier de Quimper").
FRENCH_INSTITUTION_BEFORE = re.compile(r"(?<![\w-])" + _institution_names() + r"\s+(?:de\s+|d['\u2019])$")
# Craft named after a common noun ("la sonde européenne Hera", "the probe Juno"): a product or
# mission, not a person, organisation or place.
CRAFT_BEFORE = re.compile(
    r"(?<![\w-])" + alternation(every_language("craft-nouns")) + r"(?:\s+[a-z\u00e0-\u00ff-]+)?\s+$")
