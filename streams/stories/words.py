"""The word sequence that identity is computed on.

Two outlets printing one dispatch differ in typography (’ vs ', « » vs " ", no-break spaces),
in case and sometimes in accents on capitals ("Etat" / "État"); none of that should make two
copies look different, so identity is computed on folded words, never on raw characters.
"""

from __future__ import annotations

import re
import unicodedata

from streams.text import strip_diacritics

_WORD = re.compile(r"[^\W_]+")


def fold_words(text: str) -> list[str]:
    """Lower-cased, accent-free words of ``text`` (letters and digits; punctuation dropped).

    Elided articles split off ("l'acte" -> "l", "acte") so "l’acte" and "l'acte" agree."""
    folded = strip_diacritics(unicodedata.normalize("NFKC", text)).casefold()
    return _WORD.findall(folded)
