"""Typed shapes of the public events (the JSON Schemas in schemas/ are the source of truth)."""

from __future__ import annotations

from typing import Literal, NotRequired, Optional, TypedDict

EntityType = Literal["PER", "ORG", "LOC", "MISC"]


class Mention(TypedDict):
    text: str
    start: int  # character offset into the normalised body
    end: int


class Entity(TypedDict):
    id: str  # Wikidata QID when known, else deterministic "ww:<type>:<normalised name>"
    name: str  # canonical display name (English form where one exists)
    type: EntityType
    aliases: list[str]
    mentions: list[Mention]
    salience: float  # 0..1
    quoted: bool


class Span(TypedDict):
    text: str
    start: int
    end: int


class Speaker(TypedDict):
    name: str  # canonical full name for a person ("Jens Stoltenberg" even where the text says "il")
    entity_id: Optional[str]
    span: NotRequired[Span]  # the attribution as written ("il", "Stoltenberg", "the minister")


class Quote(TypedDict):
    text: str  # body[start:end], without the quotation marks
    start: int
    end: int
    speaker: Optional[Speaker]
    cue: Optional[str]
    source: NotRequired[Span]  # with no named speaker: the unnamed source as written ("officials")
    kind: Literal["direct"]
    quote_id: NotRequired[str]  # stories stage: one id for the same words of the same speaker
    seen: NotRequired["QuoteSeen"]


class QuoteSeen(TypedDict):
    articles: int  # how many articles had this quote when this one was assigned (itself included)
    sources: list[str]


class Story(TypedDict):
    """The ``story`` of an enriched article (streams/stories, docs/stories.md)."""

    id: str
    first_seen: str  # RFC 3339
    articles: int  # articles in the story when this one was assigned (itself included)
    sources: list[str]


class Topic(TypedDict):
    code: str  # "medtop:11000000"
    label: str
    score: float
