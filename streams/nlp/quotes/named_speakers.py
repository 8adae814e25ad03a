"""Only named speakers: a quote's speaker is a person or body the article names, or nobody.

A cue's subject is often no one a reader could subscribe to: a date the parser took for the
subject ('vendredi soir'), a common noun ('le bâtiment', 'the letter'), a pronoun fragment, a
plural group ('officials', 'ceux'). Such a speaker is dropped, so the quote keeps no speaker
or takes one from the quotes around it (speaker_inheritance).
"""

from __future__ import annotations

from streams.nlp.quotes.article_index import ArticleIndex
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["SPEAKING_TYPES", "is_named"]

# Entity types that can speak: people, bodies, and places standing for their government
# ('Paris récuse…').
SPEAKING_TYPES = frozenset({"PER", "ORG", "LOC"})


def is_named(article: ArticleIndex, speaker: Speaker) -> bool:
    """The speaker is one of the article's entities, or a person's name the entities stage
    missed (which speaker_entities then makes an entity)."""
    if speaker.entity_id is not None:
        return speaker.etype in SPEAKING_TYPES
    return article.person_name(speaker.start, speaker.end, speaker.name, speaker.etype) is not None
