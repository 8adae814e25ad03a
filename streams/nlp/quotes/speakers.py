"""Speaker a noun phrase, pronoun or verb subject designates, for quote attribution.

Given a token of the parse (the subject of a reporting verb, the phrase after an inverted verb,
a pronoun), find the person or organisation meant: named persons inside the phrase, appositions,
titles ("the minister" -> the person the article introduced as minister), role nouns, pronouns
resolved to the last person who was a subject or was quoted. Finding the cue itself is the job of
streams.nlp.quotes.attribution, which builds on this class.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from typing import Iterator, Optional

from spacy.tokens import Token

from streams.nlp.quotes.article_index import (
    DASHES,
    ArticleIndex,
    is_mark_token,
    is_sentence_end,
)
from streams.nlp.quotes.lexicon import CueLexicon, every_language
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["SpeakerResolver", "CLITIC_RE"]

# The subject pronoun after an inverted verb: "dit-elle", "a-t-il noté", "estime-t-on".
CLITIC_RE = re.compile(r"-(?:t-)?(" + "|".join(
    sorted(every_language("quotes", "inverted-pronouns"), key=lambda word: (-len(word), word))) + r")\b",
    re.IGNORECASE)
_NAME_DEPS = ("compound", "flat", "flat:name", "appos")
_MODIFIER_DEPS = frozenset({"det", "compound", "amod", "flat", "flat:name", "nummod", "nmod:poss",
                            "poss", "case"})
_SUBJ_DEPS = frozenset({"nsubj", "csubj", "expl:subj"})
_PASSIVE_DEPS = frozenset({"nsubjpass", "nsubj:pass", "auxpass", "aux:pass"})
_NP_STOP_DEPS = frozenset({"relcl", "acl", "acl:relcl", "appos", "advcl", "ccomp", "punct", "cc",
                           "conj", "parataxis"})
_OBJ_DEPS = frozenset({"pobj", "dobj", "obj", "iobj", "obl", "obl:arg", "obl:mod", "nmod", "poss",
                       "nmod:poss", "dative", "npadvmod", "attr"})
_FIRST_PERSON = every_language("quotes", "first-person-pronouns")
# French lawyers are named with "Me" (maître): "l'avocat" later refers to them.
_LAWYER_TITLES = every_language("quotes", "lawyer-titles")
_LAWYER_NOUNS = tuple(sorted(every_language("quotes", "lawyer-nouns")))
_ONE_OF = every_language("quotes", "one-of")
_ONE_OF_PREPOSITIONS = every_language("quotes", "one-of-prepositions")
_SINGULAR_DEFINITE = every_language("quotes", "definite-articles")
_DEFINITE = _SINGULAR_DEFINITE | every_language("quotes", "plural-definite-articles")
_EUPHONIC_T = every_language("quotes", "euphonic-t")


class SpeakerResolver:
    """Resolves the speaker designated by a token or span of the parse around a quote."""

    def __init__(self, article: ArticleIndex, lex: CueLexicon):
        self.article = article
        self.lex = lex
        self.doc = article.doc
        self.body = article.body
        self.last_speakers: list[tuple[int, Speaker]] = []  # (quote start, speaker), in order

    # ---- noun phrases and speakers

    def np_bounds(self, h: Token) -> tuple[int, int]:
        """Token bounds [a, b] of the noun phrase headed by h, without clauses or appositions."""
        doc = self.doc
        a = h.i
        if self.article.has_dep:
            j = h.i - 1
            left = h.left_edge.i
            while j >= left and j >= h.i - 8:
                t = doc[j]
                if t.is_punct or t.is_space or self.article.in_quote[j] or t.dep_ in (
                    "case", "mark", "cc", "prep"
                ) or t.pos_ in ("ADP", "SCONJ", "CCONJ", "VERB", "AUX"):
                    break
                a = j
                j -= 1
        b = h.i
        if self.article.has_dep:
            right = h.right_edge.i
            j = h.i + 1
            while j <= right and j <= h.i + 8:
                t = doc[j]
                if t.is_punct or t.is_space or self.article.in_quote[j] or t.pos_ in ("VERB", "AUX"):
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

    def who_from_head(self, h: Token, allow_pron: bool = True) -> Optional[Speaker]:
        article, doc, lex = self.article, self.doc, self.lex
        low = h.lower_.lstrip("-")
        if low in _ONE_OF and article.has_dep:  # "l'un d'eux", "l'une des manifestantes": one of a group
            group = [c for c in h.children if c.dep_ == "nmod" and c.i > h.i
                     and any(g.dep_ == "case" and g.lower_ in _ONE_OF_PREPOSITIONS for g in c.children)]
            if group and group[0].right_edge.i - h.i <= 6 and not article.in_quote[group[0].right_edge.i]:
                a, b = h.left_edge.i, group[0].right_edge.i
                named = self.apposition(h, b)  # "l'un d'eux, Pierre Martin, a déclaré"
                if named is not None:
                    return named
                sa, sb = doc[a].idx, doc[b].idx + len(doc[b].text)
                return article.resolve_name(self.body[sa:sb], sa, sb, None)
        if (h.pos_ == "PRON" and not h.ent_type_) or low in lex.pronouns or low in _FIRST_PERSON:
            if not allow_pron:
                return None
            if low in lex.relative_pronouns:
                return None
            return self.pronoun(h.idx + (len(h.text) - len(low)), h.idx + len(h.text))
        a, b = self.np_bounds(h)
        sa, sb = doc[a].idx, doc[b].idx + len(doc[b].text)
        # A person named inside the phrase ("Spokeswoman Haley Morris").
        per = article.per_mention_at(sa, sb)
        if per is not None:
            who = article.resolve_name(self.body[per[0]:per[1]], per[0], per[1], "PER")
            if who.entity_id is None:  # only the model saw a person here ("le commissaire au [Climat]")
                app = self.apposition(h, b)
                if app is not None and app.entity_id is not None:
                    return app  # "…, Wopke Hoekstra,": the person the phrase is in apposition to
            return who
        if article.has_dep:
            per = self.linked_person(h)
            if per is not None:
                return article.resolve_name(self.body[per[0]:per[1]], per[0], per[1], "PER")
        # An apposition naming the person ("the secretary general, Jane Doe").
        app = self.apposition(h, b)
        if app is not None:
            return app
        if h.pos_ == "NOUN":
            # "le quotidien Le Monde", "the newspaper USA Today": the organisation named.
            near = [c for c in h.children if c.dep_ in _NAME_DEPS + ("nmod",)
                    ] if article.has_dep else []
            if h.i + 1 < article.token_count:
                near.append(doc[h.i + 1])
            for c in near:
                if not c.ent_type_ or article.in_quote[c.i]:
                    continue
                for ms, me, ent, etype in article.mentions_in(c.idx, c.idx + len(c.text)):
                    if etype == "ORG" and ms > h.idx:
                        return article.resolve_name(self.body[ms:me], ms, me, "ORG")
        text = self.body[sa:sb]
        who = article.resolve_name(text, sa, sb, None)
        # A role noun heading the phrase ('le chef de l'État', 'la ministre de la Santé') names
        # a person even when the phrase holds a place or organisation. French only: on English
        # copy ('the Republican nominee', 'the New York businessman') it picked wrong people.
        if who.etype != "PER" and h.pos_ in ("NOUN", "PROPN") and h.ent_type_ in ("", "MISC") and (
                (who.entity_id is None and who.etype is None)
                or (self.lex.lang == "fr" and self.is_role(h))):
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
            if t.ent_type_ and not self.article.in_quote[t.i]:
                per = self.article.per_mention_at(t.idx, t.idx + len(t.text))
                if per is not None:
                    return per
            for c in t.children:
                if c.dep_ in _NAME_DEPS + ("conj",) and abs(c.i - h.i) <= 12:
                    todo.append(c)
        return None

    def apposition(self, h: Token, b: int) -> Optional[Speaker]:
        doc, article = self.doc, self.article
        cands = [c for c in h.children if c.dep_ == "appos"] if article.has_dep else []
        if b + 2 < article.token_count and doc[b + 1].text == ",":
            cands.append(doc[b + 2])
        for c in cands:
            if article.in_quote[c.i]:
                continue
            per = article.per_mention_at(c.idx, c.idx + len(c.text))
            if per is not None:
                return article.resolve_name(self.body[per[0]:per[1]], per[0], per[1], "PER")
        return None

    def title(self, h: Token, sa: int, sb: int) -> Optional[Speaker]:
        """'the minister' -> the person the article names with that title, if any."""
        det = [c for c in h.children if c.dep_ == "det"] if self.article.has_dep else []
        if not det or det[0].lower_ not in _DEFINITE:
            return None
        holders = self.titles.get(self.article.lemma(h))
        if not holders:
            return None
        before = [x for x in holders if x[0] < sa]
        pos, name, eid = (before[-1] if before else holders[0])
        return Speaker(sa, sb, name, eid, "PER")

    def build_titles(self) -> None:
        """Map title nouns to the persons they name ("le ministre X", "X, the minister")."""
        doc, article = self.doc, self.article
        self.titles: dict[str, list[tuple[int, str, Optional[str]]]] = {}
        self.person_titles: dict[str, set[str]] = {}
        self.person_adjs: dict[str, set[str]] = {}  # "ukrainien", "allemande": how introduced
        if not article.has_pos:
            return
        for ms, me, ent, etype in article.mentions:
            if etype != "PER":
                continue
            who = article.resolve_name(self.body[ms:me], ms, me, "PER")
            toks = article.token_range(ms, me)
            if not toks:
                continue
            nouns: list[Token] = []
            adjs: set[str] = set()
            if toks.start > 0 and doc[toks.start - 1].text in _LAWYER_TITLES:  # "Me Nicolas Berthier"
                for lemma in _LAWYER_NOUNS:
                    self.titles.setdefault(lemma, []).append((ms, who.name, who.entity_id))
                    self.person_titles.setdefault(who.entity_id or who.name, set()).add(lemma)
            j = toks.start - 1
            comma = False
            while j >= 0 and j >= toks.start - 4:
                t = doc[j]
                if t.pos_ == "NOUN" or (t.pos_ == "PROPN" and not t.ent_type_):
                    if not comma or self.is_role(t):  # "Côté rochelais, Ronan O'Gara": no title
                        nouns.append(t)
                    break
                comma = comma or t.text == ","
                if t.pos_ not in ("ADJ", "PROPN") and t.text != ",":
                    break
                if t.pos_ == "ADJ":
                    adjs.add(article.lemma(t))
                j -= 1
            if article.has_dep:
                for i in toks:
                    t = doc[i]
                    if t.dep_ == "appos" and t.head.i not in toks and t.head.pos_ == "NOUN":
                        nouns.append(t.head)
                    for c in t.children:
                        if c.dep_ == "appos" and c.i not in toks and c.pos_ == "NOUN":
                            nouns.append(c)
                        elif (c.dep_ in ("appos", "amod") and c.pos_ == "ADJ" and c.text.islower()
                              and c.i == toks.stop + 1 and doc[toks.stop].text == ","):
                            nouns.append(c)  # "X, prévisionniste à Météo-France": a noun the tagger calls ADJ
            for t in nouns:
                self.titles.setdefault(article.lemma(t), []).append((ms, who.name, who.entity_id))
                self.person_titles.setdefault(who.entity_id or who.name, set()).add(article.lemma(t))
                adjs |= {article.lemma(c) for c in t.children if c.pos_ == "ADJ"
                         } if article.has_dep else set()
            if adjs:
                self.person_adjs.setdefault(who.entity_id or who.name, set()).update(adjs)
        for v in self.titles.values():
            v.sort()

    def pronoun(self, a: int, b: int) -> Speaker:
        """Resolve il/elle/he/she to the last named person before it; else keep it as written."""
        text = self.body[a:b]
        if text.lower() not in self.lex.singular_pronouns:
            return Speaker(a, b, text, None, None)
        who = self.antecedent(a)
        if who is None:
            return Speaker(a, b, text, None, None)
        return Speaker(a, b, who.name, who.entity_id, "PER")

    def antecedent(self, a: int) -> Optional[Speaker]:
        """The person a pronoun or role noun at offset a refers to: the most recent of the last
        person who was a subject and the last person quoted, within a few paragraphs."""
        article = self.article
        floor = article.floor(a, 4)
        hi = bisect_left(article.mention_starts, a)
        recent = None
        subject = None
        for k in range(hi - 1, -1, -1):
            ms, me, ent, etype = article.mentions[k]
            if ms < floor:
                break
            if etype != "PER" or me > a or not article.outside(ms):
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
            return article.resolve_name(self.body[subject[0]:subject[1]], subject[0], subject[1], "PER")
        if speaker is not None and speaker.start >= floor:
            return speaker
        if recent is not None:
            return article.resolve_name(self.body[recent[0]:recent[1]], recent[0], recent[1], "PER")
        return speaker

    def cataphor(self, b: int) -> Optional[Speaker]:
        """'Le président américain a jugé… « … »' opening a story: the person named as a
        subject in the next two paragraphs."""
        article = self.article
        p = bisect_right(article.unit_starts, b) - 1
        limit = article.unit_starts[p + 3] if p + 3 < len(article.unit_starts) else len(self.body)
        for k in range(bisect_left(article.mention_starts, b), len(article.mentions)):
            ms, me, ent, etype = article.mentions[k]
            if ms >= limit:
                break
            if etype == "PER" and article.outside(ms) and self.is_subject_mention(ms, me):
                return article.resolve_name(self.body[ms:me], ms, me, "PER")
        return None

    def is_role(self, h: Token) -> bool:
        return self.article.lemma(h) in self.lex.roles or h.lower_ in self.lex.roles

    def role(self, h: Token, sa: int, sb: int) -> Optional[Speaker]:
        """'l'élu', 'the senator': a definite role noun names the person the text is about."""
        if self.article.lemma(h) not in self.lex.roles and h.lower_ not in self.lex.roles:
            return None
        det = [c for c in h.children if c.dep_ == "det"] if self.article.has_dep else []
        if not det or det[0].lower_ not in _SINGULAR_DEFINITE:
            return None
        lemma = self.article.lemma(h)

        def fits(who: Speaker) -> bool:
            # "le ministre" cannot be the person introduced as "le député".
            known = {t for t in self.person_titles.get(who.entity_id or who.name, ()) if t in self.lex.roles}
            return not known or lemma in known or lemma in self.lex.generic_roles  # "Côté" is no title

        first = self.antecedent(sa)
        # 'le chef de l'État ukrainien' after 'le président ukrainien X': the adjectives of the
        # phrase pick, among the people met so far, the one introduced with them.
        adjs = {self.article.lemma(self.doc[i]) for i in self.article.token_range(sa, sb)
                if self.doc[i].pos_ == "ADJ"}
        if adjs and first is not None and self.lex.lang == "fr":
            # anyone named before, not only subjects: "avec son homologue égyptien, Badr Abdelatty"
            people = [first] + list(self.earlier_people(sa)) + self.named_before(sa)
            marked = [w for w in people if adjs & self.person_adjs.get(w.entity_id or w.name, set())]
            if marked and fits(marked[0]):
                return Speaker(sa, sb, marked[0].name, marked[0].entity_id, "PER")
        who = first if first is not None and fits(first) else None
        if who is None and first is not None:
            who = next((w for w in self.earlier_people(sa) if fits(w)), None)
        if (who is None and first is not None and lemma not in self.titles
                and any(w.start == first.start for _, w in self.last_speakers[-1:])):
            # Nobody in the article bears that title ('la cheffe de la diplomatie …' then
            # 'la ministre'): the person who is speaking.
            who = first
        if who is None and first is None and not any(p.etype == "PER" for _, p in
                                                     self.last_speakers):
            who = self.cataphor(sb)
        if who is None:
            return None
        return Speaker(sa, sb, who.name, who.entity_id, "PER")

    def persons_named_before(self, a: int) -> Iterator[tuple[int, int]]:
        """Person mentions outside quotes before offset a, within six paragraphs, most recent first."""
        article = self.article
        floor = article.floor(a, 6)
        for k in range(bisect_left(article.mention_starts, a) - 1, -1, -1):
            ms, me, ent, etype = article.mentions[k]
            if ms < floor:
                break
            if etype == "PER" and article.outside(ms):
                yield ms, me

    def earlier_people(self, a: int, limit: int = 6):
        """People quoted or named as subjects before offset a, most recent first."""
        seen: set[str] = set()
        cands: list[tuple[int, Speaker]] = [(w.start, w) for _, w in self.last_speakers
                                         if w.etype == "PER" and w.start < a]
        for ms, me in self.persons_named_before(a):
            if self.is_subject_mention(ms, me):
                cands.append((ms, self.article.resolve_name(self.body[ms:me], ms, me, "PER")))
        for _, w in sorted(cands, key=lambda x: -x[0]):
            key = w.entity_id or w.name
            if key not in seen:
                seen.add(key)
                yield w
                if len(seen) >= limit:
                    return

    def named_before(self, a: int) -> list[Speaker]:
        """Every person named outside quotes before offset a (subjects or not), most recent first."""
        return [self.article.resolve_name(self.body[ms:me], ms, me, "PER") for ms, me in self.persons_named_before(a)]

    def is_subject_mention(self, ms: int, me: int) -> bool:
        if not self.article.has_dep:
            return True
        for i in self.article.token_range(ms, me):
            t = self.doc[i]
            d = t.dep_
            if d.startswith("nsubj") or (d == "appos" and t.head.dep_.startswith("nsubj")):
                return True
        return self.lex.lang == "fr" and self.preverbal(ms, me)

    def preverbal(self, ms: int, me: int) -> bool:
        """A person named before the first verb of its sentence, not right after a preposition:
        'Le ministre polonais, Tomasz Wrona, a appelé…', 'Pour l'avocat, Me Julien Caradec, le
        dossier…'. The topic of the sentence, which the French parser often fails to mark as
        the subject (apposition hung on the wrong head, the verb tagged as a noun)."""
        article, doc = self.article, self.doc
        toks = article.token_range(ms, me)
        if not toks or not article.has_pos:
            return False
        j = toks.start - 1
        if j >= 0 and doc[j].pos_ == "ADP":
            return False
        while j >= 0 and toks.start - j < 30:
            t = doc[j]
            if is_sentence_end(t) or (t.is_space and "\n" in t.text) or article.in_quote[j] or (
                    is_mark_token(t)):
                break
            if t.pos_ in ("VERB", "AUX"):
                return False
            j -= 1
        # A verb must follow in the same sentence (else it is a caption, a list).
        for k in range(toks.stop, min(article.token_count, toks.stop + 30)):
            t = doc[k]
            if is_sentence_end(t) or article.in_quote[k] or is_mark_token(t):
                return False
            if t.pos_ in ("VERB", "AUX") or t.lower_ in self.lex.forms:
                return True
        return False

    def speaker_of_verb(
        self, v: Token, first: int, last: int, incise: bool, between: Optional[range] = None
    ) -> Optional[Speaker]:
        """Speaker speaks through cue verb v: clitic, subject, the phrase between quote and verb
        ('," Jane Doe, the senator, said'), or the inverted subject ('," said Jane Doe')."""
        article, doc, body = self.article, self.doc, self.body
        # French inversion: "a-t-il noté", "dit-elle".
        if self.lex.lang == "fr":
            for k in range(first, last + 1):
                t = doc[k]
                m = CLITIC_RE.match(body, t.idx + len(t.text))
                if m is not None:
                    return self.pronoun(m.start(1), m.end(1))
                m = CLITIC_RE.fullmatch(t.text)
                if m is not None and k > first:
                    return self.pronoun(t.idx + m.start(1), t.idx + m.end(1))
        if article.has_dep:
            if any(c.dep_ in _PASSIVE_DEPS for c in v.children):
                return None
            s = self.subject_of(v)
            if isinstance(s, Token) and (
                article.paragraph_of(s.idx) != article.paragraph_of(v.idx) or self.dateline(s)
            ):
                h = self.region_head(self.clause_before(first))
                s = h if h is not None and not self.dateline(h) else None
            if s is not None and (between is None or isinstance(s, Speaker) or s.i >= between.start):
                return s if isinstance(s, Speaker) else self.who_from_head(s)
        if between is not None and len(between):
            h = self.region_head(between)
            if h is not None:
                return self.who_from_head(h)
        if incise:
            return self.inverted_subject(last)
        return None

    def subject_of(self, v: Token):
        """The subject token of v, climbing conj/xcomp/advcl and from gerunds to the main verb;
        a relative pronoun gives the antecedent (as a Speaker)."""
        article = self.article
        head = v
        for _ in range(4):
            subs = [c for c in head.children if c.dep_ in _SUBJ_DEPS and not article.in_quote[c.i]
                    and c.lower_ not in _EUPHONIC_T]
            if subs:
                sub = subs[0]
                if sub.lower_ in self.lex.relative_pronouns and head.dep_ in (
                    "relcl", "acl:relcl", "acl"
                ):
                    ante = self.who_from_head(head.head)
                    if ante is None or self.lex.lang != "en":
                        return ante
                    # 'Jane Doe, who said "…"': the span as written is the relative pronoun
                    # (like 'he'), the name is its antecedent's.
                    return Speaker(sub.idx, sub.idx + len(sub.text), ante.name, ante.entity_id,
                               ante.etype)
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
        while j < self.article.token_count and (doc[j].text.isupper() or doc[j].text == ","):
            j += 1
        return j < self.article.token_count and doc[j].text in ("(", "—", "–", "-", "--")

    def has_subject(self, v: Token) -> bool:
        return any(c.dep_ in _SUBJ_DEPS or c.dep_ in _PASSIVE_DEPS for c in v.children)

    def clause_before(self, f: int) -> range:
        """Tokens from the start of the clause (sentence end, line break, quote, dateline dash)
        up to f."""
        doc, article = self.doc, self.article
        j = f - 1
        while j >= 0 and f - j < 25:
            t = doc[j]
            if (article.in_quote[j] or is_sentence_end(t) or (t.is_space and "\n\n" in t.text)
                    or t.text == ":" or (t.text in DASHES and t.text != "-")):
                break
            j -= 1
        return range(j + 1, f)

    def region_head(self, region: range) -> Optional[Token]:
        """The nominal heading a short stretch of tokens (between a quote and its verb)."""
        doc = self.doc
        cand = None
        for i in region:
            t = doc[i]
            if t.is_punct or t.is_space or self.article.in_quote[i] or t.pos_ not in (
                "PROPN", "NOUN", "PRON"
            ):
                continue
            if t.dep_ == "pobj" or any(c.dep_ == "case" for c in t.children):
                continue  # "Arrivé de Kinshasa, le ministre …": a preposition's object speaks not
            if cand is None:
                cand = t
            if t.dep_ in _OBJ_DEPS or self.dateline(t):
                continue
            if not (region.start <= t.head.i < region.stop and t.head.pos_ in ("PROPN", "NOUN")):
                return t
        return cand

    def inverted_subject(self, last: int) -> Optional[Speaker]:
        """'», a déclaré mercredi le ministre X' / '," said Jane Doe': the phrase after the
        verb."""
        doc, article, lex = self.doc, self.article, self.lex
        j = last + 1
        limit = min(article.token_count, last + 12)
        while j < limit:
            t = doc[j]
            if (article.in_quote[j] or is_sentence_end(t) or t.text in (",", ":", "(")
                    or is_mark_token(t)):
                return None
            if (article.has_dep and t.pos_ == "ADP" and t.dep_ == "case" and j < t.head.i < j + 6
                    and t.head.pos_ in ("NOUN", "PROPN")):
                # A prepositional phrase before the subject: 'a assuré sur franceinfo X',
                # 'a déclaré à la presse le président'.
                j = t.head.i + 1
                while j < limit and doc[j].dep_ in _NAME_DEPS[:3] and doc[j].head.i < j:
                    j += 1
                continue
            # A capitalised word the NER marks is a name whatever its tag ('Macron' ADV).
            named = t.text[:1].isupper() and t.ent_type_ not in ("", "DATE", "TIME")
            if not named and (t.lower_ in lex.time_words or t.ent_type_ in ("DATE", "TIME") or (
                article.has_pos and t.pos_ in ("ADV", "ADP") and t.lower_ not in lex.determiners
            )):
                j += 1
                continue
            if not named and article.has_pos and t.pos_ in ("VERB", "AUX", "SCONJ", "CCONJ"):
                return None
            h = t
            if article.has_dep:
                steps = 0
                while (h.dep_ in _MODIFIER_DEPS and h.head.i > h.i and h.head.i <= j + 6
                       and steps < 6):
                    h = h.head
                    steps += 1
            if article.has_pos and h.pos_ not in ("PROPN", "NOUN", "PRON", "X", "ADJ", "NUM") and (
                not named or h.i != t.i
            ):
                return None
            return self.who_from_head(h)
        return None
