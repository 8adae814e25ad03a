"""A capital speaking for its government: 'Paris récuse les critiques. « … », insiste-t-on.'

French diplomatic copy names a government by its capital and then reports its words with the
indefinite 'on'. When such a cue follows a sentence whose subject is a place the article
names, that place (as the government it stands for) is the speaker.
"""

from __future__ import annotations

from streams.nlp.quotes.attributor import Attributor
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["acting_place"]

# How far back (in tokens) the place's sentence may lie.
_REACH = 80


def acting_place(attributor: Attributor, cue_token: int) -> Speaker | None:
    """The place that is the subject of a verb shortly before the cue, in the same paragraph."""
    article, doc = attributor.article, attributor.doc
    if not article.has_dep:
        return None
    paragraph = article.paragraph_of(doc[cue_token].idx)
    lowest = max(0, cue_token - _REACH)
    for i in range(cue_token - 1, lowest - 1, -1):
        t = doc[i]
        if article.paragraph_of(t.idx) < paragraph - 1:
            break
        if article.in_quote[i] or not t.dep_.startswith("nsubj") or t.head.pos_ not in ("VERB", "AUX"):
            continue
        for mention in article.mentions_in(t.idx, t.idx + len(t.text)):
            if mention.etype == "LOC" and mention.entity is not None and mention.start <= t.idx:
                return Speaker(mention.start, mention.end, mention.entity.get("name", ""),
                               mention.entity.get("id"), "LOC")
        if t.pos_ in ("PROPN", "NOUN", "PRON") and t.lower_ not in attributor.lex.indefinite:
            return None  # the latest subject is someone else
    return None
