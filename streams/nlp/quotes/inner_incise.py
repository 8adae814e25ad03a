"""French incises inside the marks: « Nous irons, dit-elle, jusqu'au bout. »

The incise splits the quote in two; both halves are the words of the incise's speaker.
"""

from __future__ import annotations

import re

from spacy.strings import get_string_id
from spacy.tokens import Token

from streams.nlp.quotes import NAMED_SPEAKERS, NEGATED_CUE
from streams.nlp.quotes.attributor import Attributor, QuoteCandidate
from streams.nlp.quotes.lexicon import INVERTED_PRONOUN_RE
from streams.nlp.quotes.quote_marks import trim
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["find_inner_incise", "is_indefinite", "split_at_incise"]

_COMMA_ID = get_string_id(",")


def find_inner_incise(attributor: Attributor, quote: QuoteCandidate) -> tuple[int, int] | None:
    """Token bounds [i, k) of an incise inside the quote, k being the comma or period ending it."""
    doc, body = attributor.doc, attributor.body
    tokens = attributor.article.token_range(quote.start, quote.end)
    orth_ids = attributor.article.orth_ids  # every word of every quote is looked at: no Token each
    for i in tokens:
        if i == tokens.start or orth_ids[i - 1] != _COMMA_ID:
            continue
        for verb_at in range(i, min(i + 4, tokens.stop)):
            verb = doc[verb_at]
            if not attributor.cues.is_cue_inside(verb):
                continue
            clitics = [INVERTED_PRONOUN_RE.match(body, doc[x].idx + len(doc[x].text)) for x in range(i, verb_at + 1)]
            clitic = any(clitics)
            if _bare_saying(attributor, verb, clitics):
                break  # '« trop tard, dit-on, mais surtout… »': a saying quoted with the rest, no incise
            if verb_at > i and not clitic:
                break
            k = verb_at + 1
            while k < tokens.stop and k < verb_at + 8 and doc[k].text not in (",", ".", ";"):
                k += 1
            if k >= tokens.stop or doc[k].text not in (",", "."):
                break
            if not clitic:
                # "poursuit le ministre," : an inverted noun phrase must follow the verb.
                following = doc[verb_at + 1] if verb_at + 1 < k else None
                if following is None or following.pos_ not in ("DET", "PROPN"):
                    break
            return i, k
    return None


def _bare_saying(attributor: Attributor, verb: Token, clitics: list[re.Match[str] | None]) -> bool:
    """'dit-on', 'pourrait-on dire' with nothing after them: the idiom is part of the quoted
    words ('trop tard, dit-on, mais…'), unlike 'prévient-on dans son entourage'."""
    if not attributor.runs(NEGATED_CUE) or attributor.article.lemma(verb) != "dire":
        return False
    if not any(match is not None and match.group(1).lower() in attributor.lex.indefinite for match in clitics):
        return False
    end = max([match.end() for match in clitics if match is not None] + [verb.idx + len(verb.text)])
    after = attributor.body[end:end + 3].lstrip(" ")
    return after[:1] in (",", ".", "")


def is_indefinite(attributor: Attributor, speaker: Speaker | None) -> bool:
    """The speaker is the indefinite pronoun ('estime-t-on', 'prévient-on')."""
    return attributor.runs(NEGATED_CUE) and speaker is not None and speaker.entity_id is None and speaker.etype is None and (
        attributor.body[speaker.start:speaker.end].lower() in attributor.lex.indefinite)


def split_at_incise(attributor: Attributor, quote: QuoteCandidate, incise: tuple[int, int]) -> list[QuoteCandidate]:
    """« A, dit-elle, B » -> quotes A and B, both attributed by the incise."""
    article, doc, body, cues = attributor.article, attributor.doc, attributor.body, attributor.cues
    i, k = incise
    article.unquote(range(i - 1, k + 1))  # the incise words now sit outside the quotes
    verb = next((doc[x] for x in range(i, k) if cues.is_cue_inside(doc[x])), doc[i])
    first, last = cues.phrase(verb)
    negated = cues.negated(verb, first)
    speaker = None if negated else attributor.speakers.speaker_of_verb(verb, first, last, incise=True)
    if is_indefinite(attributor, speaker):
        speaker, negated = None, True
    source = None
    if speaker is not None and attributor.runs(NAMED_SPEAKERS):
        source, speaker = speaker, attributor.named.named(speaker)
        if speaker is not None:
            source = None  # named: the speaker itself; unnamed ('admet la professeure'): the source
    cue = attributor.characters((first, last))
    halves = []
    for a, b in (trim(body, quote.start, doc[i - 1].idx), trim(body, doc[k].idx + 1, quote.end)):
        if b > a:
            halves.append(QuoteCandidate(quote.span, a, b, speaker=speaker, cue=cue, own=speaker is not None,
                                         blocked=negated, source=source))
    return halves
