"""What the attribution rules share for one article, and the quote they work on.

An Attributor holds the article index, the language's lexicon, the cue recogniser, the speaker
resolver and the coreference state (the speakers quoted so far); the rules in cue_after,
cue_before, lead_ins, inner_incise and speaker_inheritance are functions over it.
"""

from __future__ import annotations

from dataclasses import dataclass

from streams.nlp.passes import Pass
from streams.nlp.quotes import ACCORDING_TO, CUE_BEFORE
from streams.nlp.quotes.article_index import ArticleIndex, Paragraph
from streams.nlp.quotes.coreference import Coreference
from streams.nlp.quotes.cues import CueWords
from streams.nlp.quotes.lexicon import CueLexicon
from streams.nlp.quotes.named_speakers import NamedSpeakers
from streams.nlp.quotes.quote_marks import QuoteSpan
from streams.nlp.quotes.speaker_linking import Speaker
from streams.nlp.quotes.speakers import SpeakerResolver

__all__ = ["Attributor", "QuoteCandidate"]


@dataclass
class QuoteCandidate:
    """A quote being attributed: its span, trimmed bounds, and the speaker and cue found."""

    span: QuoteSpan
    start: int
    end: int
    speaker: Speaker | None = None
    cue: tuple[int, int] | None = None  # character offsets of the cue as written
    own: bool = False  # attributed by a cue of its own (not inherited)
    blocked: bool = False  # attached to a negated cue: never inherit a speaker
    short: bool = False  # under three words: kept only with a firm cue of its own
    source: Speaker | None = None  # who the cue says speaks when that is nobody named ('officials said')

    @property
    def said(self) -> bool:
        """Someone says these words: a speaker, or a cue whose subject names nobody."""
        return self.speaker is not None or self.source is not None


class Attributor:
    """The parse, words and resolvers that every attribution rule of one article uses."""

    def __init__(self, article: ArticleIndex, lex: CueLexicon):
        self.article = article
        self.lex = lex
        self.doc = article.doc
        self.body = article.body
        self.switches = article.switches
        self.cues = CueWords(article, lex)
        self.coreference = Coreference(article, lex)
        self.speakers = SpeakerResolver(article, lex, self.coreference)
        self.named = NamedSpeakers(article)
        self._paragraph_speakers: dict[int, list[Speaker]] = {}

    def runs(self, rule: Pass) -> bool:
        return self.switches.on(rule)

    def characters(self, phrase: tuple[int, int]) -> tuple[int, int]:
        """Character offsets of the tokens first..last."""
        first, last = phrase
        return self.doc[first].idx, self.doc[last].idx + len(self.doc[last].text)

    def paragraph_speakers(self, paragraph: Paragraph) -> list[Speaker]:
        """Subjects of the (non-negated) reporting verbs of a paragraph, outside quotes."""
        cached = self._paragraph_speakers.get(paragraph[0])
        if cached is not None:
            return cached
        cues, speakers = self.cues, self.speakers
        found: list[Speaker] = []
        for i in self.article.token_range(paragraph[0], paragraph[1]):
            t = self.doc[i]
            if cues.is_cue(t):
                if not self.runs(CUE_BEFORE):
                    continue
                first, last = cues.phrase(t)
                if not cues.negated(t, first):
                    speaker = speakers.speaker_of_verb(t, first, last, incise=False)
                    if speaker is not None:
                        found.append(speaker)
            elif self.runs(ACCORDING_TO):
                after = cues.source_end(i)
                if after is not None and after < self.article.token_count:
                    speaker = speakers.inverted_subject(after - 1)
                    if speaker is not None:
                        found.append(speaker)
        self._paragraph_speakers[paragraph[0]] = found
        return found
