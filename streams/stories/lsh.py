"""Locality-sensitive band keys: articles that share a band key are candidate copies.

The band key is a stable string, the same in every worker, so it can key a Kafka message or a
table row (see docs/stories.md: copies of one dispatch meet on the partition of a shared band).

Bands of 2 rows over 256 permutations (128 bands): a trimmed copy (a short item whose text is
all in a longer dispatch) can have a Jaccard as low as 0.2 with it, and is still a candidate
with probability 1 - (1 - 0.2**2)**128 = 0.995 (0.93 with 64 bands: dispatches-fr lost a known
pair that way); unrelated articles (Jaccard ~0.01) are candidates with probability 0.013.
Candidates are then verified exactly (index.py), so the bands only need recall, not precision."""

from __future__ import annotations

from hashlib import blake2b

import numpy as np

from streams.stories.minhash import NUM_PERM, SIGNATURE_VERSION

ROWS = 2
BANDS = NUM_PERM // ROWS


def band_keys(sig: np.ndarray, rows: int = ROWS) -> list[str]:
    """One key per band: a hash of the band's index and its rows of the signature."""
    keys = []
    for band in range(len(sig) // rows):
        chunk = sig[band * rows:(band + 1) * rows].astype("<u8").tobytes()
        digest = blake2b(chunk, digest_size=8, person=b"ww-band%d" % SIGNATURE_VERSION)
        digest.update(band.to_bytes(2, "little"))
        keys.append(digest.hexdigest())
    return keys
