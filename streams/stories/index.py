"""Story assignment: an article joins the story of an earlier near-copy, or starts its own.

Candidates come from shared LSH band keys; each is then verified on the exact shingle sets by
containment (the share of the smaller text found in the larger), because one outlet often
prints a trimmed copy of the dispatch another prints whole, and Jaccard would call them
different. The index is in memory and keyed by band; docs/stories.md says how it is spread over
workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import blake2b

import numpy as np

from streams.stories.lsh import band_keys
from streams.stories.minhash import signature
from streams.stories.shingles import shingle_hashes
from streams.stories.words import fold_words

MIN_CONTAINMENT = 0.7  # every known copy in dispatches-fr is >= 0.72; see docs/stories.md
MIN_SHARED = 10  # shingles: one shared sentence does not make a copy
# A copy covers at least this share of the longer text too: a short item reprinted inside a
# long roundup of the day does not join the roundup's story, or every item of the roundup would
# chain into one story through it (dispatches-fr: the trimmed known copies cover >= 0.21).
MIN_COVER = 0.2


@dataclass(frozen=True)
class Fingerprint:
    """What the index keeps of an article's text: its shingle set and its band keys."""

    shingles: frozenset[int]
    bands: tuple[int, ...]


def fingerprint(headline: str, body: str) -> Fingerprint:
    """The fingerprint of an article's text (the body; the headline only when there is none,
    since outlets rewrite headlines of the same dispatch)."""
    return fingerprint_of_shingles(shingle_hashes(fold_words(body or headline or "")))


def fingerprint_of_shingles(hashes: np.ndarray) -> Fingerprint:
    """The fingerprint of a set of shingle hashes (also how persisted state is read back).
    Repeated hashes are not removed first: the set drops them, and a minimum does not see them."""
    hashes = np.asarray(hashes, dtype=np.uint64)
    return Fingerprint(frozenset(hashes.tolist()), tuple(band_keys(signature(hashes))))


def story_id_for(article_id: str) -> str:
    """The id of a story that an article starts: stable, so a replay gives the same id."""
    return "st-" + blake2b(article_id.encode("utf-8"), digest_size=8).hexdigest()


def containment(a: frozenset[int], b: frozenset[int]) -> tuple[float, int, float]:
    """(share of the smaller set found in the larger, number of shared shingles, share of the
    larger set that they cover)."""
    if not a or not b:
        return 0.0, 0, 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    shared = len(small & large)
    return shared / len(small), shared, shared / len(large)


@dataclass
class Story:
    id: str
    first_seen: str
    articles: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    # for `wirewatch stories`, not on the event: what a reader scans a list of stories by
    headline: str = ""
    last_seen: str = ""
    languages: list[str] = field(default_factory=list)
    actors: dict[str, int] = field(default_factory=dict)  # canonical name -> articles naming it
    earlier: int = 0  # articles evicted from the window (``articles`` keeps the ids of the others)

    @property
    def size(self) -> int:
        """How many articles the story has had."""
        return self.earlier + len(self.articles)

    def as_event(self) -> dict:
        """The `story` field of an enriched event."""
        return {"id": self.id, "first_seen": self.first_seen, "articles": self.size, "sources": list(self.sources)}


@dataclass(frozen=True)
class Match:
    article_id: str
    containment: float
    shared: int


@dataclass
class _Entry:
    fingerprint: Fingerprint
    story_id: str
    seen: str


class StoryIndex:
    """Articles seen within the window, by band key, with the stories they belong to."""

    def __init__(self, min_containment: float = MIN_CONTAINMENT, min_shared: int = MIN_SHARED,
                 min_cover: float = MIN_COVER):
        self.min_containment = min_containment
        self.min_shared = min_shared
        self.min_cover = min_cover
        self._entries: dict[str, _Entry] = {}
        self._bands: dict[int, set[str]] = {}
        self.stories: dict[str, Story] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def matches(self, fp: Fingerprint, exclude: str = "") -> list[Match]:
        """Indexed articles that are near-copies of ``fp``, best first."""
        candidates: set[str] = set()
        for key in fp.bands:
            candidates |= self._bands.get(key, set())
        candidates.discard(exclude)
        found = []
        for other in candidates:
            share, shared, cover = containment(fp.shingles, self._entries[other].fingerprint.shingles)
            if share >= self.min_containment and shared >= self.min_shared and cover >= self.min_cover:
                found.append(Match(other, share, shared))
        return sorted(found, key=lambda m: (-m.containment, m.article_id))

    def add(self, article_id: str, source: str, fp: Fingerprint, seen: str, found: list[Match] | None = None,
            fallback: str | None = None) -> tuple[Story, list[Match]]:
        """Index an article and return its story. A known article id (a replay, a new version)
        keeps the story it has: versions of one article never change story. ``found``: its
        copies when already looked up; ``fallback``: the story it joins when it has no copy (an
        event join), else it starts its own."""
        known = self._entries.get(article_id)
        if found is None:
            found = self.matches(fp, exclude=article_id)
        if known is not None:
            story = self.stories[known.story_id]
            self._unindex(article_id)
        elif found:
            story = min((self.stories[self._entries[m.article_id].story_id] for m in found),
                        key=lambda s: (s.first_seen, s.id))
        elif fallback is not None and fallback in self.stories:
            story = self.stories[fallback]
        else:
            story = self.stories.setdefault(story_id_for(article_id), Story(story_id_for(article_id), seen))
        self._entries[article_id] = _Entry(fp, story.id, known.seen if known else seen)
        for key in fp.bands:
            self._bands.setdefault(key, set()).add(article_id)
        if article_id not in story.articles:
            story.articles.append(article_id)
        if source and source not in story.sources:
            story.sources.append(source)
        return story, found

    def entry(self, article_id: str) -> tuple[Fingerprint, str, str] | None:
        """(fingerprint, story id, first seen) of an indexed article, for persisting it."""
        e = self._entries.get(article_id)
        return (e.fingerprint, e.story_id, e.seen) if e else None

    def restore(self, article_id: str, fp: Fingerprint, story_id: str, seen: str) -> None:
        """Put back an article read from persisted state (its story is restored separately)."""
        if article_id in self._entries:
            self._unindex(article_id)
        self._entries[article_id] = _Entry(fp, story_id, seen)
        for key in fp.bands:
            self._bands.setdefault(key, set()).add(article_id)

    def forget(self, article_id: str) -> None:
        """Drop one article from the index (a tombstone in persisted state)."""
        if article_id in self._entries:
            self._unindex(article_id)
            del self._entries[article_id]

    def evict_before(self, seen: str) -> int:
        """Forget articles first seen before ``seen`` (RFC 3339, compared as UTC strings); their
        stories stay known by id but no longer attract new copies. Returns how many went."""
        old = [a for a, e in self._entries.items() if e.seen < seen]
        for article_id in old:
            self._unindex(article_id)
            del self._entries[article_id]
        return len(old)

    def _unindex(self, article_id: str) -> None:
        for key in self._entries[article_id].fingerprint.bands:
            bucket = self._bands.get(key)
            if bucket is not None:
                bucket.discard(article_id)
                if not bucket:
                    del self._bands[key]
