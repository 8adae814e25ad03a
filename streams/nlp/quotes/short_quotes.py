"""When one quoted word is a quotation: only with a firm cue of its own.

A signature dash, 'selon X, …' before it, an incise or colon lead-in around a word that opens
its own sentence ('«Oui», dit-il', '"Never," he added', 'a répondu : « Jamais. »'). A single
word inside a narrative sentence ('a « scandaleuse » décision', 'a "burn bag," the paper
reported') is a scare quote, as the real-press annotation guideline has it.
"""

from __future__ import annotations

from streams.nlp.quotes.article_index import DASHES, END_PUNCT
from streams.nlp.quotes.attributor import Attributor, QuoteCandidate
from streams.nlp.quotes.cues import Cue
from streams.nlp.quotes.quote_marks import CLOSING_MARKS, is_space

__all__ = ["is_firm", "opens_sentence"]


def is_firm(attributor: Attributor, quote: QuoteCandidate, cue: Cue) -> bool:
    """The cue makes even one word a quotation."""
    if cue.kind == "dash":
        return True
    if cue.kind == "src" and attributor.doc[cue.token].idx < quote.span.open_at:
        return True
    return cue.kind in ("src", "verb") and cue.strong and opens_sentence(attributor.body, quote.span.open_at)


def opens_sentence(body: str, at: int) -> bool:
    """The mark at `at` starts a paragraph or a sentence, or follows a colon or dash."""
    j = at - 1
    while j >= 0 and is_space(body[j]):
        j -= 1
    if j < 0 or body[j] == "\n":
        return True
    char = body[j]
    if char in END_PUNCT or char == ":" or char in DASHES:
        return True
    if char in CLOSING_MARKS:  # after another quotation: did it end a sentence?
        k = j - 1
        while k >= 0 and is_space(body[k]):
            k -= 1
        return k >= 0 and body[k] in END_PUNCT
    return False
