"""The baselines, each in a child process of its own: raw spaCy ``nlp.pipe`` (the limit) and
``wirewatch enrich``'s code path (``Enricher.enrich_many``, all stages, no broker); and the long
body of each language (long_body.py).

A child (``python -m streams.harness.bench child raw|enrich CORPUS``) loads its models, says
"ready", then makes one timed run per line read on stdin, so the raw spaCy reference can be
measured right before and right after each streaming window without reloading models, and
each process's memory high-water mark is its own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Self

from streams.harness.articles import read_jsonl
from streams.harness.bench.machine import machine_cpu, peak_rss_mb
from streams.harness.bench.report import say
from streams.harness.workers import child_env
from streams.paths import REPO_ROOT

# The timed run, and the untimed measurements to add to its result (if any).
Prepared = tuple[Callable[[], dict], Callable[[], dict] | None]


def prepare_raw_spacy(corpus: list[dict]) -> Prepared:
    """Load the models, warm up, and return the timed run: nlp.pipe per language, batch 16."""
    from streams.config import from_env
    from streams.nlp.annotate.parse import ModelRegistry
    from streams.text import nlp_view

    settings = from_env()
    registry = ModelRegistry(settings.models, indexed_rules=False, array_writes=False, chunk_cache=False, memo_lemmas=False)  # stock spaCy: the limit
    by_language: dict[str, list[str]] = {}
    for article in corpus:
        by_language.setdefault(article.get("language") or "en", []).append(nlp_view(article.get("body") or ""))
    for language, texts in by_language.items():
        list(registry.get(language).pipe(texts, batch_size=settings.batch_size))  # warm on the corpus, as every phase

    def run() -> dict:
        docs = 0
        for language, texts in by_language.items():
            for _doc in registry.get(language).pipe(texts, batch_size=settings.batch_size):
                docs += 1
        return {"docs": docs, "models": {lang: registry.describe(lang) for lang in by_language}}

    return run, None


def prepare_enrich(corpus: list[dict], stories_window: int = 10_000) -> Prepared:
    """Load what the Enricher needs, warm up, and return the timed run over the corpus and, untimed,
    the costs the streaming path adds around the parse."""
    from streams.config import from_env
    from streams.nlp.pipeline import Enricher

    settings = from_env()
    enricher = Enricher(settings)
    enricher.warm_up()
    warm = [dict(a, id=f"warm-{i}") for i, a in enumerate(corpus)]  # warm on the corpus, as every phase
    list(enricher.enrich_many(warm, batch_size=settings.batch_size))
    last: dict[str, Any] = {"events": [], "annotate_ms": None}  # the latest run, for the untimed part

    def run() -> dict:
        kinds: Counter[str] = Counter()
        stage_ms: Counter[str] = Counter()
        events: list[dict] = []
        entities: dict[str, list[str]] = {}
        names: dict[str, tuple[str, str]] = {}
        for kind, event in enricher.enrich_many(corpus, batch_size=settings.batch_size):
            kinds[kind] += 1
            if kind != "enriched":
                continue
            events.append(event)
            for stage, ms in (event.get("timings_ms") or {}).items():
                stage_ms[stage] += ms
            ids = []
            for entity in event.get("entities") or []:
                ids.append(entity["id"])
                names[entity["id"]] = (entity["name"], entity["type"])
            entities[event["id"]] = sorted(set(ids))
        enriched = max(1, kinds["enriched"])
        last.update(events=events, annotate_ms=stage_ms["annotate"] / enriched if stage_ms["annotate"] else None)
        return {
            "docs": sum(kinds.values()),
            "enriched": kinds["enriched"],
            "deadletter": kinds["deadletter"],
            "stage_ms": {stage: round(ms / enriched, 2) for stage, ms in stage_ms.items()},
            "entities": entities,
            "entity_names": {k: list(v) for k, v in names.items()},
        }

    def after() -> dict:
        from streams.harness.bench.corpus import default_data_dir
        from streams.harness.bench.stories_window import shared_texts, stories_cost

        texts = shared_texts(default_data_dir()) if stories_window else []
        return {"overhead": overhead_breakdown(enricher, corpus[:24]),
                "stories_window": stories_cost(last["events"], last["annotate_ms"], stories_window, texts)}

    return run, after


def overhead_breakdown(enricher, articles: Sequence[dict]) -> dict:
    """Per-article costs the streaming path adds around the parse, measured in-process (ms, bytes).

    A worker serialises the parse once (annotate), then every later stage decodes the JSON
    event, rebuilds the Doc from it, and encodes its own output with the annotation inside."""
    from streams.nlp.annotate.parse import doc_from_annotation, serialize_doc
    from streams.runtime import codec

    pairs = enricher.annotate([enricher.normalize(a) for a in articles])
    if not pairs:
        return {}
    for event, _doc in pairs:  # the blank vocabulary per language is built once per process
        doc_from_annotation(event["annotation"], event["language"])
    totals: Counter[str] = Counter()
    for event, doc in pairs:
        started = time.perf_counter()
        data = serialize_doc(doc)
        totals["serialize_doc_ms"] += time.perf_counter() - started
        started = time.perf_counter()
        doc_from_annotation(event["annotation"], event["language"])
        totals["rebuild_doc_ms"] += time.perf_counter() - started
        started = time.perf_counter()
        encoded = codec.dumps(event)
        totals["json_dumps_ms"] += time.perf_counter() - started
        started = time.perf_counter()
        codec.loads(encoded)
        totals["json_loads_ms"] += time.perf_counter() - started
        totals["annotation_bytes"] += len(data)
        totals["event_bytes"] += len(encoded)
        totals["body_bytes"] += len(event["body"].encode("utf-8"))
    n = len(pairs)
    out = {k: round(v * 1000 / n, 3) if k.endswith("_ms") else round(v / n) for k, v in totals.items()}
    # The three hops carrying the annotation (annotated, entities, quotes) each cost one dumps in
    # the producer and one loads in the consumer. Entities, quotes and topics rebuild the Doc
    # only in a worker that did not parse the article (Enricher.doc keeps recent parses).
    json_ms = 3 * (out["json_dumps_ms"] + out["json_loads_ms"])
    out["per_article_extra_ms"] = round(out["serialize_doc_ms"] + json_ms, 3)
    out["per_article_extra_split_ms"] = round(out["serialize_doc_ms"] + 3 * out["rebuild_doc_ms"] + json_ms, 3)
    out["articles"] = n
    return out


def child_main(argv: Sequence[str]) -> int:
    """`python -m streams.harness.bench child raw|enrich|long CORPUS [--part I/N]`: load, print 'ready', then one
    timed run (one JSON line out) per line read on stdin, until stdin closes."""
    parser = argparse.ArgumentParser(prog="streams.harness.bench child")
    parser.add_argument("mode", choices=("raw", "enrich", "long"))
    parser.add_argument("corpus")
    parser.add_argument("--part", default="0/1", help="I/N: take every N-th article from the I-th")
    parser.add_argument("--stories-window", type=int, default=10_000, help="enrich: articles in the story window")
    parser.add_argument("--megabytes", type=float, default=1.0, help="long: size of the body per language")
    args = parser.parse_args(list(argv))
    index, parts = (int(v) for v in args.part.split("/"))
    corpus = read_jsonl(Path(args.corpus))[index::parts]
    if args.mode == "raw":
        run, after = prepare_raw_spacy(corpus)
    elif args.mode == "long":
        from streams.harness.bench.long_body import prepare_long_body

        run, after = prepare_long_body(corpus, args.megabytes)
    else:
        run, after = prepare_enrich(corpus, args.stories_window)
    print("ready", flush=True)
    while sys.stdin.readline():
        machine0, cpu0, started = machine_cpu(), time.process_time(), time.time()
        result = run()
        ended, cpu1, machine1 = time.time(), time.process_time(), machine_cpu()
        result.update(start=started, end=ended, seconds=ended - started, cpu_s=cpu1 - cpu0,
                      peak_rss_mb=peak_rss_mb(), machine_start=machine0, machine_end=machine1)
        if after:
            result.update(after())
        print(json.dumps(result), flush=True)
    return 0


class ChildPool:
    """Baseline processes with their models loaded, run on demand and released together.

    Kept alive (idle, blocked on stdin) between runs, so the raw spaCy reference can be measured
    right before and right after each streaming window without reloading models."""

    def __init__(self, mode: str, corpus_path: Path, processes: int, workdir: Path, timeout: float = 300.0,
                 extra: Sequence[str] = ()):
        self.mode = mode
        self.children: list[tuple[subprocess.Popen, Any]] = []
        for index in range(processes):
            log = open(workdir / f"child-{mode}-{processes}-{index}.log", "wb")  # noqa: SIM115 - closed by close()
            command = [sys.executable, "-m", "streams.harness.bench", "child", mode, str(corpus_path),
                       "--part", f"{index}/{processes}", *extra]
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                       cwd=str(REPO_ROOT), env=child_env())
            self.children.append((process, log))
        try:
            for process, log in self.children:
                if self._line(process, timeout) != "ready":
                    raise RuntimeError(f"{mode} baseline process failed to start; see {log.name}")
        except BaseException:
            self.close()
            raise

    def _line(self, process: subprocess.Popen, timeout: float) -> str:
        import select

        ready, _, _ = select.select([process.stdout], [], [], timeout)
        return process.stdout.readline().decode("utf-8", "replace").strip() if ready else ""

    def run(self, timeout: float) -> list[dict]:
        for process, _log in self.children:
            process.stdin.write(b"go\n")
            process.stdin.flush()
        results = []
        for process, log in self.children:
            line = self._line(process, timeout)
            if not line.startswith("{"):
                raise RuntimeError(f"{self.mode} baseline process failed (status {process.poll()}); see {log.name}")
            results.append(json.loads(line))
        return results

    def close(self) -> None:
        for process, log in self.children:
            if process.poll() is None:
                try:
                    process.stdin.close()
                    process.wait(10)
                except (OSError, subprocess.TimeoutExpired):
                    process.kill()
                    process.wait()
            log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def combine(results: Sequence[dict]) -> dict:
    """One figure for processes run side by side: all their docs over the wall time they spanned."""
    docs = sum(r["docs"] for r in results)
    first = min(results, key=lambda r: r["start"])
    last = max(results, key=lambda r: r["end"])
    wall = last["end"] - first["start"]
    cpu = sum(r["cpu_s"] for r in results)
    out = {
        "docs": docs,
        "seconds": round(wall, 3),
        "docs_per_s": round(docs / wall, 3) if wall > 0 else None,
        "cpu_s_per_doc": round(cpu / max(1, docs), 4),
        "cores_used": round(cpu / wall, 2) if wall > 0 else None,
        "peak_rss_mb": max((r.get("peak_rss_mb") or 0) for r in results) or None,
    }
    if first.get("machine_start") and last.get("machine_end") and wall > 0:
        busy = last["machine_end"][0] - first["machine_start"][0]
        out["machine_busy_cores"] = round(busy / wall, 2)
        out["other_load_cores"] = round(max(0.0, busy - cpu) / wall, 2)
        out["steal_cores"] = round((last["machine_end"][1] - first["machine_start"][1]) / wall, 2)
    return out


def raw_phase(pool: ChildPool, timeout: float, label: str) -> dict:
    """One timed run of every process of the pool, as one figure."""
    children = pool.run(timeout)
    result = combine(children)
    result["processes"] = len(children)
    result["models"] = children[0].get("models")
    say(f"{label}: {result['docs']} docs in {result['seconds']:.1f}s → {result['docs_per_s']} docs/s "
        f"(other load {result.get('other_load_cores')} cores)")
    return result
