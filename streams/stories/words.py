"""The word sequence that identity is computed on.

Two outlets printing one dispatch differ in typography (’ vs ', « » vs " ", no-break spaces),
in case and sometimes in accents on capitals ("Etat" / "État"); none of that should make two
copies look different, so identity is computed on folded words, never on raw characters.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")
# Combining marks after NFKD ("é" -> "e" + U+0301): removed by one regex, which is several times
# faster than testing every character (streams.text.strip_diacritics) on a whole article body.
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold_words(text: str) -> list[str]:
    """Lower-cased, accent-free words of ``text`` (letters and digits; punctuation dropped).

    Elided articles split off ("l'acte" -> "l", "acte") so "l’acte" and "l'acte" agree."""
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", text)).casefold()
    return _WORD.findall(folded)
