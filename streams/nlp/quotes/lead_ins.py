"""Lead-ins without a reporting verb that name a quote's source.

'Jane Doe: « … »', 'X listed them: « … »', 'From the report: « … »' (a colon), and the French
stance lead-in 'Pour le ministre, « … »' / 'Pour l'avocat, Me X, le dossier repose « … »'.
"""

from __future__ import annotations

from streams.nlp.quotes import COLON_INTRO, STANCE
from streams.nlp.quotes.attributor import Attributor
from streams.nlp.quotes.cues import NO_PHRASE, Cue
from streams.nlp.quotes.speaker_linking import Speaker
from streams.nlp.quotes.speakers import EXPLETIVES

__all__ = ["lead_in_cue"]


def lead_in_cue(attributor: Attributor, tokens: range, colon_at: int, colon: bool) -> Cue | None:
    """The source a lead-in (the tokens before the quote) names; `colon_at` is the last token
    before the quote other than spaces and commas, a colon when `colon`."""
    if colon and attributor.runs(COLON_INTRO):
        found = _colon_lead_in(attributor, tokens, colon_at)
        if found is not None:
            return found
    if attributor.doc[tokens.start].lower_ in attributor.lex.stance_prepositions and not colon and (
            attributor.runs(STANCE)):
        return _stance(attributor, tokens)
    return None


def _colon_lead_in(attributor: Attributor, tokens: range, colon_at: int) -> Cue | None:
    article, doc, speakers = attributor.article, attributor.doc, attributor.speakers
    # "Jane Doe: « … »" — a name right before the colon.
    if colon_at > tokens.start:
        before = doc[colon_at - 1]
        for mention in article.mentions_in(before.idx, before.idx + len(before.text)):
            if mention.etype in ("PER", "ORG") and mention.end >= before.idx + len(before.text):
                speaker = article.resolve_name(attributor.body[mention.start:mention.end], mention.start,
                                               mention.end, mention.etype)
                return Cue("src", colon_at - 1, speaker, NO_PHRASE, True)
    # "X listed them:" — any verb right before a colon introduces what follows.
    if article.has_dep:
        verb = doc[colon_at].head
        for _ in range(3):  # "a écarté cette hypothèse : «": the colon may hang from the object
            if verb.pos_ in ("VERB", "AUX") or verb.head.i == verb.i or not tokens.start <= verb.head.i < colon_at:
                break
            verb = verb.head
        # The verb must sit in the lead-in itself: a parse that runs across a paragraph
        # break can hang the colon from the previous paragraph's verb.
        if verb.pos_ in ("VERB", "AUX") and not article.in_quote[verb.i] and tokens.start <= verb.i < colon_at:
            subject = speakers.subject_of(verb)
            if subject is not None and not isinstance(subject, Speaker) and subject.lower_ in EXPLETIVES:
                subject = None
            if subject is not None:
                speaker = subject if isinstance(subject, Speaker) else speakers.speaker_of_phrase(subject)
                return Cue("verb", verb.i, speaker, attributor.cues.phrase(verb), True)
    # "Here's Jane Doe in 1992: « … »", "From the report: « … »": the phrase before it.
    if article.has_pos:
        head = speakers.region_head(speakers.clause_before(colon_at))
        if head is not None and head.lower_ not in EXPLETIVES and head.pos_ != "PRON":
            speaker = speakers.speaker_of_phrase(head)
            if speaker is not None:
                return Cue("src", head.i, speaker, NO_PHRASE, True)
    return None


def _stance(attributor: Attributor, tokens: range) -> Cue | None:
    """"Pour le ministre, « … »": a French stance lead-in."""
    article, doc = attributor.article, attributor.doc
    start = tokens.start
    last = tokens.stop - 1
    while last > start and doc[last].is_space:
        last -= 1
    if doc[last].text == "," and last - start <= 8:
        speaker = attributor.speakers.inverted_subject(start)
        if speaker is not None and speaker.etype in ("PER", "ORG"):
            return Cue("src", start, speaker, (start, start), True)
    # "Pour l'avocat, Me X, le dossier repose « sur des suppositions »": a named person's
    # stance frames the whole sentence.
    comma = next((j for j in range(start + 1, min(tokens.stop, start + 14)) if doc[j].text == ","), None)
    if comma is None or any(article.is_sentence_end(j) for j in range(start, tokens.stop)):
        return None
    person = article.person_at(doc[start].idx, doc[comma].idx)
    if person is None and comma + 1 < tokens.stop:
        # "Pour le ministre, Jean Dupont, …": the apposition after the comma.
        next_comma = next((j for j in range(comma + 1, min(tokens.stop, comma + 6)) if doc[j].text == ","), None)
        if next_comma is not None:
            person = article.person_at(doc[comma + 1].idx, doc[next_comma].idx)
    if person is None:
        return None
    return Cue("src", start, person, (start, start), False)
