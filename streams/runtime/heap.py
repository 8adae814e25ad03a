"""Keep a worker's long-lived objects out of the cyclic garbage collector.

Why: once the spaCy models, the alias tables and Faust are loaded, a worker holds some 600,000
container objects that live as long as it does. Every full (generation 2) collection walks all
of them: 0.15 s of CPU in-process, 0.2–0.5 s of wall time in a loaded worker, during which every
agent stops (docs/benchmarks.md, issue #17). `gc.freeze()` moves what exists at that
moment into a permanent generation that collections skip; what is created later is collected as
before. The price: a reference cycle among the frozen objects that later becomes garbage is
never freed, which is why this runs once, after warm-up, over objects meant to last."""

from __future__ import annotations

import gc
import time


def freeze_long_lived() -> tuple[int, float]:
    """Collect once, then freeze every object still alive; returns (objects frozen, seconds taken)."""
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count(), time.perf_counter() - started
