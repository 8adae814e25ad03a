"""Finding the reporting cue of each quote and, through it, its speaker.

Looks around each quote for a cue: an incise after it ('», a déclaré X', '," he said'), a verb
before it in the same sentence ('X a prévenu : «'), "according to"/"selon", a lead-in, a
signature line, the main clause a quote hangs from, a French incise inside the marks. The
searches live in cue_after, cue_before, lead_ins and inner_incise; this module picks among what
they find. Quotes left without a cue get one in speaker_inheritance.
"""

from __future__ import annotations

from spacy.tokens import Token

from streams.nlp.quotes import (
    ACTING_PLACES,
    CLAUSE_SUBJECT,
    COLON_INTRO,
    DASH_SIGNATURE,
    INNER_INCISE,
    NAMED_SPEAKERS,
)
from streams.nlp.quotes.acting_places import acting_place
from streams.nlp.quotes.article_index import DASHES, Paragraph
from streams.nlp.quotes.attributor import Attributor, QuoteCandidate
from streams.nlp.quotes.cue_after import cue_after, introduces_next
from streams.nlp.quotes.cue_before import cue_before
from streams.nlp.quotes.cues import NO_PHRASE, Cue
from streams.nlp.quotes.inner_incise import (
    find_inner_incise,
    is_indefinite,
    split_at_incise,
)
from streams.nlp.quotes.quote_marks import SPACE_CHARS, is_space
from streams.nlp.quotes.short_quotes import is_firm
from streams.nlp.quotes.speaker_linking import Speaker
from streams.nlp.quotes.speakers import EXPLETIVES

__all__ = ["attribute_quotes"]


def attribute_quotes(attributor: Attributor, candidates: list[QuoteCandidate], paragraphs: list[Paragraph]) -> None:
    """Give each quote the speaker and cue found around it, splitting French inner incises
    (which may replace one quote by two in `candidates`)."""
    attributed: list[QuoteCandidate] = []
    for quote in candidates:
        # A French incise inside the marks splits the quote and attributes both halves.
        incise = None
        if attributor.lex.lang == "fr" and not quote.short and attributor.runs(INNER_INCISE):
            incise = find_inner_incise(attributor, quote)
        if incise is not None:
            halves = split_at_incise(attributor, quote, incise)
            attributed.extend(halves)
            if halves and halves[0].speaker is not None:
                attributor.coreference.record_quoted(halves[0].speaker)
            continue
        attributed.append(quote)
        if quote.span.dialogue:
            quote.blocked = True  # turns of a dialogue: who speaks is not written, so no guess
            continue
        cue = _find_cue(attributor, quote, paragraphs)
        if cue is None:
            continue
        if quote.short and not is_firm(attributor, quote, cue):
            continue  # a word or two without its own reporting verb: a scare quote, a title
        if cue.kind != "neg" and is_indefinite(attributor, cue.speaker) and attributor.runs(ACTING_PLACES):
            place = acting_place(attributor, cue.token)
            if place is not None:  # 'Paris récuse … « … », insiste-t-on': the capital's government
                cue = cue._replace(speaker=place)
        if cue.kind == "neg" or is_indefinite(attributor, cue.speaker):
            quote.blocked = True  # '», estime-t-on à Bruxelles': said, but by nobody named
            continue
        if cue.speaker is None:
            continue
        speaker = attributor.named.named(cue.speaker) if attributor.runs(NAMED_SPEAKERS) else cue.speaker
        if speaker is None:
            quote.source = cue.speaker  # 'officials', 'the letter': nobody named; the quotes around may tell
            if cue.phrase != NO_PHRASE:
                quote.cue = attributor.characters(cue.phrase)
            continue
        quote.speaker = speaker
        quote.own = True
        if cue.phrase != NO_PHRASE:
            quote.cue = attributor.characters(cue.phrase)
        attributor.coreference.record_quoted(speaker)
    candidates[:] = attributed


def _find_cue(attributor: Attributor, quote: QuoteCandidate, paragraphs: list[Paragraph]) -> Cue | None:
    """The cue of one quote: after it, before it, in a lead-in paragraph ending with a colon,
    the clause holding it, or a signature on the next line."""
    body, span = attributor.body, quote.span
    paragraph = paragraphs[span.paragraph]
    after = cue_after(attributor, quote, paragraph[1])
    if after is not None and after.strong:
        cue: Cue | None = after  # _pick takes a strong cue after whatever is before: not looked for
    else:
        before = cue_before(attributor, quote, paragraph[0], span.open_at)
        if (before is None and span.open_at == _first_char(body, paragraph) and span.paragraph > 0
                and attributor.runs(COLON_INTRO)):
            lead_in = paragraphs[span.paragraph - 1]
            if body[lead_in[0]:lead_in[1]].rstrip(SPACE_CHARS).endswith(":"):
                before = cue_before(attributor, quote, lead_in[0], lead_in[1])
        cue = _pick(after, before)
    if cue is None and attributor.runs(CLAUSE_SUBJECT):
        cue = _clause_subject(attributor, quote)
    if (cue is None and span.paragraph + 1 < len(paragraphs) and attributor.article.is_quote_only(paragraph)
            and attributor.runs(DASH_SIGNATURE)):
        cue = _signature_line(attributor, paragraphs[span.paragraph + 1])
    return cue


def _pick(after: Cue | None, before: Cue | None) -> Cue | None:
    """Choose between the cue after and the cue before a quote: an incise after the quote,
    then a cue in the same sentence before it, then a weak cue after it, then the previous
    sentence's reporting verb."""
    if after is not None and after.strong:
        return after
    if before is not None and before.kind != "prev":
        return before
    return after or before


def _clause_subject(attributor: Attributor, quote: QuoteCandidate) -> Cue | None:
    """A quote embedded in a narrative sentence ('X mocked Y for "…"') is X's words:
    the subject of the main clause that the quote hangs from."""
    article, doc, speakers = attributor.article, attributor.doc, attributor.speakers
    if not article.has_dep:
        return None
    node = None
    for i in article.token_range(quote.start, quote.end):
        head = doc[i].head
        if not article.in_quote[head.i]:
            node = head
            break
    if node is None:
        return None
    best: tuple[Token | Speaker, Token] | None = None
    paragraph = article.paragraph_of(quote.start)
    for _ in range(15):
        if article.paragraph_of(node.idx) != paragraph:
            break
        if node.pos_ in ("VERB", "AUX") or node.dep_ == "ROOT":
            subject = speakers.subject_of(node)
            if isinstance(subject, Token) and speakers.dateline(subject):
                head = speakers.region_head(speakers.clause_before(node.i))
                subject = head if head is not None and not speakers.dateline(head) else None
            if node.idx > quote.end and introduces_next(attributor, node):
                break  # '"A", Macron replied: "B"': the clause reports B
            if subject is not None and (isinstance(subject, Speaker) or (
                subject.lower_ not in EXPLETIVES and article.paragraph_of(subject.idx) == paragraph
            )):
                best = (subject, node)
        if node.head.i == node.i:
            break
        node = node.head
    if best is None:
        return None
    subject, verb = best
    speaker = subject if isinstance(subject, Speaker) else speakers.speaker_of_phrase(subject)
    if speaker is None:
        return None
    return Cue("clause", verb.i, speaker, NO_PHRASE, False)


def _signature_line(attributor: Attributor, paragraph: Paragraph) -> Cue | None:
    """A quote paragraph signed on the next line: '— Jane Doe, Paris.'"""
    article, doc = attributor.article, attributor.doc
    tokens = article.token_range(paragraph[0], paragraph[1])
    if len(tokens) < 2 or doc[tokens.start].text not in DASHES:
        return None
    name = doc[tokens.start + 1]
    for mention in article.mentions_in(name.idx, name.idx + len(name.text)):
        if mention.etype in ("PER", "ORG"):
            end = article.name_end(mention.end) if mention.etype == "PER" else mention.end
            speaker = article.resolve_name(attributor.body[mention.start:end], mention.start, end, mention.etype)
            return Cue("dash", name.i, speaker, NO_PHRASE, True)
    return None


def _first_char(body: str, paragraph: Paragraph) -> int:
    i = paragraph[0]
    while i < paragraph[1] and is_space(body[i]):
        i += 1
    return i
