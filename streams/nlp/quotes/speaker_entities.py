"""New person entities for quoted people the entities stage missed.

Every quoted person gets an entity id (alert rules match on ids): a speaker whose name is a
person's but links to no entity becomes a PER entity, with every occurrence of the name or
surname in the body that no other entity holds as its mentions.
"""

from __future__ import annotations

from bisect import bisect_left
from itertools import accumulate
from typing import NamedTuple

from streams.events import Entity
from streams.nlp.entities.aliases import entity_id_for
from streams.nlp.quotes.article_index import ArticleIndex
from streams.nlp.quotes.named_speakers import is_first_name
from streams.nlp.quotes.speaker_linking import Speaker

__all__ = ["UnlinkedPerson", "add_speaker_entities", "unlinked_persons"]


class UnlinkedPerson(NamedTuple):
    speaker: Speaker
    name: str  # the person's canonical name
    may_create: bool  # else it only joins an entity whose surname it is ('Vasseur')


def unlinked_persons(article: ArticleIndex, speakers: list[Speaker]) -> list[UnlinkedPerson]:
    """Speakers that name a person no entity covers, with that person's name and whether the
    name alone makes a new entity (a bare capitalised word only joins a full name)."""
    found: list[UnlinkedPerson] = []
    seen: set[int] = set()
    for speaker in speakers:
        if speaker.entity_id is not None or id(speaker) in seen:
            continue
        seen.add(id(speaker))
        name = article.person_name(speaker.start, speaker.end, speaker.name, speaker.etype)
        if name is not None:
            found.append(UnlinkedPerson(speaker, name, True))
            continue
        name = article.person_name(speaker.start, speaker.end, speaker.name, speaker.etype, min_words=1)
        if name is not None:
            found.append(UnlinkedPerson(speaker, name, is_first_name(name)))  # 'Alex' is someone
    return found


def _occurrences(body: str, form: str) -> list[tuple[int, int]]:
    """Where form stands as a whole word (no word character either side, as a regex with
    lookarounds would find it): str.find skips ahead, where the regex tried every offset."""
    if len(form) < 2:
        return []
    found: list[tuple[int, int]] = []
    at = body.find(form)
    while at >= 0:
        end = at + len(form)
        if (at == 0 or not _is_word_char(body[at - 1])) and (end == len(body) or not _is_word_char(body[end])):
            found.append((at, end))
            at = body.find(form, end)
        else:
            at = body.find(form, at + 1)
    return found


def _is_word_char(char: str) -> bool:
    """A character of the regex class of word characters: a letter, a digit or an underscore."""
    return char.isalnum() or char == "_"


def _overlaps_any(starts: list[int], max_ends: list[int], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the sorted spans whose starts are `starts` and whose
    running maximum end is `max_ends` (a bisect, not a scan of every entity mention)."""
    k = bisect_left(starts, end)
    return k > 0 and max_ends[k - 1] > start


def add_speaker_entities(body: str, entities: list[Entity], persons: list[UnlinkedPerson]) -> list[Entity]:
    """New PER entities for the unlinked persons, longest names first so that a bare surname
    joins the full name said elsewhere ('Vasseur' -> 'Hélène Vasseur').

    Each Speaker is updated in place (canonical name, entity id). The mentions are every exact
    occurrence of the full name or surname that is not already another entity's."""
    taken = sorted((mention["start"], mention["end"]) for entity in entities for mention in entity.get("mentions", []))
    taken_starts = [start for start, _ in taken]
    taken_max_ends = list(accumulate((end for _, end in taken), max))
    known = {entity.get("id"): entity for entity in entities}
    made: dict[str, Entity] = {}
    by_last: dict[str, str] = {}
    for speaker, name, may_create in sorted(persons, key=lambda person: -len(person.name.split())):
        words = name.split()
        key = by_last.get(name.lower()) if len(words) == 1 else None
        if key is None:
            if not may_create:
                continue
            key = entity_id_for("PER", name)
        if key in known:
            entity = known[key]
        elif key in made:
            entity = made[key]
        else:
            spans: list[tuple[int, int]] = []  # kept sorted; disjoint, so their ends are sorted too
            span_starts: list[int] = []
            forms = [name] + ([words[-1]] if len(words) > 1 and len(words[-1]) > 2 else [])
            for form in forms:
                for start, end in _occurrences(body, form):
                    k = bisect_left(span_starts, end)
                    if not (_overlaps_any(taken_starts, taken_max_ends, start, end)
                            or (k > 0 and spans[k - 1][1] > start)):
                        at = bisect_left(span_starts, start)
                        span_starts.insert(at, start)
                        spans.insert(at, (start, end))
            if not spans and body[speaker.start:speaker.end] == name:
                spans.append((speaker.start, speaker.end))
            spans.sort()
            entity = {"id": key, "name": name, "type": "PER", "aliases": [name],  # type: ignore[assignment]
                      "mentions": [{"text": body[start:end], "start": start, "end": end} for start, end in spans],
                      "salience": 0.0, "quoted": True}
            made[key] = entity
            if len(words) > 1:
                by_last.setdefault(words[-1].lower(), key)
        speaker.entity_id = entity["id"]
        speaker.name = entity["name"]
        speaker.etype = "PER"
    return list(made.values())
