"""MinHash signatures: a fixed-size sketch whose agreement estimates Jaccard similarity.

The permutations are drawn from a fixed seed, so a signature computed by one worker can be
compared with (and banded like) one computed by another, or by the same worker after a restart.
Signatures are never persisted (a worker recomputes them from the stored shingles), so NUM_PERM
and SEED may change between releases, not between the workers of one deployment."""

from __future__ import annotations

import numpy as np

NUM_PERM = 256
SEED = 20_261_206
VALUE_BITS = 32
"""Every signature value is below 2**VALUE_BITS (the hash keeps the top 32 bits), which lsh.py relies on."""
_EMPTY = np.uint64((1 << VALUE_BITS) - 1)


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 1 << 63, size=num_perm, dtype=np.uint64)
    return a, b  # a odd: multiply-shift hashing needs it


_A, _B = _permutations(NUM_PERM, SEED)


def signature(hashes: np.ndarray) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint64 values) of a set of 32-bit shingle hashes."""
    if hashes.size == 0:
        return np.full(NUM_PERM, _EMPTY, dtype=np.uint64)
    # Multiply-shift hashing of 32-bit keys, h(x) = ((a*x + b) mod 2**64) >> 32: a family of
    # independent-looking permutations; uint64 arithmetic wraps, which is the "mod 2**64". The
    # shift keeps the order, so it is applied to the minima only (a quarter less time, in place).
    with np.errstate(over="ignore"):
        values = np.multiply.outer(hashes, _A)
        values += _B
    return values.min(axis=0) >> np.uint64(64 - VALUE_BITS)


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard similarity of the two sets behind the signatures."""
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)


def containment(j: float, size_a: int, size_b: int) -> float:
    """Estimated share of the smaller set found in the larger, from Jaccard and the set sizes.

    |A∩B| = J(|A|+|B|)/(1+J); a trimmed copy (one outlet cuts the last paragraphs) has a low
    Jaccard with the full dispatch but a containment near 1."""
    smaller = min(size_a, size_b)
    if smaller == 0:
        return 0.0
    return min(1.0, j * (size_a + size_b) / ((1.0 + j) * smaller))
