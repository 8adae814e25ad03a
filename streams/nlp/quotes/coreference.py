"""Who a pronoun, a title or a role noun refers to.

'il', 'she': the last person who was a subject or was quoted; 'the minister': the person the
article introduced with that title; 'l'élu', 'the senator': the person the text is about,
checked against the titles and adjectives each person was introduced with.  Keeps the speakers
quoted so far, which these references may point back to.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator

from spacy.parts_of_speech import NOUN
from spacy.tokens import Token

from streams.nlp.quotes import AGREEMENT, BODY_PRONOUNS, PRONOUNS, ROLE_SUBJECTS, TITLES_AND_ROLES
from streams.nlp.quotes.article_index import (
    ArticleIndex,
    is_mark_token,
    is_sentence_end,
)
from streams.nlp.quotes.genders import (
    HONORIFIC_GENDERS,
    PRONOUN_GENDERS,
    first_name_gender,
)
from streams.nlp.quotes.lexicon import CueLexicon, every_language
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["Coreference", "TitleHolder"]

# French lawyers are named with "Me" (maître): "l'avocat" later refers to them.
_LAWYER_TITLES = every_language("quotes", "lawyer-titles")
_LAWYER_NOUNS = tuple(sorted(every_language("quotes", "lawyer-nouns")))
_SINGULAR_DEFINITE = every_language("quotes", "definite-articles")
_ORGANISATION_PRONOUNS = every_language("quotes", "organisation-pronouns")
_DETERMINER_GENDERS = {row.split()[0]: row.split()[1] for row in every_language("quotes", "determiner-genders")}
# How far back (characters) a body named as subject may be for 'elle'/'it' (two sentences at most).
_BODY_REACH = 600
_ROLE_REACH = 3000  # how far back an unnamed introduction of a role is looked for (characters)
_DEFINITE = _SINGULAR_DEFINITE | every_language("quotes", "plural-definite-articles")
_INDEFINITE_ARTICLES = every_language("quotes", "indefinite-articles")

# A person an article introduces with a title: (offset of the mention, name, entity id).
TitleHolder = tuple[int, str, str | None]


def _person_key(speaker: Speaker) -> str:
    return speaker.entity_id or speaker.name


class Coreference:
    """Resolves references to people met earlier (or just after) in one article."""

    def __init__(self, article: ArticleIndex, lex: CueLexicon):
        self.article = article
        self.lex = lex
        self.quoted: list[Speaker] = []  # speakers of the quotes attributed so far, in order
        self.titles: dict[str, list[TitleHolder]] = {}  # title lemma -> persons introduced with it
        self.person_titles: dict[str, set[str]] = {}
        self.person_adjectives: dict[str, set[str]] = {}  # "ukrainien", "allemande": how introduced
        self._describing = 0  # depth of role-noun lookups, which may ask for an antecedent again
        self.person_gender: dict[str, str] = {}  # F / M, from the titles the article gives ("Mme X")
        self._collect_titles()

    def record_quoted(self, speaker: Speaker) -> None:
        self.quoted.append(speaker)

    # ---- titles

    def _collect_titles(self) -> None:
        """Map title nouns to the persons they name ("le ministre X", "X, the minister")."""
        article = self.article
        if not article.has_pos:
            return
        # The entities stage and the model often give the same span: its words are read once.
        found: dict[tuple[int, int], tuple[list[Token], frozenset[str], str, bool] | None] = {}
        for mention in article.mentions:
            if mention.etype != "PER":
                continue
            key = (mention.start, mention.end)
            if key not in found:
                found[key] = self._title_words(mention.start, mention.end)
            words = found[key]
            if words is None:
                continue  # nothing to record: the person need not be resolved (most mentions)
            nouns, introduced, honorific, lawyer = words
            adjectives = set(introduced)
            person = article.resolve_person(mention.start, mention.end)
            holder = (mention.start, person.name, person.entity_id)
            if honorific in HONORIFIC_GENDERS:  # "Mme Mouraud", "M. Caracciolo"
                self.person_gender.setdefault(_person_key(person), HONORIFIC_GENDERS[honorific])
            if lawyer:
                for lemma in _LAWYER_NOUNS:
                    self.titles.setdefault(lemma, []).append(holder)
                    self.person_titles.setdefault(_person_key(person), set()).add(lemma)
            for t in nouns:
                self.titles.setdefault(article.lemma(t), []).append(holder)
                self.person_titles.setdefault(_person_key(person), set()).add(article.lemma(t))
                if article.has_dep:
                    adjectives |= {article.lemma(c) for c in t.children if c.pos_ == "ADJ"}
            if adjectives:
                self.person_adjectives.setdefault(_person_key(person), set()).update(adjectives)
        for holders in self.titles.values():
            holders.sort()

    def _title_words(self, start: int, end: int) -> tuple[list[Token], frozenset[str], str, bool] | None:
        """What introduces the person named at [start, end): title nouns, adjectives, the
        honorific, a lawyer's 'Me'; None when there is none of them."""
        article = self.article
        doc = article.doc
        tokens = article.token_range(start, end)
        if not tokens:
            return None
        nouns: list[Token] = []
        adjectives: set[str] = set()
        honorific = doc[tokens.start].lower_.rstrip(".") if tokens else ""
        if tokens.start > 0 and honorific not in HONORIFIC_GENDERS:
            honorific = doc[tokens.start - 1].lower_.rstrip(".")
        lawyer = tokens.start > 0 and doc[tokens.start - 1].text in _LAWYER_TITLES  # "Me Nicolas Berthier"
        j = tokens.start - 1
        comma = False
        while j >= 0 and j >= tokens.start - 6:
            t = doc[j]
            if is_mark_token(t) or article.in_quote[j]:
                j -= 1  # 'du député « marcheur » Joachim Son-Forget': a quoted epithet
                continue
            if t.pos_ == "NOUN" or (t.pos_ == "PROPN" and not t.ent_type_):
                if article.has_dep and "Plur" in t.morph.get("Number") and (
                        t.head.pos_ == "NOUN" and t.head.i < t.i):
                    t = t.head  # 'le chef de file des députés LREM, X': X is the chef, not a député
                after = article.body[end:end + 3].lstrip()[:1]
                governed = article.has_dep and any(c.dep_ == "case" for c in t.children) and (
                    after not in (",", ".", ";", ":", ")", ""))
                if not comma or (self.is_role(t) and not governed):
                    # "Côté rochelais, Ronan O'Gara": no title; "sanctions contre le député,
                    # M. Le Gendre s'est refusé": the role ends another phrase and the name
                    # starts a clause (but "à la droite du maire, Pascal Jolly, qui …" is an
                    # apposition, closed by a comma)
                    nouns.append(t)
                break
            comma = comma or t.text == ","
            if t.pos_ not in ("ADJ", "PROPN") and t.text != ",":
                break
            if t.pos_ == "ADJ":
                adjectives.add(article.lemma(t))
            j -= 1
        if article.has_dep:
            nouns.extend(self._appositions(tokens))
        if not (nouns or adjectives or lawyer or honorific in HONORIFIC_GENDERS):
            return None
        return nouns, frozenset(adjectives), honorific, lawyer

    def _appositions(self, tokens: range) -> list[Token]:
        """Nouns in apposition to a name ("X, the minister", "le ministre, X")."""
        doc = self.article.doc
        nouns: list[Token] = []
        for i in tokens:
            t = doc[i]
            if t.dep_ == "appos" and t.head.i not in tokens and t.head.pos_ == "NOUN":
                nouns.append(t.head)
            for c in t.children:
                if c.dep_ == "appos" and c.i not in tokens and c.pos_ == "NOUN":
                    nouns.append(c)
                elif (c.dep_ in ("appos", "amod") and c.pos_ == "ADJ" and c.text.islower()
                      and c.i == tokens.stop + 1 and doc[tokens.stop].text == ","):
                    nouns.append(c)  # "X, prévisionniste à Météo-France": a noun the tagger calls ADJ
        return nouns

    def title(self, head: Token, start: int, end: int) -> Speaker | None:
        """'the minister' -> the person the article names with that title, if any."""
        if not self.article.switches.on(TITLES_AND_ROLES):
            return None
        det = [c for c in head.children if c.dep_ == "det"] if self.article.has_dep else []
        if not det or det[0].lower_ not in _DEFINITE:
            return None
        holders = self.titles.get(self.article.lemma(head))
        if not holders:
            return None
        before = [holder for holder in holders if holder[0] < start]
        _, name, entity_id = before[-1] if before else holders[0]
        return Speaker(start, end, name, entity_id, "PER")

    # ---- pronouns

    def pronoun(self, a: int, b: int, standing_for: str | None = None) -> Speaker:
        """Resolve il/elle/he/she to the last named person before it; else keep it as written.
        `standing_for` is the pronoun a demonstrative at [a, b) stands for ('celle' -> 'elle')."""
        text = self.article.body[a:b]
        word = (standing_for or text).lower()
        if (word not in self.lex.singular_pronouns and word not in _ORGANISATION_PRONOUNS) or not self.article.switches.on(
                PRONOUNS):
            return Speaker(a, b, text, None, None)
        gender = PRONOUN_GENDERS.get((standing_for or text).lower()) if self.article.switches.on(AGREEMENT) else None
        person = self.antecedent(a, gender) if (standing_for or text).lower() in self.lex.singular_pronouns else None
        body = self.organisation_subject(a) if (standing_for or text).lower() in _ORGANISATION_PRONOUNS else None
        if body is not None and (person is None or body.start > person.start):
            return Speaker(a, b, body.name, body.entity_id, body.etype)
        if person is None:
            return Speaker(a, b, text, None, None)
        return Speaker(a, b, person.name, person.entity_id, "PER")

    def organisation_subject(self, a: int) -> Speaker | None:
        """'la LFP n'a pas livré le motif. Mais la décision … a-t-elle précisé': the body that is
        the subject of the pronoun's sentence or the one before, when no one is named since."""
        article = self.article
        if not article.switches.on(BODY_PRONOUNS):
            return None
        sentences = 0
        for k in range(bisect_left(article.mention_starts, a) - 1, -1, -1):
            mention = article.mentions[k]
            if a - mention.end > _BODY_REACH:
                return None
            if mention.end > a or not article.outside(mention.start):
                continue
            sentences = self._sentence_ends(mention.end, a)
            if sentences > 1:
                return None
            if mention.etype == "PER":
                return None  # a person named since: 'il' is more likely them
            if mention.etype == "ORG" and mention.entity is not None and self._main_subject(mention.start, mention.end):
                return article.resolve_name(article.body[mention.start:mention.end], mention.start, mention.end, "ORG")
        return None

    @staticmethod
    def _noun_gender(head: Token) -> str | None:
        """'la professeure' F, 'le député' M: the gender the role noun is written in, from the
        parser's morphology, so a woman's role never resolves to a man."""
        # The determiner first: 'la ministre' (an epicene noun the tagger may call masculine).
        for child in head.children:
            if child.dep_ == "det" and child.lower_ in _DETERMINER_GENDERS:
                return _DETERMINER_GENDERS[child.lower_]
        found = head.morph.get("Gender")
        return {"Fem": "F", "Masc": "M"}.get(found[0]) if found else None

    def _main_subject(self, start: int, end: int) -> bool:
        """The mention is the subject of its sentence's main verb (not of a clause inside it:
        'Elle a assuré que le Samu resterait joignable')."""
        article = self.article
        if not article.has_dep:
            return False
        return any(article.doc[i].dep_.startswith("nsubj") and article.doc[i].head.dep_ == "ROOT"
                   for i in article.token_range(start, end))

    def _sentence_ends(self, a: int, b: int) -> int:
        article = self.article
        return sum(1 for i in article.token_range(a, b) if article.is_sentence_end(i) and not article.in_quote[i])

    def gender(self, person: Speaker) -> str | None:
        """F or M when the article's titles ('Mme', 'M.') or the first name tell it."""
        return self.person_gender.get(_person_key(person)) or first_name_gender(person.name)

    def _other_gender(self, person: Speaker, gender: str | None) -> bool:
        if gender is None:
            return False
        known = self.gender(person)
        return known is not None and known != gender

    def antecedent(self, a: int, gender: str | None = None) -> Speaker | None:
        """The person a pronoun or role noun at offset a refers to: the most recent of the last
        person who was a subject and the last person quoted, within a few paragraphs; with a
        `gender` (of 'elle', 'he'), people known to be of the other one are passed over."""
        article = self.article
        floor = article.floor(a, 4)
        recent = None
        subject = None
        for k in range(bisect_left(article.mention_starts, a) - 1, -1, -1):
            mention = article.mentions[k]
            if mention.start < floor:
                break
            if mention.etype != "PER" or mention.end > a or not article.outside(mention.start):
                continue
            if gender is not None and self._other_gender(article.resolve_person(mention.start, mention.end), gender):
                continue
            if recent is None:
                recent = mention
            if self.is_subject_mention(mention.start, mention.end):
                subject = mention
                break
        quoted = next((speaker for speaker in reversed(self.quoted)
                       if speaker.etype == "PER" and speaker.start < a and not self._other_gender(speaker, gender)), None)
        latest = max(subject.start if subject is not None else floor, quoted.start if quoted is not None else floor)
        described = self._described_subject(latest, a, gender) if self.article.switches.on(ROLE_SUBJECTS) else None
        if described is not None:
            return described  # 'Le président écoute. « … » demande-t-il': the president
        if subject is not None and (quoted is None or quoted.start < subject.start):
            return article.resolve_person(subject.start, subject.end)
        if quoted is not None and quoted.start >= floor:
            return quoted
        if recent is not None:
            return article.resolve_person(recent.start, recent.end)
        return quoted

    def _described_subject(self, lo: int, a: int, gender: str | None) -> Speaker | None:
        """The person a role noun that is the latest subject before offset a designates ('Le
        président écoute attentivement.', 'the minister replied'), when it comes after offset lo
        (the latest subject named or quoted)."""
        article = self.article
        if not article.has_dep or self._describing >= 2:
            return None
        doc = article.doc
        tokens = article.token_range(lo, a)
        for i in range(tokens.stop - 1, max(tokens.start, tokens.stop - 120) - 1, -1):
            if article.pos_ids[i] != NOUN:
                continue
            t = doc[i]
            if article.in_quote[i] or not self.is_role(t) or t.head.i > a:
                continue
            if "Plur" in t.morph.get("Number"):
                continue  # 'les deux chefs d'orchestre …': a group, not the person 'il' is
            if not (t.dep_.startswith("nsubj") or _opens_sentence(doc, i)):
                continue
            start = t.left_edge.i if t.dep_.startswith("nsubj") else i - 1
            if article.in_quote[start]:
                return None
            self._describing += 1
            try:
                first, last = doc[start].idx, t.idx + len(t.text)
                person = self.title(t, first, last) or self.role(t, first, last)
            finally:
                self._describing -= 1
            if person is None or self._other_gender(person, gender):
                return None
            return person
        return None

    def cataphor(self, b: int) -> Speaker | None:
        """'Le président américain a jugé… « … »' opening a story: the person named as a
        subject in the next two paragraphs."""
        article = self.article
        paragraph = bisect_right(article.paragraph_starts, b) - 1
        limit = (article.paragraph_starts[paragraph + 3] if paragraph + 3 < len(article.paragraph_starts)
                 else len(self.article.body))
        for k in range(bisect_left(article.mention_starts, b), len(article.mentions)):
            mention = article.mentions[k]
            if mention.start >= limit:
                break
            if (mention.etype == "PER" and article.outside(mention.start)
                    and self.is_subject_mention(mention.start, mention.end)):
                return article.resolve_person(mention.start, mention.end)
        return None

    # ---- role nouns

    def is_role(self, head: Token) -> bool:
        return self.article.lemma(head) in self.lex.roles or head.lower_ in self.lex.roles

    def role(self, head: Token, start: int, end: int) -> Speaker | None:
        """'l'élu', 'the senator': a definite role noun names the person the text is about."""
        if not self.is_role(head) or not self.article.switches.on(TITLES_AND_ROLES):
            return None
        det = [c for c in head.children if c.dep_ == "det"] if self.article.has_dep else []
        if not det or det[0].lower_ not in _SINGULAR_DEFINITE:
            return None
        lemma = self.article.lemma(head)
        if self._introduced_unnamed(lemma, start):
            return None  # 'une professeure de CE1 … « … », admet la professeure': nobody named

        gender = self._noun_gender(head) if self.article.switches.on(AGREEMENT) else None

        def fits(person: Speaker) -> bool:
            # "la professeure" cannot be a man.
            if self._other_gender(person, gender):
                return False
            # "le ministre" cannot be the person introduced as "le député".
            known = {title for title in self.person_titles.get(_person_key(person), ()) if title in self.lex.roles}
            return not known or lemma in known or lemma in self.lex.generic_roles  # "Côté" is no title

        first = self.antecedent(start, gender)
        # 'le chef de l'État ukrainien' after 'le président ukrainien X': the adjectives of the
        # phrase pick, among the people met so far, the one introduced with them.
        doc = self.article.doc
        adjectives = {self.article.lemma(doc[i]) for i in self.article.token_range(start, end) if doc[i].pos_ == "ADJ"}
        if adjectives and first is not None and self.lex.lang == "fr":
            # anyone named before, not only subjects: "avec son homologue égyptien, Badr Abdelatty"
            people = [first] + list(self.earlier_people(start)) + self.named_before(start)
            marked = [person for person in people
                      if adjectives & self.person_adjectives.get(_person_key(person), set())]
            if marked and fits(marked[0]):
                return Speaker(start, end, marked[0].name, marked[0].entity_id, "PER")
        person = first if first is not None and fits(first) else None
        if person is None and first is not None:
            person = next((earlier for earlier in self.earlier_people(start) if fits(earlier)), None)
            if person is None and self.article.switches.on(ROLE_SUBJECTS):
                # 'le président' when the people speaking so far are a mayor and a farmer: the
                # person named earlier whom no other title rules out.
                person = next((earlier for earlier in self.named_before(start)
                               if earlier.name != first.name and self.person_titles.get(_person_key(earlier)) is None
                               and fits(earlier)), None)
        if (person is None and first is not None and lemma not in self.titles
                and any(quoted.start == first.start for quoted in self.quoted[-1:])
                and not self._other_gender(first, gender)):
            # Nobody in the article bears that title ('la cheffe de la diplomatie …' then
            # 'la ministre'): the person who is speaking.
            person = first
        if person is None and first is None and not any(quoted.etype == "PER" for quoted in self.quoted):
            person = self.cataphor(end)
        if person is None:
            return None
        return Speaker(start, end, person.name, person.entity_id, "PER")

    def unnamed_description(self, start: int, end: int) -> bool:
        """The description in [start, end) ('la professeure') is a role the article introduced
        for someone it never names."""
        article = self.article
        nouns = [article.doc[i] for i in article.token_range(start, end) if article.pos_ids[i] == NOUN]
        return bool(nouns) and self.is_role(nouns[0]) and self._introduced_unnamed(article.lemma(nouns[0]), start)

    def _introduced_unnamed(self, lemma: str, start: int) -> bool:
        """The role was last introduced with an indefinite article and no name ('une
        professeure de CE1', 'a spokesman'), after anyone the article names with it: the
        definite role later on is that unnamed person."""
        article, doc = self.article, self.article.doc
        if not article.has_dep:
            return False
        tokens = article.token_range(max(article.floor(start, 3), start - _ROLE_REACH), start)
        for i in range(tokens.stop - 1, tokens.start - 1, -1):
            if article.pos_ids[i] != NOUN:
                continue
            t = doc[i]
            if article.in_quote[i] or article.lemma(t) != lemma:
                continue
            phrase = (doc[t.left_edge.i].idx, doc[t.right_edge.i].idx + len(doc[t.right_edge.i].text))
            if article.per_mention_at(*phrase) is not None:
                return False  # 'un député, Paul Girard,', 'le député Paul Girard': named
            det = [c for c in t.children if c.dep_ == "det"]
            if det and det[0].lower_ in _INDEFINITE_ARTICLES:
                return not any(holder[0] > t.idx for holder in self.titles.get(lemma, ()))
            # an unnamed definite mention ('admet la professeure') refers back: look further
        return False

    # ---- people met before

    def persons_named_before(self, a: int) -> Iterator[tuple[int, int]]:
        """Person mentions outside quotes before offset a, within six paragraphs, most recent first."""
        article = self.article
        floor = article.floor(a, 6)
        for k in range(bisect_left(article.mention_starts, a) - 1, -1, -1):
            mention = article.mentions[k]
            if mention.start < floor:
                break
            if mention.etype == "PER" and article.outside(mention.start):
                yield mention.start, mention.end

    def earlier_people(self, a: int, limit: int = 6) -> Iterator[Speaker]:
        """People quoted or named as subjects before offset a, most recent first."""
        seen: set[str] = set()
        candidates: list[tuple[int, Speaker]] = [(speaker.start, speaker) for speaker in self.quoted
                                                 if speaker.etype == "PER" and speaker.start < a]
        for start, end in self.persons_named_before(a):
            if self.is_subject_mention(start, end):
                candidates.append((start, self.article.resolve_person(start, end)))
        for _, person in sorted(candidates, key=lambda candidate: -candidate[0]):
            key = _person_key(person)
            if key not in seen:
                seen.add(key)
                yield person
                if len(seen) >= limit:
                    return

    def named_before(self, a: int) -> list[Speaker]:
        """Every person named outside quotes before offset a (subjects or not), most recent first."""
        return [self.article.resolve_person(start, end) for start, end in self.persons_named_before(a)]

    def is_subject_mention(self, start: int, end: int) -> bool:
        if not self.article.has_dep:
            return True
        for i in self.article.token_range(start, end):
            t = self.article.doc[i]
            if t.dep_.startswith("nsubj") or (t.dep_ == "appos" and t.head.dep_.startswith("nsubj")):
                return True
        if self._framing(start):
            return True  # 'Mais, pour Jérôme Sainte-Marie, un retour … est exclu': whose view it is
        return self.lex.lang == "fr" and self._preverbal(start, end)

    def _framing(self, start: int) -> bool:
        """The person follows a stance preposition that frames the sentence ('pour X, …',
        'for X, …') at its start or after a conjunction and a comma."""
        article = self.article
        tokens = article.token_range(start, start + 1)
        if not tokens or tokens.start == 0 or not article.switches.on(ROLE_SUBJECTS):
            return False
        doc = article.doc
        before = doc[tokens.start - 1]
        if before.lower_ not in self.lex.stance_prepositions:
            return False
        opener = doc[tokens.start - 2] if tokens.start >= 2 else None
        return opener is None or opener.text in (",", ".", ":") or "\n" in opener.text

    def _preverbal(self, start: int, end: int) -> bool:
        """A person named before the first verb of its sentence, not right after a preposition:
        'Le ministre polonais, Tomasz Wrona, a appelé…', 'Pour l'avocat, Me Julien Caradec, le
        dossier…'. The topic of the sentence, which the French parser often fails to mark as
        the subject (apposition hung on the wrong head, the verb tagged as a noun)."""
        article = self.article
        doc = article.doc
        tokens = article.token_range(start, end)
        if not tokens or not article.has_pos:
            return False
        j = tokens.start - 1
        if j >= 0 and doc[j].pos_ == "ADP":
            return False
        while j >= 0 and tokens.start - j < 30:
            t = doc[j]
            if (is_sentence_end(t) or (t.is_space and "\n" in t.text) or article.in_quote[j]
                    or is_mark_token(t)):
                break
            if t.pos_ in ("VERB", "AUX"):
                return False
            j -= 1
        # A verb must follow in the same sentence (else it is a caption, a list).
        for k in range(tokens.stop, min(article.token_count, tokens.stop + 30)):
            t = doc[k]
            if is_sentence_end(t) or article.in_quote[k] or is_mark_token(t):
                return False
            if t.pos_ in ("VERB", "AUX") or t.lower_ in self.lex.forms:
                return True
        return False


def _opens_sentence(doc, i: int) -> bool:
    """'Le président écoute…': the noun after a determiner that opens its sentence, the topic
    the small parsers often fail to mark as the subject."""
    if i < 1 or doc[i - 1].pos_ != "DET":
        return False
    if i < 2:
        return True
    before = doc[i - 2]
    return is_sentence_end(before) or "\n" in before.text or is_mark_token(before)
