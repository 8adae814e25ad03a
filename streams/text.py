"""Text folding and the NLP character view, defined once for every stage.

Each fold answers one question, so each has its own name: ``nlp_char_view`` is what spaCy is
shown (same length as the body, so offsets carry over), ``search_key`` finds a name in running
text, ``fold`` keys topic labels, ``name_key`` keys rule actors, ``fold_with_map`` compares
quotes and names in evaluation while keeping offsets.
"""

from __future__ import annotations

import re
import unicodedata

# --- the NLP view: one-for-one replacements that keep offsets -------------------------------
# Typographic apostrophes -> ', no-break, figure, thin and hair spaces -> space.  fr_core_news
# mis-tags "n’", "qu’", "C’" as entities and splits "l’OTAN" badly when it sees U+2019.
NLP_VIEW_TABLE = str.maketrans(
    {
        "\u2019": "'",
        "\u02bc": "'",
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u200a": " ",
    }
)

# spaCy's tokenizer is quadratic on long runs without spaces ("""""..., ((((...): a 60 kB run
# takes minutes. No word is that long, so such runs get a space every RUN_BREAK characters.
RUN_BREAK = 64
_LONG_RUN = re.compile(r"\S{%d,}" % (RUN_BREAK + 1))


def _break_run(match: re.Match) -> str:
    run = match.group(0)
    return " ".join(run[i:i + RUN_BREAK - 1] for i in range(0, len(run), RUN_BREAK))[: len(run)]


def nlp_char_view(body: str) -> str:
    """The body with typographic variants flattened, character for character (same length)."""
    return body.translate(NLP_VIEW_TABLE)


def nlp_view(body: str) -> str:
    """The text spaCy parses: ``nlp_char_view`` with pathological runs without spaces broken up
    (still the same length as ``body``)."""
    view = nlp_char_view(body)
    return _LONG_RUN.sub(_break_run, view) if len(view) > RUN_BREAK else view


# --- folds ---------------------------------------------------------------------------------

APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2018": "'", "`": "'"})


def strip_diacritics(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def lower_ascii(text: str) -> str:
    """Lowercase without diacritics ("Île-de-France" -> "ile-de-france")."""
    return strip_diacritics(text.lower())


def search_key(text: str) -> str:
    """Key to find a name in running text: NLP view, no diacritics, casefolded."""
    return strip_diacritics(nlp_char_view(text)).casefold()


def fold(text: str) -> str:
    """Lowercase and strip accents, so "Élection", "election" and "élection" share a key."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae").replace("’", "'")
    return strip_diacritics(text)


def name_key(text: str) -> str:
    """Accent-, case- and punctuation-insensitive key: "L’OTAN", "l'otan" -> "l otan"."""
    text = strip_diacritics(text.replace("ß", "ss")).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", text).split())


_LOOSE_TABLE = {
    **{ord(c): "'" for c in "\u2019\u2018\u02bc\u02b9\u2032\u0060\u00b4"},
    **{ord(c): '"' for c in "\u201c\u201d\u201e\u00ab\u00bb\u2033"},
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
}


def _fold_char(char: str) -> str:
    char = char.translate(_LOOSE_TABLE)
    return strip_diacritics(char.casefold())


def fold_with_map(text: str) -> tuple[str, list[int]]:
    """Fold case, diacritics, apostrophes, quotes, dashes and whitespace runs, keeping for each
    folded character the index of the source character it came from."""
    out: list[str] = []
    index: list[int] = []
    in_space = False
    for i, char in enumerate(text):
        if char.isspace():
            if not in_space and out:
                out.append(" ")
                index.append(i)
            in_space = True
            continue
        in_space = False
        for folded in _fold_char(char):
            out.append(folded)
            index.append(i)
    while out and out[-1] == " ":
        out.pop()
        index.pop()
    return "".join(out), index


def fold_loose(text: str) -> str:
    return fold_with_map(text)[0]
