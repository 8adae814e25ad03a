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
    """A spaCy tokenizer that makes sure every plain chunk reaches its cache (see the module)."""

    def __init__(self, tokenizer: Any, limit: int = CACHED_CHUNKS):
        self.tokenizer = tokenizer
        self.limit = limit
        self.seen: set[str] = set()
        tokenizer.max_cache_size = max(tokenizer.max_cache_size, limit)

    def __call__(self, text: str) -> Doc:
        if len(self.seen) < self.limit:
            new = set(text.split())  # str.split cuts on str.isspace, as the tokenizer does
            new -= self.seen
            for chunk in new:
                self.tokenizer(chunk)
            self.seen |= new
        return self.tokenizer(text)

    def __getattr__(self, name: str) -> Any:  # everything else is the tokenizer's own
        return getattr(self.tokenizer, name)


def cache_every_chunk(nlp: Language, limit: int = CACHED_CHUNKS) -> None:
    """Give `nlp` the chunk-caching tokenizer (once)."""
    if not isinstance(nlp.tokenizer, ChunkCachingTokenizer):
        nlp.tokenizer = ChunkCachingTokenizer(nlp.tokenizer, limit)
