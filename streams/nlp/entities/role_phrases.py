"""Phrases around a name that make it something else: a ministerial portfolio ("Defense" in
"Defense Minister X", "ministre de la Défense"), the town of a French institution ("tribunal
correctionnel de [Lyon]"), a craft named like a person ("la sonde européenne Hera")."""

from __future__ import annotations

from streams.nlp.entities.aliases import alias_key
from streams.nlp.entities.vocabulary import (
    CRAFT_BEFORE,
    FRENCH_INSTITUTION_BEFORE,
    FRENCH_OF_ARTICLE,
    FRENCH_PORTFOLIO_BEFORE,
    FRENCH_PORTFOLIO_TITLE_HEADS,
    FRENCH_STATE_KEYS,
    PERSON_ROLE_AFTER,
    PERSON_ROLE_BEFORE,
    PERSON_TITLES,
    PORTFOLIO_WORDS,
    ROLE_ADJECTIVE_KEYS,
)


def is_portfolio(text: str, start: int, end: int, surface: str) -> bool:
    """An English portfolio next to its role: "Defense" in "Defense Minister X", "State" in
    "Secretary of State John Kerry", "Malaysian Human Resources" in "... Human Resources Minister"."""
    words = surface.split()
    if len(words) > 1 and not words[0].islower() and words[0].casefold() not in PORTFOLIO_WORDS:
        if words[0].isupper():
            return False  # "EU Trade Commissioner": the EU is named, keep the span
        words = words[1:]  # "Malaysian Human Resources"
    if not words or any(w.casefold().strip(",") not in PORTFOLIO_WORDS for w in words):
        return False
    return bool(PERSON_ROLE_AFTER.match(text, end) or PERSON_ROLE_BEFORE.search(text[max(0, start - 40):start]))


def _after_portfolio(before: str) -> bool:
    """FRENCH_PORTFOLIO_BEFORE, searched only if a title is there at all (the search tries every
    offset of the text before each span)."""
    return any(head in before for head in FRENCH_PORTFOLIO_TITLE_HEADS) and FRENCH_PORTFOLIO_BEFORE.search(
        before) is not None


def french_fragment(text: str, start: int, end: int, surface: str) -> int | None:
    """For a French span unknown to the table: None when it is a name, -1 when it is a role phrase's
    fragment (drop it), or the length of a leading "de la"/"de l'" to strip before a known name.

    The small model tags the complement of a role as a name: "ministre de la Défense", "chef de
    l'État", "les États membres"; a span that opens with a lower-case "de la" is such a complement."""
    match = FRENCH_OF_ARTICLE.match(surface)
    if match:
        return match.end()
    words = surface.split()
    if alias_key(words[0]) in FRENCH_STATE_KEYS and all(w.islower() for w in words[1:]):
        return -1  # "chef de l'État", "États membres", "l'État ukrainien"
    if len(words) <= 3 and _after_portfolio(text[max(0, start - 60):start]):
        return -1  # "ministre des Transports"
    if all(alias_key(w) in PERSON_TITLES or alias_key(w) in ROLE_ADJECTIVE_KEYS for w in words):
        return -1  # "le Premier ministre", "la Présidente": a role, whoever holds it
    return None


def is_craft(text: str, start: int, language: str) -> bool:
    """The name follows a craft's common noun ("la sonde européenne Hera", "the probe Juno")."""
    before = text[max(0, start - 40):start]
    match = CRAFT_BEFORE.search(before)
    if not match:
        return False
    adjective = match.group(0).split()[1:]
    return not adjective or language == "fr"  # an English adjective sits before the noun


def institution_start(text: str, start: int) -> int | None:
    """Where a lower-case French institution phrase completed by the name at ``start`` begins
    ("le [tribunal correctionnel de] Lyon"), or None."""
    before = text[max(0, start - 50):start]
    match = FRENCH_INSTITUTION_BEFORE.search(before) if _ends_with_de(before) else None
    return None if match is None else start - (len(before) - match.start())


def _ends_with_de(before: str) -> bool:
    """What FRENCH_INSTITUTION_BEFORE needs last: "de" and spaces, or "d'", at the end or before a
    final line break ($); checked before its search, which tries every offset."""
    stripped = before.rstrip()
    return stripped.endswith("de") and len(stripped) < len(before) or before.removesuffix("\n").endswith(
        ("d'", "d\u2019"))
