"""When one or two quoted words are a quotation: only with a firm cue of their own.

A signature dash, 'selon X, …' before them, an incise or colon lead-in around words that open
their own sentence ('«Oui», dit-il', '"We won," he added', 'a répondu : « Jamais. »'), a verdict
verb ('a qualifié la décision de « scandaleuse »') or, in French agency copy, the words a
reporting verb governs ('a appelé les États à « un sursaut »'). Words inside a narrative
sentence ('a "burn bag," the paper reported') are a scare quote.
"""

from __future__ import annotations

from streams.nlp.quotes import SHORT_QUOTE_CUES
from streams.nlp.quotes.article_index import DASHES, END_PUNCT, is_sentence_end
from streams.nlp.quotes.attributor import Attributor, QuoteCandidate
from streams.nlp.quotes.cues import Cue
from streams.nlp.quotes.quote_marks import CLOSING_MARKS, is_space

__all__ = ["is_firm"]

# On the way from a short quote up to the verb reporting it: a coordinated clause, a subject or an
# apposition means the words are not what the speaker said.
_NOT_REPORTED_DEPS = frozenset({"conj", "parataxis", "nsubj", "nsubj:pass", "appos"})


def is_firm(attributor: Attributor, quote: QuoteCandidate, cue: Cue) -> bool:
    """The cue makes even one or two words a quotation."""
    if cue.kind == "dash":
        return True
    if attributor.runs(SHORT_QUOTE_CUES) and (
            _verdict(attributor, quote, cue) or _reported_words(attributor, quote, cue)):
        return True
    if cue.kind == "src" and attributor.doc[cue.token].idx < quote.span.open_at:
        return True
    return cue.kind in ("src", "verb") and cue.strong and _opens_sentence(attributor.body, quote.span.open_at)


def _named_verb_before(attributor: Attributor, quote: QuoteCandidate, cue: Cue) -> range | None:
    """The tokens between a reporting verb with a named speaker and the quote after it, or None
    when the cue is something else."""
    if cue.kind != "verb" or cue.speaker is None or cue.speaker.etype not in ("PER", "ORG"):
        return None
    verb = attributor.doc[cue.token]
    if verb.idx >= quote.span.open_at:
        return None
    return attributor.article.token_range(verb.idx + len(verb.text), quote.span.open_at)


def _verdict(attributor: Attributor, quote: QuoteCandidate, cue: Cue) -> bool:
    """'a qualifié la décision de « scandaleuse »', 'a décrit un « système organisé »': a
    short quote that a verdict verb with a named speaker takes as its object, in one clause."""
    doc, qualify = attributor.doc, attributor.lex.qualify
    if cue.kind != "verb":
        return False
    verb = doc[cue.token]
    if attributor.article.lemma(verb) not in qualify and verb.lower_ not in qualify:
        return False
    between = _named_verb_before(attributor, quote, cue)
    if between is None or len(between) > 8:
        return False
    return not any(is_sentence_end(doc[j]) or doc[j].text in (",", ";", ":") or doc[j].pos_ in ("VERB", "SCONJ")
                   for j in between)


def _reported_words(attributor: Attributor, quote: QuoteCandidate, cue: Cue) -> bool:
    """French agency copy puts a speaker's own words in guillemets inside the sentence that
    reports them: 'a appelé les États à « un sursaut »', 'a assuré que l’UE restait « à
    l’avant-garde »'. The reporting verb comes first in the same sentence, its speaker is a
    named person or organisation, and the quote lies in what the verb governs (not in a clause
    coordinated to it: 'X a qualifié …, puis la presse a parlé de « fiasco »')."""
    article, doc = attributor.article, attributor.doc
    if attributor.lex.lang != "fr":
        return False
    between = _named_verb_before(attributor, quote, cue)
    if between is None or any(is_sentence_end(doc[j]) or doc[j].text in (";", ":") for j in between):
        return False
    before = article.token_at(quote.span.open_at) - 1
    if before >= 0 and doc[before].lower_ in attributor.lex.naming_words:
        return False  # 'la loi dite « immigration »': a name, not words said
    t = doc[article.token_at(quote.start)]
    for _ in range(12):  # up from the quote to the verb, never through a coordinated clause
        if t.i == cue.token:
            return True
        if t.dep_ in _NOT_REPORTED_DEPS or t.head.i == t.i:
            return False  # the words are a subject ('le « passe sanitaire » sera levé'), an apposition
        t = t.head
    return False


def _opens_sentence(body: str, at: int) -> bool:
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
