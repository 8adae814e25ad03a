"""Reporting cues in the parse: the verb (or "according to") that says whose words a quote is.

CueWords recognises a reporting verb (by lemma, form or phrasal particle, as the language's
lexicon lists them), a source preposition, a negation of the verb and the verb phrase as written
('a-t-il déclaré', 'has said'); a Cue is what the attribution modules found around one quote.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, NamedTuple

from spacy.strings import get_string_id
from spacy.tokens import Token

from streams.nlp.quotes import NEGATED_CUE
from streams.nlp.quotes.article_index import (
    ArticleIndex,
    is_mark_token,
    is_sentence_end,
)
from streams.nlp.quotes.lexicon import INVERTED_PRONOUN_RE, CueLexicon, every_language
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["NO_PHRASE", "Cue", "CueKind", "CueWords"]

# verb: a reporting verb; neg: a negated one; src: "according to X", a lead-in naming the source;
# dash: a signature after a dash; clause: the main clause holding the quote; prev: the previous
# sentence's reporting verb.
CueKind = Literal["verb", "neg", "src", "dash", "clause", "prev"]
NO_PHRASE = (-1, -1)  # a cue with no words to show (a dash, a colon after a name)


class Cue(NamedTuple):
    """A cue found around a quote."""

    kind: CueKind
    token: int  # index of the cue's main token
    speaker: Speaker | None
    phrase: tuple[int, int]  # first and last token of the cue as written, or NO_PHRASE
    strong: bool  # an incise or a lead-in: it wins over a cue on the other side


_VERB_LINKERS = every_language("quotes", "verb-linkers")
_AUX_WORDS = every_language("quotes", "auxiliaries") | _VERB_LINKERS


class _LexiconIds(NamedTuple):
    """Vocabulary ids of a lexicon's words (as doc.to_array(LOWER) holds them)."""

    forms: frozenset[int]  # reporting-verb forms
    verb_words: frozenset[int]  # lemmas and phrasal-verb lemmas, matched on the form without a lemmatizer
    verb_lemmas: frozenset[str]  # lemmas and phrasal-verb lemmas, as text
    source_firsts: frozenset[int]  # first words of the source phrases ('according', 'selon')


@lru_cache(maxsize=16)
def _lexicon_ids(lex: CueLexicon) -> _LexiconIds:
    """Hashed once per lexicon, not per article."""
    verb_lemmas = lex.lemmas | {verb for verb, _ in lex.phrasal}
    return _LexiconIds(
        frozenset(get_string_id(word) for word in lex.forms),
        frozenset(get_string_id(word) for word in verb_lemmas),
        frozenset(verb_lemmas),
        frozenset(get_string_id(words[0]) for words in lex.sources if words),
    )


class CueWords:
    """Recognises reporting verbs and source prepositions around the quotes of one article."""

    def __init__(self, article: ArticleIndex, lex: CueLexicon):
        self.article = article
        self.lex = lex
        self.sources_by_first: dict[str, list[tuple[str, ...]]] = {}  # asked at nearly every token
        for words in filter(None, lex.sources):
            self.sources_by_first.setdefault(words[0], []).append(words)
        self.ids = _lexicon_ids(lex)
        self._verb_lemma_ids: dict[int, bool] = {}  # lemma id -> its lower case is a cue lemma

    def _may_be_cue(self, i: int) -> bool:
        """Token i's form or lemma is in the lexicon at all (most tokens are not): tested on
        vocabulary ids, before is_cue makes a Token and reads its strings."""
        article, ids = self.article, self.ids
        if article.lower_ids[i] in ids.forms:
            return True
        if not article.has_lemma:
            return article.lower_ids[i] in ids.verb_words
        lemma_id = article.lemma_ids[i]
        known = self._verb_lemma_ids.get(lemma_id)
        if known is None:
            known = self._verb_lemma_ids[lemma_id] = (
                article.doc.vocab.strings[lemma_id].lower() in ids.verb_lemmas)
        return known

    def is_cue(self, t: Token) -> bool:
        """A reporting verb outside the quotes."""
        article, lex, doc = self.article, self.lex, self.article.doc
        if not self._may_be_cue(t.i) or article.in_quote[t.i] or not t.text[:1].isalpha():
            return False
        lemma = article.lemma(t)
        if lex.phrasal and t.i + 1 < article.token_count and (lemma, doc[t.i + 1].lower_) in lex.phrasal:
            return not article.has_pos or t.pos_ in ("VERB", "AUX")
        by_lemma = lemma in lex.lemmas
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
        previous = doc[t.i - 1] if t.i > 0 else None
        if previous is not None and previous.lower_ in lex.determiners:
            return False
        return by_form or by_lemma

    def is_cue_at(self, i: int) -> bool:
        """is_cue(doc[i]), making the Token only for a word of the lexicon."""
        return self._may_be_cue(i) and self.is_cue(self.article.doc[i])

    def is_cue_inside(self, t: Token) -> bool:
        """is_cue for a token inside the marks (the verb of an incise within the quote)."""
        saved = self.article.in_quote[t.i]
        self.article.in_quote[t.i] = False
        try:
            return self.is_cue(t)
        finally:
            self.article.in_quote[t.i] = saved

    def is_form_cue(self, t: Token) -> bool:
        """A reporting-verb form mistagged as a noun ('," the Saudis state'), trusted only right
        after a quote."""
        if self.article.in_quote[t.i] or t.lower_ not in self.lex.forms:
            return False
        previous = self.article.doc[t.i - 1] if t.i > 0 else None
        return previous is None or previous.lower_ not in self.lex.determiners

    def source_end(self, i: int) -> int | None:
        """If tokens from i spell "according to"/"selon"/..., the index after them."""
        if i >= self.article.token_count or self.article.lower_ids[i] not in self.ids.source_firsts:
            return None
        for words in self.sources_by_first.get(self.article.doc[i].lower_, ()):
            j = i + len(words)
            if (j <= self.article.token_count
                    and all(self.article.doc[i + k].lower_ == word for k, word in enumerate(words))
                    and not any(self.article.in_quote[i + k] for k in range(len(words)))):
                return j
        return None

    def negated(self, verb: Token, first: int) -> bool:
        """The verb (its phrase starting at token `first`) is negated: 'n'a pas dit', 'did not say'."""
        if not self.article.switches.on(NEGATED_CUE):
            return False
        lex, article = self.lex, self.article
        doc = article.doc
        for c in verb.children:
            if article.in_quote[c.i]:
                continue
            if ((c.dep_ == "neg" or (c.lower_ in lex.negators and c.i < verb.i + 3))
                    and c.lower_ not in lex.non_verb_negators and not _in_name(c)):
                return True
        for j in range(verb.i - 1, max(-1, first - 4), -1):
            t = doc[j]
            if article.in_quote[j] or t.is_punct or is_mark_token(t) or t.is_space:
                break
            if t.lower_ in lex.negators and t.lower_ not in lex.non_verb_negators and not _in_name(t):
                return True
        # French "ne dit pas", "n'a-t-il pas dit": pas/jamais right after the verb.
        return bool(
            lex.negators_after_verb and verb.i + 1 < article.token_count
            and doc[verb.i + 1].lower_ in lex.negators_after_verb
            and any(doc[j].lower_ in lex.negation_particles and not article.in_quote[j]
                    for j in range(max(0, first - 2), verb.i))
        )

    def phrase(self, verb: Token) -> tuple[int, int]:
        """First and last token of the verb phrase as written: auxiliaries, clitics, the verb,
        its particle."""
        article = self.article
        doc = article.doc
        first = verb.i
        j = verb.i - 1
        steps = 0
        while j >= 0 and steps < 4:
            t = doc[j]
            if article.in_quote[j]:
                break
            low = t.lower_
            if ((t.pos_ == "AUX" and article.has_pos) or low in _AUX_WORDS
                    or INVERTED_PRONOUN_RE.fullmatch(low)):
                first = j
            elif t.pos_ == "ADV" and j > 0 and (
                doc[j - 1].pos_ == "AUX" or doc[j - 1].lower_ in _AUX_WORDS
            ) and low not in self.lex.negators:
                first = j
            else:
                break
            j -= 1
            steps += 1
        while first < verb.i and doc[first].lower_ in _VERB_LINKERS:
            first += 1
        last = verb.i
        if self.lex.lang == "fr":
            # "dit-elle", "estime-t-il": the inverted pronoun belongs to the cue as written.
            clitic = INVERTED_PRONOUN_RE.match(self.article.body, verb.idx + len(verb.text))
            if clitic is not None:
                k = verb.i + 1
                while k < article.token_count and doc[k].idx < clitic.end():
                    last = k
                    k += 1
                return first, last
        if verb.i + 1 < article.token_count:
            following = doc[verb.i + 1]
            if following.dep_ == "prt" or (article.lemma(verb), following.lower_) in self.lex.phrasal:
                last = verb.i + 1
        return first, last

    def incise_verb(self, begin: int, stop: int) -> Token | None:
        """The verb of a short incise after a quote: 'X verb' or 'verb X', then the clause ends."""
        article = self.article
        doc = article.doc
        for i in range(begin, min(stop, begin + 7)):
            t = doc[i]
            if article.in_quote[i] or is_sentence_end(t) or t.is_space or is_mark_token(t):
                return None
            if t.pos_ != "VERB":
                continue
            if self.lex.lang == "en" and t.tag_ not in ("VBD", "VBZ", "VBP"):
                return None
            following = doc[i + 1] if i + 1 < article.token_count else None
            if i == begin:
                fits = following is not None and following.pos_ in ("PROPN", "DET", "PRON", "NOUN")
            else:
                fits = following is None or is_sentence_end(following) or following.text in (",", ";") or (
                    following.pos_ in ("ADV", "ADP", "CCONJ"))
            return t if fits else None
        return None


def _in_name(t: Token) -> bool:
    """'Hope Not Hate said': a capitalised word between two capitalised words is part of a name,
    and negates nothing."""
    doc = t.doc
    return (t.text[:1].isupper() and 0 < t.i < len(doc) - 1 and doc[t.i - 1].text[:1].isupper()
            and doc[t.i + 1].text[:1].isupper())
