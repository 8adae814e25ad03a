"""The cue right after a quote: '», a déclaré X', '," he said', ', according to X', '" — Jane Doe'.

A cue after the quote that is an incise (a comma, ? or ! closes the quoted words, or a dash
follows) is strong: it wins over a cue before the quote.
"""

from __future__ import annotations

from spacy.tokens import Token

from streams.nlp.quotes import (
    ACCORDING_TO,
    ANY_VERB_INCISE,
    CUE_AFTER,
    DASH_SIGNATURE,
    PARENTHESISED_SOURCE,
    STANCE,
)
from streams.nlp.quotes.article_index import (
    DASHES,
    END_PUNCT,
    is_mark_token,
)
from streams.nlp.quotes.attributor import Attributor, QuoteCandidate
from streams.nlp.quotes.cues import NO_PHRASE, Cue
from streams.nlp.quotes.quote_marks import CLOSING_MARKS, SPACE_CHARS

__all__ = ["cue_after", "introduces_next", "quoted_run_end"]


def quoted_run_end(attributor: Attributor, i: int, stop: int, step: int) -> tuple[int, bool]:
    """From token i inside a quote (or on a mark), the first token past the quoted run in the
    direction `step` (+1 or -1, not beyond `stop`), and whether the run is a short quote in
    mid-sentence that a clause may step over ('," X, wearing "Y" pins, said')."""
    article, doc = attributor.article, attributor.doc
    j = i
    while j != stop and (article.in_quote[j] or article.is_mark(j)):
        j += step
    if j == stop:
        return j, False
    first, last = (i, j - 1) if step > 0 else (j + 1, i)
    words = attributor.body[article.starts[first]:article.ends[last]].rstrip(SPACE_CHARS + CLOSING_MARKS)
    return j, bool(words) and words[-1] not in END_PUNCT


def cue_after(attributor: Attributor, quote: QuoteCandidate, stop: int) -> Cue | None:
    """The cue just after the quote, up to offset `stop` (its paragraph's end)."""
    article, doc, body, cues = attributor.article, attributor.doc, attributor.body, attributor.cues
    span = quote.span
    after = (span.close_at + 1) if span.close_at is not None else quote.end
    tokens = article.token_range(after, stop)
    if not tokens:
        return None
    inner = body[quote.end:span.close_at].strip(SPACE_CHARS) if span.close_at is not None else ""
    closed_comma = body[quote.end - 1] in "?!" or inner.endswith((",", "?", "!"))
    first = tokens.start
    while first < tokens.stop and doc[first].is_space:
        first += 1
    if first >= tokens.stop:
        return None
    if (doc[first].text in ("?", "!") and first + 1 < tokens.stop and doc[first + 1].text[:1].islower()
            and attributor.runs(CUE_AFTER)):
        # '"Tout le monde s'est exprimé" ? demande-t-il': the mark closed before the question mark
        first += 1
        while first < tokens.stop and doc[first].is_space:
            first += 1
        closed_comma = True
        if first >= tokens.stop:
            return None
    if doc[first].text == "(" and attributor.runs(PARENTHESISED_SOURCE):
        source = _parenthesised_source(attributor, first, tokens.stop)
        if source is not None:
            return source
    starts_comma = doc[first].text == "," or closed_comma
    # '"… office." Editor's note: X, who has pledged …': after words closing their own
    # sentence, only a short incise ('"…." Trump said.') reports them.
    closed_stop = not closed_comma and (body[quote.end - 1] == "." or inner.endswith("."))
    dash = doc[first].text in DASHES
    english = attributor.lex.lang == "en"
    begin = first + 1 if doc[first].text == "," or dash else first
    if (starts_comma and begin < tokens.stop and doc[begin].lower_ in attributor.lex.stance_prepositions
            and attributor.runs(STANCE)):
        # '« … », pour l'éditorialiste du quotidien, Jean-Baptiste Isaac.': whose view it is
        speaker = attributor.speakers.inverted_subject(begin)
        if speaker is not None:
            return Cue("src", begin, speaker, (begin, begin), True)
    count = 0
    form_hit: Token | None = None
    i = first - 1
    while i + 1 < tokens.stop:  # on token indices: a Token only for a possible cue
        i += 1
        if (article.is_mark(i) or article.in_quote[i]) and i > first:
            j, mid_sentence = quoted_run_end(attributor, i, tokens.stop, +1)
            if j >= tokens.stop or not mid_sentence or j - i > 8:
                break
            i = j - 1
            continue
        if article.is_sentence_end(i) or article.is_mark(i) or article.in_quote[i] or article.is_space(i):
            break
        count += 1
        if count > 28 or (closed_stop and count > 5 and english):
            break
        if attributor.runs(ACCORDING_TO):
            j = cues.source_end(i)
            if j is not None and j < article.token_count:
                speaker = attributor.speakers.inverted_subject(j - 1)
                if speaker is not None:
                    return Cue("src", i, speaker, (i, j - 1), starts_comma or dash)
        if not attributor.runs(CUE_AFTER):
            continue
        if cues.is_cue_at(i):
            if introduces_next(attributor, doc[i]):
                break  # '"…", Macron replied: "…"': the verb reports the quote after its colon
            return _verb_after(attributor, doc[i], begin, starts_comma, dash)
        if form_hit is None and count <= 5 and (starts_comma or dash) and cues.is_form_cue(doc[i]):
            form_hit = doc[i]
    if form_hit is not None:
        return _verb_after(attributor, form_hit, begin, starts_comma, dash)
    if starts_comma and not dash and article.has_pos and attributor.runs(ANY_VERB_INCISE):
        # '," Trump barked.' / '», sourit le ministre.': any verb in incise position.
        verb = cues.incise_verb(begin, tokens.stop)
        if verb is not None:
            phrase_first, phrase_last = cues.phrase(verb)
            between = range(begin, phrase_first) if phrase_first > begin else None
            speaker = attributor.speakers.speaker_of_verb(verb, phrase_first, phrase_last, phrase_first <= begin,
                                                          between)
            if speaker is not None and not cues.negated(verb, phrase_first):
                return Cue("verb", verb.i, speaker, (phrase_first, phrase_last), True)
    if dash and first + 1 < tokens.stop and attributor.runs(DASH_SIGNATURE):
        return _signed_after_dash(attributor, first)
    return None


def _parenthesised_source(attributor: Attributor, paren: int, stop: int) -> Cue | None:
    """'des « lettres de cachet » (PS)': a body or person named alone in brackets right
    after the quote is who said it."""
    article, doc = attributor.article, attributor.doc
    close = paren + 1
    while close < stop and close - paren <= 6 and doc[close].text != ")":
        close += 1
    if close >= stop or doc[close].text != ")" or close == paren + 1:
        return None
    start, end = doc[paren + 1].idx, doc[close - 1].idx + len(doc[close - 1].text)
    for mention in article.mentions_in(start, end):
        if mention.entity is not None and mention.etype in ("ORG", "PER") and mention.start == start and mention.end == end:
            speaker = article.resolve_name(attributor.body[start:end], start, end, mention.etype)
            return Cue("src", paren + 1, speaker, NO_PHRASE, True)
    return None


def _signed_after_dash(attributor: Attributor, dash: int) -> Cue | None:
    """'"…" — Jane Doe': a person or body named right after the dash."""
    article = attributor.article
    head = attributor.doc[dash + 1]
    if article.in_quote[head.i]:
        return None
    if article.has_dep:
        while head.head.i > head.i and head.head.i <= dash + 6 and head.dep_ in (
            "compound", "flat", "flat:name", "det", "amod"
        ):
            head = head.head
    speaker = attributor.speakers.speaker_of_phrase(head, allow_pronoun=False)
    if speaker is not None and speaker.etype in ("PER", "ORG"):
        return Cue("dash", dash, speaker, NO_PHRASE, True)
    return None


def introduces_next(attributor: Attributor, verb: Token) -> bool:
    """The verb's phrase ends with a colon and a quotation opens after it."""
    doc, article = attributor.doc, attributor.article
    j = attributor.cues.phrase(verb)[1] + 1
    while j < article.token_count and doc[j].is_space:
        j += 1
    if j >= article.token_count or doc[j].text != ":":
        return False
    j += 1
    while j < article.token_count and doc[j].is_space:
        j += 1
    return j < article.token_count and (is_mark_token(doc[j]) or article.in_quote[j])


def _verb_after(attributor: Attributor, verb: Token, begin: int, starts_comma: bool, dash: bool) -> Cue:
    """The cue of a reporting verb after the quote, strong when it is an incise."""
    cues, lex = attributor.cues, attributor.lex
    first, last = cues.phrase(verb)
    negated = cues.negated(verb, first)
    between = range(begin, first) if first > begin else None
    incise = starts_comma or first <= begin
    speaker = None if negated else attributor.speakers.speaker_of_verb(verb, first, last, incise, between)
    strong = (starts_comma or dash) and (between is None or _short_noun_phrase(attributor, between))
    morph = str(verb.morph)
    if verb.tag_ == "VBG" or "VerbForm=Ger" in morph or (lex.lang == "fr" and (
        (first > 0 and attributor.doc[first - 1].lower_ in lex.gerund_markers)
        or ("VerbForm=Part" in morph and "Tense=Pres" in morph) or (
            first == verb.i and verb.lower_.endswith(lex.present_participle_endings) and "VerbForm=Part" in morph))
    ):
        strong = False  # '," adding, "…"': the participle introduces what follows
    return Cue("neg" if negated else "verb", verb.i, speaker, (first, last), strong)


def _short_noun_phrase(attributor: Attributor, region: range) -> bool:
    """The stretch between a quote and its verb is just the speaker, not another clause."""
    doc = attributor.doc
    for i in region:
        t = doc[i]
        if t.pos_ in ("CCONJ", "SCONJ", "VERB") and t.dep_ not in ("relcl", "acl") and t.lower_ != ",":
            return len(region) <= 3 and t.pos_ != "CCONJ"
    return len(region) <= 24
