"""Per-language lexicons for quote attribution: reporting verbs, source prepositions, negators.

Kept apart from the quote logic so that a new language is a data file plus a few word lists,
and so that the verb lists can be reviewed by a non-programmer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_FR_ER_ENDINGS = (
    "e", "es", "ent", "é", "ée", "és", "ées", "ait", "aient", "a", "èrent",
    "era", "eront", "erait", "ant", "ons", "ez", "ais",
)


@dataclass(frozen=True)
class CueLexicon:
    """Everything the attribution rules need to know about one language."""

    lang: str
    lemmas: frozenset[str]  # reporting verbs, by lemma
    forms: frozenset[str]  # their inflected forms, for when the lemmatizer fails
    phrasal: frozenset[tuple[str, str]]  # ("go", "on"), ("point", "out"): verb + particle
    roles: frozenset[str]  # "minister", "porte-parole": a person named by role
    generic_roles: frozenset[str]  # "official", "l'élu": roles that fit any person
    sources: tuple[tuple[str, ...], ...]  # "according to X", "selon X": lowercased token texts
    negators: frozenset[str]  # words that negate a cue verb just before it
    determiners: frozenset[str]  # a form preceded by one of these is a noun ("la note")
    pronouns: frozenset[str]  # 3rd-person subject pronouns that need resolving
    singular_pronouns: frozenset[str]
    relative_pronouns: frozenset[str]
    indefinite: frozenset[str]  # "estime-t-on", "prévient-on": nobody in particular speaks
    function_words: frozenset[str]  # lower-case words allowed inside a Title Case span
    time_words: frozenset[str]  # skipped between an inverted cue and its subject
    work_words: frozenset[str]  # 'the film "…"', 'intitulé « … »': what follows is a title
    qualify: frozenset[str] = frozenset()  # "qualifier X de « … »": a short quote is the verdict


def _read_lines(name: str) -> dict[str, list[list[str]]]:
    """Rows of a data file by [section] ("verbs" before any header); '#' starts a comment."""
    try:
        raw = resources.files("streams").joinpath("data", name).read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return {}
    sections: dict[str, list[list[str]]] = {"verbs": []}
    current = sections["verbs"]
    for line in raw.splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1].strip(), [])
        elif line:
            current.append(line.split())
    return sections


def _forms_fr(lemma: str) -> set[str]:
    if lemma.endswith("er"):
        stem = lemma[:-2]
        return {stem + end for end in _FR_ER_ENDINGS}
    return {lemma}


def _forms_en(lemma: str) -> set[str]:
    out = {lemma}
    if lemma.endswith("e"):
        out |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    elif lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        out |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    elif lemma.endswith(("s", "sh", "ch", "x", "z", "o")):
        out |= {lemma + "es", lemma + "ed", lemma + "ing"}
    else:
        out |= {lemma + "s", lemma + "ed", lemma + "ing"}
    return out


_COMMON = {
    "fr": dict(
        sources=(("selon",), ("d'", "après"), ("d'après",), ("aux", "dires", "de")),
        negators=frozenset({"ne", "n'", "pas", "jamais", "guère", "nullement", "point"}),
        determiners=frozenset({"le", "la", "les", "l'", "un", "une", "des", "du", "cette", "ce",
                               "ces", "sa", "son", "ses", "leur", "leurs", "notre", "votre"}),
        pronouns=frozenset({"il", "elle", "ils", "elles", "celui-ci", "celle-ci", "ceux-ci",
                            "celles-ci", "iel", "iels", "lui", "eux"}),
        singular_pronouns=frozenset({"il", "elle", "celui-ci", "celle-ci", "iel", "lui"}),
        indefinite=frozenset({"on"}),
        relative_pronouns=frozenset({"qui", "lequel", "laquelle", "lesquels", "lesquelles"}),
        function_words=frozenset({"de", "du", "des", "la", "le", "les", "l'", "d'", "et", "à",
                                  "au", "aux", "en", "un", "une", "pour", "sur", "dans", "par"}),
        time_words=frozenset({"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi",
                              "dimanche", "hier", "aujourd'hui", "demain", "soir", "matin",
                              "récemment", "encore", "aussi", "également", "alors", "ensuite",
                              "enfin", "déjà", "plus", "tard", "après-midi"}),
        work_words=frozenset({"livre", "roman", "film", "série", "émission", "chanson", "album",
                              "ouvrage", "essai", "pièce", "spectacle", "documentaire", "journal",
                              "magazine", "quotidien", "hebdomadaire", "rubrique", "podcast",
                              "opération", "exposition", "festival", "recueil", "feuilleton",
                              "téléfilm", "intitulé", "intitulée", "intitulés", "intitulées",
                              "baptisé", "baptisée", "titre", "titré", "titrée", "titrait",
                              "dénommé", "dénommée", "hashtag", "mot-dièse"}),
    ),
    "en": dict(
        sources=(("according", "to"),),
        negators=frozenset({"not", "n't", "never", "nor", "no"}),
        determiners=frozenset({"the", "a", "an", "this", "that", "his", "her", "their", "its",
                               "our", "my", "your"}),
        pronouns=frozenset({"he", "she", "they", "it"}),
        singular_pronouns=frozenset({"he", "she"}),
        indefinite=frozenset(),  # "one said" is rare in news; left to the cue rules
        relative_pronouns=frozenset({"who", "which", "that"}),
        function_words=frozenset({"of", "the", "and", "a", "an", "in", "on", "for", "to", "at",
                                  "by", "with", "from", "or", "vs", "vs."}),
        time_words=frozenset({"monday", "tuesday", "wednesday", "thursday", "friday",
                              "saturday", "sunday", "yesterday", "today", "tonight", "later",
                              "also", "then", "again", "recently", "earlier", "once", "later",
                              "simply", "only", "just", "flatly", "bluntly"}),
        work_words=frozenset({"book", "novel", "film", "movie", "series", "show", "program",
                              "programme", "song", "album", "play", "documentary", "podcast",
                              "newspaper", "magazine", "column", "sitcom", "musical", "memoir",
                              "episode", "titled", "entitled", "headlined", "hashtag",
                              "operation", "exhibit", "exhibition", "festival", "anthem", "poem",
                              "painting", "opera", "track", "single", "miniseries"}),
    ),
}


@lru_cache(maxsize=16)
def lexicon(lang: str) -> CueLexicon | None:
    """The cue lexicon for a language code ("fr", "en-GB" -> "en"), or None if unsupported."""
    base = (lang or "").split("-")[0].split("_")[0].lower()
    common = _COMMON.get(base)
    if common is None:
        return None
    lemmas: set[str] = set()
    forms: set[str] = set()
    phrasal: set[tuple[str, str]] = set()
    make = _forms_fr if base == "fr" else _forms_en
    sections = _read_lines(f"cues-{base}.txt")
    roles = frozenset(row[0].lower() for row in sections.get("roles", []))
    generic = frozenset(row[0].lower() for row in sections.get("roles", []) if "generic" in row[1:])
    qualify = frozenset(row[0].lower() for row in sections.get("qualify", []))
    for row in sections.get("verbs", []):
        lemma = row[0].lower()
        if "_" in lemma:
            verb, particle = lemma.split("_", 1)
            phrasal.add((verb, particle))
            continue
        lemmas.add(lemma)
        forms |= make(lemma)
        forms |= {w.lower() for w in row[1:]}
    return CueLexicon(lang=base, lemmas=frozenset(lemmas), forms=frozenset(forms),
                      phrasal=frozenset(phrasal), roles=roles,
                      generic_roles=generic, qualify=qualify, **common)
