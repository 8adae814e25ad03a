"""Only named speakers: a quote's speaker is a person or body the article names, or nobody.

A cue's subject is often no one a reader could subscribe to: a date the parser took for the
subject ('vendredi soir'), a common noun ('le bâtiment', 'the letter'), a pronoun fragment, a
plural group ('officials', 'ceux'). Such a speaker is dropped, so the quote keeps no speaker
or takes one from the quotes around it (speaker_inheritance). A named speaker is given the
entity's own name: 'le syndicat Alliance' is Alliance, 'Caracciolo' the 'Lucio Caracciolo'
the article names in full.
"""

from __future__ import annotations

import re
from dataclasses import replace

from streams.events import Entity
from streams.nlp.entities.name_shapes import given_names
from streams.nlp.quotes.article_index import (
    NAME_PARTICLES,
    ArticleIndex,
    is_mark_token,
    is_sentence_end,
)
from streams.nlp.quotes.lexicon import every_language
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["SPEAKING_TYPES", "NamedSpeakers", "is_first_name"]

# Entity types that can speak: people, bodies, and places standing for their government
# ('Paris récuse…').
SPEAKING_TYPES = frozenset({"PER", "ORG", "LOC"})
_ORGANISATION_NOUNS = every_language("quotes", "organisation-nouns")
_NAME_PARTS_RE = re.compile(r"[\s\-‐]+")


def is_first_name(word: str) -> bool:
    """'Alex', 'Margaux': a first name of the name lists (a person named by it alone)."""
    return " " not in word and word in given_names()


class NamedSpeakers:
    """Turns a speaker candidate into a named entity of one article, or nobody."""

    def __init__(self, article: ArticleIndex):
        self.article = article
        self._fuller: dict[str, list[Entity]] | None = None
        self._by_id: dict[str, Entity] = {}  # the first entity with each id: asked per speaker
        for entity in article.entities:
            self._by_id.setdefault(entity.get("id"), entity)  # type: ignore[arg-type]

    def named(self, speaker: Speaker) -> Speaker | None:
        """The speaker as an entity of the article (its canonical name), or None when it
        names nobody."""
        article = self.article
        words = speaker.name.split()
        if ((speaker.etype != "PER" or speaker.entity_id is None) and 1 < len(words) <= 4 and is_first_name(words[0])
                and speaker.name == article.body[speaker.start:speaker.end]
                and all(word[:1].isupper() or word.lower() in NAME_PARTICLES for word in words)):
            # 'a regretté Sylvie Garnier' where the tagger saw a place in 'Garnier': a person
            return replace(speaker, entity_id=None, etype="PER")
        if speaker.entity_id is None:
            if article.person_name(speaker.start, speaker.end, speaker.name, speaker.etype) is not None:
                return speaker  # a person the entities stage missed: speaker_entities adds it
            if speaker.etype in (None, "PER") and (is_first_name(speaker.name) or article.person_name(
                    speaker.start, speaker.end, speaker.name, speaker.etype, min_words=1) is not None):
                # '», explique Alex', '», a ajouté Vasseur': a first name, or a surname that
                # speaker_entities joins to the full name said before
                return speaker
            if speaker.etype in (None, "ORG") and self._proper_name(speaker):
                return speaker  # 'according to the Daily Herald' with no entity: a body's name
            return None
        entity = self._by_id.get(speaker.entity_id)
        if entity is not None and speaker.etype == "MISC" and self._introduced_as_body(entity, speaker):
            # 'le syndicat Alliance', 'the group Hope Not Hate': a body whatever the tagger said
            return replace(speaker, name=entity.get("name") or speaker.name, etype="ORG")
        if (entity is not None and speaker.etype == "MISC" and is_first_name(entity.get("name") or "")
                and article.body[speaker.start:speaker.end].endswith(entity.get("name") or "")):
            # '« … », déclare le petit Adam': a first name that speaks is a person, whatever the tagger said
            return replace(speaker, name=entity.get("name") or speaker.name, entity_id=None, etype="PER")
        if speaker.etype not in SPEAKING_TYPES or entity is None:
            return speaker if speaker.etype in ("PER", "ORG") else None
        if speaker.etype == "LOC":
            # 'Paris a répliqué' speaks; 'Cette native de Bretagne' is not Brittany.
            return speaker if self._is_mention(entity, speaker) else None
        if speaker.etype == "PER":
            fuller = self._fuller_entity(entity)
            if fuller is not None:
                entity = fuller
            elif not self._is_mention(entity, speaker) and self._word_opening_sentences(entity):
                # reached through a pronoun: 'Fébrile face à ce mouvement, …' is no one
                return None
        name = entity.get("name") or speaker.name
        if " " not in name and name in speaker.name.split():
            name = speaker.name  # 'Sylvie' + 'Garnier': the mention was cut short, the name chain is whole
        return replace(speaker, name=name, entity_id=entity.get("id"),
                       etype=entity.get("type") or speaker.etype)

    @staticmethod
    def _is_mention(entity: Entity, speaker: Speaker) -> bool:
        return any(m["start"] <= speaker.start + 4 and m["end"] >= speaker.end for m in entity.get("mentions", []))

    def _introduced_as_body(self, entity: Entity, speaker: Speaker) -> bool:
        """An organisation noun stands right before one of the entity's mentions inside the
        speaker's phrase."""
        article = self.article
        for mention in entity.get("mentions", []):
            if not speaker.start <= mention["start"] < speaker.end + 1:
                continue
            tokens = article.token_range(mention["start"], mention["end"])
            if tokens and tokens.start > 0 and article.doc[tokens.start - 1].lower_ in _ORGANISATION_NOUNS:
                return True
        return False

    def _proper_name(self, speaker: Speaker) -> bool:
        """Every word of the name as shown is a capitalised proper noun ('Daily Herald', 'AFP')."""
        article = self.article
        tokens = [article.doc[i] for i in article.token_range(speaker.start, speaker.end)]
        words = [t for t in tokens if t.text.lower() not in ("the", "l'", "l’", "le", "la", "les") and t.is_alpha]
        return bool(words) and all(t.text[:1].isupper() and t.pos_ == "PROPN" for t in words) and (
            speaker.name == article.body[speaker.start:speaker.end] or speaker.name in article.body)

    def _word_opening_sentences(self, entity: Entity) -> bool:
        """A one-word 'person' that is no first name and only ever opens a sentence: a common
        word the tagger took for a name because of its capital."""
        name = entity.get("name", "")
        if " " in name or "-" in name or is_first_name(name):
            return False
        article = self.article
        for mention in entity.get("mentions", []):
            tokens = article.token_range(mention["start"], mention["end"])
            if not tokens or tokens.start == 0:
                continue
            before = article.doc[tokens.start - 1]
            if not (is_sentence_end(before) or "\n" in before.text or is_mark_token(before)):
                return False
        return True

    def _fuller_entity(self, entity: Entity) -> Entity | None:
        """'Caracciolo', 'Son', 'Corriere': a one-word name that is a part of exactly one
        longer name of the article (a person, else a body whose name begins with it)."""
        name = entity.get("name", "")
        if " " in name or not name:
            return None
        if self._fuller is None:
            self._fuller = {}
            for other in self.article.entities:
                parts = _NAME_PARTS_RE.split(other.get("name", ""))
                if len(parts) > 1 and other.get("type") in ("PER", "ORG"):
                    for position, part in enumerate(parts):
                        if part[:1].isupper() and (other.get("type") == "PER" or position == 0):
                            self._fuller.setdefault(part.lower(), []).append(other)
        found = [other for other in self._fuller.get(name.lower(), []) if other.get("id") != entity.get("id")]
        people = [other for other in found if other.get("type") == "PER"]
        found = people or found
        ids = {other.get("id") for other in found}
        return found[0] if len(ids) == 1 else None
