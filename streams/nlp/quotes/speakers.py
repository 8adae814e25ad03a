"""Who a noun phrase, pronoun or verb subject designates, for quote attribution.

Given a token of the parse (the subject of a reporting verb, the phrase after an inverted verb,
a pronoun), find the person or organisation meant: named persons inside the phrase, appositions,
the organisation a common noun introduces ('le quotidien Le Monde'), and through
streams.nlp.quotes.coreference the person a pronoun, title or role noun refers to.  Finding the
cue itself is the job of the attribution modules, which hold a SpeakerResolver.
"""

from __future__ import annotations

from spacy.tokens import Token

from streams.nlp.quotes import PRONOUNS
from streams.nlp.quotes.article_index import (
    DASHES,
    ArticleIndex,
    is_mark_token,
    is_sentence_end,
)
from streams.nlp.quotes.coreference import Coreference
from streams.nlp.quotes.lexicon import INVERTED_PRONOUN_RE, CueLexicon, every_language
from streams.nlp.quotes.named_speakers import is_first_name
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["EXPLETIVES", "SpeakerResolver"]

# Subjects that designate nobody ("it was said", "c'est").
EXPLETIVES = every_language("quotes", "expletives")

_NAME_DEPS = ("compound", "flat", "flat:name", "appos")
_MODIFIER_DEPS = frozenset({"det", "compound", "amod", "flat", "flat:name", "nummod", "nmod:poss", "poss", "case"})
_SUBJECT_DEPS = frozenset({"nsubj", "csubj", "expl:subj"})
_PASSIVE_DEPS = frozenset({"nsubjpass", "nsubj:pass", "auxpass", "aux:pass"})
_NP_STOP_DEPS = frozenset({"relcl", "acl", "acl:relcl", "appos", "advcl", "ccomp", "punct", "cc", "conj",
                           "parataxis"})
_OBJECT_DEPS = frozenset({"pobj", "dobj", "obj", "iobj", "obl", "obl:arg", "obl:mod", "nmod", "poss", "nmod:poss",
                          "dative", "npadvmod", "attr"})
_FIRST_PERSON = every_language("quotes", "first-person-pronouns")
_ORGANISATION_NOUNS = every_language("quotes", "organisation-nouns")
_ONE_OF = every_language("quotes", "one-of")
_ONE_OF_PREPOSITIONS = every_language("quotes", "one-of-prepositions")
_EUPHONIC_T = every_language("quotes", "euphonic-t")
# "celle qui", "celui qui": a demonstrative before a relative clause stands for a person, like
# the pronoun it is listed with.
_DEMONSTRATIVES = {row.split()[0]: row.split()[1] for row in every_language("quotes", "person-demonstratives")}


class SpeakerResolver:
    """Resolves the speaker designated by a token or span of the parse around a quote."""

    def __init__(self, article: ArticleIndex, lex: CueLexicon, coreference: Coreference):
        self.article = article
        self.lex = lex
        self.coreference = coreference
        self.doc = article.doc
        self.body = article.body

    # ---- noun phrases

    def np_bounds(self, head: Token) -> tuple[int, int]:
        """Token bounds [a, b] of the noun phrase headed by `head`, without clauses or appositions."""
        doc, article = self.doc, self.article
        a = b = head.i
        if not article.has_dep:
            return a, b
        j = head.i - 1
        while j >= head.left_edge.i and j >= head.i - 8:
            t = doc[j]
            if t.is_punct or t.is_space or article.in_quote[j] or t.dep_ in (
                "case", "mark", "cc", "prep"
            ) or t.pos_ in ("ADP", "SCONJ", "CCONJ", "VERB", "AUX"):
                break
            a = j
            j -= 1
        j = head.i + 1
        while j <= head.right_edge.i and j <= head.i + 8:
            t = doc[j]
            if t.is_punct or t.is_space or article.in_quote[j] or t.pos_ in ("VERB", "AUX"):
                break
            if self._outside_phrase(t, head):
                break
            b = j
            j += 1
        return a, b

    @staticmethod
    def _outside_phrase(t: Token, head: Token) -> bool:
        """Token t hangs from `head` through a clause, an apposition or a coordination."""
        ancestor = t
        while ancestor.i != head.i and ancestor.head.i != ancestor.i:
            if ancestor.dep_ in _NP_STOP_DEPS:
                return True
            ancestor = ancestor.head
        return False

    def speaker_of_phrase(self, head: Token, allow_pronoun: bool = True) -> Speaker | None:
        """The person or body the phrase headed by `head` designates."""
        article, doc, lex = self.article, self.doc, self.lex
        low = head.lower_.lstrip("-")
        if low in _ONE_OF and article.has_dep:
            one_of = self._one_of_group(head)
            if one_of is not None:
                return one_of
        standing_for = _DEMONSTRATIVES.get(low)
        if standing_for is not None and self._before_relative(head):
            # "explique celle qui a arrêté ses études": the person the text is about.
            return self.coreference.pronoun(head.idx, head.idx + len(head.text), standing_for)
        if (head.pos_ == "PRON" and not head.ent_type_) or low in lex.pronouns or low in _FIRST_PERSON:
            if not allow_pronoun or low in lex.relative_pronouns:
                return None
            owner = self._owner_of_relative(head)
            if owner is not None:
                return owner
            return self.coreference.pronoun(head.idx + (len(head.text) - len(low)), head.idx + len(head.text))
        a, b = self.np_bounds(head)
        start, end = doc[a].idx, doc[b].idx + len(doc[b].text)
        # A person named inside the phrase ("Spokeswoman Haley Morris"); the one named by the
        # head first ("After the Soubry incident Griffin tweeted").
        person = article.person_at(head.idx, head.idx + len(head.text)) if head.pos_ == "PROPN" else None
        if person is None:
            person = article.person_at(start, end)
        if person is not None:
            if person.entity_id is None:  # only the model saw a person here ("le commissaire au [Climat]")
                apposed = self.apposition(head, b)
                if apposed is not None and apposed.entity_id is not None:
                    return apposed  # "…, Wopke Hoekstra,": the person the phrase is in apposition to
            return person
        if article.has_dep:
            linked = self.linked_person(head)
            if linked is not None:
                return article.resolve_person(*linked)
        # An apposition naming the person ("the secretary general, Jane Doe").
        apposed = self.apposition(head, b)
        if apposed is not None:
            return apposed
        if head.pos_ == "NOUN" and (head.lower_ in _ORGANISATION_NOUNS or article.lemma(head) in _ORGANISATION_NOUNS):
            # 'le quotidien Le Monde' is Le Monde; 'le président des Patriotes', 'l'article 9
            # du règlement de l'Assemblée' are not the body they name
            organisation = self._organisation_named(head)
            if organisation is not None:
                return organisation
        speaker = article.resolve_name(self.body[start:end], start, end, None)
        # A role noun heading the phrase ('le chef de l'État', 'la ministre de la Santé') names
        # a person even when the phrase holds a place or organisation. French only: on English
        # copy ('the Republican nominee', 'the New York businessman') it picked wrong people.
        if speaker.etype != "PER" and head.pos_ in ("NOUN", "PROPN") and head.ent_type_ in ("", "MISC") and (
                (speaker.entity_id is None and speaker.etype is None)
                or (lex.lang == "fr" and self.coreference.is_role(head))):
            titled = self.coreference.title(head, start, end) or self.coreference.role(head, start, end)
            if titled is not None:
                return titled
        return speaker

    def _owner_of_relative(self, pronoun: Token) -> Speaker | None:
        """"Macron's new year message in which he targeted …", "le discours de Paul Girard,
        dans lequel il …": the subject pronoun of a relative clause on someone's words is that
        someone."""
        article = self.article
        if not article.has_dep or not article.switches.on(PRONOUNS) or not pronoun.dep_.startswith("nsubj"):
            return None
        verb = pronoun.head
        if verb.dep_ not in ("relcl", "acl:relcl", "acl") or verb.head.pos_ != "NOUN":
            return None
        for child in verb.head.children:
            if child.i > verb.head.i and child.dep_ != "nmod":
                continue
            if child.dep_ not in ("poss", "nmod:poss", "nmod") or article.in_quote[child.i]:
                continue
            found = article.per_mention_at(child.idx, child.idx + len(child.text))
            if found is not None:
                person = article.resolve_person(*found)
                a, b = pronoun.idx, pronoun.idx + len(pronoun.text)
                return Speaker(a, b, person.name, person.entity_id, person.etype)
        return None

    def _before_relative(self, head: Token) -> bool:
        """The demonstrative is followed by a relative pronoun ('celle qui', 'celui dont')."""
        following = head.i + 1
        return following < self.article.token_count and self.doc[following].lower_ in self.lex.relative_pronouns

    def _one_of_group(self, head: Token) -> Speaker | None:
        """"l'un d'eux", "l'une des manifestantes": one person of a group."""
        article, doc = self.article, self.doc
        group = [c for c in head.children if c.dep_ == "nmod" and c.i > head.i
                 and any(g.dep_ == "case" and g.lower_ in _ONE_OF_PREPOSITIONS for g in c.children)]
        if not group or group[0].right_edge.i - head.i > 6 or article.in_quote[group[0].right_edge.i]:
            return None
        a, b = head.left_edge.i, group[0].right_edge.i
        named = self.apposition(head, b)  # "l'un d'eux, Pierre Martin, a déclaré"
        if named is not None:
            return named
        start, end = doc[a].idx, doc[b].idx + len(doc[b].text)
        return article.resolve_name(self.body[start:end], start, end, None)

    def _organisation_named(self, head: Token) -> Speaker | None:
        """"le quotidien Le Monde", "the newspaper USA Today": the organisation named."""
        article, doc = self.article, self.doc
        near = [c for c in head.children if c.dep_ in _NAME_DEPS + ("nmod",)] if article.has_dep else []
        if head.i + 1 < article.token_count:
            near.append(doc[head.i + 1])
        for c in near:
            if not c.ent_type_ or article.in_quote[c.i]:
                continue
            for mention in article.mentions_in(c.idx, c.idx + len(c.text)):
                if mention.etype == "ORG" and mention.start > head.idx:
                    return article.resolve_name(self.body[mention.start:mention.end], mention.start,
                                                mention.end, "ORG")
        return None

    def linked_person(self, head: Token) -> tuple[int, int] | None:
        """A person named in the phrase through compounds, appositions or coordination
        ('Sirius XM Vice President for news and talk Dave Gorab')."""
        todo = [head]
        seen = 0
        while todo and seen < 16:
            t = todo.pop()
            seen += 1
            if t.ent_type_ and not self.article.in_quote[t.i]:
                found = self.article.per_mention_at(t.idx, t.idx + len(t.text))
                if found is not None:
                    return found
            for c in t.children:
                if c.dep_ in _NAME_DEPS + ("conj",) and abs(c.i - head.i) <= 12:
                    todo.append(c)
        return None

    def apposition(self, head: Token, b: int) -> Speaker | None:
        """A person named in apposition to the phrase that ends at token b."""
        doc, article = self.doc, self.article
        candidates = [c for c in head.children if c.dep_ == "appos"] if article.has_dep else []
        if b + 2 < article.token_count and doc[b + 1].text == ",":
            candidates.append(doc[b + 2])
        if b + 1 < article.token_count and doc[b + 1].text[:1].isupper():
            candidates.append(doc[b + 1])  # "le ministre de l'Intérieur Christophe Castaner"
        # "le commissaire européen aux Affaires économiques, Pierre Moscovici": the comma
        # after the role's complements, within a few words and no verb
        for j in range(b + 1, min(article.token_count - 1, head.i + 10)):
            t = doc[j]
            if article.in_quote[j] or t.pos_ in ("VERB", "AUX") or is_sentence_end(t):
                break
            if t.text == ",":
                candidates.append(doc[j + 1])
                break
        for c in candidates:
            if article.in_quote[c.i]:
                continue
            person = article.person_at(c.idx, c.idx + len(c.text))
            if person is not None:
                return person
            if is_first_name(c.text) and self.lex.lang in ("fr", "en"):
                # 'le ministre de l'Education Jean-Michel Blanquer' that the NER missed
                a, b = article.name_chain(c.idx, c.idx + len(c.text))
                if b > c.idx + len(c.text):
                    return article.resolve_name(self.body[a:b], a, b, "PER")
        return None

    # ---- subjects of verbs

    def speaker_of_verb(
        self, verb: Token, first: int, last: int, incise: bool, between: range | None = None
    ) -> Speaker | None:
        """Who speaks through the cue verb (its phrase is tokens first..last): the clitic, the
        subject, the phrase between quote and verb ('," Jane Doe, the senator, said'), or the
        inverted subject ('," said Jane Doe')."""
        article, doc, body = self.article, self.doc, self.body
        # French inversion: "a-t-il noté", "dit-elle".
        if self.lex.lang == "fr":
            for k in range(first, last + 1):
                t = doc[k]
                clitic = INVERTED_PRONOUN_RE.match(body, t.idx + len(t.text))
                if clitic is not None:
                    return self.coreference.pronoun(clitic.start(1), clitic.end(1))
                clitic = INVERTED_PRONOUN_RE.fullmatch(t.text)
                if clitic is not None and k > first:
                    return self.coreference.pronoun(t.idx + clitic.start(1), t.idx + clitic.end(1))
        if article.has_dep:
            if any(c.dep_ in _PASSIVE_DEPS for c in verb.children):
                return None
            subject = self.subject_of(verb)
            if (self.lex.lang == "fr" and isinstance(subject, Token) and subject.i < first and first > 0
                    and doc[first - 1].text == "," and not subject.ent_type_ and subject.pos_ == "NOUN"
                    and not self.coreference.is_role(subject)):
                # '…, un revenu minimum …, a expliqué M. Dombrovskis.': a comma before the verb
                # and a name closing the sentence after it make an incise; the parse's subject
                # (a common noun before the comma) is wrong
                inverted = self.inverted_subject(last)
                if inverted is not None and inverted.etype in ("PER", "ORG") and (
                        body[inverted.end:inverted.end + 2].strip()[:1] in (".", ",", ";", "")):
                    return inverted
            if isinstance(subject, Token) and (
                article.paragraph_of(subject.idx) != article.paragraph_of(verb.idx) or self.dateline(subject)
            ):
                head = self.region_head(self.clause_before(first))
                subject = head if head is not None and not self.dateline(head) else None
            if subject is not None and (between is None or isinstance(subject, Speaker) or subject.i >= between.start):
                return subject if isinstance(subject, Speaker) else self.speaker_of_phrase(subject)
        if between is not None and len(between):
            head = self.region_head(between)
            if head is not None:
                return self.speaker_of_phrase(head)
        if incise:
            return self.inverted_subject(last)
        return None

    def subject_of(self, verb: Token) -> Token | Speaker | None:
        """The subject token of the verb, climbing conj/xcomp/advcl and from gerunds to the main
        verb; a relative pronoun gives the antecedent (as a Speaker)."""
        article = self.article
        head = verb
        for _ in range(4):
            subjects = [c for c in head.children if c.dep_ in _SUBJECT_DEPS and not article.in_quote[c.i]
                        and c.lower_ not in _EUPHONIC_T]
            if subjects:
                subject = subjects[0]
                if subject.lower_ in self.lex.relative_pronouns and head.dep_ not in ("relcl", "acl:relcl", "acl"):
                    named = self._named_before_relative(subject)
                    if named is not None:  # '… François Mitterrand (1981-1995) qui déclarait « … »'
                        return named
                if subject.lower_ in self.lex.relative_pronouns and head.dep_ in ("relcl", "acl:relcl", "acl"):
                    antecedent = self.speaker_of_phrase(head.head)
                    if antecedent is None or self.lex.lang != "en":
                        return antecedent
                    # 'Jane Doe, who said "…"': the span as written is the relative pronoun
                    # (like 'he'), the name is its antecedent's.
                    return Speaker(subject.idx, subject.idx + len(subject.text), antecedent.name,
                                   antecedent.entity_id, antecedent.etype)
                return subject
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

    def _named_before_relative(self, relative: Token) -> Speaker | None:
        """The person named right before a relative pronoun the parse did not attach to it
        (a bracketed aside in between is stepped over)."""
        doc, article = self.doc, self.article
        j = relative.i - 1
        if j >= 0 and doc[j].text == ")":
            while j >= 0 and doc[j].text != "(" and relative.i - j < 12:
                j -= 1
            j -= 1
        if j < 0 or article.in_quote[j]:
            return None
        t = doc[j]
        return article.person_at(t.idx, t.idx + len(t.text))

    def has_subject(self, verb: Token) -> bool:
        return any(c.dep_ in _SUBJECT_DEPS or c.dep_ in _PASSIVE_DEPS for c in verb.children)

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

    def clause_before(self, first: int) -> range:
        """Tokens from the start of the clause (sentence end, line break, quote, dateline dash)
        up to token `first`."""
        doc, article = self.doc, self.article
        j = first - 1
        while j >= 0 and first - j < 25:
            t = doc[j]
            if (article.in_quote[j] or is_sentence_end(t) or (t.is_space and "\n\n" in t.text)
                    or t.text == ":" or (t.text in DASHES and t.text != "-")):
                break
            j -= 1
        return range(j + 1, first)

    def region_head(self, region: range) -> Token | None:
        """The nominal heading a short stretch of tokens (between a quote and its verb)."""
        doc = self.doc
        candidate = None
        for i in region:
            t = doc[i]
            if t.is_punct or t.is_space or self.article.in_quote[i] or t.pos_ not in ("PROPN", "NOUN", "PRON"):
                continue
            if t.lower_ in _EUPHONIC_T:
                continue  # the "t" of "commente-t-il": the pronoun after it is the subject
            if t.dep_ == "pobj" or any(c.dep_ == "case" for c in t.children):
                continue  # "Arrivé de Kinshasa, le ministre …": a preposition's object speaks not
            if candidate is None:
                candidate = t
            if t.dep_ in _OBJECT_DEPS or self.dateline(t):
                continue
            if not (region.start <= t.head.i < region.stop and t.head.pos_ in ("PROPN", "NOUN")):
                return t
        return candidate

    def _starts_person(self, t: Token) -> bool:
        """A person's name of the article begins at token t."""
        found = self.article.per_mention_at(t.idx, t.idx + len(t.text))
        return found is not None and found[0] == t.idx

    def inverted_subject(self, last: int) -> Speaker | None:
        """'», a déclaré mercredi le ministre X' / '," said Jane Doe': the phrase after the
        verb whose phrase ends at token `last`."""
        doc, article, lex = self.doc, self.article, self.lex
        j = last + 1
        limit = min(article.token_count, last + 12)
        while j < limit:
            t = doc[j]
            if article.in_quote[j] or is_sentence_end(t) or t.text in (",", ":", "(") or is_mark_token(t):
                return None
            if (article.has_dep and t.pos_ == "ADP" and t.dep_ == "case" and j < t.head.i < j + 6
                    and t.head.pos_ in ("NOUN", "PROPN")):
                # A prepositional phrase before the subject: 'a assuré sur franceinfo X',
                # 'a déclaré à la presse le président'.
                j = t.head.i + 1
                while (j < limit and doc[j].dep_ in _NAME_DEPS[:3] and doc[j].head.i < j
                       and not self._starts_person(doc[j])):  # 'à l'AFP Alex': a person is the subject
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
            head = t
            if article.has_dep:
                steps = 0
                while head.dep_ in _MODIFIER_DEPS and head.head.i > head.i and head.head.i <= j + 6 and steps < 6:
                    head = head.head
                    steps += 1
            if article.has_pos and head.pos_ not in ("PROPN", "NOUN", "PRON", "X", "ADJ", "NUM") and (
                not named or head.i != t.i
            ):
                return None
            return self.speaker_of_phrase(head)
        return None
