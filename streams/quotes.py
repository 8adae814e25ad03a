"""Direct quotations and their speakers (French, English), from an existing spaCy parse.

Quote spans come from the text alone (quotation marks within paragraphs), so they work for any
language. Speakers come from the parse when there is one: a reporting verb next to the quote
(found by lemma, or by form when the small models mislemmatize), its subject or inverted
subject, an apposition, "according to"/"selon"; then pronouns, partial names and titles are
resolved against the article's entities, and unattributed quotes inherit from the surrounding
ones. Nothing is re-parsed and every pass is linear in the article length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Optional

from spacy.tokens import Doc, Token

from .cues import CueLexicon, lexicon
from .events import Entity, Quote

__all__ = ["extract_quotes", "find_quote_spans", "QuoteSpan"]

_SPACE_CHARS = " \t\u00a0\u202f\u2007\u2009\u200a\u2002\u2003\u3000\ufeff"
_DOUBLE_OPENERS = frozenset("«“„\"”")
_SINGLE_OPENERS = frozenset("‹‘")
_MARKS = frozenset("«»‹›“”„\"‘’")
_MARKS_RE = re.compile("[«»‹›“”„\"‘’]")
_LINE_RE = re.compile(r"[^\n]+")
_OPEN_PUNCT = "([{—–-/:;,"
_CLITIC_RE = re.compile(r"-(?:t-)?(il|elle|ils|elles|on|iel|iels)\b", re.IGNORECASE)
_WORD_RE = re.compile(r"\w")
_END_PUNCT = frozenset(".!?…")
_SENT_END_TOKENS = frozenset({".", "!", "?", "…", ";", "...", "?!", "!?"})
_DASHES = frozenset({"–", "—", "―", "-", "--"})
_ENT_MAP = {"PER": "PER", "PERSON": "PER", "ORG": "ORG", "NORP": "MISC", "GPE": "LOC",
            "LOC": "LOC", "FAC": "LOC", "MISC": "MISC"}
_NAME_DEPS = ("compound", "flat", "flat:name", "appos")
_MODIFIER_DEPS = frozenset({"det", "compound", "amod", "flat", "flat:name", "nummod", "nmod:poss",
                            "poss", "case"})
_SUBJ_DEPS = frozenset({"nsubj", "csubj", "expl:subj"})
_PASSIVE_DEPS = frozenset({"nsubjpass", "nsubj:pass", "auxpass", "aux:pass"})
_NP_STOP_DEPS = frozenset({"relcl", "acl", "acl:relcl", "appos", "advcl", "ccomp", "punct", "cc",
                           "conj", "parataxis"})
_OBJ_DEPS = frozenset({"pobj", "dobj", "obj", "iobj", "obl", "obl:arg", "obl:mod", "nmod", "poss",
                       "nmod:poss", "dative", "npadvmod", "attr"})
_EXPLETIVES = frozenset({"it", "there", "this", "that", "which", "what", "ce", "c'", "cela", "ça"})
_FIRST_PERSON = frozenset({"i", "we", "je", "j'", "nous"})
_AUX_WORDS = frozenset({
    "a", "ai", "as", "ont", "avait", "avaient", "aura", "auront", "aurait", "est", "sont",
    "était", "étaient", "sera", "s'", "se", "-t", "has", "have", "had", "will", "would", "did",
    "does", "do", "is", "was", "were", "could", "might", "may", "must", "should", "can", "had",
    "'s", "'d", "'ll", "'ve", "shall", "va", "vont", "allait", "vient", "venait", "de", "d'"})


# --------------------------------------------------------------------------- spans (text only)


@dataclass
class QuoteSpan:
    """A top-level quotation found from the marks: content offsets and how it was closed."""

    start: int  # first character of the quoted words
    end: int  # one past the last quoted character
    open_at: int  # offset of the opening mark
    close_at: Optional[int]  # offset of the closing mark, None if closed by the paragraph end
    para: int  # index of the paragraph (line) holding it
    single: bool = False  # opened with a single mark (‘ or ‹) at top level
    continues: bool = False  # reopens a quote left open at the end of the previous paragraph


def _is_space(ch: str) -> bool:
    return ch in _SPACE_CHARS


def _left_ok(text: str, i: int, lo: int) -> bool:
    """An opening mark: at the start, or after a space or opening punctuation."""
    return i == lo or _is_space(text[i - 1]) or text[i - 1] in _OPEN_PUNCT or text[i - 1] in _MARKS


def _pair_paragraph(text: str, lo: int, hi: int) -> list[tuple[int, Optional[int], bool]]:
    """Pair the marks of one paragraph; return top-level (open_at, close_at|None, single)."""
    stack: list[tuple[str, int]] = []
    out: list[tuple[int, Optional[int], bool]] = []

    def close(idx: int, at: int) -> None:
        opener, pos = stack[idx]
        del stack[idx:]
        if not stack:
            out.append((pos, at, opener in _SINGLE_OPENERS))

    def find(chars: str) -> int:
        for k in range(len(stack) - 1, -1, -1):
            if stack[k][0] in chars:
                return k
        return -1

    for m in _MARKS_RE.finditer(text, lo, hi):
        i = m.start()
        ch = text[i]
        nxt = text[i + 1] if i + 1 < hi else ""
        prv = text[i - 1] if i > lo else ""
        closing_flank = bool(prv) and not _is_space(prv) and (not nxt or not nxt.isalnum())
        if ch in "«‹„":
            stack.append((ch, i))
        elif ch == "»":
            k = find("«")
            if k >= 0:
                close(k, i)
        elif ch == "›":
            k = find("‹")
            if k >= 0:
                close(k, i)
        elif ch == "“":
            if stack and stack[-1][0] == "„":
                close(len(stack) - 1, i)
            elif stack and stack[-1][0] == "“" and closing_flank:
                close(len(stack) - 1, i)
            else:
                stack.append((ch, i))
        elif ch == "”":
            k = find("“„”\"")
            if k >= 0:
                close(k, i)
            elif _left_ok(text, i, lo) and nxt and not _is_space(nxt):
                stack.append((ch, i))
        elif ch == '"':
            k = find('"')
            if k >= 0:
                close(k, i)
            elif nxt and not _is_space(nxt) and (_left_ok(text, i, lo) or not prv.isalnum()
                                                   or nxt.isalpha()):
                stack.append((ch, i))
            elif closing_flank and find("“„«") >= 0:
                close(find("“„«"), i)  # mixed marks: “words" or «words"
        elif ch == "‘":
            if (not prv or not prv.isalnum()) and nxt and not _is_space(nxt):
                stack.append((ch, i))
        elif ch == "’":
            k = find("‘")
            if k >= 0 and prv and not _is_space(prv) and (not nxt or not nxt.isalpha()):
                close(k, i)
    # Whatever is still open is closed by the end of the paragraph (double marks only).
    if stack and stack[0][0] in _DOUBLE_OPENERS:
        out.append((stack[0][1], None, False))
    out.sort()
    return out


def _trim(text: str, a: int, b: int) -> tuple[int, int]:
    while a < b and _is_space(text[a]):
        a += 1
    while b > a and (_is_space(text[b - 1]) or text[b - 1] == ","):
        b -= 1
    return a, b


def _segment(body: str) -> tuple[list[tuple[int, int]], list[QuoteSpan]]:
    """Paragraphs (as offsets) and the top-level quotations in them.

    Paragraphs are lines; a line that leaves a quote open is joined to the next one when the
    break is a single newline and the next line does not reopen the quote (a hard wrap inside
    a sentence), so that the closing mark is found there.
    """
    lines = [(m.start(), m.end()) for m in _LINE_RE.finditer(body)]
    units: list[tuple[int, int]] = []
    pairs: list[list[tuple[int, Optional[int], bool]]] = []
    k = 0
    while k < len(lines):
        lo, hi = lines[k]
        got = _pair_paragraph(body, lo, hi)
        joined = 0
        while (joined < 3 and got and got[-1][1] is None and k + 1 < len(lines)
               and body[hi:lines[k + 1][0]] == "\n"):
            nlo, nhi = lines[k + 1]
            first = nlo
            while first < nhi and _is_space(body[first]):
                first += 1
            if first < nhi and body[first] in _DOUBLE_OPENERS:
                break
            retry = _pair_paragraph(body, lo, nhi)
            if not any(p[0] == got[-1][0] and p[1] is not None for p in retry):
                break
            got, hi = retry, nhi
            k += 1
            joined += 1
        units.append((lo, hi))
        pairs.append(got)
        k += 1
    spans: list[QuoteSpan] = []
    prev_open = False
    for para, ((lo, hi), got) in enumerate(zip(units, pairs)):
        first = lo
        while first < hi and _is_space(body[first]):
            first += 1
        open_at_end = False
        for open_at, close_at, single in got:
            a, b = _trim(body, open_at + 1, close_at if close_at is not None else hi)
            if close_at is None:
                open_at_end = True
            if b <= a:
                continue
            spans.append(QuoteSpan(a, b, open_at, close_at, para, single,
                                   continues=prev_open and open_at == first))
        prev_open = open_at_end
    return units, spans


def find_quote_spans(body: str) -> list[QuoteSpan]:
    """Every top-level quotation in the text, one per paragraph segment, in order.

    A mark left open is closed at the end of its paragraph, never later: an unbalanced mark
    cannot swallow the rest of the article. A paragraph that starts by reopening a quote left
    open at the end of the previous one is flagged as a continuation (multi-paragraph quotes).
    """
    return _segment(body)[1]


# --------------------------------------------------------------------------- attribution


@dataclass
class _Who:
    """A speaker candidate: the span as written and what it resolves to."""

    start: int
    end: int
    name: str
    entity_id: Optional[str]
    etype: Optional[str]  # PER / ORG / ... / None for a plain noun phrase or a pronoun


# A cue found around a quote: (kind, token index, speaker, cue token bounds, strong).
_Cue = tuple[str, int, Optional[_Who], tuple[int, int], bool]


@dataclass
class _Q:
    span: QuoteSpan
    start: int
    end: int
    who: Optional[_Who] = None
    cue: Optional[tuple[int, int]] = None
    own: bool = False  # attributed by a cue of its own (not inherited)
    blocked: bool = False  # attached to a negated cue: never inherit a speaker


class _Article:
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
        self.line_starts = [m.start() for m in _LINE_RE.finditer(body)]
        self.unit_starts = self.line_starts
        self.quote_only: dict[int, bool] = {}  # paragraph start -> holds nothing but quotes
        # Entity mentions from the entities stage, then spaCy's own as a fallback.
        ments: list[tuple[int, int, Optional[Entity], str]] = []
        self.by_name: dict[str, Entity] = {}
        self.by_last: dict[str, list[Entity]] = {}
        for ent in entities:
            for mm in ent.get("mentions", []):
                ments.append((mm["start"], mm["end"], ent, ent.get("type", "MISC")))
            for nm in [ent.get("name", "")] + list(ent.get("aliases", [])):
                if nm:
                    self.by_name.setdefault(nm.lower(), ent)
            if ent.get("type") == "PER":
                for nm in [ent.get("name", "")] + list(ent.get("aliases", [])):
                    parts = nm.split()
                    if parts:
                        self.by_last.setdefault(parts[-1].lower(), []).append(ent)
        if aligned and doc.has_annotation("ENT_IOB"):
            for e in doc.ents:
                etype = _ENT_MAP.get(e.label_)
                if etype:
                    ments.append((e.start_char, e.end_char, None, etype))
        ments.sort(key=lambda x: (x[0], x[2] is None, -x[1]))
        self.ments = ments
        self.ment_starts = [x[0] for x in ments]
        self.max_ment = max((x[1] - x[0] for x in ments), default=0)

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

    # ---- entities

    def mentions_in(self, a: int, b: int) -> list[tuple[int, int, Optional[Entity], str]]:
        """Mentions overlapping [a, b), entities-stage ones first."""
        lo = bisect_left(self.ment_starts, a - self.max_ment)
        hi = bisect_left(self.ment_starts, b)
        return [m for m in self.ments[lo:hi] if m[1] > a]

    def resolve_name(self, text: str, a: int, b: int, etype: Optional[str]) -> _Who:
        """Link a span to an entity: overlapping mention first, then name, alias, last name."""
        found = self.mentions_in(a, b)
        linked = [m for m in found if m[2] is not None]
        pick = None
        for m in linked:
            if m[3] == "PER":
                pick = m
                break
        if pick is None and linked:
            pick = linked[0]
        if pick is not None:
            ent = pick[2]
            assert ent is not None
            if ent.get("type") == "PER":
                name = ent["name"]
                if len(text.split()) > len(name.split()) and set(name.split()) < set(text.split()):
                    name = text  # the mention was cut short; the written name is fuller
                return _Who(a, b, name, ent["id"], "PER")
            return _Who(a, b, text, ent["id"], ent.get("type"))
        if etype is None and found:
            etype = found[0][3]
        key = text.lower()
        ent = self.by_name.get(key)
        if ent is None and etype in (None, "PER"):
            last = text.split()[-1].lower() if text.split() else ""
            cands = self.by_last.get(last, [])
            if cands:
                ent = max(cands, key=lambda e: len(e.get("mentions", [])))
        if ent is not None:
            if ent.get("type") == "PER":
                return _Who(a, b, ent["name"], ent["id"], "PER")
            return _Who(a, b, text, ent["id"], ent.get("type"))
        return _Who(a, b, text, None, etype)

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


def _is_sentence_end(t: Token) -> bool:
    return t.text in _SENT_END_TOKENS


def _is_mark_token(t: Token) -> bool:
    return bool(t.text) and all(c in _MARKS for c in t.text)


class _Attributor:
    """Finds the cue and speaker of each quote from the parse around it."""

    def __init__(self, art: _Article, lex: CueLexicon):
        self.art = art
        self.lex = lex
        self.doc = art.doc
        self.body = art.body
        self.last_speakers: list[tuple[int, _Who]] = []
        self._para_cache: dict[int, list[_Who]] = {}

    # ---- cues

    def is_cue(self, t: Token) -> bool:
        art, lex = self.art, self.lex
        if art.in_quote[t.i] or not t.text[:1].isalpha():
            return False
        lem = art.lemma(t)
        if lex.phrasal and t.i + 1 < art.n and (lem, self.doc[t.i + 1].lower_) in lex.phrasal:
            return not art.has_pos or t.pos_ in ("VERB", "AUX")
        by_lemma = lem in lex.lemmas
        by_form = t.lower_ in lex.forms
        if not (by_lemma or by_form):
            return False
        if art.has_pos:
            if lex.lang == "en":
                return t.pos_ == "VERB" or t.tag_.startswith("VB")
            if t.pos_ in ("VERB", "AUX"):
                return True
            if t.pos_ in ("PUNCT", "ADP", "DET", "PRON", "CCONJ", "SCONJ"):
                return False
        prev = self.doc[t.i - 1] if t.i > 0 else None
        if prev is not None and prev.lower_ in lex.determiners:
            return False
        return by_form or by_lemma

    def source_cue(self, i: int) -> Optional[int]:
        """If tokens from i spell "according to"/"selon"/..., return the index after them."""
        for seq in self.lex.sources:
            j = i + len(seq)
            if j <= self.art.n and all(self.doc[i + k].lower_ == w for k, w in enumerate(seq)):
                if not any(self.art.in_quote[i + k] for k in range(len(seq))):
                    return j
        return None

    def negated(self, v: Token, first: int) -> bool:
        lex = self.lex
        for c in v.children:
            if self.art.in_quote[c.i]:
                continue
            if c.dep_ == "neg" or (c.lower_ in lex.negators and c.i < v.i + 3):
                if c.lower_ not in ("no", "nor"):
                    return True
        for j in range(v.i - 1, max(-1, first - 4), -1):
            t = self.doc[j]
            if self.art.in_quote[j] or t.is_punct or _is_mark_token(t) or t.is_space:
                break
            if t.lower_ in lex.negators and t.lower_ not in ("no", "nor"):
                return True
        # French "ne dit pas", "n'a-t-il pas dit": pas/jamais right after the verb.
        if lex.lang == "fr" and v.i + 1 < self.art.n:
            if self.doc[v.i + 1].lower_ in ("pas", "jamais", "guère") and any(
                self.doc[j].lower_ in ("ne", "n'") and not self.art.in_quote[j]
                for j in range(max(0, first - 2), v.i)
            ):
                return True
        return False

    def cue_phrase(self, v: Token) -> tuple[int, int]:
        """Token range of the verb phrase as written: auxiliaries, clitics, the verb, particle."""
        first = v.i
        j = v.i - 1
        steps = 0
        while j >= 0 and steps < 4:
            t = self.doc[j]
            if self.art.in_quote[j]:
                break
            low = t.lower_
            if (t.pos_ == "AUX" and self.art.has_pos) or low in _AUX_WORDS or _CLITIC_RE.fullmatch(
                low
            ) or low == "-t":
                first = j
            elif t.pos_ == "ADV" and j > 0 and (
                self.doc[j - 1].pos_ == "AUX" or self.doc[j - 1].lower_ in _AUX_WORDS
            ) and low not in self.lex.negators:
                first = j
            else:
                break
            j -= 1
            steps += 1
        while first < v.i and self.doc[first].lower_ in ("de", "d'"):
            first += 1
        last = v.i
        if self.lex.lang == "fr":
            # "dit-elle", "estime-t-il": the inverted pronoun belongs to the cue as written.
            m = _CLITIC_RE.match(self.body, v.idx + len(v.text))
            if m is not None:
                k = v.i + 1
                while k < self.art.n and self.doc[k].idx < m.end():
                    last = k
                    k += 1
                return first, last
        if v.i + 1 < self.art.n:
            nx = self.doc[v.i + 1]
            if nx.dep_ == "prt" or (self.art.lemma(v), nx.lower_) in self.lex.phrasal:
                last = v.i + 1
        return first, last

    # ---- noun phrases and speakers

    def np_bounds(self, h: Token) -> tuple[int, int]:
        """Token bounds [a, b] of the noun phrase headed by h, without clauses or appositions."""
        doc = self.doc
        a = h.i
        if self.art.has_dep:
            j = h.i - 1
            left = h.left_edge.i
            while j >= left and j >= h.i - 8:
                t = doc[j]
                if t.is_punct or t.is_space or self.art.in_quote[j] or t.dep_ in (
                    "case", "mark", "cc", "prep"
                ) or t.pos_ in ("ADP", "SCONJ", "CCONJ", "VERB", "AUX"):
                    break
                a = j
                j -= 1
        b = h.i
        if self.art.has_dep:
            right = h.right_edge.i
            j = h.i + 1
            while j <= right and j <= h.i + 8:
                t = doc[j]
                if t.is_punct or t.is_space or self.art.in_quote[j] or t.pos_ in ("VERB", "AUX"):
                    break
                anc = t
                stop = False
                while anc.i != h.i and anc.head.i != anc.i:
                    if anc.dep_ in _NP_STOP_DEPS:
                        stop = True
                        break
                    anc = anc.head
                if stop:
                    break
                b = j
                j += 1
        return a, b

    def who_from_head(self, h: Token, allow_pron: bool = True) -> Optional[_Who]:
        art, doc, lex = self.art, self.doc, self.lex
        low = h.lower_.lstrip("-")
        if (h.pos_ == "PRON" and not h.ent_type_) or low in lex.pronouns or low in _FIRST_PERSON:
            if not allow_pron:
                return None
            if low in lex.relative_pronouns:
                return None
            return self.pronoun(h.idx + (len(h.text) - len(low)), h.idx + len(h.text))
        a, b = self.np_bounds(h)
        sa, sb = doc[a].idx, doc[b].idx + len(doc[b].text)
        # A person named inside the phrase ("Spokeswoman Haley Morris").
        per = art.per_mention_at(sa, sb)
        if per is not None:
            return art.resolve_name(self.body[per[0]:per[1]], per[0], per[1], "PER")
        if art.has_dep:
            per = self.linked_person(h)
            if per is not None:
                return art.resolve_name(self.body[per[0]:per[1]], per[0], per[1], "PER")
        # An apposition naming the person ("the secretary general, Jane Doe").
        app = self.apposition(h, b)
        if app is not None:
            return app
        if h.pos_ == "NOUN":
            # "le quotidien Le Monde", "the newspaper USA Today": the organisation named.
            near = [c for c in h.children if c.dep_ in _NAME_DEPS + ("nmod",)
                    ] if art.has_dep else []
            if h.i + 1 < art.n:
                near.append(doc[h.i + 1])
            for c in near:
                if not c.ent_type_ or art.in_quote[c.i]:
                    continue
                for ms, me, ent, etype in art.mentions_in(c.idx, c.idx + len(c.text)):
                    if etype == "ORG" and ms > h.idx:
                        return art.resolve_name(self.body[ms:me], ms, me, "ORG")
        text = self.body[sa:sb]
        who = art.resolve_name(text, sa, sb, None)
        if (who.entity_id is None and who.etype is None and h.pos_ in ("NOUN", "PROPN")
                and not h.ent_type_):
            titled = self.title(h, sa, sb) or self.role(h, sa, sb)
            if titled is not None:
                return titled
        return who

    def linked_person(self, h: Token) -> Optional[tuple[int, int]]:
        """A person named in the phrase through compounds, appositions or coordination
        ('Sirius XM Vice President for news and talk Dave Gorab')."""
        todo = [h]
        seen = 0
        while todo and seen < 16:
            t = todo.pop()
            seen += 1
            if t.ent_type_ and not self.art.in_quote[t.i]:
                per = self.art.per_mention_at(t.idx, t.idx + len(t.text))
                if per is not None:
                    return per
            for c in t.children:
                if c.dep_ in _NAME_DEPS + ("conj",) and abs(c.i - h.i) <= 12:
                    todo.append(c)
        return None

    def apposition(self, h: Token, b: int) -> Optional[_Who]:
        doc, art = self.doc, self.art
        cands = [c for c in h.children if c.dep_ == "appos"] if art.has_dep else []
        if b + 2 < art.n and doc[b + 1].text == ",":
            cands.append(doc[b + 2])
        for c in cands:
            if art.in_quote[c.i]:
                continue
            per = art.per_mention_at(c.idx, c.idx + len(c.text))
            if per is not None:
                return art.resolve_name(self.body[per[0]:per[1]], per[0], per[1], "PER")
        return None

    def title(self, h: Token, sa: int, sb: int) -> Optional[_Who]:
        """'the minister' -> the person the article names with that title, if any."""
        det = [c for c in h.children if c.dep_ == "det"] if self.art.has_dep else []
        if not det or det[0].lower_ not in ("the", "le", "la", "l'", "les"):
            return None
        holders = self.titles.get(self.art.lemma(h))
        if not holders:
            return None
        before = [x for x in holders if x[0] < sa]
        pos, name, eid = (before[-1] if before else holders[0])
        return _Who(sa, sb, name, eid, "PER")

    def build_titles(self) -> None:
        """Map title nouns to the persons they name ("le ministre X", "X, the minister")."""
        doc, art = self.doc, self.art
        self.titles: dict[str, list[tuple[int, str, Optional[str]]]] = {}
        self.person_titles: dict[str, set[str]] = {}
        if not art.has_pos:
            return
        for ms, me, ent, etype in art.ments:
            if etype != "PER":
                continue
            who = art.resolve_name(self.body[ms:me], ms, me, "PER")
            toks = art.tok_range(ms, me)
            if not toks:
                continue
            nouns: list[Token] = []
            j = toks.start - 1
            while j >= 0 and j >= toks.start - 4:
                t = doc[j]
                if t.pos_ == "NOUN" or (t.pos_ == "PROPN" and not t.ent_type_):
                    nouns.append(t)
                    break
                if t.pos_ not in ("ADJ", "PROPN") and t.text != ",":
                    break
                j -= 1
            if art.has_dep:
                for i in toks:
                    t = doc[i]
                    if t.dep_ == "appos" and t.head.i not in toks and t.head.pos_ == "NOUN":
                        nouns.append(t.head)
                    for c in t.children:
                        if c.dep_ == "appos" and c.i not in toks and c.pos_ == "NOUN":
                            nouns.append(c)
            for t in nouns:
                self.titles.setdefault(art.lemma(t), []).append((ms, who.name, who.entity_id))
                self.person_titles.setdefault(who.entity_id or who.name, set()).add(art.lemma(t))
        for v in self.titles.values():
            v.sort()

    def pronoun(self, a: int, b: int) -> _Who:
        """Resolve il/elle/he/she to the last named person before it; else keep it as written."""
        text = self.body[a:b]
        if text.lower() not in self.lex.singular_pronouns:
            return _Who(a, b, text, None, None)
        who = self.antecedent(a)
        if who is None:
            return _Who(a, b, text, None, None)
        return _Who(a, b, who.name, who.entity_id, "PER")

    def antecedent(self, a: int) -> Optional[_Who]:
        """The person a pronoun or role noun at offset a refers to: the most recent of the last
        person who was a subject and the last person quoted, within a few paragraphs."""
        art = self.art
        floor = art.floor(a, 4)
        hi = bisect_left(art.ment_starts, a)
        recent = None
        subject = None
        for k in range(hi - 1, -1, -1):
            ms, me, ent, etype = art.ments[k]
            if ms < floor:
                break
            if etype != "PER" or me > a or not art.outside(ms):
                continue
            if recent is None:
                recent = (ms, me)
            if self.is_subject_mention(ms, me):
                subject = (ms, me)
                break
        speaker = None
        for pos, who in reversed(self.last_speakers):
            if who.etype == "PER" and who.start < a:
                speaker = who
                break
        if subject is not None and (speaker is None or speaker.start < subject[0]):
            return art.resolve_name(self.body[subject[0]:subject[1]], subject[0], subject[1], "PER")
        if speaker is not None and speaker.start >= floor:
            return speaker
        if recent is not None:
            return art.resolve_name(self.body[recent[0]:recent[1]], recent[0], recent[1], "PER")
        return speaker

    def cataphor(self, b: int) -> Optional[_Who]:
        """'Le président américain a jugé… « … »' opening a story: the person named as a
        subject in the next two paragraphs."""
        art = self.art
        p = bisect_right(art.unit_starts, b) - 1
        limit = art.unit_starts[p + 3] if p + 3 < len(art.unit_starts) else len(self.body)
        for k in range(bisect_left(art.ment_starts, b), len(art.ments)):
            ms, me, ent, etype = art.ments[k]
            if ms >= limit:
                break
            if etype == "PER" and art.outside(ms) and self.is_subject_mention(ms, me):
                return art.resolve_name(self.body[ms:me], ms, me, "PER")
        return None

    def role(self, h: Token, sa: int, sb: int) -> Optional[_Who]:
        """'l'élu', 'the senator': a definite role noun names the person the text is about."""
        if self.art.lemma(h) not in self.lex.roles and h.lower_ not in self.lex.roles:
            return None
        det = [c for c in h.children if c.dep_ == "det"] if self.art.has_dep else []
        if not det or det[0].lower_ not in ("the", "le", "la", "l'"):
            return None
        lemma = self.art.lemma(h)

        def fits(who: _Who) -> bool:
            # "le ministre" cannot be the person introduced as "le député".
            known = self.person_titles.get(who.entity_id or who.name)
            return not known or lemma in known or lemma in self.lex.generic_roles

        first = self.antecedent(sa)
        who = first if first is not None and fits(first) else None
        if who is None and first is not None:
            who = next((w for w in self.earlier_people(sa) if fits(w)), None)
        if who is None and first is None and not any(p.etype == "PER" for _, p in
                                                     self.last_speakers):
            who = self.cataphor(sb)
        if who is None:
            return None
        return _Who(sa, sb, who.name, who.entity_id, "PER")

    def earlier_people(self, a: int, limit: int = 6):
        """People quoted or named as subjects before offset a, most recent first."""
        seen: set[str] = set()
        cands: list[tuple[int, _Who]] = [(w.start, w) for _, w in self.last_speakers
                                         if w.etype == "PER" and w.start < a]
        art = self.art
        floor = art.floor(a, 6)
        for k in range(bisect_left(art.ment_starts, a) - 1, -1, -1):
            ms, me, ent, etype = art.ments[k]
            if ms < floor:
                break
            if etype == "PER" and art.outside(ms) and self.is_subject_mention(ms, me):
                cands.append((ms, art.resolve_name(self.body[ms:me], ms, me, "PER")))
        for _, w in sorted(cands, key=lambda x: -x[0]):
            key = w.entity_id or w.name
            if key not in seen:
                seen.add(key)
                yield w
                if len(seen) >= limit:
                    return

    def is_subject_mention(self, ms: int, me: int) -> bool:
        if not self.art.has_dep:
            return True
        for i in self.art.tok_range(ms, me):
            t = self.doc[i]
            d = t.dep_
            if d.startswith("nsubj") or (d == "appos" and t.head.dep_.startswith("nsubj")):
                return True
        return False

    def speaker_of_verb(
        self, v: Token, first: int, last: int, incise: bool, between: Optional[range] = None
    ) -> Optional[_Who]:
        """Who speaks through cue verb v: clitic, subject, the phrase between quote and verb
        ('," Jane Doe, the senator, said'), or the inverted subject ('," said Jane Doe')."""
        art, doc, body = self.art, self.doc, self.body
        # French inversion: "a-t-il noté", "dit-elle".
        if self.lex.lang == "fr":
            for k in range(first, last + 1):
                t = doc[k]
                m = _CLITIC_RE.match(body, t.idx + len(t.text))
                if m is not None:
                    return self.pronoun(m.start(1), m.end(1))
                m = _CLITIC_RE.fullmatch(t.text)
                if m is not None and k > first:
                    return self.pronoun(t.idx + m.start(1), t.idx + m.end(1))
        if art.has_dep:
            if any(c.dep_ in _PASSIVE_DEPS for c in v.children):
                return None
            s = self.subject_of(v)
            if isinstance(s, Token) and (
                art.para_of(s.idx) != art.para_of(v.idx) or self.dateline(s)
            ):
                h = self.region_head(self.clause_before(first))
                s = h if h is not None and not self.dateline(h) else None
            if s is not None and (between is None or isinstance(s, _Who) or s.i >= between.start):
                return s if isinstance(s, _Who) else self.who_from_head(s)
        if between is not None and len(between):
            h = self.region_head(between)
            if h is not None:
                return self.who_from_head(h)
        if incise:
            return self.inverted_subject(last)
        return None

    def subject_of(self, v: Token):
        """The subject token of v, climbing conj/xcomp/advcl and from gerunds to the main verb;
        a relative pronoun gives the antecedent (as a _Who)."""
        art = self.art
        head = v
        for _ in range(4):
            subs = [c for c in head.children if c.dep_ in _SUBJ_DEPS and not art.in_quote[c.i]
                    and c.lower_ not in ("-t", "t")]
            if subs:
                sub = subs[0]
                if sub.lower_ in self.lex.relative_pronouns and head.dep_ in (
                    "relcl", "acl:relcl", "acl"
                ):
                    return self.who_from_head(head.head)
                return sub
            if head.dep_ in ("conj", "xcomp", "advcl", "ccomp") and head.head.i != head.i:
                head = head.head
                continue
            if head.tag_ == "VBG" or "VerbForm=Ger" in str(head.morph):
                root = head.sent.root
                if root.i != head.i:
                    head = root
                    continue
            break
        return None

    def dateline(self, t: Token) -> bool:
        """'WASHINGTON (AP) —', '6:50 p.m.': paragraph-initial material that is no subject."""
        doc = self.doc
        if t.ent_type_ in ("TIME", "DATE"):
            return True
        if not (t.text.isupper() and len(t.text) > 2):
            return False
        j = t.i + 1
        while j < self.art.n and (doc[j].text.isupper() or doc[j].text == ","):
            j += 1
        return j < self.art.n and doc[j].text in ("(", "—", "–", "-", "--")

    def has_subject(self, v: Token) -> bool:
        return any(c.dep_ in _SUBJ_DEPS or c.dep_ in _PASSIVE_DEPS for c in v.children)

    def clause_before(self, f: int) -> range:
        """Tokens from the start of the clause (sentence end, line break, quote, dateline dash)
        up to f."""
        doc, art = self.doc, self.art
        j = f - 1
        while j >= 0 and f - j < 25:
            t = doc[j]
            if (art.in_quote[j] or _is_sentence_end(t) or (t.is_space and "\n\n" in t.text)
                    or t.text == ":" or (t.text in _DASHES and t.text != "-")):
                break
            j -= 1
        return range(j + 1, f)

    def region_head(self, region: range) -> Optional[Token]:
        """The nominal heading a short stretch of tokens (between a quote and its verb)."""
        doc = self.doc
        cand = None
        for i in region:
            t = doc[i]
            if t.is_punct or t.is_space or self.art.in_quote[i] or t.pos_ not in (
                "PROPN", "NOUN", "PRON"
            ):
                continue
            if cand is None:
                cand = t
            if t.dep_ in _OBJ_DEPS or self.dateline(t):
                continue
            if not (region.start <= t.head.i < region.stop and t.head.pos_ in ("PROPN", "NOUN")):
                return t
        return cand

    def inverted_subject(self, last: int) -> Optional[_Who]:
        """'», a déclaré mercredi le ministre X' / '," said Jane Doe': the phrase after the
        verb."""
        doc, art, lex = self.doc, self.art, self.lex
        j = last + 1
        limit = min(art.n, last + 12)
        while j < limit:
            t = doc[j]
            if (art.in_quote[j] or _is_sentence_end(t) or t.text in (",", ":", "(")
                    or _is_mark_token(t)):
                return None
            if (art.has_dep and t.pos_ == "ADP" and t.dep_ == "case" and j < t.head.i < j + 6
                    and t.head.pos_ in ("NOUN", "PROPN")):
                # A prepositional phrase before the subject: 'a assuré sur franceinfo X',
                # 'a déclaré à la presse le président'.
                j = t.head.i + 1
                while j < limit and doc[j].dep_ in _NAME_DEPS[:3] and doc[j].head.i < j:
                    j += 1
                continue
            if t.lower_ in lex.time_words or t.ent_type_ in ("DATE", "TIME") or (
                art.has_pos and t.pos_ in ("ADV", "ADP") and t.lower_ not in lex.determiners
            ):
                j += 1
                continue
            if art.has_pos and t.pos_ in ("VERB", "AUX", "SCONJ", "CCONJ"):
                return None
            h = t
            if art.has_dep:
                steps = 0
                while (h.dep_ in _MODIFIER_DEPS and h.head.i > h.i and h.head.i <= j + 6
                       and steps < 6):
                    h = h.head
                    steps += 1
            if art.has_pos and h.pos_ not in ("PROPN", "NOUN", "PRON", "X", "ADJ", "NUM"):
                return None
            return self.who_from_head(h)
        return None

    # ---- searching around a quote

    def right_cue(self, q: _Q, stop: int) -> Optional[_Cue]:
        """Cue just after the quote: '», a déclaré X', '," he said', ', according to X'.

        The last field says whether it is an incise (a comma, ? or ! closes the quoted words,
        or a dash follows): then it wins over a cue before the quote."""
        span = q.span
        after = (span.close_at + 1) if span.close_at is not None else q.end
        toks = self.art.tok_range(after, stop)
        doc = self.doc
        if not toks:
            return None
        inner = ""
        if span.close_at is not None:
            inner = self.body[q.end:span.close_at].strip(_SPACE_CHARS)
        closed_comma = self.body[q.end - 1] in "?!" or inner.endswith((",", "?", "!"))
        first = toks.start
        while first < toks.stop and doc[first].is_space:
            first += 1
        if first >= toks.stop:
            return None
        starts_comma = doc[first].text == "," or closed_comma
        dash = doc[first].text in _DASHES
        begin = first + 1 if doc[first].text in (",",) or dash else first
        count = 0
        form_hit: Optional[Token] = None
        i = first - 1
        while i + 1 < toks.stop:
            i += 1
            t = doc[i]
            if (_is_mark_token(t) or self.art.in_quote[i]) and i > first:
                # Step over a short quote inside the clause ('," X, wearing "Y" pins, said').
                j = i
                while j < toks.stop and (self.art.in_quote[j] or _is_mark_token(doc[j])):
                    j += 1
                inner = self.body[doc[i].idx:doc[j - 1].idx + len(doc[j - 1].text)].rstrip(
                    _SPACE_CHARS + "»”\"’›")
                if j >= toks.stop or not inner or inner[-1] in _END_PUNCT or j - i > 8:
                    break
                i = j - 1
                continue
            if _is_sentence_end(t) or _is_mark_token(t) or self.art.in_quote[i] or t.is_space:
                break
            count += 1
            if count > 28:
                break
            j = self.source_cue(i)
            if j is not None and j < self.art.n:
                who = self.inverted_subject(j - 1)
                if who is not None:
                    return ("src", i, who, (i, j - 1), starts_comma or dash)
            if self.is_cue(t):
                return self._right_verb(t, begin, starts_comma, dash)
            if form_hit is None and count <= 5 and (starts_comma or dash) and self.form_cue(t):
                form_hit = t
        if form_hit is not None:
            return self._right_verb(form_hit, begin, starts_comma, dash)
        if starts_comma and not dash and self.art.has_pos:
            # '," Trump barked.' / '», sourit le ministre.': any verb in incise position.
            v = self.incise_verb(begin, toks.stop)
            if v is not None:
                f, l = self.cue_phrase(v)
                between = range(begin, f) if f > begin else None
                who = self.speaker_of_verb(v, f, l, f <= begin, between)
                if who is not None and not self.negated(v, f):
                    return ("verb", v.i, who, (f, l), True)
        if dash and first + 1 < toks.stop:
            nxt = doc[first + 1]
            if not self.art.in_quote[nxt.i]:
                h = nxt
                if self.art.has_dep:
                    while h.head.i > h.i and h.head.i <= first + 6 and h.dep_ in (
                        "compound", "flat", "flat:name", "det", "amod"
                    ):
                        h = h.head
                who = self.who_from_head(h, allow_pron=False)
                if who is not None and who.etype in ("PER", "ORG"):
                    return ("dash", first, who, (-1, -1), True)
        return None

    def _right_verb(self, t: Token, begin: int, starts_comma: bool, dash: bool):
        f, l = self.cue_phrase(t)
        neg = self.negated(t, f)
        between = range(begin, f) if f > begin else None
        incise = starts_comma or f <= begin
        who = None if neg else self.speaker_of_verb(t, f, l, incise, between)
        strong = (starts_comma or dash) and (between is None or self.short_np(between))
        if t.tag_ == "VBG" or "VerbForm=Ger" in str(t.morph) or (
            self.lex.lang == "fr" and f > 0 and self.doc[f - 1].lower_ == "en"
        ):
            strong = False  # '," adding, "…"': the participle introduces what follows
        return ("neg" if neg else "verb", t.i, who, (f, l), strong)

    def governs(self, v: Token, q: _Q) -> bool:
        """True if the quote hangs (through the parse) from verb v."""
        if not self.art.has_dep:
            return False
        for i in self.art.tok_range(q.start, q.end):
            h = self.doc[i].head
            if not self.art.in_quote[h.i]:
                for _ in range(6):
                    if h.i == v.i:
                        return True
                    if h.head.i == h.i:
                        break
                    h = h.head
                return False
        return False

    def form_cue(self, t: Token) -> bool:
        """A reporting-verb form mistagged as a noun ('," the Saudis state'), trusted only right
        after a quote."""
        if self.art.in_quote[t.i] or t.lower_ not in self.lex.forms:
            return False
        prev = self.doc[t.i - 1] if t.i > 0 else None
        return prev is None or prev.lower_ not in self.lex.determiners

    def short_np(self, region: range) -> bool:
        """The stretch between a quote and its verb is just the speaker, not another clause."""
        doc = self.doc
        for i in region:
            t = doc[i]
            if t.pos_ in ("CCONJ", "SCONJ", "VERB") and not (t.dep_ == "relcl" or t.dep_ == "acl"):
                if t.lower_ not in (",",):
                    return len(region) <= 3 and t.pos_ != "CCONJ"
        return len(region) <= 24

    def dash_line(self, line: tuple[int, int]):
        """A quote paragraph signed on the next line: '— Jane Doe, Paris.'"""
        toks = self.art.tok_range(line[0], line[1])
        if len(toks) < 2 or self.doc[toks.start].text not in _DASHES:
            return None
        nxt = self.doc[toks.start + 1]
        for ms, me, ent, etype in self.art.mentions_in(nxt.idx, nxt.idx + len(nxt.text)):
            if etype in ("PER", "ORG"):
                if etype == "PER":
                    me = self.art.name_end(me)
                return ("dash", nxt.i, self.art.resolve_name(self.body[ms:me], ms, me, etype),
                        (-1, -1), True)
        return None

    def incise_verb(self, begin: int, stop: int) -> Optional[Token]:
        """The verb of a short incise after a quote: 'X verb' or 'verb X', then the clause ends."""
        doc, art = self.doc, self.art
        for i in range(begin, min(stop, begin + 7)):
            t = doc[i]
            if art.in_quote[i] or _is_sentence_end(t) or t.is_space or _is_mark_token(t):
                return None
            if t.pos_ != "VERB":
                continue
            if self.lex.lang == "en" and t.tag_ not in ("VBD", "VBZ", "VBP"):
                return None
            nxt = doc[i + 1] if i + 1 < art.n else None
            if i == begin:
                ok = nxt is not None and nxt.pos_ in ("PROPN", "DET", "PRON", "NOUN")
            else:
                ok = nxt is None or _is_sentence_end(nxt) or nxt.text in (",", ";") or nxt.pos_ in (
                    "ADV", "ADP", "CCONJ")
            return t if ok else None
        return None

    def left_cue(self, q: _Q, lo: int, hi: int) -> Optional[_Cue]:
        """Cue before the quote in its sentence: 'X a prévenu : «', 'Smith said the plan "…'."""
        toks = self.art.tok_range(lo, hi)
        doc = self.doc
        if not toks:
            return None
        colon = False
        k = toks.stop - 1
        while k >= toks.start and (doc[k].is_space or doc[k].text in (",",)):
            k -= 1
        if k >= toks.start and doc[k].text == ":":
            colon = True
        i = toks.stop - 1
        seen = 0
        crossed = False
        best_prev: Optional[tuple[int, Token]] = None
        while i >= toks.start:
            t = doc[i]
            if self.art.in_quote[i] or _is_mark_token(t):
                # Step over an earlier quote of the same sentence ('was "X" while Y is "Z"').
                j = i
                while j >= toks.start and (self.art.in_quote[j] or _is_mark_token(doc[j])):
                    j -= 1
                inner = self.body[doc[j + 1].idx:doc[i].idx + len(doc[i].text)].rstrip(
                    _SPACE_CHARS + "»”\"’›")
                if j < toks.start or not inner or inner[-1] in _END_PUNCT:
                    break
                i = j
                continue
            if t.is_space and "\n" in t.text:
                break
            if _is_sentence_end(t):
                if seen or crossed:
                    break
                crossed = True  # the quote opens a new sentence: look at the one before
                i -= 1
                continue
            if t.is_space:
                i -= 1
                continue
            seen += 1
            if seen > 40:
                break
            j = self.source_cue(i)
            if j is not None and j < self.art.n and not crossed:
                who = self.inverted_subject(j - 1)
                if who is not None:
                    return ("src", i, who, (i, j - 1), colon)
            if crossed and self.is_cue(t):
                depth = 0
                h = t
                while h.head.i != h.i and depth < 20:
                    h = h.head
                    depth += 1
                if best_prev is None or depth < best_prev[0]:
                    best_prev = (depth, t)
                i -= 1
                continue
            if self.is_cue(t):
                f, l = self.cue_phrase(t)
                neg = self.negated(t, f)
                who = None
                if not neg:
                    who = self.speaker_of_verb(t, f, l, incise=False)
                    if who is None and (not self.art.has_dep or not self.has_subject(t)):
                        h = self.region_head(self.clause_before(f))
                        who = self.who_from_head(h) if h is not None else None
                        if who is None and colon and not len(self.clause_before(f)):
                            who = self.inverted_subject(l)
                if neg and not (colon or seen <= 3 or self.governs(t, q)):
                    return None  # a negated verb elsewhere in the sentence says nothing
                return ("neg" if neg else "verb", i, who, (f, l), colon)
            i -= 1
        if best_prev is not None:
            # Previous sentence's main reporting verb ("X said Y. «Q»"): a weak attribution.
            t = best_prev[1]
            f, l = self.cue_phrase(t)
            if not self.negated(t, f):
                who = self.speaker_of_verb(t, f, l, incise=False)
                if who is not None:
                    return ("prev", t.i, who, (f, l), False)
            return None
        # "Jane Doe: « … »" — a name right before the colon.
        if colon and k > toks.start:
            prev = doc[k - 1]
            for ms, me, ent, etype in self.art.mentions_in(prev.idx, prev.idx + len(prev.text)):
                if etype in ("PER", "ORG") and me >= prev.idx + len(prev.text):
                    return ("src", k - 1, self.art.resolve_name(self.body[ms:me], ms, me, etype),
                            (-1, -1), True)
        # "X listed them:" — any verb right before a colon introduces what follows.
        if colon and self.art.has_dep:
            v = doc[k].head
            if v.pos_ in ("VERB", "AUX") and not self.art.in_quote[v.i] and v.i < k:
                s = self.subject_of(v)
                if s is not None and not isinstance(s, _Who) and s.lower_ in _EXPLETIVES:
                    s = None
                if s is not None:
                    who = s if isinstance(s, _Who) else self.who_from_head(s)
                    f, l = self.cue_phrase(v)
                    return ("verb", v.i, who, (f, l), True)
        # "Here's Jane Doe in 1992: « … »", "From the report: « … »": the phrase before it.
        if colon and self.art.has_pos:
            region = self.clause_before(k)
            h = self.region_head(region)
            if h is not None and h.lower_ not in _EXPLETIVES and h.pos_ != "PRON":
                who = self.who_from_head(h)
                if who is not None:
                    return ("src", h.i, who, (-1, -1), True)
        # "Pour le ministre, « … »": a French stance lead-in.
        if self.lex.lang == "fr" and toks and doc[toks.start].lower_ == "pour" and colon is False:
            last = toks.stop - 1
            while last > toks.start and doc[last].is_space:
                last -= 1
            if doc[last].text == "," and last - toks.start <= 8:
                who = self.inverted_subject(toks.start)
                if who is not None and who.etype in ("PER", "ORG"):
                    return ("src", toks.start, who, (toks.start, toks.start), True)
        return None

    def clause_subject(self, q: _Q) -> Optional[_Cue]:
        """A quote embedded in a narrative sentence ('X mocked Y for "…"') is X's words:
        the subject of the main clause that the quote hangs from."""
        art, doc = self.art, self.doc
        if not art.has_dep:
            return None
        node = None
        for i in art.tok_range(q.start, q.end):
            h = doc[i].head
            if not art.in_quote[h.i]:
                node = h
                break
        if node is None:
            return None
        best = None
        para = art.para_of(q.start)
        for _ in range(15):
            if art.para_of(node.idx) != para:
                break
            if node.pos_ in ("VERB", "AUX") or node.dep_ == "ROOT":
                s = self.subject_of(node)
                if isinstance(s, Token) and self.dateline(s):
                    h = self.region_head(self.clause_before(node.i))
                    s = h if h is not None and not self.dateline(h) else None
                if s is not None and (isinstance(s, _Who) or (
                    s.lower_ not in _EXPLETIVES and art.para_of(s.idx) == para
                )):
                    best = (s, node)
            if node.head.i == node.i:
                break
            node = node.head
        if best is None:
            return None
        s, v = best
        who = s if isinstance(s, _Who) else self.who_from_head(s)
        if who is None:
            return None
        return ("clause", v.i, who, (-1, -1), False)

    def paragraph_speakers(self, line: tuple[int, int]) -> list[_Who]:
        """Subjects of the (non-negated) reporting verbs of a paragraph, outside quotes."""
        key = line[0]
        cached = self._para_cache.get(key)
        if cached is not None:
            return cached
        out: list[_Who] = []
        for i in self.art.tok_range(line[0], line[1]):
            t = self.doc[i]
            if self.is_cue(t):
                f, l = self.cue_phrase(t)
                if not self.negated(t, f):
                    who = self.speaker_of_verb(t, f, l, incise=False)
                    if who is not None:
                        out.append(who)
            else:
                j = self.source_cue(i)
                if j is not None and j < self.art.n:
                    who = self.inverted_subject(j - 1)
                    if who is not None:
                        out.append(who)
        self._para_cache[key] = out
        return out

    # ---- French incises inside the marks: « Nous irons, dit-elle, jusqu'au bout. »

    def inner_incise(self, q: _Q) -> Optional[tuple[int, int]]:
        """Token bounds [i, k) of an incise inside the quote, k being the comma/period ending it."""
        doc, art = self.doc, self.art
        toks = art.tok_range(q.start, q.end)
        for i in toks:
            if i == toks.start or doc[i - 1].text != ",":
                continue
            for v_i in range(i, min(i + 4, toks.stop)):
                v = doc[v_i]
                if not self._cue_word(v):
                    continue
                end = v.idx + len(v.text)
                clitic = _CLITIC_RE.match(self.body, end) is not None or any(
                    _CLITIC_RE.match(self.body, doc[x].idx + len(doc[x].text))
                    for x in range(i, v_i)
                )
                if v_i > i and not clitic:
                    break
                k = v_i + 1
                while k < toks.stop and k < v_i + 8 and doc[k].text not in (",", ".", ";"):
                    k += 1
                if k >= toks.stop or doc[k].text not in (",", "."):
                    break
                if not clitic:
                    # "poursuit le ministre," : an inverted noun phrase must follow the verb.
                    nxt = doc[v_i + 1] if v_i + 1 < k else None
                    if nxt is None or nxt.pos_ not in ("DET", "PROPN"):
                        break
                return i, k
        return None

    def _cue_word(self, t: Token) -> bool:
        saved = self.art.in_quote[t.i]
        self.art.in_quote[t.i] = False
        try:
            return self.is_cue(t)
        finally:
            self.art.in_quote[t.i] = saved


# --------------------------------------------------------------------------- assembly


def _word_count(text: str) -> int:
    return sum(1 for w in text.split() if _WORD_RE.search(w))


def _title_like(text: str, lex: Optional[CueLexicon]) -> bool:
    """'Saturday Night Live', 'Law and Order': capitalised words, no sentence punctuation."""
    stripped = text.rstrip(_SPACE_CHARS + ".,")
    if not stripped or stripped[-1] in _END_PUNCT:
        return False
    words = [w.strip("()[]'’\"“”«»,;:") for w in stripped.split()]
    words = [w for w in words if w and _WORD_RE.search(w)]
    if not words or len(words) > 10:
        return False
    func = lex.function_words if lex is not None else frozenset()
    return all(w[0].isupper() or w[0].isdigit() or w.lower() in func for w in words) and (
        words[0][0].isupper() or words[0][0].isdigit()
    )


def _after_work_word(art: _Article, lex: CueLexicon, q: _Q) -> bool:
    """'son livre « … »', 'the film "…"', 'an ad entitled "…"': a work's name, not words."""
    if _word_count(art.body[q.start:q.end]) > 12 or not art.n:
        return False
    i = art.tok_at(q.span.open_at) - 1
    while i >= 0 and (art.doc[i].is_space or art.doc[i].text in (",", ":")):
        i -= 1
    return i >= 0 and not art.in_quote[i] and art.doc[i].lower_ in lex.work_words


def _scare_quote(art: _Article, q: _Q, text: str) -> bool:
    """A few words without a verb, no sentence end and nobody saying them: 'la « sobriété
    heureuse »', 'the "so-called elites"'."""
    if _word_count(text) > 4 or text.rstrip()[-1:] in _END_PUNCT or not art.has_pos:
        return False
    return not any(art.doc[i].pos_ in ("VERB", "AUX") for i in art.tok_range(q.start, q.end))


def _speaker_dict(body: str, who: _Who) -> dict:
    return {
        "name": who.name,
        "entity_id": who.entity_id,
        "span": {"text": body[who.start:who.end], "start": who.start, "end": who.end},
    }


def _pick(right, left):
    """Choose between the cue after and the cue before a quote: an incise after the quote,
    then a cue in the same sentence before it, then a weak cue after it, then the previous
    sentence's reporting verb."""
    if right is not None and right[4]:
        return right
    if left is not None and left[0] != "prev":
        return left
    return right or left


def _attribute(art: _Article, lex: CueLexicon, qs: list[_Q], lines: list[tuple[int, int]]) -> None:
    doc, body = art.doc, art.body
    att = _Attributor(art, lex)
    att.build_titles()
    out: list[_Q] = []
    for q in qs:
        # A French incise inside the marks splits the quote and attributes both halves.
        inc = att.inner_incise(q) if lex.lang == "fr" else None
        if inc is not None:
            halves = _split_incise(att, q, inc)
            out.extend(halves)
            if halves and halves[0].who is not None:
                att.last_speakers.append((q.start, halves[0].who))
            continue
        out.append(q)
        line = lines[q.span.para]
        right = att.right_cue(q, line[1])
        left = att.left_cue(q, line[0], q.span.open_at)
        if left is None and q.span.open_at == _first_char(body, line) and q.span.para > 0:
            prev = lines[q.span.para - 1]
            if body[prev[0]:prev[1]].rstrip(_SPACE_CHARS).endswith(":"):
                left = att.left_cue(q, prev[0], prev[1])
        got = _pick(right, left)
        if got is None:
            got = att.clause_subject(q)
        if got is None and q.span.para + 1 < len(lines) and _quote_only(art, line):
            got = att.dash_line(lines[q.span.para + 1])
        if got is None:
            continue
        kind, _, who, (f, l), _ = got
        if kind == "neg":
            q.blocked = True
            continue
        if who is None:
            continue
        q.who = who
        q.own = True
        if f >= 0:
            q.cue = (doc[f].idx, doc[l].idx + len(doc[l].text))
        att.last_speakers.append((q.start, who))
    qs[:] = out
    _inherit(art, qs, lines, att)


def _split_incise(att: _Attributor, q: _Q, inc: tuple[int, int]) -> list[_Q]:
    """« A, dit-elle, B » -> quotes A and B, both attributed by the incise."""
    art, doc, body = att.art, att.doc, att.body
    i, k = inc
    for x in range(i - 1, k + 1):
        art.in_quote[x] = False
    art.quote_only.clear()  # the incise words now sit outside the quotes
    v = next((doc[x] for x in range(i, k) if att._cue_word(doc[x])), doc[i])
    f, l = att.cue_phrase(v)
    neg = att.negated(v, f)
    who = None if neg else att.speaker_of_verb(v, f, l, incise=True)
    cue = (doc[f].idx, doc[l].idx + len(doc[l].text))
    halves = []
    for a, b in (_trim(body, q.start, doc[i - 1].idx), _trim(body, doc[k].idx + 1, q.end)):
        if b > a:
            halves.append(_Q(q.span, a, b, who=who, cue=cue, own=who is not None, blocked=neg))
    return halves


def _first_char(body: str, line: tuple[int, int]) -> int:
    i = line[0]
    while i < line[1] and _is_space(body[i]):
        i += 1
    return i


def _quote_only(art: _Article, line: tuple[int, int]) -> bool:
    """True if nothing but quoted words and punctuation sits in the paragraph."""
    known = art.quote_only.get(line[0])
    if known is not None:
        return known
    result = not any(
        not art.in_quote[i] and any(c.isalnum() for c in art.doc[i].text)
        for i in art.tok_range(line[0], line[1])
    )
    art.quote_only[line[0]] = result
    return result


def _vote(att: _Attributor, qs: list[_Q], k: int, lines: list[tuple[int, int]]) -> Optional[_Who]:
    """Quote-only paragraph far from other quotes: the person that the previous quote, the
    previous paragraph's and the next paragraph's reporting verbs agree on (two votes)."""
    q = qs[k]
    para = q.span.para
    votes: dict[str, list] = {}

    def add(who: Optional[_Who], tag: str) -> None:
        if who is None or who.etype != "PER":
            return
        key = who.entity_id or who.name
        entry = votes.setdefault(key, [set(), who])
        entry[0].add(tag)

    prev = next((qs[j] for j in range(k - 1, -1, -1) if qs[j].who is not None), None)
    if prev is not None and para - prev.span.para <= 8:
        add(prev.who, "prev")
    if para > 0:
        for who in att.paragraph_speakers(lines[para - 1]):
            add(who, "before")
    if para + 1 < len(lines):
        for who in att.paragraph_speakers(lines[para + 1]):
            add(who, "after")
        nxt = next((x for x in qs[k + 1:] if x.span.para == para + 1 and x.own), None)
        if nxt is not None:
            add(nxt.who, "after")
    best = [(len(tags), "prev" in tags, who) for tags, who in votes.values() if len(tags) >= 2]
    if not best:
        return None
    best.sort(key=lambda x: (x[0], x[1]), reverse=True)
    return best[0][2]


def _last_subject(att: _Attributor, lines: list[tuple[int, int]], para: int) -> Optional[_Who]:
    """A lone quote paragraph right after a paragraph about a named person: that person
    (the last person who is a subject there)."""
    if para == 0:
        return None
    art = att.art
    a, b = lines[para - 1]
    lo = bisect_left(art.ment_starts, a)
    hi = bisect_left(art.ment_starts, b)
    for k in range(hi - 1, lo - 1, -1):
        ms, me, ent, etype = art.ments[k]
        if etype == "PER" and art.outside(ms) and att.is_subject_mention(ms, me):
            return art.resolve_name(art.body[ms:me], ms, me, "PER")
    return None


def _inherit(art: _Article, qs: list[_Q], lines: list[tuple[int, int]], att: _Attributor) -> None:
    """Give unattributed quotes the speaker the text makes clear (same paragraph, chain, run)."""
    n = len(qs)
    chain = list(range(n))
    for k in range(1, n):
        q, p = qs[k], qs[k - 1]
        if q.span.continues and p.span.close_at is None and p.span.para == q.span.para - 1:
            chain[k] = chain[k - 1]
    by_chain: dict[int, list[int]] = {}
    for k in range(n):
        by_chain.setdefault(chain[k], []).append(k)

    def same(a: Optional[_Who], b: Optional[_Who]) -> bool:
        return a is not None and b is not None and (
            (a.entity_id is not None and a.entity_id == b.entity_id) or a.name == b.name
        )

    # Pass 1: same paragraph, then same multi-paragraph chain (own attributions only).
    for k, q in enumerate(qs):
        if q.who is not None or q.blocked:
            continue
        best = None
        for d in range(1, n):
            for j in (k - d, k + d):
                if 0 <= j < n and qs[j].own and qs[j].span.para == q.span.para:
                    best = qs[j]
                    break
            if best is not None or (k - d < 0 and k + d >= n):
                break
            if (k - d < 0 or qs[k - d].span.para != q.span.para) and (
                k + d >= n or qs[k + d].span.para != q.span.para
            ):
                break
        if best is None:
            members = [qs[j] for j in by_chain[chain[k]] if qs[j].own]
            if members:
                best = min(members, key=lambda m: abs(m.start - q.start))
        if best is not None:
            q.who, q.cue = best.who, best.cue
    # Pass 2: runs of quotes across paragraphs.
    for k, q in enumerate(qs):
        if q.who is not None or q.blocked:
            continue
        prev = qs[k - 1] if k > 0 else None
        nxt = next((qs[j] for j in range(k + 1, n) if qs[j].span.para != q.span.para), None)
        line = lines[q.span.para]
        prev_ok = prev is not None and prev.who is not None and q.span.para - prev.span.para <= 3
        next_ok = nxt is not None and nxt.own and nxt.span.para - q.span.para <= 1
        if _quote_only(art, line):
            if prev_ok:
                q.who = prev.who  # type: ignore[union-attr]
            else:
                q.who = _vote(att, qs, k, lines) or _last_subject(att, lines, q.span.para)
        elif prev_ok and next_ok and same(prev.who, nxt.who):  # type: ignore[union-attr]
            q.who = prev.who  # type: ignore[union-attr]


def extract_quotes(
    doc: Doc, body: str, entities: list[Entity], *, language: str
) -> tuple[list[Quote], list[Entity]]:
    """Direct quotes of an article with their speakers, and the entities marked as quoted.

    `doc` is the parse of nlp_view(body) (same length as body). With a blank pipeline (no
    tagger/parser) quotes are still found from the marks, without speakers.
    """
    lex = lexicon(language)
    art = _Article(doc, body, entities)
    lines, spans = _segment(body)
    art.unit_starts = [u[0] for u in lines]
    for s in spans:
        close = s.close_at + 1 if s.close_at is not None else s.end
        for i in art.tok_range(s.open_at, close):
            if art.doc[i].idx >= s.open_at:
                art.in_quote[i] = True
    qs = [_Q(s, s.start, s.end) for s in spans if _word_count(body[s.start:s.end]) >= 3]
    if lex is not None and art.has_pos and art.n:
        _attribute(art, lex, qs, lines)
    quotes: list[Quote] = []
    quoted_ids: set[str] = set()
    for q in qs:
        text = body[q.start:q.end]
        if _title_like(text, lex) or (lex is not None and _after_work_word(art, lex, q)):
            continue
        if q.who is None and (q.span.single or _scare_quote(art, q, text)):
            continue
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
    return quotes, out_entities
