"""Word shingles hashed with a stable hash.

Python's ``hash()`` is salted per process; two workers must agree on every shingle, so shingles
are hashed with BLAKE2b, which is the same on every machine and in every run."""

from __future__ import annotations

from hashlib import blake2b

import numpy as np

SHINGLE_WORDS = 5  # long enough that common phrases ("a-t-il déclaré à l'AFP") rarely match alone


def stable_hash32(text: str) -> int:
    """A 32-bit hash that is the same in every process."""
    return int.from_bytes(blake2b(text.encode("utf-8"), digest_size=4).digest(), "little")


def shingle_hashes(words: list[str], k: int = SHINGLE_WORDS) -> np.ndarray:
    """The distinct hashed k-word shingles of ``words`` (uint64 array, possibly empty).

    A text shorter than k words yields one shingle of all its words, so it is not invisible."""
    if not words:
        return np.zeros(0, dtype=np.uint64)
    if len(words) < k:
        grams = {" ".join(words)}
    else:
        grams = {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}
    digests = b"".join([blake2b(gram.encode("utf-8"), digest_size=4).digest() for gram in grams])
    return np.frombuffer(digests, dtype="<u4").astype(np.uint64)  # stable_hash32 of each, read at once
