"""Direct quotations and their speakers (French, English), from an existing spaCy parse.

The quotes stage's entry point: `extract_quotes` finds the quotations from the marks
(quote_marks), attributes each from the cue around it (attribution), gives quotes without a cue
the speaker around them (speaker_inheritance), drops what is no quotation (non_quotes) and makes
an entity of each quoted person the entities stage missed (speaker_entities).  Each rule is a
named pass (streams.nlp.quotes.PASSES) that `disabled` can switch off.  Nothing is re-parsed and
every pass is linear in the article length.
"""

from __future__ import annotations

from spacy.tokens import Doc

from streams.events import Entity, Quote
from streams.nlp.quotes import (
    DIALOGUE,
    DROP_HEADINGS,
    DROP_LISTS,
    DROP_NAMES,
    DROP_SCARE_QUOTES,
    DROP_TITLES,
    INHERIT_SPEAKERS,
    SINGLE_WORDS,
    SPEAKER_ENTITIES,
    Switches,
)
from streams.nlp.quotes.article_index import ArticleIndex
from streams.nlp.quotes.attribution import attribute_quotes
from streams.nlp.quotes.attributor import Attributor, QuoteCandidate
from streams.nlp.quotes.lexicon import CueLexicon, lexicon
from streams.nlp.quotes.non_quotes import (
    after_work_word,
    is_heading_line,
    is_inline_heading,
    is_numbered_name,
    is_repeated_name,
    is_scare_quote,
    is_title,
    listed_terms,
    repeated_names,
    word_count,
)
from streams.nlp.quotes.quote_marks import QuoteSpan, find_quote_spans, segment_quotes
from streams.nlp.quotes.short_quotes import opens_sentence
from streams.nlp.quotes.speaker_entities import add_speaker_entities, unlinked_persons
from streams.nlp.quotes.speaker_inheritance import inherit_speakers
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["QuoteSpan", "extract_quotes", "find_quote_spans"]


# Quotes under this many words are kept only with a firm cue of their own: a single word in
# quotation marks is a scare quote; fragments of two words or more are often someone's words.
_SHORT_WORDS = 2


def _speaker_dict(body: str, speaker: Speaker) -> dict:
    return {
        "name": speaker.name,
        "entity_id": speaker.entity_id,
        "span": {"text": body[speaker.start:speaker.end], "start": speaker.start, "end": speaker.end},
    }


def _is_quotation(article: ArticleIndex, lex: CueLexicon | None, quote: QuoteCandidate, switches: Switches,
                  names: set[str], paragraphs: list[tuple[int, int]]) -> bool:
    """Keep a quote unless it is a short one nobody says, a title, a scare quote, a name quoted
    again and again, a single word inside a sentence or a subheading."""
    body = article.body
    text = body[quote.start:quote.end]
    if quote.short and not quote.said:
        return False
    if switches.on(DROP_NAMES) and (is_repeated_name(body, quote, names) or is_numbered_name(article, quote)):
        return False
    if switches.on(DROP_HEADINGS) and (
            is_inline_heading(article, quote) or is_heading_line(body, paragraphs[quote.span.paragraph], quote)):
        return False
    if switches.on(SINGLE_WORDS) and word_count(text) == 1 and not opens_sentence(body, quote.span.open_at):
        return False
    if switches.on(DROP_TITLES) and (
            is_title(text, lex) or (lex is not None and after_work_word(article, lex, quote))):
        return False
    return not (not quote.said and switches.on(DROP_SCARE_QUOTES)
                and (quote.span.single or is_scare_quote(article, quote, text)))


def extract_quotes(
    doc: Doc, body: str, entities: list[Entity], *, language: str, disabled: frozenset[str] = frozenset()
) -> tuple[list[Quote], list[Entity]]:
    """Direct quotes of an article with their speakers, and the entities marked as quoted,
    followed by a new PER entity for each quoted person the entities stage missed (so that
    every quoted person has an entity id for alert rules).

    `doc` is the parse of nlp_view(body) (same length as body). With a blank pipeline (no
    tagger/parser) quotes are still found from the marks, without speakers. The passes named
    in `disabled` (streams.nlp.quotes.PASSES) do not run.
    """
    switches = Switches(disabled)
    lex = lexicon(language)
    paragraphs, spans = segment_quotes(body)
    if not switches.on(DIALOGUE):
        spans = [span for span in spans if not span.dialogue]
    article = ArticleIndex(doc, body, entities, paragraphs, lex.time_words if lex is not None else frozenset(),
                           switches)
    article.mark_quoted(spans)
    # Quotes of one or two words stay only when a cue of their own attributes them.
    candidates = [QuoteCandidate(span, span.start, span.end, short=word_count(body[span.start:span.end]) < _SHORT_WORDS)
                  for span in spans]
    if lex is not None and article.has_pos and article.token_count:
        attributor = Attributor(article, lex)
        attribute_quotes(attributor, candidates, paragraphs)
        candidates = [quote for quote in candidates if not quote.short or quote.said]
        if switches.on(INHERIT_SPEAKERS):
            inherit_speakers(attributor, candidates, paragraphs)
    names = repeated_names(body, candidates)
    if switches.on(DROP_LISTS):
        listed = listed_terms(body, candidates)
        candidates = [quote for k, quote in enumerate(candidates) if k not in listed]
    kept = [quote for quote in candidates if _is_quotation(article, lex, quote, switches, names, paragraphs)]
    new_entities: list[Entity] = []
    if switches.on(SPEAKER_ENTITIES):
        speakers = [quote.speaker for quote in kept if quote.speaker is not None]
        new_entities = add_speaker_entities(body, entities, unlinked_persons(article, speakers))
    quotes: list[Quote] = []
    quoted_ids: set[str] = set()
    for quote in kept:
        speaker = quote.speaker
        if speaker is not None and speaker.entity_id:
            quoted_ids.add(speaker.entity_id)
        quotes.append({
            "text": body[quote.start:quote.end],
            "start": quote.start,
            "end": quote.end,
            "speaker": _speaker_dict(body, speaker) if speaker is not None else None,  # type: ignore[typeddict-item]
            "cue": body[quote.cue[0]:quote.cue[1]] if quote.cue is not None and quote.said else None,
            "kind": "direct",
        })
        if speaker is None and quote.source is not None:
            source = quote.source  # an unnamed source, as written: 'a police spokesman', 'officials'
            quotes[-1]["source"] = {"text": body[source.start:source.end], "start": source.start, "end": source.end}
    out_entities: list[Entity] = []
    for entity in entities:
        copy = dict(entity)
        copy["quoted"] = entity.get("id") in quoted_ids
        out_entities.append(copy)  # type: ignore[arg-type]
    return quotes, out_entities + new_entities
