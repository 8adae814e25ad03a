"""Finding the reporting cue of each quote and, through it, its speaker.

Looks around each quote for a cue: an incise after it ('», a déclaré X', '," he said'), a verb
before it in the same sentence ('X a prévenu : «'), "according to"/"selon", a signature line, the
main clause a quote hangs from, a French incise inside the marks. Speaker the cue's subject designates
is resolved by streams.nlp.quotes.speakers; quotes left without a cue get one in streams.speaker_inheritance.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from spacy.tokens import Token

from streams.nlp.quotes.article_index import (
    DASHES,
    END_PUNCT,
    ArticleIndex,
    is_mark_token,
    is_sentence_end,
)
from streams.nlp.quotes.lexicon import CueLexicon, every_language
from streams.nlp.quotes.quote_marks import SPACE_CHARS, QuoteSpan, is_space, trim
from streams.nlp.quotes.speaker_linking import Speaker
from streams.nlp.quotes.speakers import CLITIC_RE, SpeakerResolver

__all__ = ["QuoteCandidate", "Cue", "Attributor", "attribute_quotes"]

_EXPLETIVES = every_language("quotes", "expletives")
_VERB_LINKERS = every_language("quotes", "verb-linkers")
_AUX_WORDS = every_language("quotes", "auxiliaries") | _VERB_LINKERS

# A cue found around a quote: (kind, token index, speaker, cue token bounds, strong).
Cue = tuple[str, int, Optional[Speaker], tuple[int, int], bool]


@dataclass
class QuoteCandidate:
    """A quote being attributed: its span, trimmed bounds, and the speaker and cue found."""

    span: QuoteSpan
    start: int
    end: int
    who: Optional[Speaker] = None
    cue: Optional[tuple[int, int]] = None
    own: bool = False  # attributed by a cue of its own (not inherited)
    blocked: bool = False  # attached to a negated cue: never inherit a speaker
    short: bool = False  # under three words: kept only with a firm cue of its own


# On the way from a short quote up to the verb reporting it: a coordinated clause, a subject or an
# apposition means the words are not what the speaker said; after "dite", "baptisé" they are a name.
_NOT_REPORTED_DEPS = frozenset({"conj", "parataxis", "nsubj", "nsubj:pass", "appos"})
# Relations of a person who is spoken to or about, not speaking.
_NOT_SPEAKER_DEPS = frozenset({"pobj", "dobj", "obj", "iobj", "obl", "obl:arg", "obl:mod", "nmod", "pcomp"})


class Attributor(SpeakerResolver):
    """Finds the cue and speaker of each quote from the parse around it."""

    def __init__(self, article: ArticleIndex, lex: CueLexicon):
        super().__init__(article, lex)
        self._para_cache: dict[int, list[Speaker]] = {}

    # ---- cues

    def is_cue(self, t: Token) -> bool:
        article, lex = self.article, self.lex
        if article.in_quote[t.i] or not t.text[:1].isalpha():
            return False
        lem = article.lemma(t)
        if lex.phrasal and t.i + 1 < article.token_count and (lem, self.doc[t.i + 1].lower_) in lex.phrasal:
            return not article.has_pos or t.pos_ in ("VERB", "AUX")
        by_lemma = lem in lex.lemmas
        by_form = t.lower_ in lex.forms
        if not (by_lemma or by_form):
            return False
        if article.has_pos:
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
            if j <= self.article.token_count and all(self.doc[i + k].lower_ == w for k, w in enumerate(seq)):
                if not any(self.article.in_quote[i + k] for k in range(len(seq))):
                    return j
        return None

    def negated(self, v: Token, first: int) -> bool:
        lex = self.lex
        for c in v.children:
            if self.article.in_quote[c.i]:
                continue
            if c.dep_ == "neg" or (c.lower_ in lex.negators and c.i < v.i + 3):
                if c.lower_ not in lex.non_verb_negators:
                    return True
        for j in range(v.i - 1, max(-1, first - 4), -1):
            t = self.doc[j]
            if self.article.in_quote[j] or t.is_punct or is_mark_token(t) or t.is_space:
                break
            if t.lower_ in lex.negators and t.lower_ not in lex.non_verb_negators:
                return True
        # French "ne dit pas", "n'a-t-il pas dit": pas/jamais right after the verb.
        if lex.negators_after_verb and v.i + 1 < self.article.token_count:
            if self.doc[v.i + 1].lower_ in lex.negators_after_verb and any(
                self.doc[j].lower_ in lex.negation_particles and not self.article.in_quote[j]
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
            if self.article.in_quote[j]:
                break
            low = t.lower_
            if (t.pos_ == "AUX" and self.article.has_pos) or low in _AUX_WORDS or CLITIC_RE.fullmatch(
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
        while first < v.i and self.doc[first].lower_ in _VERB_LINKERS:
            first += 1
        last = v.i
        if self.lex.lang == "fr":
            # "dit-elle", "estime-t-il": the inverted pronoun belongs to the cue as written.
            m = CLITIC_RE.match(self.body, v.idx + len(v.text))
            if m is not None:
                k = v.i + 1
                while k < self.article.token_count and self.doc[k].idx < m.end():
                    last = k
                    k += 1
                return first, last
        if v.i + 1 < self.article.token_count:
            nx = self.doc[v.i + 1]
            if nx.dep_ == "prt" or (self.article.lemma(v), nx.lower_) in self.lex.phrasal:
                last = v.i + 1
        return first, last

    # ---- searching around a quote

    def right_cue(self, q: QuoteCandidate, stop: int) -> Optional[Cue]:
        """Cue just after the quote: '», a déclaré X', '," he said', ', according to X'.

        The last field says whether it is an incise (a comma, ? or ! closes the quoted words,
        or a dash follows): then it wins over a cue before the quote."""
        span = q.span
        after = (span.close_at + 1) if span.close_at is not None else q.end
        toks = self.article.token_range(after, stop)
        doc = self.doc
        if not toks:
            return None
        inner = ""
        if span.close_at is not None:
            inner = self.body[q.end:span.close_at].strip(SPACE_CHARS)
        closed_comma = self.body[q.end - 1] in "?!" or inner.endswith((",", "?", "!"))
        first = toks.start
        while first < toks.stop and doc[first].is_space:
            first += 1
        if first >= toks.stop:
            return None
        starts_comma = doc[first].text == "," or closed_comma
        # '"… office." Editor's note: X, who has pledged …': after words closing their own
        # sentence, only a short incise ('"…." Trump said.') reports them.
        closed_stop = not closed_comma and (self.body[q.end - 1] == "." or inner.endswith("."))
        dash = doc[first].text in DASHES
        lang_en = self.lex.lang == "en"
        begin = first + 1 if doc[first].text in (",",) or dash else first
        count = 0
        form_hit: Optional[Token] = None
        i = first - 1
        while i + 1 < toks.stop:
            i += 1
            t = doc[i]
            if (is_mark_token(t) or self.article.in_quote[i]) and i > first:
                # Step over a short quote inside the clause ('," X, wearing "Y" pins, said').
                j = i
                while j < toks.stop and (self.article.in_quote[j] or is_mark_token(doc[j])):
                    j += 1
                inner = self.body[doc[i].idx:doc[j - 1].idx + len(doc[j - 1].text)].rstrip(
                    SPACE_CHARS + "»”\"’›")
                if j >= toks.stop or not inner or inner[-1] in END_PUNCT or j - i > 8:
                    break
                i = j - 1
                continue
            if is_sentence_end(t) or is_mark_token(t) or self.article.in_quote[i] or t.is_space:
                break
            count += 1
            if count > 28 or (closed_stop and count > 5 and lang_en):
                break
            j = self.source_cue(i)
            if j is not None and j < self.article.token_count:
                who = self.inverted_subject(j - 1)
                if who is not None:
                    return ("src", i, who, (i, j - 1), starts_comma or dash)
            if self.is_cue(t):
                return self._right_verb(t, begin, starts_comma, dash)
            if form_hit is None and count <= 5 and (starts_comma or dash) and self.form_cue(t):
                form_hit = t
        if form_hit is not None:
            return self._right_verb(form_hit, begin, starts_comma, dash)
        if starts_comma and not dash and self.article.has_pos:
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
            if not self.article.in_quote[nxt.i]:
                h = nxt
                if self.article.has_dep:
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
        morph = str(t.morph)
        if t.tag_ == "VBG" or "VerbForm=Ger" in morph or (self.lex.lang == "fr" and (
            (f > 0 and self.doc[f - 1].lower_ in self.lex.gerund_markers)
            or ("VerbForm=Part" in morph and "Tense=Pres" in morph) or (
                f == t.i and t.lower_.endswith(self.lex.present_participle_endings)
                and "VerbForm=Part" in morph))
        ):
            strong = False  # '," adding, "…"': the participle introduces what follows
        return ("neg" if neg else "verb", t.i, who, (f, l), strong)

    def outer_cue(self, v: Token) -> Optional[Token]:
        """'X said the plan would "…"', 'X said Y told him "…"': a verb inside the complement
        clause of an earlier reporting verb of the sentence reports through that verb, whose
        subject is the source. Returns the outer verb when it has a subject."""
        article = self.article
        if not article.has_dep or self.lex.lang != "en":
            return None
        own = [c for c in v.children if c.dep_ in ("nsubj", "nsubjpass") and not article.in_quote[c.i]]
        if own and (own[0].lower_ in self.lex.singular_pronouns or article.per_mention_at(
                own[0].idx, own[0].idx + len(own[0].text)) is not None):
            return None  # 'to which O'Malley interjected "…"': a person speaks through v
        h = v
        crossed = False
        for _ in range(8):
            if h.head.i == h.i:
                return None
            if h.dep_ in ("ccomp", "relcl", "acl", "acl:relcl"):
                crossed = True
            h = h.head
            if article.in_quote[h.i] or h.i >= v.i or article.paragraph_of(h.idx) != article.paragraph_of(v.idx):
                return None
            if crossed and self.is_cue(h) and self.has_subject(h) and not self.negated(
                    h, self.cue_phrase(h)[0]):
                s = self.subject_of(h)
                if s is None or (not isinstance(s, Speaker) and s.lower_ in _EXPLETIVES):
                    return None
                return h
        return None

    def governs(self, v: Token, q: QuoteCandidate) -> bool:
        """True if the quote hangs (through the parse) from verb v."""
        if not self.article.has_dep:
            return False
        for i in self.article.token_range(q.start, q.end):
            h = self.doc[i].head
            if not self.article.in_quote[h.i]:
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
        if self.article.in_quote[t.i] or t.lower_ not in self.lex.forms:
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
        toks = self.article.token_range(line[0], line[1])
        if len(toks) < 2 or self.doc[toks.start].text not in DASHES:
            return None
        nxt = self.doc[toks.start + 1]
        for ms, me, ent, etype in self.article.mentions_in(nxt.idx, nxt.idx + len(nxt.text)):
            if etype in ("PER", "ORG"):
                if etype == "PER":
                    me = self.article.name_end(me)
                return ("dash", nxt.i, self.article.resolve_name(self.body[ms:me], ms, me, etype),
                        (-1, -1), True)
        return None

    def incise_verb(self, begin: int, stop: int) -> Optional[Token]:
        """The verb of a short incise after a quote: 'X verb' or 'verb X', then the clause ends."""
        doc, article = self.doc, self.article
        for i in range(begin, min(stop, begin + 7)):
            t = doc[i]
            if article.in_quote[i] or is_sentence_end(t) or t.is_space or is_mark_token(t):
                return None
            if t.pos_ != "VERB":
                continue
            if self.lex.lang == "en" and t.tag_ not in ("VBD", "VBZ", "VBP"):
                return None
            nxt = doc[i + 1] if i + 1 < article.token_count else None
            if i == begin:
                ok = nxt is not None and nxt.pos_ in ("PROPN", "DET", "PRON", "NOUN")
            else:
                ok = nxt is None or is_sentence_end(nxt) or nxt.text in (",", ";") or nxt.pos_ in (
                    "ADV", "ADP", "CCONJ")
            return t if ok else None
        return None

    def sole_person_before(self, v: Token, end: int) -> Optional[Speaker]:
        """The one person named in v's sentence before the quote, when the parse gives the cue v
        no subject ('Interrogé sur …, le ministre des Transports, Philippe Tabarot, a écarté cette
        hypothèse : « … »'); nobody when two people are named there."""
        if not self.article.has_dep or self.has_subject(v):
            return None  # 'it was stated': a subject the parse found, if no one's
        start = self.doc[v.sent.start].idx
        found = {m[2]["id"]: m for m in self.article.mentions_in(start, end)
                 if m[3] == "PER" and m[2] is not None and self.article.outside(m[0])}
        if len(found) != 1:
            return None
        root = self.doc[self.article.token_at(next(iter(found.values()))[0])]
        while root.dep_ in ("flat", "flat:name", "compound") and root.head.i != root.i:
            root = root.head
        if root.dep_ in _NOT_SPEAKER_DEPS or any(c.dep_ == "case" for c in root.children):
            return None  # 'sent to Joe Biden', 'transmis à Emmanuel Macron', 'after meeting X'
        ms, me, _, _ = next(iter(found.values()))
        return self.article.resolve_name(self.body[ms:me], ms, me, "PER")

    def left_cue(self, q: QuoteCandidate, lo: int, hi: int) -> Optional[Cue]:
        """Cue before the quote in its sentence: 'X a prévenu : «', 'Smith said the plan "…'."""
        toks = self.article.token_range(lo, hi)
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
            if self.article.in_quote[i] or is_mark_token(t):
                # Step over an earlier quote of the same sentence ('was "X" while Y is "Z"').
                j = i
                while j >= toks.start and (self.article.in_quote[j] or is_mark_token(doc[j])):
                    j -= 1
                inner = self.body[doc[j + 1].idx:doc[i].idx + len(doc[i].text)].rstrip(
                    SPACE_CHARS + "»”\"’›")
                if j < toks.start or not inner or inner[-1] in END_PUNCT:
                    break
                i = j
                continue
            if t.is_space and "\n" in t.text:
                break
            if is_sentence_end(t):
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
            if j is not None and j < self.article.token_count and not crossed:
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
                outer = self.outer_cue(t)
                if outer is not None:
                    t = outer
                f, l = self.cue_phrase(t)
                neg = self.negated(t, f)
                who = None
                if not neg:
                    who = self.speaker_of_verb(t, f, l, incise=False)
                    if who is None and (not self.article.has_dep or not self.has_subject(t)):
                        h = self.region_head(self.clause_before(f))
                        who = self.who_from_head(h) if h is not None else None
                        if who is None and colon and not len(self.clause_before(f)):
                            who = self.inverted_subject(l)
                    if who is None:
                        who = self.sole_person_before(t, q.span.open_at)
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
            for ms, me, ent, etype in self.article.mentions_in(prev.idx, prev.idx + len(prev.text)):
                if etype in ("PER", "ORG") and me >= prev.idx + len(prev.text):
                    return ("src", k - 1, self.article.resolve_name(self.body[ms:me], ms, me, etype),
                            (-1, -1), True)
        # "X listed them:" — any verb right before a colon introduces what follows.
        if colon and self.article.has_dep:
            v = doc[k].head
            for _ in range(3):  # "a écarté cette hypothèse : «": the colon may hang from the object
                if v.pos_ in ("VERB", "AUX") or v.head.i == v.i or not toks.start <= v.head.i < k:
                    break
                v = v.head
            # The verb must sit in the lead-in itself: a parse that runs across a paragraph
            # break can hang the colon from the previous paragraph's verb.
            if (v.pos_ in ("VERB", "AUX") and not self.article.in_quote[v.i]
                    and toks.start <= v.i < k):
                s = self.subject_of(v)
                if s is not None and not isinstance(s, Speaker) and s.lower_ in _EXPLETIVES:
                    s = None
                if s is not None:
                    who = s if isinstance(s, Speaker) else self.who_from_head(s)
                    f, l = self.cue_phrase(v)
                    return ("verb", v.i, who, (f, l), True)
        # "Here's Jane Doe in 1992: « … »", "From the report: « … »": the phrase before it.
        if colon and self.article.has_pos:
            region = self.clause_before(k)
            h = self.region_head(region)
            if h is not None and h.lower_ not in _EXPLETIVES and h.pos_ != "PRON":
                who = self.who_from_head(h)
                if who is not None:
                    return ("src", h.i, who, (-1, -1), True)
        # "Pour le ministre, « … »": a French stance lead-in.
        if toks and doc[toks.start].lower_ in self.lex.stance_prepositions and colon is False:
            last = toks.stop - 1
            while last > toks.start and doc[last].is_space:
                last -= 1
            if doc[last].text == "," and last - toks.start <= 8:
                who = self.inverted_subject(toks.start)
                if who is not None and who.etype in ("PER", "ORG"):
                    return ("src", toks.start, who, (toks.start, toks.start), True)
            # "Pour l'avocat, Me X, le dossier repose « sur des suppositions »": a named
            # person's stance frames the whole sentence.
            comma = next((j for j in range(toks.start + 1, min(toks.stop, toks.start + 14))
                          if doc[j].text == ","), None)
            if comma is not None and not any(is_sentence_end(doc[j]) for j in range(
                    toks.start, toks.stop)):
                per = self.article.per_mention_at(doc[toks.start].idx, doc[comma].idx)
                if per is None and comma + 1 < toks.stop:
                    # "Pour le ministre, Jean Dupont, …": the apposition after the comma.
                    nxt = next((j for j in range(comma + 1, min(toks.stop, comma + 6))
                                if doc[j].text == ","), None)
                    if nxt is not None:
                        per = self.article.per_mention_at(doc[comma + 1].idx, doc[nxt].idx)
                if per is not None:
                    who = self.article.resolve_name(self.body[per[0]:per[1]], per[0], per[1], "PER")
                    return ("src", toks.start, who, (toks.start, toks.start), False)
        return None

    def clause_subject(self, q: QuoteCandidate) -> Optional[Cue]:
        """A quote embedded in a narrative sentence ('X mocked Y for "…"') is X's words:
        the subject of the main clause that the quote hangs from."""
        article, doc = self.article, self.doc
        if not article.has_dep:
            return None
        node = None
        for i in article.token_range(q.start, q.end):
            h = doc[i].head
            if not article.in_quote[h.i]:
                node = h
                break
        if node is None:
            return None
        best = None
        para = article.paragraph_of(q.start)
        for _ in range(15):
            if article.paragraph_of(node.idx) != para:
                break
            if node.pos_ in ("VERB", "AUX") or node.dep_ == "ROOT":
                s = self.subject_of(node)
                if isinstance(s, Token) and self.dateline(s):
                    h = self.region_head(self.clause_before(node.i))
                    s = h if h is not None and not self.dateline(h) else None
                if s is not None and (isinstance(s, Speaker) or (
                    s.lower_ not in _EXPLETIVES and article.paragraph_of(s.idx) == para
                )):
                    best = (s, node)
            if node.head.i == node.i:
                break
            node = node.head
        if best is None:
            return None
        s, v = best
        who = s if isinstance(s, Speaker) else self.who_from_head(s)
        if who is None:
            return None
        return ("clause", v.i, who, (-1, -1), False)

    def paragraph_speakers(self, line: tuple[int, int]) -> list[Speaker]:
        """Subjects of the (non-negated) reporting verbs of a paragraph, outside quotes."""
        key = line[0]
        cached = self._para_cache.get(key)
        if cached is not None:
            return cached
        out: list[Speaker] = []
        for i in self.article.token_range(line[0], line[1]):
            t = self.doc[i]
            if self.is_cue(t):
                f, l = self.cue_phrase(t)
                if not self.negated(t, f):
                    who = self.speaker_of_verb(t, f, l, incise=False)
                    if who is not None:
                        out.append(who)
            else:
                j = self.source_cue(i)
                if j is not None and j < self.article.token_count:
                    who = self.inverted_subject(j - 1)
                    if who is not None:
                        out.append(who)
        self._para_cache[key] = out
        return out

    # ---- French incises inside the marks: « Nous irons, dit-elle, jusqu'au bout. »

    def inner_incise(self, q: QuoteCandidate) -> Optional[tuple[int, int]]:
        """Token bounds [i, k) of an incise inside the quote, k being the comma/period ending it."""
        doc, article = self.doc, self.article
        toks = article.token_range(q.start, q.end)
        for i in toks:
            if i == toks.start or doc[i - 1].text != ",":
                continue
            for v_i in range(i, min(i + 4, toks.stop)):
                v = doc[v_i]
                if not self.cue_word(v):
                    continue
                end = v.idx + len(v.text)
                clitic = CLITIC_RE.match(self.body, end) is not None or any(
                    CLITIC_RE.match(self.body, doc[x].idx + len(doc[x].text))
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

    def cue_word(self, t: Token) -> bool:
        """is_cue for a token inside the marks (the verb of an inner incise)."""
        saved = self.article.in_quote[t.i]
        self.article.in_quote[t.i] = False
        try:
            return self.is_cue(t)
        finally:
            self.article.in_quote[t.i] = saved


# --------------------------------------------------------------------------- assembly


def _pick(right, left):
    """Choose between the cue after and the cue before a quote: an incise after the quote,
    then a cue in the same sentence before it, then a weak cue after it, then the previous
    sentence's reporting verb."""
    if right is not None and right[4]:
        return right
    if left is not None and left[0] != "prev":
        return left
    return right or left


def attribute_quotes(
    article: ArticleIndex, lex: CueLexicon, candidates: list[QuoteCandidate], lines: list[tuple[int, int]]
) -> Attributor:
    """Give each quote the speaker and cue found around it (splitting French inner incises,
    which may replace one quote by two in candidates); return the attributor for the passes after."""
    doc, body = article.doc, article.body
    attributor = Attributor(article, lex)
    attributor.build_titles()
    out: list[QuoteCandidate] = []
    for q in candidates:
        # A French incise inside the marks splits the quote and attributes both halves.
        inc = attributor.inner_incise(q) if lex.lang == "fr" and not q.short else None
        if inc is not None:
            halves = _split_incise(attributor, q, inc)
            out.extend(halves)
            if halves and halves[0].who is not None:
                attributor.last_speakers.append((q.start, halves[0].who))
            continue
        out.append(q)
        if q.span.dialogue:
            q.blocked = True  # turns of a dialogue: who speaks is not written, so no guess
            continue
        line = lines[q.span.para]
        right = attributor.right_cue(q, line[1])
        left = attributor.left_cue(q, line[0], q.span.open_at)
        if left is None and q.span.open_at == _first_char(body, line) and q.span.para > 0:
            prev = lines[q.span.para - 1]
            if body[prev[0]:prev[1]].rstrip(SPACE_CHARS).endswith(":"):
                left = attributor.left_cue(q, prev[0], prev[1])
        got = _pick(right, left)
        if got is None:
            got = attributor.clause_subject(q)
        if got is None and q.span.para + 1 < len(lines) and article.is_quote_only(line):
            got = attributor.dash_line(lines[q.span.para + 1])
        if got is None:
            continue
        kind, _, who, (f, l), strong = got
        if q.short and not _firm(attributor, q, got):
            continue  # a word or two without its own reporting verb: a scare quote, a title
        if kind == "neg" or _indefinite(attributor, who):
            q.blocked = True  # '», estime-t-on à Bruxelles': said, but by nobody named
            continue
        if who is None:
            continue
        q.who = who
        q.own = True
        if f >= 0:
            q.cue = (doc[f].idx, doc[l].idx + len(doc[l].text))
        attributor.last_speakers.append((q.start, who))
    candidates[:] = out
    return attributor


def _indefinite(attributor: Attributor, who: Optional[Speaker]) -> bool:
    """The speaker is the indefinite pronoun ('estime-t-on', 'prévient-on')."""
    return who is not None and who.entity_id is None and who.etype is None and (
        attributor.body[who.start:who.end].lower() in attributor.lex.indefinite)


def _verdict(attributor: Attributor, q: QuoteCandidate, got: Cue) -> bool:
    """'a qualifié la décision de « scandaleuse »', 'a décrit un « système organisé »': a
    short quote that a verdict verb with a named speaker takes as its object, in one clause."""
    kind, i, who, _, _ = got
    if kind != "verb" or who is None or who.etype not in ("PER", "ORG"):
        return False
    v = attributor.doc[i]
    if attributor.article.lemma(v) not in attributor.lex.qualify and v.lower_ not in attributor.lex.qualify:
        return False
    if v.idx >= q.span.open_at:
        return False
    toks = attributor.article.token_range(v.idx + len(v.text), q.span.open_at)
    if len(toks) > 8:
        return False
    return not any(is_sentence_end(attributor.doc[j]) or attributor.doc[j].text in (",", ";", ":")
                   or attributor.doc[j].pos_ in ("VERB", "SCONJ") for j in toks)


def _reported_words(attributor: Attributor, q: QuoteCandidate, got: Cue) -> bool:
    """French agency copy puts a speaker's own words in guillemets inside the sentence that
    reports them: 'a appelé les États à « un sursaut »', 'a assuré que l’UE restait « à
    l’avant-garde »'. The reporting verb comes first in the same sentence, its speaker is a
    named person or organisation, and the quote lies in what the verb governs (not in a clause
    coordinated to it: 'X a qualifié …, puis la presse a parlé de « fiasco »')."""
    kind, i, who, _, _ = got
    if attributor.lex.lang != "fr" or kind != "verb" or who is None or who.etype not in ("PER", "ORG"):
        return False
    v = attributor.doc[i]
    if v.idx >= q.span.open_at:
        return False
    toks = attributor.article.token_range(v.idx + len(v.text), q.span.open_at)
    if any(is_sentence_end(attributor.doc[j]) or attributor.doc[j].text in (";", ":") for j in toks):
        return False
    before = attributor.article.token_at(q.span.open_at) - 1
    if before >= 0 and attributor.doc[before].lower_ in attributor.lex.naming_words:
        return False  # 'la loi dite « immigration »': a name, not words said
    t = attributor.doc[attributor.article.token_at(q.start)]
    for _ in range(12):  # up from the quote to the verb, never through a coordinated clause
        if t.i == v.i:
            return True
        if t.dep_ in _NOT_REPORTED_DEPS or t.head.i == t.i:
            return False  # the words are a subject ('le « passe sanitaire » sera levé'), an apposition
        t = t.head
    return False


def _firm(attributor: Attributor, q: QuoteCandidate, got: Cue) -> bool:
    """A cue that makes even one or two words a quotation: a signature dash, 'selon X, …'
    before them, or an incise or colon lead-in around words that open their own sentence
    ('«Oui», dit-il', '"We won," he added', 'a répondu : « Jamais. »'). Words inside a
    narrative sentence ('a "burn bag," the paper reported') are a scare quote."""
    kind, i, _, _, strong = got
    if kind == "dash" or _verdict(attributor, q, got) or _reported_words(attributor, q, got):
        return True
    if kind == "src" and attributor.doc[i].idx < q.span.open_at:
        return True
    return kind in ("src", "verb") and strong and _opens_sentence(attributor.body, q.span.open_at)


def _opens_sentence(body: str, at: int) -> bool:
    """True if the mark at `at` starts a paragraph or a sentence, or follows a colon or dash."""
    j = at - 1
    while j >= 0 and is_space(body[j]):
        j -= 1
    if j < 0 or body[j] == "\n":
        return True
    ch = body[j]
    if ch in END_PUNCT or ch in ":" or ch in DASHES:
        return True
    if ch in "»”\"’›":  # after another quotation: did it end a sentence?
        k = j - 1
        while k >= 0 and is_space(body[k]):
            k -= 1
        return k >= 0 and body[k] in END_PUNCT
    return False


def _split_incise(attributor: Attributor, q: QuoteCandidate, inc: tuple[int, int]) -> list[QuoteCandidate]:
    """« A, dit-elle, B » -> quotes A and B, both attributed by the incise."""
    article, doc, body = attributor.article, attributor.doc, attributor.body
    i, k = inc
    for x in range(i - 1, k + 1):
        article.in_quote[x] = False
    article.quote_only.clear()  # the incise words now sit outside the quotes
    v = next((doc[x] for x in range(i, k) if attributor.cue_word(doc[x])), doc[i])
    f, l = attributor.cue_phrase(v)
    neg = attributor.negated(v, f)
    who = None if neg else attributor.speaker_of_verb(v, f, l, incise=True)
    if _indefinite(attributor, who):
        who, neg = None, True
    cue = (doc[f].idx, doc[l].idx + len(doc[l].text))
    halves = []
    for a, b in (trim(body, q.start, doc[i - 1].idx), trim(body, doc[k].idx + 1, q.end)):
        if b > a:
            halves.append(QuoteCandidate(q.span, a, b, who=who, cue=cue, own=who is not None,
                                         blocked=neg))
    return halves


def _first_char(body: str, line: tuple[int, int]) -> int:
    i = line[0]
    while i < line[1] and is_space(body[i]):
        i += 1
    return i
