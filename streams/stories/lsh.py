"""Locality-sensitive band keys: articles that share a band key are candidate copies.

A band key is an exact integer made of the band's index and its rows of the signature, the
same in every worker; keys live in memory only (a worker that takes over recomputes them from
the persisted shingles), so the form may change between releases.

Bands of 2 rows over 256 permutations (128 bands): a trimmed copy (a short item whose text is
all in a longer dispatch) can have a Jaccard as low as 0.2 with it, and is still a candidate
with probability 1 - (1 - 0.2**2)**128 = 0.995 (0.93 with 64 bands: dispatches-fr lost a known
pair that way); unrelated articles (Jaccard ~0.01) are candidates with probability 0.013.
Candidates are then verified exactly (index.py), so the bands only need recall, not precision."""

from __future__ import annotations

import numpy as np

from streams.stories.minhash import NUM_PERM, VALUE_BITS

ROWS = 2
BANDS = NUM_PERM // ROWS


def band_keys(sig: np.ndarray, rows: int = ROWS) -> list[int]:
    """One key per band: its index followed by its `rows` signature values, packed VALUE_BITS
    bits each. Packing, not hashing: two keys are equal exactly when the band and its rows are,
    and it costs a fraction of a BLAKE2b digest per band (docs/benchmarks.md, issue #17)."""
    bands = len(sig) // rows
    keys = []
    for band, values in enumerate(sig[:bands * rows].reshape(bands, rows).tolist()):
        key = band
        for value in values:
            key = (key << VALUE_BITS) | value
        keys.append(key)
    return keys
