"""Indexes over one parsed article, shared by every attribution pass.

Built once per article so that every lookup (token at an offset, tokens in a range, line of an
offset, mentions around a span) is a bisect, keeping attribution linear in the article length.
Also holds which tokens sit inside quotation marks, and small token tests used everywhere.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from functools import lru_cache

from spacy.attrs import IDX, IS_SPACE, LEMMA, LENGTH, LOWER, ORTH, POS
from spacy.strings import get_string_id
from spacy.tokens import Doc, Token

from streams import lang
from streams.events import Entity
from streams.nlp.entities.name_shapes import given_names
from streams.nlp.quotes import NAME_CHAIN, PERSON_IN_SPAN, Switches
from streams.nlp.quotes.lexicon import every_language
from streams.nlp.quotes.quote_marks import MARKS, QuoteSpan, line_spans
from streams.nlp.quotes.speaker_linking import (
    HONORIFICS,
    Mention,
    MentionIndex,
    Speaker,
    spacy_mentions,
    without_honorifics,
)

__all__ = ["DASHES", "END_PUNCT", "NAME_PARTICLES", "ArticleIndex", "Paragraph", "is_mark_token", "is_sentence_end"]

# A paragraph as character offsets [start, end).
Paragraph = tuple[int, int]

END_PUNCT = frozenset(".!?…。！？")
_SENT_END_TOKENS = frozenset({".", "!", "?", "…", ";", "...", "?!", "!?"})
_SENT_END_IDS = frozenset(get_string_id(text) for text in _SENT_END_TOKENS)
DASHES = frozenset({"–", "—", "―", "-", "--"})
# Lower-case words that sit inside a person's name ("Ursula von der Leyen", "Mohammed bin Salman",
# "Charles de Gaulle", "Bachar al-Assad"), and glue characters between the parts of a name.
NAME_PARTICLES = lang.words("any", "name-particles", "lowercase")
# Articles that start a surname when capitalised ("Marine Le Pen", "Jan De Vries").
_CAPITAL_PARTICLES = lang.words("any", "name-particles", "capitalised")
# Capitalised words that end a name: what follows a name in "the Obama Administration".
_NOT_NAME_WORDS = every_language("quotes", "words-after-names")
_NER_PERSON = frozenset({"PER", "PERSON"})
# Tags the small models give to names they do not know ('Vasseur' NOUN, 'Ursula' NUM): such a
# word still counts when it is capitalised in mid-sentence.
_MISTAGGED_NAME_POS = frozenset({"NOUN", "ADJ", "VERB", "NUM", "ADV"})


class ArticleIndex(MentionIndex):
    """Indexes over one parsed article, built once so every lookup is a bisect."""

    def __init__(
        self,
        doc: Doc,
        body: str,
        entities: list[Entity],
        paragraphs: list[Paragraph],
        name_stops: frozenset[str],
        switches: Switches,
    ):
        self.doc = doc
        self.body = body
        # A parse of another text than nlp_view(body) cannot be mapped: fall back to the marks.
        starts = doc.to_array(IDX).tolist() if len(doc) else []  # not doc.text: a Token per word
        end = starts[-1] + len(doc[-1].text_with_ws) if starts else 0
        aligned = end == len(body)
        self.token_count = len(doc) if aligned else 0
        self.starts = starts if aligned else []
        # Each token's end offset, from the doc's arrays: token_range asks for it at every call,
        # and a Token object per ask costs more than the test itself.
        lengths = doc.to_array(LENGTH).tolist() if self.token_count else []
        self.ends = [start + length for start, length in zip(self.starts, lengths)]
        self.has_dep = aligned and doc.has_annotation("DEP")
        self.has_pos = aligned and (doc.has_annotation("POS") or doc.has_annotation("TAG"))
        self.has_lemma = aligned and doc.has_annotation("LEMMA")
        # Vocabulary ids of each token's lower-case form and lemma: word-list tests asked at
        # every scanned token (cue verbs, 'selon') compare ids before making a Token.
        self.lower_ids: list[int] = doc.to_array(LOWER).tolist() if self.token_count else []
        self.lemma_ids: list[int] = doc.to_array(LEMMA).tolist() if self.has_lemma else []
        # The same for the text and the space flag: the scans around each quote test every
        # token for a mark, a sentence end or a space.
        self.orth_ids: list[int] = doc.to_array(ORTH).tolist() if self.token_count else []
        self.space_flags: list[int] = doc.to_array(IS_SPACE).tolist() if self.token_count else []
        self._marks_by_orth: dict[int, bool] = {}
        # Coarse tags (spacy.parts_of_speech ids): the look-backs for role nouns pass over
        # every other word without a Token.
        self.pos_ids: list[int] = doc.to_array(POS).tolist() if self.token_count else []
        self.in_quote = [False] * self.token_count
        self.line_starts = [start for start, _ in line_spans(body)]
        self.paragraph_starts = [start for start, _ in paragraphs]
        self.quote_only: dict[int, bool] = {}  # paragraph start -> holds nothing but quotes
        # (text, start, end, type) -> the Speaker it resolves to: the passes resolve the same
        # mentions again and again (every pronoun looks back over the same people).
        self._resolved: dict[tuple[str, int, int, str | None], Speaker] = {}
        self._inside: dict[tuple[int, int], tuple[int, int] | None] = {}  # see _person_inside
        self.name_stops = name_stops  # words never part of a name (weekdays)
        self.switches = switches
        super().__init__(
            entities,
            spacy_mentions(doc, self.starts, self.ends) if aligned and doc.has_annotation("ENT_IOB") else (),
        )

    def mark_quoted(self, spans: list[QuoteSpan]) -> None:
        """Flag the tokens inside each quotation, its opening mark included."""
        for span in spans:
            close = span.close_at + 1 if span.close_at is not None else span.end
            for i in self.token_range(span.open_at, close):
                if self.starts[i] >= span.open_at:
                    self.in_quote[i] = True

    def unquote(self, tokens: range) -> None:
        """Take the tokens out of the quotes (an incise inside the marks); what was worked out
        from the old flags is forgotten."""
        for i in tokens:
            self.in_quote[i] = False
        self.quote_only.clear()
        self._resolved.clear()

    # ---- token helpers

    def is_mark(self, i: int) -> bool:
        """is_mark_token(doc[i]), decided once per distinct text of the article."""
        orth = self.orth_ids[i]
        known = self._marks_by_orth.get(orth)
        if known is None:
            known = self._marks_by_orth[orth] = _all_marks(self.doc.vocab.strings[orth])
        return known

    def is_sentence_end(self, i: int) -> bool:
        """is_sentence_end(doc[i]) without a Token."""
        return self.orth_ids[i] in _SENT_END_IDS

    def is_space(self, i: int) -> bool:
        """doc[i].is_space without a Token."""
        return bool(self.space_flags[i])

    def token_at(self, char: int) -> int:
        return max(0, bisect_right(self.starts, char) - 1)

    def token_range(self, a: int, b: int) -> range:
        """Tokens overlapping the characters [a, b)."""
        if b <= a or not self.token_count:
            return range(0)
        i = self.token_at(a)
        if self.ends[i] <= a:
            i += 1
        j = bisect_left(self.starts, b)
        return range(i, j)

    def floor(self, char: int, lines_back: int) -> int:
        """Offset of the start of the line `lines_back` lines before the one holding char."""
        if not self.line_starts:
            return 0
        return self.line_starts[max(0, bisect_right(self.line_starts, char) - lines_back)]

    def outside(self, char: int) -> bool:
        """True if the token at char is not inside a quotation."""
        return not self.in_quote[self.token_at(char)] if self.token_count else True

    def paragraph_of(self, char: int) -> int:
        return bisect_right(self.paragraph_starts, char) - 1

    def lemma(self, t: Token) -> str:
        return t.lemma_.lower() if self.has_lemma else t.lower_

    # ---- person mentions and quote-only paragraphs

    def per_mention_at(self, a: int, b: int) -> tuple[int, int] | None:
        """The first person named in [a, b): a person of the entities stage before a span only the
        model tagged ("le commissaire au [Climat], Wopke Hoekstra": the stage dropped "Climat")."""
        mentions = self.mentions_in(a, b)
        found = [mention for mention in mentions if mention.etype == "PER"]
        first = next((mention for mention in found if mention.entity is not None), found[0] if found else None)
        if first is not None:
            return first.start, self.name_end(first.end)
        if self.switches.on(PERSON_IN_SPAN):
            return next((inside for mention in mentions if mention.entity is None
                         for inside in [self._person_inside(mention)] if inside is not None), None)
        return None

    def _person_inside(self, mention: Mention) -> tuple[int, int] | None:
        """'[Education Jean-Michel Blanquer]', '[La Repubblica Lucio Caracciolo]': a span only
        the model tagged, as a body, whose tail is a first name and a capitalised surname.
        Worked out once per mention (every lookup around it asks again)."""
        key = (mention.start, mention.end)
        if key not in self._inside:
            self._inside[key] = self._find_person_inside(mention)
        return self._inside[key]

    def _find_person_inside(self, mention: Mention) -> tuple[int, int] | None:
        text = self.body[mention.start:mention.end]
        words = [(match.start(), match.group()) for match in re.finditer(r"\S+", text)]
        for k, (offset, word) in enumerate(words[1:-1], start=1):
            rest = [later for _, later in words[k + 1:]]
            if word in given_names() and all(later[:1].isupper() for later in rest) and len(rest) <= 2:
                return mention.start + offset, mention.end
        return None

    def person_at(self, a: int, b: int) -> Speaker | None:
        """The person named in [a, b), linked to its entity."""
        found = self.per_mention_at(a, b)
        return self.resolve_person(*found) if found is not None else None

    def resolve_person(self, start: int, end: int) -> Speaker:
        """The person named by the characters [start, end)."""
        return self.resolve_name(self.body[start:end], start, end, "PER")

    def name_end(self, end: int) -> int:
        """Extend a person mention cut short by the tagger over the capitalised proper nouns
        that follow it ('Sylvie' + 'Garnier')."""
        if not self.has_pos:
            return end
        i = bisect_left(self.starts, end + 1)
        while i < self.token_count:
            t = self.doc[i]
            if (t.idx != end + 1 or self.body[end:end + 1] != " " or t.pos_ != "PROPN"
                    or not t.text[:1].isupper()):
                break
            glued = t.dep_ in ("flat:name", "flat") and t.head.idx < end
            if self.in_quote[i] or (not glued and any(
                mention.start <= t.idx < mention.end for mention in self.mentions_in(t.idx, t.idx + 1)
            )):
                break
            end = t.idx + len(t.text)
            i += 1
        return end

    # ---- names as written: the full chain of proper nouns

    def _name_word(self, i: int) -> bool:
        """A capitalised word that can belong to a person's name (not a place, date or body)."""
        t = self.doc[i]
        if self.in_quote[i] or not t.text[:1].isupper() or not any(c.isalpha() for c in t.text):
            return False
        if t.ent_type_ and t.ent_type_ not in _NER_PERSON:
            return False
        if t.pos_ not in ("PROPN", "X") and t.ent_type_ not in _NER_PERSON and (
            t.pos_ not in _MISTAGGED_NAME_POS or i == 0 or is_sentence_end(self.doc[i - 1])
            or "\n" in self.doc[i - 1].text or is_mark_token(self.doc[i - 1])
            or self.doc[i - 1].text in (":", "(") or self.doc[i - 1].text in DASHES
        ):
            return False  # a capitalised common word opening a sentence is no name
        low = t.lower_
        if low in _NOT_NAME_WORDS or low in self.name_stops:
            return False
        return not any(mention.etype != "PER" and mention.entity is not None
                       for mention in self.mentions_in(t.idx, t.idx + len(t.text)))

    def _particle(self, i: int) -> bool:
        t = self.doc[i]
        return not self.in_quote[i] and (t.lower_ in NAME_PARTICLES or (
            t.text[:1].isupper() and t.lower_ in _CAPITAL_PARTICLES))

    def _other_mention(self, i: int, end: int) -> bool:
        """Token i starts a mention of its own (the NER saw two names, not one)."""
        t = self.doc[i]
        return any(mention.start >= end for mention in self.mentions_in(t.idx, t.idx + len(t.text)))

    def _glued(self, end: int, i: int) -> bool:
        """Token i follows offset `end` with at most one plain space (no line break)."""
        gap = self.body[end:self.starts[i]]
        return gap == "" or gap == " "

    def name_chain(self, a: int, b: int) -> tuple[int, int]:
        """Bounds of the whole name when [a, b) is a proper-noun chain cut short: extend it
        over the capitalised proper nouns and name particles around it ('Emmanuel' + 'Macron',
        'Salman' <- 'Mohammed bin')."""
        if not (self.token_count and self.has_pos):
            return a, b
        toks = self.token_range(a, b)
        while len(toks) > 1 and self.doc[toks.stop - 1].lower_ in NAME_PARTICLES:
            toks = range(toks.start, toks.stop - 1)  # 'Ursula von' + 'Falkenberg'
        if not toks or not self._name_word(toks.stop - 1):
            return a, b
        b = min(b, self.doc[toks.stop - 1].idx + len(self.doc[toks.stop - 1].text))
        for i in toks:
            if not (self._name_word(i) or self._particle(i)
                    or self.doc[i].ent_type_ in _NER_PERSON):
                return a, b
        # To the right: name words, particles only when a name word follows them.
        i, end, steps = toks.stop, b, 0
        while i < self.token_count and steps < 6:
            j = i
            while (j < self.token_count and j - i < 3 and self._particle(j)
                   and self._glued(end if j == i else self.doc[j - 1].idx
                                   + len(self.doc[j - 1].text), j)):
                j += 1
            prev_end = end if j == i else self.doc[j - 1].idx + len(self.doc[j - 1].text)
            if (j >= self.token_count or not self._glued(prev_end, j) or not self._name_word(j)
                    or self._other_mention(i, end) or self._other_mention(j, end)):
                break
            w = self.doc[j]
            if j + 1 < self.token_count and self.doc[j + 1].text == ":" and not w.whitespace_:
                break  # 'Jane Doe Age: 27': a label, not a surname
            if w.text.isupper() and len(w.text) > 1 and (j > i or (
                    len(w.text) > 2 and w.ent_type_ not in _NER_PERSON)):
                break  # 'Jean Dupont de la CGT', 'Jane Doe WASHINGTON —': a body, a dateline
            end = self.doc[j].idx + len(self.doc[j].text)
            i = j + 1
            steps += 1
        # To the left: only across a particle ('Mohammed bin' + 'Salman').
        start = toks.start
        while start >= 2:
            j = start - 1
            while j > 0 and start - j <= 3 and self.doc[j].lower_ in NAME_PARTICLES and \
                    self._glued(self.doc[j].idx + len(self.doc[j].text), j + 1):
                j -= 1
            if j == start - 1 or not self._name_word(j) or not self._glued(
                    self.doc[j].idx + len(self.doc[j].text), j + 1):
                break
            start = j
        return min(a, self.doc[start].idx), max(b, end)

    def resolve_name(self, text: str, a: int, b: int, etype: str | None) -> Speaker:
        """As MentionIndex.resolve_name, over the whole proper-noun chain of a name.  Worked out
        once per span; each caller gets its own copy (speakers are updated in place later)."""
        key = (text, a, b, etype)
        known = self._resolved.get(key)
        if known is None:
            if etype in (None, "PER") and self.switches.on(NAME_CHAIN):
                a2, b2 = self.name_chain(a, b)
                if (a2, b2) != (a, b):
                    a, b, text = a2, b2, self.body[a2:b2]
            known = self._resolved[key] = super().resolve_name(text, a, b, etype)
        return Speaker(known.start, known.end, known.name, known.entity_id, known.etype)

    def person_name(self, a: int, b: int, name: str, etype: str | None, min_words: int = 2) -> str | None:
        """The canonical name of an unlinked speaker when it is a person's name (courtesy
        titles dropped), else None: a PER span, or `min_words` capitalised words no NER calls
        a place or a body."""
        words = without_honorifics(name.split())
        if not words or not all(word[:1].isupper() or word.lower() in NAME_PARTICLES for word in words):
            return None
        if not words[-1][:1].isupper() or not any(c.isalpha() for c in words[-1]):
            return None
        if etype == "PER":
            return " ".join(words)
        if etype is not None or len(words) < min_words or not self.token_count:
            return None
        toks = self.token_range(a, b)
        if not toks or self.body[a:b] != name:
            return None
        for i in toks:
            t = self.doc[i]
            if t.lower_ in NAME_PARTICLES or t.lower_.rstrip(".") in HONORIFICS:
                continue
            if not self._name_word(i):
                return None
        return " ".join(words)

    def is_quote_only(self, line: Paragraph) -> bool:
        """True if nothing but quoted words and punctuation sits in the paragraph."""
        known = self.quote_only.get(line[0])
        if known is not None:
            return known
        result = not any(
            not self.in_quote[i] and any(c.isalnum() for c in self.doc[i].text)
            for i in self.token_range(line[0], line[1])
        )
        self.quote_only[line[0]] = result
        return result


def is_sentence_end(t: Token) -> bool:
    return t.text in _SENT_END_TOKENS


def is_mark_token(t: Token) -> bool:
    return _all_marks(t.text)


@lru_cache(maxsize=4096)
def _all_marks(text: str) -> bool:
    """Whether the text is nothing but quotation marks (asked for a handful of distinct strings)."""
    return bool(text) and all(c in MARKS for c in text)
