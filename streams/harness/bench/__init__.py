"""`wirewatch bench`: the pipeline's speed against the raw spaCy limit, in one run, one corpus.

The spaCy parse is the physical limit of this product on a CPU, so every figure is reported
beside a raw ``nlp.pipe`` over the same articles with the same models, measured in the same
run on the same machine (other load on the machine moves both).  Phases:

1. raw spaCy ``nlp.pipe`` in a fresh process (and in one process per core, the machine's own
   scaling limit);
2. ``wirewatch enrich``'s code path (``Enricher.enrich_many``, all stages, no broker);
3. the streaming pipeline through a broker with one worker process, then one per core, in one
   consumer group: first produce to last enriched event, model loading excluded;
4. latency raw -> enriched and raw -> alert webhook at about half of one worker's capacity;
5. peak memory (VmHWM) of every measured process.

Modules: `corpus` (what is measured), `baseline` (phases 1-2, in child processes), `streaming`
(phases 3-4), `machine` and `stats` (the measuring), `report` (ratios, targets, the table),
`run` (the phases in order) and `cli` (the verb).
"""

from streams.harness.bench.cli import cmd_bench, main, register_bench

__all__ = ["cmd_bench", "main", "register_bench"]
