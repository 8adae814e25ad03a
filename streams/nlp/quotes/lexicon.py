"""The words quote attribution knows per language, loaded from streams/lang/<code>/.

``cues.txt`` lists the reporting verbs (with irregular forms), the role nouns and the verdict
verbs; ``quotes.txt`` the other word lists the rules look for (pronouns, negators, source
prepositions, time words, names of works...).  A language with a ``cues.txt`` is a language
whose quotes get speakers; a new one is a new folder, not new code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from streams import lang
from streams.lang import LANG_DIR

# Languages whose quotes get speakers: those with a list of reporting verbs.
QUOTE_LANGUAGES: tuple[str, ...] = tuple(sorted(path.parent.name for path in LANG_DIR.glob("*/cues.txt")))


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
    negators: frozenset[str]  # negative words: they end a cue phrase
    non_verb_negators: frozenset[str]  # "no", "nor": negative, but not of the verb next to them
    negators_after_verb: frozenset[str]  # "ne dit pas": the verb is negated when ...
    negation_particles: frozenset[str]  # ... one of these comes before it
    determiners: frozenset[str]  # a form preceded by one of these is a noun ("la note")
    pronouns: frozenset[str]  # 3rd-person subject pronouns that need resolving
    singular_pronouns: frozenset[str]
    relative_pronouns: frozenset[str]
    indefinite: frozenset[str]  # "estime-t-on", "prévient-on": nobody in particular speaks
    function_words: frozenset[str]  # lower-case words allowed inside a Title Case span
    time_words: frozenset[str]  # skipped between an inverted cue and its subject
    work_words: frozenset[str]  # 'the film "…"', 'intitulé « … »': what follows is a title
    naming_words: frozenset[str]  # 'la loi dite « … »': what follows is a name
    stance_prepositions: frozenset[str]  # "Pour le ministre, « … »"
    gerund_markers: frozenset[str]  # "en ajoutant": the participle introduces what follows
    present_participle_endings: tuple[str, ...]


def every_language(name: str, section: str) -> frozenset[str]:
    """A word list over every quote language, for rules that accept the words of any of them
    whatever the article's language."""
    return lang.words_any(QUOTE_LANGUAGES, name, section)


def either_case_pattern(word: str) -> str:
    """A regular expression for `word` with its first letter in either case and a final
    apostrophe either straight or typographic ("l'" -> "[lL]['’]")."""
    head, rest = word[:1], word[1:]
    tail = re.escape(rest[:-1]) + "['’]" if rest.endswith("'") else re.escape(rest)
    return f"[{head.lower()}{head.upper()}]{tail}"


def _forms_fr(lemma: str, endings: tuple[str, ...]) -> set[str]:
    """A regular -er verb's forms from the endings listed in quotes.txt; other verbs list theirs."""
    if lemma.endswith("er"):
        stem = lemma[:-2]
        return {stem + end for end in endings}
    return {lemma}


def _forms_en(lemma: str, endings: tuple[str, ...]) -> set[str]:
    """-s, -ed, -ing with the usual spelling changes; irregular forms are listed in cues.txt."""
    forms = {lemma}
    if lemma.endswith("e"):
        forms |= {lemma + "s", lemma + "d", lemma[:-1] + "ing"}
    elif lemma.endswith("y") and lemma[-2:-1] not in "aeiou":
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied", lemma + "ing"}
    elif lemma.endswith(("s", "sh", "ch", "x", "z", "o")):
        forms |= {lemma + "es", lemma + "ed", lemma + "ing"}
    else:
        forms |= {lemma + "s", lemma + "ed", lemma + "ing"}
    return forms


# How a language's regular verbs inflect; a language without an entry lists all its forms.
_REGULAR_FORMS = {"fr": _forms_fr, "en": _forms_en}


def _rows(code: str, section: str) -> list[list[str]]:
    return [line.split() for line in lang.entries(code, "cues", section)]


@lru_cache(maxsize=16)
def lexicon(language: str) -> CueLexicon | None:
    """The cue lexicon for a language code ("fr", "en-GB" -> "en"), or None if unsupported."""
    code = (language or "").split("-")[0].split("_")[0].lower()
    if code not in QUOTE_LANGUAGES:
        return None

    def quote_words(section: str) -> frozenset[str]:
        return lang.words(code, "quotes", section)

    endings = lang.entries(code, "quotes", "er-verb-endings")
    lemmas: set[str] = set()
    forms: set[str] = set()
    phrasal: set[tuple[str, str]] = set()
    for row in _rows(code, ""):
        lemma = row[0].lower()
        if "_" in lemma:
            verb, particle = lemma.split("_", 1)
            phrasal.add((verb, particle))
            continue
        lemmas.add(lemma)
        inflect = _REGULAR_FORMS.get(code)
        forms |= inflect(lemma, endings) if inflect is not None else {lemma}
        forms |= {word.lower() for word in row[1:]}
    roles = _rows(code, "roles")
    return CueLexicon(
        lang=code,
        lemmas=frozenset(lemmas),
        forms=frozenset(forms),
        phrasal=frozenset(phrasal),
        roles=frozenset(row[0].lower() for row in roles),
        generic_roles=frozenset(row[0].lower() for row in roles if "generic" in row[1:]),
        sources=tuple(tuple(entry.split()) for entry in lang.entries(code, "quotes", "sources")),
        negators=quote_words("verb-negators") | quote_words("other-negators"),
        non_verb_negators=quote_words("other-negators"),
        negators_after_verb=quote_words("negators-after-verb"),
        negation_particles=quote_words("negation-particles"),
        determiners=quote_words("determiners"),
        pronouns=quote_words("pronouns"),
        singular_pronouns=quote_words("singular-pronouns"),
        relative_pronouns=quote_words("relative-pronouns"),
        indefinite=quote_words("indefinite-pronouns"),
        function_words=quote_words("function-words"),
        time_words=quote_words("time-words"),
        work_words=quote_words("work-words"),
        naming_words=quote_words("naming-words"),
        stance_prepositions=quote_words("stance-prepositions"),
        gerund_markers=quote_words("gerund-markers"),
        present_participle_endings=lang.entries(code, "quotes", "present-participle-endings"),
    )


# The subject pronoun after an inverted verb, written with a hyphen: "dit-elle", "a-t-il noté",
# "estime-t-on" (group 1 is the pronoun).
INVERTED_PRONOUN_RE = re.compile(
    r"-(?:t-)?("
    + "|".join(sorted(every_language("quotes", "inverted-pronouns"), key=lambda word: (-len(word), word)))
    + r")\b",
    re.IGNORECASE,
)
