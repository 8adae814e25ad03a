"""Direct quotations and their speakers (French, English), from an existing spaCy parse.

This module is the quotes stage's entry point: `extract_quotes` runs the passes below in order
and drops what is not a quotation (titles of works, scare quotes). The passes live in their own
modules: quote_marks (spans from the quotation marks, any language), attribution (the cue
around each quote and its speaker, via speakers, article_index and speaker_linking) and
speaker_inheritance (speakers for quotes without a cue). Quotes of one or two words are kept
only with a firm cue of their own. Nothing is re-parsed and every pass is linear in the article
length.
"""

from __future__ import annotations

import re
from typing import Optional

from spacy.tokens import Doc

from streams.events import Entity, Quote
from streams.nlp.quotes.article_index import END_PUNCT, ArticleIndex
from streams.nlp.quotes.attribution import QuoteCandidate, attribute_quotes
from streams.nlp.quotes.lexicon import CueLexicon, lexicon
from streams.nlp.quotes.quote_marks import (
    SPACE_CHARS,
    QuoteSpan,
    find_quote_spans,
    segment_quotes,
)
from streams.nlp.quotes.speaker_inheritance import inherit_speakers
from streams.nlp.quotes.speaker_linking import Speaker, add_speaker_entities

__all__ = ["extract_quotes", "find_quote_spans", "QuoteSpan"]

_WORD_RE = re.compile(r"\w")
# Scripts written without spaces between words (Chinese, Japanese, Thai, Lao, Khmer, Myanmar,
# Tibetan): their words cannot be counted by spaces.
_NO_SPACE_RE = re.compile("[\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
                          "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
                          "\U00020000-\U0002fa1f]")


def _no_space_chars(text: str) -> int:
    return len(_NO_SPACE_RE.findall(text))


def _word_count(text: str) -> int:
    """Words by spaces; a run in a script without spaces counts about one word per 1.3
    characters (so four characters already make a short sentence)."""
    count = 0
    for w in text.split():
        n = _no_space_chars(w)
        if n:
            count += max(1, 3 * n // 4)
        elif _WORD_RE.search(w):
            count += 1
    return count


def _title_like(text: str, lex: Optional[CueLexicon]) -> bool:
    """'Saturday Night Live', 'Law and Order': capitalised words, no sentence punctuation."""
    stripped = text.rstrip(SPACE_CHARS + ".,")
    if not stripped or stripped[-1] in END_PUNCT:
        return False
    words = [w.strip("()[]'’\"“”«»,;:") for w in stripped.split()]
    words = [w for w in words if w and _WORD_RE.search(w)]
    if not words or len(words) > 10:
        return False
    func = lex.function_words if lex is not None else frozenset()
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in func for w in words) and (
        words[0][0].isupper() or words[0][0].isdigit()
    )


def _after_work_word(article: ArticleIndex, lex: CueLexicon, q: QuoteCandidate) -> bool:
    """'son livre « … »', 'the film "…"', 'an ad entitled "…"': a work's name, not words."""
    if _word_count(article.body[q.start:q.end]) > 12 or not article.token_count:
        return False
    i = article.token_at(q.span.open_at) - 1
    while i >= 0 and (article.doc[i].is_space or article.doc[i].text in (",", ":")):
        i -= 1
    return i >= 0 and not article.in_quote[i] and article.doc[i].lower_ in lex.work_words


def _scare_quote(article: ArticleIndex, q: QuoteCandidate, text: str) -> bool:
    """A few words without a verb, no sentence end and nobody saying them: 'la « sobriété
    heureuse »', 'the "so-called elites"'."""
    if _word_count(text) > 4 or text.rstrip()[-1:] in END_PUNCT or not article.has_pos:
        return False
    if _no_space_chars(text) >= 4:
        return False  # a sentence in a script the parser does not know
    return not any(article.doc[i].pos_ in ("VERB", "AUX") for i in article.token_range(q.start, q.end))


def _speaker_dict(body: str, who: Speaker) -> dict:
    return {
        "name": who.name,
        "entity_id": who.entity_id,
        "span": {"text": body[who.start:who.end], "start": who.start, "end": who.end},
    }


def _unlinked_persons(article: ArticleIndex,
                      kept: list[QuoteCandidate]) -> list[tuple[Speaker, str, bool]]:
    """Speakers that name a person no entity covers, with that person's name and whether the
    name alone makes a new entity (a bare capitalised word only joins a full name)."""
    out: list[tuple[Speaker, str, bool]] = []
    seen: set[int] = set()
    for q in kept:
        who = q.who
        if who is None or who.entity_id is not None or id(who) in seen:
            continue
        seen.add(id(who))
        name = article.person_name(who.start, who.end, who.name, who.etype)
        if name is not None:
            out.append((who, name, True))
            continue
        name = article.person_name(who.start, who.end, who.name, who.etype, min_words=1)
        if name is not None:
            out.append((who, name, False))
    return out


def extract_quotes(
    doc: Doc, body: str, entities: list[Entity], *, language: str, disabled: frozenset[str] = frozenset()
) -> tuple[list[Quote], list[Entity]]:
    """Direct quotes of an article with their speakers, and the entities marked as quoted,
    followed by a new PER entity for each quoted person the entities stage missed (so that
    every quoted person has an entity id for alert rules).

    `doc` is the parse of nlp_view(body) (same length as body). With a blank pipeline (no
    tagger/parser) quotes are still found from the marks, without speakers.
    """
    lex = lexicon(language)
    article = ArticleIndex(doc, body, entities)
    if lex is not None:
        article.name_stops = lex.time_words
    lines, spans = segment_quotes(body)
    article.unit_starts = [u[0] for u in lines]
    for s in spans:
        close = s.close_at + 1 if s.close_at is not None else s.end
        for i in article.token_range(s.open_at, close):
            if article.doc[i].idx >= s.open_at:
                article.in_quote[i] = True
    # Quotes of one or two words stay only when a cue of their own attributes them.
    candidates = [QuoteCandidate(s, s.start, s.end, short=_word_count(body[s.start:s.end]) < 3)
          for s in spans]
    if lex is not None and article.has_pos and article.token_count:
        attributor = attribute_quotes(article, lex, candidates, lines)
        candidates = [q for q in candidates if not q.short or q.who is not None]
        inherit_speakers(article, candidates, lines, attributor)
    kept: list[QuoteCandidate] = []
    for q in candidates:
        text = body[q.start:q.end]
        if q.short and q.who is None:
            continue
        if _title_like(text, lex) or (lex is not None and _after_work_word(article, lex, q)):
            continue
        if q.who is None and (q.span.single or _scare_quote(article, q, text)):
            continue
        kept.append(q)
    new_entities = add_speaker_entities(body, entities, _unlinked_persons(article, kept))
    quotes: list[Quote] = []
    quoted_ids: set[str] = set()
    for q in kept:
        text = body[q.start:q.end]
        speaker = _speaker_dict(body, q.who) if q.who is not None else None
        if q.who is not None and q.who.entity_id:
            quoted_ids.add(q.who.entity_id)
        quotes.append({
            "text": text,
            "start": q.start,
            "end": q.end,
            "speaker": speaker,  # type: ignore[typeddict-item]
            "cue": body[q.cue[0]:q.cue[1]] if q.cue is not None and q.who is not None else None,
            "kind": "direct",
        })
    out_entities: list[Entity] = []
    for ent in entities:
        copy = dict(ent)
        copy["quoted"] = ent.get("id") in quoted_ids
        out_entities.append(copy)  # type: ignore[arg-type]
    return quotes, out_entities + new_entities
