"""spaCy's tokenizer cache, filled with the chunks it leaves out.

spaCy's tokenizer splits a text on whitespace into chunks and caches the tokens of each chunk,
so a word met before costs one lookup instead of its prefix, suffix and infix regexes. But in
spaCy 3.8 the flag that keeps a chunk touched by a special case ("don't", "Feb.", a no-break
space) out of the cache is kept for the whole text, not per chunk (explosion/spaCy#13950, open
when this was written): after the first special case of an article, none of its later chunks is
cached, on any run. English wire copy meets one early (a "’s", a title, a date), so nearly every
English article was split by regex, every time: ~1.1 ms per bench article, against 0.1 ms for
French copy, which meets fewer.

`ChunkCachingTokenizer` tokenizes each chunk it has not seen before on its own first: there the
flag starts clear, so a chunk that touches no special case is cached; the text is then tokenized
as before and finds it. A chunk's tokens do not depend on the text around it, and a chunk that
touches a special case stays out of the cache as spaCy wants, so the Doc is the same
(tests/test_chunk_cache.py). The cache is also allowed more chunks than spaCy's 10,000, which a
day of English copy fills (docs/benchmarks.md, issue #17).
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

CACHED_CHUNKS = 100_000
"""Chunks the tokenizer may cache (spaCy's default: 10,000). With the set of chunks seen, 100,000
chunks cost 6-15 MB more than spaCy's own tokenizer over the same text (121,450 distinct chunks)."""


class ChunkCachingTokenizer:
    """A spaCy tokenizer that makes sure every plain chunk reaches its cache (see the module).
    Everything else (its rules, its settings, serialisation) is the wrapped tokenizer's own:
    attributes are read from and written to it."""

    OWN = frozenset({"tokenizer", "limit", "seen"})

    def __init__(self, tokenizer: Any, limit: int = CACHED_CHUNKS):
        object.__setattr__(self, "tokenizer", tokenizer)
        object.__setattr__(self, "limit", limit)
        object.__setattr__(self, "seen", set())
        tokenizer.max_cache_size = max(tokenizer.max_cache_size, limit)

    def __call__(self, text: str) -> Doc:
        if len(self.seen) < self.limit and not self.tokenizer.vocab.in_memory_zone:  # a zone caches nothing
            new = set(text.split())  # str.split cuts on str.isspace, as the tokenizer does
            new -= self.seen
            for chunk in new:
                self.tokenizer(chunk)
            self.seen |= new
        return self.tokenizer(text)

    def __getattr__(self, name: str) -> Any:
        if name in self.OWN or name.startswith("__"):  # not set yet (unpickling, copying)
            raise AttributeError(name)
        return getattr(self.tokenizer, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self.OWN:
            object.__setattr__(self, name, value)
        else:  # e.g. nlp.tokenizer.token_match = ...: the tokenizer's own setting
            setattr(self.tokenizer, name, value)

    def __reduce__(self) -> tuple:
        return ChunkCachingTokenizer, (self.tokenizer, self.limit)


def cache_every_chunk(nlp: Language, limit: int = CACHED_CHUNKS) -> None:
    """Give `nlp` the chunk-caching tokenizer (once)."""
    if not isinstance(nlp.tokenizer, ChunkCachingTokenizer):
        nlp.tokenizer = ChunkCachingTokenizer(nlp.tokenizer, limit)
