"""Indexes over one parsed article, shared by every attribution pass.

Built once per article so that every lookup (token at an offset, tokens in a range, line of an
offset, mentions around a span) is a bisect, keeping attribution linear in the article length.
Also holds which tokens sit inside quotation marks, and small token tests used everywhere.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Optional

from spacy.tokens import Doc, Token

from .events import Entity
from .quote_marks import LINE_RE, MARKS
from .speaker_linking import MentionIndex, spacy_mentions

__all__ = ["ArticleIndex", "is_sentence_end", "is_mark_token", "END_PUNCT", "DASHES"]

END_PUNCT = frozenset(".!?…")
_SENT_END_TOKENS = frozenset({".", "!", "?", "…", ";", "...", "?!", "!?"})
DASHES = frozenset({"–", "—", "―", "-", "--"})


class ArticleIndex(MentionIndex):
    """Indexes over one parsed article, built once so every lookup is a bisect."""

    def __init__(self, doc: Doc, body: str, entities: list[Entity]):
        self.doc = doc
        self.body = body
        # A parse of another text than nlp_view(body) cannot be mapped: fall back to the marks.
        aligned = len(doc.text) == len(body)
        self.n = len(doc) if aligned else 0
        self.starts = [t.idx for t in doc] if aligned else []
        self.has_dep = aligned and doc.has_annotation("DEP")
        self.has_pos = aligned and (doc.has_annotation("POS") or doc.has_annotation("TAG"))
        self.has_lemma = aligned and doc.has_annotation("LEMMA")
        self.in_quote = [False] * self.n
        self.line_starts = [m.start() for m in LINE_RE.finditer(body)]
        self.unit_starts = self.line_starts
        self.quote_only: dict[int, bool] = {}  # paragraph start -> holds nothing but quotes
        super().__init__(
            entities,
            spacy_mentions(doc) if aligned and doc.has_annotation("ENT_IOB") else (),
        )

    # ---- token helpers

    def tok_at(self, char: int) -> int:
        return max(0, bisect_right(self.starts, char) - 1)

    def tok_range(self, a: int, b: int) -> range:
        """Tokens overlapping the characters [a, b)."""
        if b <= a or not self.n:
            return range(0)
        i = self.tok_at(a)
        if self.doc[i].idx + len(self.doc[i]) <= a:
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
        return not self.in_quote[self.tok_at(char)] if self.n else True

    def para_of(self, char: int) -> int:
        return bisect_right(self.unit_starts, char) - 1

    def lemma(self, t: Token) -> str:
        return t.lemma_.lower() if self.has_lemma else t.lower_

    # ---- person mentions and quote-only paragraphs

    def per_mention_at(self, a: int, b: int) -> Optional[tuple[int, int]]:
        for m in self.mentions_in(a, b):
            if m[3] == "PER":
                return m[0], self.name_end(m[1])
        return None

    def name_end(self, end: int) -> int:
        """Extend a person mention cut short by the tagger over the capitalised proper nouns
        that follow it ('Sylvie' + 'Garnier')."""
        if not self.has_pos:
            return end
        i = bisect_left(self.starts, end + 1)
        while i < self.n:
            t = self.doc[i]
            if (t.idx != end + 1 or self.body[end:end + 1] != " " or t.pos_ != "PROPN"
                    or not t.text[:1].isupper()):
                break
            glued = t.dep_ in ("flat:name", "flat") and t.head.idx < end
            if self.in_quote[i] or (not glued and any(
                m[0] <= t.idx < m[1] for m in self.mentions_in(t.idx, t.idx + 1)
            )):
                break
            end = t.idx + len(t.text)
            i += 1
        return end

    def is_quote_only(self, line: tuple[int, int]) -> bool:
        """True if nothing but quoted words and punctuation sits in the paragraph."""
        known = self.quote_only.get(line[0])
        if known is not None:
            return known
        result = not any(
            not self.in_quote[i] and any(c.isalnum() for c in self.doc[i].text)
            for i in self.tok_range(line[0], line[1])
        )
        self.quote_only[line[0]] = result
        return result


def is_sentence_end(t: Token) -> bool:
    return t.text in _SENT_END_TOKENS


def is_mark_token(t: Token) -> bool:
    return bool(t.text) and all(c in MARKS for c in t.text)
