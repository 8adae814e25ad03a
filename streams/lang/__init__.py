"""Per-language word lists for the NLP rules, kept as data files (as spaCy keeps spacy/lang/fr/).

``streams/lang/<code>/<name>.txt`` holds one entry per line; ``#`` starts a comment; a line
``[section]`` starts a named section (entries before any header are in section ``""``).
``streams/lang/any/`` holds lists that do not depend on the language (name particles shared
by many languages, for instance).  A new language is a new folder: the rules read their words
from here and never spell them out in code.
"""

from __future__ import annotations

from functools import lru_cache

from streams.paths import PACKAGE_DIR

LANG_DIR = PACKAGE_DIR / "lang"


class MissingWordList(FileNotFoundError):
    """A rule asked for a word list no language folder has."""


@lru_cache(maxsize=None)
def sections(language: str, name: str) -> dict[str, tuple[str, ...]]:
    """The entries of ``lang/<language>/<name>.txt`` by section, in file order; an absent file
    for a language gives no entries (the language simply lacks that rule)."""
    path = LANG_DIR / language / f"{name}.txt"
    if not path.is_file():
        if not any(LANG_DIR.glob(f"*/{name}.txt")):
            raise MissingWordList(f"no word list {name!r} in any folder of {LANG_DIR}")
        return {}
    found: dict[str, list[str]] = {"": []}
    current = found[""]
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = found.setdefault(line[1:-1].strip(), [])
        elif line:
            current.append(line)
    return {key: tuple(values) for key, values in found.items()}


def entries(language: str, name: str, section: str = "") -> tuple[str, ...]:
    """The lines of one section of a word list, in file order."""
    return sections(language, name).get(section, ())


def words(language: str, name: str, section: str = "") -> frozenset[str]:
    """One section of a word list as a set."""
    return frozenset(entries(language, name, section))


def words_any(languages: tuple[str, ...], name: str, section: str = "") -> frozenset[str]:
    """The union of a word list over several languages (for rules that do not know the
    article's language, or that must accept a foreign word in running text)."""
    return frozenset().union(*(words(language, name, section) for language in languages))
