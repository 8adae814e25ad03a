"""Speakers for quotes that have no cue of their own, from the quotes around them.

A quote without a cue takes the speaker of another quote in the same paragraph or the same
multi-paragraph quotation, or of a run of quotes across paragraphs; a paragraph made only of a
quote far from the others gets the person its neighbours' reporting verbs agree on.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

from streams.nlp.quotes import AGREEMENT, FORWARD_IN_SENTENCE, INTERVIEW_ANSWERS, UNNAMED_SOURCES
from streams.nlp.quotes.article_index import Paragraph
from streams.nlp.quotes.attributor import Attributor, QuoteCandidate
from streams.nlp.quotes.lexicon import every_language
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["inherit_speakers"]

_ORGANISATION_NOUNS = every_language("quotes", "organisation-nouns")
_INDEFINITE_ARTICLES = every_language("quotes", "indefinite-articles")
_DETERMINER_GENDERS = {row.split()[0]: row.split()[1] for row in every_language("quotes", "determiner-genders")}


def _same_person(a: Speaker | None, b: Speaker | None) -> bool:
    return a is not None and b is not None and (
        (a.entity_id is not None and a.entity_id == b.entity_id) or a.name == b.name
    )


def _vote(attributor: Attributor, candidates: list[QuoteCandidate], k: int,
          paragraphs: list[Paragraph]) -> Speaker | None:
    """Quote-only paragraph far from other quotes: the person that the previous quote, the
    previous paragraph's and the next paragraph's reporting verbs agree on (two votes)."""
    paragraph = candidates[k].span.paragraph
    votes: dict[str, tuple[set[str], Speaker]] = {}

    def vote(speaker: Speaker | None, voter: str) -> None:
        if speaker is None or speaker.etype != "PER":
            return
        votes.setdefault(speaker.entity_id or speaker.name, (set(), speaker))[0].add(voter)

    previous = next((candidates[j] for j in range(k - 1, -1, -1) if candidates[j].speaker is not None), None)
    if previous is not None and paragraph - previous.span.paragraph <= 8:
        vote(previous.speaker, "previous quote")
    if paragraph > 0:
        for speaker in attributor.paragraph_speakers(paragraphs[paragraph - 1]):
            vote(speaker, "paragraph before")
    if paragraph + 1 < len(paragraphs):
        for speaker in attributor.paragraph_speakers(paragraphs[paragraph + 1]):
            vote(speaker, "paragraph after")
        following = next((x for x in candidates[k + 1:] if x.span.paragraph == paragraph + 1 and x.own), None)
        if following is not None:
            vote(following.speaker, "paragraph after")
    agreed = [(len(voters), "previous quote" in voters, speaker)
              for voters, speaker in votes.values() if len(voters) >= 2]
    if not agreed:
        return None
    agreed.sort(key=lambda entry: (entry[0], entry[1]), reverse=True)
    return agreed[0][2]


def _after_question(attributor: Attributor, paragraphs: list[Paragraph], paragraph: int) -> bool:
    """The paragraph before is an interviewer's question: unquoted words ending with '?'."""
    if paragraph == 0:
        return False
    start, end = paragraphs[paragraph - 1]
    text = attributor.body[start:end].strip()
    return text.endswith("?") and not any(attributor.article.in_quote[i]
                                          for i in attributor.article.token_range(start, end))


def _last_subject(attributor: Attributor, paragraphs: list[Paragraph], paragraph: int) -> Speaker | None:
    """A lone quote paragraph right after a paragraph about a named person: that person
    (the last person who is a subject there)."""
    if paragraph == 0:
        return None
    article = attributor.article
    start, end = paragraphs[paragraph - 1]
    lo = bisect_left(article.mention_starts, start)
    hi = bisect_left(article.mention_starts, end)
    for k in range(hi - 1, lo - 1, -1):
        mention = article.mentions[k]
        if (mention.etype == "PER" and article.outside(mention.start)
                and attributor.coreference.is_subject_mention(mention.start, mention.end)):
            return article.resolve_person(mention.start, mention.end)
    return None


def _chains(candidates: list[QuoteCandidate]) -> tuple[list[int], dict[int, list[int]]]:
    """For each quote, the first quote of the multi-paragraph quotation it belongs to; and the
    members of each such quotation."""
    chain = list(range(len(candidates)))
    for k in range(1, len(candidates)):
        quote, previous = candidates[k], candidates[k - 1]
        if quote.span.continues and previous.span.close_at is None and previous.span.paragraph == quote.span.paragraph - 1:
            chain[k] = chain[k - 1]
    members: dict[int, list[int]] = {}
    for k, first in enumerate(chain):
        members.setdefault(first, []).append(k)
    return chain, members


# Beyond this many characters apart, two quotes are taken to be in different sentences (and the
# tokens between them are not scanned: attribution stays linear in the article's length).
_SENTENCE_REACH = 1500


def _sentence_between(attributor: Attributor, a: int, b: int) -> bool:
    """A sentence ends outside the quotes between offsets a and b."""
    article = attributor.article
    if b - a > _SENTENCE_REACH:
        return True
    return any(not article.in_quote[i] and article.is_sentence_end(i) for i in article.token_range(a, b))


_CONTINUING_VERBS = every_language("quotes", "continuing-verbs")


def _continues(attributor: Attributor, later: QuoteCandidate) -> bool:
    """The later quote's cue says it goes on ('Mais, ajoute-t-il, « … »', '"…," he added'):
    the quote before it in the paragraph is the same speaker's."""
    if later.cue is None:
        return False
    article = attributor.article
    return any(article.lemma(article.doc[i]) in _CONTINUING_VERBS or article.doc[i].lower_ in _CONTINUING_VERBS
               for i in article.token_range(*later.cue))


def _named_in_sentence(attributor: Attributor, quote: QuoteCandidate, speaker: Speaker | None) -> bool:
    """The speaker is named outside quotes in the quote's own sentence ('X a appelé à « … ».
    « … », a-t-il insisté'): the later cue continues that person."""
    if speaker is None or speaker.entity_id is None:
        return False
    article, doc = attributor.article, attributor.doc
    tokens = article.token_range(quote.start, quote.end)
    if not tokens:
        return False
    sentence = doc[tokens.start].sent
    return any(mention.entity is not None and mention.entity.get("id") == speaker.entity_id
               and article.outside(mention.start)
               for mention in article.mentions_in(doc[sentence.start].idx, quote.start))


_SUBJECT_REACH = 3000  # characters looked back for another subject between two quotes


def _other_subject_between(attributor: Attributor, earlier: QuoteCandidate, quote: QuoteCandidate) -> bool:
    """Another person is the subject of a sentence between the earlier quote and this one."""
    article, speaker = attributor.article, earlier.speaker
    for mention in article.mentions_in(max(earlier.end, quote.start - _SUBJECT_REACH), quote.start):
        if mention.etype != "PER" or not article.outside(mention.start):
            continue
        if not attributor.coreference.is_subject_mention(mention.start, mention.end):
            continue
        other = article.resolve_person(mention.start, mention.end)
        if speaker is None or (other.entity_id != speaker.entity_id and other.name != speaker.name):
            return True
    return False


def _turn_between(attributor: Attributor, quote: QuoteCandidate, later: QuoteCandidate) -> bool:
    """The later quote's cue stands between the two quotes and leads into it with a colon."""
    cue = later.cue
    if cue is None or not (quote.end <= cue[0] and cue[1] <= later.start):
        return False
    return attributor.body[cue[1]:later.start].strip(" \u00a0\n\t«“\"").startswith(":")


def _same_paragraph_source(attributor: Attributor, candidates: list[QuoteCandidate], k: int,
                           provides: Callable[[QuoteCandidate], bool]) -> QuoteCandidate | None:
    """The nearest quote of the same paragraph attributed by a cue of its own: an earlier one,
    or a later one of the same sentence ('«A» et «B», a dit X'). A cue in a later sentence
    speaks for its own quote only ('«…». Le cabinet X a annoncé que «…»')."""
    n = len(candidates)
    quote = candidates[k]
    paragraph = quote.span.paragraph
    for distance in range(1, n):
        for j in (k - distance, k + distance):
            if 0 <= j < n and provides(candidates[j]) and candidates[j].span.paragraph == paragraph:
                if j < k and quote.source is None and _other_subject_between(attributor, candidates[j], quote):
                    continue  # '«A», a dit X. … Mme Y se sent … «B»': B is not X's
                if j > k and _turn_between(attributor, quote, candidates[j]):
                    continue  # '"A", Macron replied: "B"': B is the answer to A, not A's speaker
                if j > k and attributor.runs(FORWARD_IN_SENTENCE) and _sentence_between(
                        attributor, quote.end, candidates[j].start) and not _named_in_sentence(
                        attributor, quote, candidates[j].speaker) and not _continues(attributor, candidates[j]):
                    continue
                return candidates[j]
        if k - distance < 0 and k + distance >= n:
            return None
        if (k - distance < 0 or candidates[k - distance].span.paragraph != paragraph) and (
            k + distance >= n or candidates[k + distance].span.paragraph != paragraph
        ):
            return None
    return None


def _named(quote: QuoteCandidate) -> bool:
    """A cue of its own names who speaks."""
    return quote.own


def _unnamed(quote: QuoteCandidate) -> bool:
    """A cue of its own gives an unnamed source ('officials said')."""
    return quote.source is not None and quote.speaker is None


def _lend_source(quote: QuoteCandidate, provider: QuoteCandidate) -> None:
    """'Officials said "A." "B."': B is the same unnamed source's, still nobody named."""
    if quote.source is None:
        quote.source, quote.cue = provider.source, provider.cue


def _names_a_body(description: str) -> bool:
    """'the group', 'le syndicat': a description whose head is a kind of organisation."""
    words = description.lower().split()
    return bool(words) and words[-1] in _ORGANISATION_NOUNS


def _other_gender(attributor: Attributor, description: str, speaker: Speaker) -> bool:
    """'la quinqua' cannot be a man: the description's determiner and the person's known
    gender disagree."""
    words = description.lower().split()
    wanted = _DETERMINER_GENDERS.get(words[0]) if words else None
    if wanted is None or not attributor.runs(AGREEMENT):
        return False
    known = attributor.coreference.gender(speaker)
    return known is not None and known != wanted


def _lend(quote: QuoteCandidate, speaker: Speaker | None, cue: tuple[int, int] | None = None,
          attributor: Attributor | None = None) -> None:
    """Give the quote another quote's speaker. A quote whose own cue named someone unnamed
    ('« … », balaye la quinqua', '"…," the Florida senator said') keeps that description as
    where its speaker is written: the description is read as that person."""
    if speaker is None:
        return
    if quote.source is not None:
        written = quote.source
        if speaker.etype == "PER" and _names_a_body(written.name):
            return  # '"…," the group said' is not the person quoted before it
        if written.name.lower().split()[:1] and written.name.lower().split()[0] in _INDEFINITE_ARTICLES:
            return  # '« … », a déclaré une source officielle': someone new, unnamed
        if attributor is not None and speaker.etype == "PER" and _other_gender(attributor, written.name, speaker):
            return  # '« … », balaye la quinqua' after a man was quoted
        if attributor is not None and attributor.coreference.unnamed_description(written.start, written.end):
            return  # 'une professeure … « … », raconte la professeure': someone never named
        quote.speaker = Speaker(written.start, written.end, speaker.name, speaker.entity_id, speaker.etype)
        return
    quote.speaker = speaker
    if cue is not None or quote.cue is None:
        quote.cue = cue


_INCISE_WORDS = 6


def _continues_speech(attributor: Attributor, paragraph: Paragraph) -> bool:
    """Nothing but quoted words, or quoted words joined by a few words that name nobody and
    have no subject ('« … », avant d'avertir : « … »', '"…," adding: "…"'): the paragraph
    goes on with whoever spoke before."""
    article = attributor.article
    if article.is_quote_only(paragraph):
        return True
    if not article.has_dep:
        return False
    doc, words = article.doc, 0
    for i in article.token_range(*paragraph):  # stops at the first word that rules it out
        if article.in_quote[i]:
            continue
        t = doc[i]
        if not any(c.isalnum() for c in t.text):
            continue
        words += 1
        if words > _INCISE_WORDS or t.ent_type_ or t.pos_ in ("NOUN", "PROPN", "PRON") or t.dep_.startswith("nsubj"):
            return False
    return True


def inherit_speakers(attributor: Attributor, candidates: list[QuoteCandidate], paragraphs: list[Paragraph]) -> None:
    """Give unattributed quotes the speaker the text makes clear (same paragraph, chain, run)."""
    chain, members = _chains(candidates)
    # Same paragraph, then same multi-paragraph quotation (own attributions only).
    for k, quote in enumerate(candidates):
        if quote.speaker is not None or quote.blocked:
            continue
        source = _same_paragraph_source(attributor, candidates, k, _named)
        if source is None and attributor.runs(UNNAMED_SOURCES):
            source = _same_paragraph_source(attributor, candidates, k, _unnamed)
        if source is None:
            attributed = [candidates[j] for j in members[chain[k]] if candidates[j].own]
            if attributed:
                source = min(attributed, key=lambda member: abs(member.start - quote.start))
        if source is not None:
            if source.speaker is None:
                _lend_source(quote, source)
            else:
                _lend(quote, source.speaker, source.cue, attributor)
    # Runs of quotes across paragraphs.
    for k, quote in enumerate(candidates):
        if quote.speaker is not None or quote.blocked:
            continue
        previous = candidates[k - 1] if k > 0 else None
        following = next((x for x in candidates[k + 1:] if x.span.paragraph != quote.span.paragraph), None)
        previous_speaker = (previous.speaker if previous is not None and quote.span.paragraph - previous.span.paragraph <= 3
                            else None)
        following_speaker = (following.speaker if following is not None and following.own
                             and following.span.paragraph - quote.span.paragraph <= 1 else None)
        if _continues_speech(attributor, paragraphs[quote.span.paragraph]):
            if attributor.runs(INTERVIEW_ANSWERS) and _after_question(attributor, paragraphs, quote.span.paragraph):
                # An interview's answer: the interviewee the text named for an earlier answer,
                # never the people the question names.
                if previous is not None and previous.own and previous_speaker is not None:
                    _lend(quote, previous_speaker, attributor=attributor)
                continue
            if previous_speaker is not None:
                _lend(quote, previous_speaker, attributor=attributor)
            else:
                _lend(quote, _vote(attributor, candidates, k, paragraphs)
                      or _last_subject(attributor, paragraphs, quote.span.paragraph), attributor=attributor)
        elif _same_person(previous_speaker, following_speaker):
            _lend(quote, previous_speaker, attributor=attributor)
