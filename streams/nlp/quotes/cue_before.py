"""The cue before a quote in its sentence: 'X a prévenu : «', 'Smith said the plan "…"', 'selon X'.

Scans back from the opening mark to the start of the sentence (stepping over earlier quotes of
the same sentence); when the quote opens a sentence, the previous sentence's main reporting
verb is a weak cue. Without a verb, the lead-in itself may name the source (lead_ins).
"""

from __future__ import annotations

from spacy.tokens import Token

from streams.nlp.quotes import (
    ACCORDING_TO,
    CUE_BEFORE,
    OUTER_CUE,
    PREVIOUS_SENTENCE,
    SOLE_PERSON,
)
from streams.nlp.quotes.attributor import Attributor, QuoteCandidate
from streams.nlp.quotes.cue_after import quoted_run_end
from streams.nlp.quotes.cues import Cue
from streams.nlp.quotes.lead_ins import lead_in_cue
from streams.nlp.quotes.speaker_linking import Speaker
from streams.nlp.quotes.speakers import EXPLETIVES

__all__ = ["cue_before"]

# Relations of a person who is spoken to or about, not speaking.
_NOT_SPEAKER_DEPS = frozenset({"pobj", "dobj", "obj", "iobj", "obl", "obl:arg", "obl:mod", "nmod", "pcomp"})


def cue_before(attributor: Attributor, quote: QuoteCandidate, lo: int, hi: int) -> Cue | None:
    """The cue in the characters [lo, hi) before the quote (its sentence, or a lead-in paragraph)."""
    article, doc, cues = attributor.article, attributor.doc, attributor.cues
    tokens = article.token_range(lo, hi)
    if not tokens:
        return None
    k = tokens.stop - 1
    while k >= tokens.start and (doc[k].is_space or doc[k].text == ","):
        k -= 1
    colon = k >= tokens.start and doc[k].text == ":"
    i = tokens.stop - 1
    seen = 0
    crossed = False
    previous_sentence: tuple[int, Token] | None = None  # (depth in the parse, verb)
    while i >= tokens.start:  # on token indices: a Token only for a cue verb
        if article.in_quote[i] or article.is_mark(i):
            # Step over an earlier quote of the same sentence ('was "X" while Y is "Z"').
            j, mid_sentence = quoted_run_end(attributor, i, tokens.start - 1, -1)
            if j < tokens.start or not mid_sentence:
                break
            i = j
            continue
        if article.is_space(i):  # (a space is never a sentence end)
            if "\n" in doc[i].text:
                break
            i -= 1
            continue
        if article.is_sentence_end(i):
            if seen or crossed:
                break
            crossed = True  # the quote opens a new sentence: look at the one before
            i -= 1
            continue
        seen += 1
        if seen > 40:
            break
        if not crossed and attributor.runs(ACCORDING_TO):
            j = cues.source_end(i)
            if j is not None and j < article.token_count:
                speaker = attributor.speakers.inverted_subject(j - 1)
                if speaker is not None:
                    return Cue("src", i, speaker, (i, j - 1), colon)
        if crossed and cues.is_cue_at(i):
            if attributor.runs(PREVIOUS_SENTENCE):
                depth = _depth(doc[i])
                if previous_sentence is None or depth < previous_sentence[0]:
                    previous_sentence = (depth, doc[i])
            i -= 1
            continue
        if cues.is_cue_at(i) and attributor.runs(CUE_BEFORE):
            return _verb_before(attributor, quote, doc[i], i, colon, seen)
        i -= 1
    if previous_sentence is not None:
        return _previous_sentence_cue(attributor, previous_sentence[1])
    return lead_in_cue(attributor, tokens, k, colon)


def _depth(t: Token) -> int:
    """Steps from t up to the root of its sentence (at most 20)."""
    depth = 0
    while t.head.i != t.i and depth < 20:
        t = t.head
        depth += 1
    return depth


def _verb_before(attributor: Attributor, quote: QuoteCandidate, verb: Token, i: int, colon: bool,
                 seen: int) -> Cue | None:
    """The cue of a reporting verb (token i) before the quote in its sentence."""
    cues, speakers, article = attributor.cues, attributor.speakers, attributor.article
    outer = _outer_cue(attributor, verb) if attributor.runs(OUTER_CUE) else None
    if outer is not None:
        verb = outer
    first, last = cues.phrase(verb)
    negated = cues.negated(verb, first)
    speaker = None
    if not negated:
        speaker = speakers.speaker_of_verb(verb, first, last, incise=False)
        if speaker is None and (not article.has_dep or not speakers.has_subject(verb)):
            head = speakers.region_head(speakers.clause_before(first))
            speaker = speakers.speaker_of_phrase(head) if head is not None else None
            if speaker is None and colon and not len(speakers.clause_before(first)):
                speaker = speakers.inverted_subject(last)
        if speaker is None and attributor.runs(SOLE_PERSON):
            speaker = _sole_person_before(attributor, verb, quote.span.open_at)
    if negated and not (colon or seen <= 3 or _governs(attributor, verb, quote)):
        return None  # a negated verb elsewhere in the sentence says nothing
    return Cue("neg" if negated else "verb", i, speaker, (first, last), colon)


def _previous_sentence_cue(attributor: Attributor, verb: Token) -> Cue | None:
    """The previous sentence's main reporting verb ("X said Y. «Q»"): a weak attribution."""
    cues = attributor.cues
    first, last = cues.phrase(verb)
    if cues.negated(verb, first):
        return None
    speaker = attributor.speakers.speaker_of_verb(verb, first, last, incise=False)
    if speaker is None:
        return None
    return Cue("prev", verb.i, speaker, (first, last), False)


def _outer_cue(attributor: Attributor, verb: Token) -> Token | None:
    """'X said the plan would "…"', 'X said Y told him "…"': a verb inside the complement
    clause of an earlier reporting verb of the sentence reports through that verb, whose
    subject is the source. Returns the outer verb when it has a subject."""
    article, lex, cues, speakers = attributor.article, attributor.lex, attributor.cues, attributor.speakers
    if not article.has_dep or lex.lang != "en":
        return None
    own = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and not article.in_quote[c.i]]
    if own and (own[0].lower_ in lex.singular_pronouns
                or article.per_mention_at(own[0].idx, own[0].idx + len(own[0].text)) is not None):
        return None  # 'to which O'Malley interjected "…"': a person speaks through the verb
    head = verb
    crossed = False
    for _ in range(8):
        if head.head.i == head.i:
            return None
        if head.dep_ in ("ccomp", "relcl", "acl", "acl:relcl"):
            crossed = True
        head = head.head
        if (article.in_quote[head.i] or head.i >= verb.i
                or article.paragraph_of(head.idx) != article.paragraph_of(verb.idx)):
            return None
        if (crossed and cues.is_cue(head) and speakers.has_subject(head)
                and not cues.negated(head, cues.phrase(head)[0])):
            subject = speakers.subject_of(head)
            if subject is None or (not isinstance(subject, Speaker) and subject.lower_ in EXPLETIVES):
                return None
            return head
    return None


def _governs(attributor: Attributor, verb: Token, quote: QuoteCandidate) -> bool:
    """The quote hangs (through the parse) from the verb."""
    article = attributor.article
    if not article.has_dep:
        return False
    for i in article.token_range(quote.start, quote.end):
        head = attributor.doc[i].head
        if not article.in_quote[head.i]:
            for _ in range(6):
                if head.i == verb.i:
                    return True
                if head.head.i == head.i:
                    break
                head = head.head
            return False
    return False


def _sole_person_before(attributor: Attributor, verb: Token, end: int) -> Speaker | None:
    """The one person named in the verb's sentence before the quote, when the parse gives the
    cue no subject ('Interrogé sur …, le ministre des Transports, Philippe Tabarot, a écarté
    cette hypothèse : « … »'); nobody when two people are named there."""
    article, doc = attributor.article, attributor.doc
    if not article.has_dep or attributor.speakers.has_subject(verb):
        return None  # 'it was stated': a subject the parse found, if no one's
    start = doc[verb.sent.start].idx
    by_entity = {mention.entity["id"]: mention for mention in article.mentions_in(start, end)
                 if mention.etype == "PER" and mention.entity is not None and article.outside(mention.start)}
    if len(by_entity) != 1:
        return None
    person = next(iter(by_entity.values()))
    root = doc[article.token_at(person.start)]
    while root.dep_ in ("flat", "flat:name", "compound") and root.head.i != root.i:
        root = root.head
    if root.dep_ in _NOT_SPEAKER_DEPS or any(c.dep_ == "case" for c in root.children):
        return None  # 'sent to Joe Biden', 'transmis à Emmanuel Macron', 'after meeting X'
    return article.resolve_person(person.start, person.end)
